"""Verdicts on real servers nobody on this project wrote: SimpleJWT and flask-jwt-extended.

Each peer (tests/peers/) is a small app on the real framework, installed from PyPI at pinned
versions (the ``peers`` extra), started once on loopback. Every suite runs against it with its
built-in profile, and the run's verdict must be exactly the table below: for each check, whether it
passes, is skipped (and why) or fails, and for a failure the framework behaviour that justifies it.
A check missing from a table fails the test, so a new check forces a decision; a failure that the
framework's documented and observed behaviour does not explain is a harness bug, not a table entry.

Every finding in a table also has a probe: a direct request to the server, without the harness,
that shows the behaviour the finding reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import Outcome, authconform

pytest.importorskip("rest_framework_simplejwt", reason="the peers extra is not installed: pip install -e '.[peers]'")
pytest.importorskip("flask_jwt_extended", reason="the peers extra is not installed: pip install -e '.[peers]'")

from tests.peers.launch import Peer, start  # noqa: E402  (after the skips: it needs no extra, the servers do)

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Verdict:
    outcome: str  # passed | failed | skipped
    why: str  # the framework behaviour (documented and observed) behind the outcome
    reason: str = ""  # text the run's reason must contain (for a skip or a finding)


def passes(why: str = "") -> Verdict:
    return Verdict("passed", why)


def finding(reason: str, why: str) -> Verdict:
    return Verdict("failed", why, reason)


def skipped(reason: str, why: str = "") -> Verdict:
    return Verdict("skipped", why, reason)


# --- Django REST framework + SimpleJWT ------------------------------------------------------------

SIMPLEJWT: dict[str, Verdict] = {
    "LOGIN-OK-STATUS": passes("TokenObtainPairView answers 200"),
    "LOGIN-OK-CONTENT-TYPE": passes("DRF's JSONRenderer: application/json"),
    "LOGIN-OK-SCHEMA": passes('{"refresh", "access"}'),
    "LOGIN-OK-TOKEN": passes("/access is the HS256 access token"),
    "LOGIN-OK-NO-PASSWORD-ECHO": passes("the serializer's password field is write_only"),
    "LOGIN-MISSING-FIELD": passes('400 {"password": ["This field is required."]}'),
    "LOGIN-EMPTY-BODY": passes("400 naming both required fields"),
    "LOGIN-MALFORMED-JSON": passes('400 {"detail": "JSON parse error - ..."}'),
    "LOGIN-WRONG-TYPE": finding(
        "got 401",
        "DRF's CharField coerces a JSON number to a string (documented: CharField accepts str, int and float), so "
        "12345 as username or password is tried as the credential '12345' and answered 401; only lists, objects "
        "and booleans get 400 'Not a valid string.'"),
    "LOGIN-NO-5XX": passes("every malformed input gets a 4xx (400, 401 or 415)"),
    "LOGIN-401-BAD-PASSWORD": passes('401 {"detail": "No active account found with the given credentials"}'),
    "LOGIN-401-UNKNOWN-USER": passes("the same 401"),
    "LOGIN-401-SAME-MESSAGE": passes("one message for both"),
    "LOGIN-DISABLED-REFUSED": passes("ModelBackend refuses is_active=False users: the same 401"),
}


def _probe_simplejwt_number_credentials(peer: Peer) -> None:
    answer = httpx.post(f"{peer.url}/api/token/", json={"username": 12345, "password": 12345})
    assert answer.status_code == 401, answer.text
    assert answer.json() == {"detail": "No active account found with the given credentials"}
    listed = httpx.post(f"{peer.url}/api/token/", json={"username": ["a"], "password": "x"})
    assert (listed.status_code, listed.json()) == (400, {"username": ["Not a valid string."]})


# --- Flask + flask-jwt-extended ---------------------------------------------------------------------

FLASK_JWT_EXTENDED: dict[str, Verdict] = {
    "LOGIN-OK-STATUS": passes("the documented login view answers 200"),
    "LOGIN-OK-CONTENT-TYPE": passes("jsonify: application/json"),
    "LOGIN-OK-SCHEMA": passes('{"access_token", "refresh_token"}'),
    "LOGIN-OK-TOKEN": passes("/access_token is the RS256 access token"),
    "LOGIN-OK-NO-PASSWORD-ECHO": passes(),
    "LOGIN-MISSING-FIELD": passes('400 {"msg": "Missing password parameter"}'),
    "LOGIN-EMPTY-BODY": passes('400 {"msg": "Missing JSON in request"}'),
    "LOGIN-MALFORMED-JSON": passes('400 {"msg": "Missing JSON in request"}'),
    "LOGIN-WRONG-TYPE": passes("the view takes only non-empty strings"),
    "LOGIN-NO-5XX": passes(),
    "LOGIN-401-BAD-PASSWORD": passes('401 {"msg": "Bad username or password"}'),
    "LOGIN-401-UNKNOWN-USER": passes("the same 401"),
    "LOGIN-401-SAME-MESSAGE": passes("one message for both"),
    "LOGIN-DISABLED-REFUSED": passes("a disabled user gets the same 401"),
}

TABLES = {"simplejwt": SIMPLEJWT, "flask-jwt-extended": FLASK_JWT_EXTENDED}
SECRETS = {
    "simplejwt": ("SIMPLEJWT_PASSWORD", "SIMPLEJWT_INACTIVE_PASSWORD", "SIMPLEJWT_SECRET_KEY"),
    "flask-jwt-extended": ("FLASK_JWT_PASSWORD", "FLASK_JWT_DISABLED_PASSWORD"),
}
PROBES: dict[tuple[str, str], Callable[[Peer], None]] = {
    ("simplejwt", "LOGIN-WRONG-TYPE"): _probe_simplejwt_number_credentials,
}


# --- fixtures: each server started once per module, each run made once --------------------------


@pytest.fixture(scope="module")
def peer(tmp_path_factory) -> Callable[[str], Peer]:
    started: dict[str, Peer] = {}

    def get(name: str) -> Peer:
        if name not in started:
            started[name] = start(name, tmp_path_factory.mktemp(f"{name}-server"))
        return started[name]

    yield get
    for server in started.values():
        server.stop()


@pytest.fixture(scope="module")
def verdict(peer, tmp_path_factory) -> Callable[[str], Outcome]:
    runs: dict[str, Outcome] = {}

    def get(name: str) -> Outcome:
        if name not in runs:
            server = peer(name)
            runs[name] = authconform(
                "run", "--profile", str(ROOT / "profiles" / f"{name}.yaml"), "--base-url", server.url, "--rps", "0",
                report_dir=tmp_path_factory.mktemp(f"{name}-report"), env=server.env, timeout=600)
        return runs[name]

    return get


def _results(outcome: Outcome) -> dict[str, list[dict]]:
    assert outcome.summary is not None, f"no summary.json; output:\n{outcome.output[-3000:]}"
    by_id: dict[str, list[dict]] = {}
    for result in outcome.summary["checks"]:
        by_id.setdefault(result["id"], []).append(result)
    return by_id


# --- tests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_verdict_is_exactly_the_table(name, verdict):
    """Every check of the run has a table entry, every entry ran, and each outcome (and reason) is the table's."""
    outcome = verdict(name)
    results, table = _results(outcome), TABLES[name]
    problems = [f"{check_id}: new check, no entry in the {name} table (decide: pass, skip or finding?); it "
                f"{r[0]['outcome']}: {r[0]['reason'][:300]}"
                for check_id, r in results.items() if check_id not in table]
    problems += [f"{check_id}: in the {name} table but not in the run" for check_id in table if check_id not in results]
    for check_id, expected in table.items():
        for result in results.get(check_id, []):
            if result["outcome"] != expected.outcome:
                problems.append(f"{check_id}: expected {expected.outcome} ({expected.why or expected.reason}), got "
                                f"{result['outcome']}: {result['reason'][:400]}")
            elif expected.reason and expected.reason not in result["reason"]:
                problems.append(f"{check_id}: {expected.outcome} as expected, but the reason lacks "
                                f"{expected.reason!r}: {result['reason'][:400]}")
    assert not problems, f"{name}: the verdict differs from the table:\n  " + "\n  ".join(problems)
    gate = any(v.outcome == "failed" and r["severity"] == "must"
               for check_id, v in table.items() for r in results.get(check_id, []))
    assert outcome.code == (1 if gate else 0), outcome.output[-2000:]


@pytest.mark.parametrize("name", TABLES)
def test_every_finding_has_a_probe(name):
    """A finding is only in a table with a direct probe of the server showing the behaviour it reports."""
    missing = [c for c, v in TABLES[name].items() if v.outcome == "failed" and (name, c) not in PROBES]
    assert not missing, f"{name}: findings without a probe: {missing}"
    unused = [c for (peer_name, c) in PROBES if peer_name == name and TABLES[name].get(c, passes()).outcome != "failed"]
    assert not unused, f"{name}: probes for checks that are not findings: {unused}"


@pytest.mark.parametrize(("name", "check_id"), list(PROBES), ids=[f"{n}:{c}" for n, c in PROBES])
def test_finding_is_the_framework_behaviour(name, check_id, peer):
    """Without the harness: the server really behaves as the finding says."""
    PROBES[(name, check_id)](peer(name))


@pytest.mark.parametrize("name", TABLES)
def test_reports_never_show_the_peer_secrets(name, verdict, peer):
    """Passwords and signing secrets of a real server stay out of every report file."""
    outcome = verdict(name)
    server = peer(name)
    secrets = [server.env[v] for v in SECRETS[name]]
    for file in outcome.report_dir.rglob("*"):
        if file.is_file():
            text = file.read_text(errors="replace")
            leaked = [v for v, s in zip(SECRETS[name], secrets, strict=True) if s in text]
            assert not leaked, f"{file.name} shows {leaked}"
