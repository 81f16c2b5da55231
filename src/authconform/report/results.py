"""The results model every writer reads: one :class:`RunResult`, built once when a run ends.

summary.json, results.sarif, report.html's summary and the terminal verdict all read this model
and nothing of the run's machinery (its recorder, client, budget or embedded target), so they
cannot disagree about what happened. It also holds the two rules every writer shares: which
outcomes count as failing (:data:`FAILING`), and how a pytest report becomes the one-paragraph
reason a reviewer reads (:func:`reason_of`): the same words in report.html, summary.json,
junit.xml and SARIF.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..http.exchanges import Exchange
from ..http.redaction import Redactor

# Every outcome a check can have, in the order the reports list them. ``not_selected``: left out by
# -k, --check or --skip-check; reported, never counted as passed.
OUTCOMES = ("passed", "failed", "error", "skipped", "not_selected")
FAILING = frozenset({"failed", "error"})  # the outcomes that fail a check (and the gate, for its severities)
REASON_CHARS = 1500  # a reason longer than this is cut (with " …"): a finding, not a dump


@dataclass
class CheckResult:
    """One check's outcome in a run."""

    check: str
    title: str
    severity: str
    requirement: str
    area: str
    outcome: str  # one of OUTCOMES
    reason: str
    nodeid: str
    duration: float

    @property
    def failing(self) -> bool:
        return self.outcome in FAILING


def reason_of(report: Any) -> str:
    """Why a check did not pass, in the words of its finding; "" for a pass.

    The one rule for every writer: a skip gives its reason; a failure gives its ``E   `` lines
    joined (a traceback) or its message without the ``[file:line]`` location line (a finding);
    cut at :data:`REASON_CHARS`. Takes a pytest test or collect report, already redacted.
    """
    if report.passed:
        return ""
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple):
        return str(longrepr[2]).removeprefix("Skipped: ")
    text = str(longrepr or "").strip()
    errors = [line[4:].strip() for line in text.splitlines() if line.startswith("E   ")]
    if errors:
        text = " ".join(errors)
    else:
        lines = [line for line in text.splitlines()
                 if line.strip() and not (line.startswith("[") and line.rstrip().endswith("]"))]
        text = "\n".join(lines)
    if len(text) > REASON_CHARS:
        text = text[:REASON_CHARS].rstrip() + " …"
    return text or report.outcome


@dataclass(frozen=True)
class RunInfo:
    """What is known about a run when it starts: the profile, the target, the gate, the redactor."""

    profile: str
    profile_source: Path | None
    target_url: str
    report_dir: Path
    started: float
    fail_on: str
    redactor: Redactor
    flavour: str | None = None  # the embedded reference target's flavour, when the run started one
    defects: tuple[str, ...] = ()

    @property
    def embedded(self) -> bool:
        return self.flavour is not None

    @property
    def gate_severities(self) -> frozenset[str]:
        return frozenset({"must"} if self.fail_on == "must" else {"must", "should"})

    def target_line(self) -> str:
        """The target as a reader needs it: its URL, and for an embedded target its flavour and defects."""
        if not self.embedded:
            return self.target_url
        return (f"{self.target_url} (embedded reference target {self.flavour}; "
                f"defects: {', '.join(sorted(self.defects)) or 'none'})")


@dataclass(frozen=True)
class RunResult:
    """A finished run: every check's outcome, the counters, the verdict and the exit code.

    Texts that came from the target or the environment (``unreachable``, ``broken``, ``verdict``)
    are redacted already; exchanges leave only through :meth:`Exchange.to_dict` with ``info.redactor``.
    """

    info: RunInfo
    checks: tuple[CheckResult, ...]  # the checks that ran, in the order they reported
    not_selected: tuple[CheckResult, ...] = ()
    selection: Mapping[str, Any] | None = None  # the -k expression and the ID globs
    requests: int = 0
    failed_logins: Mapping[str, int] = field(default_factory=dict)  # by account role
    unreachable: str | None = None
    broken: str | None = None  # why the checks could not run at all
    finished: float = 0.0
    exchanges: Mapping[str, tuple[Exchange, ...]] = field(default_factory=dict)  # by pytest node ID
    verdict: str = ""
    exit_code: int = 0

    def reported(self) -> list[CheckResult]:
        """Every check the run knows of: the ones that ran, then the ones left out by selection."""
        return [*self.checks, *self.not_selected]

    def gate_failures(self) -> list[CheckResult]:
        """Failing checks whose severity fails the gate."""
        return [r for r in self.checks if r.failing and r.severity in self.info.gate_severities]

    def warnings(self) -> list[CheckResult]:
        """Failing checks below the gate's severity."""
        return [r for r in self.checks if r.failing and r.severity not in self.info.gate_severities]

    @property
    def duration(self) -> float:
        return max(self.finished - self.info.started, 0.0)
