"""The discovered profile as commented YAML: each value with a short note on how it was found.

Only fields that exist in schemas/profile.schema.json are written, and only what was observed;
where discovery saw a defect the standard expectation is written and the note says so. Secrets
are never written: the password and every ``--header`` value are ``${VAR}`` references.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .discovered import Discovered


def _q(value: Any) -> str:
    """A YAML scalar (JSON is YAML): strings quoted, so nothing is read as another type."""
    return json.dumps(value, ensure_ascii=False)


def _flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_q(v)}" for k, v in mapping.items()) + "}"


def profile_name(base_url: str) -> str:
    host = re.sub(r"^[a-z]+://", "", base_url).split("/")[0]
    return re.sub(r"[^A-Za-z0-9-]+", "-", host).strip("-") or "my-api"


def schema_reference(folder: str, error: str) -> str:
    return f"{folder}/{error}.json"


def render(found: Discovered, name: str, schema_folder: str = "schemas") -> str:
    """The profile text for ``found`` (a login is required: no login, no profile)."""
    login = found.login
    assert login is not None and found.errors is not None and found.token is not None
    lines = [
        f"# authconform profile discovered from {found.base_url} by `authconform init --discover`.",
        "# Each value says how it was found. Review it: discovery writes what the server did, except where that",
        "# was a defect (then the standard expectation; the findings are listed at the end of this file).",
        f"name: {_q(name)}",
        f"base_url: {_q('${TARGET_URL:-' + found.base_url + '}')}",
        "login:",
        f"  path: {_q(login.path)}                # {login.how}",
        f"  method: {login.method}",
        f"  encoding: {login.encoding}",
        f"  fields: {_flow({'identity': login.identity_field, 'password': login.password_field})}"
        f"   # {login.how}; the account logged in with them",
    ]
    plain = [h for h in found.headers if not h.secret]
    if plain:
        lines.append("  headers:                        # given with --header; values from the environment")
        lines += [f"    {h.name}: {_q('${' + h.variable + '}')}" for h in plain]
        if found.headers_enforced is False:
            lines.append("  headers_enforced: false         # the account logged in without them too")
    lines += [
        "  success:",
        f"    status: {found.success_status}",
        f"    token: {_q(login.token_pointer)}            # the {found.token.format} token in the valid login's answer",
    ]
    if found.refresh_pointer:
        lines.append(f"    refresh_token: {_q(found.refresh_pointer)}")
    lines += ["  errors:"] if found.errors.errors else []
    lines += [f"    # {key} left out (judged tolerantly): {why}" for key, why in found.errors.left_out.items()]
    for key, entry in found.errors.errors.items():
        if key in found.errors.schemas:
            entry = {**entry, "schema": schema_reference(schema_folder, key)}
        lines.append(f"    {key}: {_flow(entry)}   # {found.errors.how[key]}")
    lines += [
        "accounts:",
        f"  valid: {{identity: {_q(found.identity)}, password: {_q('${' + found.password_env + '}')}}}",
        "token:",
        f"  format: {found.token.format}",
    ]
    lines += _token_lines(found)
    if found.protected:
        p = found.protected
        lines += ["protected:", f"  path: {_q(p.path)}                # {p.how}, opened by the token",
                  "  method: GET", f"  scheme: {p.scheme}",
                  f"  rejected_status: {p.rejected_status}   # "
                  + ("see the note on path" if "rejected_status" in p.how else "its answer without a token")]
        if p.ok_status != 200:
            lines.append(f"  ok_status: {p.ok_status}")
    if found.refresh:
        lines += _refresh_lines(found)
    for header in (h for h in found.headers if h.secret):
        lines += ["secret_header:                    # given with --header; a login without it was refused",
                  f"  name: {_q(header.name)}", f"  value: {_q('${' + header.variable + '}')}"]
        if header.rejected_status:
            lines.append(f"  rejected_status: {header.rejected_status}")
        break
    if found.document:
        lines += ["openapi:", f"  spec: {_q(found.document.path)}          # served by the target"]
    lines += ["security:",
              "  timing_budget: 30               # few timing probes: stay under login throttling (Symfony: 50/min/IP)",
              "limits:", "  requests_per_second: 5", "  max_failed_logins: 4          # stay under common lockouts",
              "  timeout: 10"]
    return "\n".join(lines) + "\n"


def _token_lines(found: Discovered) -> list[str]:
    token = found.token
    assert token is not None
    if token.format != "jwt":
        return ["  # not a JWT: the access token is opaque, so its claims and lifetime cannot be read"]
    lines = []
    alg = token.header.get("alg")
    if isinstance(alg, str) and alg.lower() != "none":
        lines.append(f"  algorithms: [{_q(alg)}]            # the JWT header's alg")
    if found.jwks:
        lines.append(f"  verify: {{jwks_url: {_q(found.jwks)}}}   # published by the target")
    if token.lifetime is not None:
        lines.append(f"  lifetime: {token.lifetime}                  # exp - iat of the issued token")
    required = list(token.claims)
    if "exp" not in required:
        required.append("exp")  # RFC 8725 §3.10 / OWASP: a token that never expires is a finding, not a norm
    claims = f"  claims: {{required: [{', '.join(_q(c) for c in required)}]"
    claims += f", identity: {_q(found.identity_claim)}" if found.identity_claim else ""
    lines.append(claims + ", forbidden: [\"password\"]}   # the claims the issued token carries")
    extras = ", ".join(f"{k}={v}" for k, v in token.header.items() if k in ("typ", "kid"))
    if extras:
        lines.append(f"  # JWT header: alg={alg} {extras}")
    return lines


def _refresh_lines(found: Discovered) -> list[str]:
    refresh = found.refresh
    assert refresh is not None
    lines = ["refresh:", f"  path: {_q(refresh.path)}         # {refresh.how['path']}", f"  field: {_q(refresh.field)}",
             f"  token: {_q(refresh.token)}"]
    if refresh.refresh_token:
        lines.append(f"  refresh_token: {_q(refresh.refresh_token)}")
    if refresh.lifetime:
        lines.append(f"  lifetime: {refresh.lifetime}              # exp - iat of the refresh token (a JWT)")
    lines.append(f"  rotation: {str(refresh.rotation).lower()}               # {refresh.how['rotation']}")
    if refresh.reuse_detection is not None:
        lines.append(f"  reuse_detection: {str(refresh.reuse_detection).lower()}        "
                     f"# {refresh.how['reuse_detection']}")
    if refresh.rejected_status:
        lines.append(f"  rejected: {{status: {refresh.rejected_status}}}        # a made-up refresh token's answer")
    if refresh.missing_status:
        lines.append(f"  missing: {{status: {refresh.missing_status}}}         # a refresh without its field")
    return lines
