"""After the login: a protected endpoint and its scheme, the refresh operation, a published key.

Each is tried with the discovered token, never assumed: an endpoint is protected when the token
opens it; a refresh operation is one that turns the refresh token into a new access token.
Rotation is observed with one refresh and one replay of the used refresh token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .answers import find_refresh_token, find_token, refusal_problem, token_facts
from .budget import BudgetSpent
from .openapi_doc import REFRESH_NAMES, OpenApiDocument
from .prober import Prober

PROTECTED_PATHS = ("/api/me", "/api/user", "/users/me", "/me", "/api/users/me", "/api/v1/users/me", "/api/me/",
                   "/user", "/api/profile", "/protected", "/api/protected")
HEADER_SCHEMES = ("X-API-TOKEN", "X-Auth-Token", "X-API-KEY", "X-Access-Token")
REFRESH_PATHS = ("/api/token/refresh", "/api/token/refresh/", "/auth/refresh", "/auth/jwt/refresh", "/refresh",
                 "/token/refresh")
JWKS_PATHS = ("/.well-known/jwks.json", "/jwks", "/.well-known/openid-configuration")


@dataclass
class Protected:
    path: str
    scheme: str
    rejected_status: int
    ok_status: int
    how: str


@dataclass
class Refresh:
    path: str
    field: str
    token: str
    refresh_token: str | None
    rotation: bool
    reuse_detection: bool | None
    rejected_status: int | None
    missing_status: int | None
    lifetime: int | None = None
    how: dict[str, str] = field(default_factory=dict)


def _authorise(scheme: str, token: str) -> dict[str, str]:
    if scheme == "bearer":
        return {"Authorization": f"Bearer {token}"}
    return {scheme.split(":", 1)[1]: token}


def find_protected(prober: Prober, token: str, headers: dict[str, str], document: OpenApiDocument | None,
                   given: str | None) -> Protected | None:
    """The first endpoint the token opens, with its scheme and its no-token status."""
    if given:
        paths, how = [given], "given with --protected"
    elif document and document.protected:
        paths, how = document.protected[:3], f"an operation that declares security in {document.path}"
    else:
        paths, how = list(PROTECTED_PATHS), "a common path"
    schemes = ["bearer"] if not document or document.bearer or not document.header_schemes else []
    schemes += [f"header:{name}" for name in (document.header_schemes if document else [])]
    schemes += [f"header:{name}" for name in HEADER_SCHEMES if f"header:{name}" not in schemes]
    schemes += ["bearer"] if "bearer" not in schemes else []
    for path in paths:
        try:
            bare = prober.send("GET", path, headers=headers, purpose=f"GET {path} without a token")
            if bare.status in (404, 405) or bare.status is None:
                continue
            for scheme in schemes[:3] if bare.status in (401, 403) else schemes[:1]:
                answer = prober.send("GET", path, headers={**headers, **_authorise(scheme, token)},
                                     purpose=f"GET {path} with the token ({scheme})")
                if answer.status is not None and 200 <= answer.status < 300:
                    if bare.status in (401, 403):
                        return Protected(path, scheme, bare.status, answer.status, how)
                    garbage = prober.send("GET", path, headers={**headers, **_authorise(scheme, "not-a-token")},
                                          purpose=f"GET {path} with a made-up token")
                    return _protected(prober, path, scheme, bare.status, garbage.status, answer.status, how)
        except BudgetSpent:
            return None
    return None


def _protected(prober: Prober, path: str, scheme: str, bare: int | None, garbage: int | None, ok: int,
               how: str) -> Protected:
    """An endpoint open without a token: a finding; its refusal of a made-up token gives the status."""
    prober.findings.add(f"GET {path} without a token answered {bare} (expected a refusal, RFC 6750 §3.1): "
                        "ACCESS-NO-TOKEN should fail")
    if garbage in (401, 403):
        return Protected(path, scheme, garbage, ok, f"{how}; rejected_status from its answer to a made-up token")
    return Protected(path, scheme, 401, ok, f"{how}; rejected_status is the standard 401 (RFC 6750 §3.1)")


def find_refresh(prober: Prober, refresh_token: str, headers: dict[str, str],
                 document: OpenApiDocument | None) -> Refresh | None:
    """The refresh operation, its field and pointers; rotation from one refresh and one replay."""
    candidates = [(op.path, [op.field or REFRESH_NAMES[0]], "from the OpenAPI document")
                  for op in (document.refreshes if document else [])]
    candidates += [(path, list(REFRESH_NAMES), "by probing") for path in REFRESH_PATHS
                   if path not in {c[0] for c in candidates}]
    try:
        for path, names, how in candidates:
            for name in names:
                answer = prober.send("POST", path, json={name: refresh_token}, headers=headers,
                                     purpose=f"refresh at {path} with {name!r}?")
                if answer.status in (404, 405) or answer.status is None:
                    break
                access = find_token(answer.json()) if 200 <= answer.status < 300 else None
                if access is not None:
                    return _observe_rotation(prober, path, name, refresh_token, answer.json(), access[0], headers,
                                             how)
    except BudgetSpent:
        return None
    return None


def _observe_rotation(prober: Prober, path: str, name: str, used: str, body: Any, token_pointer: str,
                      headers: dict[str, str], how: str) -> Refresh:
    access = find_token(body)
    new = find_refresh_token(body, access[1] if access else None)
    rotation = new is not None and new[1] != used
    refresh = Refresh(path, name, token_pointer, new[0] if new else None, rotation, None, None, None,
                      token_facts(used).lifetime)
    refresh.how = {"path": f"{how}: the refresh token got a new access token at {token_pointer}",
                   "rotation": "a new refresh token came back" if rotation else "no new refresh token came back"}
    replay = prober.send("POST", path, json={name: used}, headers=headers, purpose="replay of the used refresh token")
    replay_refused = replay.status is not None and 400 <= replay.status < 500
    if rotation and not replay_refused:
        prober.findings.add(f"the used refresh token still works after rotation ({replay.describe(80)}): "
                            "REFRESH-ROTATION should fail")
    if not rotation:
        prober.findings.add("refresh tokens are not rotated (RFC 9700 §4.14.2 asks for rotation or "
                            "sender-constrained tokens); the profile says rotation: false")
    if rotation and replay_refused and new is not None:
        successor = prober.send("POST", path, json={name: new[1]}, headers=headers,
                                purpose="the new refresh token after the replay: reuse detection?")
        refresh.reuse_detection = successor.status is not None and 400 <= successor.status < 500
        refresh.how["reuse_detection"] = ("the replay revoked the token that replaced it" if refresh.reuse_detection
                                          else "the token that replaced it kept working after the replay")
    garbage = prober.send("POST", path, json={name: "not-a-refresh-token"}, headers=headers,
                          purpose="a made-up refresh token")
    if refusal_problem(garbage) is None:
        refresh.rejected_status = garbage.status
    else:
        prober.findings.add(f"a made-up refresh token: {refusal_problem(garbage)} (expected a 4xx)")
    missing = prober.send("POST", path, json={}, headers=headers, purpose="a refresh without its field")
    if refusal_problem(missing) is None:
        refresh.missing_status = missing.status
    else:
        prober.findings.add(f"a refresh without {name!r}: {refusal_problem(missing)} (expected a 4xx)")
    return refresh


def find_jwks(prober: Prober) -> str | None:
    """The URL of a published JWKS (directly, or named by the OpenID configuration), or None."""
    try:
        for path in JWKS_PATHS:
            answer = prober.send("GET", path, purpose=f"a published key at {path}?")
            body = answer.json() if answer.status == 200 else None
            if not isinstance(body, dict):
                continue
            if isinstance(body.get("keys"), list) and body["keys"]:
                return path
            if isinstance(body.get("jwks_uri"), str):
                return body["jwks_uri"]
    except BudgetSpent:
        return None
    return None
