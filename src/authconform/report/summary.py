"""summary.json: the machine-readable verdict a CI gate reads, and the terminal's closing lines.

Counts by severity and by area, and each check's ID, outcome and reason, all read from the run's
:class:`~authconform.report.results.RunResult`. The verdict and exit code are decided in
:mod:`authconform.verdict`, so ``authconform run`` and plain ``pytest --profile`` agree.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .. import __version__
from .results import FAILING, OUTCOMES, WAIVED, CheckResult, RunResult


def outcome_label(outcome: str) -> str:
    return outcome.replace("_", " ")


def terminal_lines(result: RunResult, limit: int = 8) -> list[tuple[str, dict[str, bool]]]:
    """The short summary a run's terminal output ends with: verdict, counts by severity, failing IDs, report.

    Each line comes with its terminal markup (``{"red": True, "bold": True}``).
    """
    failures, warned = result.gate_failures(), result.warnings()
    bad_run = failures or result.waiver_problems or result.unreachable or result.broken
    colour = "red" if bad_run else "yellow" if warned else "green"
    lines: list[tuple[str, dict[str, bool]]] = [(f"verdict   {result.verdict}", {colour: True, "bold": True})]
    by_severity = counts(result.reported(), "severity")
    for severity in ("must", "should", "may"):
        row = by_severity.get(severity)
        if row:
            text = ", ".join(f"{row[o]} {outcome_label(o)}" for o in OUTCOMES if row[o])
            bad = any(row[o] for o in FAILING if o != WAIVED) and severity in result.info.gate_severities
            lines.append((f"{severity:<9} {text}", {"red": True} if bad else {}))
    baseline = result.info.baseline
    new = " (new)" if baseline is not None else ""
    named = ([f"{r.check}{new}" for r in failures] + [f"{r.check} (known)" for r in result.known_failures()]
             + [f"{r.check} (warning)" for r in warned])
    if named:
        shown = ", ".join(named[:limit]) + (f" and {len(named) - limit} more" if len(named) > limit else "")
        lines.append((f"failing   {shown}", {}))
    if waived_now := result.waived():
        lines.append((f"waived    {', '.join(r.check for r in waived_now)}", {"yellow": True}))
    for problem in result.waiver_problems:
        lines.append((f"waiver    {problem.message}", {"red": True}))
    for check in failures if baseline is not None else []:
        lines.append((f"new       {check.check}: fails now and did not fail in the baseline "
                      f"{baseline.source}", {"red": True}))
    lines.append((f"report    {result.info.report_dir / 'report.html'}", {"bold": True}))
    return lines


def counts(results: list[CheckResult], key: str) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = {}
    for check in results:
        table.setdefault(getattr(check, key), Counter())[check.outcome] += 1
    return {name: {o: c.get(o, 0) for o in OUTCOMES} for name, c in table.items()}


def build(result: RunResult) -> dict[str, Any]:
    info = result.info
    results = result.reported()
    target: dict[str, Any] = {"url": info.target_url, "embedded": info.embedded}
    if info.embedded:
        target |= {"flavour": info.flavour, "defects": sorted(info.defects)}
    return {
        "harness": {"name": "authconform", "version": __version__},
        "profile": info.profile,
        "profile_file": str(info.profile_source) if info.profile_source else None,
        "target": target,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(info.started)),
        "duration_s": round(result.duration, 3),
        "fail_on": info.fail_on,
        "verdict": result.verdict,
        "exit_code": result.exit_code,
        "unreachable": result.unreachable,
        "selection": dict(result.selection) if result.selection else None,
        "counts": {
            "total": {o: sum(1 for r in results if r.outcome == o) for o in OUTCOMES},
            "by_severity": counts(results, "severity"),
            "by_area": counts(results, "area"),
        },
        "requests": result.requests,
        "failed_logins": dict(result.failed_logins),
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
                **_gate_fields(r),
            }
            for r in results
        ],
        **_gate_sections(result),
    }


def _gate_fields(check: CheckResult) -> dict[str, Any]:
    """Per check: how to fix it, the waiver behind a waived outcome, and whether a failure is new."""
    fix = check.remediation
    fields: dict[str, Any] = {"remediation": fix.as_text() if fix else None}
    if check.waiver is not None:
        fields["waiver"] = dict(check.waiver)
    if check.new is not None:
        fields["new"] = check.new
    return fields


def _gate_sections(result: RunResult) -> dict[str, Any]:
    """The run's waivers file and its problems, and the baseline it was gated against."""
    info, sections = result.info, {}
    if info.waivers_file is not None:
        sections["waivers"] = {"file": info.waivers_file, "allow_stale": info.allow_stale_waivers,
                               "problems": [{"kind": p.kind, "entry": p.entry, "check": p.check,
                                             "message": p.message} for p in result.waiver_problems]}
    if info.baseline is not None:
        sections["baseline"] = {"file": info.baseline.source,
                                "new_failures": [r.check for r in result.gate_failures()],
                                "known_failures": [r.check for r in result.known_failures()]}
    return sections


def write(result: RunResult, path: Path | None = None) -> Path:
    path = path or result.info.report_dir / "summary.json"
    path.write_text(json.dumps(build(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
