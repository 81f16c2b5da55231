"""Calling the profile's protected endpoint with a credential, the way the profile says to send it.

``protected.scheme`` is ``bearer`` (``Authorization: Bearer <token>``), ``header:<Name>`` (Invoice
Ninja sends the raw token in ``X-API-TOKEN``) or ``authorization:<Scheme>`` (``Authorization: <Scheme> <token>``
with another auth-scheme: django-rest-knox and DRF's TokenAuthentication want ``Token``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..http.client import Answer, TargetClient
from ..profile import Profile


def credential_headers(profile: Profile, token: str) -> dict[str, str]:
    """The header(s) that carry ``token`` the way ``protected.scheme`` says (:class:`CredentialScheme`)."""
    return profile.credential_scheme.headers(token)


def call_protected(
    client: TargetClient,
    profile: Profile,
    token: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    purpose: str = "protected endpoint",
) -> Answer:
    """One call to ``protected.path``: with ``token`` sent per the scheme, or with ``headers`` as given."""
    sent: dict[str, str] = {}
    if profile.secret_header:
        sent[profile.secret_header.name] = profile.secret_header.value
    if token is not None:
        sent.update(credential_headers(profile, token))
    sent.update(headers or {})
    return client.request(profile.protected.method, profile.protected.path, headers=sent, params=params,
                          purpose=purpose)
