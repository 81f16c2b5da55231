"""gesdinet's logout listener (``logout_firewall``) as PCH-SIG routes it: ``POST /api/token/invalidate``.

The listener reads the refresh token with the same extractor chain as the refresh endpoint, deletes
its row and answers 200 ``{"code":200,"message":"The supplied refresh_token has been invalidated."}``;
a token the table does not know gets 200 "The supplied refresh_token is already invalid."; no token
at all gets 400 "No refresh_token found.". It never touches the access token: a lexik JWT stays
valid until its ``exp``. An app may add a deny-list of access tokens (target option
``logout_revokes_access``): then the bearer token sent with the logout is refused from then on.
"""

from __future__ import annotations

import threading

from starlette.requests import Request
from starlette.responses import Response

from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import logout as logout_defects
from authconform.targets.refresh import RefreshTokenStore, extract_refresh_token
from authconform.targets.responses import symfony_json

PATH = "/api/token/invalidate"
INVALIDATED = "The supplied refresh_token has been invalidated."
ALREADY_INVALID = "The supplied refresh_token is already invalid."
NOT_FOUND = "No refresh_token found."


class AccessDenyList:
    """Access tokens a logout revoked (only filled when the target claims a deny-list)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._denied: set[str] = set()

    def add(self, token: str) -> None:
        with self._lock:
            self._denied.add(token)

    def __contains__(self, token: object) -> bool:
        with self._lock:
            return token in self._denied


async def invalidate(
    request: Request,
    store: RefreshTokenStore,
    defects: ActiveDefects,
    *,
    access_token: str | None = None,
    deny_list: AccessDenyList | None = None,
) -> Response:
    """The listener's answer; ``deny_list`` (when the app has one) takes the logout's bearer token."""
    if request.method != "POST":
        return symfony_json({"code": 405, "message": "Method Not Allowed"}, 405)
    presented = await extract_refresh_token(request)
    if deny_list is not None and access_token:
        deny_list.add(access_token)
    if not isinstance(presented, str) or not presented:
        return symfony_json({"code": 400, "message": NOT_FOUND}, 400)
    stored = store.get(presented)
    if stored is None:
        if logout_defects.REPEAT_500 in defects:
            return symfony_json({"code": 500, "message": "Internal Server Error"}, 500)
        return symfony_json({"code": 200, "message": ALREADY_INVALID})
    if logout_defects.KEEPS_REFRESH_TOKEN not in defects:
        store.delete(stored.token)
    return symfony_json({"code": 200, "message": INVALIDATED})
