"""The gate and the exit codes: what a finished run concludes, for the CLI, the plugin and CI.

Exit codes: 0 conformant, 1 checks failed, 2 bad profile or usage (or the checks could not run),
3 target unreachable. :func:`conclude` turns the run's machinery into the one
:class:`~authconform.report.results.RunResult` every report writer reads, with the verdict line
and exit code decided here, so ``authconform run``, plain ``pytest --profile`` and every file a
run writes agree.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING

from .report.results import RunInfo, RunResult

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
    )


def exit_code(result: RunResult) -> int:
    if result.broken:
        return EXIT_USAGE
    if result.unreachable:
        return EXIT_UNREACHABLE
    return EXIT_FAILED if result.gate_failures() else EXIT_CONFORMANT


def verdict_line(result: RunResult) -> str:
    """The verdict in one line: conformant, or N gate failures and M warnings (and what was left out)."""
    if result.broken:
        return f"not checked: {result.broken}"
    if result.unreachable:
        return f"target unreachable: {result.unreachable}"
    failures, warned = result.gate_failures(), result.warnings()
    if not failures:
        head = "conformant"
    else:
        head = f"not conformant: {len(failures)} gate failure{'s' if len(failures) != 1 else ''}"
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
    result = RunResult(
        info=run_info(run),
        checks=tuple(run.results.values()),
        not_selected=tuple(run.not_selected.values()),
        selection=dict(run.selection) or None,
        requests=run.client.request_count,
        failed_logins=dict(run.budget.spent()),
        unreachable=redact(run.unreachable) if run.unreachable else None,
        broken=redact(run.broken) if run.broken else None,
        finished=time.time(),
        exchanges={test: tuple(found) for test, found in exchanges.items()},
    )
    return replace(result, verdict=verdict_line(result), exit_code=exit_code(result))
