"""What the reference targets do right that a security review checks, and the defects that undo it.

The clean targets grant no cross-origin access with credentials and answer errors with production
pages, as the real systems do. Stock, they send only the headers the real frameworks send (no
``nosniff``, no HSTS, no ``no-store``: research/lexik-real.md). With ``--target-option hardened=true``
they add what a security-minded operator configures: ``nosniff`` on JSON and, served over https
(``--target-option tls=true``), HSTS as the TLS-terminating web server in front would (``no-store``
on token answers is :func:`~authconform.targets.responses.no_store`). Two ASGI
middlewares hold this and the security defects, so the flavour modules only add them to
their middleware list:

- :class:`SecurityHeaders`, outermost: when hardened, adds ``nosniff`` to JSON answers (unless
  ``no-nosniff``) and HSTS to https answers (unless ``no-hsts``); reflects any ``Origin`` with
  credentials, granting every CORS preflight (``cors-reflects-origin-with-credentials``);
- :class:`DebugMode`, innermost: every 404 becomes the framework's debug answer, with the
  exception, its stack trace and the server's paths (``stack-trace-in-errors``). Being inside
  ``FrameworkHeaders``, the debug answer still gets the framework's usual headers.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import quote

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import security as security_defects
from authconform.targets.responses import HTML, JSON

SYMFONY, LARAVEL = "symfony", "laravel"


def start_session(response: Response, cookie: str) -> Response:
    """Add a fresh session cookie, as PHP's session_start() does (``set-cookie-on-unknown-user``)."""
    response.headers.append("Set-Cookie", f"{cookie}={secrets.token_hex(13)}; path=/; HttpOnly; SameSite=Lax")
    return response


HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
NOSNIFF = (b"x-content-type-options", b"nosniff")


class SecurityHeaders:
    """Outermost middleware: the hardened target's headers, and the CORS defect. Inert on a stock http target."""

    def __init__(self, app: ASGIApp, defects: ActiveDefects, hardened: bool = False):
        self.app = app
        self.send_nosniff = hardened and security_defects.NO_NOSNIFF not in defects
        self.reflect_origin = security_defects.CORS_REFLECTS_ORIGIN in defects
        self.send_hsts = hardened and security_defects.NO_HSTS not in defects

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hsts = self.send_hsts and scope.get("scheme") == "https"
        if scope["type"] != "http" or not (self.send_nosniff or self.reflect_origin or hsts):
            await self.app(scope, receive, send)
            return
        request_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = request_headers.get("origin") if self.reflect_origin else None
        if origin and scope["method"] == "OPTIONS" and "access-control-request-method" in request_headers:
            # nelmio_cors / fruitcake with allow_origin ['*'] and allow_credentials true: any preflight passes
            granted = {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                "Access-Control-Allow-Headers": request_headers.get("access-control-request-headers", "*"),
                "Access-Control-Max-Age": "3600",
                "Vary": "Origin",
            }
            await Response(b"", 204, granted)(scope, receive, send)
            return

        async def send_changed(message: Message) -> None:
            if message["type"] == "http.response.start":
                drop = set()
                if origin:
                    drop |= {b"access-control-allow-origin", b"access-control-allow-credentials"}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if self.send_nosniff and b"json" in content_type.lower():
                    headers.append(NOSNIFF)
                if origin:
                    headers += [(b"access-control-allow-origin", origin.encode("latin-1")),
                                (b"access-control-allow-credentials", b"true"), (b"vary", b"Origin")]
                if hsts:
                    headers.append(HSTS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_changed)


class DebugMode:
    """Innermost middleware: with ``stack-trace-in-errors`` on, every 404 is the framework's debug answer."""

    def __init__(self, app: ASGIApp, defects: ActiveDefects, framework: str):
        self.app = app
        self.on = security_defects.STACK_TRACE_IN_ERRORS in defects
        self.framework = framework

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.on:
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_debug(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 404:
                replaced = True
                render = symfony_debug_404 if self.framework == SYMFONY else laravel_debug_404
                await render(scope)(scope, receive, send)
                return
            if replaced:
                return  # the original 404 body is dropped
            await send(message)

        await self.app(scope, receive, send_debug)


def _url(scope: Scope) -> str:
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "localhost")
    return f"{scope.get('scheme', 'http')}://{host}{scope['path']}"


_SYMFONY_FRAMES = [
    ("/var/www/vendor/symfony/http-kernel/EventListener/RouterListener.php", 127,
     "Symfony\\Component\\HttpKernel\\EventListener\\RouterListener->onKernelRequest()"),
    ("/var/www/vendor/symfony/event-dispatcher/Debug/WrappedListener.php", 115,
     "Symfony\\Component\\EventDispatcher\\Debug\\WrappedListener->__invoke()"),
    ("/var/www/vendor/symfony/http-kernel/HttpKernel.php", 139,
     "Symfony\\Component\\HttpKernel\\HttpKernel->handleRaw()"),
    ("/var/www/public/index.php", 25, "Symfony\\Component\\HttpKernel\\Kernel->handle()"),
]


def symfony_debug_404(scope: Scope) -> Response:
    """Symfony's exception page in the dev environment, with its X-Debug-* headers."""
    message = f'No route found for "{scope["method"]} {_url(scope)}"'
    frames = "\n".join(
        f'<li><span class="trace-class">{call}</span> <span class="trace-file-path">in '
        f'<a title="{path} line {line}">{path}</a> (line {line})</span></li>'
        for path, line, call in _SYMFONY_FRAMES
    )
    page = f"""<!-- {message} (404 Not Found) -->
<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8" /><title>{message} (404 Not Found)</title></head>
<body>
<div class="exception-message-wrapper">
    <h1 class="break-long-words exception-message">{message}</h1>
    <div class="exception-without-message">Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException</div>
</div>
<div class="trace trace-as-html"><ol class="trace-list">
{frames}
</ol></div>
</body>
</html>
"""
    token = secrets.token_hex(3)
    path, line, _ = _SYMFONY_FRAMES[0]
    headers = {
        "X-Debug-Exception": quote(message),
        "X-Debug-Exception-File": quote(f"{path}:{line}", safe=""),
        "X-Debug-Token": token,
        "X-Debug-Token-Link": f"{_url(scope).split(scope['path'])[0]}/_profiler/{token}",
    }
    return Response(page.encode(), 404, headers, HTML)


def laravel_debug_404(scope: Scope) -> Response:
    """Laravel with APP_DEBUG=true: the exception as JSON with its trace (Invoice Ninja's API clients ask for JSON)."""
    frames = [
        ("/var/www/vendor/laravel/framework/src/Illuminate/Routing/AbstractRouteCollection.php", 44,
         "handleMatchedRoute", "Illuminate\\Routing\\AbstractRouteCollection"),
        ("/var/www/vendor/laravel/framework/src/Illuminate/Routing/RouteCollection.php", 162,
         "match", "Illuminate\\Routing\\RouteCollection"),
        ("/var/www/vendor/laravel/framework/src/Illuminate/Routing/Router.php", 763,
         "findRoute", "Illuminate\\Routing\\Router"),
        ("/var/www/public/index.php", 51, "handle", "Illuminate\\Foundation\\Http\\Kernel"),
    ]
    body = {
        "message": f"The route {scope['path'].lstrip('/')} could not be found.",
        "exception": "Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException",
        "file": frames[0][0],
        "line": frames[0][1],
        "trace": [{"file": f, "line": n, "function": fn, "class": cls, "type": "->"} for f, n, fn, cls in frames],
    }
    # Laravel's JsonResponse: PHP's json_encode escapes slashes
    return Response(json.dumps(body, indent=4).replace("/", "\\/").encode(), 404, media_type=JSON)
