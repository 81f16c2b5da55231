"""summary.json: the machine-readable verdict a CI gate reads.

Counts by severity and by area, and each check's ID, outcome and reason. The exit code is decided
here too, so ``authconform run`` and plain ``pytest --profile`` agree.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .. import __version__
from ..run import Result, Run

OUTCOMES = ("passed", "failed", "error", "skipped", "not_selected")
EXIT_CONFORMANT, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def reported(run: Run) -> list[Result]:
    """Every check the run knows of: the ones that ran, then the ones left out by selection."""
    return [*run.results.values(), *run.not_selected.values()]


def outcome_label(outcome: str) -> str:
    return outcome.replace("_", " ")


def gate_failures(run: Run) -> list[Result]:
    return [r for r in run.results.values()
            if r.outcome in ("failed", "error") and r.severity in run.gate_severities]


def warnings(run: Run) -> list[Result]:
    return [r for r in run.results.values()
            if r.outcome in ("failed", "error") and r.severity not in run.gate_severities]


def exit_code(run: Run) -> int:
    if run.broken:
        return EXIT_USAGE
    if run.unreachable:
        return EXIT_UNREACHABLE
    return EXIT_FAILED if gate_failures(run) else EXIT_CONFORMANT


def verdict(run: Run) -> str:
    """The verdict in one line: conformant, or N must-failures and M warnings."""
    if run.broken:
        return f"not checked: {run.redactor.text(run.broken)}"
    if run.unreachable:
        return f"target unreachable: {run.redactor.text(run.unreachable)}"
    failures, warned = gate_failures(run), warnings(run)
    if not failures:
        head = "conformant"
    else:
        head = f"not conformant: {len(failures)} gate failure{'s' if len(failures) != 1 else ''}"
    if warned:
        head += f", {len(warned)} warning{'s' if len(warned) != 1 else ''}"
    if run.not_selected:  # the verdict covers the selected checks only: say so
        left_out = len(run.not_selected)
        head += f", {left_out} check{'s' if left_out != 1 else ''} not selected"
    return head


def terminal_lines(run: Run, limit: int = 8) -> list[tuple[str, dict[str, bool]]]:
    """The short summary a run's terminal output ends with: verdict, counts by severity, failing IDs, report.

    Each line comes with its terminal markup (``{"red": True, "bold": True}``).
    """
    results = reported(run)
    failures, warned = gate_failures(run), warnings(run)
    colour = "red" if failures or run.unreachable else "yellow" if warned else "green"
    lines: list[tuple[str, dict[str, bool]]] = [(f"verdict   {verdict(run)}", {colour: True, "bold": True})]
    by_severity = counts(results, "severity")
    for severity in ("must", "should", "may"):
        row = by_severity.get(severity)
        if row:
            text = ", ".join(f"{row[o]} {outcome_label(o)}" for o in OUTCOMES if row[o])
            bad = (row["failed"] or row["error"]) and severity in run.gate_severities
            lines.append((f"{severity:<9} {text}", {"red": True} if bad else {}))
    named = [r.check for r in failures] + [f"{r.check} (warning)" for r in warned]
    if named:
        shown = ", ".join(named[:limit]) + (f" and {len(named) - limit} more" if len(named) > limit else "")
        lines.append((f"failing   {shown}", {}))
    lines.append((f"report    {run.report_dir / 'report.html'}", {"bold": True}))
    return lines


def counts(results: list[Result], key: str) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = {}
    for result in results:
        table.setdefault(getattr(result, key), Counter())[result.outcome] += 1
    return {name: {o: c.get(o, 0) for o in OUTCOMES} for name, c in table.items()}


def build(run: Run) -> dict[str, Any]:
    results = reported(run)
    target = {"url": run.profile.base_url, "embedded": run.embedded is not None}
    if run.embedded is not None:
        target |= {"flavour": run.embedded.flavour, "defects": sorted(run.embedded.defects)}
    return {
        "harness": {"name": "authconform", "version": __version__},
        "profile": run.profile.name,
        "profile_file": str(run.profile.source) if run.profile.source else None,
        "target": target,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(run.started)),
        "duration_s": round(time.time() - run.started, 3),
        "fail_on": run.fail_on,
        "verdict": verdict(run),
        "exit_code": exit_code(run),
        "unreachable": run.redactor.text(run.unreachable) if run.unreachable else None,
        "selection": run.selection or None,
        "counts": {
            "total": {o: sum(1 for r in results if r.outcome == o) for o in OUTCOMES},
            "by_severity": counts(results, "severity"),
            "by_area": counts(results, "area"),
        },
        "requests": run.client.request_count,
        "failed_logins": run.budget.spent(),
        "checks": [
            {
                "id": r.check,
                "title": r.title,
                "severity": r.severity,
                "area": r.area,
                "requirement": r.requirement,
                "outcome": r.outcome,
                "reason": r.reason,
                "duration_s": round(r.duration, 3),
            }
            for r in results
        ],
    }


def write(run: Run, path: Path | None = None) -> Path:
    path = path or run.report_dir / "summary.json"
    path.write_text(json.dumps(build(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
