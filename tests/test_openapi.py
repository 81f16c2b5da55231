"""The OpenAPI suite's machinery: where a spec is found, Swagger 2.0 and file specs, and lazy imports.

The suite's verdicts on the reference targets are proven in test_conformance.py (clean targets pass,
each OpenAPI defect fails exactly its checks). Here: a plain run whose profile has no ``openapi``
section never imports schemathesis, hypothesis or the validators, and skips the OpenAPI checks
with the reason; a profile may name a file instead of a path on the target; a Swagger 2.0
document is read, validated, fuzzed and used to judge the run's exchanges.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from authconform.openapi.document import Document, SpecUnavailable, locate, parse
from authconform.targets.defects import select
from authconform.targets.openapi import pchsig

from .conftest import ROOT

FAST = ["--target-option", "hash_iterations=1000"]
HEAVY = ("schemathesis", "hypothesis", "openapi_spec_validator", "openapi_schema_validator")
WORKER = "authconform.openapi.worker"  # loaded by the run only when it fuzzes: the probe's control
PROBE = f'''
import json, os, sys

def pytest_sessionfinish(session):
    loaded = sorted(set(sys.modules) & set({HEAVY + (WORKER,)!r}))
    with open(os.environ["AUTHCONFORM_IMPORT_PROBE"], "w") as handle:
        json.dump(loaded, handle)
'''


def _profile_copy(tmp_path: Path, openapi: dict | None) -> Path:
    """profiles/pch-sig.yaml with its openapi section replaced (or removed), beside nothing else."""
    data = yaml.safe_load((ROOT / "profiles" / "pch-sig.yaml").read_text())
    data.pop("openapi", None)
    if openapi is not None:
        data["openapi"] = openapi
    path = tmp_path / "profile" / "pch-sig-copy.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _probe_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    folder = tmp_path / "probe"
    folder.mkdir()
    (folder / "authconform_import_probe.py").write_text(PROBE)
    found = tmp_path / "imported.json"
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])),
           "AUTHCONFORM_IMPORT_PROBE": str(found)}
    return env, found


def test_plain_run_never_imports_schemathesis_and_skips_openapi(tmp_path, run_authconform):
    profile = _profile_copy(tmp_path, None)
    env, found = _probe_env(tmp_path)
    outcome = run_authconform("run", "--profile", str(profile), *FAST, "--", "-p", "authconform_import_probe",
                              env=env)
    assert outcome.summary is not None, outcome.output[-3000:]
    assert json.loads(found.read_text()) == [], "a run without an openapi section imported these"
    skipped = outcome.reasons("skipped")
    openapi_checks = {c["id"] for c in outcome.summary["checks"] if c["id"].startswith("OPENAPI-")}
    assert openapi_checks == {"OPENAPI-SPEC-VALID", "OPENAPI-LOGIN-DOCUMENTED", "OPENAPI-EXCHANGES-CONFORM",
                              "OPENAPI-STATUSES-DOCUMENTED", "OPENAPI-FUZZ"}
    for check_id in openapi_checks:
        assert "no openapi section" in skipped.get(check_id, ""), (check_id, skipped.get(check_id))


def test_a_fuzzing_run_keeps_schemathesis_out_of_its_own_process(tmp_path, run_authconform):
    """The same probe sees the worker module a fuzzing run loads (its control), and no fuzzing library.

    schemathesis and hypothesis are imported in the OpenAPI worker process only.
    """
    env, found = _probe_env(tmp_path)
    outcome = run_authconform("run", "--profile", "pch-sig", *FAST, "-k", "fuzzed", "--",
                              "-p", "authconform_import_probe", env=env)
    assert outcome.summary is not None, outcome.output[-3000:]
    ran = {c["id"]: c["outcome"] for c in outcome.summary["checks"] if c["outcome"] != "not_selected"}
    assert ran == {"OPENAPI-FUZZ": "passed"}
    assert json.loads(found.read_text()) == [WORKER]
    assert outcome.summary["requests"] > 10, outcome.summary["requests"]  # the worker's, sent and counted by the run


def swagger2_document() -> dict:
    """PCH-SIG's login and refresh as a Swagger 2.0 document (NelmioApiDocBundle 3 wrote this dialect)."""
    error = {"$ref": "#/definitions/Error"}
    return {
        "swagger": "2.0",
        "info": {"title": "PCH-SIG API", "version": "1.0.0"},
        "basePath": "/api",
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": {
            "/login": {"post": {
                "operationId": "login",
                "produces": ["application/json", "text/html"],
                "parameters": [{"in": "body", "name": "credentials", "required": True, "schema": {
                    "type": "object", "required": ["email", "password"],
                    "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}],
                "responses": {
                    "200": {"description": "Token pair and user", "schema": {
                        "type": "object", "required": ["token", "refresh_token", "user"],
                        "properties": {"token": {"type": "string"}, "refresh_token": {"type": "string"},
                                       "user": {"$ref": "#/definitions/User"}}}},
                    "400": {"description": "Missing data", "schema": error},
                    "401": {"description": "Invalid credentials", "schema": error},
                    "403": {"description": "Account disabled", "schema": error},
                    "404": {"description": "Not JSON: no route", "schema": {"type": "string"}},
                },
            }},
            "/token/refresh": {"post": {
                "operationId": "refreshToken",
                "parameters": [{"in": "body", "name": "body", "required": True, "schema": {
                    "type": "object", "required": ["refresh_token"],
                    "properties": {"refresh_token": {"type": "string"}}}}],
                "responses": {
                    "200": {"description": "New token pair", "schema": {
                        "type": "object", "required": ["token", "refresh_token"],
                        "properties": {"token": {"type": "string"}, "refresh_token": {"type": "string"}}}},
                    "401": {"description": "Refused", "schema": error},
                },
            }},
        },
        "definitions": {
            "User": {"type": "object", "required": ["id", "email", "nomComplet", "roles"],
                     "properties": {"id": {"type": "integer"}, "email": {"type": "string"},
                                    "nomComplet": {"type": "string"},
                                    "roles": {"type": "array", "items": {"type": "string"}}}},
            "Error": {"type": "object", "required": ["code", "message"],
                      "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}},
        },
    }


def test_a_swagger2_file_spec_drives_the_whole_suite(tmp_path, run_authconform):
    """A relative file next to the profile, in Swagger 2.0: validated, fuzzed, and judging every exchange."""
    profile = _profile_copy(tmp_path, {"spec": "pch-sig-swagger.yaml", "fuzz_examples": 20})
    (profile.parent / "pch-sig-swagger.yaml").write_text(yaml.safe_dump(swagger2_document()))
    outcome = run_authconform("run", "--profile", str(profile), *FAST, "-k", "login or openapi")
    assert outcome.summary is not None, outcome.output[-3000:]
    outcomes = {c["id"]: c["outcome"] for c in outcome.summary["checks"] if c["id"].startswith("OPENAPI-")}
    # the document has only the login and refresh: no other operation's statuses to judge
    assert outcomes.pop("OPENAPI-STATUSES-DOCUMENTED") == "skipped", outcome.summary["checks"]
    assert outcomes == dict.fromkeys(outcomes, "passed") and len(outcomes) == 4, outcome.summary["checks"]
    drifted = run_authconform("run", "--profile", str(profile), *FAST, "-k", "login or openapi",
                              "--defect", "schema-drift")
    assert drifted.failed == {"OPENAPI-EXCHANGES-CONFORM"}
    reason = drifted.summary and next(c["reason"] for c in drifted.summary["checks"]
                                      if c["id"] == "OPENAPI-EXCHANGES-CONFORM")
    assert "at $.user.nomComplet: missing" in reason, reason


def test_where_a_spec_is_looked_for():
    assert locate("/api/docs.jsonopenapi") == ("target", "/api/docs.jsonopenapi")
    assert locate("https://example.org/openapi.json") == ("url", "https://example.org/openapi.json")
    assert locate("openapi/api-docs.yaml") == ("file", "openapi/api-docs.yaml")
    assert locate("file:///srv/spec.yaml") == ("file", "/srv/spec.yaml")


def test_yaml_status_keys_are_read_as_strings():
    text = b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n" \
           b"        200: {description: ok}\n"
    document = Document(parse(text, ".yaml", "test"), "test")
    assert document.find("GET", "/x").response_key(200) == "200"
    with pytest.raises(SpecUnavailable, match="not an OpenAPI document"):
        parse(b'{"title": "a JSON Schema, not OpenAPI"}', ".json", "test")


def test_findings_name_the_json_path_and_never_a_token():
    document = Document(pchsig.document(select("pch-sig", [])), "test")
    login = document.find("POST", "/api/login")
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    body = json.dumps({"token": 7, "refresh_token": jwt, "user": {"id": "1", "email": "e", "roles": []}})
    problems = document.response_problems(login, 200, "application/json", body.encode())
    assert "at $.token: type 'string' does not hold for 7" in problems
    assert "at $.user.nomComplet: missing (the document requires it)" in problems
    assert "at $.user.id: type 'integer' does not hold for string '1'" in problems
    assert not any(jwt in p for p in problems)
    assert document.response_problems(login, 418, "application/json", b"{}") == [
        "status 418 is not documented (documented: 200, 400, 401, 403, 404)"]


def test_a_concrete_path_wins_over_a_templated_one():
    """OpenAPI's Paths Object: /users/me is matched before /users/{id}, wherever the document lists it."""
    raw = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "/api"}], "paths": {
        "/users/{id}": {"get": {"responses": {"200": {"description": "a user"}}}},
        "/users/{id}/{field}": {"get": {"responses": {"200": {"description": "a field"}}}},
        "/users/me": {"get": {"responses": {"200": {"description": "the caller"}}}},
        "/users/me/{field}": {"get": {"responses": {"200": {"description": "a field of the caller"}}}},
    }}
    document = Document(raw, "test")
    assert document.find("GET", "/api/users/me").path == "/users/me"
    assert document.find("GET", "http://127.0.0.1:1/api/users/me?x=1").path == "/users/me"
    assert document.find("GET", "/api/users/42").path == "/users/{id}"
    assert document.find("GET", "/api/users/me/email").path == "/users/me/{field}"
    assert document.find("GET", "/api/users/42/email").path == "/users/{id}/{field}"
    assert document.find("POST", "/api/users/me") is None


# --- OPENAPI-FUZZ judges 5xx and documented bodies; an undocumented status is a documentation finding ---


def _cms_login_document() -> dict:
    """A headless CMS's login as its document has it: 200 and 401 only, errors as {"errors": [{"message"}]}."""
    errors = {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": {
        "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}}}
    return {"openapi": "3.0.3", "info": {"title": "cms", "version": "1"}, "paths": {"/auth/login": {"post": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["email", "password"],
            "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}}}},
            "401": {"description": "refused", "content": {"application/json": {"schema": errors}}}}}}}}


def _cms_login_app(broken_401: bool):
    """The login: 400 (undocumented) for a body that is not two strings, 401 for wrong credentials."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def login(request):
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("email", "password")):
            return JSONResponse({"errors": [{"message": "Invalid payload."}]}, status_code=400)
        if broken_401:
            return JSONResponse({"error": "Invalid user credentials."}, status_code=401)
        return JSONResponse({"errors": [{"message": "Invalid user credentials."}]}, status_code=401)

    return Starlette(routes=[Route("/auth/login", login, methods=["POST"])])


def _fuzz(broken_401: bool, *, seconds: float | None = None, rps: float = 0, examples: int = 25):
    from authconform.endpoints.budget import FailedLoginBudget
    from authconform.http.client import TargetClient
    from authconform.http.exchanges import Recorder
    from authconform.http.redaction import Redactor
    from authconform.openapi.fuzz import fuzz_operation
    from authconform.targets.server import BackgroundServer

    server = BackgroundServer(_cms_login_app(broken_401))
    server.start()
    try:
        recorder = Recorder()
        client = TargetClient(f"http://127.0.0.1:{server.port}", redactor=Redactor(), recorder=recorder, timeout=5,
                              requests_per_second=rps)
        report = fuzz_operation(_cms_login_document(), "POST", "/auth/login", client=client,
                                budget=FailedLoginBudget(0, {}), identities=[], examples=examples, seconds=seconds)
        return report, recorder.exchanges
    finally:
        server.stop()


def test_fuzz_leaves_an_undocumented_status_to_the_documentation_check():
    report, exchanges = _fuzz(broken_401=False)
    statuses = {e.status for e in exchanges}
    assert report.sent > 0 and 400 in statuses, statuses  # the undocumented 400 was met ...
    assert report.failure is None, report.failure  # ... and is not OPENAPI-FUZZ's finding
    login = Document(_cms_login_document(), "test").find("POST", "/auth/login")
    assert login.response_key(400) is None  # OPENAPI-LOGIN-DOCUMENTED reports it from these exchanges


def test_fuzz_fails_a_body_that_breaks_its_documented_schema():
    report, _ = _fuzz(broken_401=True)
    assert report.failure is not None
    assert "response_schema_conformance" in report.by_check, report.by_check
    assert "status_code_conformance" not in report.by_check


def test_fuzz_stops_at_its_time_bound_on_a_paced_target():
    """openapi.fuzz_seconds: 25 examples at 10 requests/s would take 2.5 s; 1 s sends about 10, then stops."""
    report, exchanges = _fuzz(broken_401=False, seconds=1.0, rps=10)
    assert report.out_of_time and 0 < report.sent <= 12, (report.out_of_time, report.sent)
    assert len(exchanges) == report.sent  # every request went through the run's (paced, recording) client
    unbounded, _ = _fuzz(broken_401=False, rps=0)
    assert not unbounded.out_of_time and unbounded.sent > report.sent, unbounded.sent


def test_a_failure_found_before_the_time_bound_is_still_reported():
    """Within the bound the failure is kept, whether or not shrinking then ran into it.

    Whether Hypothesis shrinks at all depends on its first example (a minimal one needs no shrinking),
    so the test does not insist the bound was hit; it insists the bound held and the failure survived.
    """
    report, exchanges = _fuzz(broken_401=True, seconds=1.0, rps=10)
    assert report.failure is not None and "response_schema_conformance" in report.by_check, report.by_check
    assert 0 < report.sent <= 12 and len(exchanges) == report.sent, report.sent


def test_fuzzing_libraries_are_left_out_of_assert_rewriting():
    """schemathesis and hypothesis are pytest plugins: pytest would rewrite all their modules on first import."""
    from types import SimpleNamespace

    from authconform.openapi.libraries import leave_unrewritten

    hook = SimpleNamespace(_must_rewrite={"schemathesis", "hypothesis", "_hypothesis_pytestplugin", "xdist",
                                          "pytest_html.plugin", "authconform"},
                           _marked_for_rewrite_cache={"schemathesis.core": True})
    leave_unrewritten(SimpleNamespace(pluginmanager=SimpleNamespace(rewrite_hook=hook)))
    assert hook._must_rewrite == {"xdist", "pytest_html.plugin", "authconform"}
    assert hook._marked_for_rewrite_cache == {}
