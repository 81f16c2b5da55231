"""The embedded reference targets behave as the seed systems do, and every defect switch exists.

Fast tests: real servers on loopback (``start``), httpx requests, cheap password hashing. The
harness-level proof (each defect fails exactly its checks) lives in test_conformance.py.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import jwt
import pytest

from authconform.targets import (
    DEFECTS,
    FLAVOURS,
    RunningTarget,
    TargetSettings,
    UnknownDefect,
    build_app,
    defects_for,
    start,
)
from authconform.targets.defects import register

FAST = TargetSettings(hash_iterations=1000)
LOGIN_CHECKS = {
    "LOGIN-OK-STATUS",
    "LOGIN-OK-CONTENT-TYPE",
    "LOGIN-OK-SCHEMA",
    "LOGIN-OK-TOKEN",
    "LOGIN-OK-NO-PASSWORD-ECHO",
    "LOGIN-MISSING-FIELD",
    "LOGIN-EMPTY-BODY",
    "LOGIN-MALFORMED-JSON",
    "LOGIN-WRONG-TYPE",
    "LOGIN-NO-5XX",
    "LOGIN-401-BAD-PASSWORD",
    "LOGIN-401-UNKNOWN-USER",
    "LOGIN-401-SAME-MESSAGE",
    "LOGIN-DISABLED-REFUSED",
}
NINJA_XHR = {"X-Requested-With": "XMLHttpRequest"}


@pytest.fixture
def serve() -> Iterator:
    """Start targets for one test and stop them all afterwards."""
    running: list[RunningTarget] = []

    def _start(flavour: str, defects: tuple[str, ...] = (), settings: TargetSettings = FAST) -> RunningTarget:
        target = start(flavour, defects, settings=settings)
        running.append(target)
        return target

    yield _start
    for target in running:
        target.stop()


def client(target: RunningTarget, headers: dict[str, str] | None = None) -> httpx.Client:
    """A client that keeps no cookies unless the test asks for them explicitly."""
    return httpx.Client(base_url=target.url, headers=headers, timeout=5)


def segment(token: str, index: int) -> bytes:
    part = token.split(".")[index]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def forged(payload: dict, signature: str = "AAAA") -> str:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64({'typ': 'JWT', 'alg': 'RS256'})}.{b64(payload)}.{signature}"


# --- registry and public API -----------------------------------------------------------------


def test_unknown_defect_is_refused_with_the_valid_names():
    with pytest.raises(UnknownDefect) as raised:
        build_app("pch-sig", ["no-such-defect"])
    message = str(raised.value)
    assert "no-such-defect" in message and "200-on-wrong-password" in message
    assert isinstance(raised.value, ValueError)


def test_unknown_flavour_is_refused():
    with pytest.raises(ValueError, match="keycloak"):
        build_app("keycloak")


def test_registering_a_defect_that_breaks_nothing_is_refused():
    with pytest.raises(ValueError, match="breaks no check"):
        register("proves-nothing", description="x", breaks={"pch-sig": set()})
    assert "proves-nothing" not in DEFECTS


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_defect_of_a_flavour_builds(flavour):
    for defect in defects_for(flavour):
        assert defect.description and defect.breaks[flavour]
        build_app(flavour, [defect.name], settings=FAST)
    assert build_app(flavour, [d.name for d in defects_for(flavour)], settings=FAST)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_login_check_has_a_defect_on_every_flavour(flavour):
    proven = set().union(*(d.breaks[flavour] for d in defects_for(flavour)))
    assert proven >= LOGIN_CHECKS, f"{flavour}: no defect breaks {sorted(LOGIN_CHECKS - proven)}"


def test_start_binds_a_free_port_and_stops_quickly():
    with start("pch-sig", settings=FAST) as target:
        assert target.url.startswith("http://127.0.0.1:") and not target.url.endswith(":0")
        assert target.env["TARGET_URL"] == target.url
        assert client(target).get("/api/me").status_code == 401
        began = time.monotonic()
    assert time.monotonic() - began < 1.0
    assert not target.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(target.url + "/api/me", timeout=1)


def test_environments_name_what_the_profiles_read(serve):
    expected = {
        "pch-sig": {
            "PCH_USER",
            "PCH_PASSWORD",
            "PCH_DISABLED_USER",
            "PCH_DISABLED_PASSWORD",
            "PCH_LOCKOUT_USER",
            "PCH_LOCKOUT_PASSWORD",
            "PCH_JWT_PUBLIC_KEY",
            "PCH_JWT_PRIVATE_KEY",
            "PCH_DISABLED_REFRESH_TOKEN",
            "TARGET_URL",
        },
        "chamilo": {
            "CHAMILO_USER",
            "CHAMILO_PASSWORD",
            "CHAMILO_DISABLED_USER",
            "CHAMILO_DISABLED_PASSWORD",
            "CHAMILO_LOCKOUT_USER",
            "CHAMILO_LOCKOUT_PASSWORD",
            "CHAMILO_JWT_PUBLIC_KEY",
            "CHAMILO_JWT_PRIVATE_KEY",
            "TARGET_URL",
        },
        "invoiceninja": {
            "NINJA_EMAIL",
            "NINJA_PASSWORD",
            "NINJA_LOCKED_EMAIL",
            "NINJA_LOCKED_PASSWORD",
            "NINJA_LOCKOUT_EMAIL",
            "NINJA_LOCKOUT_PASSWORD",
            "API_SECRET",
            "TARGET_URL",
        },
    }
    for flavour, names in expected.items():
        env = serve(flavour).env
        assert set(env) == names
        for name in names:
            if name.endswith("_KEY"):
                assert Path(env[name]).is_file()


# --- pch-sig ---------------------------------------------------------------------------------


@pytest.fixture
def pch(serve) -> RunningTarget:
    return serve("pch-sig")


def pch_login(target: RunningTarget, password: str | None = None) -> httpx.Response:
    password = target.env["PCH_PASSWORD"] if password is None else password
    return client(target).post("/api/login", json={"email": target.env["PCH_USER"], "password": password})


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_stock_targets_send_the_framework_headers_and_hardened_ones_add_hardening(flavour, serve):
    """Stock: Symfony's (and Laravel's) no-cache, private, no Pragma, no nosniff; hardened=true adds them."""
    for hardened in (False, True):
        target = serve(flavour, settings=replace(FAST, hardened=hardened))
        env, path = target.env, {"invoiceninja": "/api/v1/login", "chamilo": "/api/authentication_token"}
        identity = env.get("NINJA_EMAIL") or env.get("CHAMILO_USER") or env.get("PCH_USER")
        password = env.get("NINJA_PASSWORD") or env.get("CHAMILO_PASSWORD") or env.get("PCH_PASSWORD")
        fields = {"invoiceninja": "email", "chamilo": "username"}.get(flavour, "email")
        headers = {**NINJA_XHR, "X-API-SECRET": env.get("API_SECRET", "")} if flavour == "invoiceninja" else {}
        answer = client(target).post(path.get(flavour, "/api/login"), json={fields: identity, "password": password},
                                     headers=headers)
        assert answer.status_code == 200, answer.text[:300]
        if hardened:
            assert answer.headers["cache-control"] == "no-store, private"
            assert answer.headers["pragma"] == "no-cache" and answer.headers["x-content-type-options"] == "nosniff"
        else:
            assert answer.headers["cache-control"] == "no-cache, private"
            assert "pragma" not in answer.headers and "x-content-type-options" not in answer.headers


def test_pch_login_gives_an_rs256_token_with_the_seed_claims(pch):
    answer = pch_login(pch)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    # stock, as real Symfony + Lexik answers (research/lexik-real.md): the framework's default, nothing kinder
    assert answer.headers["cache-control"] == "no-cache, private"
    assert "pragma" not in answer.headers and "x-content-type-options" not in answer.headers
    body = answer.json()
    # gesdinet's return_expiration (on in the reference target) adds refresh_token_expiration
    assert list(body) == ["token", "refresh_token", "refresh_token_expiration", "user"]
    assert body["user"] == {
        "id": 1,
        "email": "admin@pch-sig.sn",
        "nomComplet": "Administrateur",
        "roles": ["ROLE_ADMIN"],
    }
    assert len(body["refresh_token"]) == 128 and set(body["refresh_token"]) <= set("0123456789abcdef")
    token = body["token"]
    assert segment(token, 0) == b'{"typ":"JWT","alg":"RS256"}'
    assert list(json.loads(segment(token, 1))) == ["iat", "exp", "roles", "email", "user_id"]
    claims = jwt.decode(token, Path(pch.env["PCH_JWT_PUBLIC_KEY"]).read_text(), algorithms=["RS256"])
    assert claims["exp"] - claims["iat"] == 3600
    assert (claims["email"], claims["user_id"], claims["roles"]) == ("admin@pch-sig.sn", 1, ["ROLE_ADMIN"])


def test_pch_refusals_match_the_seed(pch):
    http = client(pch)
    wrong = pch_login(pch, "not-the-password")
    unknown = http.post("/api/login", json={"email": "ghost@pch-sig.sn", "password": "x"})
    for answer in (wrong, unknown):
        assert answer.status_code == 401 and answer.json() == {"code": 401, "message": "Invalid credentials."}
        assert answer.headers["www-authenticate"] == "Bearer"
    missing = http.post("/api/login", json={"password": "x"})
    assert missing.status_code == 400
    assert missing.json() == {"code": 400, "message": 'The key "email" must be provided.'}
    assert "www-authenticate" not in missing.headers
    assert http.post("/api/login", json={"email": 5, "password": "x"}).json()["message"] == (
        'The key "email" must be a string.'
    )
    for raw in (b"", b"{bad", b"[]"):
        broken = http.post("/api/login", content=raw, headers={"Content-Type": "application/json"})
        assert (broken.status_code, broken.json()) == (400, {"code": 400, "message": "Invalid JSON."})
    form = http.post("/api/login", data={"email": "a", "password": "b"})
    assert form.status_code == 404 and form.headers["content-type"].startswith("text/html")


def test_pch_disabled_account_gets_403_only_with_its_password(pch):
    http = client(pch)
    right = http.post(
        "/api/login",
        json={"email": pch.env["PCH_DISABLED_USER"], "password": pch.env["PCH_DISABLED_PASSWORD"]},
    )
    assert right.status_code == 403 and right.json() == {"code": 403, "message": "Account is disabled."}
    assert right.headers["www-authenticate"] == "Bearer"
    wrong = http.post("/api/login", json={"email": pch.env["PCH_DISABLED_USER"], "password": "x"})
    assert wrong.status_code == 401


def test_pch_protected_endpoint_follows_lexik(pch):
    http = client(pch)
    token = pch_login(pch).json()["token"]
    assert (
        http.get("/api/me", headers={"Authorization": f"bearer {token}"}).json()["email"]
        == "admin@pch-sig.sn"
    )
    now = int(time.time())
    expired = forged({"iat": now - 7200, "exp": now - 3600, "email": "admin@pch-sig.sn"})
    cases = {
        None: "JWT Token not found",
        "Basic YTpi": "JWT Token not found",
        f"Bearer  {token}": "JWT Token not found",
        "Bearer abc.def.ghi": "Invalid JWT Token",
        f"Bearer {token[:-4]}AAAA": "Invalid JWT Token",
        f"Bearer {expired}": "Expired JWT Token",  # expiry is checked before the forged signature
    }
    for authorization, message in cases.items():
        answer = http.get("/api/me", headers={"Authorization": authorization} if authorization else {})
        assert (answer.status_code, answer.json()["message"]) == (401, message), authorization
        assert answer.headers["www-authenticate"] == "Bearer"


def test_pch_refresh_rotates_single_use_tokens(pch):
    http = client(pch)
    first = pch_login(pch).json()["refresh_token"]
    refreshed = http.post("/api/token/refresh", json={"refresh_token": first})
    assert refreshed.status_code == 200
    assert list(refreshed.json()) == ["token", "refresh_token", "refresh_token_expiration"]
    second = refreshed.json()["refresh_token"]
    assert second != first
    assert http.post("/api/token/refresh", data={"refresh_token": second}).status_code == 200
    reused = http.post("/api/token/refresh", json={"refresh_token": first})
    assert reused.json() == {"code": 401, "message": "JWT Refresh Token Not Found"}
    assert "www-authenticate" not in reused.headers
    assert http.post("/api/token/refresh", json={}).json()["message"] == "Missing JWT Refresh Token"
    store = pch.app.state.target.refresh_tokens
    expired = store.create("admin@pch-sig.sn", ttl=-1)
    assert http.post("/api/token/refresh", json={"refresh_token": expired}).json()["message"] == (
        "Invalid JWT Refresh Token"
    )
    disabled = store.create("disabled@pch-sig.sn")
    assert http.post("/api/token/refresh", json={"refresh_token": disabled}).json()["message"] == (
        "Invalid credentials."
    )


def test_pch_refresh_token_is_reusable_without_single_use(serve):
    target = serve("pch-sig", settings=TargetSettings(hash_iterations=1000, refresh_single_use=False))
    token = pch_login(target).json()["refresh_token"]
    for _ in range(2):
        answer = client(target).post("/api/token/refresh", json={"refresh_token": token})
        assert answer.status_code == 200 and answer.json()["refresh_token"] == token


# --- chamilo ---------------------------------------------------------------------------------


def test_chamilo_login_token_and_session_cookie(serve):
    target = serve("chamilo")
    env = target.env
    with httpx.Client(base_url=target.url) as browser:  # keeps cookies, as a careless harness would
        credentials = {"username": env["CHAMILO_USER"], "password": env["CHAMILO_PASSWORD"]}
        answer = browser.post("/api/authentication_token", json=credentials)
        assert answer.status_code == 200 and list(answer.json()) == ["token"]
        assert "httponly" in answer.headers["set-cookie"] and answer.headers["set-cookie"].startswith(
            "ch_sid="
        )
        claims = jwt.decode(
            answer.json()["token"], Path(env["CHAMILO_JWT_PUBLIC_KEY"]).read_text(), ["RS256"]
        )
        assert list(claims) == ["iat", "exp", "roles", "username"] and claims["username"] == "admin"
        by_cookie = browser.get("/api/users")
        assert by_cookie.status_code == 200
        assert by_cookie.headers["content-type"] == "application/ld+json; charset=utf-8"
        assert by_cookie.json()["hydra:member"] == [{"username": "admin"}]
    http = client(target)
    nothing = http.get("/api/users")
    assert nothing.status_code == 401 and nothing.json() == {"code": 401, "message": "JWT Token not found"}
    bearer = http.get("/api/users", headers={"Authorization": f"Bearer {answer.json()['token']}"})
    assert bearer.status_code == 200


def test_chamilo_refusals_hide_the_account_and_follow_the_language(serve):
    target = serve("chamilo")
    http = client(target)
    for username, password in (("admin", "nope"), ("ghost", "x"), ("disabled1", "disabled1-pass")):
        answer = http.post("/api/authentication_token", json={"username": username, "password": password})
        assert (answer.status_code, answer.json()) == (401, {"code": 401, "message": "Invalid credentials."})
        assert answer.headers["www-authenticate"] == "Bearer"
    french = http.post(
        "/api/authentication_token",
        json={"username": "admin", "password": "nope"},
        headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"},
    )
    assert french.json()["message"] == "Identifiants invalides."
    missing = http.post("/api/authentication_token", json={"password": "x"})
    assert (missing.status_code, missing.json()) == (400, {"error": 'The key "username" must be provided.'})


def test_chamilo_throttles_after_ten_failures_even_for_the_right_password(serve):
    target = serve("chamilo")
    http = client(target)
    for _ in range(10):
        assert (
            http.post("/api/authentication_token", json={"username": "admin", "password": "no"}).status_code
            == 401
        )
    locked = http.post("/api/authentication_token", json={"username": "ADMIN", "password": "admin"})
    assert locked.json()["message"] == "Too many failed login attempts, please try again in 1 minute."


# --- invoiceninja ----------------------------------------------------------------------------


@pytest.fixture
def ninja(serve) -> RunningTarget:
    return serve("invoiceninja")


def ninja_login(target: RunningTarget, email: str, password: str, **headers: str) -> httpx.Response:
    sent = {**NINJA_XHR, "X-API-SECRET": target.env["API_SECRET"], **headers}
    return client(target).post("/api/v1/login", json={"email": email, "password": password}, headers=sent)


def test_ninja_login_gives_a_company_user_tree_and_an_api_token(ninja):
    answer = ninja_login(ninja, ninja.env["NINJA_EMAIL"], ninja.env["NINJA_PASSWORD"])
    assert answer.status_code == 200 and answer.headers["x-app-version"] == "5.10.42"
    assert answer.text.startswith('{\n    "data": [')
    body = answer.json()
    assert list(body) == ["data", "meta"] and "pagination" in body["meta"]
    company_user = body["data"][0]
    assert company_user["is_locked"] is False and company_user["token"]["is_system"] is True
    token = company_user["token"]["token"]
    assert len(token) == 64 and token.isalnum()
    http = client(ninja)
    assert http.get("/api/v1/clients", headers={"X-API-TOKEN": token}).status_code == 200
    refused = http.get("/api/v1/clients", headers={"Authorization": f"Bearer {token}"})
    assert (refused.status_code, refused.json()) == (403, {"message": "Invalid token", "errors": {}})
    static = http.post(
        "/api/v1/login?include_static=true",
        headers={**NINJA_XHR, "x-api-secret": ninja.env["API_SECRET"]},  # header names are case-insensitive
        json={"email": ninja.env["NINJA_EMAIL"], "password": ninja.env["NINJA_PASSWORD"]},
    )
    assert list(static.json()) == ["data", "meta", "static"]


def test_ninja_secret_validation_and_method(ninja):
    env = ninja.env
    no_secret = client(ninja).post("/api/v1/login", json={"email": env["NINJA_EMAIL"], "password": "x"})
    assert (no_secret.status_code, no_secret.json()) == (403, {"message": "Invalid secret", "errors": {}})
    missing = ninja_login(ninja, env["NINJA_EMAIL"], "")
    assert missing.status_code == 422
    assert missing.json() == {
        "message": "The given data was invalid.",
        "errors": {"password": ["The password field is required."]},
    }
    redirected = client(ninja).post("/api/v1/login", json={}, headers={"X-API-SECRET": env["API_SECRET"]})
    assert redirected.status_code == 302 and redirected.headers["location"] == ninja.url + "/"
    wrong = ninja_login(ninja, "ghost@invoiceninja.com", "x")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"message": "These credentials do not match our records"},
    )
    method = client(ninja).get("/api/v1/login")
    assert (method.status_code, method.json()) == (404, {"message": "Method not supported for this route"})


def test_ninja_without_api_secret_does_not_check_the_header(serve):
    target = serve("invoiceninja", settings=TargetSettings(hash_iterations=1000, api_secret=None))
    assert target.env["API_SECRET"] == ""
    answer = client(target, NINJA_XHR).post(
        "/api/v1/login", json={"email": target.env["NINJA_EMAIL"], "password": target.env["NINJA_PASSWORD"]}
    )
    assert answer.status_code == 200


def test_ninja_locked_user_logs_in_but_its_token_is_refused(ninja):
    answer = ninja_login(ninja, ninja.env["NINJA_LOCKED_EMAIL"], ninja.env["NINJA_LOCKED_PASSWORD"])
    assert answer.status_code == 200 and answer.json()["data"][0]["is_locked"] is True
    token = answer.json()["data"][0]["token"]["token"]
    used = client(ninja).get("/api/v1/clients", headers={"X-API-TOKEN": token})
    assert (used.status_code, used.json()) == (403, {"message": "User access locked", "errors": {}})


def test_ninja_locks_an_email_after_five_failures_even_for_the_right_password(ninja):
    email = ninja.env["NINJA_EMAIL"]
    for _ in range(5):
        assert ninja_login(ninja, email.upper(), "wrong").json()["message"] == (
            "These credentials do not match our records"
        )
    locked = ninja_login(ninja, email, ninja.env["NINJA_PASSWORD"])
    assert (locked.status_code, locked.json()) == (
        401,
        {"message": "Too many login attempts, you are being throttled"},
    )


# --- defects change what they say they change --------------------------------------------------


def test_wrong_password_defect_logs_in(serve):
    target = serve("pch-sig", ("200-on-wrong-password",))
    assert pch_login(target, "anything").status_code == 200


def test_disabled_defect_lets_the_locked_ninja_token_work(serve):
    target = serve("invoiceninja", ("disabled-account-logs-in",))
    answer = ninja_login(target, target.env["NINJA_LOCKED_EMAIL"], target.env["NINJA_LOCKED_PASSWORD"])
    token = answer.json()["data"][0]["token"]["token"]
    assert client(target).get("/api/v1/clients", headers={"X-API-TOKEN": token}).status_code == 200


def test_null_field_defect_crashes_only_on_null(serve):
    target = serve("chamilo", ("500-on-null-field",))
    http = client(target)
    assert http.post("/api/authentication_token", json={"username": None, "password": "x"}).status_code == 500
    assert http.post("/api/authentication_token", json={"username": 1, "password": "x"}).status_code == 400
