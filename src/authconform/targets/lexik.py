"""Symfony ``json_login`` + LexikJWTAuthenticationBundle, as the Chamilo and PCH-SIG flavours share it.

Everything here follows what a real Symfony 5.4 + lexik 2.20 + lcobucci/jwt 5 server was seen
to do (research/lexik-real.md), including its quirks: the login path answers any method whose
body is labelled JSON, an expired token is reported as expired before its signature is looked
at, and every lexik 401 carries ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from authconform.targets import hardening
from authconform.targets.accounts import Account
from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import login as login_defects
from authconform.targets.defects import security as security_defects
from authconform.targets.defects import token as token_defects
from authconform.targets.hardening import start_session
from authconform.targets.keypairs import KeyPair
from authconform.targets.responses import (
    HTML,
    JSON,
    FrameworkHeaders,
    no_store,
    php_json,
    stack_trace_page,
    symfony_error_page,
    symfony_json,
)
from authconform.targets.token_faults import TokenFaults

INVALID_TOKEN = "Invalid JWT Token"
EXPIRED_TOKEN = "Expired JWT Token"
TOKEN_NOT_FOUND = "JWT Token not found"
BAD_CREDENTIALS = "Invalid credentials."
ALGORITHM = "RS256"

# Symfony's Request::$formats entries whose name contains "json" (JsonLoginAuthenticator::supports).
_JSON_FORMATS = {"application/json": "json", "application/x-json": "json", "application/ld+json": "jsonld"}
_PHP_JSON_DEPTH = 512
_NUMERIC_STRING = re.compile(r"^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$")


def lexik_failure(message: str, status: int = 401, extra: Mapping[str, Any] | None = None) -> Response:
    """JWTAuthenticationFailureResponse: ``{"code","message"}`` plus ``WWW-Authenticate: Bearer``."""
    body = {"code": status, "message": message, **dict(extra or {})}
    return symfony_json(body, status, {"WWW-Authenticate": "Bearer"})


# --- request parsing -------------------------------------------------------------------------


def content_type_format(request: Request) -> str | None:
    """Symfony's ``Request::getContentTypeFormat()``: exact, case-sensitive MIME lookup."""
    header = request.headers.get("content-type")
    if not header:
        return None
    return _JSON_FORMATS.get(header) or _JSON_FORMATS.get(header.split(";", 1)[0].strip())


class _NotJson(Exception):
    pass


def php_json_decode(body: bytes, *, objects: bool = True) -> Any:
    """Decode as PHP's ``json_decode`` does, raising ``ValueError`` where PHP returns an error.

    PHP refuses what Python accepts: a BOM, NaN/Infinity, unpaired surrogates, nesting beyond
    512, and (decoding to objects) property names starting with NUL.
    """
    try:
        text = body.decode("utf-8")
        data = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, _NotJson, RecursionError) as exc:
        raise ValueError(str(exc)) from None
    _php_acceptable(data, depth=1, objects=objects)
    return data


def json_syntax_error(body: bytes) -> bool:
    """True for valid UTF-8 that is not well-formed JSON (what the malformed-JSON defects crash on)."""
    try:
        json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return False
    except (json.JSONDecodeError, RecursionError):
        return True
    return False


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON")


def _php_acceptable(value: Any, *, depth: int, objects: bool) -> None:
    if isinstance(value, str):
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            raise ValueError("single unpaired UTF-16 surrogate")
        return
    if isinstance(value, (dict, list)):
        if depth > _PHP_JSON_DEPTH:
            raise ValueError("maximum stack depth exceeded")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str):
                _php_acceptable(key, depth=depth, objects=objects)
                if objects and key.startswith("\x00"):
                    raise ValueError("the decoded property name is invalid")
            _php_acceptable(item, depth=depth + 1, objects=objects)


@dataclass(frozen=True)
class Credentials:
    """What json_login read. Values are strings unless a defect let a wrong type through."""

    identity: Any
    password: Any


def symfony_crash(message: str) -> Response:
    """The debug page of a TypeError thrown inside the authenticator: a crashing defect's answer."""
    return stack_trace_page(
        "TypeError",
        message,
        [
            "/var/www/vendor/symfony/security-http/Authenticator/JsonLoginAuthenticator.php(92): "
            "Symfony\\Component\\Security\\Http\\Authenticator\\JsonLoginAuthenticator->getCredentials()",
            "/var/www/vendor/symfony/security-http/Authentication/AuthenticatorManager.php(170): "
            "Symfony\\Component\\Security\\Http\\Authenticator\\JsonLoginAuthenticator->authenticate()",
            "/var/www/vendor/symfony/http-kernel/HttpKernel.php(139): "
            "Symfony\\Component\\Security\\Http\\Firewall->onKernelRequest()",
            "/var/www/public/index.php(20): Symfony\\Component\\HttpKernel\\Kernel->handle()",
            "{main}",
        ],
    )


async def read_json_login(
    request: Request,
    identity_field: str,
    defects: ActiveDefects,
    bad_request: Callable[[str], Response],
) -> Credentials | Response | None:
    """JsonLoginAuthenticator::getCredentials, with the login defects of the parsing stage.

    ``None``: json_login does not handle the request (not labelled JSON), the route then 404s.
    A ``Response``: the 400 (through the flavour's ``bad_request`` renderer) or a defect's 500.
    """
    if content_type_format(request) is None:
        return None
    body = await request.body()
    if not body and login_defects.EMPTY_BODY_500 in defects:
        return symfony_crash("json_decode(): Argument #1 ($json) must not be empty")
    try:
        data = php_json_decode(body)
    except ValueError:
        if body and login_defects.MALFORMED_JSON_500 in defects and json_syntax_error(body):
            return symfony_crash("Cannot access offset of type string on null")
        return bad_request("Invalid JSON.")
    if not isinstance(data, dict):
        return bad_request("Invalid JSON.")
    if security_defects.CREDENTIALS_IN_QUERY in defects:  # Laravel-style merged input: the body wins
        data = {**request.query_params, **data}
    values = []
    for field in (identity_field, "password"):
        if field not in data:
            if login_defects.MISSING_FIELD_500 in defects:
                return symfony_crash(f"Undefined property: stdClass::${field}")
            return bad_request(f'The key "{field}" must be provided.')
        value = data[field]
        if not isinstance(value, str):
            if value is None and login_defects.NULL_FIELD_500 in defects:
                return symfony_crash(
                    f"strlen(): Argument #1 ($string) must be of type string, null given ({field})"
                )
            if login_defects.WRONG_TYPE_AS_401 not in defects:
                return bad_request(f'The key "{field}" must be a string.')
        values.append(value)
    return Credentials(*values)


# --- tokens ----------------------------------------------------------------------------------


class TokenRejected(Exception):
    """Lexik refused a bearer token; ``str()`` is the message of its 401 body."""


def _b64url_strict(segment: str) -> bytes:
    """lcobucci's decoder (sodium, URL-safe, no padding): canonical input only."""
    if not segment.isascii() or "=" in segment or "+" in segment or "/" in segment:
        raise ValueError("not base64url")
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != segment:
        raise ValueError("non-canonical base64url")
    return raw


def _numeric(value: Any) -> float | None:
    """PHP ``is_numeric`` for a decoded JSON value, as a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMERIC_STRING.match(value):
        return float(value)
    return None


class JwtEncoder:
    """Issues and verifies RS256 tokens the way lexik's LcobucciJWTEncoder does."""

    def __init__(
        self,
        keys: KeyPair,
        ttl: int | None,
        *,
        clock: Callable[[], float] = time.time,
        clock_skew: int = 0,
        defects: ActiveDefects | None = None,
        audience: str | None = None,
        issuer: str | None = None,
        expired_message: str = EXPIRED_TOKEN,
    ):
        self.keys = keys
        # Stock lexik checks exp before the signature and says "Expired JWT Token" even for a forged
        # token; a hardened deployment answers it as invalid from an on_jwt_expired listener.
        self.expired_message = expired_message
        # Lexik has no aud/iss setting: a deployment adds them in a JWTCreated listener and checks them
        # in a JWTDecoded listener (markAsInvalid), as Lexik's "data customization" documentation shows.
        self.audience = audience
        self.issuer = issuer
        self.faults = TokenFaults(defects, keys)  # the token defects; inert on a clean target
        self.ttl = self.faults.ttl(ttl)
        self.clock = clock
        self.clock_skew = self.faults.clock_skew(clock_skew)
        self._rsa = RSAAlgorithm(RSAAlgorithm.SHA256)

    def encode(self, roles: list[str], identity_claims: Mapping[str, Any]) -> str:
        """A token with claims ``iat, exp, roles`` then the identity claims, in that order."""
        now = int(self.clock() + self.faults.issue_offset)
        payload: dict[str, Any] = {"iat": now}
        if self.ttl is not None:
            payload["exp"] = now + self.ttl
        if self.faults.nbf(now) is not None:
            payload["nbf"] = self.faults.nbf(now)
        payload["roles"] = list(roles)
        payload.update(identity_claims)
        if not self.faults.skips_aud_iss_claims:
            if self.issuer is not None:
                payload["iss"] = self.issuer
            if self.audience is not None:
                payload["aud"] = self.audience
        encoded = php_json(payload, escape_slashes=False, escape_unicode=False)
        return self.faults.sign(encoded, lambda headers: jwt.api_jws.encode(
            encoded, self.keys.private_key, algorithm=ALGORITHM, headers=headers, sort_headers=False
        ))

    def login_token(self, identity: str, mint: Callable[[], str]) -> str:
        """The token a login hands out (a new one; the same-token-every-login defect reuses one)."""
        return self.faults.login_token(identity, mint, self.clock())

    def decode(self, token: str) -> dict[str, Any]:
        """The payload of a token lexik would accept; else :class:`TokenRejected` with lexik's message.

        Order as in lexik: unparseable → invalid; then ``iat`` in the future → invalid, missing
        ``exp`` → invalid, ``exp`` passed → EXPIRED (even with a forged signature); only then an
        unverified signature or a header ``alg`` other than RS256 → invalid.
        """
        header, payload, verified = self._parse(token)
        now = self.clock() + self.faults.verify_offset
        state = "verified" if verified else "unverified"
        iat = _numeric(payload.get("iat"))
        if iat is not None and int(iat) - self.clock_skew > now:
            state = "invalid"
        if self.ttl is not None:
            exp = _numeric(payload.get("exp"))
            if exp is None:
                state = "invalid"
            elif self.clock_skew <= now - int(exp) and not self.faults.accepts_expired:
                state = "expired"
        if state == "invalid":
            raise TokenRejected(INVALID_TOKEN)
        if state == "expired":
            raise TokenRejected(self.expired_message)
        if state != "verified" or not payload:
            raise TokenRejected(INVALID_TOKEN)
        if not self._decoded_listener_accepts(payload):
            raise TokenRejected(INVALID_TOKEN)
        return payload

    def _decoded_listener_accepts(self, payload: dict[str, Any]) -> bool:
        """The JWTDecoded listener: aud and iss, where configured, must be the deployment's own."""
        lenient = self.faults.skips_aud_iss_claims  # the defect's listener checks a claim only when present
        if self.audience is not None and not self.faults.ignores_audience:
            aud = payload.get("aud")
            audiences = aud if isinstance(aud, list) else [aud]
            if not (lenient and aud is None) and self.audience not in audiences:
                return False
        if self.issuer is not None and not self.faults.ignores_issuer:
            iss = payload.get("iss")
            if not (lenient and iss is None) and iss != self.issuer:
                return False
        return True

    def _parse(self, token: str) -> tuple[dict[str, Any], dict[str, Any], bool]:
        parts = token.split(".")
        if len(parts) != 3 or not all(parts):
            raise TokenRejected(INVALID_TOKEN)
        try:
            header = php_json_decode(_b64url_strict(self.faults.segment(parts[0])), objects=False)
            payload = php_json_decode(_b64url_strict(self.faults.segment(parts[1])), objects=False)
            signature = _b64url_strict(self.faults.segment(parts[2]))
        except ValueError:
            raise TokenRejected(INVALID_TOKEN) from None
        header = _as_php_array(header)
        payload = _as_php_array(payload)
        if "enc" in header:  # lcobucci refuses JWE outright
            raise TokenRejected(INVALID_TOKEN)
        for claim in ("iat", "nbf", "exp"):
            if claim in payload and _numeric(payload[claim]) is None:
                raise TokenRejected(INVALID_TOKEN)
        for claim in ("iat", "nbf", "exp"):
            if claim in payload:
                payload[claim] = int(_numeric(payload[claim]) or 0)
        return header, payload, self._verified(header, payload, parts, signature)

    def _verified(
        self, header: dict[str, Any], payload: dict[str, Any], parts: list[str], sig: bytes
    ) -> bool:
        """lcobucci's SignedWith (alg must be RS256) plus LooseValidAt (iat, nbf, exp against now)."""
        signed = f"{parts[0]}.{parts[1]}".encode()
        verdict = self.faults.verdict(header, signed, sig)
        if verdict is False:
            return False
        if verdict is None:
            if header.get("alg") != ALGORITHM:
                return False
            if not self.faults.ignores_signature and not self._rsa.verify(signed, self.keys.public_key, sig):
                return False
        clock = self.clock() + self.faults.verify_offset
        now = clock + self.clock_skew
        if "iat" in payload and now < payload["iat"]:
            return False
        if "nbf" in payload and now < payload["nbf"]:
            return False
        expired = "exp" in payload and clock - self.clock_skew >= payload["exp"]
        return not expired or self.faults.accepts_expired


def expired_message(hardened: bool) -> str:
    """The 401 message of an expired token: stock lexik's, or (hardened) the invalid-token one.

    Stock lexik reads exp before it trusts the signature, so "Expired JWT Token" tells a forger the
    claims were read; an on_jwt_expired listener that answers like on_jwt_invalid hides that.
    """
    return INVALID_TOKEN if hardened else EXPIRED_TOKEN


def _as_php_array(value: Any) -> dict[str, Any]:
    """lcobucci decodes to PHP arrays: a JSON list becomes an index-keyed map, a scalar is refused."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(i): item for i, item in enumerate(value)}
    raise TokenRejected(INVALID_TOKEN)


# --- the protected side ----------------------------------------------------------------------


ANONYMOUS = Account("anon.", "", ())  # Symfony's anonymous user, served when no access rule applies


def bearer_token(request: Request, defects: ActiveDefects | None = None) -> str | None:
    """lexik's AuthorizationHeaderTokenExtractor: exactly ``<Bearer> <token>``, scheme case-insensitive.

    Defects: any scheme (or none) is taken (lax-auth-scheme); the query_parameter extractor
    (``?bearer=``) is switched on (token-in-query-accepted).
    """
    on = set(defects or ())
    value = request.headers.get("authorization")
    parts = value.split(" ") if value is not None else []
    if parts and token_defects.LAX_AUTH_SCHEME in on:
        return parts[-1] or None
    if len(parts) == 2 and parts[0].isascii() and parts[0].lower() == "bearer":
        return parts[1]
    if token_defects.TOKEN_IN_QUERY in on:
        return request.query_params.get("bearer") or None
    return None


def _refused(message: str, defects: ActiveDefects) -> Response:
    """The protected route's 401; the no-www-authenticate defect drops its challenge."""
    response = lexik_failure(message)
    if token_defects.NO_WWW_AUTHENTICATE in defects:
        del response.headers["www-authenticate"]
    return response


def authenticate_bearer(
    request: Request,
    encoder: JwtEncoder,
    identity_claim: str,
    find_account: Callable[[Any], Account | None],
    defects: ActiveDefects,
    translate: Callable[[str], str] = lambda message: message,
) -> Account | Response:
    """lexik's JWTAuthenticator on a protected route: the account, or the 401 to send."""
    token = bearer_token(request, defects)
    if token is None:
        if token_defects.NO_TOKEN_ACCEPTED in defects:
            return ANONYMOUS
        return _refused(TOKEN_NOT_FOUND, defects)
    if token_defects.GARBAGE_TOKEN_500 in defects and token.count(".") != 2:
        return symfony_error_page(500)  # "Undefined array key 2" in a hand-written splitter, debug off
    try:
        payload = encoder.decode(token)
    except TokenRejected as rejected:
        return _refused(str(rejected), defects)
    if payload.get(identity_claim) is None:
        return _refused(f'Unable to find key "{identity_claim}" in the token payload.', defects)
    account = find_account(payload[identity_claim])
    if account is None or (not account.enabled and login_defects.DISABLED_LOGS_IN not in defects):
        return _refused(translate(BAD_CREDENTIALS), defects)
    return account


# --- Symfony's security translation catalogue ------------------------------------------------

SECURITY_CATALOGUE: dict[str, dict[str, str]] = {
    "fr": {BAD_CREDENTIALS: "Identifiants invalides."},
    "nl": {BAD_CREDENTIALS: "Ongeldige inloggegevens."},
    "es": {BAD_CREDENTIALS: "Credenciales no válidas."},
}


def preferred_locale(accept_language: str | None, locales: tuple[str, ...] = ("en", "fr", "nl", "es")) -> str:
    """Symfony's ``Request::getPreferredLanguage``: highest q first, ``fr-BE`` also offers ``fr``."""
    if not accept_language:
        return locales[0]
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag:
            ranked.append((-quality, index, tag.strip().lower().replace("_", "-")))
    for _, _, tag in sorted(ranked):
        for candidate in (tag, tag.split("-", 1)[0]):
            if candidate in locales:
                return candidate
    return locales[0]


def translate_security(message: str, request: Request) -> str:
    """Translate a Symfony security message key into the request's preferred language."""
    locale = preferred_locale(request.headers.get("accept-language"))
    return SECURITY_CATALOGUE.get(locale, {}).get(message, message)


# --- login answers shared by the Lexik flavours ------------------------------------------------


def unknown_identity_failure(defects: ActiveDefects, translate: Callable[[str], str]) -> Response:
    """The answer for an identity no account has: the same 401 as a wrong password, unless a defect."""
    if login_defects.UNKNOWN_USER_404 in defects:
        return symfony_json({"message": "User not found"}, 404)
    if login_defects.UNKNOWN_USER_MESSAGE in defects:
        return lexik_failure("Username could not be found.")
    refused = lexik_failure(translate(BAD_CREDENTIALS))
    if security_defects.SET_COOKIE_ON_UNKNOWN_USER in defects:
        start_session(refused, "PHPSESSID")
    return refused


def wrong_password_failure(
    defects: ActiveDefects, translate: Callable[[str], str], leak_token: Callable[[], str]
) -> Response:
    """lexik's failure handler for a wrong password (``leak_token`` serves the token-in-401 defect)."""
    extra = {"token": leak_token()} if login_defects.TOKEN_IN_401_BODY in defects else None
    return lexik_failure(translate(BAD_CREDENTIALS), extra=extra)


def login_success(
    body: Mapping[str, Any], defects: ActiveDefects, headers: Mapping[str, str] | None = None, *, hardened: bool
) -> Response:
    """lexik's JWTAuthenticationSuccessResponse (no-store only when ``hardened``), with the success-stage defects."""
    status = 201 if login_defects.LOGIN_CREATED in defects else 200
    media = HTML if login_defects.LOGIN_CONTENT_TYPE_HTML in defects else JSON
    response = symfony_json(body, status, headers, media_type=media)
    return response if security_defects.TOKEN_RESPONSE_CACHEABLE in defects else no_store(response, hardened)


def symfony_app(target: Any, routes: list[BaseRoute]) -> Starlette:
    """A Symfony kernel's HTTP surface around ``routes``: its headers, its debug mode, its 404/405 pages.

    Both Lexik flavours (chamilo, pch-sig) run on Symfony; only their routes and bodies differ.
    ``target.defects`` switches the hardening defects; ``app.state.target`` is the flavour's state.
    """

    async def symfony_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return symfony_error_page(exc.status_code, exc.headers)

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(hardening.SecurityHeaders, defects=target.defects, hardened=target.settings.hardened),
            Middleware(FrameworkHeaders),
            Middleware(hardening.DebugMode, defects=target.defects, framework=hardening.SYMFONY),
        ],
        exception_handlers={404: symfony_http_error, 405: symfony_http_error},
    )
    app.state.target = target
    return app


def environment(prefix: str, keys: KeyPair, valid: Account, disabled: Account, lockout: Account) -> dict[str, str]:
    """The variables a Lexik flavour's built-in profile reads: ``<PREFIX>_USER``, ``_PASSWORD``, the disabled and
    lockout accounts, and the JWT key paths (TARGET_URL is added by the runner)."""
    return {
        f"{prefix}_USER": valid.identity,
        f"{prefix}_PASSWORD": valid.password,
        f"{prefix}_DISABLED_USER": disabled.identity,
        f"{prefix}_DISABLED_PASSWORD": disabled.password,
        f"{prefix}_LOCKOUT_USER": lockout.identity,
        f"{prefix}_LOCKOUT_PASSWORD": lockout.password,
        f"{prefix}_JWT_PUBLIC_KEY": str(keys.public_path),
        f"{prefix}_JWT_PRIVATE_KEY": str(keys.private_path),
    }
