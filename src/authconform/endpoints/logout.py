"""Calling the profile's logout route with one session's credentials.

``logout.access_token: bearer`` sends the access token the way ``protected.scheme`` says;
``logout.refresh_field`` names the JSON body field that carries the refresh token (gesdinet's
invalidate route reads ``refresh_token``). The secret header rides along when the profile has one.
"""

from __future__ import annotations

from typing import Any

from ..http.client import Answer, TargetClient
from ..profile import Profile
from .login import Session
from .protected import credential_headers


def send(client: TargetClient, profile: Profile, session: Session, *, purpose: str = "logout") -> Answer:
    """One logout for ``session``: its access token and/or refresh token, as the profile says."""
    section = profile.logout
    headers: dict[str, str] = {}
    if profile.secret_header:
        headers[profile.secret_header.name] = profile.secret_header.value
    if section.access_token == "bearer":
        headers.update(credential_headers(profile, session.token))
    body: dict[str, Any] | None = None
    if section.refresh_field:
        if session.refresh_token is not None:
            client.redactor.add(session.refresh_token, "refresh_token")
        body = {section.refresh_field: session.refresh_token}
    if body is None:
        return client.request(section.method, section.path, headers=headers, purpose=purpose)
    return client.request(section.method, section.path, headers=headers, json=body, purpose=purpose)
