"""Selecting checks by ID: ``--check`` and ``--skip-check`` globs, and check IDs as ``-k`` keywords.

The check IDs are what users gate on, so they must select checks too: ``--check 'ACCESS-*'``
keeps the checks whose ID matches a glob, ``--skip-check TOKEN-DISTINCT`` leaves some out, and
``-k SEC-ENUM-TIMING`` works because each item carries its check ID as a keyword. A check left out
is reported as *not selected*, never as passed (the plugin records it; see :mod:`authconform.report.summary`).

A pattern that matches no collected check is a usage error: a typo in a CI gate's ``--check``
must not quietly shrink what the gate checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import pytest

from .checks import check_of

NOT_SELECTED = "not_selected"  # the outcome a check left out by selection gets in summary.json


@dataclass
class Selection:
    """The ``--check`` and ``--skip-check`` globs of a run (case-insensitive, ``*``/``?``/``[...]``)."""

    check: list[str] = field(default_factory=list)
    skip_check: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.check or self.skip_check)

    def why_left_out(self, check_id: str | None) -> str | None:
        """Why a check (None: a test that is not a check) is left out, or None when it is selected."""
        if self.check and (check_id is None or not _matches(check_id, self.check)):
            return f"not selected: its ID matches no --check ({', '.join(self.check)})"
        if check_id is not None and (hit := _first_match(check_id, self.skip_check)):
            return f"not selected: --skip-check {hit}"
        return None

    def unmatched(self, check_ids: Sequence[str]) -> list[str]:
        """The options whose pattern matches none of ``check_ids`` (as ``--check 'X'`` strings)."""
        return [f"{option} {pattern!r}" for option, patterns in (("--check", self.check),
                                                                   ("--skip-check", self.skip_check))
                for pattern in patterns if not _matches_any(pattern, check_ids)]


def _matches(check_id: str, patterns: Sequence[str]) -> bool:
    return _first_match(check_id, patterns) is not None


def _first_match(check_id: str, patterns: Sequence[str]) -> str | None:
    return next((p for p in patterns if fnmatchcase(check_id.upper(), p.strip().upper())), None)


def _matches_any(pattern: str, check_ids: Sequence[str]) -> bool:
    return any(_matches(check_id, [pattern]) for check_id in check_ids)


def add_id_keyword(item: pytest.Item) -> None:
    """Make the item's check ID a ``-k`` keyword (``-k "TOKEN and not TOKEN-DISTINCT"``)."""
    info = check_of(item)
    if info is not None:
        item.extra_keyword_matches.add(info.id)


def split(items: list[pytest.Item], selection: Selection) -> tuple[list[pytest.Item], dict[str, str]]:
    """The items the selection keeps, and the left-out ones' node IDs with the reason."""
    kept: list[pytest.Item] = []
    left_out: dict[str, str] = {}
    for item in items:
        info = check_of(item)
        reason = selection.why_left_out(info.id if info else None)
        if reason is None:
            kept.append(item)
        else:
            left_out[item.nodeid] = reason
    return kept, left_out
