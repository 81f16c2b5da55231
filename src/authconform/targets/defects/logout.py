"""Defects of the logout route (gesdinet's invalidate on pch-sig): each one proves one LOGOUT-* check.

Only pch-sig has a logout route among the reference targets (gesdinet's ``logout_firewall``
listener answering ``POST /api/token/invalidate``), so every defect here exists on pch-sig alone.
"""

from __future__ import annotations

from authconform.targets.defects import register

KEEPS_REFRESH_TOKEN = register(
    "logout-keeps-refresh-token",
    description="""The invalidate route answers "The supplied refresh_token has been invalidated."
    but never deletes the row: the refresh token still refreshes after logout, and after a
    second logout too.""",
    breaks={"pch-sig": {"LOGOUT-REFRESH-REVOKED", "LOGOUT-REPEATED"}},
)

REPEAT_500 = register(
    "logout-repeat-500",
    description="""A hand-written invalidate route dereferences the row it looked up: a refresh token
    that is already invalid (a second logout) crashes it with a 500 instead of gesdinet's 200
    "The supplied refresh_token is already invalid.".""",
    breaks={"pch-sig": {"LOGOUT-REPEATED"}},
)

ACCESS_NOT_DENIED = register(
    "logout-access-not-denied",
    description="""The target claims an access-token deny-list (--target-option logout_revokes_access=true,
    the profile says logout.revokes_access: true) and fills it on logout, but the protected endpoint
    never consults it: the access token sent with the logout keeps working until exp. Only a profile
    that declares revokes_access sees it (tests/test_conformance.py writes one).""",
    breaks={"pch-sig": {"LOGOUT-ACCESS-REVOKED"}},
)
