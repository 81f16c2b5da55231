"""Invoice Ninja's ApiSecretCheck middleware: the ``X-API-SECRET`` header must equal ``API_SECRET``.

Self-hosted Invoice Ninja skips the check when ``API_SECRET`` is empty; otherwise a login whose
header is absent, empty or different gets ``403 {"message":"Invalid secret","errors":{}}`` before
the request is validated or the password looked at (research C7). The header is read the Laravel
way, by a case-insensitive name. The defects of secret handling live here too.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import secret as secret_defects
from authconform.targets.raw_headers import raw_header_names
from authconform.targets.responses import laravel_json

HEADER = "X-API-SECRET"


def invalid_secret() -> Response:
    return laravel_json({"message": "Invalid secret", "errors": {}}, 403)


def _sent_secret(request: Request, defects: ActiveDefects) -> str | None:
    """The header's value; with the name-case defect only a header spelt exactly ``X-API-SECRET`` counts."""
    if secret_defects.NAME_CASE_SENSITIVE in defects:
        names = raw_header_names(request)
        if names is not None and HEADER not in names:
            return None
    return request.headers.get(HEADER)


def api_secret_refusal(request: Request, secret: str | None, defects: ActiveDefects) -> Response | None:
    """The 403 to send instead of handling the request, or None when the secret check lets it through."""
    if not secret or secret_defects.NOT_ENFORCED in defects:
        return None
    sent = _sent_secret(request, defects)
    if sent is None and secret_defects.OPTIONAL_WHEN_ABSENT in defects:
        return None
    if not sent:
        return invalid_secret()
    expected = secret + "\n" if secret_defects.RIGHT_VALUE_REFUSED in defects else secret
    if secret_defects.PREFIX_ACCEPTED in defects:
        expected = expected[: len(sent)]
    if hmac.compare_digest(sent.encode(), expected.encode()):
        return None
    return invalid_secret()


class EchoSecretHeader:
    """ASGI middleware of the secret-echoed-in-response defect: reflects ``X-API-SECRET`` into the answer."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = [value for name, value in scope["headers"] if name == HEADER.lower().encode()]

        async def send_with_echo(message: Message) -> None:
            if message["type"] == "http.response.start" and sent:
                message = {**message, "headers": [*message.get("headers", []), (b"x-api-secret", sent[0])]}
            await send(message)

        await self.app(scope, receive, send_with_echo)
