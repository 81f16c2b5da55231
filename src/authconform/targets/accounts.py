"""The accounts a reference target knows, with real password hashing.

Passwords are stored as PBKDF2-SHA256 hashes and checked with a constant-time compare, so a
login costs what a real one costs. An unknown identity is checked against a dummy hash of the
same cost: on the clean target, "no such user" and "wrong password" take the same time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

_ALGORITHM = "pbkdf2_sha256"


@dataclass(frozen=True)
class PasswordHash:
    """A stored password: ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``."""

    encoded: str

    @classmethod
    def of(cls, password: str, iterations: int) -> PasswordHash:
        salt = secrets.token_bytes(16)
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
        return cls(f"{_ALGORITHM}${iterations}${salt.hex()}${digest.hex()}")

    def matches(self, password: str) -> bool:
        """Recompute with the stored salt and cost; compare in constant time."""
        _, iterations, salt, expected = self.encoded.split("$")
        encoded = password.encode("utf-8", "surrogatepass")
        digest = hashlib.pbkdf2_hmac("sha256", encoded, bytes.fromhex(salt), int(iterations))
        return hmac.compare_digest(digest, bytes.fromhex(expected))


@dataclass(frozen=True)
class Account:
    """One user of a target. ``enabled`` False is the seed's disabled (or locked) account."""

    identity: str
    password: str = field(repr=False)
    roles: tuple[str, ...]
    enabled: bool = True
    id: int = 0
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


class AccountBook:
    """Looks accounts up by identity and checks passwords, always paying one hash.

    ``dummy_hash=False`` is the quick exit of the ``skip-hash-for-unknown-user`` defect: an unknown
    identity is refused without hashing, so it answers faster than a wrong password.
    """

    def __init__(
        self,
        accounts: Iterable[Account],
        iterations: int,
        *,
        normalise: Callable[[str], str] = lambda identity: identity,
        dummy_hash: bool = True,
    ):
        self._normalise = normalise
        self._accounts = {normalise(a.identity): a for a in accounts}
        self._hashes = {key: PasswordHash.of(a.password, iterations) for key, a in self._accounts.items()}
        self._dummy = PasswordHash.of(secrets.token_urlsafe(16), iterations)
        self._dummy_hash = dummy_hash

    def __iter__(self) -> Iterator[Account]:
        return iter(self._accounts.values())

    def find(self, identity: Any) -> Account | None:
        """The account for ``identity``; anything that is not a string finds nobody."""
        if not isinstance(identity, str):
            return None
        return self._accounts.get(self._normalise(identity))

    def stored_hash(self, identity: str) -> str | None:
        """The stored hash of an account's password (what the password-hash-in-claims defect leaks)."""
        stored = self._hashes.get(self._normalise(identity))
        return stored.encoded if stored else None

    def password_matches(self, identity: Any, password: Any) -> bool:
        """True only for an existing account and its password; the cost is the same either way."""
        stored = self._hashes.get(self._normalise(identity)) if isinstance(identity, str) else None
        if stored is None and not self._dummy_hash:
            return False
        candidate = password if isinstance(password, str) else ""
        matched = (stored or self._dummy).matches(candidate)
        return matched and stored is not None and isinstance(password, str)
