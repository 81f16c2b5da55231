"""The gate and the exit codes: what a finished run concludes, for the CLI, the plugin and CI.

Exit codes: 0 conformant, 1 checks failed, 2 bad profile or usage (or the checks could not run),
3 target unreachable. :func:`conclude` turns the run's machinery into the one
:class:`~authconform.report.results.RunResult` every report writer reads, with the verdict line
and exit code decided here, so ``authconform run``, plain ``pytest --profile`` and every file a
run writes agree.

The CI gate's decisions land here too: a waived failure does not fail the gate, while an expired
or stale waiver (:mod:`authconform.gate.waivers`) and a failure the ``--baseline`` run did not have
do (exit 1); a failure the baseline had is shown as known and does not.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING

from .gate import waivers
from .report.results import FAILING, WAIVED, BaselineRef, CheckResult, RunInfo, RunResult, WaiverProblem

if TYPE_CHECKING:
    from .http.exchanges import Exchange
    from .run import Run

EXIT_CONFORMANT, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def run_info(run: Run) -> RunInfo:
    """What the reports need to know about a run from its start (the profile, target, gate)."""
    embedded = run.embedded
    return RunInfo(
        profile=run.profile.name, profile_source=run.profile.source, target_url=run.profile.base_url,
        report_dir=run.report_dir, started=run.started, fail_on=run.fail_on, redactor=run.redactor,
        flavour=embedded.flavour if embedded is not None else None,
        defects=tuple(sorted(embedded.defects)) if embedded is not None else (),
        baseline=BaselineRef(str(run.baseline.source), frozenset(run.baseline.failing))
        if run.baseline is not None else None,
        waivers_file=run.waivers_file, allow_stale_waivers=run.allow_stale_waivers,
    )


def exit_code(result: RunResult) -> int:
    if result.broken:
        return EXIT_USAGE
    if result.unreachable:
        return EXIT_UNREACHABLE
    return EXIT_FAILED if result.gate_failures() or result.waiver_problems else EXIT_CONFORMANT


def verdict_line(result: RunResult) -> str:
    """The verdict in one line: conformant, or N gate failures and M warnings (and what was left out)."""
    if result.broken:
        return f"not checked: {result.broken}"
    if result.unreachable:
        return f"target unreachable: {result.unreachable}"
    failures, warned, problems = result.gate_failures(), result.warnings(), result.waiver_problems
    if not failures and not problems:
        head = "conformant"
    elif not failures:
        head = "not conformant"
    else:
        new = "new " if result.info.baseline is not None else ""
        head = f"not conformant: {len(failures)} {new}gate failure{'s' if len(failures) != 1 else ''}"
    if problems:
        head += f", {len(problems)} waiver problem{'s' if len(problems) != 1 else ''}"
    if known := result.known_failures():
        head += f", {len(known)} known failure{'s' if len(known) != 1 else ''} (baseline)"
    if waived := result.waived():
        head += f", {len(waived)} waived"
    if warned:
        head += f", {len(warned)} warning{'s' if len(warned) != 1 else ''}"
    if result.not_selected:  # the verdict covers the selected checks only: say so
        left_out = len(result.not_selected)
        head += f", {left_out} check{'s' if left_out != 1 else ''} not selected"
    return head


def conclude(run: Run) -> RunResult:
    """The run's results model, built once when it ends: the facts, the verdict and the exit code."""
    redact = run.redactor.text
    exchanges: dict[str, list[Exchange]] = defaultdict(list)
    for exchange in run.recorder.exchanges:
        if exchange.test:
            exchanges[exchange.test].append(exchange)
    info = run_info(run)
    checks = tuple(_marked_new(check, info.baseline) for check in run.results.values())
    result = RunResult(
        info=info,
        checks=checks,
        not_selected=tuple(run.not_selected.values()),
        selection=dict(run.selection) or None,
        requests=run.client.request_count,
        failed_logins=dict(run.budget.spent()),
        unreachable=redact(run.unreachable) if run.unreachable else None,
        broken=redact(run.broken) if run.broken else None,
        finished=time.time(),
        exchanges={test: tuple(found) for test, found in exchanges.items()},
        waiver_problems=_waiver_problems(run, checks),
    )
    return replace(result, verdict=verdict_line(result), exit_code=exit_code(result))


def _marked_new(check: CheckResult, baseline: BaselineRef | None) -> CheckResult:
    """A copy of the check; with a baseline, an unwaived failure is marked new (the baseline did not have it)."""
    if baseline is None or check.outcome not in FAILING or check.outcome == WAIVED:
        return replace(check)
    return replace(check, new=not baseline.knows(check.check))


def _waiver_problems(run: Run, checks: tuple[CheckResult, ...]) -> tuple[WaiverProblem, ...]:
    """The run's expired and stale waivers, named by file and line: each fails the run."""
    if not run.waivers:
        return ()
    found = waivers.problems(run.waivers, run.profile.name, [(c.check, c.outcome) for c in checks],
                             waivers.day_of(run.started), allow_stale=run.allow_stale_waivers)
    return tuple(WaiverProblem(kind=p.kind, entry=p.waiver.where, check=p.waiver.check, message=p.text())
                 for p in found)
