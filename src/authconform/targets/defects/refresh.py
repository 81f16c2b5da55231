"""Defects of the refresh endpoint (gesdinet on pch-sig): each one proves one or more REFRESH-* checks.

Only pch-sig has refresh tokens among the reference targets (Chamilo has none, Invoice Ninja's
``/api/v1/refresh`` only reloads company data), so every defect here exists on pch-sig alone.
"""

from __future__ import annotations

from authconform.targets.defects import register

REUSABLE_AFTER_ROTATION = register(
    "refresh-reusable-after-rotation",
    description="""A refresh hands out a new refresh token but keeps the one it was given: the
    used token still refreshes (no reuse is ever detected, since the token is never spent).""",
    breaks={"pch-sig": {"REFRESH-ROTATION", "REFRESH-REUSE-DETECTION"}},
)

NOT_ROTATED = register(
    "refresh-not-rotated",
    description="""gesdinet's default single_use: false: a refresh answers with the same refresh
    token it was given, which stays valid until it expires, so nothing can be detected on replay.""",
    breaks={"pch-sig": {"REFRESH-ROTATION", "REFRESH-REUSE-DETECTION"}},
)

NO_REUSE_DETECTION = register(
    "refresh-no-reuse-detection",
    description="""Rotation without reuse detection (gesdinet 1.x single_use): a replayed spent
    token is refused, but the newest token of its family keeps working.""",
    breaks={"pch-sig": {"REFRESH-REUSE-DETECTION"}},
)

ACCEPTS_ACCESS_TOKEN = register(
    "refresh-accepts-access-token",
    description="""A token the refresh table does not know is tried as an access token: a valid
    access JWT sent as the refresh token mints a new access and refresh token.""",
    breaks={"pch-sig": {"REFRESH-ACCESS-TOKEN-REFUSED"}},
)

WORKS_AS_BEARER = register(
    "refresh-token-works-as-bearer",
    description="""The protected endpoint also looks bearer values up in the refresh-token table:
    a refresh token sent as Authorization: Bearer is accepted for its user.""",
    breaks={"pch-sig": {"REFRESH-TOKEN-NOT-BEARER"}},
)

IGNORES_DISABLED_USER = register(
    "refresh-ignores-disabled-user",
    description="""The refresh firewall has no user checker: a refresh token issued before its
    account was disabled still mints tokens (the login itself still refuses the account).""",
    breaks={"pch-sig": {"REFRESH-DISABLED-ACCOUNT"}},
)

CACHEABLE = register(
    "refresh-cacheable",
    description="""On a hardened target (--target-option hardened=true, as tests/test_conformance.py
    runs it), the refresh answer keeps Symfony's default Cache-Control: no-cache, private instead of
    no-store: what the stock target (and real PCH-SIG) sends anyway.""",
    breaks={"pch-sig": {"REFRESH-NO-STORE"}},
)

LIKE_MATCH = register(
    "refresh-token-like-match",
    description="""The refresh-token lookup is a SQL LIKE with the presented value as the pattern:
    a real refresh token with a character replaced by the wildcard _ refreshes (consuming it).""",
    breaks={"pch-sig": {"REFRESH-GARBAGE"}},
)

MISSING_AS_NOT_FOUND = register(
    "refresh-missing-token-as-not-found",
    description="""A custom extractor hands back an empty string instead of null when the request
    has no refresh token, so a missing field or an empty body is looked up and answered 401 "JWT
    Refresh Token Not Found" instead of "Missing JWT Refresh Token".""",
    breaks={"pch-sig": {"REFRESH-MISSING-FIELD", "REFRESH-EMPTY-BODY"}},
)

TOKEN_LACKS_IDENTITY = register(
    "refresh-token-lacks-identity",
    description="""The access token a refresh mints lacks the email claim (the app's JWT listener
    does not recognise the user the refresh authenticator loads), so it names nobody and the
    protected endpoint refuses it.""",
    breaks={"pch-sig": {"REFRESH-OK"}},
)

LIFETIME_30_DAYS = register(
    "refresh-lifetime-30-days",
    description="""Refresh tokens live gesdinet's default ttl of 30 days (2592000 s) instead of
    the 7 days PCH-SIG documents; answers state the longer expiry.""",
    breaks={"pch-sig": {"REFRESH-LIFETIME"}},
)
