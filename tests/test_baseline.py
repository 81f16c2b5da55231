"""Baseline gating: with ``--baseline`` the gate fails only on checks that fail now and did not fail then.

The baseline run has the ``accepts-alg-none`` defect; a later run adds ``accepts-expired``. Only
ACCESS-EXPIRED is new, and it alone fails the gate; both failures stay visible and marked.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import authconform

FAST = ("--target-option", "hash_iterations=1000")
SOME = ("--check", "ACCESS-ALG-NONE", "--check", "ACCESS-EXPIRED", "--check", "ACCESS-NO-TOKEN")


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("baseline") / "pch-sig"
    outcome = authconform("run", "--profile", "pch-sig", "--defect", "accepts-alg-none", *SOME, *FAST,
                          report_dir=folder)
    assert outcome.code == 1 and outcome.failed == {"ACCESS-ALG-NONE"}, outcome.output[-3000:]
    return folder


def test_only_new_failures_fail_the_gate(baseline_dir, tmp_path):
    outcome = authconform("run", "--profile", "pch-sig", "--defect", "accepts-alg-none", "--defect",
                          "accepts-expired", "--baseline", str(baseline_dir / "summary.json"), *SOME, *FAST,
                          report_dir=tmp_path / "now")
    assert outcome.code == 1, outcome.output[-3000:]
    assert outcome.failed == {"ACCESS-ALG-NONE", "ACCESS-EXPIRED"}, "every failure is still reported"
    checks = {c["id"]: c for c in outcome.summary["checks"]}
    assert checks["ACCESS-EXPIRED"]["new"] is True and checks["ACCESS-ALG-NONE"]["new"] is False
    assert outcome.summary["baseline"]["new_failures"] == ["ACCESS-EXPIRED"]
    assert outcome.summary["baseline"]["known_failures"] == ["ACCESS-ALG-NONE"]
    assert "1 new gate failure" in outcome.summary["verdict"] and "1 known failure" in outcome.summary["verdict"]
    assert "new       ACCESS-EXPIRED: fails now and did not fail in the baseline" in outcome.output
    assert "new       ACCESS-ALG-NONE" not in outcome.output
    html = (outcome.report_dir / "report.html").read_text()
    assert "new failure" in html and "known (baseline)" in html
    # remediation is shown for the failures: summary.json, the report, SARIF rule help
    assert checks["ACCESS-EXPIRED"]["remediation"].startswith("Check `exp`")
    assert "How to fix" in html and "Check `exp` on every request" in html
    sarif = json.loads((outcome.report_dir / "results.sarif").read_text())["runs"][0]
    assert {r["ruleId"]: r["baselineState"] for r in sarif["results"]} == {"ACCESS-EXPIRED": "new",
                                                                         "ACCESS-ALG-NONE": "unchanged"}
    rules = {r["id"]: r for r in sarif["tool"]["driver"]["rules"]}
    assert "How to fix" in rules["ACCESS-EXPIRED"]["help"]["text"]
    assert "**How to fix:**" in rules["ACCESS-EXPIRED"]["help"]["markdown"]
    assert "Frameworks" in rules["ACCESS-EXPIRED"]["help"]["markdown"]


def test_known_failures_alone_pass_the_gate_but_stay_visible(baseline_dir, tmp_path):
    outcome = authconform("run", "--profile", "pch-sig", "--defect", "accepts-alg-none", "--baseline",
                          str(baseline_dir), *SOME, *FAST, report_dir=tmp_path / "now")
    assert outcome.code == 0, outcome.output[-3000:]
    assert outcome.failed == {"ACCESS-ALG-NONE"}, "a known failure is still a failure in the report"
    assert "1 known failure (baseline)" in outcome.summary["verdict"]
    assert "ACCESS-ALG-NONE (known)" in outcome.output


def test_a_folder_of_profile_runs_is_searched_by_profile(baseline_dir, tmp_path):
    root = tmp_path / "matrix"
    shutil.copytree(baseline_dir, root / "pch-sig")
    (root / "other").mkdir()
    other = json.loads((baseline_dir / "summary.json").read_text()) | {"profile": "chamilo", "checks": []}
    (root / "other" / "summary.json").write_text(json.dumps(other))
    outcome = authconform("run", "--profile", "pch-sig", "--defect", "accepts-alg-none", "--baseline", str(root),
                          *SOME, *FAST, report_dir=tmp_path / "now")
    assert outcome.code == 0, outcome.output[-3000:]


def test_a_baseline_of_another_profile_is_a_usage_error(baseline_dir, tmp_path):
    other = json.loads((baseline_dir / "summary.json").read_text()) | {"profile": "chamilo"}
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(other))
    outcome = authconform("run", "--profile", "pch-sig", "--baseline", str(path), *SOME, *FAST,
                          report_dir=tmp_path / "now")
    assert outcome.code == 2, outcome.output[-3000:]
    assert "not of profile pch-sig" in outcome.output


def test_a_missing_baseline_is_a_usage_error(tmp_path):
    outcome = authconform("run", "--profile", "pch-sig", "--baseline", str(tmp_path / "nope.json"), *SOME, *FAST,
                          report_dir=tmp_path / "now")
    assert outcome.code == 2 and "no such file" in outcome.output, outcome.output[-3000:]
