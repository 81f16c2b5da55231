"""gesdinet/jwt-refresh-token-bundle, as PCH-SIG runs it next to lexik.

Refresh tokens are ``bin2hex(random_bytes(64))`` (128 lowercase hex) kept with the username and
a ``valid`` date. The endpoint takes the token from a JSON body, then the query or form, then a
cookie, accepts any method, and answers its failures with ``{"code":401,"message":...}`` and no
``WWW-Authenticate`` (unlike lexik). Three options shape it (research B.3, B.4):

* ``single_use``: a used token is deleted and replaced by a new one of the same family;
* ``reuse_detection`` (gesdinet 2.x/3.0, opt-in): a spent token presented again is a replay, so
  the whole family it belonged to is revoked (deleted), the newest token included;
* ``return_expiration``: login and refresh answers state ``refresh_token_expiration`` (Unix time).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import refresh as refresh_defects
from authconform.targets.lexik import BAD_CREDENTIALS, content_type_format
from authconform.targets.responses import no_store, symfony_json

MISSING = "Missing JWT Refresh Token"
NOT_FOUND = "JWT Refresh Token Not Found"
INVALID = "Invalid JWT Refresh Token"
PARAMETER = "refresh_token"
EXPIRATION_PARAMETER = "refresh_token_expiration"
GESDINET_DEFAULT_TTL = 2_592_000  # 30 days: what an app gets when it does not set ttl

U = TypeVar("U")


@dataclass(frozen=True)
class GesdinetOptions:
    """The bundle's configuration switches that change what the endpoint answers."""

    single_use: bool = True
    reuse_detection: bool = True
    return_expiration: bool = True


@dataclass(frozen=True)
class StoredRefreshToken:
    token: str
    username: str
    valid: float
    family: str

    def is_valid(self, now: float) -> bool:
        """gesdinet's ``isValid()``: ``valid >= now``."""
        return self.valid >= now


class RefreshTokenStore:
    """The ``refresh_tokens`` table and the spent-token registry, in memory and thread-safe."""

    def __init__(self, ttl: int, clock: Callable[[], float] = time.time):
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._rows: dict[str, StoredRefreshToken] = {}
        self._spent: dict[str, str] = {}  # spent token -> its family

    def create(self, username: str, *, ttl: int | None = None) -> str:
        """A new token that starts a family of its own (what a login stores)."""
        return self.issue(username, ttl=ttl).token

    def issue(self, username: str, *, ttl: int | None = None, family: str | None = None) -> StoredRefreshToken:
        """A new row; a login starts a family, a rotation continues the one it replaces."""
        return self.seed(secrets.token_hex(64), username, ttl=ttl, family=family)

    def seed(
        self, token: str, username: str, *, ttl: int | None = None, family: str | None = None
    ) -> StoredRefreshToken:
        """Store a given token (one issued before the target started, e.g. to a since-disabled user)."""
        valid = self.clock() + (self.ttl if ttl is None else ttl)
        row = StoredRefreshToken(token, username, valid, family or secrets.token_hex(8))
        with self._lock:
            self._rows[token] = row
        return row

    def get(self, token: str) -> StoredRefreshToken | None:
        with self._lock:
            return self._rows.get(token)

    def delete(self, token: str) -> None:
        with self._lock:
            self._rows.pop(token, None)

    def find_like(self, pattern: str) -> StoredRefreshToken | None:
        """``WHERE refresh_token LIKE :pattern`` (the like-match defect): ``%`` and ``_`` are wildcards."""
        wanted = re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern))
        with self._lock:
            return next((row for token, row in self._rows.items() if wanted.fullmatch(token)), None)

    def spend(self, row: StoredRefreshToken) -> None:
        """Delete a used single-use token, remembering which family it belonged to."""
        with self._lock:
            self._rows.pop(row.token, None)
            self._spent[row.token] = row.family

    def spent_family(self, token: str) -> str | None:
        with self._lock:
            return self._spent.get(token)

    def revoke_family(self, family: str) -> int:
        """Delete every live token of ``family``: what a detected replay does."""
        with self._lock:
            doomed = [t for t, row in self._rows.items() if row.family == family]
            for token in doomed:
                del self._rows[token]
        return len(doomed)


def refresh_failure(message: str) -> Response:
    """RefreshAuthenticationFailureResponse: 401, no WWW-Authenticate."""
    return symfony_json({"code": 401, "message": message}, 401)


async def extract_refresh_token(request: Request) -> Any:
    """The extractor chain: JSON body (if labelled JSON), query, form body, cookie; first truthy wins."""
    body = await request.body()
    if content_type_format(request) is not None:
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
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get(PARAMETER):
            return form[PARAMETER]
    return request.cookies.get(PARAMETER) or None


def attach_refresh_token(
    data: dict[str, Any],
    store: RefreshTokenStore,
    username: str,
    options: GesdinetOptions,
    defects: ActiveDefects,
    used: StoredRefreshToken | None = None,
) -> dict[str, Any]:
    """AttachRefreshTokenOnSuccessListener: add ``refresh_token`` (and its expiry) to a success body.

    On login (``used`` is None) a new family starts. On refresh a single-use token is spent and
    replaced within its family; otherwise the same token is handed back.
    """
    single_use = options.single_use and refresh_defects.NOT_ROTATED not in defects
    if used is not None and not single_use:
        row = used
    else:
        if used is not None and refresh_defects.REUSABLE_AFTER_ROTATION not in defects:
            store.spend(used)
        row = store.issue(username, family=used.family if used is not None else None)
    data[PARAMETER] = row.token
    if options.return_expiration:
        data[EXPIRATION_PARAMETER] = int(row.valid)
    return data


async def refresh(
    request: Request,
    store: RefreshTokenStore,
    options: GesdinetOptions,
    defects: ActiveDefects,
    *,
    load_user: Callable[[str], U | None],
    mint_jwt: Callable[[U], str],
    username_of: Callable[[U], str],
    access_token_user: Callable[[str], U | None] | None = None,
    hardened: bool = False,
) -> Response:
    """RefreshTokenAuthenticator + lexik's success handler + AttachRefreshTokenOnSuccessListener.

    ``load_user`` returns ``None`` for a user the provider or the user checker refuses (deleted,
    disabled): Symfony hides both as "Invalid credentials.".
    """
    presented = await extract_refresh_token(request)
    if presented is None:
        return refresh_failure(NOT_FOUND if refresh_defects.MISSING_AS_NOT_FOUND in defects else MISSING)
    stored = store.get(presented) if isinstance(presented, str) else None
    if stored is None and isinstance(presented, str) and refresh_defects.LIKE_MATCH in defects:
        stored = store.find_like(presented)
    if stored is None:
        if isinstance(presented, str):
            detected = options.reuse_detection and refresh_defects.NO_REUSE_DETECTION not in defects
            family = store.spent_family(presented) if detected else None
            if family is not None:
                store.revoke_family(family)
            elif access_token_user is not None and refresh_defects.ACCEPTS_ACCESS_TOKEN in defects:
                user = access_token_user(presented)
                if user is not None:
                    body = attach_refresh_token({"token": mint_jwt(user)}, store, username_of(user), options, defects)
                    return _success(body, defects, hardened)
        return refresh_failure(NOT_FOUND)
    if not stored.is_valid(store.clock()):
        return refresh_failure(INVALID)
    user = load_user(stored.username)
    if user is None:
        return refresh_failure(BAD_CREDENTIALS)
    body = attach_refresh_token({"token": mint_jwt(user)}, store, stored.username, options, defects, used=stored)
    return _success(body, defects, hardened)


def _success(body: dict[str, Any], defects: ActiveDefects, hardened: bool) -> Response:
    """lexik's JWTAuthenticationSuccessResponse: Symfony's no-cache, private; no-store when hardened."""
    response = symfony_json(body)
    return response if refresh_defects.CACHEABLE in defects else no_store(response, hardened)
