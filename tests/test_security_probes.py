"""The security probes where tests/test_conformance.py cannot reach: opt-in lockout, transport, leak patterns.

- SEC-LOCKOUT is opt-in, so the built-in profiles skip it; here each reference target is run with a
  profile written to tmp_path that opts in (tests/lockout_profile.py) and gives its throwaway account.
- SEC-TRANSPORT-HSTS needs https: besides the embedded target's ``tls=true`` (tests/test_conformance.py),
  a reference target the test serves itself over TLS (a trustme CA) is reached with --base-url.
- SEC-TRANSPORT-TLS judges the profile's base_url; a target on a non-loopback address cannot be
  reached from this machine's tests (they only talk to loopback), so the check is called directly with
  documentation-range addresses, which nothing is sent to.
- The leak pattern list is held to samples of each thing it must find and of ordinary errors it must not.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from types import SimpleNamespace

import pytest
import uvicorn
import yaml

from authconform import resources
from authconform.expect import Finding
from authconform.probes import leaks
from authconform.targets import TargetSettings, build_app, environment
from authconform.targets.chamilo import chamilo_error_page
from authconform.targets.hardening import laravel_debug_404, symfony_debug_404
from authconform.targets.lexik import symfony_crash
from authconform.targets.pchsig import VALID
from authconform.targets.responses import laravel_error_page, symfony_error_page
from authconform.targets.server import bind
from tests.lockout_profile import LOCKOUT, LOCKOUT_TEST, opt_in_profile

FAST = ["--target-option", "hash_iterations=1000"]


# --- SEC-LOCKOUT, opted in ----------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["chamilo", "invoiceninja"])
def test_lockout_probe_sees_the_real_lockout(flavour, run_authconform, tmp_path):
    profile = opt_in_profile(flavour, tmp_path / "profiles")
    outcome = run_authconform("run", "--profile", str(profile), *FAST, "-k", LOCKOUT_TEST)
    checks = {c["id"]: c for c in outcome.summary["checks"]}
    assert checks["SEC-LOCKOUT"]["outcome"] == "passed", checks["SEC-LOCKOUT"]["reason"]
    after = LOCKOUT[flavour][2]
    assert checks["SEC-LOCKOUT"]["reason"].startswith(f"locked: after {after} failed logins")
    # never more failed logins than the profile allows, and none on the valid account
    spent = outcome.summary["failed_logins"]
    assert spent.get("lockout", 0) <= after + 1
    assert "valid" not in spent


def test_lockout_probe_reports_a_target_without_lockout(run_authconform, tmp_path):
    """PCH-SIG, like Symfony by default, never throttles logins: the opt-in probe says so on the clean target."""
    profile = opt_in_profile("pch-sig", tmp_path / "profiles")
    outcome = run_authconform("run", "--profile", str(profile), *FAST, "-k", LOCKOUT_TEST)
    check = next(c for c in outcome.summary["checks"] if c["id"] == "SEC-LOCKOUT")
    assert check["outcome"] == "failed"
    assert "the right password still logged in" in check["reason"]
    assert outcome.code == 1


def test_lockout_probe_is_opt_in(run_authconform):
    outcome = run_authconform("run", "--profile", "invoiceninja", *FAST, "-k", LOCKOUT_TEST)
    check = next(c for c in outcome.summary["checks"] if c["id"] == "SEC-LOCKOUT")
    assert check["outcome"] == "skipped" and "opt-in" in check["reason"]
    assert outcome.summary["failed_logins"] == {}


def test_lockout_probe_stays_within_the_budget(run_authconform, tmp_path):
    """A lockout_after the budget cannot pay for is not attempted at all."""
    profile = opt_in_profile("chamilo", tmp_path / "profiles")
    data = yaml.safe_load(profile.read_text(encoding="utf-8"))
    data["accounts"]["lockout"]["max_failed_logins"] = 8  # Chamilo locks after 10: 11 are needed
    profile.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    outcome = run_authconform("run", "--profile", str(profile), *FAST, "-k", LOCKOUT_TEST)
    check = next(c for c in outcome.summary["checks"] if c["id"] == "SEC-LOCKOUT")
    assert check["outcome"] == "skipped", check
    assert "accounts.lockout.max_failed_logins leaves 8" in check["reason"]
    assert outcome.summary["failed_logins"] == {}


# --- a query-string login keeps the password out of every artifact -----------------------------


def test_query_string_login_is_redacted(run_authconform):
    outcome = run_authconform("run", "--profile", "pch-sig", "--defect", "credentials-in-query-accepted", *FAST,
                              "-k", "query_string")
    check = next(c for c in outcome.summary["checks"] if c["id"] == "SEC-CREDENTIALS-IN-QUERY")
    assert check["outcome"] == "failed"
    for artifact in outcome.report_dir.iterdir():
        if artifact.is_file():
            text = artifact.read_text(encoding="utf-8", errors="replace")
            assert VALID.password not in text and "Admin123%21" not in text, artifact.name


# --- SEC-TRANSPORT-TLS, called directly -----------------------------------------------------------


def _security_suite():
    path = resources.suites_dir() / "test_security.py"
    spec = importlib.util.spec_from_file_location("_authconform_security_suite", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("base_url", "finding"), [
    ("http://203.0.113.7:8080", True),  # TEST-NET-3: an address on a network, never contacted
    ("http://10.20.30.40", True),
    ("https://203.0.113.7", False),
    ("http://127.0.0.1:8000", False),
    ("http://127.9.9.9", False),
    ("http://[::1]:8000", False),
    ("http://localhost:8000", False),
    ("http://api.localhost", False),
])
def test_plain_http_to_the_network_is_a_finding(base_url, finding):
    check = _security_suite().test_credentials_travel_over_tls
    notes = []
    profile = SimpleNamespace(base_url=base_url)
    if finding:
        with pytest.raises(Finding, match="not a loopback address"):
            check(profile, lambda name, value: notes.append(value))
    else:
        check(profile, lambda name, value: notes.append(value))


# --- SEC-TRANSPORT-HSTS over real TLS --------------------------------------------------------------


@pytest.fixture
def tls_target(tmp_path):
    """Serve pch-sig over https on loopback, as a user would run it behind TLS; yields a starter returning the URL."""
    trustme = pytest.importorskip("trustme", reason="trustme (a dev dependency) makes the test certificate")
    ca = trustme.CA()
    pem = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(pem))
    servers = []

    def start(defects: list[str], hardened: bool = True) -> str:
        app = build_app("pch-sig", defects, settings=TargetSettings(hardened=hardened))
        sock = bind("127.0.0.1", 0)
        config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="off", http="h11",
                                ssl_certfile=str(pem), ssl_keyfile=str(pem))
        server = uvicorn.Server(config)
        thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        servers.append((server, thread))
        return f"https://127.0.0.1:{sock.getsockname()[1]}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(3)


@pytest.mark.parametrize(("defects", "hardened"), [([], True), (["no-hsts"], True), ([], False)],
                         ids=["hardened", "no-hsts", "stock"])
def test_hsts_on_https(tls_target, run_authconform, defects, hardened):
    """A target the user serves over TLS (not the embedded one), reached with --base-url and --insecure.

    Symfony sends no HSTS of its own: a stock target fails the check as real PCH-SIG would; the
    hardened one (HSTS configured) passes, and the no-hsts defect takes it away again.
    """
    url = tls_target(defects, hardened)
    outcome = run_authconform("run", "--profile", "pch-sig", "--base-url", url, "--insecure",
                              "-k", "hsts or tls", env=environment("pch-sig", url))
    checks = {c["id"]: c for c in outcome.summary["checks"]}
    assert checks["SEC-TRANSPORT-TLS"]["outcome"] == "passed"
    hsts = checks["SEC-TRANSPORT-HSTS"]
    if hardened and not defects:
        assert hsts["outcome"] == "passed", hsts["reason"]
    else:
        assert hsts["outcome"] == "failed"
        assert "no Strict-Transport-Security header" in hsts["reason"]


# --- the leak pattern list ---------------------------------------------------------------------------

LEAKS = {
    "a Python traceback": 'Traceback (most recent call last):\n  File "/srv/app/views.py", line 3, in login',
    "a PHP stack frame": "#0 /var/www/src/Controller/LoginController.php(42): App\\Controller->login()",
    "a PHP fatal error": "PHP Fatal error:  Uncaught Error: Call to undefined function foo()",
    "a PHP exception trace (Laravel debug JSON)":
        '{"message":"x","exception":"ErrorException","trace":[{"file":"\\/var\\/www\\/x.php","line":1}]}',
    "a Java stack frame": "java.lang.NullPointerException\n\tat com.acme.auth.Login.check(Login.java:42)",
    "a Node.js stack frame": "TypeError: x\n    at Object.<anonymous> (/home/node/app/server.js:10:5)",
    "a .NET stack frame": "   at Acme.Auth.Login(String u) in C:\\src\\Acme\\Login.cs:line 42",
    "a Ruby stack frame": "app/controllers/sessions_controller.rb:12:in `create'",
    "a Go panic": "panic: runtime error\n\ngoroutine 1 [running]:\nmain.main()",
    "an SQL error (SQLSTATE)": "SQLSTATE[42S22]: Column not found: 1054 Unknown column 'emial'",
    "a MySQL error": "You have an error in your SQL syntax; check the manual",
    "a PostgreSQL error": 'ERROR:  syntax error at or near "OR"',
    "an Oracle error": "ORA-00933: SQL command not properly ended",
    "a SQL Server error": "Unclosed quotation mark after the character string ''.",
    "an SQLite error": "sqlite3.OperationalError: no such table: users",
    "an ORM database exception": "Doctrine\\DBAL\\Exception\\DriverException: An exception occurred",
    "Symfony's debug exception page": '<h1 class="break-long-words exception-message">No route found</h1>',
    "Laravel Ignition": "<script>window.ignite = {}</script>",
    "the Whoops error page": "<title>Whoops! There was an error.</title>",
    "Django's technical 500 page": "You&#x27;re seeing this error because you have <code>DEBUG = True</code>",
    "the Werkzeug debugger": "<title>KeyError // Werkzeug Debugger</title>",
    "Rails' exception page": "<title>Action Controller: Exception caught</title>",
    "the ASP.NET error page": "<h1>Server Error in '/' Application.</h1>",
    "a server file path": '{"error":"cannot open /var/www/html/config/secrets.yml"}',
    "a Windows file path": "Could not load C:\\inetpub\\wwwroot\\App_Code\\Login.cs",
    "a source file with a line number": "error in auth/service.py:88",
}


def test_every_pattern_has_a_sample():
    assert {p.name for p in leaks.BODY_PATTERNS} == set(LEAKS)


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_each_leak_is_found(name):
    assert name in {leak.name for leak in leaks.scan(LEAKS[name])}


def test_debug_headers_are_found():
    found = leaks.scan("", [("X-Debug-Exception", "No%20route"), ("Content-Type", "text/html")])
    assert [leak.where for leak in found] == ["header X-Debug-Exception"]


def _scope(path="/api/nothing-here"):
    return {"type": "http", "method": "GET", "path": path, "scheme": "http", "headers": [(b"host", b"x")]}


@pytest.mark.parametrize("page", [
    symfony_error_page(404), symfony_error_page(405), laravel_error_page(422), chamilo_error_page(400),
], ids=["symfony-404", "symfony-405", "laravel-422", "chamilo-400"])
def test_production_error_pages_leak_nothing(page):
    assert leaks.scan(page.body.decode()) == []


@pytest.mark.parametrize("text", [
    '{"code":401,"message":"Invalid credentials."}',
    '{"message":"The given data was invalid.","errors":{"email":["The email field is required."]}}',
    '{"message":"The email ü\' OR 1=1 -- is invalid"}',  # the harness's own hostile input, echoed
    '{"detail":"see https://example.com/var/www/docs and /api/login"}',
    '{"error":"Unsupported Media Type","path":"/api/login.json"}',
])
def test_ordinary_errors_leak_nothing(text):
    assert leaks.scan(text) == []


@pytest.mark.parametrize("answer", [symfony_crash("boom"), symfony_debug_404(_scope()), laravel_debug_404(_scope())],
                         ids=["symfony-crash", "symfony-debug-404", "laravel-debug-404"])
def test_the_reference_targets_debug_answers_are_caught(answer):
    kinds = {leak.kind for leak in leaks.scan(answer.body.decode(), answer.raw_headers and [
        (k.decode(), v.decode()) for k, v in answer.raw_headers])}
    assert leaks.STACK_TRACE in kinds or leaks.DEBUG_PAGE in kinds
    assert leaks.FILE_PATH in kinds
