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


# --- checks that skip on both peers, for the same reason --------------------------------------------

NO_OPENAPI = skipped("the profile has no openapi section",
                     "flask-jwt-extended has no OpenAPI generator; the SimpleJWT peer overrides these")
NO_SECRET_HEADER = skipped("the profile has no secret_header", "neither framework has a shared-secret header")
COMMON: dict[str, Verdict] = {
    "OPENAPI-SPEC-VALID": NO_OPENAPI,
    "OPENAPI-LOGIN-DOCUMENTED": NO_OPENAPI,
    "OPENAPI-EXCHANGES-CONFORM": NO_OPENAPI,
    "OPENAPI-FUZZ": NO_OPENAPI,
    "SECRET-MISSING-REFUSED": NO_SECRET_HEADER,
    "SECRET-WRONG-REFUSED": NO_SECRET_HEADER,
    "SECRET-RIGHT-ACCEPTED": NO_SECRET_HEADER,
    "SECRET-NAME-CASE-INSENSITIVE": NO_SECRET_HEADER,
    "SECRET-SAME-ORIGIN": NO_SECRET_HEADER,
    "SECRET-NOT-ECHOED": NO_SECRET_HEADER,
    "HEADERS-REQUIRED-LOGIN": skipped("the profile names no login.headers", "a plain JSON login needs no extra header"),
    "ACCESS-ES256-ZERO-SIGNATURE": skipped("CVE-2022-21449 concerns ECDSA verifiers", "neither signs with ES*"),
    "SEC-ENUM-RESPONSE": passes("one refusal, byte for byte, for an unknown user and a wrong password"),
    "SEC-ENUM-TIMING": passes("both hash the password of an unknown user too (Django's ModelBackend runs the "
                              "hasher for a missing user; the Flask view checks a dummy hash)"),
    "SEC-LOCKOUT": skipped("opt-in", "neither framework locks accounts or throttles logins unless configured to "
                                     "(DRF throttling is opt-in), so the profiles leave the probe off"),
    "SEC-TRANSPORT-TLS": passes("plain http on loopback only"),
    "SEC-TRANSPORT-HSTS": skipped("the target is plain http", "loopback servers without TLS"),
    "SEC-CORS": passes("no CORS headers at all: no cross-origin grant"),
    "SEC-CREDENTIALS-IN-QUERY": passes("the credentials are read from the body only"),
    "SEC-ERROR-LEAK": passes("DEBUG off / no debug pages; errors are short JSON messages"),
}


# --- Django REST framework + SimpleJWT ------------------------------------------------------------

SIMPLEJWT: dict[str, Verdict] = COMMON | {
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
    "TOKEN-STRUCTURE": passes(),
    "TOKEN-ALG-ALLOWED": passes("HS256"),
    "TOKEN-TYP": passes("typ JWT"),
    "TOKEN-CLAIMS-REQUIRED": passes("token_type, exp, iat, jti, user_id"),
    "TOKEN-IDENTITY-CLAIM": skipped("the profile names no identity claim",
                                    "the token names the user by user_id, not by the username that logs in"),
    "TOKEN-FORBIDDEN-CLAIMS": passes(),
    "TOKEN-DISTINCT": passes("a fresh jti per token"),
    "TOKEN-IAT-NOW": passes(),
    "TOKEN-EXP-FUTURE": passes(),
    "TOKEN-EXP-LIFETIME": passes("ACCESS_TOKEN_LIFETIME, 5 minutes"),
    "TOKEN-NBF": skipped("the token carries no nbf claim", "SimpleJWT sets no nbf"),
    "TOKEN-SIGNATURE": passes("HS256 with SECRET_KEY"),
    "TOKEN-WEAK-HMAC-SECRET": passes("a random 64-character SECRET_KEY"),
    "ACCESS-VALID-TOKEN": passes(),
    "ACCESS-NO-TOKEN": passes('401 {"detail": "Authentication credentials were not provided."}'),
    "ACCESS-GARBAGE-TOKEN": passes('401 {"detail": "Given token not valid for any token type", ...}'),
    "ACCESS-WRONG-SCHEME": passes("AUTH_HEADER_TYPES is Bearer only"),
    "ACCESS-TOKEN-IN-QUERY": passes("JWTAuthentication reads the Authorization header only"),
    "ACCESS-WWW-AUTHENTICATE": passes('WWW-Authenticate: Bearer realm="api"'),
    "ACCESS-ALG-NONE": passes("PyJWT decodes with the configured algorithm only"),
    "ACCESS-SIGNATURE-STRIPPED": passes(),
    "ACCESS-PAYLOAD-TAMPERED": passes(),
    "ACCESS-KEY-CONFUSION": skipped("key confusion needs a public-key algorithm", "HS256 has no public key"),
    "ACCESS-KID-INJECTION": passes("kid is ignored"),
    "ACCESS-EXPIRED": passes("forged with SECRET_KEY: 401 'Token is expired'"),
    "REFRESH-OK": passes("TokenRefreshView: 200 {access, refresh}"),
    "REFRESH-NO-STORE": finding(
        "got no Cache-Control header",
        "neither DRF nor SimpleJWT sets Cache-Control on token answers (RFC 6749 §5.1 asks for no-store)"),
    "REFRESH-ROTATION": passes("ROTATE_REFRESH_TOKENS + BLACKLIST_AFTER_ROTATION: 401 'Token is blacklisted'"),
    "REFRESH-REUSE-DETECTION": skipped(
        "the profile does not claim reuse detection",
        "the blacklist refuses the replayed token only; the token that replaced it keeps working"),
    "REFRESH-GARBAGE": passes("401 'Token is invalid'"),
    "REFRESH-MISSING-FIELD": passes('400 {"refresh": ["This field is required."]}'),
    "REFRESH-EMPTY-BODY": passes("the same 400"),
    "REFRESH-ACCESS-TOKEN-REFUSED": passes("401 'Token has wrong type'"),
    "REFRESH-TOKEN-NOT-BEARER": passes("AUTH_TOKEN_CLASSES is AccessToken only"),
    "REFRESH-DISABLED-ACCOUNT": passes("401 'No active account found for the given token.'"),
    "REFRESH-LIFETIME": passes("REFRESH_TOKEN_LIFETIME, 1 day"),
    "OPENAPI-SPEC-VALID": passes("drf-spectacular writes a valid OpenAPI 3.0.3 document"),
    "OPENAPI-LOGIN-DOCUMENTED": finding(
        "POST /api/token/ does not document 400",
        "drf-spectacular's SimpleJWT extension documents the token views' 200 body only: their 400 and 401 "
        "answers are in no document unless the project adds them with extend_schema"),
    "OPENAPI-EXCHANGES-CONFORM": finding(
        "status 401 is not documented (documented: 200)",
        "the same gap, seen on every refusal of the run (the protected view documents only 200 too)"),
    "OPENAPI-FUZZ": passes("no 5xx, and every documented answer matches its schema; the blank username's "
                           "undocumented 400 it meets is OPENAPI-LOGIN-DOCUMENTED's finding, not this one's"),
    "SEC-NO-STORE": finding(
        "missing Cache-Control: no-store (got none) and Pragma: no-cache (got none)",
        "TokenObtainPairView's answer carries no caching headers (RFC 6749 §5.1 MUST for token answers)"),
    "SEC-NOSNIFF": passes("Django's SecurityMiddleware: X-Content-Type-Options: nosniff"),
}


def _simplejwt_login(peer: Peer) -> httpx.Response:
    answer = httpx.post(f"{peer.url}/api/token/", json={"username": peer.env["SIMPLEJWT_USER"],
                                                        "password": peer.env["SIMPLEJWT_PASSWORD"]})
    assert answer.status_code == 200, answer.text
    return answer


def _probe_simplejwt_number_credentials(peer: Peer) -> None:
    answer = httpx.post(f"{peer.url}/api/token/", json={"username": 12345, "password": 12345})
    assert answer.status_code == 401, answer.text
    assert answer.json() == {"detail": "No active account found with the given credentials"}
    listed = httpx.post(f"{peer.url}/api/token/", json={"username": ["a"], "password": "x"})
    assert (listed.status_code, listed.json()) == (400, {"username": ["Not a valid string."]})


def _probe_simplejwt_login_cacheable(peer: Peer) -> None:
    answer = _simplejwt_login(peer)
    assert "cache-control" not in answer.headers and "pragma" not in answer.headers, answer.headers


def _probe_simplejwt_openapi_documents_200_only(peer: Peer) -> None:
    document = httpx.get(f"{peer.url}/api/schema/").json()
    for path in ("/api/token/", "/api/token/refresh/"):
        assert set(document["paths"][path]["post"]["responses"]) == {"200"}, document["paths"][path]
    assert set(document["paths"]["/api/me/"]["get"]["responses"]) == {"200"}
    blank = httpx.post(f"{peer.url}/api/token/", json={"username": "", "password": ""})
    assert blank.status_code == 400, blank.text
    assert httpx.get(f"{peer.url}/api/me/").status_code == 401


def _probe_simplejwt_refresh_cacheable(peer: Peer) -> None:
    refreshed = httpx.post(f"{peer.url}/api/token/refresh/", json={"refresh": _simplejwt_login(peer).json()["refresh"]})
    assert refreshed.status_code == 200, refreshed.text
    assert "cache-control" not in refreshed.headers, refreshed.headers


# --- Flask + flask-jwt-extended ---------------------------------------------------------------------

FLASK_JWT_EXTENDED: dict[str, Verdict] = COMMON | {
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
    "TOKEN-STRUCTURE": passes(),
    "TOKEN-ALG-ALLOWED": passes("RS256"),
    "TOKEN-TYP": passes("typ JWT"),
    "TOKEN-CLAIMS-REQUIRED": passes("iat, nbf, exp, jti, sub, type, fresh"),
    "TOKEN-IDENTITY-CLAIM": passes("sub is the identity passed to create_access_token"),
    "TOKEN-FORBIDDEN-CLAIMS": passes(),
    "TOKEN-DISTINCT": passes("a fresh jti per token"),
    "TOKEN-IAT-NOW": passes(),
    "TOKEN-EXP-FUTURE": passes(),
    "TOKEN-EXP-LIFETIME": passes("JWT_ACCESS_TOKEN_EXPIRES, 15 minutes"),
    "TOKEN-NBF": passes("nbf = iat"),
    "TOKEN-SIGNATURE": passes("RS256 with the app's public key"),
    "TOKEN-WEAK-HMAC-SECRET": skipped("not HMAC", "RS256 has no shared secret"),
    "ACCESS-VALID-TOKEN": passes(),
    "ACCESS-NO-TOKEN": passes('401 {"msg": "Missing Authorization Header"}'),
    "ACCESS-GARBAGE-TOKEN": finding(
        "422 (application/json)",
        "a token the extension cannot decode goes to its default invalid_token_loader, which answers "
        "422 {\"msg\": <the decoding error>} where RFC 6750 §3.1 says 401 invalid_token"),
    "ACCESS-WRONG-SCHEME": passes("JWT_HEADER_TYPE is Bearer: 401 'Missing 'Bearer' type'"),
    "ACCESS-TOKEN-IN-QUERY": passes("JWT_TOKEN_LOCATION is headers only by default"),
    "ACCESS-WWW-AUTHENTICATE": finding(
        "no token: no WWW-Authenticate header",
        "the default unauthorized_loader answers 401 {\"msg\": \"Missing Authorization Header\"} without the "
        "WWW-Authenticate challenge RFC 6750 §3 and RFC 9110 §15.5.2 require on a 401"),
    "ACCESS-ALG-NONE": passes("refused (422 'The specified alg value is not allowed'): any 4xx refuses a forgery"),
    "ACCESS-SIGNATURE-STRIPPED": passes("refused with 422"),
    "ACCESS-PAYLOAD-TAMPERED": passes("refused with 422 'Signature verification failed'"),
    "ACCESS-KEY-CONFUSION": passes("refused: PyJWT decodes with JWT_DECODE_ALGORITHMS (RS256) only"),
    "ACCESS-KID-INJECTION": passes("refused"),
    "ACCESS-EXPIRED": passes("forged with the private key: 401 'Token has expired'"),
    "REFRESH-OK": passes("the documented refresh view: 200 {access_token}"),
    "REFRESH-NO-STORE": finding(
        "got no Cache-Control header",
        "neither Flask nor the extension sets Cache-Control on token answers (RFC 6749 §5.1 asks for no-store)"),
    "REFRESH-ROTATION": skipped("refresh tokens are not rotated",
                                "the extension issues a new access token only; the refresh token lives 30 days"),
    "REFRESH-REUSE-DETECTION": skipped("refresh tokens are not rotated", "no rotation, nothing to replay"),
    "REFRESH-GARBAGE": passes("422, as the profile says (invalid_token_loader)"),
    "REFRESH-MISSING-FIELD": passes('401 {"msg": "Missing \"refresh_token\" key in json data."}'),
    "REFRESH-EMPTY-BODY": passes("the same 401"),
    "REFRESH-ACCESS-TOKEN-REFUSED": passes("422 'Only refresh tokens are allowed'"),
    "REFRESH-TOKEN-NOT-BEARER": passes("422 'Only non-refresh tokens are allowed'"),
    "REFRESH-DISABLED-ACCOUNT": passes("the documented user_lookup_loader: 401 'Error loading the user ...'"),
    "REFRESH-LIFETIME": passes("JWT_REFRESH_TOKEN_EXPIRES, 30 days"),
    "SEC-NO-STORE": finding(
        "missing Cache-Control: no-store (got none) and Pragma: no-cache (got none)",
        "a jsonify answer carries no caching headers, and the extension adds none to tokens (RFC 6749 §5.1)"),
    "SEC-NOSNIFF": finding(
        "no X-Content-Type-Options",
        "Flask sets no X-Content-Type-Options: nosniff (there is no security middleware by default)"),
}


def _flask_login(peer: Peer) -> httpx.Response:
    answer = httpx.post(f"{peer.url}/login", json={"username": peer.env["FLASK_JWT_USER"],
                                                   "password": peer.env["FLASK_JWT_PASSWORD"]})
    assert answer.status_code == 200, answer.text
    return answer


def _probe_flask_garbage_token_422(peer: Peer) -> None:
    answer = httpx.get(f"{peer.url}/protected", headers={"Authorization": "Bearer garbage"})
    assert (answer.status_code, answer.json()) == (422, {"msg": "Not enough segments"})


def _probe_flask_401_without_challenge(peer: Peer) -> None:
    answer = httpx.get(f"{peer.url}/protected")
    assert (answer.status_code, answer.json()) == (401, {"msg": "Missing Authorization Header"})
    assert "www-authenticate" not in answer.headers, answer.headers


def _probe_flask_login_headers(peer: Peer) -> None:
    answer = _flask_login(peer)
    assert answer.headers["content-type"] == "application/json"
    assert not {"cache-control", "pragma", "x-content-type-options"} & set(answer.headers), answer.headers


def _probe_flask_refresh_cacheable(peer: Peer) -> None:
    refreshed = httpx.post(f"{peer.url}/refresh", json={"refresh_token": _flask_login(peer).json()["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert "cache-control" not in refreshed.headers, refreshed.headers


TABLES = {"simplejwt": SIMPLEJWT, "flask-jwt-extended": FLASK_JWT_EXTENDED}
SECRETS = {
    "simplejwt": ("SIMPLEJWT_PASSWORD", "SIMPLEJWT_INACTIVE_PASSWORD", "SIMPLEJWT_SECRET_KEY",
                  "SIMPLEJWT_DISABLED_REFRESH_TOKEN"),
    "flask-jwt-extended": ("FLASK_JWT_PASSWORD", "FLASK_JWT_DISABLED_PASSWORD", "FLASK_JWT_DISABLED_REFRESH_TOKEN",
                           "FLASK_JWT_PRIVATE_KEY"),
}
PROBES: dict[tuple[str, str], Callable[[Peer], None]] = {
    ("simplejwt", "LOGIN-WRONG-TYPE"): _probe_simplejwt_number_credentials,
    ("simplejwt", "SEC-NO-STORE"): _probe_simplejwt_login_cacheable,
    ("simplejwt", "REFRESH-NO-STORE"): _probe_simplejwt_refresh_cacheable,
    ("simplejwt", "OPENAPI-LOGIN-DOCUMENTED"): _probe_simplejwt_openapi_documents_200_only,
    ("simplejwt", "OPENAPI-EXCHANGES-CONFORM"): _probe_simplejwt_openapi_documents_200_only,
    ("flask-jwt-extended", "ACCESS-GARBAGE-TOKEN"): _probe_flask_garbage_token_422,
    ("flask-jwt-extended", "ACCESS-WWW-AUTHENTICATE"): _probe_flask_401_without_challenge,
    ("flask-jwt-extended", "SEC-NO-STORE"): _probe_flask_login_headers,
    ("flask-jwt-extended", "SEC-NOSNIFF"): _probe_flask_login_headers,
    ("flask-jwt-extended", "REFRESH-NO-STORE"): _probe_flask_refresh_cacheable,
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
    # a key given as a file: no piece of its PEM body (past the fixed ASN.1 prefix every RSA key shares) either
    secrets = ["".join(Path(s).read_text().splitlines()[1:-1])[200:264] if s.endswith(".pem") else s for s in secrets]
    for file in outcome.report_dir.rglob("*"):
        if file.is_file():
            text = file.read_text(errors="replace")
            leaked = [v for v, s in zip(SECRETS[name], secrets, strict=True) if s in text]
            assert not leaked, f"{file.name} shows {leaked}"
