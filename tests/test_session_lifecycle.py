"""Refresh and secret-header checks beyond the defect matrix: the cases a defect switch cannot show.

- Invoice Ninja with no API_SECRET checks no header, and the harness says so (SECRET-* skip with the
  reason) instead of passing or failing them.
- SECRET-SAME-ORIGIN's promise about the harness itself: when the target redirects a request that
  carries the secret to another origin, the finding is real (a redirect-following client delivers
  the secret there) and authconform never sends it (a listener on that origin sees nothing).
- The reference target's gesdinet behaviour the REFRESH-* checks rely on, seen without the harness.
- Secrets only the refresh suite knows (the disabled account's refresh token) reach no report.
"""

from __future__ import annotations

import threading
import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from authconform.targets import TargetSettings, start
from authconform.targets.server import BackgroundServer
from tests.conftest import authconform

FAST = ["--target-option", "hash_iterations=1000"]
SECRET_CHECKS = {"SECRET-MISSING-REFUSED", "SECRET-WRONG-REFUSED", "SECRET-RIGHT-ACCEPTED",
                 "SECRET-NAME-CASE-INSENSITIVE", "SECRET-NOT-ECHOED", "SECRET-SAME-ORIGIN"}


def test_invoiceninja_without_api_secret_skips_the_secret_checks(run_authconform):
    outcome = run_authconform("run", "--profile", "invoiceninja", *FAST, "--target-option", "api_secret=none")
    assert outcome.code == 0, outcome.output[-3000:]
    skipped = outcome.reasons("skipped")
    assert set(skipped) >= SECRET_CHECKS, sorted(SECRET_CHECKS - set(skipped))
    for check_id in SECRET_CHECKS:
        assert "secret_header" in skipped[check_id] and "empty" in skipped[check_id], skipped[check_id]
    assert "HEADERS-REQUIRED-LOGIN" in outcome.ids("passed")


def test_invoiceninja_without_api_secret_takes_logins_without_the_header():
    with start("invoiceninja", settings=TargetSettings(hash_iterations=1000, api_secret=None)) as target:
        answer = httpx.post(f"{target.url}/api/v1/login", headers={"X-Requested-With": "XMLHttpRequest"},
                            json={"email": target.env["NINJA_EMAIL"], "password": target.env["NINJA_PASSWORD"]})
        assert answer.status_code == 200, answer.text
        wrong = httpx.post(f"{target.url}/api/v1/login", headers={"X-API-SECRET": "anything"},
                           json={"email": target.env["NINJA_EMAIL"], "password": target.env["NINJA_PASSWORD"]})
        assert wrong.status_code == 200, wrong.text


class Collector:
    """A server on another origin that records every request it receives."""

    def __init__(self, host: str, port: int):
        self.requests: list[dict[str, str]] = []
        self._lock = threading.Lock()

        async def anything(request: Request) -> Response:
            with self._lock:
                self.requests.append(dict(request.headers))
            return Response(b"collected", 200)

        app = Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST", "PUT", "HEAD"])])
        self.server = BackgroundServer(app, host, port)
        self.server.start()

    def stop(self) -> None:
        self.server.stop()


def test_secret_redirected_offsite_is_found_and_never_sent_there(tmp_path):
    with start("invoiceninja", ["secret-redirects-offsite"], settings=TargetSettings(hash_iterations=1000)) as target:
        port = int(target.url.rsplit(":", 1)[1])
        collector = Collector("127.0.0.2", port)
        try:
            outcome = authconform("run", "--profile", "invoiceninja", "--base-url", target.url, "--rps", "0",
                                  report_dir=tmp_path / "report", env=target.env)
            assert "SECRET-SAME-ORIGIN" in outcome.failed, outcome.output[-3000:]
            reason = next(c["reason"] for c in outcome.summary["checks"] if c["id"] == "SECRET-SAME-ORIGIN")
            assert f"http://127.0.0.2:{port}/" in reason, reason
            assert collector.requests == [], "authconform sent a request to the other origin"
            # The finding is real: a client that follows the redirect carries the secret to the other origin.
            secret = target.env["API_SECRET"]
            httpx.post(f"{target.url}/api/v1/login", json={}, headers={"X-API-SECRET": secret}, follow_redirects=True)
            assert [r.get("x-api-secret") for r in collector.requests] == [secret]
        finally:
            collector.stop()


def test_gesdinet_reuse_detection_revokes_the_family_and_states_expiry():
    with start("pch-sig", settings=TargetSettings(hash_iterations=1000)) as target:
        http = httpx.Client(base_url=target.url)
        began = time.time()
        login = http.post("/api/login", json={"email": target.env["PCH_USER"], "password": target.env["PCH_PASSWORD"]})
        first = login.json()["refresh_token"]
        assert abs(login.json()["refresh_token_expiration"] - (began + 604_800)) < 5
        second = http.post("/api/token/refresh", json={"refresh_token": first}).json()["refresh_token"]
        other = http.post("/api/login", json={"email": target.env["PCH_USER"],
                                              "password": target.env["PCH_PASSWORD"]}).json()["refresh_token"]
        replayed = http.post("/api/token/refresh", json={"refresh_token": first})
        assert replayed.json() == {"code": 401, "message": "JWT Refresh Token Not Found"}
        revoked = http.post("/api/token/refresh", json={"refresh_token": second})
        assert revoked.json() == {"code": 401, "message": "JWT Refresh Token Not Found"}
        # another login's family is untouched
        assert http.post("/api/token/refresh", json={"refresh_token": other}).status_code == 200
        disabled = http.post("/api/token/refresh", json={"refresh_token": target.env["PCH_DISABLED_REFRESH_TOKEN"]})
        assert disabled.json() == {"code": 401, "message": "Invalid credentials."}


def test_gesdinet_without_reuse_detection_refuses_only_the_replayed_token():
    settings = TargetSettings(hash_iterations=1000, refresh_reuse_detection=False, refresh_return_expiration=False)
    with start("pch-sig", settings=settings) as target:
        http = httpx.Client(base_url=target.url)
        login = http.post("/api/login", json={"email": target.env["PCH_USER"], "password": target.env["PCH_PASSWORD"]})
        assert list(login.json()) == ["token", "refresh_token", "user"]  # the seed's body
        first = login.json()["refresh_token"]
        second = http.post("/api/token/refresh", json={"refresh_token": first}).json()["refresh_token"]
        assert http.post("/api/token/refresh", json={"refresh_token": first}).status_code == 401
        assert http.post("/api/token/refresh", json={"refresh_token": second}).status_code == 200


def test_secret_header_name_case_reaches_the_target():
    """The name-case defect needs the client's spelling: the reference server records it."""
    with start("invoiceninja", ["secret-compared-case-sensitively-on-name"],
               settings=TargetSettings(hash_iterations=1000)) as target:
        body = {"email": target.env["NINJA_EMAIL"], "password": target.env["NINJA_PASSWORD"]}
        secret, url = target.env["API_SECRET"], f"{target.url}/api/v1/login"
        xhr = {"X-Requested-With": "XMLHttpRequest"}
        exact = httpx.post(url, json=body, headers={**xhr, "X-API-SECRET": secret})
        other = httpx.post(url, json=body, headers={**xhr, "x-api-secret": secret})
        assert (exact.status_code, other.status_code) == (200, 403)


def test_refresh_and_secret_values_reach_no_report(tmp_path):
    for flavour, names in (("pch-sig", ("PCH_DISABLED_REFRESH_TOKEN", "PCH_PASSWORD")),
                           ("invoiceninja", ("API_SECRET", "NINJA_PASSWORD"))):
        with start(flavour, settings=TargetSettings(hash_iterations=1000)) as target:
            folder = tmp_path / flavour
            outcome = authconform("run", "--profile", flavour, "--base-url", target.url, "--rps", "0",
                                  report_dir=folder, env=target.env)
            assert outcome.summary is not None, outcome.output[-3000:]
            for file in folder.rglob("*"):
                if file.is_file():
                    text = file.read_text(errors="replace")
                    leaked = [n for n in names if target.env[n] in text]
                    assert not leaked, f"{flavour}: {file.name} shows {leaked}"
            assert not [n for n in names if target.env[n] in outcome.output]
