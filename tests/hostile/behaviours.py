"""The misbehaviours of the hostile-target matrix, each a :data:`~tests.hostile.server.Behaviour`.

Most of them keep the statuses a sane login API would send (:class:`LoginApi` decides those) and
break the body, so the harness gets past the status and meets the broken part; the rest break the
transport itself (drip, hang, reset) or point somewhere else (redirects).
"""

from __future__ import annotations

import html
import itertools
import json
import time
from dataclasses import dataclass, field

import jwt

from .server import Behaviour, Connection, Received

LOGIN_PATH = "/login"
PROTECTED_PATH = "/me"
SPEC_PATH = "/openapi.json"
IDENTITY = "user@example.org"

# The OpenAPI document the pretend API serves, so the OpenAPI suite (fuzzing included) meets the misbehaviour too.
SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "hostile login API", "version": "1.0"},
    "paths": {
        LOGIN_PATH: {"post": {
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["email", "password"],
                "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": {
                "200": {"description": "logged in", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}}}},
                "400": {"description": "bad request"},
                "401": {"description": "bad credentials"}}}},
        PROTECTED_PATH: {"get": {"responses": {"200": {"description": "the user"},
                                               "401": {"description": "no token"}}}},
    },
}


@dataclass
class LoginApi:
    """What a plain JSON login API would answer: the status and JSON body for each request."""

    password: str
    identity: str = IDENTITY
    signing_key: str = field(default="hostile-target-hs256-signing-key-0123456789", repr=False)
    token: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        now = int(time.time())
        claims = {"iat": now, "exp": now + 3600, "email": self.identity, "roles": ["ROLE_USER"]}
        self.token = jwt.encode(claims, self.signing_key, algorithm="HS256")

    @property
    def token_signature(self) -> str:
        return self.token.rsplit(".", 1)[1]

    def is_valid_login(self, request: Received) -> bool:
        body = request.json()
        return (request.path == LOGIN_PATH and isinstance(body, dict)
                and body.get("email") == self.identity and body.get("password") == self.password)

    def decide(self, request: Received) -> tuple[int, dict]:
        if request.path == SPEC_PATH and request.method == "GET":
            return 200, SPEC
        if request.path == LOGIN_PATH:
            if request.method != "POST":
                return 405, {"code": 405, "message": "Method Not Allowed"}
            body = request.json()
            if not isinstance(body, dict):
                return 400, {"code": 400, "message": "Invalid JSON."}
            for name in ("email", "password"):
                if name not in body:
                    return 400, {"code": 400, "message": f'The key "{name}" must be provided.'}
                if not isinstance(body[name], str):
                    return 400, {"code": 400, "message": f'The key "{name}" must be a string.'}
            if self.is_valid_login(request):
                return 200, {"token": self.token}
            return 401, {"code": 401, "message": "Invalid credentials."}
        if request.path == PROTECTED_PATH:
            if request.header("authorization") == f"Bearer {self.token}":
                return 200, {"email": self.identity}
            return 401, {"code": 401, "message": "JWT Token not found"}
        return 404, {"code": 404, "message": "Not Found"}


def plain(api: LoginApi) -> Behaviour:
    """A well-behaved JSON API (used behind the untrusted TLS certificate)."""

    def behave(request: Received, conn: Connection) -> None:
        status, body = api.decide(request)
        conn.answer(status, json.dumps(body))

    return behave


def html_error_page(api: LoginApi) -> Behaviour:
    """The right statuses, but every body is the web server's HTML error page."""

    def behave(request: Received, conn: Connection) -> None:
        status, _ = api.decide(request)
        title = f"{status} {'OK' if status == 200 else 'Error'}"
        page = (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><center><h1>{title}</h1>"
                f"</center><hr><center>nginx/1.25.3</center></body></html>")
        conn.answer(status, page, "text/html; charset=utf-8")

    return behave


def stack_trace(api: LoginApi) -> Behaviour:
    """Always 500 with a framework debug page that echoes the request, headers and body included."""

    def behave(request: Received, conn: Connection) -> None:
        echoed = "\n".join(f"{k}: {v}" for k, v in request.headers)
        body = request.body.decode("utf-8", errors="replace")
        page = f"""<!DOCTYPE html><html><head><title>Uncaught Error (500 Internal Server Error)</title></head>
<body><h1>Symfony\\Component\\ErrorHandler\\Error\\FatalError</h1>
<h2>Call to a member function getUser() on null</h2>
<pre class="trace">
#0 /var/www/html/vendor/symfony/http-kernel/HttpKernel.php(163): App\\Controller\\LoginController->login()
#1 /var/www/html/vendor/symfony/http-kernel/HttpKernel.php(75): Symfony\\Component\\HttpKernel\\HttpKernel->handleRaw()
#2 /var/www/html/public/index.php(25): Symfony\\Component\\HttpKernel\\Kernel->handle()
#3 {{main}}
</pre>
<h3>Request</h3><pre>{html.escape(request.method)} {html.escape(request.target)}
{html.escape(echoed)}

{html.escape(body)}</pre></body></html>"""
        conn.answer(500, page, "text/html; charset=UTF-8")

    return behave


def empty_body(api: LoginApi) -> Behaviour:
    """The right statuses, JSON content type, and not one byte of body."""

    def behave(request: Received, conn: Connection) -> None:
        status, _ = api.decide(request)
        conn.answer(status, b"")

    return behave


def invalid_json(api: LoginApi) -> Behaviour:
    """The right statuses and content type, and JSON cut off in the middle."""

    def behave(request: Received, conn: Connection) -> None:
        status, body = api.decide(request)
        text = json.dumps(body)
        conn.answer(status, text[: max(len(text) // 2, 3)] + "\u00ff,,")

    return behave


def wrong_content_type(api: LoginApi) -> Behaviour:
    """Correct answers, tokens included, all labelled text/html."""

    def behave(request: Received, conn: Connection) -> None:
        status, body = api.decide(request)
        conn.answer(status, json.dumps(body), "text/html; charset=UTF-8")

    return behave


HUGE = 10 * 1024 * 1024


def huge_body(api: LoginApi) -> Behaviour:
    """A 10 MB JSON answer to everything (each one different), sent as fast as the client reads it."""
    count = itertools.count()

    def behave(request: Received, conn: Connection) -> None:
        status, _ = api.decide(request)
        chunk = f'[{next(count)},'.encode() + b"0," * 32767 + b"0]"
        block = b" " * 65536
        if not conn.head(status, [("Content-Type", "application/json"), ("Content-Length", str(HUGE))]):
            return
        sent = 0
        if not conn.write(chunk):
            return
        sent += len(chunk)
        while sent < HUGE:
            piece = block[: min(len(block), HUGE - sent)]
            if not conn.write(piece):
                return
            sent += len(piece)

    return behave


def slow_drip(api: LoginApi, interval: float = 0.05, limit: float = 60.0) -> Behaviour:
    """Headers at once, then one byte of body every ``interval`` seconds, never finishing early."""

    def behave(request: Received, conn: Connection) -> None:
        status, _ = api.decide(request)
        if not conn.head(status, [("Content-Type", "application/json"), ("Content-Length", "100000")]):
            return
        deadline = time.monotonic() + limit
        conn.write(b"{")
        while not conn.stopping.is_set() and time.monotonic() < deadline:
            time.sleep(interval)
            if not conn.write(b" "):
                return

    return behave


def slow_headers(api: LoginApi, interval: float = 0.2, limit: float = 60.0) -> Behaviour:
    """The status line at once, then the headers one byte every ``interval`` seconds, never ending.

    Every read gets a byte before a per-read timeout runs out, so only a deadline for the whole
    request stops it.
    """

    def behave(request: Received, conn: Connection) -> None:
        status, _ = api.decide(request)
        if not conn.write(f"HTTP/1.1 {status} OK\r\nX-Padding: ".encode()):
            return
        deadline = time.monotonic() + limit
        while not conn.stopping.is_set() and time.monotonic() < deadline:
            time.sleep(interval)
            if not conn.write(b"a"):
                return

    return behave


def no_answer(api: LoginApi) -> Behaviour:
    """Read the request, then say nothing until the client gives up."""

    def behave(request: Received, conn: Connection) -> None:
        conn.wait_for_close()

    return behave


def reset_mid_body(api: LoginApi) -> Behaviour:
    """Promise 4000 bytes, send 100, then reset the connection."""

    def behave(request: Received, conn: Connection) -> None:
        status, _ = api.decide(request)
        if conn.head(status, [("Content-Type", "application/json"), ("Content-Length", "4000")]):
            conn.write(b'{"code": ' + str(status).encode() + b', "message": "' + b"x" * 80)
            time.sleep(0.05)
        conn.reset()

    return behave


def redirect_everything(api: LoginApi, other: str) -> Behaviour:
    """307 (method and body kept) for every request, to the same path on another host."""

    def behave(request: Received, conn: Connection) -> None:
        conn.answer(307, b"", None, [("Location", other + request.target)])

    return behave


def redirect_after_login(api: LoginApi, other: str) -> Behaviour:
    """The valid login gets its token; every other request is sent on to another host."""

    def behave(request: Received, conn: Connection) -> None:
        if api.is_valid_login(request):
            conn.answer(200, json.dumps({"token": api.token}))
        else:
            status = 307 if request.method not in ("GET", "HEAD") else 302
            conn.answer(status, b"", None, [("Location", other + request.target)])

    return behave


def redirect_loop(api: LoginApi) -> Behaviour:
    """Every path sends the client back to itself."""

    def behave(request: Received, conn: Connection) -> None:
        conn.answer(302, b"", "text/html", [("Location", request.target)])

    return behave


def recorder() -> Behaviour:
    """The 'other host' of a redirect: answers 200 to anything; its server records what came."""

    def behave(request: Received, conn: Connection) -> None:
        conn.answer(200, json.dumps({"token": "other-host-token", "email": IDENTITY}))

    return behave
