"""Verdicts on real servers nobody on this project wrote: SimpleJWT, flask-jwt-extended, knox, Express.

Each peer (tests/peers/) is a small app on the real framework, installed from PyPI at pinned
versions (the ``peers`` extra; the Express one from the npm registry by ``npm ci`` and its committed
package-lock.json), started once on loopback. Every suite runs against it with its
built-in profile, and the run's verdict must be exactly the table below: for each check, whether it
passes, is skipped (and why) or fails, and for a failure the framework behaviour that justifies it.
A check missing from a table fails the test, so a new check forces a decision; a failure that the
framework's documented and observed behaviour does not explain is a harness bug, not a table entry.

Every finding in a table also has a probe: a direct request to the server, without the harness,
that shows the behaviour the finding reports.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import Outcome, authconform

pytest.importorskip("rest_framework_simplejwt", reason="the peers extra is not installed: pip install -e '.[peers]'")
pytest.importorskip("flask_jwt_extended", reason="the peers extra is not installed: pip install -e '.[peers]'")

pytest.importorskip("knox", reason="the peers extra is not installed: pip install -e '.[peers]'")

from tests.peers.launch import NODE_PEERS, Peer, start  # noqa: E402  (after the skips: it needs no extra, the servers do)

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Verdict:
    outcome: str  # passed | failed | skipped
    why: str  # the framework behaviour (documented and observed) behind the outcome
    reason: str = ""  # text the run's reason must contain (for a skip or a finding)
    severity: str = ""  # for a finding: the severity a right harness gives it (must gates, should warns)


def passes(why: str = "") -> Verdict:
    return Verdict("passed", why)


def finding(reason: str, why: str, severity: str = "") -> Verdict:
    return Verdict("failed", why, reason, severity)


def skipped(reason: str, why: str = "") -> Verdict:
    return Verdict("skipped", why, reason)


# --- checks that skip on both peers, for the same reason --------------------------------------------

NO_OPENAPI = skipped("the profile has no openapi section",
                     "flask-jwt-extended has no OpenAPI generator; the SimpleJWT peer overrides these")
NO_SECRET_HEADER = skipped("the profile has no secret_header", "neither framework has a shared-secret header")
COMMON: dict[str, Verdict] = {
    "OPENAPI-SPEC-VALID": NO_OPENAPI,
    "OPENAPI-LOGIN-DOCUMENTED": NO_OPENAPI,
    "OPENAPI-EXCHANGES-CONFORM": NO_OPENAPI,
    "OPENAPI-STATUSES-DOCUMENTED": NO_OPENAPI,
    "OPENAPI-FUZZ": NO_OPENAPI,
    "SECRET-MISSING-REFUSED": NO_SECRET_HEADER,
    "SECRET-WRONG-REFUSED": NO_SECRET_HEADER,
    "SECRET-RIGHT-ACCEPTED": NO_SECRET_HEADER,
    "SECRET-NAME-CASE-INSENSITIVE": NO_SECRET_HEADER,
    "SECRET-SAME-ORIGIN": NO_SECRET_HEADER,
    "SECRET-NOT-ECHOED": NO_SECRET_HEADER,
    "HEADERS-REQUIRED-LOGIN": skipped("the profile names no login.headers", "a plain JSON login needs no extra header"),
    "ACCESS-ES256-ZERO-SIGNATURE": skipped("CVE-2022-21449 concerns ECDSA verifiers", "neither signs with ES*"),
    "TOKEN-AUDIENCE": skipped("declares no token.audience", "the peers issue no aud claim"),
    "TOKEN-ISSUER": skipped("declares no token.issuer", "the peers issue no iss claim"),
    "ACCESS-WRONG-AUDIENCE": skipped("declares no token.audience", "the peers issue no aud claim"),
    "ACCESS-WRONG-ISSUER": skipped("declares no token.issuer", "the peers issue no iss claim"),
    "SEC-ENUM-RESPONSE": passes("one refusal, byte for byte, for an unknown user and a wrong password"),
    "SEC-ENUM-TIMING": passes("both hash the password of an unknown user too (Django's ModelBackend runs the "
                              "hasher for a missing user; the Flask view checks a dummy hash)"),
    "SEC-LOCKOUT": skipped("opt-in", "neither framework locks accounts or throttles logins unless configured to "
                                     "(DRF throttling is opt-in), so the profiles leave the probe off"),
    "SEC-TRANSPORT-TLS": passes("plain http on loopback only"),
    "LOGOUT-REFRESH-REVOKED": skipped("the profile has no logout section", "no logout route in the peer app"),
    "LOGOUT-ACCESS-REVOKED": skipped("the profile has no logout section", "no logout route in the peer app"),
    "LOGOUT-REPEATED": skipped("the profile has no logout section", "no logout route in the peer app"),
    "TOKEN-ENTROPY": skipped("no opaque token", "the tokens are JWTs: a signature, not a secret to guess"),
    "SEC-TRANSPORT-HSTS": skipped("the target is plain http", "loopback servers without TLS"),
    "SEC-CORS": passes("no CORS headers at all: no cross-origin grant"),
    "SEC-CREDENTIALS-IN-QUERY": passes("the credentials are read from the body only"),
    "SEC-ERROR-LEAK": passes("DEBUG off / no debug pages; errors are short JSON messages"),
}


# --- Django REST framework + SimpleJWT ------------------------------------------------------------

SIMPLEJWT: dict[str, Verdict] = COMMON | {
    "LOGIN-OK-STATUS": passes("TokenObtainPairView answers 200"),
    "LOGIN-OK-CONTENT-TYPE": passes("DRF's JSONRenderer: application/json"),
    "LOGIN-OK-SCHEMA": passes('{"refresh", "access"}'),
    "LOGIN-OK-TOKEN": passes("/access is the HS256 access token"),
    "LOGIN-OK-NO-PASSWORD-ECHO": passes("the serializer's password field is write_only"),
    "LOGIN-MISSING-FIELD": passes('400 {"password": ["This field is required."]}'),
    "LOGIN-EMPTY-BODY": passes("400 naming both required fields"),
    "LOGIN-MALFORMED-JSON": passes('400 {"detail": "JSON parse error - ..."}'),
    "LOGIN-WRONG-TYPE": passes(
        "the profile states no login.errors.wrong_type, so any refusal will do: DRF's CharField coerces a JSON "
        "number to a string (documented: CharField accepts str, int and float), so 12345 is tried as the "
        "credential '12345' and refused with 401; lists, objects and booleans get 400 'Not a valid string.'"),
    "LOGIN-NO-5XX": passes("every malformed input gets a 4xx (400, 401 or 415)"),
    "LOGIN-401-BAD-PASSWORD": passes('401 {"detail": "No active account found with the given credentials"}'),
    "LOGIN-401-UNKNOWN-USER": passes("the same 401"),
    "LOGIN-401-SAME-MESSAGE": passes("one message for both"),
    "LOGIN-DISABLED-REFUSED": passes("ModelBackend refuses is_active=False users: the same 401"),
    "TOKEN-STRUCTURE": passes(),
    "TOKEN-ALG-ALLOWED": passes("HS256"),
    "TOKEN-TYP": passes("typ JWT"),
    "TOKEN-CLAIMS-REQUIRED": passes("token_type, exp, iat, jti, user_id"),
    "TOKEN-IDENTITY-CLAIM": skipped("the profile names no identity claim",
                                    "the token names the user by user_id, not by the username that logs in"),
    "TOKEN-FORBIDDEN-CLAIMS": passes(),
    "TOKEN-DISTINCT": passes("a fresh jti per token"),
    "TOKEN-IAT-NOW": passes(),
    "TOKEN-EXP-FUTURE": passes(),
    "TOKEN-EXP-LIFETIME": passes("ACCESS_TOKEN_LIFETIME, 5 minutes"),
    "TOKEN-NBF": skipped("the token carries no nbf claim", "SimpleJWT sets no nbf"),
    "TOKEN-SIGNATURE": passes("HS256 with SECRET_KEY"),
    "TOKEN-WEAK-HMAC-SECRET": passes("a random 64-character SECRET_KEY"),
    "ACCESS-VALID-TOKEN": passes(),
    "ACCESS-NO-TOKEN": passes('401 {"detail": "Authentication credentials were not provided."}'),
    "ACCESS-GARBAGE-TOKEN": passes('401 {"detail": "Given token not valid for any token type", ...}'),
    "ACCESS-WRONG-SCHEME": passes("AUTH_HEADER_TYPES is Bearer only"),
    "ACCESS-TOKEN-IN-QUERY": passes("JWTAuthentication reads the Authorization header only"),
    "ACCESS-WWW-AUTHENTICATE": passes('WWW-Authenticate: Bearer realm="api"'),
    "ACCESS-ALG-NONE": passes("PyJWT decodes with the configured algorithm only"),
    "ACCESS-SIGNATURE-STRIPPED": passes(),
    "ACCESS-PAYLOAD-TAMPERED": passes(),
    "ACCESS-KEY-CONFUSION": skipped("key confusion needs a public-key algorithm", "HS256 has no public key"),
    "ACCESS-KID-INJECTION": passes("kid is ignored"),
    "ACCESS-EMBEDDED-JWK": passes("verified with the configured key; a header jwk is ignored"),
    "ACCESS-JKU": passes("jku is never fetched; the token is refused"),
    "ACCESS-X5U": passes("x5u is never fetched; the token is refused"),
    "TOKEN-CLAIMS-BEFORE-SIGNATURE": passes("PyJWT verifies the signature before it reads exp: one answer for both"),
    "ACCESS-EXPIRED": passes("forged with SECRET_KEY: 401 'Token is expired'"),
    "REFRESH-OK": passes("TokenRefreshView: 200 {access, refresh}"),
    "REFRESH-NO-STORE": finding(
        "got no Cache-Control header",
        "neither DRF nor SimpleJWT sets Cache-Control on token answers (RFC 6749 §5.1 asks for no-store); a "
        "warning: the MUST binds OAuth 2.0 token endpoints and the profile does not say this is one",
        severity="should"),
    "REFRESH-ROTATION": passes("ROTATE_REFRESH_TOKENS + BLACKLIST_AFTER_ROTATION: 401 'Token is blacklisted'"),
    "REFRESH-REUSE-DETECTION": skipped(
        "the profile does not claim reuse detection",
        "the blacklist refuses the replayed token only; the token that replaced it keeps working"),
    "REFRESH-GARBAGE": passes("401 'Token is invalid'"),
    "REFRESH-MISSING-FIELD": passes('400 {"refresh": ["This field is required."]}: a refusal, and the profile '
                                    "states no refresh.missing"),
    "REFRESH-EMPTY-BODY": passes("the same 400"),
    "REFRESH-ACCESS-TOKEN-REFUSED": passes("401 'Token has wrong type'"),
    "REFRESH-TOKEN-NOT-BEARER": passes("AUTH_TOKEN_CLASSES is AccessToken only"),
    "REFRESH-DISABLED-ACCOUNT": passes("401 'No active account found for the given token.' (USER_AUTHENTICATION_RULE)"),
    "REFRESH-LIFETIME": passes("REFRESH_TOKEN_LIFETIME, 1 day"),
    "OPENAPI-SPEC-VALID": passes("drf-spectacular writes a valid OpenAPI 3.0.3 document"),
    "OPENAPI-LOGIN-DOCUMENTED": finding(
        "POST /api/token/ does not document 400",
        "drf-spectacular's SimpleJWT extension documents the token views' 200 body only: their 400 and 401 "
        "answers are in no document unless the project adds them with extend_schema", severity="should"),
    "OPENAPI-EXCHANGES-CONFORM": passes(
        "every answer with a documented status (the 200s of the token views and the protected view) has the "
        "documented content type and a body that matches its schema"),
    "OPENAPI-STATUSES-DOCUMENTED": finding(
        "GET /api/me/ answered 401",
        "the same gap on the protected view: drf-spectacular documents the 200 of a view only, not the 401 "
        "every unauthenticated request gets; a documentation finding, as OpenAPI's Responses Object does not "
        "expect a document to cover every possible status", severity="should"),
    "OPENAPI-FUZZ": passes(
        "no 5xx and no body that breaks a documented schema; the blank username's undocumented 400 is "
        "OPENAPI-LOGIN-DOCUMENTED's finding, not counted a second time"),
    "SEC-NO-STORE": finding(
        "missing Cache-Control: no-store (got none) and Pragma: no-cache (got none)",
        "TokenObtainPairView's answer carries no caching headers; RFC 6749 §5.1's MUST binds OAuth 2.0 token "
        "endpoints, which the profile does not say this is, so a hardening warning", severity="should"),
    "SEC-NOSNIFF": passes("Django's SecurityMiddleware: X-Content-Type-Options: nosniff"),
}


def _simplejwt_login(peer: Peer) -> httpx.Response:
    answer = httpx.post(f"{peer.url}/api/token/", json={"username": peer.env["SIMPLEJWT_USER"],
                                                        "password": peer.env["SIMPLEJWT_PASSWORD"]})
    assert answer.status_code == 200, answer.text
    return answer


def _probe_simplejwt_login_cacheable(peer: Peer) -> None:
    answer = _simplejwt_login(peer)
    assert "cache-control" not in answer.headers and "pragma" not in answer.headers, answer.headers


def _probe_simplejwt_openapi_documents_200_only(peer: Peer) -> None:
    document = httpx.get(f"{peer.url}/api/schema/").json()
    for path in ("/api/token/", "/api/token/refresh/"):
        assert set(document["paths"][path]["post"]["responses"]) == {"200"}, document["paths"][path]
    assert set(document["paths"]["/api/me/"]["get"]["responses"]) == {"200"}
    blank = httpx.post(f"{peer.url}/api/token/", json={"username": "", "password": ""})
    assert blank.status_code == 400, blank.text
    assert httpx.get(f"{peer.url}/api/me/").status_code == 401


def _probe_simplejwt_refresh_cacheable(peer: Peer) -> None:
    refreshed = httpx.post(f"{peer.url}/api/token/refresh/", json={"refresh": _simplejwt_login(peer).json()["refresh"]})
    assert refreshed.status_code == 200, refreshed.text
    assert "cache-control" not in refreshed.headers, refreshed.headers


# --- Flask + flask-jwt-extended ---------------------------------------------------------------------

FLASK_JWT_EXTENDED: dict[str, Verdict] = COMMON | {
    "LOGIN-OK-STATUS": passes("the documented login view answers 200"),
    "LOGIN-OK-CONTENT-TYPE": passes("jsonify: application/json"),
    "LOGIN-OK-SCHEMA": passes('{"access_token", "refresh_token"}'),
    "LOGIN-OK-TOKEN": passes("/access_token is the RS256 access token"),
    "LOGIN-OK-NO-PASSWORD-ECHO": passes(),
    "LOGIN-MISSING-FIELD": passes('400 {"msg": "Missing password parameter"}'),
    "LOGIN-EMPTY-BODY": passes('400 {"msg": "Missing JSON in request"}'),
    "LOGIN-MALFORMED-JSON": passes('400 {"msg": "Missing JSON in request"}'),
    "LOGIN-WRONG-TYPE": passes("the view takes only non-empty strings"),
    "LOGIN-NO-5XX": passes(),
    "LOGIN-401-BAD-PASSWORD": passes('401 {"msg": "Bad username or password"}'),
    "LOGIN-401-UNKNOWN-USER": passes("the same 401"),
    "LOGIN-401-SAME-MESSAGE": passes("one message for both"),
    "LOGIN-DISABLED-REFUSED": passes("a disabled user gets the same 401"),
    "TOKEN-STRUCTURE": passes(),
    "TOKEN-ALG-ALLOWED": passes("RS256"),
    "TOKEN-TYP": passes("typ JWT"),
    "TOKEN-CLAIMS-REQUIRED": passes("iat, nbf, exp, jti, sub, type, fresh"),
    "TOKEN-IDENTITY-CLAIM": passes("sub is the identity passed to create_access_token"),
    "TOKEN-FORBIDDEN-CLAIMS": passes(),
    "TOKEN-DISTINCT": passes("a fresh jti per token"),
    "TOKEN-IAT-NOW": passes(),
    "TOKEN-EXP-FUTURE": passes(),
    "TOKEN-EXP-LIFETIME": passes("JWT_ACCESS_TOKEN_EXPIRES, 15 minutes"),
    "TOKEN-NBF": passes("nbf = iat"),
    "TOKEN-SIGNATURE": passes("RS256 with the app's public key"),
    "TOKEN-WEAK-HMAC-SECRET": skipped("not HMAC", "RS256 has no shared secret"),
    "ACCESS-VALID-TOKEN": passes(),
    "ACCESS-NO-TOKEN": passes('401 {"msg": "Missing Authorization Header"}'),
    "ACCESS-GARBAGE-TOKEN": finding(
        "422 (application/json)",
        "a token the extension cannot decode goes to its default invalid_token_loader, which answers "
        "422 {\"msg\": <the decoding error>} where RFC 6750 §3.1 says 401 invalid_token", severity="must"),
    "ACCESS-WRONG-SCHEME": passes("JWT_HEADER_TYPE is Bearer: 401 'Missing 'Bearer' type'"),
    "ACCESS-TOKEN-IN-QUERY": passes("JWT_TOKEN_LOCATION is headers only by default"),
    "ACCESS-WWW-AUTHENTICATE": finding(
        "no token: no WWW-Authenticate header",
        "the default unauthorized_loader answers 401 {\"msg\": \"Missing Authorization Header\"} without the "
        "WWW-Authenticate challenge RFC 6750 §3 and RFC 9110 §15.5.2 require on a 401", severity="should"),
    "ACCESS-ALG-NONE": passes("refused (422 'The specified alg value is not allowed'): any 4xx refuses a forgery"),
    "ACCESS-SIGNATURE-STRIPPED": passes("refused with 422"),
    "ACCESS-PAYLOAD-TAMPERED": passes("refused with 422 'Signature verification failed'"),
    "ACCESS-KEY-CONFUSION": passes("refused: PyJWT decodes with JWT_DECODE_ALGORITHMS (RS256) only"),
    "ACCESS-KID-INJECTION": passes("refused"),
    "ACCESS-EMBEDDED-JWK": passes("refused: PyJWT verifies with JWT_PUBLIC_KEY, a header jwk is ignored"),
    "ACCESS-JKU": passes("jku is never fetched; the token is refused"),
    "ACCESS-X5U": passes("x5u is never fetched; the token is refused"),
    "TOKEN-CLAIMS-BEFORE-SIGNATURE": passes("PyJWT verifies the signature before it reads exp: 422 'Signature "
                                            "verification failed' for both"),
    "ACCESS-EXPIRED": passes("forged with the private key: 401 'Token has expired'"),
    "REFRESH-OK": passes("the documented refresh view: 200 {access_token}"),
    "REFRESH-NO-STORE": finding(
        "got no Cache-Control header",
        "neither Flask nor the extension sets Cache-Control on token answers (RFC 6749 §5.1 asks for no-store)",
        severity="should"),
    "REFRESH-ROTATION": skipped("refresh tokens are not rotated",
                                "the extension issues a new access token only; the refresh token lives 30 days"),
    "REFRESH-REUSE-DETECTION": skipped("refresh tokens are not rotated", "no rotation, nothing to replay"),
    "REFRESH-GARBAGE": passes("422, as the profile says (invalid_token_loader)"),
    "REFRESH-MISSING-FIELD": passes('401 {"msg": "Missing \"refresh_token\" key in json data."}'),
    "REFRESH-EMPTY-BODY": passes("the same 401"),
    "REFRESH-ACCESS-TOKEN-REFUSED": passes("422 'Only refresh tokens are allowed'"),
    "REFRESH-TOKEN-NOT-BEARER": passes("422 'Only non-refresh tokens are allowed'"),
    "REFRESH-DISABLED-ACCOUNT": passes("the documented user_lookup_loader: 401 'Error loading the user ...'"),
    "REFRESH-LIFETIME": passes("JWT_REFRESH_TOKEN_EXPIRES, 30 days"),
    "SEC-NO-STORE": finding(
        "missing Cache-Control: no-store (got none) and Pragma: no-cache (got none)",
        "a jsonify answer carries no caching headers, and the extension adds none to tokens (RFC 6749 §5.1; "
        "a warning: the profile does not say this is an OAuth 2.0 token endpoint)", severity="should"),
    "SEC-NOSNIFF": finding(
        "no X-Content-Type-Options",
        "Flask sets no X-Content-Type-Options: nosniff (there is no security middleware by default)",
        severity="should"),
}


def _flask_login(peer: Peer) -> httpx.Response:
    answer = httpx.post(f"{peer.url}/login", json={"username": peer.env["FLASK_JWT_USER"],
                                                   "password": peer.env["FLASK_JWT_PASSWORD"]})
    assert answer.status_code == 200, answer.text
    return answer


def _probe_flask_garbage_token_422(peer: Peer) -> None:
    answer = httpx.get(f"{peer.url}/protected", headers={"Authorization": "Bearer garbage"})
    assert (answer.status_code, answer.json()) == (422, {"msg": "Not enough segments"})


def _probe_flask_401_without_challenge(peer: Peer) -> None:
    answer = httpx.get(f"{peer.url}/protected")
    assert (answer.status_code, answer.json()) == (401, {"msg": "Missing Authorization Header"})
    assert "www-authenticate" not in answer.headers, answer.headers


def _probe_flask_login_headers(peer: Peer) -> None:
    answer = _flask_login(peer)
    assert answer.headers["content-type"] == "application/json"
    assert not {"cache-control", "pragma", "x-content-type-options"} & set(answer.headers), answer.headers


def _probe_flask_refresh_cacheable(peer: Peer) -> None:
    refreshed = httpx.post(f"{peer.url}/refresh", json={"refresh_token": _flask_login(peer).json()["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert "cache-control" not in refreshed.headers, refreshed.headers


# --- Django REST framework + django-rest-knox -------------------------------------------------------

OPAQUE = skipped("the profile's tokens are opaque (token.format)",
                 "knox tokens are random hex strings, stored only as a hash: there is no JWT to read or forge")
NO_REFRESH = skipped("the profile has no refresh section",
                     "no refresh token: a client logs in again (knox's AUTO_REFRESH, off by default, would "
                     "extend a token's expiry on use instead)")
KNOX_REFUSAL = '400 {"non_field_errors": ["Unable to log in with provided credentials."]}'
REFRESH_CHECKS = ("REFRESH-OK", "REFRESH-NO-STORE", "REFRESH-ROTATION", "REFRESH-REUSE-DETECTION", "REFRESH-GARBAGE",
                  "REFRESH-MISSING-FIELD", "REFRESH-EMPTY-BODY", "REFRESH-ACCESS-TOKEN-REFUSED",
                  "REFRESH-TOKEN-NOT-BEARER", "REFRESH-DISABLED-ACCOUNT", "REFRESH-LIFETIME")
JWT_CHECKS = ("TOKEN-STRUCTURE", "TOKEN-ALG-ALLOWED", "TOKEN-TYP", "TOKEN-CLAIMS-REQUIRED", "TOKEN-IDENTITY-CLAIM",
              "TOKEN-FORBIDDEN-CLAIMS", "TOKEN-IAT-NOW", "TOKEN-EXP-FUTURE", "TOKEN-EXP-LIFETIME", "TOKEN-NBF",
              "TOKEN-SIGNATURE", "TOKEN-WEAK-HMAC-SECRET", "ACCESS-ALG-NONE", "ACCESS-SIGNATURE-STRIPPED",
              "ACCESS-PAYLOAD-TAMPERED", "ACCESS-KEY-CONFUSION", "ACCESS-KID-INJECTION", "ACCESS-ES256-ZERO-SIGNATURE",
              "ACCESS-EMBEDDED-JWK", "ACCESS-JKU", "ACCESS-X5U", "TOKEN-CLAIMS-BEFORE-SIGNATURE")

KNOX: dict[str, Verdict] = COMMON | dict.fromkeys(JWT_CHECKS, OPAQUE) | dict.fromkeys(REFRESH_CHECKS, NO_REFRESH) | {
    "LOGIN-OK-STATUS": passes("the documented LoginView answers 200"),
    "LOGIN-OK-CONTENT-TYPE": passes("DRF's JSONRenderer: application/json"),
    "LOGIN-OK-SCHEMA": passes('{"expiry", "token"} (USER_SERIALIZER unset)'),
    "LOGIN-OK-TOKEN": passes("/token, 64 hex characters"),
    "LOGIN-OK-NO-PASSWORD-ECHO": passes("AuthTokenSerializer's password is write_only"),
    "LOGIN-MISSING-FIELD": passes('400 {"password": ["This field is required."]}, as the profile states'),
    "LOGIN-EMPTY-BODY": passes("400 naming both required fields"),
    "LOGIN-MALFORMED-JSON": passes('400 {"detail": "JSON parse error - ..."}: a refusal without a token, and the '
                                   "profile states no login.errors.malformed_body"),
    "LOGIN-WRONG-TYPE": passes("CharField coerces a number to a string: 12345 is tried as a credential and refused "
                               f"with {KNOX_REFUSAL}; the profile states no login.errors.wrong_type"),
    "LOGIN-NO-5XX": passes(),
    "LOGIN-401-BAD-PASSWORD": passes(
        f"AuthTokenSerializer raises a ValidationError: {KNOX_REFUSAL}, a refusal without a token; knox's "
        "documentation states no status, so neither does the profile (a 401 is not required of a JSON login)"),
    "LOGIN-401-UNKNOWN-USER": passes("the same 400"),
    "LOGIN-401-SAME-MESSAGE": passes("one body for both"),
    "LOGIN-DISABLED-REFUSED": passes("ModelBackend refuses is_active=False users: the same 400"),
    "TOKEN-DISTINCT": passes("one new token per login (knox's point: a token per client)"),
    "TOKEN-ENTROPY": passes("crypto.create_token_string: 32 bytes of os.urandom as 64 hex characters, 256 bits"),
    "LOGOUT-ACCESS-REVOKED": Verdict("passed", "LogoutView deletes the token's row: the next call gets 401 "
                                               '{"detail": "Invalid token."}', severity="must"),
    "LOGOUT-REPEATED": passes("a second logout with the deleted token gets 401 (not a 5xx); it stays gone"),
    "LOGOUT-REFRESH-REVOKED": skipped("no logout.refresh_field", "knox has no refresh token"),
    "ACCESS-VALID-TOKEN": passes("Authorization: Token <token> (protected.scheme authorization:Token)"),
    "ACCESS-NO-TOKEN": passes('401 {"detail": "Authentication credentials were not provided."}'),
    "ACCESS-GARBAGE-TOKEN": passes('401 {"detail": "Invalid token."}'),
    "ACCESS-WRONG-SCHEME": passes("AUTH_HEADER_PREFIX is Token: Bearer, Basic, JWT or no prefix are not read"),
    "ACCESS-TOKEN-IN-QUERY": passes("knox reads the Authorization header only"),
    "ACCESS-WWW-AUTHENTICATE": skipped("RFC 6750 §3 concerns bearer tokens only",
                                       "the Token scheme is not RFC 6750's; knox's 401 says WWW-Authenticate: Token"),
    "ACCESS-EXPIRED": skipped("needs token.signing",
                              "an opaque token cannot be forged expired, and TOKEN_TTL (10 h) is too long to wait"),
    "SEC-ENUM-TIMING": passes("ModelBackend runs the password hasher for an unknown user too"),
    "SEC-NO-STORE": finding(
        "missing Cache-Control: no-store (got none) and Pragma: no-cache (got none)",
        "knox's LoginView answer carries no caching headers (DRF adds none); RFC 6749 §5.1's MUST binds OAuth 2.0 "
        "token endpoints, which this is not, so a hardening warning", severity="should"),
    "SEC-NOSNIFF": passes("Django's SecurityMiddleware: X-Content-Type-Options: nosniff"),
}


def _knox_login(peer: Peer) -> httpx.Response:
    answer = httpx.post(f"{peer.url}/api/auth/login/", json={"username": peer.env["KNOX_USER"],
                                                             "password": peer.env["KNOX_PASSWORD"]})
    assert answer.status_code == 200, answer.text
    return answer


def _probe_knox_login_cacheable(peer: Peer) -> None:
    answer = _knox_login(peer)
    assert set(answer.json()) == {"expiry", "token"}, answer.text
    assert "cache-control" not in answer.headers and "pragma" not in answer.headers, answer.headers


# --- Express + passport-jwt + jsonwebtoken (npm) ------------------------------------------------------

EXPRESS_JWT: dict[str, Verdict] = COMMON | dict.fromkeys(REFRESH_CHECKS, NO_REFRESH) | {
    "LOGIN-OK-STATUS": passes("res.json: 200"),
    "LOGIN-OK-CONTENT-TYPE": passes("application/json; charset=utf-8"),
    "LOGIN-OK-SCHEMA": passes('{"token"}'),
    "LOGIN-OK-TOKEN": passes("/token is the HS256 JWT from jsonwebtoken's jwt.sign"),
    "LOGIN-OK-NO-PASSWORD-ECHO": passes(),
    "LOGIN-MISSING-FIELD": passes('400 {"message": "username and password are required"}'),
    "LOGIN-EMPTY-BODY": passes("the same 400"),
    "LOGIN-MALFORMED-JSON": passes(
        "express.json()'s parse error goes to Express's default error handler: 400 text/html 'Bad Request' "
        "(no stack trace with NODE_ENV=production); a refusal, and the profile states no malformed_body"),
    "LOGIN-WRONG-TYPE": passes("non-string fields get the stated 400"),
    "LOGIN-NO-5XX": passes(),
    "LOGIN-401-BAD-PASSWORD": passes('401 {"message": "Invalid username or password"} after bcrypt.compare'),
    "LOGIN-401-UNKNOWN-USER": passes("the same 401"),
    "LOGIN-401-SAME-MESSAGE": passes("one body for both"),
    "LOGIN-DISABLED-REFUSED": passes('403 {"message": "Account is disabled"}, as stated'),
    "TOKEN-STRUCTURE": passes(),
    "TOKEN-ALG-ALLOWED": passes("HS256"),
    "TOKEN-TYP": passes("jsonwebtoken writes typ JWT"),
    "TOKEN-CLAIMS-REQUIRED": passes("sub, username, iat, exp, iss, aud"),
    "TOKEN-IDENTITY-CLAIM": passes("username is the login name"),
    "TOKEN-FORBIDDEN-CLAIMS": passes(),
    "TOKEN-DISTINCT": passes("iat differs a second later"),
    "TOKEN-IAT-NOW": passes(),
    "TOKEN-EXP-FUTURE": passes(),
    "TOKEN-EXP-LIFETIME": passes("expiresIn '15m'"),
    "TOKEN-NBF": skipped("the token carries no nbf claim", "jwt.sign sets nbf only when notBefore is given"),
    "TOKEN-SIGNATURE": passes("HS256 with the app's secret"),
    "TOKEN-WEAK-HMAC-SECRET": passes("a random 48-byte secret"),
    "ACCESS-VALID-TOKEN": passes(),
    "ACCESS-NO-TOKEN": passes("passport's 401 Unauthorized"),
    "ACCESS-GARBAGE-TOKEN": passes("the same 401"),
    "ACCESS-WRONG-SCHEME": passes("ExtractJwt.fromAuthHeaderAsBearerToken() reads Bearer only"),
    "ACCESS-TOKEN-IN-QUERY": passes("no query extractor configured"),
    "ACCESS-WWW-AUTHENTICATE": finding(
        "no token: no WWW-Authenticate header",
        "passport-jwt fails with an Error, not a challenge string, so passport's 401 'Unauthorized' carries no "
        "WWW-Authenticate (RFC 6750 §3, RFC 9110 §15.5.2)", severity="should"),
    "ACCESS-ALG-NONE": passes("the strategy's algorithms: ['HS256']"),
    "ACCESS-SIGNATURE-STRIPPED": passes(),
    "ACCESS-PAYLOAD-TAMPERED": passes(),
    "ACCESS-KEY-CONFUSION": skipped("key confusion needs a public-key algorithm", "HS256 has no public key"),
    "ACCESS-KID-INJECTION": passes("kid is ignored"),
    "ACCESS-EMBEDDED-JWK": passes("verified with the configured key; a header jwk is ignored"),
    "ACCESS-JKU": passes("jku is never fetched; the token is refused"),
    "ACCESS-X5U": passes("x5u is never fetched; the token is refused"),
    "TOKEN-CLAIMS-BEFORE-SIGNATURE": passes("jsonwebtoken verifies the signature before exp; passport answers 401 "
                                            "'Unauthorized' for both"),
    "ACCESS-EXPIRED": passes("forged with the secret: jsonwebtoken's TokenExpiredError, 401"),
    "SEC-ENUM-TIMING": passes("an unknown user's password is compared with a dummy bcrypt hash"),
    "SEC-NO-STORE": finding(
        "missing Cache-Control: no-store (got none) and Pragma: no-cache (got none)",
        "res.json sets no caching headers; a warning, as the profile does not say /login is an OAuth 2.0 token "
        "endpoint (RFC 6749 §5.1)", severity="should"),
    "SEC-NOSNIFF": finding(
        "no X-Content-Type-Options",
        "Express sets no X-Content-Type-Options: nosniff by itself (helmet would)", severity="should"),
}


def _express_login(peer: Peer) -> httpx.Response:
    answer = httpx.post(f"{peer.url}/login", json={"username": peer.env["EXPRESS_JWT_USER"],
                                                   "password": peer.env["EXPRESS_JWT_PASSWORD"]})
    assert answer.status_code == 200, answer.text
    return answer


def _probe_express_401_without_challenge(peer: Peer) -> None:
    for headers in ({}, {"Authorization": "Bearer garbage"}):
        answer = httpx.get(f"{peer.url}/profile", headers=headers)
        assert (answer.status_code, answer.text) == (401, "Unauthorized"), answer.text
        assert "www-authenticate" not in answer.headers, answer.headers


def _probe_express_login_headers(peer: Peer) -> None:
    answer = _express_login(peer)
    assert answer.headers["content-type"].startswith("application/json")
    assert not {"cache-control", "pragma", "x-content-type-options"} & set(answer.headers), answer.headers


TABLES = {"simplejwt": SIMPLEJWT, "flask-jwt-extended": FLASK_JWT_EXTENDED, "knox": KNOX, "express-jwt": EXPRESS_JWT}
SECRETS = {
    "simplejwt": ("SIMPLEJWT_PASSWORD", "SIMPLEJWT_INACTIVE_PASSWORD", "SIMPLEJWT_SECRET_KEY",
                  "SIMPLEJWT_DISABLED_REFRESH_TOKEN"),
    "flask-jwt-extended": ("FLASK_JWT_PASSWORD", "FLASK_JWT_DISABLED_PASSWORD", "FLASK_JWT_DISABLED_REFRESH_TOKEN",
                           "FLASK_JWT_PRIVATE_KEY"),
    "knox": ("KNOX_PASSWORD", "KNOX_INACTIVE_PASSWORD", "KNOX_SECRET_KEY"),
    "express-jwt": ("EXPRESS_JWT_PASSWORD", "EXPRESS_JWT_DISABLED_PASSWORD", "EXPRESS_JWT_SECRET"),
}
PROBES: dict[tuple[str, str], Callable[[Peer], None]] = {
    ("simplejwt", "SEC-NO-STORE"): _probe_simplejwt_login_cacheable,
    ("simplejwt", "REFRESH-NO-STORE"): _probe_simplejwt_refresh_cacheable,
    ("simplejwt", "OPENAPI-LOGIN-DOCUMENTED"): _probe_simplejwt_openapi_documents_200_only,
    ("simplejwt", "OPENAPI-STATUSES-DOCUMENTED"): _probe_simplejwt_openapi_documents_200_only,
    ("flask-jwt-extended", "ACCESS-GARBAGE-TOKEN"): _probe_flask_garbage_token_422,
    ("flask-jwt-extended", "ACCESS-WWW-AUTHENTICATE"): _probe_flask_401_without_challenge,
    ("flask-jwt-extended", "SEC-NO-STORE"): _probe_flask_login_headers,
    ("flask-jwt-extended", "SEC-NOSNIFF"): _probe_flask_login_headers,
    ("flask-jwt-extended", "REFRESH-NO-STORE"): _probe_flask_refresh_cacheable,
    ("knox", "SEC-NO-STORE"): _probe_knox_login_cacheable,
    ("express-jwt", "ACCESS-WWW-AUTHENTICATE"): _probe_express_401_without_challenge,
    ("express-jwt", "SEC-NO-STORE"): _probe_express_login_headers,
    ("express-jwt", "SEC-NOSNIFF"): _probe_express_login_headers,
}


# --- fixtures: each server started once per module, each run made once --------------------------


@pytest.fixture(scope="module")
def peer(tmp_path_factory) -> Callable[[str], Peer]:
    started: dict[str, Peer] = {}

    def get(name: str) -> Peer:
        if name not in started:
            if name in NODE_PEERS and not (shutil.which("node") and shutil.which("npm")):
                pytest.skip(f"{name} needs Node.js and npm on PATH (its packages come from the npm registry)")
            started[name] = start(name, tmp_path_factory.mktemp(f"{name}-server"))
        return started[name]

    yield get
    for server in started.values():
        server.stop()


@pytest.fixture(scope="module")
def verdict(peer, tmp_path_factory) -> Callable[[str], Outcome]:
    runs: dict[str, Outcome] = {}

    def get(name: str) -> Outcome:
        if name not in runs:
            server = peer(name)
            runs[name] = authconform(
                "run", "--profile", str(ROOT / "profiles" / f"{name}.yaml"), "--base-url", server.url, "--rps", "0",
                report_dir=tmp_path_factory.mktemp(f"{name}-report"), env=server.env, timeout=600)
        return runs[name]

    return get


def _results(outcome: Outcome) -> dict[str, list[dict]]:
    assert outcome.summary is not None, f"no summary.json; output:\n{outcome.output[-3000:]}"
    by_id: dict[str, list[dict]] = {}
    for result in outcome.summary["checks"]:
        by_id.setdefault(result["id"], []).append(result)
    return by_id


# --- tests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_verdict_is_exactly_the_table(name, verdict):
    """Every check of the run has a table entry, every entry ran, and each outcome (and reason) is the table's."""
    outcome = verdict(name)
    results, table = _results(outcome), TABLES[name]
    problems = [f"{check_id}: new check, no entry in the {name} table (decide: pass, skip or finding?); it "
                f"{r[0]['outcome']}: {r[0]['reason'][:300]}"
                for check_id, r in results.items() if check_id not in table]
    problems += [f"{check_id}: in the {name} table but not in the run" for check_id in table if check_id not in results]
    for check_id, expected in table.items():
        for result in results.get(check_id, []):
            if result["outcome"] != expected.outcome:
                problems.append(f"{check_id}: expected {expected.outcome} ({expected.why or expected.reason}), got "
                                f"{result['outcome']}: {result['reason'][:400]}")
            elif expected.reason and expected.reason not in result["reason"]:
                problems.append(f"{check_id}: {expected.outcome} as expected, but the reason lacks "
                                f"{expected.reason!r}: {result['reason'][:400]}")
            elif expected.severity and expected.severity != result["severity"]:
                problems.append(f"{check_id}: {expected.outcome} as expected, but as {result['severity']} where a "
                                f"right verdict says {expected.severity} ({expected.why})")
    assert not problems, f"{name}: the verdict differs from the table:\n  " + "\n  ".join(problems)
    gate = any(v.outcome == "failed" and r["severity"] == "must"
               for check_id, v in table.items() for r in results.get(check_id, []))
    assert outcome.code == (1 if gate else 0), outcome.output[-2000:]


@pytest.mark.parametrize("name", TABLES)
def test_every_finding_has_a_probe(name):
    """A finding is only in a table with a direct probe of the server showing the behaviour it reports."""
    missing = [c for c, v in TABLES[name].items() if v.outcome == "failed" and (name, c) not in PROBES]
    assert not missing, f"{name}: findings without a probe: {missing}"
    unused = [c for (peer_name, c) in PROBES if peer_name == name and TABLES[name].get(c, passes()).outcome != "failed"]
    assert not unused, f"{name}: probes for checks that are not findings: {unused}"


README_SERVERS = {"SimpleJWT": "simplejwt", "flask-jwt-extended": "flask-jwt-extended", "knox": "knox",
                  "Express": "express-jwt"}


def test_readme_findings_are_the_tables():
    """README's "What it finds on real servers" names exactly the tables' findings, at their severities."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What it finds on real servers", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|`]+?) \| `([A-Z0-9-]+)` \| (\w+) \|", section, re.M)
    shown = {(README_SERVERS[server.split()[0]], check_id, severity) for server, check_id, severity in rows}
    expected = {(name, check_id, v.severity) for name, table in TABLES.items() for check_id, v in table.items()
                if v.outcome == "failed"}
    assert shown == expected, f"README only: {sorted(shown - expected)}; tables only: {sorted(expected - shown)}"
    unrated = [(name, c) for name, c, severity in expected if not severity]
    assert not unrated, f"findings without the severity a right harness gives them: {unrated}"


@pytest.mark.parametrize(("name", "check_id"), list(PROBES), ids=[f"{n}:{c}" for n, c in PROBES])
def test_finding_is_the_framework_behaviour(name, check_id, peer):
    """Without the harness: the server really behaves as the finding says."""
    PROBES[(name, check_id)](peer(name))


@pytest.mark.parametrize("name", TABLES)
def test_reports_never_show_the_peer_secrets(name, verdict, peer):
    """Passwords and signing secrets of a real server stay out of every report file."""
    outcome = verdict(name)
    server = peer(name)
    secrets = [server.env[v] for v in SECRETS[name]]
    # a key given as a file: no piece of its PEM body (past the fixed ASN.1 prefix every RSA key shares) either
    secrets = ["".join(Path(s).read_text().splitlines()[1:-1])[200:264] if s.endswith(".pem") else s for s in secrets]
    for file in outcome.report_dir.rglob("*"):
        if file.is_file():
            text = file.read_text(errors="replace")
            leaked = [v for v, s in zip(SECRETS[name], secrets, strict=True) if s in text]
            assert not leaked, f"{file.name} shows {leaked}"


def test_knox_logout_deletes_the_token(peer):
    """knox's LogoutView deletes the token it was called with, and only that one (LogoutAllView deletes the rest).

    LOGOUT-ACCESS-REVOKED and LOGOUT-REPEATED run against it (profiles/knox.yaml logout); this is their probe.
    """
    server = peer("knox")
    first, second = (_knox_login(server).json()["token"] for _ in range(2))
    me = f"{server.url}/api/me/"
    assert httpx.get(me, headers={"Authorization": f"Token {first}"}).status_code == 200
    logout = httpx.post(f"{server.url}/api/auth/logout/", headers={"Authorization": f"Token {first}"})
    assert logout.status_code == 204, logout.text
    gone = httpx.get(me, headers={"Authorization": f"Token {first}"})
    assert (gone.status_code, gone.json()) == (401, {"detail": "Invalid token."}), gone.text
    assert gone.headers.get("www-authenticate") == "Token", gone.headers
    assert httpx.get(me, headers={"Authorization": f"Token {second}"}).status_code == 200
    everywhere = httpx.post(f"{server.url}/api/auth/logoutall/", headers={"Authorization": f"Token {second}"})
    assert everywhere.status_code == 204, everywhere.text
    assert httpx.get(me, headers={"Authorization": f"Token {second}"}).status_code == 401
