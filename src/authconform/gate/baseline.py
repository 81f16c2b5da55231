"""Baseline gating: fail only on what got worse since a known run of the same profile.

A team adopting the gate on a server with known findings points ``--baseline`` at an earlier
run's summary.json (or its report folder, or a folder of per-profile report folders such as a
matrix run writes). The gate then fails only on checks that fail now and did not fail in the
baseline; the terminal and the report still show every failure and mark the new ones, so nothing
known is hidden.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..report.results import FAILING  # a waived failure was a failure: it is known, not new
from ..run import UsageProblem


@dataclass(frozen=True)
class Baseline:
    source: Path
    profile: str
    failing: frozenset[str]  # check IDs that failed (or errored, or were waived) in the baseline run

    def knows(self, check_id: str) -> bool:
        return check_id in self.failing


def _candidates(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if (path / "summary.json").is_file():
        return [path / "summary.json"]
    return sorted(path.glob("*/summary.json"))


def load(path: str | Path, profile_name: str) -> Baseline:
    """The baseline run of ``profile_name`` at ``path``; raises :class:`UsageProblem` (exit 2) when there is none.

    A baseline of another profile is refused: its failures say nothing about this target.
    """
    folder = Path(path)
    if not folder.exists():
        raise UsageProblem(f"--baseline {path}: no such file or folder")
    found: list[str] = []
    for candidate in _candidates(folder):
        try:
            data = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageProblem(f"--baseline {candidate}: not a summary.json ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
            raise UsageProblem(f"--baseline {candidate}: not a summary.json (no 'checks' list)")
        found.append(str(data.get("profile")))
        if data.get("profile") == profile_name:
            failing = frozenset(c["id"] for c in data["checks"]
                                if isinstance(c, dict) and c.get("outcome") in FAILING and "id" in c)
            return Baseline(candidate, profile_name, failing)
    if not found:
        raise UsageProblem(f"--baseline {path}: no summary.json there")
    raise UsageProblem(f"--baseline {path}: it holds runs of {', '.join(sorted(set(found)))}, not of profile "
                       f"{profile_name}; a baseline must be a run of the same profile")
