"""Invoice Ninja v5 (seed 003): Laravel, an opaque API token, and a company-user tree as the login body.

The request passes, in order (research C): ApiSecretCheck (403 when ``API_SECRET`` is set and the
``X-API-SECRET`` header differs), the LoginRequest rules (422 JSON when the client "expects JSON",
else a 302 back), the controller's string rules, the ThrottlesLogins lockout (5 failures a minute
per lower(email)|IP, even for the right password), then the password. A locked company user logs
in normally and is refused when the token is used. Tokens never expire.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from authconform.targets import hardening
from authconform.targets.accounts import Account, AccountBook
from authconform.targets.api_secret import EchoSecretHeader, api_secret_refusal
from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import login as login_defects
from authconform.targets.defects import openapi as openapi_defects
from authconform.targets.defects import secret as secret_defects
from authconform.targets.defects import security as security_defects
from authconform.targets.defects import token as token_defects
from authconform.targets.invoiceninja_bodies import STATIC, company_user, pagination
from authconform.targets.lexik import json_syntax_error, php_json_decode
from authconform.targets.openapi import document_route, outside_bmp, production_crash
from authconform.targets.openapi import invoiceninja as invoiceninja_openapi
from authconform.targets.responses import (
    HTML,
    JSON,
    FrameworkHeaders,
    laravel_error_page,
    laravel_json,
    no_store,
    php_json,
    stack_trace_page,
)
from authconform.targets.routes import any_method
from authconform.targets.settings import TargetSettings
from authconform.targets.throttle import FixedWindowCounter

FLAVOUR = "invoiceninja"
APP_VERSION = "5.10.42"
API_VERSION = "5.0.16"
MINIMUM_CLIENT_VERSION = "5.0.16"

MAX_FAILED_LOGINS = 5
LOCKOUT_WINDOW = 60.0
INVALID_CREDENTIALS = "These credentials do not match our records"
THROTTLED = "Too many login attempts, you are being throttled"
INVALID_DATA = "The given data was invalid."

VERSION_HEADERS = {
    "X-App-Version": APP_VERSION,
    "X-Api-Version": API_VERSION,
    "X-Minimum-Client-Version": MINIMUM_CLIENT_VERSION,
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-APP-VERSION,X-MINIMUM-CLIENT-VERSION,Content-Disposition",
}

_TOKEN_ALPHABET = string.ascii_letters + string.digits

VALID = Account(
    "demo@invoiceninja.com",
    "Password0",
    (),
    id=1,
    details={"hashed_id": "q9wdL84djP", "first_name": "Demo", "last_name": "User", "is_owner": True},
)
LOCKED = Account(
    "locked@invoiceninja.com",
    "Locked123!",
    (),
    enabled=False,
    id=2,
    details={"hashed_id": "Wpmbk5ezJn", "first_name": "Locked", "last_name": "Clerk", "is_owner": False},
)

# A throwaway account for the opt-in lockout probe (security.lockout): ThrottlesLogins locks it.
LOCKOUT = Account(
    "lockout@invoiceninja.com",
    "Lockout123!",
    (),
    id=3,
    details={"hashed_id": "Xo7bk3yzMq", "first_name": "Throwaway", "last_name": "Clerk", "is_owner": False},
)

# The request's fields as Laravel saw them: the raw value, or _ABSENT when the key was not sent.
_ABSENT: Any = object()


@dataclass(frozen=True)
class LoginInput:
    """The merged input (body, then query) and what kind of body it came from."""

    fields: Mapping[str, Any]
    body_kind: str  # "empty", "malformed", "non-object" or "object"

    def raw(self, name: str) -> Any:
        return self.fields.get(name, _ABSENT)


LOW_ENTROPY_PREFIX = "ninjaCompanyKey" + "0" * 27  # 42 characters a low-entropy token never changes


def random_token() -> str:
    """Laravel's ``Str::random(64)``: 64 characters from [A-Za-z0-9]."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(64))


def expects_json(request: Request) -> bool:
    """Laravel's ``expectsJson()``: an XHR that accepts anything, or an Accept that ranks JSON first."""
    accept = request.headers.get("accept", "")
    types = [part.split(";", 1)[0].strip().lower() for part in accept.split(",") if part.strip()]
    ajax = request.headers.get("x-requested-with") == "XMLHttpRequest"
    if ajax and (not types or "*/*" in types or types[0] == "*"):
        return True
    return bool(types) and ("/json" in types[0] or "+json" in types[0])


def _php_form(body: bytes) -> dict[str, Any]:
    """PHP's form parsing, enough to tell ``email=x`` (a string) from ``email[]=x`` (an array)."""
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if "[" in key and key.index("[") > 0:
            fields.setdefault(key[: key.index("[")], []).append(value)
        else:
            fields[key] = value
    return fields


def _trimmed(value: Any) -> Any:
    """TrimStrings, then ConvertEmptyStringsToNull (both recursive, as Laravel's middleware)."""
    if isinstance(value, str):
        value = value.strip(" \t\n\r\v\f\ufeff\u200b")
        return None if value == "" else value
    if isinstance(value, dict):
        return {k: _trimmed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_trimmed(v) for v in value]
    return value


def _filled(value: Any) -> bool:
    """Laravel's ``required`` rule."""
    if value is _ABSENT or value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, (list, dict)):
        return len(value) > 0
    return True


class InvoiceNinjaTarget:
    """One self-hosted Invoice Ninja: accounts, issued API tokens, lockout counter and defects."""

    def __init__(self, settings: TargetSettings, defects: ActiveDefects):
        self.settings = settings
        self.defects = defects
        self.accounts = AccountBook([VALID, LOCKED, LOCKOUT], settings.hash_iterations, normalise=str.lower,
                                    dummy_hash=security_defects.SKIP_HASH_FOR_UNKNOWN_USER not in defects)
        self.failed_logins = FixedWindowCounter(LOCKOUT_WINDOW)
        self._tokens: dict[str, str] = {}
        self._tokens_lock = threading.Lock()
        self._issued_count = 1000  # the low-entropy-token defect's sequence

    def app(self) -> Starlette:
        async def not_found(request: Request, exc: Exception) -> Response:
            return laravel_json({"message": "404 | Nothing to see here!"}, 404)

        app = Starlette(
            routes=[
                any_method("/api/v1/login", self.login),
                any_method("/api/v1/clients", self.clients),
                document_route(invoiceninja_openapi.PATH, invoiceninja_openapi.document, self.defects,
                               media_type=invoiceninja_openapi.MEDIA_TYPE),
            ],
            middleware=[
                Middleware(hardening.SecurityHeaders, defects=self.defects, hardened=self.settings.hardened),
                Middleware(FrameworkHeaders, extra=VERSION_HEADERS),
                Middleware(hardening.DebugMode, defects=self.defects, framework=hardening.LARAVEL),
            ]
            + ([Middleware(EchoSecretHeader)] if secret_defects.ECHOED_IN_RESPONSE in self.defects else []),
            exception_handlers={404: not_found},
        )
        app.state.target = self
        return app

    # --- tokens ------------------------------------------------------------------------------

    def issue_token(self, account: Account) -> str:
        with self._tokens_lock:
            if token_defects.SAME_TOKEN_EVERY_LOGIN in self.defects:
                earlier = next((t for t, who in self._tokens.items() if who == account.identity), None)
                if earlier is not None:
                    return earlier
            token = self.low_entropy_token() if token_defects.LOW_ENTROPY_TOKEN in self.defects else random_token()
            if token_defects.VALID_TOKEN_REFUSED not in self.defects:
                self._tokens[token] = account.identity
        return token

    def low_entropy_token(self) -> str:
        """The low-entropy-token defect: a constant prefix, a sequence number and 10 random characters (64 long)."""
        self._issued_count += 1
        tail = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(10))
        return f"{LOW_ENTROPY_PREFIX}{self._issued_count:012d}{tail}"

    def api_token(self, request: Request) -> str | None:
        """TokenAuth reads X-API-TOKEN only; defects also take Authorization (any scheme) or ?api_token=."""
        token = request.headers.get("x-api-token")
        if token_defects.LAX_AUTH_SCHEME in self.defects:
            token = (token or request.headers.get("authorization") or "").split(" ")[-1]
        if not token and token_defects.TOKEN_IN_QUERY in self.defects:
            token = request.query_params.get("api_token")
        return token or None

    def token_account(self, token: str | None) -> Account | None:
        if not token:
            return None
        with self._tokens_lock:
            identity = self._tokens.get(token)
        return self.accounts.find(identity)

    # --- login -------------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(b"", 200)
        if request.method != "POST":
            return laravel_json({"message": "Method not supported for this route"}, 404)
        refusal = api_secret_refusal(request, self.settings.api_secret, self.defects)
        if refusal is not None:
            return refusal
        if secret_defects.REQUIRES_X_REQUESTED_WITH in self.defects and "x-requested-with" not in request.headers:
            return laravel_json({"message": "X-Requested-With header required"}, 400)
        data = await self.read_input(request)
        if isinstance(data, Response):
            return data
        cleaned = self.validate(request, data)
        if isinstance(cleaned, Response):
            return cleaned
        email, password = cleaned
        wrong_type = not isinstance(email, str) or not isinstance(password, str)
        key = f"{str(email).lower()}|{request.client.host if request.client else ''}"
        throttles = security_defects.NO_LOCKOUT not in self.defects
        if throttles and not wrong_type and self.failed_logins.count(key) >= MAX_FAILED_LOGINS:
            return laravel_json({"message": THROTTLED}, 401)
        if openapi_defects.FUZZED_INPUT_500 in self.defects and outside_bmp(email):
            return production_crash("laravel")
        matches = await run_in_threadpool(self.accounts.password_matches, email, password)
        account = self.accounts.find(email)
        if wrong_type:  # only reachable with the wrong-type-as-401 defect
            return laravel_json({"message": INVALID_CREDENTIALS}, 401)
        if account is None:
            if login_defects.UNKNOWN_USER_404 in self.defects:
                return laravel_json({"message": "User not found"}, 404)
            self.failed_logins.hit(key)
            if login_defects.UNKNOWN_USER_MESSAGE in self.defects:
                return laravel_json({"message": "No user with that email"}, 401)
            refused = laravel_json({"message": INVALID_CREDENTIALS}, 401)
            if security_defects.SET_COOKIE_ON_UNKNOWN_USER in self.defects:
                hardening.start_session(refused, "laravel_session")
            return refused
        if not matches and login_defects.WRONG_PASSWORD_LOGS_IN not in self.defects:
            self.failed_logins.hit(key)
            body: dict[str, Any] = {"message": INVALID_CREDENTIALS}
            if login_defects.TOKEN_IN_401_BODY in self.defects:
                body["data"] = [{"token": {"token": self.issue_token(account)}}]
            return laravel_json(body, 401)
        return self.login_success(request, account, password)

    async def read_input(self, request: Request) -> LoginInput | Response:
        """Laravel's input: the JSON or form body, then the query string for keys the body lacks."""
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        if not body:
            if login_defects.EMPTY_BODY_500 in self.defects:
                return self.crash(request, 'Undefined array key "email"')
            fields, kind = {}, "empty"
        elif "/json" in content_type or "+json" in content_type:
            try:
                decoded = php_json_decode(body, objects=False)
            except ValueError:
                if login_defects.MALFORMED_JSON_500 in self.defects and json_syntax_error(body):
                    return self.crash(request, "json_decode(): Syntax error")
                decoded, kind = {}, "malformed"
            else:
                kind = "object" if isinstance(decoded, dict) else "non-object"
            fields = decoded if isinstance(decoded, dict) else {}
        elif content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
            fields, kind = _php_form(body), "object"
        else:
            fields, kind = {}, "non-object"
        merged = dict(fields)
        for name, value in request.query_params.multi_items():
            merged.setdefault(name, value)
        return LoginInput(merged, kind)

    def validate(self, request: Request, data: LoginInput) -> tuple[Any, Any] | Response:
        """LoginRequest (``required``; password ``max:1000``), then the controller's ``required|string``.

        Returns the cleaned email and password, or the refusal: 422 JSON for a client that
        expects JSON, else the 302 back. Email is trimmed (TrimStrings skips passwords) and an
        empty string counts as absent (ConvertEmptyStringsToNull).
        """
        values: dict[str, Any] = {}
        unchecked: set[str] = set()
        for name in ("email", "password"):
            raw = data.raw(name)
            if (
                raw is _ABSENT
                and data.body_kind == "object"
                and login_defects.MISSING_FIELD_500 in self.defects
            ):
                return self.crash(request, f'Undefined array key "{name}"')
            if raw is None and login_defects.NULL_FIELD_500 in self.defects:
                return self.crash(
                    request, "Str::lower(): Argument #1 ($value) must be of type string, null given"
                )
            if (
                raw is not _ABSENT
                and not isinstance(raw, str)
                and login_defects.WRONG_TYPE_AS_401 in self.defects
            ):
                values[name] = raw  # the defect: no validation, straight to the password check
                unchecked.add(name)
                continue
            values[name] = _trimmed(raw) if name == "email" else (None if raw == "" else raw)
        to_check = {name: value for name, value in values.items() if name not in unchecked}
        errors: dict[str, list[str]] = {}
        for name, value in to_check.items():
            if not _filled(value):
                errors[name] = [f"The {name} field is required."]
            elif name == "password" and _too_long(value):
                errors[name] = ["The password must not be greater than 1000 characters."]
        if not errors:
            errors = {
                n: [f"The {n} must be a string."] for n, v in to_check.items() if not isinstance(v, str)
            }
        if not errors:
            return values["email"], values["password"]
        if login_defects.HTML_ERROR_PAGE in self.defects:
            return laravel_error_page(422)
        if not expects_json(request):
            return _redirect(self.app_url(request))
        return laravel_json({"message": INVALID_DATA, "errors": errors}, 422)

    def app_url(self, request: Request) -> str:
        """Where ``redirect()->back()`` goes without a previous URL: the site root, from APP_URL.

        The secret-redirects-offsite defect is an APP_URL naming another origin (another loopback
        address, same port).
        """
        if secret_defects.REDIRECTS_OFFSITE in self.defects:
            return f"http://127.0.0.2:{request.url.port or 80}/"
        return str(request.base_url)

    def crash(self, request: Request, message: str) -> Response:
        """An uncaught exception with APP_DEBUG on: Laravel's JSON trace for an API client, else a page."""
        frames = [
            "/var/www/app/Http/Controllers/Auth/LoginController.php(142): "
            "App\\Http\\Controllers\\Auth\\LoginController->apiLogin()",
            "/var/www/vendor/laravel/framework/src/Illuminate/Routing/Controller.php(54): "
            "call_user_func_array()",
            "/var/www/vendor/laravel/framework/src/Illuminate/Pipeline/Pipeline.php(183): "
            "Illuminate\\Routing\\Pipeline->Illuminate\\Pipeline\\{closure}()",
            "/var/www/public/index.php(51): Illuminate\\Foundation\\Http\\Kernel->handle()",
            "{main}",
        ]
        if expects_json(request):
            trace = [{"file": f.split("(")[0], "line": 0, "function": f.split(": ")[-1]} for f in frames[:-1]]
            return laravel_json(
                {
                    "message": message,
                    "exception": "ErrorException",
                    "file": "/var/www/app/Http/Controllers/Auth/LoginController.php",
                    "line": 142,
                    "trace": trace,
                },
                500,
            )
        return stack_trace_page("ErrorException", message, frames)

    def login_success(self, request: Request, account: Account, password: Any) -> Response:
        """BaseController::response: ``{"data":[CompanyUser],"meta":...}`` pretty-printed, keys sorted."""
        token = "" if login_defects.EMPTY_TOKEN in self.defects else self.issue_token(account)
        tree = company_user(account, token)
        if openapi_defects.SCHEMA_DRIFT in self.defects:
            tree["user"]["firstName"] = tree["user"].pop("first_name")
        if login_defects.PASSWORD_ECHO in self.defects:
            tree["user"]["password"] = password
        body: dict[str, Any] = {"data": [tree]}
        if login_defects.LOGIN_BODY_MISSING_FIELD not in self.defects:
            body["meta"] = pagination(1)
        if request.query_params.get("include_static") == "true":
            body["static"] = STATIC
        status = 201 if login_defects.LOGIN_CREATED in self.defects else 200
        media = HTML if login_defects.LOGIN_CONTENT_TYPE_HTML in self.defects else JSON
        content = php_json(dict(sorted(body.items())), pretty=True)
        response = Response(content, status, media_type=media)
        if security_defects.TOKEN_RESPONSE_CACHEABLE in self.defects:
            return response
        return no_store(response, self.settings.hardened)

    # --- protected endpoint ------------------------------------------------------------------

    async def clients(self, request: Request) -> Response:
        """``GET /api/v1/clients`` behind TokenAuth: only ``X-API-TOKEN`` counts, and a refusal is 403."""
        if request.method not in ("GET", "HEAD"):
            return laravel_json({"message": "Method not supported for this route"}, 404)
        token = self.api_token(request)
        if token is None and token_defects.NO_TOKEN_ACCEPTED in self.defects:
            return Response(php_json({"data": [], "meta": pagination(0)}, pretty=True), media_type=JSON)
        if token is not None and "'" in token and token_defects.GARBAGE_TOKEN_500 in self.defects:
            return laravel_json({"message": "Server Error"}, 500)  # SQLSTATE[42000], APP_DEBUG off
        account = self.token_account(token)
        if account is None:
            return laravel_json({"message": "Invalid token", "errors": {}}, 403)
        if not account.enabled and login_defects.DISABLED_LOGS_IN not in self.defects:
            return laravel_json({"message": "User access locked", "errors": {}}, 403)
        body = {
            "data": [],
            "meta": pagination(0),
        }
        return Response(php_json(body, pretty=True), media_type=JSON)


def _too_long(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) > 1000
    return isinstance(value, (list, dict)) and len(value) > 1000


def _redirect(url: str) -> Response:
    """Laravel's ``redirect()->back()`` with no previous URL: a 302 to the site root."""
    page = f"""<!DOCTYPE html>
<html>
    <head>
        <meta charset="UTF-8" />
        <meta http-equiv="refresh" content="0;url='{url}'" />

        <title>Redirecting to {url}</title>
    </head>
    <body>
        Redirecting to <a href="{url}">{url}</a>.
    </body>
</html>"""
    return Response(page.encode(), 302, {"Location": url}, "text/html; charset=utf-8")


def build(settings: TargetSettings, defects: ActiveDefects) -> Starlette:
    return InvoiceNinjaTarget(settings, defects).app()


def environment(settings: TargetSettings) -> dict[str, str]:
    """The variables profiles/invoiceninja.yaml reads (TARGET_URL is added by the runner)."""
    return {
        "NINJA_EMAIL": VALID.identity,
        "NINJA_PASSWORD": VALID.password,
        "NINJA_LOCKED_EMAIL": LOCKED.identity,
        "NINJA_LOCKED_PASSWORD": LOCKED.password,
        "NINJA_LOCKOUT_EMAIL": LOCKOUT.identity,
        "NINJA_LOCKOUT_PASSWORD": LOCKOUT.password,
        "API_SECRET": settings.api_secret or "",
    }
