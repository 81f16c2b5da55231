"""PCH-SIG (seed 004): Symfony + lexik + gesdinet refresh tokens, with the app's own error bodies.

The seed documents ``POST /api/login`` with ``{"email","password"}``, a body of token,
refresh_token and user, the JWT claims ``iat, exp, roles, email, user_id``, 400 bodies shaped
``{"code":400,"message":...}`` and a 403 ``Account is disabled.`` for a disabled account (an app
UserChecker that, unlike plain lexik, does not hide the account's status once the password is
right). Everything the seed leaves open behaves as lexik and gesdinet do.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from authconform.targets import lexik, logout
from authconform.targets.accounts import Account, AccountBook
from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import login as login_defects
from authconform.targets.defects import logout as logout_defects
from authconform.targets.defects import openapi as openapi_defects
from authconform.targets.defects import refresh as refresh_defects
from authconform.targets.defects import security as security_defects
from authconform.targets.defects import token as token_defects
from authconform.targets.keypairs import key_pair
from authconform.targets.openapi import document_route, outside_bmp, production_crash
from authconform.targets.openapi import pchsig as pchsig_openapi
from authconform.targets.refresh import (
    GESDINET_DEFAULT_TTL,
    GesdinetOptions,
    RefreshTokenStore,
    attach_refresh_token,
    refresh,
)
from authconform.targets.responses import symfony_error_page, symfony_json
from authconform.targets.routes import any_method
from authconform.targets.settings import TargetSettings

FLAVOUR = "pch-sig"
IDENTITY = "email"

VALID = Account(
    "admin@pch-sig.sn", "Admin123!", ("ROLE_ADMIN",), id=1, details={"nomComplet": "Administrateur"}
)
DISABLED = Account(
    "disabled@pch-sig.sn",
    "Disabled123!",
    ("ROLE_USER",),
    enabled=False,
    id=2,
    details={"nomComplet": "Compte Désactivé"},
)
# A refresh token the disabled account got at its last login, before an admin disabled it: the
# refresh_tokens table of a real deployment keeps such rows until they expire. The environment
# hands it to the profile (refresh.disabled_refresh_token), as an operator would.
DISABLED_REFRESH_TOKEN = secrets.token_hex(64)

# A throwaway account for the opt-in lockout probe (security.lockout); PCH-SIG never locks it.
LOCKOUT = Account(
    "lockout@pch-sig.sn", "Lockout123!", ("ROLE_USER",), id=3, details={"nomComplet": "Compte Jetable"}
)


class PchSigTarget:
    """One PCH-SIG server: its accounts, signing keys, refresh-token table and switched-on defects."""

    def __init__(self, settings: TargetSettings, defects: ActiveDefects):
        self.settings = settings
        self.defects = defects
        self.accounts = AccountBook([VALID, DISABLED, LOCKOUT], settings.hash_iterations,
                                    dummy_hash=security_defects.SKIP_HASH_FOR_UNKNOWN_USER not in defects)
        self.encoder = lexik.JwtEncoder(key_pair(FLAVOUR), settings.access_ttl_for(FLAVOUR), defects=defects,
                                        audience=settings.token_audience, issuer=settings.token_issuer,
                                        expired_message=lexik.expired_message(settings.hardened))
        ttl = GESDINET_DEFAULT_TTL if refresh_defects.LIFETIME_30_DAYS in defects else settings.refresh_ttl
        self.refresh_tokens = RefreshTokenStore(ttl)
        self.refresh_tokens.seed(DISABLED_REFRESH_TOKEN, DISABLED.identity)
        self.gesdinet = GesdinetOptions(
            single_use=settings.refresh_single_use,
            reuse_detection=settings.refresh_reuse_detection,
            return_expiration=settings.refresh_return_expiration,
        )
        self.deny_list = logout.AccessDenyList() if settings.logout_revokes_access else None

    def app(self) -> Starlette:
        return lexik.symfony_app(self, [
            any_method("/api/login", self.login),
            Route("/api/me", self.me, methods=["GET"]),
            any_method("/api/token/refresh", self.token_refresh),
            any_method(logout.PATH, self.token_invalidate),
            document_route(pchsig_openapi.PATH, pchsig_openapi.document, self.defects,
                           media_type=pchsig_openapi.MEDIA_TYPE),
        ])

    # --- login -------------------------------------------------------------------------------

    def bad_request(self, message: str) -> Response:
        """The app's rendering of json_login's BadRequestHttpException."""
        if login_defects.HTML_ERROR_PAGE in self.defects:
            return symfony_error_page(400)
        return symfony_json({"code": 400, "message": message}, 400)

    def mint(self, account: Account) -> str:
        if token_defects.TOKEN_FOR_WRONG_USER in self.defects:
            account = DISABLED
        claims: dict[str, Any] = {"email": account.identity, "user_id": account.id}
        if token_defects.PASSWORD_HASH_IN_CLAIMS in self.defects:
            claims["password"] = self.accounts.stored_hash(account.identity)
        return self.encoder.encode(list(account.roles), claims)

    async def login(self, request: Request) -> Response:
        credentials = await lexik.read_json_login(request, IDENTITY, self.defects, self.bad_request)
        if credentials is None:
            return symfony_error_page(404)
        if isinstance(credentials, Response):
            return credentials
        if openapi_defects.FUZZED_INPUT_500 in self.defects and outside_bmp(credentials.identity):
            return production_crash("symfony")
        matches = await run_in_threadpool(
            self.accounts.password_matches, credentials.identity, credentials.password
        )
        account = self.accounts.find(credentials.identity)
        if account is None:
            return lexik.unknown_identity_failure(self.defects, _untranslated)
        if not matches and login_defects.WRONG_PASSWORD_LOGS_IN not in self.defects:
            return lexik.wrong_password_failure(self.defects, _untranslated, lambda: self.mint(account))
        if not account.enabled and login_defects.DISABLED_LOGS_IN not in self.defects:
            return lexik.lexik_failure("Account is disabled.", 403)
        return self.login_success(account, credentials.password)

    def login_success(self, account: Account, password: Any) -> Response:
        token = "" if login_defects.EMPTY_TOKEN in self.defects else self.encoder.login_token(
            account.identity, lambda: self.mint(account))
        name_key = "fullName" if openapi_defects.SCHEMA_DRIFT in self.defects else "nomComplet"
        user: dict[str, Any] = {
            "id": account.id,
            "email": account.identity,
            name_key: account.details["nomComplet"],
            "roles": list(account.roles),
        }
        if login_defects.PASSWORD_ECHO in self.defects:
            user["password"] = password
        body: dict[str, Any] = {"token": token}
        attach_refresh_token(body, self.refresh_tokens, account.identity, self.gesdinet, self.defects)
        if login_defects.LOGIN_BODY_MISSING_FIELD not in self.defects:
            body["user"] = user
        return lexik.login_success(body, self.defects, hardened=self.settings.hardened)

    # --- protected endpoint and refresh ------------------------------------------------------

    async def me(self, request: Request) -> Response:
        if self.denied(request):
            return lexik.lexik_failure("Invalid JWT Token", 401)
        account = self.refresh_token_bearer(request)
        if account is None:
            account = lexik.authenticate_bearer(request, self.encoder, IDENTITY, self.accounts.find, self.defects)
        if isinstance(account, Response):
            return account
        return symfony_json({"id": account.id, "email": account.identity, "roles": list(account.roles)})

    def denied(self, request: Request) -> bool:
        """The app's deny-list (logout_revokes_access): a bearer token a logout revoked."""
        if self.deny_list is None or logout_defects.ACCESS_NOT_DENIED in self.defects:
            return False
        return lexik.bearer_token(request) in self.deny_list

    async def token_invalidate(self, request: Request) -> Response:
        """gesdinet's logout listener on POST /api/token/invalidate."""
        return await logout.invalidate(request, self.refresh_tokens, self.defects,
                                       access_token=lexik.bearer_token(request), deny_list=self.deny_list)

    def refresh_token_bearer(self, request: Request) -> Account | None:
        """The refresh-token-works-as-bearer defect: a bearer value found in the refresh table."""
        if refresh_defects.WORKS_AS_BEARER not in self.defects:
            return None
        stored = self.refresh_tokens.get(lexik.bearer_token(request) or "")
        return self.accounts.find(stored.username) if stored is not None else None

    def refreshable(self, username: str) -> Account | None:
        """The account a refresh token may mint for: existing and enabled (unless a defect).

        Symfony's user checker guards the refresh firewall as it guards the login.
        """
        account = self.accounts.find(username)
        checked = login_defects.DISABLED_LOGS_IN not in self.defects
        checked = checked and refresh_defects.IGNORES_DISABLED_USER not in self.defects
        if account is None or (checked and not account.enabled):
            return None
        return account

    def mint_refreshed(self, account: Account) -> str:
        """The access token a refresh mints: the login's claims (unless a defect drops the identity)."""
        if refresh_defects.TOKEN_LACKS_IDENTITY in self.defects:
            return self.encoder.encode(list(account.roles), {"user_id": account.id})
        return self.mint(account)

    def access_token_user(self, token: str) -> Account | None:
        """The refresh-accepts-access-token defect: the account a valid access JWT names."""
        try:
            payload = self.encoder.decode(token)
        except lexik.TokenRejected:
            return None
        return self.accounts.find(payload.get(IDENTITY))

    async def token_refresh(self, request: Request) -> Response:
        return await refresh(
            request,
            self.refresh_tokens,
            self.gesdinet,
            self.defects,
            load_user=self.refreshable,
            mint_jwt=self.mint_refreshed,
            username_of=lambda account: account.identity,
            hardened=self.settings.hardened,
            access_token_user=self.access_token_user,
        )


def _untranslated(message: str) -> str:
    return message


def build(settings: TargetSettings, defects: ActiveDefects) -> Starlette:
    return PchSigTarget(settings, defects).app()


def environment(settings: TargetSettings) -> dict[str, str]:
    """The variables profiles/pch-sig.yaml reads (TARGET_URL is added by the runner)."""
    return {**lexik.environment("PCH", key_pair(FLAVOUR), VALID, DISABLED, LOCKOUT),
            "PCH_DISABLED_REFRESH_TOKEN": DISABLED_REFRESH_TOKEN}
