"""Each check's OWASP ASVS 5.0.0 requirement, next to the 4.0.3 one its ``@check`` names.

Kept here, keyed by check ID, rather than on the ``@check`` lines: the suites' requirement strings
are the checks' identity, and this mapping is one reviewer's reading of a new ASVS release that may
be revised on its own. :func:`with_asvs5` adds the item to a check's requirement when the catalogue
is built, so ``authconform list``, the README table, report.html (linked), SARIF and summary.json
all show it. ``None`` says, on purpose, that no ASVS 5.0.0 item covers the check: those check the
profile's contract (a stated status, schema or message), not a verification requirement.
``tests/test_asvs5.py`` fails when a catalogue check has no entry or an entry names an item outside
:data:`KNOWN` (the black-box testable items listed in the project's research, anchors-2.md).
"""

from __future__ import annotations

ASVS5_PREFIX = "OWASP ASVS 5.0.0 V"

# V6 Authentication, V7 Session Management, V9 Self-contained Tokens, V3 Web Frontend, V10 OAuth,
# V14 Data Protection, V16 Logging and Error Handling: the items a login API can be tested against from outside.
KNOWN = frozenset({
    "6.2.8", "6.2.9", "6.3.1", "6.3.2", "6.3.8", "6.8.2",
    "7.2.1", "7.2.2", "7.2.3", "7.2.4", "7.3.1", "7.3.2", "7.4.1", "7.4.3",
    "9.1.1", "9.1.2", "9.1.3", "9.2.1", "9.2.2", "9.2.3", "9.2.4",
    "3.4.1", "3.4.2", "3.4.4", "14.2.1", "14.3.2", "16.5.1", "10.4.5", "10.4.8",
})

ASVS5: dict[str, str | None] = {
    # access: the protected endpoint and forged tokens
    "ACCESS-VALID-TOKEN": "7.2.1",            # tokens verified by the trusted backend
    "ACCESS-NO-TOKEN": "7.2.1",
    "ACCESS-GARBAGE-TOKEN": "9.1.1",          # a token is validated before its content is used
    "ACCESS-WRONG-SCHEME": "7.2.1",
    "ACCESS-TOKEN-IN-QUERY": "14.2.1",        # no tokens in URLs
    "ACCESS-WWW-AUTHENTICATE": None,          # RFC 6750's challenge format; no ASVS item
    "ACCESS-ALG-NONE": "9.1.2",               # algorithm allow-list, none rejected
    "ACCESS-SIGNATURE-STRIPPED": "9.1.1",
    "ACCESS-PAYLOAD-TAMPERED": "9.1.1",
    "ACCESS-KEY-CONFUSION": "9.1.2",
    "ACCESS-KID-INJECTION": "9.1.3",          # key material only from trusted sources
    "ACCESS-ES256-ZERO-SIGNATURE": "9.1.1",
    "ACCESS-EXPIRED": "9.2.1",                # exp/nbf enforced
    "ACCESS-EMBEDDED-JWK": "9.1.3",
    "ACCESS-JKU": "9.1.3",
    "ACCESS-X5U": "9.1.3",
    "ACCESS-WRONG-AUDIENCE": "9.2.3",         # aud validated
    "ACCESS-WRONG-ISSUER": None,              # issuer validation has no ASVS 5.0.0 item of its own
    # login
    "LOGIN-OK-STATUS": None,
    "LOGIN-OK-CONTENT-TYPE": None,
    "LOGIN-OK-SCHEMA": None,
    "LOGIN-OK-TOKEN": None,
    "LOGIN-OK-NO-PASSWORD-ECHO": None,
    "LOGIN-MISSING-FIELD": None,
    "LOGIN-EMPTY-BODY": None,
    "LOGIN-MALFORMED-JSON": None,
    "LOGIN-WRONG-TYPE": None,
    "LOGIN-NO-5XX": "16.5.1",                 # generic error handling, no server error shown
    "LOGIN-401-BAD-PASSWORD": None,
    "LOGIN-401-UNKNOWN-USER": None,
    "LOGIN-401-SAME-MESSAGE": "6.3.8",        # no enumeration (message, status, timing)
    "LOGIN-DISABLED-REFUSED": None,
    # logout
    "LOGOUT-REFRESH-REVOKED": "7.4.1",        # unusable after logout
    "LOGOUT-ACCESS-REVOKED": "7.4.1",
    "LOGOUT-REPEATED": "7.4.1",
    # OpenAPI: the document's contract
    "OPENAPI-SPEC-VALID": None,
    "OPENAPI-LOGIN-DOCUMENTED": None,
    "OPENAPI-EXCHANGES-CONFORM": None,
    "OPENAPI-STATUSES-DOCUMENTED": None,
    "OPENAPI-FUZZ": "16.5.1",
    # refresh
    "REFRESH-OK": None,
    "REFRESH-NO-STORE": "14.3.2",             # no-store on sensitive answers
    "REFRESH-ROTATION": "10.4.5",             # refresh token replay
    "REFRESH-REUSE-DETECTION": "10.4.5",
    "REFRESH-GARBAGE": "7.2.1",
    "REFRESH-MISSING-FIELD": None,
    "REFRESH-EMPTY-BODY": None,
    "REFRESH-ACCESS-TOKEN-REFUSED": "9.2.2",  # token type enforced
    "REFRESH-TOKEN-NOT-BEARER": "9.2.2",
    "REFRESH-DISABLED-ACCOUNT": None,         # 7.4.2 (disabled accounts) is outside the researched list
    "REFRESH-LIFETIME": "10.4.8",             # refresh tokens expire absolutely
    # secret header, request headers: the profile's contract
    "SECRET-MISSING-REFUSED": None,
    "SECRET-WRONG-REFUSED": None,
    "SECRET-RIGHT-ACCEPTED": None,
    "SECRET-NAME-CASE-INSENSITIVE": None,
    "SECRET-SAME-ORIGIN": None,
    "SECRET-NOT-ECHOED": None,
    "HEADERS-REQUIRED-LOGIN": None,
    # security
    "SEC-ENUM-RESPONSE": "6.3.8",
    "SEC-ENUM-TIMING": "6.3.8",
    "SEC-LOCKOUT": "6.3.1",                   # brute-force controls
    "SEC-TRANSPORT-TLS": None,                # V12 (TLS) is outside the researched list
    "SEC-TRANSPORT-HSTS": "3.4.1",
    "SEC-NO-STORE": "14.3.2",
    "SEC-NOSNIFF": "3.4.4",
    "SEC-CORS": "3.4.2",
    "SEC-CREDENTIALS-IN-QUERY": "14.2.1",
    "SEC-ERROR-LEAK": "16.5.1",
    # token
    "TOKEN-STRUCTURE": None,
    "TOKEN-ALG-ALLOWED": "9.1.2",
    "TOKEN-TYP": "9.2.2",
    "TOKEN-CLAIMS-REQUIRED": None,
    "TOKEN-IDENTITY-CLAIM": None,
    "TOKEN-FORBIDDEN-CLAIMS": None,
    "TOKEN-DISTINCT": "7.2.4",                # a new token on each authentication
    "TOKEN-IAT-NOW": None,
    "TOKEN-EXP-FUTURE": "7.3.2",              # absolute lifetime
    "TOKEN-EXP-LIFETIME": "7.3.2",
    "TOKEN-NBF": "9.2.1",
    "TOKEN-SIGNATURE": "9.1.1",
    "TOKEN-WEAK-HMAC-SECRET": "9.1.1",
    "TOKEN-ENTROPY": "7.2.3",                 # reference tokens of at least 128 bits
    "TOKEN-CLAIMS-BEFORE-SIGNATURE": "9.1.1",
    "TOKEN-AUDIENCE": "9.2.4",                # audience restriction issued
    "TOKEN-ISSUER": None,
}


def asvs5_of(check_id: str) -> str | None:
    """The check's ASVS 5.0.0 item (``7.4.1``), or None where none applies or none is mapped yet."""
    return ASVS5.get(check_id)


def with_asvs5(check_id: str, requirement: str) -> str:
    """``requirement`` with the check's ASVS 5.0.0 item added after its ASVS 4.0.3 part (or at the end).

    A requirement that already names the item (``ASVS 5.0 7.4.1``) is left as it is.
    """
    item = asvs5_of(check_id)
    if item is None:
        return requirement
    parts = [part.strip() for part in requirement.split(";") if part.strip()]
    if any("ASVS 5" in part and part.rstrip().endswith(item) for part in parts):
        return requirement
    after = max((i for i, part in enumerate(parts) if "ASVS 4" in part), default=len(parts) - 1)
    parts.insert(after + 1, f"{ASVS5_PREFIX}{item}")
    return "; ".join(parts)
