"""Routes that take every HTTP method, as Symfony's json_login path and gesdinet's refresh path do.

Starlette gives a function endpoint ``GET`` only unless told otherwise and has no "any method"
spelling; an endpoint wrapped as an ASGI object is routed for every method.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response
from starlette.types import Receive, Scope, Send


class _AnyMethod:
    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]):
        self._app = request_response(endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def any_method(path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> Route:
    """A route for ``path`` that hands every method to ``endpoint``, which decides for itself."""
    return Route(path, _AnyMethod(endpoint))
