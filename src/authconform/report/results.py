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
from . import remediation
from .remediation import Remediation

# Every outcome a check can have, in the order the reports list them. ``waived``: a failure a live
# ``--waivers`` entry accepts for a while (never a pass); ``not_selected``: left out by -k, --check or
# --skip-check; reported, never counted as passed.
WAIVED = "waived"
OUTCOMES = ("passed", "failed", "error", WAIVED, "skipped", "not_selected")
# The outcomes of a check that did not meet its rule. A waived failure is still a failure (compare and
# --baseline count it as failing); only the gate lets it pass: see RunResult.gate_failures.
FAILING = frozenset({"failed", "error", WAIVED})
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
    waiver: Mapping[str, Any] | None = None  # the --waivers entry behind a ``waived`` outcome, as summary.json shows it
    # with a --baseline: True for a failure the baseline run did not have, False for a known one; None otherwise
    new: bool | None = None

    @property
    def failing(self) -> bool:
        return self.outcome in FAILING

    @property
    def open_failure(self) -> bool:
        """Failing and not waived: what the gate and the warnings count."""
        return self.outcome in FAILING and self.outcome != WAIVED

    @property
    def remediation(self) -> Remediation | None:
        """How to fix this check (the catalogue's remediation text), shown with a failure."""
        return remediation.for_check(self.check)


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
class BaselineRef:
    """The ``--baseline`` run the gate compares with: where it was read, and the checks that failed there."""

    source: str
    failing: frozenset[str]

    def knows(self, check_id: str) -> bool:
        return check_id in self.failing


@dataclass(frozen=True)
class WaiverProblem:
    """A waiver that fails the run (expired, or stale: its checks pass now), named by its file and line."""

    kind: str  # expired | stale
    entry: str  # waivers.yaml:3
    check: str  # the waiver's check ID or glob
    message: str


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
    baseline: BaselineRef | None = None  # --baseline: the gate fails only on new failures
    waivers_file: str | None = None  # --waivers
    allow_stale_waivers: bool = False

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
    waiver_problems: tuple[WaiverProblem, ...] = ()  # expired and stale waivers: each fails the run
    verdict: str = ""
    exit_code: int = 0

    def reported(self) -> list[CheckResult]:
        """Every check the run knows of: the ones that ran, then the ones left out by selection."""
        return [*self.checks, *self.not_selected]

    def gate_failures(self) -> list[CheckResult]:
        """The failures that fail the gate: of its severities, not waived, and not known to the baseline."""
        return [r for r in self.checks
                if r.open_failure and r.severity in self.info.gate_severities and r.new is not False]

    def known_failures(self) -> list[CheckResult]:
        """Failures of the gate's severities that the ``--baseline`` run had too: shown, not gating."""
        return [r for r in self.checks
                if r.open_failure and r.severity in self.info.gate_severities and r.new is False]

    def waived(self) -> list[CheckResult]:
        """Failures a live waiver accepts: reported as waived, not gating."""
        return [r for r in self.checks if r.outcome == WAIVED]

    def warnings(self) -> list[CheckResult]:
        """Failing checks below the gate's severity (waived ones excepted)."""
        return [r for r in self.checks if r.open_failure and r.severity not in self.info.gate_severities]

    @property
    def duration(self) -> float:
        return max(self.finished - self.info.started, 0.0)
