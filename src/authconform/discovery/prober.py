"""Every request discovery sends goes through :class:`Prober`, so the cap and redaction always apply.

It wraps the harness's own :class:`~authconform.http.client.TargetClient` (no cookies, no redirects
followed, a body cap, a whole-request timeout) and keeps the findings a later run should expect.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from ..http.client import Answer, TargetClient
from .budget import BudgetSpent, ProbeBudget


@dataclass
class Note:
    """One discovered value and how it was found (the comment written beside it)."""

    field: str
    value: Any
    how: str


@dataclass
class Findings:
    """What discovery saw that a conformant server would not do: printed, never written as expected."""

    items: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text not in self.items:
            self.items.append(text)


class Prober:
    """Sends counted requests and hands out made-up identities."""

    def __init__(self, client: TargetClient, budget: ProbeBudget):
        self.client = client
        self.budget = budget
        self.tried: list[str] = []  # what was tried, for the "no login found" answer
        self.findings = Findings()
        self.spent: str | None = None  # why probes stopped being sent (the cap), once they did

    def send(self, method: str, path: str, *, purpose: str, **options: Any) -> Answer:
        """One request within the cap (raises :class:`BudgetSpent` past it)."""
        try:
            self.budget.spend(purpose)
        except BudgetSpent as exc:
            self.spent = self.spent or str(exc)
            raise
        return self.client.request(method, path, purpose=f"discovery: {purpose}", **options)

    @staticmethod
    def made_up_identity() -> str:
        """An identity no real server holds: e-mail shaped, so e-mail validation lets it through."""
        return f"authconform.probe.{secrets.token_hex(4)}@example.invalid"

    @staticmethod
    def made_up_password() -> str:
        return f"Wrong-{secrets.token_urlsafe(9)}"
