"""Many targets at once: ``authconform run --profile A --profile B --profile C --jobs 2``.

One real fleet run over the three embedded targets (each its own process, server, report folder), with a
defect switched on in one of them: that run alone fails, the exit code is the worst of the runs, and the
compare matrix is written. The rest checks the pieces that need no server: folders of profiles, target
names, per-target defects, and the progress read from pytest's own output.
"""

from __future__ import annotations

import json

import pytest

from authconform import fleet
from tests.conftest import authconform

FAST = ["--target-option", "hash_iterations=1000"]
# the access and login checks are enough to see each run's own verdict, and keep three runs short
SOME = ["--check", "ACCESS-*", "--check", "LOGIN-*"]


@pytest.mark.slow
def test_three_targets_two_at_a_time(tmp_path):
    outcome = authconform("run", "--profile", "pch-sig", "--profile", "chamilo", "--profile", "invoiceninja",
                          "--jobs", "2", *FAST, *SOME, "--defect", "chamilo:accepts-alg-none", report_dir=tmp_path)
    assert outcome.code == 1, f"expected exit 1, the worst of the runs (chamilo's defect), got {outcome.code}:\n" \
                              f"{outcome.output[-3000:]}"
    failed = {}
    for name in ("pch-sig", "chamilo", "invoiceninja"):
        folder = tmp_path / name
        for file in ("report.html", "summary.json", "junit.xml", fleet.LOG_NAME):
            assert (folder / file).is_file(), f"expected {folder / file}"
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["profile"] == name
        failed[name] = {c["id"] for c in summary["checks"] if c["outcome"] in ("failed", "error")}
    assert failed == {"pch-sig": set(), "chamilo": {"ACCESS-ALG-NONE"}, "invoiceninja": set()}, failed
    matrix = json.loads((tmp_path / "compare" / "compare.json").read_text())
    assert matrix["exit_code"] == 0  # different profiles: a matrix, no regressions
    assert (tmp_path / "compare" / "compare.html").is_file() and (tmp_path / "compare" / "compare.md").is_file()
    # one progress line per target ends with its exit code and verdict
    ends = {line.split()[0]: line.split()[2] for line in outcome.output.splitlines()
            if line.split()[:1] and line.split()[0] in failed and line.split()[1:2] == ["exit"]}
    assert ends == {"pch-sig": "0", "chamilo": "1", "invoiceninja": "0"}, outcome.output[:2000]
    assert "chamilo       exit 1  not conformant" in outcome.output
    assert "matrix: " in outcome.output


def test_a_folder_stands_for_its_profiles(tmp_path):
    for name in ("b.yaml", "a.yml", "notes.txt"):
        (tmp_path / name).write_text("name: x\n")
    assert fleet.expand([str(tmp_path), "pch-sig"]) == [str(tmp_path / "a.yml"), str(tmp_path / "b.yaml"), "pch-sig"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(fleet.FleetProblem, match="no profile"):
        fleet.expand([str(tmp_path / "empty")])


def test_every_target_gets_its_own_name():
    assert fleet.target_names(["pch-sig", "x/pch-sig.yaml", "y/chamilo.yml", "pch-sig"]) == \
        ["pch-sig", "pch-sig-2", "chamilo", "pch-sig-3"]


def test_a_defect_can_be_meant_for_one_target():
    common, own = fleet.split_defects(["slow-hash", "chamilo:accepts-alg-none"], ["pch-sig", "chamilo"])
    assert common == ["slow-hash"] and own == {"pch-sig": [], "chamilo": ["accepts-alg-none"]}
    with pytest.raises(fleet.FleetProblem, match="no target is called nope"):
        fleet.split_defects(["nope:accepts-alg-none"], ["pch-sig"])


def test_progress_is_read_from_pytest_output(tmp_path):
    member = fleet.Member(profile="p", name="p", folder=tmp_path, argv=[])
    for line in ["collected 10 items", "", "suites/test_token.py .                  [ 10%]",
                 "suites/test_access.py ..F.sE                                 [ 70%]",
                 "==== 2 failed, 7 passed, 1 skipped in 3.20s ====",
                 "================= authconform =================", "verdict   not conformant: 2 gate failures",
                 "report    x/report.html"]:
        member.read(line + "\n")
    assert (member.collected, member.done, member.failed, member.percent) == (10, 7, 2, 70)
    assert member.summary == "2 failed, 7 passed, 1 skipped in 3.20s"
    assert member.verdict == "not conformant: 2 gate failures"
    assert member.verdict_block[-1] == "report    x/report.html"


def test_a_bad_jobs_value_is_a_usage_error(run_authconform):
    outcome = run_authconform("run", "--profile", "pch-sig", "--profile", "chamilo", "--jobs", "0")
    assert outcome.code == 2 and "--jobs must be at least 1" in outcome.output


def test_a_run_that_cannot_start_counts_as_its_exit_code(tmp_path):
    """A missing profile is that run's usage error (exit 2): the fleet's exit code, named on its line."""
    outcome = authconform("run", "--profile", "pch-sig", "--profile", str(tmp_path / "nope.yaml"), "--jobs", "2",
                          *FAST, "--check", "TOKEN-STRUCTURE", report_dir=tmp_path / "fleet")
    assert outcome.code == 2, outcome.output[-2000:]
    assert (tmp_path / "fleet" / "pch-sig" / "summary.json").is_file()
    line = next(line for line in outcome.output.splitlines() if line.startswith("nope ") and " exit " in line)
    assert "exit 2  no verdict:" in line and "no such profile file" in line, line
