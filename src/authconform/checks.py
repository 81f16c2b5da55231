"""Check identity: the ID, severity and requirement a suite test enforces, and the catalogue.

A suite test is a check when it carries :func:`check`. The ID is stable (users gate on it), the
severity decides whether a failure fails the gate (``must``) or warns (``should``, ``may``), and
the requirement names where the rule comes from: the profile, an RFC section or an ASVS item.
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

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def area_of(check_id: str) -> str:
    return AREAS.get(check_id.split("-", 1)[0], "other")


def check(check_id: str, *, severity: str, requirement: str) -> Callable[[F], F]:
    """Mark a suite test as the check ``check_id``; its docstring's first line is the title."""
    if severity not in SEVERITIES:
        raise ValueError(f"{check_id}: severity must be one of {SEVERITIES}, not {severity!r}")
    if area_of(check_id) == "other":
        raise ValueError(f"{check_id}: the ID must start with one of {', '.join(AREAS)}")

    def mark(test: F) -> F:
        title = (test.__doc__ or check_id).strip().splitlines()[0]
        info = Check(check_id, severity, requirement, title, area_of(check_id))
        test.__authconform_check__ = info  # type: ignore[attr-defined]
        return pytest.mark.authconform_check(**info.as_dict())(test)

    return mark


def check_of(item: pytest.Item) -> Check | None:
    marker = item.get_closest_marker(MARKER)
    return Check(**marker.kwargs) if marker else None


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
