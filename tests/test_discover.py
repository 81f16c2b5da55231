"""`authconform init --discover`: a profile discovered from a running server gives the built-in verdict.

Each case discovers a profile from one reference target (clean, or with a defect discovery must not
bless), then runs the built-in profile and the discovered one, each against a fresh target with the
same defects, by the same code: the exit codes and the failing check IDs must be the same. Checks the
discovered profile cannot enable (no disabled account, no response schema, no key) may only be
skipped there, never pass where the built-in profile fails. The request cap and the failed-login limit
are counted where the server sees them, behind a recording proxy, and no secret may reach the profile
or the output.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from pathlib import Path

import pytest

from authconform.profile import load_profile
from authconform.targets import TargetSettings, start
from tests.conftest import Outcome, authconform
from tests.hostile.proxy import RecordingProxy

ROOT = Path(__file__).resolve().parent.parent
FAST = "hash_iterations=1000"
ACCOUNTS = {  # flavour: (identity variable, password variable) of the target's environment
    "pch-sig": ("PCH_USER", "PCH_PASSWORD"),
    "chamilo": ("CHAMILO_USER", "CHAMILO_PASSWORD"),
    "invoiceninja": ("NINJA_EMAIL", "NINJA_PASSWORD"),
}
# the defects that shape what discovery sees: errors, tokens, access and refresh
CASES = [
    ("pch-sig", ()),
    ("chamilo", ()),
    ("invoiceninja", ()),
    ("pch-sig", ("200-on-wrong-password",)),
    ("pch-sig", ("500-on-missing-field",)),
    ("pch-sig", ("html-error-page",)),
    ("pch-sig", ("different-message-for-unknown-user",)),
    ("pch-sig", ("token-in-401-body",)),
    ("pch-sig", ("201-on-login",)),
    ("pch-sig", ("no-token-accepted",)),
    ("pch-sig", ("refresh-accepts-access-token",)),
    ("chamilo", ("wrong-type-as-401",)),
    ("chamilo", ("unknown-user-404",)),
    ("chamilo", ("500-on-malformed-json",)),
    ("invoiceninja", ("200-on-wrong-password",)),
    ("invoiceninja", ("different-message-for-unknown-user",)),
    ("invoiceninja", ("unknown-user-404",)),
    ("invoiceninja", ("wrong-type-as-401",)),
    ("invoiceninja", ("no-token-accepted",)),
    ("chamilo", ("html-error-page",)),
]


def _header_options(flavour: str, env: dict[str, str]) -> list[str]:
    if flavour != "invoiceninja":
        return []
    options = ["--header", "X-Requested-With: XMLHttpRequest"]
    if env.get("API_SECRET"):
        options += ["--header", f"X-API-SECRET: {env['API_SECRET']}"]
    return options


def discover(url: str, identity: str, password_var: str, env: dict[str, str], out: Path, *extra: str) -> Outcome:
    return authconform("init", "--discover", url, "--identity", identity, "--password-env", password_var,
                       "--out", str(out), "--rps", "0", *extra, report_dir=out.parent / "unused", env=env)


def secrets_of(env: dict[str, str]) -> list[str]:
    return [v for k, v in env.items() if ("PASSWORD" in k or "SECRET" in k) and len(v) >= 6]


def _failed(outcome: Outcome) -> set[str]:
    return outcome.failed


def assert_same_verdict(builtin: Outcome, discovered: Outcome) -> None:
    assert builtin.summary is not None and discovered.summary is not None, discovered.output[-2000:]
    problems = []
    if _failed(builtin) != _failed(discovered):
        problems.append(f"failing checks differ: built-in only {sorted(_failed(builtin) - _failed(discovered))}, "
                        f"discovered only {sorted(_failed(discovered) - _failed(builtin))}")
    if builtin.code != discovered.code:
        problems.append(f"exit codes differ: built-in {builtin.code}, discovered {discovered.code}")
    by_id = {c["id"]: c for c in discovered.summary["checks"]}
    for check in builtin.summary["checks"]:
        other = by_id.get(check["id"])
        if other and other["outcome"] != check["outcome"] and other["outcome"] != "skipped":
            problems.append(f"{check['id']}: built-in {check['outcome']}, discovered {other['outcome']}: "
                            f"{other['reason'][:200]}")
    assert not problems, "\n".join(problems) + "\n" + discovered.output[-1500:]


@pytest.mark.parametrize(("flavour", "defects"), CASES, ids=[f"{f}-{'-'.join(d) or 'clean'}" for f, d in CASES])
def test_discovered_profile_gives_the_builtin_verdict(flavour, defects, tmp_path):
    settings = TargetSettings(hash_iterations=1000)
    identity_var, password_var = ACCOUNTS[flavour]
    target = start(flavour, defects, settings=settings)
    try:
        found = discover(target.url, target.env[identity_var], password_var, target.env, tmp_path / "found.yaml",
                         *_header_options(flavour, target.env))
    finally:
        target.stop()
    assert found.code == 0, found.output[-3000:]
    text = (tmp_path / "found.yaml").read_text()
    for secret in secrets_of(target.env):
        assert secret not in text and secret not in found.output, "a secret reached the profile or the output"
    defect_options = [option for d in defects for option in ("--defect", d)]
    builtin = authconform("run", "--profile", flavour, "--target-option", FAST, *defect_options,
                          report_dir=tmp_path / "builtin")
    fresh = start(flavour, defects, settings=settings)
    try:
        env = {**fresh.env, "X_REQUESTED_WITH": "XMLHttpRequest", "X_API_SECRET": fresh.env.get("API_SECRET", "")}
        discovered = authconform("run", "--profile", str(tmp_path / "found.yaml"), "--base-url", fresh.url,
                                 "--rps", "0", report_dir=tmp_path / "discovered", env=env)
    finally:
        fresh.stop()
    assert_same_verdict(builtin, discovered)


def _account_failures(records, login_path: str, identity: str) -> int:
    return sum(1 for r in records if r.method == "POST" and r.path == login_path and not 200 <= r.status < 300
               and identity in (r.request_fields() or {}).values())


@pytest.mark.parametrize("cap", [150, 12])
def test_request_cap_and_failed_logins_counted_at_the_server(cap, tmp_path):
    """The server sees at most ``cap`` requests and at most 2 refused logins of the given account."""
    target = start("pch-sig", settings=TargetSettings(hash_iterations=1000))
    try:
        with RecordingProxy(target.url) as proxy:
            found = discover(proxy.url, target.env["PCH_USER"], "PCH_PASSWORD", target.env, tmp_path / "p.yaml",
                             "--max-requests", str(cap))
            records = proxy.seen()
    finally:
        target.stop()
    assert len(records) <= cap, f"expected at most {cap} requests (--max-requests), the server saw {len(records)}"
    assert _account_failures(records, "/api/login", target.env["PCH_USER"]) <= 2
    issued = {v for r in records for v in _strings(r.response_json()) if len(v) > 40}
    written = (tmp_path / "p.yaml").read_text() if (tmp_path / "p.yaml").exists() else ""
    for value in issued | set(secrets_of(target.env)):
        assert value not in written and value not in found.output, "a token or secret reached the profile or output"
    if cap == 150:
        assert found.code == 0, found.output[-2000:]
        assert f"requests sent      {len(records) - 0}" in found.output or "requests sent" in found.output
        load_profile(tmp_path / "p.yaml", {"PCH_PASSWORD": target.env["PCH_PASSWORD"]})
    else:
        assert "request cap of 12 reached" in found.output, found.output[-2000:]


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def test_wrong_password_limit_holds_when_logins_keep_failing(tmp_path):
    """A wrong account password: discovery gives up with at most 2 refused logins of that account (exit 1)."""
    target = start("pch-sig", settings=TargetSettings(hash_iterations=1000))
    try:
        with RecordingProxy(target.url) as proxy:
            found = discover(proxy.url, target.env["PCH_USER"], "WRONG", {"WRONG": "not-the-password"},
                             tmp_path / "p.yaml")
            records = proxy.seen()
    finally:
        target.stop()
    assert found.code == 1, found.output[-2000:]
    failures = _account_failures(records, "/api/login", target.env["PCH_USER"])
    assert failures <= 2, f"expected at most 2 failed logins of the account, the server saw {failures}"
    assert "not-the-password" not in found.output


class _NothingHere(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = json.dumps({"error": "not found"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        return


def test_no_login_exits_1_with_what_was_tried(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NothingHere)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found = discover(f"http://127.0.0.1:{server.server_address[1]}", "someone", "PW", {"PW": "secret-pw-1"},
                         tmp_path / "p.yaml")
    finally:
        server.shutdown()
    assert found.code == 1, found.output
    assert "no login found" in found.output and "POST /api/login (json): 404" in found.output
    assert not (tmp_path / "p.yaml").exists()


def test_unreachable_url_exits_3(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    found = discover(f"http://127.0.0.1:{port}", "someone", "PW", {"PW": "secret-pw-1"}, tmp_path / "p.yaml")
    assert found.code == 3, found.output


def test_missing_password_variable_exits_2(tmp_path):
    found = discover("http://127.0.0.1:9", "someone", "UNSET_DISCOVERY_PW", {}, tmp_path / "p.yaml")
    assert found.code == 2 and "UNSET_DISCOVERY_PW" in found.output


PEERS = {"simplejwt": ("SIMPLEJWT_USER", "SIMPLEJWT_PASSWORD"),
         "flask-jwt-extended": ("FLASK_JWT_USER", "FLASK_JWT_PASSWORD")}


@pytest.mark.parametrize("name", PEERS)
def test_discovered_profile_gives_the_peer_verdict(name, tmp_path):
    """On a real framework, the discovered profile fails exactly the checks its hand-written profile fails."""
    pytest.importorskip("rest_framework_simplejwt", reason="the peers extra is not installed")
    pytest.importorskip("flask_jwt_extended", reason="the peers extra is not installed")
    from tests.peers.launch import start as start_peer

    peer = start_peer(name, tmp_path / "server")
    try:
        identity_var, password_var = PEERS[name]
        found = discover(peer.url, peer.env[identity_var], password_var, peer.env, tmp_path / "found.yaml")
        assert found.code == 0, found.output[-3000:]
        text = (tmp_path / "found.yaml").read_text()
        for secret in secrets_of(peer.env):
            assert secret not in text and secret not in found.output, "a secret reached the profile or the output"
        common = ("--base-url", peer.url, "--rps", "0")
        written = authconform("run", "--profile", str(ROOT / "profiles" / f"{name}.yaml"), *common,
                              report_dir=tmp_path / "hand-written", env=peer.env, timeout=600)
        discovered = authconform("run", "--profile", str(tmp_path / "found.yaml"), *common,
                                 report_dir=tmp_path / "discovered", env=peer.env, timeout=600)
    finally:
        peer.stop()
    assert_same_verdict(written, discovered)


class _FormLogin(http.server.BaseHTTPRequestHandler):
    """A login nobody documented: form-encoded ``login`` + ``password`` at /auth/login, JSON refused with 415."""

    token = "opaque" + "7f3a9c2b" * 5
    protocol_version = "HTTP/1.0"

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        from urllib.parse import parse_qs

        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path != "/auth/login":
            return self._send(404, {"error": "no such path"})
        if "form" not in (self.headers.get("content-type") or ""):
            return self._send(415, {"error": "send a form"})
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        if "login" not in form or "password" not in form:
            return self._send(400, {"error": "login and password are required"})
        if (form["login"], form["password"]) == ("ann", "form-password-1"):
            return self._send(200, {"access_token": self.token, "token_type": "Bearer"})
        return self._send(401, {"error": "invalid login"})

    def do_GET(self) -> None:
        if self.path != "/api/me":
            return self._send(404, {"error": "no such path"})
        if self.headers.get("authorization") != f"Bearer {self.token}":
            return self._send(401, {"error": "who are you?"})
        return self._send(200, {"login": "ann"})

    def log_message(self, *args) -> None:
        return


def test_a_form_login_is_found_by_probing(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FormLogin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found = discover(f"http://127.0.0.1:{server.server_address[1]}", "ann", "PW", {"PW": "form-password-1"},
                         tmp_path / "p.yaml")
    finally:
        server.shutdown()
    assert found.code == 0, found.output[-2000:]
    profile = load_profile(tmp_path / "p.yaml", {"PW": "form-password-1"})
    assert (profile.login.path, profile.login.encoding, profile.login.fields.identity) == ("/auth/login", "form",
                                                                                           "login")
    assert (profile.login.success.token, profile.token.format) == ("/access_token", "opaque")
    assert (profile.protected.path, profile.protected.scheme) == ("/api/me", "bearer")
    text = (tmp_path / "p.yaml").read_text()
    assert "form-password-1" not in text + found.output and _FormLogin.token not in text + found.output


JWT = ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjIwMDAwMDM2MDAsImlhdCI6MjAwMDAwMDAwMCwiZW1haWwiOiJhQGIuYyJ9"
       ".c2lnbmF0dXJlLXNpZ25hdHVyZQ")


def test_token_pointers_are_found_by_shape_and_name():
    from authconform.discovery.answers import find_refresh_token, find_token, identity_claim, token_facts

    ninja = {"data": [{"company": {"company_key": "k" * 8 + "1234567890123"}, "token": {"token": "a1b2" * 16}}]}
    assert find_token(ninja) == ("/data/0/token/token", "a1b2" * 16)
    pair = {"refresh": "r1" * 20 + ".x", "access": JWT}
    assert find_token(pair) == ("/access", JWT)
    assert find_refresh_token(pair, JWT) == ("/refresh", "r1" * 20 + ".x")
    assert find_token({"message": "Invalid credentials.", "code": 401}) is None
    facts = token_facts(JWT)
    assert (facts.format, facts.lifetime, facts.header["alg"]) == ("jwt", 3600, "RS256")
    assert identity_claim(facts.claims, "A@b.c", {}) == "email"
    assert token_facts("a1b2" * 16).format == "opaque"


class _CoercingLogin(http.server.BaseHTTPRequestHandler):
    """A DRF-like JSON login: a number is read as its string (401 like bad credentials), a list is refused 400."""

    token = "opaque" + "3c9d1e7a" * 5
    protocol_version = "HTTP/1.0"
    _send = _FormLogin._send

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path != "/api/login":
            return self._send(404, {"detail": "no such path"})
        try:
            body = json.loads(raw)
        except ValueError:
            return self._send(400, {"detail": "JSON parse error"})
        if not isinstance(body, dict):
            return self._send(400, {"detail": "expected an object"})
        missing = {k: ["This field is required."] for k in ("username", "password") if k not in body}
        if missing:
            return self._send(400, missing)
        wrong = {k: ["Not a valid string."] for k in ("username", "password") if not isinstance(body[k], str | int)}
        if wrong:
            return self._send(400, wrong)
        if (str(body["username"]), str(body["password"])) == ("bob", "coerce-password-1"):
            return self._send(200, {"access": self.token})
        return self._send(401, {"detail": "No active account found with the given credentials"})

    def do_GET(self) -> None:
        return self._send(404, {"detail": "no such path"})

    def log_message(self, *args) -> None:
        return


def test_a_number_read_as_a_string_leaves_wrong_type_out(tmp_path):
    """A number answered like bad credentials but a list refused as bad input: wrong_type is left unstated."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CoercingLogin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found = discover(f"http://127.0.0.1:{server.server_address[1]}", "bob", "PW", {"PW": "coerce-password-1"},
                         tmp_path / "p.yaml")
    finally:
        server.shutdown()
    assert found.code == 0, found.output[-2000:]
    profile = load_profile(tmp_path / "p.yaml", {"PW": "coerce-password-1"})
    assert profile.login.errors.wrong_type is None, "expected wrong_type unstated (a number read as a string)"
    assert (profile.login.errors.missing_field.status, profile.login.errors.bad_credentials.status) == (400, 401)
    assert "wrong_type left out" in (tmp_path / "p.yaml").read_text()


class _CrashingLogin(_CoercingLogin):
    """The same login, but every bad input crashes with 500: no answer shows its bad-input status."""

    def _send(self, status: int, body: dict) -> None:
        _FormLogin._send(self, 500 if status == 400 else status, body)


def test_bad_input_seen_only_as_500_is_left_unstated_and_still_fails(tmp_path):
    """No guessed 400: missing_field is unstated, and the run's tolerant LOGIN-MISSING-FIELD fails the 500."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CrashingLogin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        found = discover(url, "bob", "PW", {"PW": "coerce-password-1"}, tmp_path / "p.yaml")
        assert found.code == 0, found.output[-2000:]
        profile = load_profile(tmp_path / "p.yaml", {"PW": "coerce-password-1"})
        assert (profile.login.errors.missing_field, profile.login.errors.malformed_body) == (None, None), \
            "expected the bad-input errors unstated (only 500s were seen)"
        run = authconform("run", "--profile", str(tmp_path / "p.yaml"), "--base-url", url, "--rps", "0",
                          "-k", "test_missing_field_is_refused", report_dir=tmp_path / "run",
                          env={"PW": "coerce-password-1"})
    finally:
        server.shutdown()
    assert "LOGIN-MISSING-FIELD" in run.failed, run.output[-2000:]
