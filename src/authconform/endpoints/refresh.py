"""Calling the profile's refresh endpoint and reading what it gave back.

A refresh sends ``{refresh.field: <refresh token>}`` as JSON to ``refresh.path`` (with the secret
header when the profile has one) and reads the new access token at ``refresh.token`` and the new
refresh token at ``refresh.refresh_token``. Every refresh token sent or received is registered
with the run's redactor before anything can show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..http.client import Answer, TargetClient
from ..pointer import MISSING, resolve
from ..profile import Profile

_UNSET: Any = object()


@dataclass
class Refreshed:
    """One refresh request: the answer, the refresh token sent, and the tokens it gave (if any)."""

    answer: Answer
    sent: Any
    token: str | None
    refresh_token: str | None

    def succeeded(self, profile: Profile) -> bool:
        """The profile's success status with a non-empty access token."""
        return self.answer.status == profile.refresh.status and self.token is not None


def _headers(profile: Profile) -> dict[str, str]:
    header = profile.secret_header
    return {header.name: header.value} if header else {}


def send(
    client: TargetClient,
    profile: Profile,
    body: Any = _UNSET,
    *,
    raw: bytes | None = None,
    content_type: str = "application/json",
    purpose: str = "refresh",
) -> Answer:
    """One request to ``refresh.path``: ``body`` as JSON, or ``raw`` bytes labelled ``content_type``."""
    section = profile.refresh
    headers = _headers(profile)
    if raw is not None:
        headers["Content-Type"] = content_type
        return client.request(section.method, section.path, headers=headers, content=raw, purpose=purpose)
    return client.request(section.method, section.path, headers=headers, json={} if body is _UNSET else body,
                          purpose=purpose)


def _string_at(answer: Answer, pointer: str | None, client: TargetClient, label: str) -> str | None:
    if not pointer:
        return None
    value = resolve(answer.json(), pointer)
    if isinstance(value, str) and value:
        client.redactor.add(value, label)
        return value
    return None


def use(client: TargetClient, profile: Profile, refresh_token: Any, *, purpose: str = "refresh") -> Refreshed:
    """Send ``refresh_token`` in the profile's field and read the tokens of the answer."""
    if isinstance(refresh_token, str):
        client.redactor.add(refresh_token, "refresh_token")
    answer = send(client, profile, {profile.refresh.field: refresh_token}, purpose=purpose)
    return Refreshed(
        answer=answer,
        sent=refresh_token,
        token=_string_at(answer, profile.refresh.token, client, "token"),
        refresh_token=_string_at(answer, profile.refresh.refresh_token, client, "refresh_token"),
    )


def stated_expiry(answer: Answer, pointer: str | None) -> float | None:
    """The refresh token's expiry an answer states at ``pointer``: Unix time, or an ISO 8601 date."""
    if not pointer:
        return None
    value = resolve(answer.json(), pointer)
    if value is MISSING or value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def issued_at(answer: Answer) -> tuple[float, str]:
    """When an answer was made: its ``Date`` header (the server's clock), else when it was received."""
    date = answer.header("date")
    if date:
        try:
            return parsedate_to_datetime(date).timestamp(), "its Date header"
        except (TypeError, ValueError):
            pass
    return answer.exchange.started, "the time it was received"
