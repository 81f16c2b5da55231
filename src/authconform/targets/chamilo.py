"""Chamilo 2 (seeds 000-002): Symfony + lexik 2.x on a session-backed ``api`` firewall.

What sets it apart from plain lexik (research D): the firewall is not stateless, so the login
also sets a session cookie that by itself authenticates ``/api/*``; HttpExceptions under
``/api/`` are rendered as ``{"error": ...}``; ``login_throttling`` allows 10 attempts a minute
per username and IP; messages from Symfony's security catalogue follow the request's language.
No refresh tokens: a client logs in again.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from authconform.targets import lexik
from authconform.targets.accounts import Account, AccountBook
from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import login as login_defects
from authconform.targets.defects import openapi as openapi_defects
from authconform.targets.defects import security as security_defects
from authconform.targets.defects import token as token_defects
from authconform.targets.keypairs import key_pair
from authconform.targets.openapi import chamilo as chamilo_openapi
from authconform.targets.openapi import document_route, outside_bmp, production_crash
from authconform.targets.responses import php_json, symfony_error_page, symfony_json
from authconform.targets.routes import any_method
from authconform.targets.settings import TargetSettings
from authconform.targets.throttle import FixedWindowCounter

FLAVOUR = "chamilo"
IDENTITY = "username"
SESSION_COOKIE = "ch_sid"

# security.yaml: login_throttling {max_attempts: 10, interval: '1 minute'}; Symfony adds a
# per-IP limiter of 5 x max_attempts.
MAX_ATTEMPTS = 10
MAX_ATTEMPTS_PER_IP = 5 * MAX_ATTEMPTS
THROTTLE_WINDOW = 60.0
THROTTLED = "Too many failed login attempts, please try again in 1 minute."

VALID = Account("admin", "Chamilo-Admin-2024!", ("ROLE_ADMIN",), id=1)
DISABLED = Account("disabled1", "disabled1-pass", ("ROLE_USER",), enabled=False, id=2)
LOCKOUT = Account("lockout1", "lockout1-pass", ("ROLE_USER",), id=3)  # throwaway, for the opt-in lockout probe


def chamilo_error_page(status: int) -> Response:
    """Chamilo's ExceptionListener page (``@ChamiloCore/Exception/error.html.twig``)."""
    text = {400: "Bad Request", 404: "Not Found"}.get(status, "Error")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8">
    <title>Chamilo - {status} {text}</title>
</head>
<body class="error-page">
<div id="app" class="container">
    <h1>Oops! An error occurred</h1>
    <p class="error-message">{status} {text}</p>
    <a href="/">Return to the homepage</a>
</div>
</body>
</html>
"""
    return Response(page.encode(), status, media_type="text/html; charset=UTF-8")


class ChamiloTarget:
    """One Chamilo server: accounts, signing keys, sessions, throttling and switched-on defects."""

    def __init__(self, settings: TargetSettings, defects: ActiveDefects):
        self.settings = settings
        self.defects = defects
        self.accounts = AccountBook([VALID, DISABLED, LOCKOUT], settings.hash_iterations,
                                    dummy_hash=security_defects.SKIP_HASH_FOR_UNKNOWN_USER not in defects)
        self.encoder = lexik.JwtEncoder(key_pair(FLAVOUR), settings.access_ttl_for(FLAVOUR), defects=defects,
                                        expired_message=lexik.expired_message(settings.hardened))
        self.attempts = FixedWindowCounter(THROTTLE_WINDOW)
        self.attempts_per_ip = FixedWindowCounter(THROTTLE_WINDOW)
        self._sessions: dict[str, str] = {}
        self._sessions_lock = threading.Lock()

    def app(self) -> Starlette:
        return lexik.symfony_app(self, [
            any_method("/api/authentication_token", self.login),
            Route("/api/users", self.users, methods=["GET"]),
            document_route(chamilo_openapi.PATH, chamilo_openapi.document, self.defects,
                           media_type=chamilo_openapi.MEDIA_TYPE),
        ])

    # --- login -------------------------------------------------------------------------------

    def bad_request(self, message: str) -> Response:
        """Chamilo's HTTPExceptionListener for URIs under /api/: ``{"error": <message>}``."""
        if login_defects.HTML_ERROR_PAGE in self.defects:
            return chamilo_error_page(400)
        return symfony_json({"error": message}, 400)

    def mint(self, account: Account) -> str:
        if token_defects.TOKEN_FOR_WRONG_USER in self.defects:
            account = DISABLED
        claims: dict[str, Any] = {"username": account.identity}
        if token_defects.PASSWORD_HASH_IN_CLAIMS in self.defects:
            claims["password"] = self.accounts.stored_hash(account.identity)
        return self.encoder.encode(list(account.roles), claims)

    @staticmethod
    def throttle_key(identity: Any, ip: str) -> str:
        """DefaultLoginRateLimiter's key: the lowercased username, a dash, the client IP."""
        return f"{str(identity).lower()}-{ip}"

    def throttled(self, identity: Any, ip: str) -> bool:
        """LoginThrottlingListener: consume one attempt, or refuse once the window is spent."""
        if security_defects.NO_LOCKOUT in self.defects:
            return False
        key = self.throttle_key(identity, ip)
        if self.attempts.count(key) >= MAX_ATTEMPTS or self.attempts_per_ip.count(ip) >= MAX_ATTEMPTS_PER_IP:
            return True
        self.attempts.hit(key)
        self.attempts_per_ip.hit(ip)
        return False

    async def login(self, request: Request) -> Response:
        credentials = await lexik.read_json_login(request, IDENTITY, self.defects, self.bad_request)
        if credentials is None:
            return symfony_error_page(404)
        if isinstance(credentials, Response):
            return credentials

        def translate(message: str) -> str:
            return lexik.translate_security(message, request)

        ip = request.client.host if request.client else ""
        if openapi_defects.FUZZED_INPUT_500 in self.defects and outside_bmp(credentials.identity):
            return production_crash("symfony")  # the attempt is logged (track_e_login_attempt) before throttling
        if self.throttled(credentials.identity, ip):
            return lexik.lexik_failure(THROTTLED)
        matches = await run_in_threadpool(
            self.accounts.password_matches, credentials.identity, credentials.password
        )
        account = self.accounts.find(credentials.identity)
        if account is None:
            return lexik.unknown_identity_failure(self.defects, translate)
        if not account.enabled and login_defects.DISABLED_LOGS_IN not in self.defects:
            # lexik hides the account status: a disabled account is just "Invalid credentials."
            return lexik.lexik_failure(translate(lexik.BAD_CREDENTIALS))
        if not matches and login_defects.WRONG_PASSWORD_LOGS_IN not in self.defects:
            return lexik.wrong_password_failure(self.defects, translate, lambda: self.mint(account))
        self.attempts.reset(self.throttle_key(credentials.identity, ip))
        self.attempts_per_ip.reset(ip)
        return self.login_success(account, credentials.password)

    def login_success(self, account: Account, password: Any) -> Response:
        token = "" if login_defects.EMPTY_TOKEN in self.defects else self.encoder.login_token(
            account.identity, lambda: self.mint(account))
        body: dict[str, Any] = {
            "jwt" if login_defects.LOGIN_BODY_MISSING_FIELD in self.defects else "token": token
        }
        if login_defects.PASSWORD_ECHO in self.defects:
            body["password"] = password
        response = lexik.login_success(body, self.defects, hardened=self.settings.hardened)
        sid = secrets.token_hex(13)
        with self._sessions_lock:
            self._sessions[sid] = account.identity
        response.headers.append("Set-Cookie", f"{SESSION_COOKIE}={sid}; path=/; httponly; samesite=lax")
        return response

    # --- protected endpoint ------------------------------------------------------------------

    def session_account(self, request: Request) -> Account | None:
        """The account a session cookie from an earlier login authenticates, if any."""
        sid = request.cookies.get(SESSION_COOKIE)
        with self._sessions_lock:
            username = self._sessions.get(sid) if sid else None
        account = self.accounts.find(username)
        if account is None or not (account.enabled or login_defects.DISABLED_LOGS_IN in self.defects):
            return None
        return account

    async def users(self, request: Request) -> Response:
        """``GET /api/users`` (ROLE_USER): a bearer token, or else the session, must authenticate."""
        if lexik.bearer_token(request) is not None or self.session_account(request) is None:
            account = lexik.authenticate_bearer(
                request,
                self.encoder,
                IDENTITY,
                self.accounts.find,
                self.defects,
                lambda message: lexik.translate_security(message, request),
            )
            if isinstance(account, Response):
                return account
        member = "member" if openapi_defects.SCHEMA_DRIFT in self.defects else "hydra:member"  # API Platform 4's
        collection = {
            "@context": "/api/contexts/User",
            "@id": "/api/users",
            "@type": "hydra:Collection",
            member: [{"username": VALID.identity}],
        }
        # API Platform's JSON-LD encoder leaves slashes and unicode unescaped.
        content = php_json(collection, escape_slashes=False, escape_unicode=False)
        return Response(content, media_type="application/ld+json; charset=utf-8")


def build(settings: TargetSettings, defects: ActiveDefects) -> Starlette:
    return ChamiloTarget(settings, defects).app()


def environment(settings: TargetSettings) -> dict[str, str]:
    """The variables profiles/chamilo.yaml reads (TARGET_URL is added by the runner)."""
    return lexik.environment("CHAMILO", key_pair(FLAVOUR), VALID, DISABLED, LOCKOUT)
