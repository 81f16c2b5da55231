"""A server shaped like the Node.js headless CMS of issue 13, where four verdicts went wrong.

The CMS (Directus-like) signs HS256 tokens whose ``role`` claim is null for a user without a role
and whose identity claim ``id`` is the account's UUID, not its e-mail; it publishes its OpenAPI
document only to a logged-in caller (and, here, only with a docs key header); its document lists
``/users/{id}`` before ``/users/me``. The server below is a real HTTP server on loopback that
verifies every signature, so on it:

- ACCESS-PAYLOAD-TAMPERED passes: the forged payload really differs (role null becomes "admin")
  and is refused; before, the "tampered" token was the valid one and its acceptance a false failure;
- TOKEN-IDENTITY-CLAIM compares ``id`` with the account's id, stated (``accounts.valid.id``) or read
  from the login answer (``token.claims.identity_pointer``);
- OPENAPI-SPEC-VALID gets the document with ``openapi.auth`` and ``openapi.headers`` (whose value
  never reaches a report), and says how to get it without them;
- OPENAPI-EXCHANGES-CONFORM judges ``GET /users/me`` by ``/users/me``, not by the ``/users/{id}``
  listed first (whose schema the answer would break).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jwt
import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from authconform.targets.server import BackgroundServer

SECRET = "cms-hs256-secret-" + uuid.uuid4().hex
USER = {"id": str(uuid.uuid4()), "email": "editor@example.org", "password": "pw-" + uuid.uuid4().hex[:12],
        "first_name": "Ed"}
DOCS_KEY = "docs-" + uuid.uuid4().hex
SELECTED = ("tampered_payload or identity_claim_names or document_is_valid or recorded_exchanges or "
            "valid_token_is_accepted")

_ERRORS = {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": {
    "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}}}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _document() -> dict:
    """The CMS's document, ``/users/{id}`` first (its full user requires first_name), then ``/users/me``."""
    refused = {"description": "refused", "content": _json(_ERRORS)}
    full_user = {"type": "object", "required": ["data"], "properties": {"data": {
        "type": "object", "required": ["id", "email", "first_name"], "additionalProperties": False,
        "properties": {"id": {"type": "string"}, "email": {"type": "string"}, "first_name": {"type": "string"}}}}}
    me = {"type": "object", "required": ["data"], "properties": {"data": {
        "type": "object", "required": ["id", "email", "role"], "additionalProperties": False,
        "properties": {"id": {"type": "string"}, "email": {"type": "string"}, "role": {"nullable": True,
                                                                                      "type": "string"}}}}}
    login_ok = {"type": "object", "required": ["data", "user"], "properties": {
        "data": {"type": "object", "required": ["access_token"], "properties": {
            "access_token": {"type": "string"}, "expires": {"type": "integer"}}},
        "user": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}}
    user_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {"openapi": "3.0.3", "info": {"title": "CMS", "version": "10"}, "paths": {
        "/users/{id}": {"get": {"parameters": [user_id], "responses": {
            "200": {"description": "a user", "content": _json(full_user)}, "401": refused, "403": refused}}},
        "/users/me": {"get": {"responses": {"200": {"description": "the caller", "content": _json(me)},
                                             "401": refused}}},
        "/auth/login": {"post": {"requestBody": {"content": _json({"type": "object", "properties": {
            "email": {"type": "string"}, "password": {"type": "string"}}})}, "responses": {
            "200": {"description": "logged in", "content": _json(login_ok)}, "401": refused}}},
    }}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status)


def _caller(request: Request) -> dict | None:
    """The verified claims of the bearer token, or None (signature, algorithm and expiry all checked)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return jwt.decode(token, SECRET, algorithms=["HS256"], issuer="directus")
    except jwt.PyJWTError:
        return None


async def login(request: Request) -> JSONResponse:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "Invalid payload.")
    if not isinstance(body, dict) or body.get("email") != USER["email"] or body.get("password") != USER["password"]:
        return _error(401, "Invalid user credentials.")
    now = int(time.time())
    claims = {"id": USER["id"], "role": None, "app_access": False, "admin_access": False, "iat": now,
              "exp": now + 900, "iss": "directus"}
    return JSONResponse({"data": {"access_token": jwt.encode(claims, SECRET, algorithm="HS256"), "expires": 900000},
                         "user": {"id": USER["id"]}})


async def me(request: Request) -> JSONResponse:
    claims = _caller(request)
    if claims is None:
        return _error(401, "Invalid user credentials.")
    return JSONResponse({"data": {"id": claims["id"], "email": USER["email"], "role": claims["role"]}})


async def user(request: Request) -> JSONResponse:
    claims = _caller(request)
    if claims is None:
        return _error(401, "Invalid user credentials.")
    if request.path_params["id"] != claims["id"] or claims.get("admin_access") is not True:
        return _error(403, "You don't have permission to access this.")
    return JSONResponse({"data": {k: USER[k] for k in ("id", "email", "first_name")}})


async def specs(request: Request) -> JSONResponse:
    if _caller(request) is None or request.headers.get("x-docs-key") != DOCS_KEY:
        return _error(403, "You don't have permission to access this.")
    return JSONResponse(_document())


@pytest.fixture(scope="module")
def cms():
    app = Starlette(routes=[Route("/auth/login", login, methods=["POST"]), Route("/users/me", me),
                            Route("/users/{id}", user), Route("/server/specs/oas", specs)])
    server = BackgroundServer(app)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def _profile(folder: Path, url: str, **changes) -> Path:
    data = {
        "name": "cms",
        "base_url": url,
        "login": {"path": "/auth/login", "fields": {"identity": "email", "password": "password"},
                  "success": {"status": 200, "token": "/data/access_token"},
                  "errors": {"bad_credentials": {"status": 401, "message": "Invalid user credentials.",
                                                 "message_pointer": "/errors/0/message"}}},
        "accounts": {"valid": {"identity": "${CMS_USER}", "password": "${CMS_PASSWORD}"}},
        "token": {"algorithms": ["HS256"], "lifetime": 900,
                  "claims": {"identity": "id", "identity_pointer": "/user/id"}},
        "protected": {"path": "/users/me"},
        "openapi": {"spec": "/server/specs/oas", "auth": True, "headers": {"X-Docs-Key": "${CMS_DOCS_KEY}"},
                    "fuzz_examples": 0},
        "limits": {"requests_per_second": 0},
    }
    for dotted, value in changes.items():
        *parents, name = dotted.split("__")
        node = data
        for part in parents:
            node = node[part]
        if value is None:
            node.pop(name, None)
        else:
            node[name] = value
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cms.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


ENV = {"CMS_USER": USER["email"], "CMS_PASSWORD": USER["password"], "CMS_DOCS_KEY": DOCS_KEY,
       "CMS_USER_ID": USER["id"]}


def _run(run_authconform, path: Path, url: str):
    outcome = run_authconform("run", "--profile", str(path), "--base-url", url, "-k", SELECTED, env=ENV)
    assert outcome.summary is not None, outcome.output[-3000:]
    return outcome, {c["id"]: c for c in outcome.summary["checks"]}


def test_the_cms_gets_the_right_verdicts(cms, tmp_path, run_authconform):
    outcome, checks = _run(run_authconform, _profile(tmp_path, cms), cms)
    for check_id in ("ACCESS-VALID-TOKEN", "ACCESS-PAYLOAD-TAMPERED", "TOKEN-IDENTITY-CLAIM", "OPENAPI-SPEC-VALID",
                     "OPENAPI-EXCHANGES-CONFORM"):
        assert checks[check_id]["outcome"] == "passed", checks[check_id]
    assert outcome.code == 0, outcome.output[-2000:]
    for artifact in outcome.report_dir.iterdir():  # the docs key is a secret: in no report file
        if artifact.is_file():
            text = artifact.read_text(encoding="utf-8", errors="replace")
            assert DOCS_KEY not in text and USER["password"] not in text, artifact.name
    exchanges = (outcome.report_dir / "report.html").read_text(encoding="utf-8")
    assert "role escalation (admin_access, role changed)" in exchanges  # a null role really raised


def test_the_identity_claim_may_be_the_stated_id(cms, tmp_path, run_authconform):
    stated = _profile(tmp_path / "stated", cms, token__claims__identity_pointer=None)
    data = yaml.safe_load(stated.read_text())
    data["accounts"]["valid"]["id"] = "${CMS_USER_ID}"
    stated.write_text(yaml.safe_dump(data, sort_keys=False))
    _, checks = _run(run_authconform, stated, cms)
    assert checks["TOKEN-IDENTITY-CLAIM"]["outcome"] == "passed", checks["TOKEN-IDENTITY-CLAIM"]

    wrong = _profile(tmp_path / "wrong", cms, token__claims__identity_pointer=None)
    data = yaml.safe_load(wrong.read_text())
    data["accounts"]["valid"]["id"] = str(uuid.uuid4())
    wrong.write_text(yaml.safe_dump(data, sort_keys=False))
    _, checks = _run(run_authconform, wrong, cms)
    assert checks["TOKEN-IDENTITY-CLAIM"]["outcome"] == "failed"
    assert "accounts.valid.id" in checks["TOKEN-IDENTITY-CLAIM"]["reason"]

    unsaid = _profile(tmp_path / "unsaid", cms, token__claims__identity_pointer=None)  # compared with the e-mail
    _, checks = _run(run_authconform, unsaid, cms)
    assert checks["TOKEN-IDENTITY-CLAIM"]["outcome"] == "failed"
    assert "accounts.valid.identity" in checks["TOKEN-IDENTITY-CLAIM"]["reason"]

    elsewhere = _profile(tmp_path / "elsewhere", cms, token__claims__identity_pointer="/user/uuid")
    _, checks = _run(run_authconform, elsewhere, cms)
    assert checks["TOKEN-IDENTITY-CLAIM"]["outcome"] == "failed"
    assert "no id at /user/uuid" in checks["TOKEN-IDENTITY-CLAIM"]["reason"]


def test_the_document_needs_the_token_and_the_header(cms, tmp_path, run_authconform):
    _, checks = _run(run_authconform, _profile(tmp_path / "anonymous", cms, openapi__auth=None), cms)
    assert checks["OPENAPI-SPEC-VALID"]["outcome"] == "failed"
    assert "set openapi.auth: true" in checks["OPENAPI-SPEC-VALID"]["reason"]
    assert checks["OPENAPI-EXCHANGES-CONFORM"]["outcome"] == "skipped"

    _, checks = _run(run_authconform, _profile(tmp_path / "no-header", cms, openapi__headers=None), cms)
    assert checks["OPENAPI-SPEC-VALID"]["outcome"] == "failed"
    assert "with the run's token (openapi.auth) answered 403" in checks["OPENAPI-SPEC-VALID"]["reason"]
