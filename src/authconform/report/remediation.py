"""How to fix each check: the text shown under a failed check, in summary.json and as SARIF rule help.

Kept here, keyed by check ID, rather than on the ``@check`` decorators: a fix is advice that
changes with frameworks, while the check's identity and requirement are part of the suite. Each
entry says what to change, framework-neutral, then one line for where Symfony/Lexik, Laravel,
Django REST framework or Flask differ. ``tests/test_remediation.py`` fails when a catalogue check
has no entry here, or an entry names no check.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Remediation:
    fix: str  # what to change, framework-neutral
    frameworks: str  # where Symfony/Lexik, Laravel, Django REST framework or Flask differ

    def as_text(self) -> str:
        return f"{self.fix}\nFrameworks: {self.frameworks}"

    def as_markdown(self) -> str:
        return f"{self.fix}\n\n*Frameworks:* {self.frameworks}"


def _r(fix: str, frameworks: str) -> Remediation:
    return Remediation(" ".join(fix.split()), " ".join(frameworks.split()))


REMEDIATIONS: dict[str, Remediation] = {
    # --- access: the protected endpoint and forged tokens -----------------------------------------
    "ACCESS-VALID-TOKEN": _r(
        "Make the protected endpoint accept the token the login hands out, sent the way the profile's "
        "protected.scheme says; check that the login and the API verify with the same key pair and algorithm.",
        "Symfony/Lexik: the API firewall needs `jwt: ~` and the same key pair as the login firewall. Laravel: "
        "put the route under `auth:sanctum` or `auth:api` (tymon/jwt-auth). DRF: add the JWT authentication class "
        "to DEFAULT_AUTHENTICATION_CLASSES. Flask: `@jwt_required()` on the view."),
    "ACCESS-NO-TOKEN": _r(
        "Require authentication on the protected endpoint and answer a request without a credential with the "
        "rejected status (401 for Bearer), never with data. Do not let a session cookie stand in for the token.",
        "Symfony/Lexik: `access_control` with IS_AUTHENTICATED_FULLY and `stateless: true` on the API firewall. "
        "Laravel: `auth:sanctum` middleware. DRF: `IsAuthenticated` in DEFAULT_PERMISSION_CLASSES. Flask: "
        "`@jwt_required()`."),
    "ACCESS-GARBAGE-TOKEN": _r(
        "Treat any credential that does not parse or verify as absent: catch decoding errors in the "
        "authenticator and answer the rejected status; never let a malformed token reach code that indexes "
        "into its parts, or into an SQL query.",
        "Symfony/Lexik: a custom token extractor or decoder must throw InvalidTokenException, not warn. Laravel: "
        "tymon/jwt-auth's TokenInvalidException must map to 401 in the exception handler. DRF: raise "
        "InvalidToken/AuthenticationFailed. Flask-JWT-Extended: register `invalid_token_loader`."),
    "ACCESS-WRONG-SCHEME": _r(
        "Accept the token only in the scheme the API documents (e.g. `Authorization: Bearer`), not with another "
        "prefix, without a prefix, or in another header.",
        "Symfony/Lexik: keep only the `authorization_header` extractor with `prefix: Bearer`. Laravel: Sanctum "
        "reads only Bearer. DRF SimpleJWT: AUTH_HEADER_TYPES = ('Bearer',). Flask-JWT-Extended: "
        "JWT_HEADER_TYPE = 'Bearer'."),
    "ACCESS-TOKEN-IN-QUERY": _r(
        "Do not read access tokens from the URL: logs, proxies and Referer headers keep query strings. Take them "
        "from the Authorization header only.",
        "Symfony/Lexik: leave `token_extractors.query_parameter.enabled` false. Laravel: tymon/jwt-auth's "
        "QueryString parser is on by default: remove it from the parser chain. DRF: SimpleJWT reads headers only. "
        "Flask-JWT-Extended: keep 'query_string' out of JWT_TOKEN_LOCATION."),
    "ACCESS-WWW-AUTHENTICATE": _r(
        "Send `WWW-Authenticate: Bearer` (with `error=\"invalid_token\"` when a token was given) on every 401 "
        "from the protected endpoint.",
        "Symfony/Lexik: the default entry point sends it; a custom failure handler must keep it. Laravel: add it "
        "in the `unauthenticated` handler. DRF: the authentication class's `authenticate_header` supplies it. "
        "Flask: set it in the `unauthorized_loader` response."),
    "ACCESS-ALG-NONE": _r(
        "Verify every token with an algorithm fixed by the server (an allow-list), never the one the token's "
        "header names; refuse `alg: none` in any letter case.",
        "Symfony/Lexik: `signature_algorithm` is fixed in config; do not replace the encoder with one that reads "
        "alg from the header. Laravel tymon/jwt-auth: set JWT_ALGO. DRF SimpleJWT: ALGORITHM is fixed. Flask: "
        "JWT_ALGORITHM / JWT_DECODE_ALGORITHMS; with PyJWT always pass `algorithms=[...]`."),
    "ACCESS-SIGNATURE-STRIPPED": _r(
        "Verify the signature of every token before using any claim; a token with a missing, damaged or "
        "truncated signature is refused.",
        "Symfony/Lexik: never use the `decode` without verification (e.g. `JWSProvider::load` results whose "
        "isVerified() is false). Laravel, DRF, Flask: do not call decode with verification disabled "
        "(PyJWT `options={'verify_signature': False}`)."),
    "ACCESS-PAYLOAD-TAMPERED": _r(
        "Verify the signature over the exact header and payload received, then read the claims from what was "
        "verified; a changed payload under the old signature must be refused.",
        "Symfony/Lexik, Laravel tymon/jwt-auth, DRF SimpleJWT and Flask-JWT-Extended all do this by default: look "
        "for custom decoders, caches keyed by the signature alone, or code that reads claims before verifying."),
    "ACCESS-KEY-CONFUSION": _r(
        "Bind each key to one algorithm: an RSA/EC public key verifies RS*/ES* only and is never used as an HMAC "
        "secret; keep the accepted algorithms to the one the server signs with.",
        "Symfony/Lexik: one `signature_algorithm`. Laravel tymon/jwt-auth: JWT_ALGO=RS256 with only the keys "
        "set. DRF SimpleJWT: ALGORITHM='RS256' with VERIFYING_KEY. Flask: JWT_DECODE_ALGORITHMS=['RS256']; "
        "PyJWT ≥ 2 refuses PEM keys as HMAC secrets."),
    "ACCESS-KID-INJECTION": _r(
        "Do not build a key lookup from the token's `kid`: map it to keys you hold (a fixed set or your JWKS) "
        "and refuse an unknown kid; never read a file, query a database (a concatenated query) or run a "
        "command with it.",
        "Symfony/Lexik and Laravel: a custom key loader must not use kid as a path. DRF SimpleJWT: use "
        "JWK_URL or a fixed VERIFYING_KEY. Flask: a `decode_key_loader` must look kid up in a dict."),
    "ACCESS-JKU": _r(
        "Never fetch the URL a token's `jku` names: verify with keys configured on the server (its own pair, or "
        "one JWKS URL pinned in configuration) and ignore or refuse jku.",
        "Symfony/Lexik and Laravel tymon/jwt-auth ignore jku. DRF SimpleJWT: JWK_URL is configuration, never the "
        "header. Flask/PyJWT: PyJWKClient(url) with your own URL, never header['jku']. Block outbound requests "
        "from the API tier where you can."),
    "ACCESS-X5U": _r(
        "Never fetch the certificate a token's `x5u` names: verify with keys configured on the server; if "
        "certificates must be used, pin the trust anchor and the URL in configuration.",
        "Symfony/Lexik, Laravel, DRF SimpleJWT and Flask/PyJWT ignore x5u by default: look for custom key "
        "resolvers that read it. Block outbound requests from the API tier where you can."),
    "ACCESS-EMBEDDED-JWK": _r(
        "Verify with keys the server holds (its own key pair or a configured JWKS), never with a `jwk`, `jku` or "
        "`x5c` taken from the token's header.",
        "Symfony/Lexik (lcobucci/jwt) and Laravel tymon/jwt-auth ignore `jwk`. DRF SimpleJWT and Flask (PyJWT): "
        "pass your own key to decode, not `PyJWK(header['jwk'])`. node-jose < 0.11: upgrade (CVE-2018-0114)."),
    "ACCESS-WRONG-AUDIENCE": _r(
        "Check `aud` on every request: refuse a token whose aud does not name this API, and one without aud.",
        "Symfony/Lexik: a JWTDecoded listener that calls markAsInvalid() on a foreign or missing aud. Laravel "
        "tymon/jwt-auth: a custom claim validator. DRF SimpleJWT: AUDIENCE. Flask-JWT-Extended: JWT_DECODE_AUDIENCE; "
        "PyJWT: decode(..., audience=...)."),
    "ACCESS-WRONG-ISSUER": _r(
        "Check `iss` on every request: refuse a token from another issuer, and one without iss.",
        "Symfony/Lexik: a JWTDecoded listener that calls markAsInvalid() on a foreign or missing iss. DRF "
        "SimpleJWT: ISSUER. Flask-JWT-Extended: JWT_DECODE_ISSUER; PyJWT: decode(..., issuer=...)."),
    "ACCESS-ES256-ZERO-SIGNATURE": _r(
        "Upgrade the ECDSA verifier: signatures with r = 0 or s = 0 must be refused (CVE-2022-21449, Java 15-18); "
        "verify with a maintained library.",
        "Symfony/Lexik (lcobucci/jwt, OpenSSL), Laravel, DRF and Flask (cryptography/OpenSSL) are not affected "
        "unless a Java service verifies the tokens: patch that JDK."),
    "ACCESS-EXPIRED": _r(
        "Check `exp` on every request (with a small leeway) and refuse an expired token, even when its "
        "signature is bad or good.",
        "Symfony/Lexik: keep `clock_skew` small and do not disable exp checking. Laravel tymon/jwt-auth: "
        "JWT_LEEWAY small, required_claims include exp. DRF SimpleJWT: LEEWAY small. Flask-JWT-Extended: "
        "JWT_DECODE_LEEWAY small; PyJWT checks exp unless told not to."),
    # --- login -------------------------------------------------------------------------------------
    "LOGIN-OK-STATUS": _r(
        "Answer a successful login with the status the API documents (usually 200), or change the profile's "
        "login.success.status if the server is right.",
        "Symfony/Lexik: 200 from the success handler. Laravel: return `response()->json(..., 200)`. DRF: "
        "TokenObtainPairView answers 200. Flask: return the JSON with 200."),
    "LOGIN-OK-CONTENT-TYPE": _r(
        "Send the token in a JSON body with `Content-Type: application/json` (RFC 6749 §5.1), never as HTML.",
        "Symfony/Lexik: JWTAuthenticationSuccessResponse is a JsonResponse; a custom handler must return one. "
        "Laravel: `response()->json()`. DRF: a JSON renderer. Flask: `jsonify`."),
    "LOGIN-OK-SCHEMA": _r(
        "Make the success body match the documented schema (every required field, the right types), or fix the "
        "schema the profile points to.",
        "Symfony/Lexik: add fields in an AuthenticationSuccessEvent listener. Laravel: an API Resource. "
        "DRF: a custom TokenObtainPairSerializer. Flask: one response schema (marshmallow/pydantic)."),
    "LOGIN-OK-TOKEN": _r(
        "Return a non-empty token at the documented place in the body (the profile's login.success.token "
        "pointer), or correct the pointer.",
        "Symfony/Lexik: `token` by default; a listener renaming it must keep it non-empty. Laravel Sanctum: "
        "`plainTextToken`. DRF SimpleJWT: `access`. Flask-JWT-Extended: whatever key your view sets."),
    "LOGIN-OK-NO-PASSWORD-ECHO": _r(
        "Never serialise the submitted password, or the stored hash, into a response: list the user fields a "
        "response may carry instead of dumping the entity.",
        "Symfony: serialization groups without the password property. Laravel: `$hidden = ['password']` on the "
        "model. DRF: `extra_kwargs = {'password': {'write_only': True}}`. Flask: exclude it from the schema."),
    "LOGIN-MISSING-FIELD": _r(
        "Validate the login body before authenticating: a missing field gets a 4xx naming the field, as the "
        "profile's login.errors.missing_field says.",
        "Symfony json_login answers 400 'The key \"...\" must be provided.'. Laravel: `$request->validate()` "
        "(422). DRF: the serializer's 400 with field errors. Flask: validate with a schema and return 400."),
    "LOGIN-EMPTY-BODY": _r(
        "Treat an empty or missing body as a client error (4xx with the documented body), not a crash.",
        "Symfony json_login: 400 'Invalid JSON.'. Laravel: validation fails with 422. DRF: 400 from the "
        "serializer. Flask: `request.get_json(silent=True)` and a 400 when it is None."),
    "LOGIN-MALFORMED-JSON": _r(
        "Parse the body defensively and answer invalid JSON with the documented 4xx.",
        "Symfony json_login: 400 'Invalid JSON.'. Laravel: validation sees no input (422). DRF: ParseError "
        "gives 400. Flask: `get_json()` raises BadRequest (400) unless silent; return your JSON error body."),
    "LOGIN-WRONG-TYPE": _r(
        "Check field types (identity and password are strings) and answer a number, list or object with the "
        "documented 4xx before any lookup.",
        "Symfony json_login: 400 'The key \"...\" must be a string.'. Laravel: `'email' => 'required|string'`. "
        "DRF: CharField refuses lists. Flask: validate types in the schema."),
    "LOGIN-NO-5XX": _r(
        "No client input may crash the login: validate presence, type and length before use, and map every "
        "remaining error to a 4xx.",
        "Symfony: check for null before calling string functions on input. Laravel: validate with `string`. "
        "DRF: serializer validation. Flask: an `errorhandler(Exception)` is a last resort, not validation."),
    "LOGIN-401-BAD-PASSWORD": _r(
        "Refuse a wrong password with the documented status and body, with no token and no partial session.",
        "Symfony/Lexik: 401 'Invalid credentials.' by default. Laravel: return 401 when `Auth::attempt` fails "
        "(not 200 with an error flag). DRF SimpleJWT: 401. Flask: return 401 when the hash check fails."),
    "LOGIN-401-UNKNOWN-USER": _r(
        "Refuse an unknown identity exactly like a wrong password: the same status, body and no token.",
        "Symfony: keep `hide_user_not_found: true` (the default). Laravel: one failure response for both cases. "
        "DRF SimpleJWT: one 'No active account' message. Flask: one error path for both."),
    "LOGIN-401-SAME-MESSAGE": _r(
        "Use one status and one message for 'wrong password' and 'no such user', so the answer does not tell an "
        "attacker which accounts exist.",
        "Symfony: `hide_user_not_found: true`. Laravel: do not return `trans('auth.user')`-style distinct "
        "messages. DRF: SimpleJWT uses one message. Flask: one message for both."),
    "LOGIN-DISABLED-REFUSED": _r(
        "Check the account's status on login (and on every token use) and refuse a disabled account with the "
        "documented answer.",
        "Symfony: a UserChecker (`checkPreAuth`) on the login and API firewalls. Laravel: add "
        "`'active' => 1` to the credentials, or check in middleware. DRF SimpleJWT: USER_AUTHENTICATION_RULE "
        "checks `is_active`. Flask: check the flag in the login view and in `user_lookup_loader`."),
    # --- OpenAPI -------------------------------------------------------------------------------------
    "OPENAPI-SPEC-VALID": _r(
        "Publish a document that validates against the OpenAPI specification (e.g. security schemes of type "
        "`http` with `scheme: bearer`, or `apiKey`).",
        "Symfony: API Platform or NelmioApiDocBundle generate it; fix hand-written decorators. Laravel: "
        "l5-swagger or Scramble. DRF: drf-spectacular (`manage.py spectacular --validate`). Flask: apispec / "
        "flask-smorest."),
    "OPENAPI-LOGIN-DOCUMENTED": _r(
        "Document the login (and refresh) operation with every status it answers: success, validation errors, "
        "bad credentials, disabled accounts.",
        "Symfony/API Platform: decorate the OpenApiFactory to add the login path and its responses. Laravel: "
        "annotate the controller. DRF: `@extend_schema(responses=...)`. Flask: document the blueprint's "
        "responses."),
    "OPENAPI-EXCHANGES-CONFORM": _r(
        "Make answers of a documented status match the document (content type, body schema), or correct the "
        "document; a renamed field must be renamed in both.",
        "Symfony: keep serializer names and API Platform resources in step (e.g. hydra:member). Laravel: regenerate "
        "the docs after changing resources. DRF: drf-spectacular reads serializers; hand-written responses need "
        "`@extend_schema`. Flask: one schema for the view and the docs."),
    "OPENAPI-STATUSES-DOCUMENTED": _r(
        "Document every status an operation really answers (its refusals included: 401, 403, 404, 422), with "
        "its body schema, or a `default` response for the rest.",
        "Symfony: API Platform `openapiContext` responses. Laravel: add the refusals to the generator's "
        "annotations. DRF: `@extend_schema(responses={401: ...})`; drf-spectacular omits refusals by default. "
        "Flask: list them in the view's docs."),
    "OPENAPI-FUZZ": _r(
        "Validate every input of the login and refresh operations and answer invalid ones with a documented 4xx "
        "in the documented format; nothing may answer 5xx.",
        "Symfony: json_login validates little beyond presence and type; guard custom listeners. Laravel: "
        "FormRequest rules. DRF: serializers. Flask: request schemas (marshmallow/pydantic)."),
    # --- refresh -------------------------------------------------------------------------------------
    "REFRESH-OK": _r(
        "Let a valid refresh token return the documented success with a new, valid access token for the same "
        "account.",
        "Symfony: gesdinet/jwt-refresh-token-bundle's `refresh_jwt` firewall. Laravel: tymon/jwt-auth "
        "`auth()->refresh()`; Sanctum has no refresh (issue a new token). DRF SimpleJWT: TokenRefreshView. "
        "Flask: `@jwt_required(refresh=True)` view."),
    "REFRESH-NO-STORE": _r(
        "Send `Cache-Control: no-store` (and `Pragma: no-cache`) on every answer that carries tokens.",
        "Symfony: set it in a response listener on the refresh route (the default is `no-cache, private`). "
        "Laravel: `cache.headers:no_store;private` middleware. DRF/Django: `@never_cache`. Flask: set the "
        "header in `after_request`."),
    # --- logout: the session a logout ends stays ended ---------------------------------------------
    "LOGOUT-REFRESH-REVOKED": _r(
        "Delete (or mark revoked) the refresh token a logout names, in the same store the refresh endpoint "
        "reads, before answering success; answer a refresh with that token like any unknown token.",
        "Symfony gesdinet: configure `logout_firewall` (or call RefreshTokenManager::delete) on the invalidate "
        "route. Laravel tymon/jwt-auth: `auth()->logout()` with the blacklist enabled. DRF SimpleJWT: "
        "TokenBlacklistView with the token_blacklist app. Flask: add the refresh token's jti to the blocklist."),
    "LOGOUT-ACCESS-REVOKED": _r(
        "Where logout must end access at once, keep a deny-list of logged-out access tokens (by jti) until "
        "their exp and consult it on every request; otherwise keep access tokens short-lived so a logged-out "
        "token dies soon, and do not claim revocation.",
        "Symfony/Lexik: a JWTDecodedEvent listener that checks a jti cache (Lexik 2.x has no built-in "
        "deny-list). Laravel tymon/jwt-auth: JWT_BLACKLIST_ENABLED=true. DRF SimpleJWT: short ACCESS_TOKEN_"
        "LIFETIME (the blacklist covers refresh tokens only). Flask-JWT-Extended: `token_in_blocklist_loader`."),
    "LOGOUT-REPEATED": _r(
        "Make logout idempotent: a token that is already invalid is answered with a 2xx (or a 4xx) and never "
        "re-activated; look the token up and handle the not-found case before touching it.",
        "Symfony gesdinet: the listener answers 200 \"already invalid\"; custom routes must null-check the "
        "lookup. Laravel: catch TokenBlacklistedException. DRF: TokenBlacklistView answers 401 for a "
        "blacklisted token. Flask: return 200 when the jti is already blocked."),
    "TOKEN-ENTROPY": _r(
        "Generate every opaque access or refresh token from a cryptographically secure random source with at "
        "least 128 bits (better 160+: 32 hex or 22 base64url characters hold 128); never build one from a "
        "counter, a timestamp, a user ID or a hash of them, and never hand the same token to two logins.",
        "Symfony gesdinet: `bin2hex(random_bytes(64))` is the default generator. Laravel: `Str::random(64)` or "
        "Sanctum's createToken. DRF: `secrets.token_hex`/knox's default. Flask: `secrets.token_urlsafe(32)`."),
    "REFRESH-ROTATION": _r(
        "When refresh tokens rotate, issue a new refresh token on each use and invalidate the used one at once.",
        "Symfony gesdinet: `single_use: true`. Laravel tymon/jwt-auth: JWT_BLACKLIST_ENABLED=true. DRF "
        "SimpleJWT: ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION with the token_blacklist app. Flask: "
        "block the used token's jti in `token_in_blocklist_loader`."),
    "REFRESH-REUSE-DETECTION": _r(
        "Track refresh tokens by family: when a used (rotated-out) token is presented again, revoke the whole "
        "family, the newest token included (RFC 9700 §4.14.2).",
        "Symfony gesdinet, Laravel tymon/jwt-auth, DRF SimpleJWT and Flask-JWT-Extended do not do this out of the "
        "box: store a family ID with each refresh token and revoke by it on reuse."),
    "REFRESH-GARBAGE": _r(
        "Refuse any refresh token the server did not issue (random text, a real token with one character "
        "changed) with the documented refusal.",
        "Symfony gesdinet: 401 'JWT Refresh Token Not Found'. Laravel: map TokenInvalidException to 401. DRF "
        "SimpleJWT: 401 token_not_valid. Flask-JWT-Extended: `invalid_token_loader`."),
    "REFRESH-MISSING-FIELD": _r(
        "Answer a refresh request without the refresh-token field with the documented refusal, not a crash "
        "or a success.",
        "Symfony gesdinet: 401 'Missing JWT Refresh Token'. Laravel: validate the field. DRF SimpleJWT: 400 "
        "'This field is required.'. Flask: check the field and return 400/401."),
    "REFRESH-EMPTY-BODY": _r(
        "Answer a refresh request with an empty body with the documented refusal.",
        "Symfony gesdinet, Laravel, DRF SimpleJWT, Flask: parse the body defensively and take the missing-token "
        "path when it is empty."),
    "REFRESH-ACCESS-TOKEN-REFUSED": _r(
        "Keep access and refresh tokens apart (RFC 8725 §3.12): a refresh endpoint accepts refresh tokens only.",
        "Symfony gesdinet stores refresh tokens server-side, so a JWT is refused. Laravel tymon/jwt-auth "
        "refreshes access tokens themselves: use a separate refresh token. DRF SimpleJWT checks token_type. "
        "Flask-JWT-Extended: `@jwt_required(refresh=True)` checks the type claim."),
    "REFRESH-TOKEN-NOT-BEARER": _r(
        "Refuse a refresh token presented as the access credential on the API (a 4xx, never a 5xx).",
        "Symfony/Lexik: the API firewall must answer 401 for a non-JWT bearer value. Laravel: tokens of one "
        "guard must not open another. DRF SimpleJWT: AccessToken checks token_type. Flask: `@jwt_required()` "
        "refuses refresh tokens."),
    "REFRESH-DISABLED-ACCOUNT": _r(
        "Re-check the account on every refresh: a disabled account's refresh token must stop working.",
        "Symfony: the UserChecker must guard the refresh firewall too. Laravel: check the account status in "
        "the refresh action. DRF SimpleJWT: make sure the refresh serializer checks `is_active` (recent releases do; "
        "older ones need a custom TokenRefreshSerializer). Flask: check the user in the refresh view."),
    "REFRESH-LIFETIME": _r(
        "Give refresh tokens the lifetime the API documents, and state it consistently (exp, or the expiry "
        "field the server returns).",
        "Symfony gesdinet: `ttl` (seconds, default 2592000). Laravel tymon/jwt-auth: JWT_REFRESH_TTL (minutes). "
        "DRF SimpleJWT: REFRESH_TOKEN_LIFETIME. Flask-JWT-Extended: JWT_REFRESH_TOKEN_EXPIRES."),
    # --- secret header -------------------------------------------------------------------------------
    "SECRET-MISSING-REFUSED": _r(
        "Refuse a login without the secret header with the documented status, before checking credentials, "
        "and issue no token.",
        "Symfony: a request listener or authenticator on the login path. Laravel: a middleware on the login route "
        "(Invoice Ninja's `api_secret_check`). DRF: a permission class. Flask: `before_request`."),
    "SECRET-WRONG-REFUSED": _r(
        "Compare the secret header with the configured value in full, in constant time, and refuse anything else "
        "(a prefix, one character off, empty).",
        "PHP (Symfony, Laravel): `hash_equals($expected, $given)`. Python (DRF, Flask): "
        "`hmac.compare_digest(expected, given)`. Never compare prefixes or with `==` on truncated values."),
    "SECRET-RIGHT-ACCEPTED": _r(
        "Accept a login that carries the right secret header and valid credentials.",
        "Symfony, Laravel, DRF, Flask: read the header by its configured name and compare with the configured "
        "secret from the environment (not a hard-coded default)."),
    "SECRET-NAME-CASE-INSENSITIVE": _r(
        "Read header names case-insensitively (RFC 9110 §5.1): `x-api-secret` is the same header as "
        "`X-API-SECRET`.",
        "Symfony `$request->headers->get()`, Laravel `$request->header()`, Django `request.headers[...]` and "
        "Flask `request.headers.get()` are case-insensitive; avoid reading raw server variables."),
    "SECRET-SAME-ORIGIN": _r(
        "Never redirect a request carrying the secret to another origin, and do not echo it into Location "
        "headers.",
        "Symfony, Laravel, Django and Flask: use relative redirects or an allow-list of hosts "
        "(Django ALLOWED_HOSTS, Symfony trusted_hosts)."),
    "SECRET-NOT-ECHOED": _r(
        "Never send the secret back: not in bodies, error messages, debug output or headers.",
        "Symfony: do not dump request headers into errors (APP_DEBUG=0). Laravel: APP_DEBUG=false; keep it out of "
        "`$request->all()` dumps. DRF: DEBUG=False. Flask: debug off; no header echo in error handlers."),
    "HEADERS-REQUIRED-LOGIN": _r(
        "Refuse a login without the required headers with the documented answer, and accept one that has them.",
        "Symfony: a request matcher or listener on the login route. Laravel: middleware (Invoice Ninja checks "
        "X-Requested-With). DRF: a permission or authentication class. Flask: `before_request`."),
    # --- security ------------------------------------------------------------------------------------
    "SEC-ENUM-RESPONSE": _r(
        "Make the answers to an unknown user and to a wrong password identical: status, body, length and "
        "headers (no extra cookie or header in one case).",
        "Symfony: `hide_user_not_found: true`; check listeners that add headers on one path only. Laravel: one "
        "failure response. DRF SimpleJWT: one message. Flask: one error path."),
    "SEC-ENUM-TIMING": _r(
        "Do the same work for an unknown user as for a wrong password: verify the password against a fixed "
        "dummy hash when no account matches.",
        "Symfony: json_login answers an unknown user far faster (no hash runs): hash against a dummy in a "
        "custom authenticator. Laravel: Auth::attempt can return early for an unknown user; add a "
        "Hash::check against a dummy hash. DRF/Django: ModelBackend already runs the hasher once. Flask: call "
        "check_password_hash on a dummy hash."),
    "SEC-LOCKOUT": _r(
        "Throttle failed logins per account and per client: lock or slow down after a few failures and answer "
        "429 with Retry-After.",
        "Symfony: `login_throttling` on the firewall (symfony/rate-limiter). Laravel: RateLimiter in the login "
        "request, or `throttle:` middleware. DRF: ScopedRateThrottle or django-axes. Flask: Flask-Limiter."),
    "SEC-TRANSPORT-TLS": _r(
        "Serve the API over https only; redirect or refuse plain http before any credential is read.",
        "Symfony: `requires_channel: https` in access_control. Laravel: `URL::forceScheme('https')` behind a "
        "TLS proxy. Django: SECURE_SSL_REDIRECT=True. Flask: Flask-Talisman, or the reverse proxy."),
    "SEC-TRANSPORT-HSTS": _r(
        "Send `Strict-Transport-Security: max-age=<seconds>` (at least six months) on https answers.",
        "Symfony: NelmioSecurityBundle `forced_ssl.hsts_max_age`. Laravel: a middleware or the proxy. Django: "
        "SECURE_HSTS_SECONDS. Flask: Flask-Talisman. Or set it once in the reverse proxy."),
    "SEC-NO-STORE": _r(
        "Send `Cache-Control: no-store` and `Pragma: no-cache` on the login answer, which carries a token "
        "(RFC 6749 §5.1).",
        "Symfony/Lexik: the default is `no-cache, private`: set no-store in an AuthenticationSuccessEvent "
        "listener. Laravel: `cache.headers:no_store;private`. Django: `@never_cache` (add Pragma yourself). "
        "Flask: `after_request`."),
    "SEC-NOSNIFF": _r(
        "Send `X-Content-Type-Options: nosniff` on JSON answers.",
        "Symfony: NelmioSecurityBundle `content_type.nosniff: true` (Symfony does not send it by default). "
        "Laravel: a header middleware. Django: SecurityMiddleware with SECURE_CONTENT_TYPE_NOSNIFF (default on). "
        "Flask: Flask-Talisman or `after_request`."),
    "SEC-CORS": _r(
        "Allow credentialed cross-origin requests only from a fixed list of origins; never reflect an arbitrary "
        "Origin, and never pair `*` with credentials.",
        "Symfony: NelmioCorsBundle `allow_origin` list. Laravel: config/cors.php `allowed_origins` with "
        "`supports_credentials`. Django: django-cors-headers CORS_ALLOWED_ORIGINS (not CORS_ALLOW_ALL_ORIGINS with "
        "credentials). Flask-CORS: `origins=[...]`."),
    "SEC-CREDENTIALS-IN-QUERY": _r(
        "Read credentials from the request body only; a login with the password in the URL must not succeed.",
        "Symfony json_login reads the JSON body only. Laravel: `$request->input()` merges the query: use "
        "`$request->json()` or `$request->post()`. DRF: `request.data`, not `query_params`. Flask: `request.json`, "
        "not `request.values`."),
    "SEC-ERROR-LEAK": _r(
        "Turn debug output off in production and answer errors with a generic body; log details server-side.",
        "Symfony: APP_ENV=prod, APP_DEBUG=0. Laravel: APP_DEBUG=false. Django/DRF: DEBUG=False. Flask: "
        "debug off and an `errorhandler` returning a generic JSON body."),
    # --- token -------------------------------------------------------------------------------------------
    "TOKEN-STRUCTURE": _r(
        "Issue compact JWS tokens: three base64url segments without '=' padding, a JSON object header and "
        "payload; use a JWT library instead of hand-rolled encoding.",
        "Symfony/Lexik (lcobucci/jwt), Laravel tymon/jwt-auth, DRF SimpleJWT and Flask-JWT-Extended (PyJWT) "
        "produce this; look for custom encoders."),
    "TOKEN-ALG-ALLOWED": _r(
        "Sign with the algorithm the API documents (the profile's token.algorithms), never `none`.",
        "Symfony/Lexik: `signature_algorithm`. Laravel tymon/jwt-auth: JWT_ALGO. DRF SimpleJWT: ALGORITHM. "
        "Flask-JWT-Extended: JWT_ALGORITHM."),
    "TOKEN-TYP": _r(
        "Put `typ: JWT` (or `at+jwt` for OAuth access tokens) in the token header.",
        "Symfony/Lexik, Laravel tymon/jwt-auth, DRF SimpleJWT and PyJWT add `typ: JWT` by default; a custom "
        "header set must keep it."),
    "TOKEN-CLAIMS-REQUIRED": _r(
        "Include every claim the API promises (iat, exp, identity, roles, ...) with its registered type: "
        "NumericDate seconds for iat, exp and nbf.",
        "Symfony/Lexik: add claims in a JWTCreatedEvent listener. Laravel tymon/jwt-auth: "
        "`getJWTCustomClaims()`. DRF SimpleJWT: override `get_token`. Flask-JWT-Extended: "
        "`additional_claims_loader`."),
    "TOKEN-IDENTITY-CLAIM": _r(
        "Put the logged-in account's identity in the identity claim; never mint a token for another user.",
        "Symfony/Lexik: `user_id_claim` (default username). Laravel tymon/jwt-auth: `getJWTIdentifier()`. DRF "
        "SimpleJWT: USER_ID_CLAIM / USER_ID_FIELD. Flask-JWT-Extended: `user_identity_loader`."),
    "TOKEN-FORBIDDEN-CLAIMS": _r(
        "Keep passwords, hashes and secrets out of tokens: anyone holding a JWT can read its payload.",
        "Symfony/Lexik: do not copy the user entity into the payload in JWTCreatedEvent. Laravel: "
        "`getJWTCustomClaims()` with chosen fields only. DRF SimpleJWT / Flask: add only the claims you need."),
    "TOKEN-AUDIENCE": _r(
        "Issue every access token with the `aud` of the API it is for (the profile's token.audience).",
        "Symfony/Lexik: add aud in a JWTCreated listener. DRF SimpleJWT: AUDIENCE. Flask-JWT-Extended: "
        "JWT_ENCODE_AUDIENCE. Laravel tymon/jwt-auth: a custom claim in getJWTCustomClaims()."),
    "TOKEN-ISSUER": _r(
        "Issue every access token with the deployment's `iss` (the profile's token.issuer).",
        "Symfony/Lexik: add iss in a JWTCreated listener. DRF SimpleJWT: ISSUER. Flask-JWT-Extended: "
        "JWT_ENCODE_ISSUER. Laravel tymon/jwt-auth sets iss to the request URL by default."),
    "TOKEN-CLAIMS-BEFORE-SIGNATURE": _r(
        "Verify the signature first and answer every token that fails it the same way; read exp and the other "
        "claims only from a verified token.",
        "Symfony/Lexik 2.x reports 'Expired JWT Token' for a forged expired token (it checks exp first): answer "
        "both with one message in a JWTInvalid/JWTExpired listener. PyJWT, jsonwebtoken and SimpleJWT verify "
        "the signature first."),
    "TOKEN-DISTINCT": _r(
        "Issue a new token on every login (a fresh iat, or a jti), so one leaked token does not equal every "
        "later one.",
        "Symfony/Lexik: add a `jti` in JWTCreatedEvent. Laravel tymon/jwt-auth and DRF SimpleJWT add a jti. "
        "Flask-JWT-Extended adds a jti."),
    "TOKEN-IAT-NOW": _r(
        "Set iat to the time of issue from a synchronised clock (NTP) and do not cache tokens across logins.",
        "Symfony/Lexik, Laravel tymon/jwt-auth, DRF SimpleJWT, Flask-JWT-Extended: iat comes from the server "
        "clock; fix the clock or a mocked/frozen time source."),
    "TOKEN-EXP-FUTURE": _r(
        "Set exp to issue time plus a positive lifetime; a token must not be expired when issued.",
        "Symfony/Lexik: `token_ttl` > 0. Laravel tymon/jwt-auth: JWT_TTL > 0 (minutes). DRF SimpleJWT: "
        "ACCESS_TOKEN_LIFETIME > 0. Flask-JWT-Extended: JWT_ACCESS_TOKEN_EXPIRES > 0."),
    "TOKEN-EXP-LIFETIME": _r(
        "Set the access-token lifetime to the documented value (the profile's token.lifetime), or correct the "
        "profile.",
        "Symfony/Lexik: `token_ttl` (seconds, default 3600). Laravel tymon/jwt-auth: JWT_TTL (minutes). DRF "
        "SimpleJWT: ACCESS_TOKEN_LIFETIME (default 5 minutes). Flask-JWT-Extended: JWT_ACCESS_TOKEN_EXPIRES "
        "(default 15 minutes)."),
    "TOKEN-NBF": _r(
        "When you set nbf, set it to the issue time (not later), so the token works at once.",
        "Symfony/Lexik, Laravel tymon/jwt-auth, DRF SimpleJWT and Flask-JWT-Extended (JWT_ENCODE_NBF) set "
        "nbf no later than iat when they set it; look for a custom delay or a skewed clock."),
    "TOKEN-SIGNATURE": _r(
        "Sign tokens with the key the API publishes (PEM, JWKS) and keep the published key in step when keys "
        "rotate.",
        "Symfony/Lexik: `secret_key`/`public_key` must be a pair. Laravel tymon/jwt-auth: JWT_PUBLIC_KEY/"
        "JWT_PRIVATE_KEY. DRF SimpleJWT: SIGNING_KEY/VERIFYING_KEY. Flask-JWT-Extended: JWT_PRIVATE_KEY/"
        "JWT_PUBLIC_KEY."),
    "TOKEN-WEAK-HMAC-SECRET": _r(
        "Use a random HMAC secret of at least 256 bits from a secrets store, never a default or example value; "
        "rotate it now if it was guessable.",
        "Symfony/Lexik: generate keys (`lexik:jwt:generate-keypair`) or a random `secret_key`. Laravel: "
        "`php artisan jwt:secret`. DRF SimpleJWT: SIGNING_KEY defaults to Django's SECRET_KEY: set a random one. "
        "Flask: JWT_SECRET_KEY from the environment."),
}


def for_check(check_id: str) -> Remediation | None:
    return REMEDIATIONS.get(check_id)


def text(check_id: str) -> str | None:
    """The plain-text remediation of a check (None for an ID the catalogue does not know)."""
    found = REMEDIATIONS.get(check_id)
    return found.as_text() if found else None
