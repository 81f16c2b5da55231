"""summary.json: the machine-readable verdict a CI gate reads.

Counts by severity and by area, and each check's ID, outcome and reason. The exit code is decided
here too, so ``authconform run`` and plain ``pytest --profile`` agree.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .. import __version__
from ..gate import waivers
from ..run import Result, Run
from . import remediation
from .asvs5 import asvs5_of

OUTCOMES = ("passed", "failed", "error", "waived", "skipped", "not_selected")  # waived: never passed
EXIT_CONFORMANT, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def reported(run: Run) -> list[Result]:
    """Every check the run knows of: the ones that ran, then the ones left out by selection."""
    return [*run.results.values(), *run.not_selected.values()]


def outcome_label(outcome: str) -> str:
    return outcome.replace("_", " ")


def gate_failures(run: Run) -> list[Result]:
    """The failures that fail the gate: gating severity, not waived, and not known to the baseline."""
    return [r for r in run.results.values()
            if r.outcome in ("failed", "error") and r.severity in run.gate_severities and not is_known(run, r)]


def is_known(run: Run, result: Result) -> bool:
    """A failure the ``--baseline`` run had too: shown, but it does not fail the gate."""
    return run.baseline is not None and run.baseline.knows(result.check)


def known_failures(run: Run) -> list[Result]:
    return [r for r in run.results.values()
            if r.outcome in ("failed", "error") and r.severity in run.gate_severities and is_known(run, r)]


def waived(run: Run) -> list[Result]:
    return [r for r in run.results.values() if r.outcome == waivers.WAIVED]


def waiver_problems(run: Run) -> list[waivers.Problem]:
    """Expired and stale waivers of this run: each fails the run, named."""
    if not run.waivers:
        return []
    outcomes = [(r.check, r.outcome) for r in run.results.values()]
    return waivers.problems(run.waivers, run.profile.name, outcomes, run_date(run),
                            allow_stale=run.allow_stale_waivers)


def run_date(run: Run) -> dt.date:
    """The UTC day the run started: waivers expire by it."""
    return dt.datetime.fromtimestamp(run.started, dt.UTC).date()


def warnings(run: Run) -> list[Result]:
    return [r for r in run.results.values()
            if r.outcome in ("failed", "error") and r.severity not in run.gate_severities]


def exit_code(run: Run) -> int:
    if run.broken:
        return EXIT_USAGE
    if run.unreachable:
        return EXIT_UNREACHABLE
    return EXIT_FAILED if gate_failures(run) or waiver_problems(run) else EXIT_CONFORMANT


def verdict(run: Run) -> str:
    """The verdict in one line: conformant, or N must-failures and M warnings."""
    if run.broken:
        return f"not checked: {run.redactor.text(run.broken)}"
    if run.unreachable:
        return f"target unreachable: {run.redactor.text(run.unreachable)}"
    failures, warned = gate_failures(run), warnings(run)
    problems = waiver_problems(run)
    if not failures and not problems:
        head = "conformant"
    elif not failures:
        head = "not conformant"
    else:
        new = "new " if run.baseline is not None else ""
        head = f"not conformant: {len(failures)} {new}gate failure{'s' if len(failures) != 1 else ''}"
    if problems:
        head += f", {len(problems)} waiver problem{'s' if len(problems) != 1 else ''}"
    if known := known_failures(run):
        head += f", {len(known)} known failure{'s' if len(known) != 1 else ''} (baseline)"
    if waived_now := waived(run):
        head += f", {len(waived_now)} waived"
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
    new = " (new)" if run.baseline is not None else ""
    named = ([f"{r.check}{new}" for r in failures] + [f"{r.check} (known)" for r in known_failures(run)]
             + [f"{r.check} (warning)" for r in warned])
    if named:
        shown = ", ".join(named[:limit]) + (f" and {len(named) - limit} more" if len(named) > limit else "")
        lines.append((f"failing   {shown}", {}))
    if waived_now := waived(run):
        lines.append((f"waived    {', '.join(r.check for r in waived_now)}", {"yellow": True}))
    for problem in waiver_problems(run):
        lines.append((f"waiver    {problem.text()}", {"red": True}))
    for result in failures if run.baseline is not None else []:
        lines.append((f"new       {result.check}: fails now and did not fail in the baseline "
                      f"{run.baseline.source}", {"red": True}))
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
                "asvs_5": asvs5_of(r.check),  # the OWASP ASVS 5.0.0 item, or null where none applies
                "outcome": r.outcome,
                "reason": r.reason,
                "duration_s": round(r.duration, 3),
                **_gate_fields(run, r),
            }
            for r in results
        ],
        **_gate_sections(run),
    }


def _gate_fields(run: Run, result: Result) -> dict[str, Any]:
    """Per check: how to fix it, the waiver behind a waived outcome, and whether a failure is new."""
    fields: dict[str, Any] = {"remediation": remediation.text(result.check)}
    if result.waiver is not None:
        fields["waiver"] = result.waiver
    if run.baseline is not None and result.outcome in ("failed", "error"):
        fields["new"] = not is_known(run, result)
    return fields


def _gate_sections(run: Run) -> dict[str, Any]:
    sections: dict[str, Any] = {}
    if run.waivers_file is not None:
        sections["waivers"] = {"file": run.waivers_file, "allow_stale": run.allow_stale_waivers,
                               "problems": [{"kind": p.kind, "entry": p.waiver.where, "check": p.waiver.check,
                                             "message": p.text()} for p in waiver_problems(run)]}
    if run.baseline is not None:
        sections["baseline"] = {"file": str(run.baseline.source),
                                "new_failures": [r.check for r in gate_failures(run)],
                                "known_failures": [r.check for r in known_failures(run)]}
    return sections


def write(run: Run, path: Path | None = None) -> Path:
    path = path or run.report_dir / "summary.json"
    path.write_text(json.dumps(build(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
