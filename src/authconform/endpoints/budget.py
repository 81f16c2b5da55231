"""The failed-login budget: one counter per account for the whole run.

Real deployments lock accounts (Invoice Ninja after 5 failures a minute, Chamilo after 10), and a
harness that locks a production account is worse than none. Every suite spends from the same
budget, so the profile's ``limits.max_failed_logins`` holds whatever runs. An account may have its
own budget (``accounts.<role>.max_failed_logins``): the throwaway lockout account must be allowed
past the server's lock while the valid account stays well under it.
"""

from __future__ import annotations

import threading
from collections import Counter

from ..exceptions import BudgetExhausted as BudgetExhausted  # re-exported: defined in exceptions.py


class FailedLoginBudget:
    def __init__(self, limit: int, accounts: dict[str, str], limits: dict[str, int] | None = None):
        """``accounts`` maps each profile account's identity to its role (valid, disabled, ...);
        ``limits`` maps a role to its own budget (``accounts.<role>.max_failed_logins``), and every
        other account gets ``limit`` (``limits.max_failed_logins``)."""
        self.limit = limit
        self._roles = {identity.lower(): role for identity, role in accounts.items()}
        self._limits = dict(limits or {})
        self._spent: Counter[str] = Counter()
        self._lock = threading.Lock()

    def role_of(self, identity: object) -> str | None:
        return self._roles.get(identity.lower()) if isinstance(identity, str) else None

    def limit_of(self, identity: str) -> int:
        """The budget of the account with ``identity``: its own, else ``limits.max_failed_logins``."""
        return self._limits.get(self.role_of(identity) or "", self.limit)

    def source_of(self, identity: str) -> str:
        """The profile field that sets this account's budget, for reasons and findings."""
        role = self.role_of(identity)
        return f"accounts.{role}.max_failed_logins" if role in self._limits else "limits.max_failed_logins"

    def remaining(self, identity: str) -> int:
        with self._lock:
            return self.limit_of(identity) - self._spent[identity.lower()]

    def spend(self, identity: object, count: int = 1) -> None:
        """Reserve ``count`` failed logins for ``identity``; raise if that would exceed the limit.

        Identities that are not profile accounts (made-up unknown users) cost nothing.
        """
        role = self.role_of(identity)
        if role is None:
            return
        assert isinstance(identity, str)
        with self._lock:
            key = identity.lower()
            limit = self.limit_of(identity)
            if self._spent[key] + count > limit:
                raise BudgetExhausted(
                    f"failed-login budget for the {role} account is spent "
                    f"({self._spent[key]} of {self.source_of(identity)}={limit})"
                )
            self._spent[key] += count

    def record(self, identity: object) -> None:
        """Count a failure that was not planned (a login expected to succeed that failed)."""
        role = self.role_of(identity)
        if role is not None:
            assert isinstance(identity, str)
            with self._lock:
                self._spent[identity.lower()] += 1

    def spent(self) -> dict[str, int]:
        with self._lock:
            return {self._roles[k]: v for k, v in self._spent.items()}
