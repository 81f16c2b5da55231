"""Severity that cites a MUST: every check says why it has its severity, and a conditional one resolves per profile.

The catalogue's promise (DESIGN.md "must cites a MUST"): a check is ``must`` only where its requirement says
MUST/SHALL for this kind of endpoint or the profile states the behaviour, and each check carries that reason.
``must_when`` names the profile field that raises a ``should`` check to ``must`` (SEC-NO-STORE for an OAuth 2.0
token endpoint); the run-level proof, through the gate and summary.json, is in tests/test_conformance.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from authconform.checks import catalogue, profile_value
from authconform.profile import Profile, profile_schema
from tests.conftest import ROOT

OAUTH = "login.oauth_token_endpoint"


def _schema_has(dotted: str) -> bool:
    node = profile_schema()
    for part in dotted.split("."):
        node = node.get("properties", {}).get(part)
        if node is None:
            return False
        if "$ref" in node:
            node = profile_schema()["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return True


def test_every_check_gives_the_reason_for_its_severity():
    checks = catalogue()
    missing = [c.id for c in checks if len(c.why) < 20]
    assert not missing, f"checks without a severity reason (@check(..., why=...)): {missing}"
    assert not [c.id for c in checks if "|" in c.why], "a | in a reason breaks the README's markdown table"


def test_must_checks_cite_a_must_or_the_profile():
    """A must's reason names the MUST/SHALL it rests on, or the profile field that states the behaviour."""
    vague = [c.id for c in catalogue() if c.severity == "must"
             and not any(word in c.why for word in ("MUST", "SHALL", "profile", "RFC"))]
    assert not vague, f"must checks whose reason cites neither a MUST nor the profile: {vague}"


def test_conditional_severities_name_real_profile_fields():
    conditional = {c.id: c.must_when for c in catalogue() if c.must_when}
    assert {"SEC-NO-STORE", "REFRESH-NO-STORE"} <= set(conditional)
    assert all(conditional[i] == OAUTH for i in ("SEC-NO-STORE", "REFRESH-NO-STORE"))
    unknown = {i: f for i, f in conditional.items() if not _schema_has(f)}
    assert not unknown, f"must_when names fields the profile schema does not have: {unknown}"
    assert all(c.severity != "must" for c in catalogue() if c.must_when)


@pytest.mark.parametrize(("declared", "expected"), [(True, "must"), (False, "should"), (None, "should")])
def test_severity_for_follows_the_profile(declared, expected):
    login = {"path": "/login"} if declared is None else {"path": "/login", "oauth_token_endpoint": declared}
    profile = Profile({"login": login}, None)
    no_store = next(c for c in catalogue() if c.id == "SEC-NO-STORE")
    assert no_store.severity_for(profile) == expected
    assert no_store.severity_label == f"should; must when {OAUTH}"
    always = next(c for c in catalogue() if c.id == "ACCESS-ALG-NONE")
    assert always.severity_for(profile) == "must" and always.severity_label == "must"


def test_a_misspelt_profile_field_fails_loudly():
    with pytest.raises(AttributeError):
        profile_value(Profile({"login": {"path": "/login"}}, None), "login.oauth_token_endpiont")
    assert profile_value(Profile({}, None), "refresh.rotation") is None  # a section left out reads as unset


def _list(form: str) -> str:
    done = subprocess.run([sys.executable, "-m", "authconform", "list", "--format", form],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    return done.stdout


def test_list_shows_the_reason_and_the_condition_in_every_format():
    table = _list("table")
    assert f"must when {OAUTH}" in table and "why should: RFC 6749 §5.1" in table
    rows = {line.split("|")[1].strip(" `"): line for line in _list("markdown").splitlines()[2:]}
    assert f"| should; must when {OAUTH} |" in rows["SEC-NO-STORE"]
    assert "RFC 9110 §9.3.3" in rows["SEC-NO-STORE"]
    entries = {c["id"]: c for c in json.loads(_list("json"))}
    assert entries["SEC-NO-STORE"]["severity"] == "should" and entries["SEC-NO-STORE"]["must_when"] == OAUTH
    assert entries["ACCESS-EXPIRED"]["why"].startswith("RFC 7519 §4.1.4")

