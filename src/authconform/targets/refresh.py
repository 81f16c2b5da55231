"""gesdinet/jwt-refresh-token-bundle v1.5, as PCH-SIG runs it next to lexik.

Refresh tokens are ``bin2hex(random_bytes(64))`` (128 lowercase hex) kept with the username and
a ``valid`` date. The endpoint takes the token from a JSON body, then the query or form, then a
cookie, accepts any method, and answers its failures with ``{"code":401,"message":...}`` and no
``WWW-Authenticate`` (unlike lexik). With ``single_use`` a used token is deleted and replaced.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from authconform.targets.lexik import BAD_CREDENTIALS, content_type_format
from authconform.targets.responses import no_store, symfony_json

MISSING = "Missing JWT Refresh Token"
NOT_FOUND = "JWT Refresh Token Not Found"
INVALID = "Invalid JWT Refresh Token"
PARAMETER = "refresh_token"

U = TypeVar("U")


@dataclass(frozen=True)
class StoredRefreshToken:
    token: str
    username: str
    valid: float

    def is_valid(self, now: float) -> bool:
        """gesdinet's ``isValid()``: ``valid >= now``."""
        return self.valid >= now


class RefreshTokenStore:
    """The ``refresh_tokens`` table, in memory and thread-safe."""

    def __init__(self, ttl: int, clock: Callable[[], float] = time.time):
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._rows: dict[str, StoredRefreshToken] = {}

    def create(self, username: str, *, ttl: int | None = None) -> str:
        token = secrets.token_hex(64)
        valid = self.clock() + (self.ttl if ttl is None else ttl)
        with self._lock:
            self._rows[token] = StoredRefreshToken(token, username, valid)
        return token

    def get(self, token: str) -> StoredRefreshToken | None:
        with self._lock:
            return self._rows.get(token)

    def delete(self, token: str) -> None:
        with self._lock:
            self._rows.pop(token, None)


def refresh_failure(message: str) -> Response:
    """RefreshAuthenticationFailureResponse: 401, no WWW-Authenticate."""
    return symfony_json({"code": 401, "message": message}, 401)


async def extract_refresh_token(request: Request) -> Any:
    """The extractor chain: JSON body (if labelled JSON), query, form body, cookie; first truthy wins."""
    if content_type_format(request) is not None:
        body = await request.body()
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get(PARAMETER):
            return data[PARAMETER]
    if request.query_params.get(PARAMETER):
        return request.query_params[PARAMETER]
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        if form.get(PARAMETER):
            return form[PARAMETER]
    return request.cookies.get(PARAMETER) or None


async def refresh(
    request: Request,
    store: RefreshTokenStore,
    *,
    single_use: bool,
    load_user: Callable[[str], U | None],
    mint_jwt: Callable[[U], str],
) -> Response:
    """RefreshTokenAuthenticator + lexik's success handler + AttachRefreshTokenOnSuccessListener.

    ``load_user`` returns ``None`` for a user the provider or the user checker refuses (deleted,
    disabled): Symfony hides both as "Invalid credentials.".
    """
    presented = await extract_refresh_token(request)
    if presented is None:
        return refresh_failure(MISSING)
    stored = store.get(presented) if isinstance(presented, str) else None
    if stored is None:
        return refresh_failure(NOT_FOUND)
    if not stored.is_valid(store.clock()):
        return refresh_failure(INVALID)
    user = load_user(stored.username)
    if user is None:
        return refresh_failure(BAD_CREDENTIALS)
    token = mint_jwt(user)
    refresh_token = stored.token
    if single_use:
        store.delete(stored.token)
        refresh_token = store.create(stored.username)
    return no_store(symfony_json({"token": token, "refresh_token": refresh_token}))
