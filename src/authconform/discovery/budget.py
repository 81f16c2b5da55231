"""The request cap and the failed-login limit of one discovery.

Discovery runs against a server the user may not own outright (a staging deployment, a vendor's
test instance), often before anyone knows its lockout rules: Invoice Ninja locks an email for a
minute after 5 failures. So every request counts against a hard cap, and the given account may
fail to log in at most twice; every other probe uses made-up identities.
"""

from __future__ import annotations

DEFAULT_CAP = 150
ACCOUNT_FAILURES = 2


class BudgetSpent(Exception):
    """A probe would pass the request cap or the failed-login limit; discovery stops where it is."""


class ProbeBudget:
    """Counts requests and the account's failed logins, refusing any past their limit."""

    def __init__(self, cap: int = DEFAULT_CAP, account_failures: int = ACCOUNT_FAILURES):
        self.cap = cap
        self.account_failures = account_failures
        self.requests = 0
        self.failed_logins = 0

    @property
    def left(self) -> int:
        return self.cap - self.requests

    def spend(self, purpose: str) -> None:
        """Count one request, or refuse it when the cap is reached."""
        if self.requests >= self.cap:
            raise BudgetSpent(f"request cap of {self.cap} reached before: {purpose}")
        self.requests += 1

    def may_fail_login(self) -> bool:
        return self.failed_logins < self.account_failures

    def spend_failed_login(self, purpose: str) -> None:
        """Count one login of the given account that may fail, or refuse it past the limit."""
        if not self.may_fail_login():
            raise BudgetSpent(f"failed-login limit of {self.account_failures} reached before: {purpose}")
        self.failed_logins += 1
