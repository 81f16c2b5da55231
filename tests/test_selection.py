"""Checks selected by ID, in `authconform run` and in plain pytest, on the embedded pch-sig target.

A check left out by ``-k``, ``--check`` or ``--skip-check`` must be reported as not selected (its own
outcome in summary.json, report.html, the terminal and SARIF), never as passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from authconform.checks import catalogue
from authconform.selection import Selection
from tests.conftest import ROOT, Outcome

FAST = ("--target-option", "hash_iterations=1000")
ALL_IDS = {c.id for c in catalogue(ROOT / "suites")}


def _ran(outcome: Outcome) -> set[str]:
    assert outcome.summary is not None, outcome.output[-3000:]
    return {c["id"] for c in outcome.summary["checks"] if c["outcome"] != "not_selected"}


def _assert_rest_not_selected(outcome: Outcome, ran: set[str]) -> None:
    """Every check that did not run is in summary.json as not selected, counted, and named in the verdict."""
    assert outcome.summary is not None
    left_out = outcome.ids("not_selected")
    assert left_out == ALL_IDS - ran, f"expected every unselected check reported as not selected, got {left_out}"
    assert outcome.summary["counts"]["total"]["not_selected"] == len(ALL_IDS - ran)
    assert f"{len(ALL_IDS - ran)} checks not selected" in outcome.summary["verdict"]
    assert all(reason.startswith("not selected") for reason in outcome.reasons("not_selected").values())


# --- the glob rules, without a target --------------------------------------------------------


def test_globs_match_ids_case_insensitively():
    wanted = Selection(check=["access-*", "SEC-NO-STORE"], skip_check=["ACCESS-ALG-*"])
    assert wanted.why_left_out("ACCESS-NO-TOKEN") is None
    assert wanted.why_left_out("SEC-NO-STORE") is None
    assert wanted.why_left_out("ACCESS-ALG-NONE") == "not selected: --skip-check ACCESS-ALG-*"
    assert "matches no --check" in wanted.why_left_out("TOKEN-TYP")
    assert "matches no --check" in wanted.why_left_out(None)  # a test that is not a check
    assert Selection(skip_check=["TOKEN-*"]).why_left_out(None) is None


def test_a_pattern_that_matches_no_check_is_named():
    wanted = Selection(check=["ACESS-*", "TOKEN-TYP"], skip_check=["NOPE"])
    assert wanted.unmatched(["ACCESS-NO-TOKEN", "TOKEN-TYP"]) == ["--check 'ACESS-*'", "--skip-check 'NOPE'"]


# --- authconform run ---------------------------------------------------------------------------


def test_cli_k_selects_a_check_by_its_id(run_authconform):
    outcome = run_authconform("run", "-k", "SEC-ENUM-TIMING", *FAST)
    assert _ran(outcome) == {"SEC-ENUM-TIMING"}, outcome.output[-3000:]
    _assert_rest_not_selected(outcome, {"SEC-ENUM-TIMING"})
    assert outcome.summary["selection"]["keyword"] == "SEC-ENUM-TIMING"
    assert "not selected: left out by -k 'SEC-ENUM-TIMING'" in outcome.reasons("not_selected").values()


def test_cli_k_expression_of_ids(run_authconform):
    outcome = run_authconform("run", "-k", "TOKEN and not TOKEN-DISTINCT", *FAST)
    ran = _ran(outcome)
    token_checks = {i for i in ALL_IDS if i.startswith("TOKEN-")}
    assert token_checks - {"TOKEN-DISTINCT"} <= ran, f"expected every TOKEN-* check but TOKEN-DISTINCT, got {ran}"
    assert "TOKEN-DISTINCT" not in ran
    _assert_rest_not_selected(outcome, ran)
    assert outcome.code == 0, outcome.output[-3000:]


def test_cli_check_and_skip_check_globs(run_authconform):
    outcome = run_authconform("run", "--check", "ACCESS-*", "--check", "sec-no-store", "--skip-check",
                              "ACCESS-ALG-NONE", *FAST)
    expected = {i for i in ALL_IDS if i.startswith("ACCESS-")} - {"ACCESS-ALG-NONE"} | {"SEC-NO-STORE"}
    assert _ran(outcome) == expected, outcome.output[-3000:]
    _assert_rest_not_selected(outcome, expected)
    reasons = {c["id"]: c["reason"] for c in outcome.summary["checks"]}
    assert reasons["ACCESS-ALG-NONE"] == "not selected: --skip-check ACCESS-ALG-NONE"
    assert reasons["TOKEN-TYP"].startswith("not selected: its ID matches no --check")
    assert outcome.code == 0, outcome.output[-3000:]
    assert "not selected" in outcome.output  # the terminal summary's severity rows


def test_a_check_left_out_is_never_a_pass(run_authconform):
    """With the defect that breaks ACCESS-ALG-NONE: left out, it is not selected (not passed); selected, it fails."""
    skipped = run_authconform("run", "--check", "ACCESS-*", "--skip-check", "ACCESS-ALG-NONE",
                              "--defect", "accepts-alg-none", *FAST)
    assert skipped.code == 0, skipped.output[-3000:]
    assert "ACCESS-ALG-NONE" in skipped.ids("not_selected") and "ACCESS-ALG-NONE" not in skipped.ids("passed")
    sarif = json.loads((skipped.report_dir / "results.sarif").read_text())["runs"][0]
    assert "ACCESS-ALG-NONE" in sarif["properties"]["notSelected"]
    assert "/selected/" in sarif["automationDetails"]["id"], "a partial run must not close a full run's alerts"
    page = (skipped.report_dir / "report.html").read_text()
    assert "Not selected: " in page and "ACCESS-ALG-NONE" in page

    chosen = run_authconform("run", "--check", "ACCESS-ALG-NONE", "--defect", "accepts-alg-none", *FAST)
    assert chosen.code == 1, chosen.output[-3000:]
    assert chosen.failed == {"ACCESS-ALG-NONE"}


def test_a_glob_that_matches_nothing_is_a_usage_error(run_authconform):
    outcome = run_authconform("run", "--check", "ACESS-*", *FAST)
    assert outcome.code == 2, outcome.output[-3000:]
    assert outcome.summary["verdict"].startswith("not checked: --check 'ACESS-*' matches no check")
    assert outcome.ids("passed") == set()


def test_a_selection_that_leaves_nothing_stays_a_usage_error(run_authconform):
    outcome = run_authconform("run", "--skip-check", "*", *FAST)
    assert outcome.code == 2, outcome.output[-3000:]
    assert outcome.summary["verdict"].startswith("not checked: no check was selected")
    assert outcome.ids("not_selected") == ALL_IDS


# --- plain pytest --------------------------------------------------------------------------


def _plain_pytest(tmp_path: Path, *args: str) -> Outcome:
    report = tmp_path / "report"
    command = [sys.executable, "-m", "pytest", str(ROOT / "suites"), "-p", "no:cacheprovider", "-q",
               "--profile", "pch-sig", "--report-dir", str(report), *FAST, *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != "TARGET_URL"})
    summary_file = report / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.is_file() else None
    return Outcome(done.returncode, done.stdout + done.stderr, report, summary)


@pytest.mark.parametrize("form", [("-k", "SEC-ENUM-TIMING"), ("--check", "sec-enum-t*")])
def test_plain_pytest_selects_by_id(form, tmp_path):
    outcome = _plain_pytest(tmp_path, *form)
    assert _ran(outcome) == {"SEC-ENUM-TIMING"}, outcome.output[-3000:]
    _assert_rest_not_selected(outcome, {"SEC-ENUM-TIMING"})


def test_plain_pytest_k_expression_and_skip_check(tmp_path):
    outcome = _plain_pytest(tmp_path, "-k", "TOKEN and not TOKEN-DISTINCT", "--skip-check", "TOKEN-TYP")
    ran = _ran(outcome)
    assert {i for i in ALL_IDS if i.startswith("TOKEN-")} - {"TOKEN-DISTINCT", "TOKEN-TYP"} <= ran, ran
    assert not {"TOKEN-DISTINCT", "TOKEN-TYP"} & ran
    _assert_rest_not_selected(outcome, ran)
    assert outcome.code == 0, outcome.output[-3000:]


# --- compare: a check not selected was not run ------------------------------------------------


def test_compare_treats_not_selected_as_not_run(tmp_path):
    from authconform.report import compare

    def summary(name: str, started: str, outcomes: dict[str, str]) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        checks = [{"id": i, "title": i, "severity": "must", "area": "login", "requirement": "profile",
                   "outcome": o, "reason": ""} for i, o in outcomes.items()]
        (folder / "summary.json").write_text(json.dumps({"profile": "p", "started": started,
                                                         "target": {"url": "http://t"}, "checks": checks}))
        return folder

    first = summary("a", "2026-01-01T10:00:00Z", {"LOGIN-A": "not_selected", "LOGIN-B": "failed",
                                                  "LOGIN-C": "not_selected"})
    second = summary("b", "2026-01-02T10:00:00Z", {"LOGIN-A": "failed", "LOGIN-B": "not_selected"})
    result = compare.compare([compare.load(first), compare.load(second)])
    kinds = {c.check: c.kind for c in result.changes}
    # failing after a run that left it out is a first result, not a regression; left out after failing is not fixed
    assert kinds == {"LOGIN-A": "new check", "LOGIN-B": "not run"}
    assert result.exit_code() == 0
    assert "n/s" in compare.terminal_text(result)
