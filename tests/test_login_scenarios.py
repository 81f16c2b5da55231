"""Every login scenario is sent once: checks that need the same answer share the recorded exchange.

A full run of each built-in profile against its clean embedded target is watched by a small plugin
(tests/login_scenario_dump.py) that groups the run's login requests by scenario
(``authconform.endpoints.scenarios``); a scenario sent twice, other than the repetitions declared in
``scenarios.REPEATED``, fails the test with the purposes of both requests. The grouping itself is
held to synthetic exchanges first, so the rule can be seen to fail.
"""

from __future__ import annotations

import json

import pytest

from authconform.endpoints import scenarios
from authconform.http.exchanges import Exchange
from authconform.profile import load_profile
from authconform.targets import FLAVOURS, environment
from tests.login_scenario_dump import ENVIRONMENT

FAST = ["--target-option", "hash_iterations=1000"]
BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def profile(monkeypatch_module):
    for name, value in environment("pch-sig", BASE).items():
        monkeypatch_module.setenv(name, value)
    return load_profile("pch-sig")


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _login(profile, body: str, purpose: str, headers=(("Content-Type", "application/json"),), query="") -> Exchange:
    url = f"{BASE}{profile.login.path}" + (f"?{query}" if query else "")
    return Exchange("POST", url, [("host", "127.0.0.1:8000"), *headers], body, purpose=purpose)


def _fields(profile, identity: str, password: str) -> str:
    fields = profile.login.fields
    return json.dumps({fields.identity: identity, fields.password: password})


def test_made_up_identities_and_passwords_are_one_scenario(profile):
    first = _login(profile, _fields(profile, "authconform-nobody-1a2b3c4d@x.org", "authconform-wrong-0123456789ab"),
                   "login as an unknown user")
    second = _login(profile, _fields(profile, "authconform-nobody-ffff0000@x.org", "authconform-wrong-ba9876543210"),
                    "login (unknown user) again")
    assert scenarios.scenario_of(first, profile) == scenarios.scenario_of(second, profile)
    assert scenarios.duplicates([first, second], profile) == {
        scenarios.scenario_of(first, profile): ["login as an unknown user", "login (unknown user) again"]}


def test_a_scenario_names_no_secret(profile):
    valid = profile.account("valid")
    exchange = _login(profile, _fields(profile, valid.identity, valid.password), "login (valid account)",
                      query=f"password={valid.password}")
    shown = scenarios.scenario_of(exchange, profile)
    assert valid.password not in shown and valid.identity not in shown
    assert "<valid password>" in shown and "<valid identity>" in shown


def test_different_requests_are_different_scenarios(profile):
    valid = profile.account("valid")
    wrong = _login(profile, _fields(profile, valid.identity, "authconform-wrong-0123456789ab"), "wrong password")
    unknown = _login(profile, _fields(profile, "authconform-nobody-1a2b3c4d", "authconform-wrong-0123456789ab"),
                     "unknown user")
    origin = _login(profile, _fields(profile, "authconform-nobody-1a2b3c4d", "authconform-wrong-0123456789ab"),
                    "unknown user from an arbitrary origin",
                    headers=(("Content-Type", "application/json"), ("Origin", "https://a.example")))
    keys = {scenarios.scenario_of(e, profile) for e in (wrong, unknown, origin)}
    assert len(keys) == 3
    assert scenarios.duplicates([wrong, unknown, origin], profile) == {}


def test_broken_json_is_one_scenario_however_it_is_cut(profile):
    first = _login(profile, '{"email": "authconform-nobody-1a2b3c4d", "password": ', "login with broken JSON")
    second = _login(profile, _fields(profile, "authconform-nobody-1a2b3c4d", "authconform-wrong-0123456789ab")[:-3],
                    "login with broken JSON (error hygiene)")
    assert list(scenarios.duplicates([first, second], profile).values()) == [
        ["login with broken JSON", "login with broken JSON (error hygiene)"]]


def test_declared_repetitions_are_allowed_and_say_why(profile):
    valid = profile.account("valid")
    body = _fields(profile, valid.identity, valid.password)
    shared = _login(profile, body, "login (valid account, shared by the run)")
    second = _login(profile, body, "second login (TOKEN-DISTINCT: is the token new?)")
    samples = [_login(profile, _fields(profile, "authconform-nobody-1a2b3c4d", "authconform-wrong-0123456789ab"),
                      f"timing sample {n} of 30: unknown user") for n in range(1, 4)]
    assert scenarios.duplicates([shared, second, *samples], profile) == {}
    assert "TOKEN-DISTINCT" in scenarios.declared_repeat(second.purpose)
    assert scenarios.declared_repeat(shared.purpose) is None
    assert all(why.strip() for why in scenarios.REPEATED.values())


def test_only_login_requests_count(profile):
    other = Exchange("POST", f"{BASE}/api/token/refresh", [], "{}", purpose="refresh")
    assert scenarios.by_scenario([other, other], profile) == {}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_full_run_sends_every_login_scenario_once(flavour, run_authconform, tmp_path):
    dump = tmp_path / "scenarios.json"
    outcome = run_authconform("run", "--profile", flavour, *FAST, "--", "-p", "tests.login_scenario_dump",
                              env={ENVIRONMENT: str(dump)})
    assert outcome.summary is not None and dump.is_file(), outcome.output[-3000:]
    found = json.loads(dump.read_text())
    assert found["login_requests"] > 20 and len(found["scenarios"]) > 10  # the run did log in, many ways
    assert found["duplicates"] == {}, (
        f"{flavour}: login scenarios sent more than once without a declared reason (share the answer through a "
        f"fixture, or declare the repetition in authconform.endpoints.scenarios.REPEATED): "
        + "; ".join(f"{scenario} <- {purposes}" for scenario, purposes in found["duplicates"].items()))
