"""Check identity: the ID, severity and requirement a suite test enforces, and the catalogue.

A suite test is a check when it carries :func:`check`. The ID is stable (users gate on it), the
severity decides whether a failure fails the gate (``must``) or warns (``should``, ``may``), and
the requirement names where the rule comes from: the profile, an RFC section or an ASVS item.

A check is ``must`` only where its requirement says MUST/SHALL for this kind of endpoint, or where
the profile states the behaviour; ``why`` says which, in one sentence, for the catalogue. Some
requirements bind only when the profile says so (RFC 6749 §5.1 binds OAuth 2.0 token endpoints,
not every JSON login): such a check is declared ``should`` with ``must_when`` naming the profile
field whose truthy value makes it ``must``; :meth:`Check.severity_for` resolves it per run, and
that effective severity is what the gate, summary.json, SARIF, report.html and the terminal show.

Run order is declared on the check too: ``phase="first"`` runs before everything (a check that needs a
fresh login before the probes that may throttle logins), ``"last"`` after everything (checks that
judge or spend the whole run's traffic), and ``after`` orders checks within a phase: a check runs
after the ones it names (it reads their exchanges). :func:`in_run_order` applies both.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from . import resources

SEVERITIES = ("must", "should", "may")
PHASES = ("first", "normal", "last")
AREAS = {
    "LOGIN": "login",
    "TOKEN": "token",
    "ACCESS": "access",
    "REFRESH": "refresh",
    "SECRET": "secret header",
    "HEADERS": "request headers",
    "OPENAPI": "OpenAPI",
    "SEC": "security",
}
MARKER = "authconform_check"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Check:
    id: str
    severity: str
    requirement: str
    title: str
    area: str
    why: str = ""
    must_when: str | None = None
    phase: str = "normal"
    after: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def severity_for(self, profile: Any) -> str:
        """The severity this run gates on: ``must`` when the profile field ``must_when`` names is set."""
        if self.must_when and profile_value(profile, self.must_when):
            return "must"
        return self.severity

    @property
    def severity_label(self) -> str:
        """The catalogue's severity: ``should; must when login.oauth_token_endpoint`` for a conditional one."""
        return f"{self.severity}; must when {self.must_when}" if self.must_when else self.severity


def profile_value(profile: Any, dotted: str) -> Any:
    """The value at a dotted profile path (``login.oauth_token_endpoint``), or None where a part is left out.

    A name the profile schema does not know raises AttributeError (a typo must not read as "not set").
    """
    value = profile
    for part in dotted.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part)
    return value


def area_of(check_id: str) -> str:
    return AREAS.get(check_id.split("-", 1)[0], "other")


def check(check_id: str, *, severity: str, requirement: str, why: str = "",
          must_when: str | None = None, phase: str = "normal", after: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Mark a suite test as the check ``check_id``; its docstring's first line is the title.

    ``why`` is the severity's reason (which MUST or profile statement makes it ``must``, or why it is
    only ``should``/``may``); ``must_when`` is a dotted profile field that, when truthy, raises a
    ``should``/``may`` check to ``must`` for that run (e.g. ``login.oauth_token_endpoint``).
    ``phase`` (first, normal, last) and ``after`` (IDs of checks in the same phase whose exchanges this
    one reads) decide when it runs; see :func:`in_run_order`.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"{check_id}: severity must be one of {SEVERITIES}, not {severity!r}")
    if area_of(check_id) == "other":
        raise ValueError(f"{check_id}: the ID must start with one of {', '.join(AREAS)}")
    if must_when is not None and severity == "must":
        raise ValueError(f"{check_id}: must_when raises a should or may check; this one is must already")
    if phase not in PHASES:
        raise ValueError(f"{check_id}: phase must be one of {PHASES}, not {phase!r}")
    if isinstance(after, str):
        raise ValueError(f"{check_id}: after is a tuple of check IDs, not the string {after!r}")

    def mark(test: F) -> F:
        title = (test.__doc__ or check_id).strip().splitlines()[0]
        info = Check(check_id, severity, requirement, title, area_of(check_id), why.strip(), must_when, phase,
                     tuple(after))
        test.__authconform_check__ = info  # type: ignore[attr-defined]
        return pytest.mark.authconform_check(**info.as_dict())(test)

    return mark


def check_of(item: pytest.Item) -> Check | None:
    marker = item.get_closest_marker(MARKER)
    return Check(**marker.kwargs) if marker else None


def phase_of(item: pytest.Item) -> str:
    """The item's phase; a test that is not a check runs with the normal ones."""
    info = check_of(item)
    return info.phase if info is not None else "normal"


def in_run_order(items: list[pytest.Item]) -> list[pytest.Item]:
    """``items`` by phase (first, normal, last), each check after the ones it names in ``after``.

    Otherwise collection order is kept (the sort is stable), so suites still read top to bottom. An
    ``after`` naming a check that is not in the run, or in an earlier phase, constrains nothing; a
    cycle raises ValueError (a declaration error, found by the harness's own tests).
    """
    ordered: list[pytest.Item] = []
    for phase in PHASES:
        pending = [(item, check_of(item)) for item in items if phase_of(item) == phase]
        while pending:
            waiting = {info.id for _, info in pending if info is not None}
            index = next((i for i, (_, info) in enumerate(pending)
                          if info is None or not any(name in waiting and name != info.id for name in info.after)),
                         None)
            if index is None:
                raise ValueError(f"checks wait for each other (after=...): {', '.join(sorted(waiting))}")
            ordered.append(pending.pop(index)[0])
    return ordered


def catalogue(suites: Path | None = None) -> list[Check]:
    """Every check the suites define, in file order, read by importing the suite modules."""
    folder = suites or resources.suites_dir()
    found: list[Check] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("test_*.py")):
        name = f"_authconform_catalogue_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        for value in vars(module).values():
            info = getattr(value, "__authconform_check__", None)
            if info is not None and info.id not in seen:
                seen.add(info.id)
                found.append(info)
    return found
