"""Responses byte for byte as the PHP frameworks behind the seed systems emit them.

A harness that compares bodies, headers and content types must meet the real quirks: PHP's
``json_encode`` escapes ``/`` as ``\\/`` and non-ASCII as ``\\uXXXX``; Symfony's JsonResponse
also hex-escapes ``< > ' & "``; Symfony sends ``Cache-Control: no-cache, private`` on every
response (Laravel's responses are Symfony HttpFoundation ones: the same); error pages are HTML.
Nothing here is kinder than the real frameworks: no ``no-store``, no ``nosniff``. The hardening
an operator may add is the ``hardened`` target option (:func:`no_store` on token answers here,
the headers in :class:`~authconform.targets.hardening.SecurityHeaders`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_JSON_TOKEN = re.compile(r"\\.|[/<>'&]")
_HEX = {"<": "\\u003C", ">": "\\u003E", "'": "\\u0027", "&": "\\u0026", '\\"': "\\u0022"}

JSON = "application/json"
HTML = "text/html; charset=UTF-8"


def php_json(
    data: Any,
    *,
    hex_escapes: bool = False,
    escape_slashes: bool = True,
    escape_unicode: bool = True,
    pretty: bool = False,
) -> bytes:
    """Encode ``data`` as PHP's ``json_encode`` would with the matching flags.

    ``hex_escapes`` is Symfony JsonResponse's JSON_HEX_TAG|APOS|AMP|QUOT; ``escape_slashes`` and
    ``escape_unicode`` are the defaults PHP drops with JSON_UNESCAPED_SLASHES / _UNICODE;
    ``pretty`` is JSON_PRETTY_PRINT (four spaces, ``": "``).
    """
    text = json.dumps(
        data,
        ensure_ascii=escape_unicode,
        indent=4 if pretty else None,
        separators=(",", ": ") if pretty else (",", ":"),
    )

    def escape(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "/":
            return "\\/" if escape_slashes else token
        if hex_escapes and token in _HEX:
            return _HEX[token]
        return token

    # Outside strings JSON holds no backslash, slash, < > ' or &, so a scan of the whole text is safe.
    return _JSON_TOKEN.sub(escape, text).encode()


def symfony_json(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None, media_type: str = JSON
) -> Response:
    """Symfony's JsonResponse: compact, hex-escaped, ``application/json`` without charset."""
    return Response(php_json(data, hex_escapes=True), status, dict(headers or {}), media_type)


def laravel_json(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None, *, pretty: bool = False
) -> Response:
    """Laravel's ``response()->json()`` (flags 0), or Invoice Ninja's pretty-printed API body."""
    return Response(php_json(data, pretty=pretty), status, dict(headers or {}), JSON)


_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}


def status_text(status: int) -> str:
    return _STATUS_TEXT.get(status, "Error")


def symfony_error_page(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """Symfony's production HtmlErrorRenderer page (what a 404 on a controller-less route shows)."""
    text = status_text(status)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8" />
    <meta name="robots" content="noindex,nofollow,noarchive" />
    <title>An Error Occurred: {text}</title>
</head>
<body>
<div class="container">
    <h1>Oops! An Error Occurred</h1>
    <h2>The server returned a "{status} {text}".</h2>

    <p>
        Something is broken. Please let us know what you were doing when this error occurred.
        We will fix it as soon as possible. Sorry for any inconvenience caused.
    </p>
</div>
</body>
</html>
"""
    all_headers = {"Vary": "Accept", **dict(headers or {})}
    return Response(page.encode(), status, all_headers, HTML)


def laravel_error_page(status: int) -> Response:
    """Laravel's minimal error view ("422 | Unprocessable Content")."""
    text = status_text(status)
    page = f"""<!DOCTYPE html>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{text}</title>
    </head>
    <body class="antialiased">
        <div class="relative flex items-top justify-center min-h-screen sm:items-center sm:pt-0">
            <div class="max-w-xl mx-auto sm:px-6 lg:px-8">
                <div class="flex items-center pt-8 sm:justify-start sm:pt-0">
                    <div class="px-4 text-lg border-r tracking-wider">{status}</div>
                    <div class="ml-4 text-lg uppercase tracking-wider">{text}</div>
                </div>
            </div>
        </div>
    </body>
</html>
"""
    return Response(page.encode(), status, media_type="text/html; charset=utf-8")


def stack_trace_page(exception: str, message: str, frames: list[str]) -> Response:
    """A framework debug page for an uncaught exception: what a crashing defect answers."""
    trace = "\n".join(f"#{i} {html.escape(frame)}" for i, frame in enumerate(frames))
    page = f"""<!DOCTYPE html>
<html>
<head>
    <meta charset="UTF-8" />
    <title>{html.escape(message)} (500 Internal Server Error)</title>
</head>
<body>
<h1>{html.escape(exception)}</h1>
<h2>{html.escape(message)}</h2>
<pre class="trace">
{trace}
</pre>
</body>
</html>
"""
    return Response(page.encode(), 500, media_type=HTML)


def no_store(response: Response, hardened: bool = True) -> Response:
    """Mark a response that carries credentials as never cacheable (RFC 6749 section 5.1), on a hardened target.

    Stock Symfony and Laravel leave a token answer with their default ``no-cache, private``.
    """
    if hardened:
        response.headers["Cache-Control"] = "no-store, private"
        response.headers["Pragma"] = "no-cache"
    return response


class FrameworkHeaders:
    """ASGI middleware: the headers the PHP framework adds to every response it sends.

    ``Cache-Control: no-cache, private`` unless the app set one (Symfony's and Laravel's
    ResponseHeaderBag default) and any fixed ``extra`` headers (Invoice Ninja's version headers).
    No ``X-Content-Type-Options``: neither framework sends it (research/lexik-real.md).
    """

    def __init__(self, app: ASGIApp, extra: Mapping[str, str] | None = None):
        self.app = app
        self.extra = [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-cache, private"))
                headers.extend(h for h in self.extra if h[0] not in names)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
