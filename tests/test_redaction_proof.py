"""Redaction proof: no secret the run knew or the target issued reaches anything the run wrote.

Every suite runs against each embedded reference target with known secrets (the accounts' passwords
from the target's environment, an API secret set through its settings, its JWT signing key), then
every file in the report folder and the terminal output are searched (:mod:`tests.hostile.leaks`)
for those secrets raw, URL-, JSON-, HTML- or base64-encoded, and for any complete JWT.

Passwords are the harness's own knowledge; tokens are the target's. To know the tokens it really
issued (not look-alikes from a later login), a second run goes through a recording proxy
(:mod:`tests.hostile.proxy`) in front of the same kind of target: every token, refresh token and
cookie in its answers is collected and searched for too, signature alone included. That target has
the defects on that put secrets where findings quote them (a password echoed, a token in a 401, a
token for a wrong password, a crash page), so the failure messages are searched as well as the passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authconform.targets import TargetSettings, defects_for, environment, start
from tests.hostile.leaks import FULL_JWT, leaks_in_run, traceback_in
from tests.hostile.proxy import Recorded, RecordingProxy

FLAVOURS = ("pch-sig", "chamilo", "invoiceninja")
API_SECRET = "proof-api-secret-7f3a9c/+="
FAST = ["--target-option", "hash_iterations=1000"]
# Defects that put a secret into an answer a finding quotes (used when the flavour has them).
LEAKY_DEFECTS = ("password-echo", "token-in-401-body", "200-on-wrong-password", "500-on-missing-field")
CREDENTIAL_KEYS = {"token", "refresh_token", "access_token", "id_token", "api_token", "jwt", "company_key"}


def known_secrets(env: dict[str, str]) -> dict[str, str]:
    """What the run is given that must never be shown: passwords, the API secret, the signing key."""
    secrets: dict[str, str] = {}
    identities = {v for k, v in env.items() if k.endswith(("_USER", "_EMAIL"))}
    for name, value in env.items():
        if name.endswith("PASSWORD") and value:
            if value in identities:
                continue  # Chamilo's admin/admin: the identity is shown by design; see the encoded forms below
            secrets[f"${name}"] = value
        elif name == "API_SECRET" and value:
            secrets["$API_SECRET"] = value
        elif name.endswith("PRIVATE_KEY") and value:
            body = [line for line in Path(value).read_text().splitlines() if line and not line.startswith("-----")]
            secrets[f"${name} (a line of the PEM)"] = body[len(body) // 2]
    return secrets


def _strings(value: object, key: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str):
        yield key, value


def issued_credentials(records: list[Recorded]) -> dict[str, str]:
    """Every credential the target handed out: JWTs (and their signatures), opaque tokens, cookies."""
    found: dict[str, str] = {}

    def add(label: str, value: str) -> None:
        if len(value) >= 8 and value not in found.values():
            found[f"{label} #{len(found) + 1}"] = value

    for record in records:
        texts = [record.response_body.decode("utf-8", errors="replace")]
        texts += [value for _, value in record.response_headers]
        for text in texts:
            for match in FULL_JWT.finditer(text):
                add(f"JWT issued by {record.method} {record.path}", match.group(0))
                add(f"JWT signature issued by {record.method} {record.path}", match.group(0).rsplit(".", 1)[1])
        for key, value in _strings(record.response_json()):
            if key.lower() in CREDENTIAL_KEYS:
                add(f"{key} issued by {record.method} {record.path}", value)
        for name, value in record.response_headers:
            if name.lower() == "set-cookie":
                add(f"cookie set by {record.method} {record.path}", value.split(";", 1)[0].partition("=")[2])
    return found


def _assert_clean(outcome, secrets: dict[str, str]) -> None:
    assert outcome.summary is not None, f"no summary.json:\n{outcome.output[-3000:]}"
    assert outcome.code in (0, 1), f"exit {outcome.code}:\n{outcome.output[-3000:]}"
    files = {p.name for p in outcome.report_dir.iterdir()}
    assert {"report.html", "junit.xml", "summary.json"} <= files, files
    crash = traceback_in(outcome.output)
    assert crash is None, f"a traceback in the output:\n{crash}"
    leaks = leaks_in_run(outcome.output, outcome.report_dir, secrets)
    assert not leaks, f"{len(leaks)} leaks, first ones:\n" + "\n".join(str(leak) for leak in leaks[:8])


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_embedded_run_shows_no_secret(flavour: str, run_authconform):
    """``authconform run --profile <flavour>``: the run starts the target itself and knows its secrets."""
    settings = TargetSettings(hash_iterations=1000, api_secret=API_SECRET)
    env = environment(flavour, "http://127.0.0.1:9", settings=settings)
    options = [*FAST, "--target-option", f"api_secret={API_SECRET}"]
    outcome = run_authconform("run", "--profile", flavour, *options, timeout=300)
    secrets = known_secrets(env)
    assert secrets, "nothing to look for"
    _assert_clean(outcome, secrets)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_tokens_the_target_issued_are_not_shown(flavour: str, run_authconform):
    """Through a recording proxy: every token the target issued during the run is absent from its reports."""
    settings = TargetSettings(hash_iterations=1000, api_secret=API_SECRET)
    defects = [d.name for d in defects_for(flavour) if d.name in LEAKY_DEFECTS]
    with start(flavour, defects, settings=settings) as target, RecordingProxy(target.url) as proxy:
        env = {**target.env, "TARGET_URL": proxy.url}
        outcome = run_authconform("run", "--profile", flavour, "--base-url", proxy.url, "--rps", "0",
                                  env=env, timeout=300)
        records = proxy.seen()
    issued = issued_credentials(records)
    assert any(label.startswith(("JWT", "token")) for label in issued), (
        f"the target issued no token in {len(records)} exchanges: the proof would be empty")
    _assert_clean(outcome, {**known_secrets(env), **issued})
    if defects:
        assert outcome.code == 1 and outcome.failed, "the leaky defects should fail checks whose reasons quote them"
