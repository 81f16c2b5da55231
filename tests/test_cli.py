"""The CLI as a user drives it: serve a reference target in one process, run against it from another."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from authconform.targets import DEFECTS
from tests.conftest import REAL_FINDINGS, ROOT

SERVED = [("pch-sig", "200-on-wrong-password", "LOGIN-401-BAD-PASSWORD"),
          ("chamilo", "different-message-for-unknown-user", "LOGIN-401-UNKNOWN-USER"),
          ("invoiceninja", "disabled-account-logs-in", "LOGIN-DISABLED-REFUSED")]


def _serve(flavour: str, *defects: str) -> tuple[subprocess.Popen, str, dict[str, str]]:
    # hardened: the stock target's header warnings (what the real systems earn) stay out of the defect's checks
    args = [sys.executable, "-m", "authconform", "serve", "--flavour", flavour, "--port", "0",
            "--target-option", "hash_iterations=1000", "--target-option", "hardened=true"]
    for defect in defects:
        args += ["--defect", defect]
    server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    env: dict[str, str] = {}
    url = ""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        if match := re.search(r" at (http://\S+)", line):
            url = match.group(1)
        if match := re.match(r"\s+export (\w+)=(.*)$", line):
            env[match.group(1)] = match.group(2)
            if "TARGET_URL" in env and len(env) >= 5:
                break
    assert url, "authconform serve printed no URL"
    return server, url, env


@pytest.mark.parametrize(("flavour", "defect", "check_id"), SERVED, ids=[s[0] for s in SERVED])
def test_run_against_a_served_defective_target_names_the_check(flavour, defect, check_id, run_authconform):
    server, url, env = _serve(flavour, defect)
    try:
        outcome = run_authconform("run", "--profile", flavour, "--base-url", url, "--rps", "0", env=env)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert outcome.code == 1, outcome.output[-2000:]
    assert check_id in outcome.output
    assert check_id in outcome.failed
    # the real system's own findings (Invoice Ninja takes credentials from the query string) come on top
    assert outcome.failed - REAL_FINDINGS.get(flavour, set()) == set(DEFECTS[defect].breaks[flavour])
    assert outcome.summary["target"]["embedded"] is False


def test_run_without_arguments_uses_the_embedded_pch_sig_target(tmp_path):
    done = subprocess.run([sys.executable, "-m", "authconform", "run", "--target-option", "hash_iterations=1000"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != "TARGET_URL"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    reports = list((tmp_path / "reports").glob("pch-sig-*/summary.json"))
    assert len(reports) == 1
    summary = json.loads(reports[0].read_text())
    assert summary["verdict"].startswith("conformant")
    assert summary["target"] == {"url": summary["target"]["url"], "embedded": True, "flavour": "pch-sig",
                                 "defects": []}
    for name in ("report.html", "junit.xml"):
        assert (reports[0].parent / name).is_file()
    assert str(reports[0].parent.relative_to(tmp_path) / "report.html") in done.stdout


def test_list_prints_the_catalogue():
    done = subprocess.run([sys.executable, "-m", "authconform", "list", "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    checks = json.loads(done.stdout)
    assert {"LOGIN-401-BAD-PASSWORD", "LOGIN-NO-5XX"} <= {c["id"] for c in checks}
    assert all(c["severity"] in ("must", "should", "may") and c["requirement"] for c in checks)


def test_unknown_defect_is_a_usage_error(run_authconform):
    outcome = run_authconform("run", "--profile", "pch-sig", "--defect", "no-such-defect")
    assert outcome.code == 2
    assert "no-such-defect" in outcome.output and "Traceback" not in outcome.output


def test_init_writes_a_profile_that_loads(tmp_path):
    from authconform.profile import load_profile

    out = tmp_path / "mine.yaml"
    subprocess.run([sys.executable, "-m", "authconform", "init", "--name", "mine", "--output", str(out)],
                   check=True, cwd=ROOT, timeout=60)
    profile = load_profile(out, {"LOGIN_USER": "u", "LOGIN_PASSWORD": "p-123"})
    assert profile.name == "mine"


def test_a_selection_of_no_check_is_not_conformant(run_authconform):
    outcome = run_authconform("run", "--profile", "pch-sig", "-k", "NO_SUCH_CHECK_ANYWHERE",
                              "--target-option", "hash_iterations=1000")
    assert outcome.code == 2, outcome.output[-2000:]
    assert outcome.summary["verdict"].startswith("not checked: no check was selected")


@pytest.mark.parametrize(("defect", "code"), [(None, 0), ("200-on-wrong-password", 1)])
def test_plain_pytest_with_a_profile_works_the_same_way(defect, code, tmp_path):
    args = [sys.executable, "-m", "pytest", str(ROOT / "suites"), "-p", "no:cacheprovider", "-q",
            "--profile", "pch-sig", "--report-dir", str(tmp_path), "--target-option", "hash_iterations=1000",
            "--target-option", "hardened=true"]
    if defect:
        args += ["--defect", defect]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != "TARGET_URL"})
    assert done.returncode == code, done.stdout[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["exit_code"] == code
    if defect:
        assert {c["id"] for c in summary["checks"] if c["outcome"] == "failed"} == set(
            DEFECTS[defect].breaks["pch-sig"])


def test_list_defects_names_what_each_breaks():
    done = subprocess.run([sys.executable, "-m", "authconform", "list", "--defects", "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    rows = json.loads(done.stdout)
    assert {(r["flavour"], r["defect"]) for r in rows} >= {("pch-sig", "accepts-alg-none"),
                                                           ("invoiceninja", "secret-not-enforced")}
    assert all(r["breaks"] and r["description"] for r in rows)
