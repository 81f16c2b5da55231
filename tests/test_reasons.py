"""One reason per failed check: report.html, summary.json, junit.xml and results.sarif say the same words.

The reason is worked out once (``authconform.report.results.reason_of``) and every writer reads it.
Before, summary.json and SARIF kept the first ``E   `` line while report.html joined them all, so
a multi-line finding read differently in CI than in the report. The run below has failures with
multi-line reasons and reasons longer than junit's 500-character message budget.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from authconform.report.results import REASON_CHARS, reason_of
from tests.conftest import authconform

DEFECTS = ["password-echo", "500-on-malformed-json", "unknown-user-404"]
WARNING_BADGE = "<span class='ac-warn'>warning</span> "
GATE_BLOCKS = re.compile(r"<div class='ac-(?:remediation|waiver)'>.*", re.S)  # they follow the reason in its cell


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    args = ["run", "--profile", "pch-sig", "--target-option", "hash_iterations=1000",
            "--target-option", "hardened=true"]
    for defect in DEFECTS:
        args += ["--defect", defect]
    outcome = authconform(*args, report_dir=tmp_path_factory.mktemp("reasons") / "report")
    assert outcome.summary is not None, outcome.output[-3000:]
    return outcome


def _failed(run) -> dict[str, str]:
    return {c["id"]: c["reason"] for c in run.summary["checks"] if c["outcome"] in ("failed", "error")}


def _html_reasons(run) -> dict[str, str]:
    page = (run.report_dir / "report.html").read_text(encoding="utf-8")
    blob = json.loads(html.unescape(re.search(r'data-jsonblob="([^"]*)"', page).group(1)))
    reasons = {}
    for tests in blob["tests"].values():
        for test in tests:
            row = "".join(test["resultsTableRow"])
            check = re.search(r'col-testId">([^<]+)<', row).group(1)
            cell = re.search(r"<td class='col-reason'>(.*?)</td>", row, re.S).group(1)
            cell = GATE_BLOCKS.sub("", cell)  # the reason, without the how-to-fix and waiver blocks under it
            reasons[check] = html.unescape(cell.removeprefix(WARNING_BADGE))
    return reasons


def _junit_reasons(run) -> dict[str, str]:
    reasons = {}
    for case in ET.parse(run.report_dir / "junit.xml").getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        if "check_id" in props and (case.find("failure") is not None or case.find("error") is not None):
            reasons[props["check_id"]] = props.get("reason")
    return reasons


def _sarif_reasons(run) -> dict[str, str]:
    log = json.loads((run.report_dir / "results.sarif").read_text(encoding="utf-8"))
    return {r["ruleId"]: r["message"]["text"].removeprefix("the check itself broke: ")
            for r in log["runs"][0]["results"]}


def test_the_run_has_reasons_worth_comparing(run):
    """Guards the comparison below against passing on an easy run: long and multi-line reasons are in it."""
    failed = _failed(run)
    assert {"LOGIN-OK-NO-PASSWORD-ECHO", "LOGIN-401-UNKNOWN-USER", "LOGIN-MALFORMED-JSON"} <= set(failed), failed
    assert any("\n" in reason for reason in failed.values()), "expected a multi-line reason, got none"
    assert any(len(reason) > 500 for reason in failed.values()), "expected a reason over junit's 500 characters"


@pytest.mark.parametrize("where", ["report.html", "junit.xml", "results.sarif"])
def test_every_failed_check_has_the_same_reason_everywhere(run, where):
    expected = _failed(run)
    found = {"report.html": _html_reasons, "junit.xml": _junit_reasons, "results.sarif": _sarif_reasons}[where](run)
    for check, reason in expected.items():
        assert reason, f"expected a reason for {check} in summary.json, got none"
        assert found.get(check) == reason, (f"expected {check}'s reason in {where} to be summary.json's "
                                            f"{reason!r}, got {found.get(check)!r}")


def _report(outcome: str, longrepr) -> SimpleNamespace:
    return SimpleNamespace(outcome=outcome, passed=outcome == "passed", skipped=outcome == "skipped",
                           longrepr=longrepr)


def test_reason_rule_in_its_parts():
    """Skip reasons lose pytest's prefix; tracebacks give their E lines; findings lose the location line."""
    assert reason_of(_report("passed", None)) == ""
    assert reason_of(_report("skipped", ("x.py", 3, "Skipped: no disabled account"))) == "no disabled account"
    traceback = "def test():\n>   assert a\nE   AssertionError: first\nE   second\n\nx.py:4: AssertionError"
    assert reason_of(_report("failed", traceback)) == "AssertionError: first second"
    assert reason_of(_report("failed", "expected 401, got 200\nwith a token\n[test_login.py:98]")) == (
        "expected 401, got 200\nwith a token")
    long = reason_of(_report("failed", "x" * (REASON_CHARS + 50)))
    assert long == "x" * REASON_CHARS + " …"
