"""Hostile targets: a broken, slow, lying or redirecting server never crashes or hangs a run.

Each case runs ``authconform run`` (a subprocess, as CI would) against a small loopback server from
:mod:`tests.hostile` that misbehaves one way, with ``limits.timeout`` of one second, and asserts
what a CI job relies on: the right exit code (3 when the target cannot be reached at the start, 1
otherwise), a finish within a bound set by the profile's timeouts, the three report files, failing
checks whose reasons say what went wrong (never a traceback), and no secret in anything written.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile import behaviours
from tests.hostile.behaviours import LoginApi
from tests.hostile.leaks import leaks_in_run, search, traceback_in
from tests.hostile.server import RawServer

PASSWORD = "Hostile&Pass/w0rd+=?"
API_SECRET = "hostile-api-secret-3f9c2e/+="
TIMEOUT = 1.0
MAX_CONSECUTIVE_TIMEOUTS = 3
# Python start, pytest collection and the report writers, on a busy two-core machine.
STARTUP_ALLOWANCE = 25.0
# The checks' own work against a target that answers at once (a few hundred requests; reading and
# scanning 2 MB answers in the 10 MB case), on a busy machine.
WORK_ALLOWANCE = 20.0
# Inside the run: limits.timeout bounds a whole request, and only MAX_CONSECUTIVE_TIMEOUTS timed-out
# requests are ever sent (the preflight's among them); one more timeout of slack.
RUN_ALLOWANCE = TIMEOUT * (MAX_CONSECUTIVE_TIMEOUTS + 1) + WORK_ALLOWANCE

PROFILE = """\
name: hostile-{case}
base_url: http://127.0.0.1:9
login:
  path: {login}
  fields: {{identity: email, password: password}}
  success: {{token: /token, refresh_token: /refresh_token}}
  errors:
    missing_field:   {{status: 400, message: 'The key "{{field}}" must be provided.'}}
    malformed_body:  {{status: 400, message: Invalid JSON.}}
    wrong_type:      {{status: 400, message: 'The key "{{field}}" must be a string.'}}
    bad_credentials: {{status: 401, message: Invalid credentials.}}
accounts:
  valid: {{identity: '{identity}', password: '${{HOSTILE_PASSWORD}}'}}
token:
  format: jwt
  algorithms: [HS256]
  verify: {{jwks_url: '{origin}/.well-known/jwks.json'}}
  lifetime: 3600
  claims: {{required: [iat, exp, email], identity: email, forbidden: [password]}}
protected: {{path: {protected}, rejected_status: 401}}
refresh: {{path: /token/refresh, rotation: true}}
secret_header: {{name: X-API-SECRET, value: '${{HOSTILE_API_SECRET}}'}}
openapi: {{spec: /openapi.json, fuzz_examples: 3}}
limits:
  timeout: {timeout}
  requests_per_second: 0
  max_failed_logins: 3
  max_consecutive_timeouts: {max_timeouts}
"""


def write_profile(folder: Path, case: str, origin: str = "http://127.0.0.1:9") -> Path:
    """The profile for ``case``; its JWKS URL (fetched by the token checks) is on the hostile target too."""
    path = folder / f"hostile-{case}.yaml"
    path.write_text(PROFILE.format(case=case, login=behaviours.LOGIN_PATH, protected=behaviours.PROTECTED_PATH,
                                   origin=origin, identity=behaviours.IDENTITY, timeout=TIMEOUT,
                                   max_timeouts=MAX_CONSECUTIVE_TIMEOUTS), encoding="utf-8")
    return path


@dataclass
class Case:
    """One hostile target: how to serve it, the exit code and what the reasons must mention."""

    serve: Callable[[LoginApi, str], behaviours.Behaviour] | None
    exit_code: int
    reason: str
    tls: bool = False
    other_host: bool = False


CASES = {
    "html-error-page": Case(lambda api, _: behaviours.html_error_page(api), 1, "(text/html) <!DOCTYPE html>"),
    "500-stack-trace": Case(lambda api, _: behaviours.stack_trace(api), 1, "got 500 (text/html)"),
    "empty-body": Case(lambda api, _: behaviours.empty_body(api), 1, "(empty body)"),
    "invalid-json": Case(lambda api, _: behaviours.invalid_json(api), 1, "expected a JSON body"),
    "wrong-content-type": Case(lambda api, _: behaviours.wrong_content_type(api), 1,
                               "expected a JSON content type"),
    "10mb-body": Case(lambda api, _: behaviours.huge_body(api), 1, "larger than 2097152 bytes"),
    "slow-drip": Case(lambda api, _: behaviours.slow_drip(api), 1, "target stopped answering"),
    "slow-headers": Case(lambda api, _: behaviours.slow_headers(api), 1, "target stopped answering"),
    "no-answer": Case(lambda api, _: behaviours.no_answer(api), 1, "target stopped answering"),
    "connection-refused": Case(None, 3, "cannot connect to"),
    "reset-mid-body": Case(lambda api, _: behaviours.reset_mid_body(api), 1, "the connection broke mid-answer"),
    "redirect-other-host": Case(behaviours.redirect_everything, 1, "307 to {other}/", other_host=True),
    "redirect-after-login": Case(behaviours.redirect_after_login, 1, "to {other}/", other_host=True),
    "redirect-loop": Case(lambda api, _: behaviours.redirect_loop(api), 1, "302 to /"),
    "tls-untrusted": Case(lambda api, _: behaviours.plain(api), 3, "certificate verify failed", tls=True),
}


@dataclass
class Target:
    url: str
    api: LoginApi
    server: RawServer | None
    other: RawServer | None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _untrusted_tls() -> ssl.SSLContext:
    import trustme

    authority = trustme.CA()  # known to nobody: the harness must refuse it
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def _other_host() -> RawServer:
    """The 'other host' of a redirect: 127.0.0.2 where loopback has it (Linux), else the name localhost."""
    try:
        return RawServer(behaviours.recorder(), host="127.0.0.2")
    except OSError:
        server = RawServer(behaviours.recorder(), host="127.0.0.1")
        server.host = "localhost"
        return server


@pytest.fixture
def target(name: str) -> Iterator[Target]:
    """The hostile server of case ``name`` (and its 'other host'), running for one test."""
    case = CASES[name]
    api = LoginApi(password=PASSWORD)
    if case.serve is None:
        yield Target(f"http://127.0.0.1:{_free_port()}", api, None, None)
        return
    other = _other_host().start() if case.other_host else None
    server = RawServer(case.serve(api, other.url if other else ""), tls=_untrusted_tls() if case.tls else None)
    with server:
        yield Target(server.url, api, server, other)
    if other is not None:
        other.stop()


def _secrets(api: LoginApi) -> dict[str, str]:
    return {"password": PASSWORD, "secret header value": API_SECRET, "issued token": api.token,
            "issued token's signature": api.token_signature}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_target(name: str, target: Target, tmp_path: Path, run_authconform):
    """One misbehaviour: right exit code, bounded time, reports written, readable reasons, no secret."""
    case = CASES[name]
    profile = write_profile(tmp_path, name, target.url)
    started = time.monotonic()
    outcome = run_authconform("run", "--profile", str(profile), "--base-url", target.url,
                              env={"HOSTILE_PASSWORD": PASSWORD, "HOSTILE_API_SECRET": API_SECRET}, timeout=120)
    wall = time.monotonic() - started
    output = outcome.output

    assert outcome.code == case.exit_code, f"exit {outcome.code}, expected {case.exit_code}:\n{output[-4000:]}"
    assert wall < STARTUP_ALLOWANCE + RUN_ALLOWANCE, f"the run took {wall:.1f} s:\n{output[-3000:]}"

    for written in ("report.html", "junit.xml", "summary.json"):
        assert (outcome.report_dir / written).is_file(), f"{written} not written:\n{output[-3000:]}"
    ElementTree.parse(outcome.report_dir / "junit.xml")
    summary = outcome.summary
    assert summary is not None and summary["exit_code"] == case.exit_code
    assert summary["duration_s"] < RUN_ALLOWANCE, f"the run itself took {summary['duration_s']} s"
    assert summary["checks"], "no check ran"

    failing = [c for c in summary["checks"] if c["outcome"] in ("failed", "error")]
    assert failing, "a hostile target must fail some checks"
    for check in failing:
        assert check["reason"].strip(), f"{check['id']} failed without a reason"
        assert traceback_in(check["reason"]) is None, f"{check['id']}'s reason is a traceback: {check['reason']}"
    reasons = [c["reason"] for c in failing] + [summary["unreachable"] or ""]
    wanted = case.reason.format(other=target.other.url if target.other else "")
    assert any(wanted in r for r in reasons), (
        f"no reason mentions {wanted!r}:\n" + "\n".join(sorted(set(reasons)))[:4000])
    if case.exit_code == 3:
        assert summary["unreachable"] and wanted in summary["unreachable"]
        errored = [c for c in summary["checks"] if c["outcome"] == "error"]
        assert errored and all("target unreachable" in c["reason"] for c in errored)
        # Checks that judge the profile alone may still pass; none may fail as if the target had answered.
        assert not [c for c in summary["checks"] if c["outcome"] == "failed"]
    crash = traceback_in(output)
    assert crash is None, f"a traceback in the terminal output:\n{crash}"

    leaks = leaks_in_run(output, outcome.report_dir, _secrets(target.api))
    assert not leaks, "secrets leaked:\n" + "\n".join(str(leak) for leak in leaks[:10])

    if case.other_host:
        _assert_nothing_followed(target)
    if name in ("no-answer", "slow-drip", "slow-headers"):
        sent = len(target.server.requests())
        assert sent <= MAX_CONSECUTIVE_TIMEOUTS, (
            f"{sent} requests reached a target that had stopped answering after {MAX_CONSECUTIVE_TIMEOUTS}")
    if case.tls:
        assert target.server.handshake_failures >= 1 and not target.server.requests()


def _assert_nothing_followed(target: Target) -> None:
    """The other host of a redirect never receives credentials, the secret header or the token."""
    assert target.server.requests(), "the redirecting target received nothing"
    secrets = _secrets(target.api)
    for received in target.other.requests():
        raw = received.raw.decode("utf-8", errors="replace")
        leaks = [str(leak) for leak in search(raw, "a request to the other host", secrets)]
        assert not leaks, f"the other host received a secret: {leaks}"
        names = {k.lower() for k, _ in received.headers}
        assert not names & {"authorization", "x-api-secret", "x-api-token", "cookie"}, (
            f"the other host received credential headers: {received.headers}")


def test_insecure_trusts_the_certificate(tmp_path: Path, run_authconform):
    """With --insecure the same untrusted TLS target is reachable: the refusal above was verification."""
    api = LoginApi(password=PASSWORD)
    with RawServer(behaviours.plain(api), tls=_untrusted_tls()) as server:
        outcome = run_authconform("run", "--profile", str(write_profile(tmp_path, "tls-insecure", server.url)),
                                  "--base-url", server.url, "--insecure", "-k", "valid_login",
                                  env={"HOSTILE_PASSWORD": PASSWORD, "HOSTILE_API_SECRET": API_SECRET}, timeout=120)
        assert outcome.code in (0, 1), outcome.output[-3000:]
        assert outcome.summary is not None and outcome.summary["unreachable"] is None
        assert server.requests(), "no request reached the TLS target"
        assert not leaks_in_run(outcome.output, outcome.report_dir, _secrets(api))


def test_hostile_profile_is_valid(tmp_path: Path):
    """The hostile profile itself is valid (so the matrix tests the target, not a profile error)."""
    from authconform.profile import load_profile

    profile = load_profile(write_profile(tmp_path, "check"), {"HOSTILE_PASSWORD": PASSWORD,
                                                              "HOSTILE_API_SECRET": API_SECRET})
    assert profile.limits.timeout == TIMEOUT
    assert json.dumps(profile.to_dict())


def test_a_host_that_drops_connection_attempts_is_unreachable(tmp_path: Path, run_authconform):
    """A listener whose accept queue is full drops new SYNs, as a firewall does: exit 3, quickly."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    fillers = []
    try:
        for _ in range(4):  # fill the accept queue: later connection attempts get no answer at all
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(listener.getsockname())
            fillers.append(filler)
        time.sleep(0.2)
        started = time.monotonic()
        outcome = run_authconform("run", "--profile", str(write_profile(tmp_path, "syn-dropped", url)),
                                  "--base-url", url,
                                  env={"HOSTILE_PASSWORD": PASSWORD, "HOSTILE_API_SECRET": API_SECRET}, timeout=120)
        took = time.monotonic() - started
    finally:
        for sock in [*fillers, listener]:
            sock.close()
    assert outcome.code == 3, outcome.output[-3000:]
    assert "no connection within" in outcome.summary["unreachable"]
    assert took < 60, f"the run took {took:.0f} s against a host that drops connection attempts"
