"""The CI gate's decisions in the results model: what counts as failing, what fails the gate, the exit code.

Waived failures are still failures (compare and ``--baseline`` count them so), but neither the gate nor
the warnings count them; a failure the baseline run had is known, not gating; an expired or stale
waiver fails the run on its own. These rules live on :class:`RunResult` and in :mod:`authconform.verdict`,
and every writer reads them from there; the end-to-end proofs are in test_waivers.py and test_baseline.py.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from authconform import verdict
from authconform.http.redaction import Redactor
from authconform.report.results import FAILING, BaselineRef, CheckResult, RunInfo, RunResult, WaiverProblem


def _check(check: str, outcome: str, severity: str = "must", new: bool | None = None) -> CheckResult:
    return CheckResult(check=check, title=check, severity=severity, requirement="RFC 8725", area="token",
                       outcome=outcome, reason="", nodeid=f"suites/test_x.py::{check}", duration=0.0, new=new)


def _result(*checks: CheckResult, baseline: BaselineRef | None = None,
            problems: tuple[WaiverProblem, ...] = ()) -> RunResult:
    info = RunInfo(profile="pch-sig", profile_source=None, target_url="http://127.0.0.1:1", report_dir=Path("."),
                   started=0.0, fail_on="must", redactor=Redactor(), baseline=baseline)
    result = RunResult(info=info, checks=checks, waiver_problems=problems)
    return replace(result, verdict=verdict.verdict_line(result), exit_code=verdict.exit_code(result))


def test_a_waived_failure_is_failing_but_does_not_fail_the_gate():
    result = _result(_check("ACCESS-ALG-NONE", "waived"), _check("SEC-NOSNIFF", "waived", severity="should"))
    assert "waived" in FAILING and all(c.failing for c in result.checks), "expected waived to count as failing"
    assert result.gate_failures() == [] and result.warnings() == [], "expected no gate failure nor warning"
    assert [c.check for c in result.waived()] == ["ACCESS-ALG-NONE", "SEC-NOSNIFF"]
    assert (result.exit_code, result.verdict) == (verdict.EXIT_CONFORMANT, "conformant, 2 waived")


def test_an_unwaived_failure_still_fails_the_gate_beside_a_waived_one():
    result = _result(_check("ACCESS-ALG-NONE", "waived"), _check("LOGIN-401-BAD-PASSWORD", "failed"))
    assert [c.check for c in result.gate_failures()] == ["LOGIN-401-BAD-PASSWORD"]
    assert (result.exit_code, result.verdict) == (verdict.EXIT_FAILED, "not conformant: 1 gate failure, 1 waived")


def test_a_waiver_problem_fails_the_run_with_no_failing_check():
    problem = WaiverProblem(kind="stale", entry="w.yaml:2", check="ACCESS-ALG-NONE", message="stale")
    result = _result(_check("ACCESS-ALG-NONE", "passed"), problems=(problem,))
    assert (result.exit_code, result.verdict) == (verdict.EXIT_FAILED, "not conformant, 1 waiver problem")


def test_the_baseline_gates_only_new_failures():
    baseline = BaselineRef(source="old/summary.json", failing=frozenset({"ACCESS-ALG-NONE"}))
    known = _result(_check("ACCESS-ALG-NONE", "failed", new=False), baseline=baseline)
    assert known.gate_failures() == [] and [c.check for c in known.known_failures()] == ["ACCESS-ALG-NONE"]
    assert (known.exit_code, known.verdict) == (verdict.EXIT_CONFORMANT, "conformant, 1 known failure (baseline)")
    new = _result(_check("ACCESS-ALG-NONE", "failed", new=False), _check("TOKEN-EXP", "error", new=True),
                  baseline=baseline)
    assert [c.check for c in new.gate_failures()] == ["TOKEN-EXP"]
    assert (new.exit_code, new.verdict) == (
        verdict.EXIT_FAILED, "not conformant: 1 new gate failure, 1 known failure (baseline)")
