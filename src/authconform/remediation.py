"""How to fix each check: the text shown under a failed check, in summary.json and as SARIF rule help.

Kept here, keyed by check ID, rather than on the ``@check`` decorators: a fix is advice that
changes with frameworks, while the check's identity and requirement are part of the suite. Each
entry says what to change, framework-neutral, then one line for where Symfony/Lexik, Laravel,
Django REST framework or Flask differ. ``tests/test_remediation.py`` fails when a catalogue check
has no entry here, or an entry names no check.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Remediation:
    fix: str  # what to change, framework-neutral
    frameworks: str  # where Symfony/Lexik, Laravel, Django REST framework or Flask differ

    def as_text(self) -> str:
        return f"{self.fix}\nFrameworks: {self.frameworks}"

    def as_markdown(self) -> str:
        return f"{self.fix}\n\n*Frameworks:* {self.frameworks}"


def _r(fix: str, frameworks: str) -> Remediation:
    return Remediation(" ".join(fix.split()), " ".join(frameworks.split()))


REMEDIATIONS: dict[str, Remediation] = {
}


def for_check(check_id: str) -> Remediation | None:
    return REMEDIATIONS.get(check_id)


def text(check_id: str) -> str | None:
    """The plain-text remediation of a check (None for an ID the catalogue does not know)."""
    found = REMEDIATIONS.get(check_id)
    return found.as_text() if found else None
