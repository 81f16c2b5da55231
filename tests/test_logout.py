"""The logout checks and the reference target's invalidate route (gesdinet's logout listener).

tests/test_conformance.py proves each LOGOUT-* check against its defect; here: the route answers
what gesdinet answers, and a target that claims an access-token deny-list passes LOGOUT-ACCESS-REVOKED
at ``must`` (the built-in profile, with no deny-list, reports it as information).
"""

from __future__ import annotations

import httpx

from authconform.targets import TargetSettings, start
from tests.logout_profile import DENY_LIST, deny_list_profile

FAST = ["--target-option", "hash_iterations=1000"]


def test_invalidate_route_answers_as_gesdinet():
    with start("pch-sig", settings=TargetSettings(hash_iterations=1000)) as target:
        http = httpx.Client(base_url=target.url)
        login = http.post("/api/login", json={"email": target.env["PCH_USER"], "password": target.env["PCH_PASSWORD"]})
        token, refresh_token = login.json()["token"], login.json()["refresh_token"]
        first = http.post("/api/token/invalidate", json={"refresh_token": refresh_token})
        assert (first.status_code, first.json()) == (
            200, {"code": 200, "message": "The supplied refresh_token has been invalidated."})
        again = http.post("/api/token/invalidate", json={"refresh_token": refresh_token})
        assert (again.status_code, again.json()) == (
            200, {"code": 200, "message": "The supplied refresh_token is already invalid."})
        missing = http.post("/api/token/invalidate", json={})
        assert (missing.status_code, missing.json()) == (400, {"code": 400, "message": "No refresh_token found."})
        assert http.post("/api/token/refresh", json={"refresh_token": refresh_token}).status_code == 401
        # lexik's JWT is stateless: the access token outlives the logout
        assert http.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_claimed_deny_list_makes_access_revocation_must(run_authconform, tmp_path):
    profile = deny_list_profile(tmp_path / "profiles")
    outcome = run_authconform("run", "--profile", str(profile), *FAST, *DENY_LIST, "-k", "logout")
    assert outcome.summary is not None, outcome.output[-3000:]
    checks = {c["id"]: c for c in outcome.summary["checks"]}
    assert checks["LOGOUT-ACCESS-REVOKED"]["severity"] == "must"
    assert {i for i, c in checks.items() if i.startswith("LOGOUT")} == outcome.ids("passed"), outcome.output[-3000:]
    assert outcome.code == 0


def test_builtin_profile_reports_how_long_the_access_token_lives_on(run_authconform):
    outcome = run_authconform("run", "--profile", "pch-sig", *FAST, "-k", "test_logout_revokes_the_access_token")
    assert outcome.summary is not None, outcome.output[-3000:]
    (found,) = [c for c in outcome.summary["checks"] if c["id"] == "LOGOUT-ACCESS-REVOKED"]
    assert (found["outcome"], found["severity"]) == ("passed", "may")
    assert "stays valid for another" in found["reason"], found
