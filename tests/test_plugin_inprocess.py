"""The plugin's options and bookkeeping, run in-process with pytester: no subprocess per behaviour.

Each test writes a tiny suite of checks that need no target (they pass or fail on their own), runs
pytest on it in this process with the embedded pch-sig target (cheap hashing), and reads what the
plugin decided: which checks ran in which order, which were not selected, summary.json and the exit
code. The subprocess tests (test_cli.py, test_conformance.py) stay the proof that a user's run works.
"""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

SUITE = '''
from authconform import expect
from authconform.checks import check

@check("LOGIN-SELF-A", severity="must", requirement="test", phase="last", after=("LOGIN-SELF-B",))
def test_a():
    """A passes, last, after B."""

@check("LOGIN-SELF-B", severity="must", requirement="test", phase="last")
def test_b():
    """B passes, last."""

@check("TOKEN-SELF-C", severity="should", requirement="test")
def test_c():
    """C fails, but only should."""
    expect.fail("expected nothing (test), got C")

@check("ACCESS-SELF-D", severity="must", requirement="test", phase="first")
def test_d():
    """D passes, first."""
'''
MUST_FAILS = '''
from authconform import expect
from authconform.checks import check

@check("LOGIN-SELF-E", severity="must", requirement="test")
def test_e():
    """E fails and is must."""
    expect.fail("expected nothing (test), got E")
'''
FAST = ["--profile", "pch-sig", "--target-option", "hash_iterations=1000", "-p", "no:cacheprovider"]


def _run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict | None]:
    report = pytester.path / "report"
    result = pytester.runpytest_inprocess(*FAST, "--report-dir", str(report), *args)
    summary = report / "summary.json"
    return result, (json.loads(summary.read_text()) if summary.is_file() else None)


def _outcomes(summary: dict) -> dict[str, str]:
    return {c["id"]: c["outcome"] for c in summary["checks"]}


def test_phase_order_without_a_profile(pytester: pytest.Pytester) -> None:
    """first, then normal in file order, then last with each check after the ones it names."""
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_inprocess("--collect-only", "-q", "-p", "no:cacheprovider")
    names = [line.split("::")[1] for line in result.outlines if "::" in line]
    assert names == ["test_d", "test_c", "test_b", "test_a"], result.outlines


def test_should_failure_is_a_warning_and_the_verdict_exits_0(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result, summary = _run(pytester)
    assert summary is not None, result.outlines[-20:]
    assert _outcomes(summary) == {"ACCESS-SELF-D": "passed", "TOKEN-SELF-C": "failed", "LOGIN-SELF-B": "passed",
                                  "LOGIN-SELF-A": "passed"}
    assert result.ret == 0, result.outlines[-20:]


def test_must_failure_exits_1(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=MUST_FAILS)
    result, summary = _run(pytester)
    assert summary is not None and _outcomes(summary) == {"LOGIN-SELF-E": "failed"}
    assert result.ret == 1, result.outlines[-20:]


def test_check_and_skip_check_select_by_id_and_report_the_rest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result, summary = _run(pytester, "--check", "LOGIN-*", "--skip-check", "LOGIN-SELF-A")
    assert summary is not None, result.outlines[-20:]
    assert _outcomes(summary) == {"LOGIN-SELF-B": "passed", "LOGIN-SELF-A": "not_selected",
                                  "TOKEN-SELF-C": "not_selected", "ACCESS-SELF-D": "not_selected"}
    assert result.ret == 0


def test_k_selects_by_check_id(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result, summary = _run(pytester, "-k", "TOKEN-SELF-C")
    assert summary is not None, result.outlines[-20:]
    assert _outcomes(summary)["TOKEN-SELF-C"] == "failed"
    assert {o for i, o in _outcomes(summary).items() if i != "TOKEN-SELF-C"} == {"not_selected"}


def test_a_glob_that_matches_no_check_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """A typo must not quietly shrink what a gate checks: nothing runs and the run exits 2."""
    pytester.makepyfile(test_suite=SUITE)
    result, summary = _run(pytester, "--check", "LOGIN-SELF-TYPO")
    assert result.ret == 2, result.outlines[-20:]
    assert summary is not None and set(_outcomes(summary).values()) == {"not_selected"}


def test_a_missing_profile_exits_2(pytester: pytest.Pytester) -> None:
    """The one subprocess here: pytest.exit() at configure time cannot be caught by an in-process run."""
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("--profile", str(pytester.path / "nope.yaml"), "-p", "no:cacheprovider")
    assert result.ret == 2
    assert "no such profile file or built-in profile" in "\n".join(result.outlines + result.errlines)


def test_an_after_cycle_is_refused(pytester: pytest.Pytester) -> None:
    """Two checks that wait for each other are a declaration error, not a silent order."""
    pytester.makepyfile(test_suite='''
from authconform.checks import check

@check("LOGIN-SELF-X", severity="must", requirement="test", phase="last", after=("LOGIN-SELF-Y",))
def test_x():
    """X."""

@check("LOGIN-SELF-Y", severity="must", requirement="test", phase="last", after=("LOGIN-SELF-X",))
def test_y():
    """Y."""
''')
    result, summary = _run(pytester)
    assert result.ret == 2, result.outlines[-20:]
    assert summary is not None and "checks wait for each other" in str(summary), summary


GC_SUITE = '''
import gc

from authconform import expect
from authconform.checks import check

@check("LOGIN-SELF-F", severity="must", requirement="test")
def test_f():
    """During the run the heap that collection built is frozen (out of the collector's full passes)."""
    if not gc.get_freeze_count():
        expect.fail("expected gc.freeze() after collection, got nothing frozen")
'''


def test_the_heap_is_frozen_during_the_run_and_given_back_after(pytester: pytest.Pytester) -> None:
    """pytest_collection_finish freezes it, pytest_unconfigure unfreezes it: many runs in one process leak nothing."""
    import gc

    assert gc.get_freeze_count() == 0
    pytester.makepyfile(test_suite=GC_SUITE)
    result, summary = _run(pytester)
    assert summary is not None and _outcomes(summary) == {"LOGIN-SELF-F": "passed"}, result.outlines[-20:]
    assert gc.get_freeze_count() == 0
