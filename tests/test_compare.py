"""Several runs side by side: the matrix of targets by checks, and the regression a CI gate must name.

The comparison reads only summary.json files, so most tests write small ones; two run authconform
for real: a clean run and a run with a defect of the same target (a regression, exit 1), and
``authconform run`` with two profiles (a report folder each, then the matrix).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from authconform.report import compare
from tests.conftest import ROOT, authconform

FAST = ["--target-option", "hash_iterations=1000"]


def _summary(folder: Path, profile: str, started: str, outcomes: dict[str, str], url: str = "http://t") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    checks = [{"id": check, "title": f"rule {check}", "severity": "should" if check.endswith("W") else "must",
               "area": "login", "requirement": "RFC 6749 §5.1", "outcome": outcome,
               "reason": f"{check} reason" if outcome != "passed" else ""}
              for check, outcome in outcomes.items()]
    data = {"profile": profile, "started": started, "target": {"url": url}, "verdict": "whatever", "checks": checks}
    path = folder / "summary.json"
    path.write_text(json.dumps(data))
    return path


def test_changes_between_runs_of_one_profile(tmp_path):
    before = _summary(tmp_path / "a", "pch-sig", "2026-01-01T10:00:00Z",
                      {"LOGIN-A": "passed", "LOGIN-B": "failed", "LOGIN-C": "skipped", "LOGIN-D": "passed"})
    after = _summary(tmp_path / "b", "pch-sig", "2026-01-02T10:00:00Z",
                     {"LOGIN-A": "failed", "LOGIN-B": "passed", "LOGIN-C": "error", "LOGIN-D": "passed",
                      "LOGIN-E": "failed"})
    # Given newest first: the order of the runs comes from their start times, not from the command line.
    result = compare.compare([compare.load(after), compare.load(before.parent)])
    kinds = {c.check: c.kind for c in result.changes}
    assert kinds == {"LOGIN-A": "regression", "LOGIN-C": "regression", "LOGIN-B": "fixed", "LOGIN-E": "new check"}
    assert result.exit_code() == 1
    assert result.gate_line() == "2 regressions: LOGIN-A, LOGIN-C"
    assert [t.label for t in result.targets] == ["pch-sig 2026-01-02T10:00:00Z", "pch-sig 2026-01-01T10:00:00Z"]


def test_different_profiles_are_a_matrix_without_regressions(tmp_path):
    one = _summary(tmp_path / "a", "pch-sig", "2026-01-01T10:00:00Z", {"LOGIN-A": "passed", "LOGIN-B": "failed"})
    two = _summary(tmp_path / "b", "chamilo", "2026-01-01T10:00:00Z", {"LOGIN-A": "failed", "LOGIN-W": "skipped"})
    result = compare.compare([compare.load(one), compare.load(two)])
    assert result.changes == [] and result.exit_code() == 0
    assert "nothing to compare" in result.gate_line()
    assert [c["id"] for c in result.checks] == ["LOGIN-A", "LOGIN-B", "LOGIN-W"]
    text = compare.terminal_text(result)
    matrix_row = next(line for line in text.splitlines() if line.startswith("LOGIN-W"))
    assert matrix_row.split()[2:] == ["·", "skip"], "a check one run did not have shows as not run"


def test_files_name_the_regression(tmp_path):
    before = _summary(tmp_path / "a", "t", "2026-01-01T10:00:00Z", {"LOGIN-A": "passed"})
    after = _summary(tmp_path / "b", "t", "2026-01-02T10:00:00Z", {"LOGIN-A": "failed"})
    (tmp_path / "b" / "report.html").write_text("<html></html>")
    files = compare.write(compare.compare([compare.load(before), compare.load(after)]), tmp_path / "out")
    page = files["html"].read_text()
    assert "class='o failed regression'" in page and "1 regression: LOGIN-A" in page
    assert "href='../b/report.html'" in page, "each run links to its own report, relatively"
    assert "**FAIL (regression)**" in files["markdown"].read_text()
    assert json.loads(files["json"].read_text())["regressions"] == ["LOGIN-A"]


def test_unreadable_summary_is_a_usage_error(tmp_path):
    (tmp_path / "summary.json").write_text("{not json")
    done = subprocess.run([sys.executable, "-m", "authconform", "compare", str(tmp_path), str(tmp_path / "none")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert "not JSON" in done.stderr


def test_ci_gate_names_the_regression_and_exits_1(tmp_path):
    clean = authconform("run", "--profile", "pch-sig", *FAST, report_dir=tmp_path / "clean")
    broken = authconform("run", "--profile", "pch-sig", *FAST, "--defect", "password-hash-in-claims",
                         report_dir=tmp_path / "broken")
    assert clean.code == 0 and broken.code == 1, broken.output[-2000:]
    done = subprocess.run([sys.executable, "-m", "authconform", "compare", str(tmp_path / "clean"),
                           str(tmp_path / "broken" / "summary.json"), "--output", str(tmp_path / "cmp")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "REGRESSION: TOKEN-FORBIDDEN-CLAIMS (must)" in done.stdout
    assert done.stdout.strip().splitlines()[-2] == "1 regression: TOKEN-FORBIDDEN-CLAIMS"
    assert "TOKEN-FORBIDDEN-CLAIMS" in (tmp_path / "cmp" / "compare.md").read_text()

    same = subprocess.run([sys.executable, "-m", "authconform", "compare", str(tmp_path / "clean"),
                           str(tmp_path / "clean"), "--output", str(tmp_path / "cmp2")],
                          capture_output=True, text=True, cwd=ROOT)
    assert same.returncode == 0, same.stdout


@pytest.mark.slow
def test_run_with_several_profiles_writes_a_report_each_and_a_matrix(tmp_path):
    outcome = authconform("run", "--profile", "pch-sig", "--profile", "chamilo", *FAST, report_dir=tmp_path)
    assert outcome.code == 0, outcome.output[-3000:]
    for name in ("pch-sig", "chamilo"):
        assert (tmp_path / name / "report.html").is_file() and (tmp_path / name / "summary.json").is_file()
    page = (tmp_path / "compare" / "compare.html").read_text()
    assert "<th>pch-sig</th>" in page and "<th>chamilo</th>" in page
    assert "matrix: " in outcome.output
