"""What the token's identity claim must hold for an account: its login name, or its id.

Many servers put the account's id (a number, a UUID) in the token rather than the name it logs in
with. The profile says so in one of two ways: ``accounts.<role>.id`` states the id, or
``token.claims.identity_pointer`` reads it from the login answer (``/user/id``); a stated id wins.
Without either the claim names the login identity, as before.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import IdentityUnknown as IdentityUnknown  # re-exported: defined in exceptions.py
from ..pointer import MISSING, resolve
from ..profile import Account, Profile


def expected_identity(profile: Profile, account: Account, login_body: Any) -> tuple[Any, str]:
    """The value the identity claim must have for ``account``, and the profile field that says so.

    ``login_body`` is the account's login answer as JSON (only read for ``identity_pointer``).
    """
    if account.id:
        return account.id, f"profile accounts.{account.role}.id"
    pointer = profile.token.claims.identity_pointer
    if pointer:
        value = resolve(login_body, pointer)
        if value is MISSING or value is None or isinstance(value, (dict, list)):
            found = "nothing" if value is MISSING else f"{type(value).__name__} {value!r}"[:80]
            raise IdentityUnknown(f"the {account.role} account's login answer has no id at {pointer} "
                                  f"(profile token.claims.identity_pointer): found {found}")
        return value, f"the login answer at {pointer} (profile token.claims.identity_pointer)"
    return account.identity, f"profile accounts.{account.role}.identity"


def same_identity(claim_value: Any, expected: Any) -> bool:
    """True when a claim holds ``expected``: a number equals its decimal text, e-mails and UUIDs ignore case."""
    if claim_value == expected:
        return True
    if isinstance(claim_value, bool) or isinstance(expected, bool):
        return False
    if isinstance(claim_value, (int, str)) and isinstance(expected, (int, str)):
        left, right = str(claim_value), str(expected)
        if left == right:
            return True
        # e-mail addresses and UUIDs are compared without case
        return ("@" in right or _is_uuid(right)) and left.casefold() == right.casefold()
    return False


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) >= 32
