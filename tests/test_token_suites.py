"""The token and access suites where test_conformance.py does not reach: the --slow expiry path,
and what a report shows of the forged tokens.

test_conformance.py runs the built-in profiles, which give a signing key, so ACCESS-EXPIRED forges
its expired token there. A real deployment's profile has no signing key: ACCESS-EXPIRED then skips
unless --slow lets it wait for the login's own token to expire, which these tests prove on a
reference target whose tokens live two seconds.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from authconform.http.redaction import JWT

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--target-option", "hash_iterations=1000"]


def _keyless_profile(tmp_path: Path, lifetime: int) -> Path:
    """pch-sig's profile as a real deployment would have it: no signing key, short tokens, no leeway."""
    data = yaml.safe_load((ROOT / "profiles" / "pch-sig.yaml").read_text())
    data["token"]["signing"] = {}
    data["token"]["lifetime"] = lifetime
    data["token"]["leeway"] = 0
    path = tmp_path / "pch-sig-keyless.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _result(outcome, check_id: str) -> dict:
    assert outcome.summary is not None, outcome.output[-3000:]
    return next(c for c in outcome.summary["checks"] if c["id"] == check_id)


def test_expired_without_a_key_skips_unless_slow(tmp_path, run_authconform):
    profile = _keyless_profile(tmp_path, 2)
    outcome = run_authconform("run", "--profile", str(profile), "-k", "expired", *FAST,
                              "--target-option", "access_ttl=2")
    result = _result(outcome, "ACCESS-EXPIRED")
    assert result["outcome"] == "skipped" and "--slow" in result["reason"], result


def test_slow_waits_for_the_token_to_expire(tmp_path, run_authconform):
    profile = _keyless_profile(tmp_path, 2)
    clean = run_authconform("run", "--profile", str(profile), "-k", "expired", "--slow", *FAST,
                            "--target-option", "access_ttl=2")
    assert _result(clean, "ACCESS-EXPIRED")["outcome"] == "passed", clean.output[-2000:]


def test_slow_finds_a_server_that_accepts_expired_tokens(tmp_path, run_authconform):
    profile = _keyless_profile(tmp_path, 2)
    outcome = run_authconform("run", "--profile", str(profile), "-k", "expired", "--slow", *FAST,
                              "--target-option", "access_ttl=2", "--defect", "accepts-expired")
    result = _result(outcome, "ACCESS-EXPIRED")
    assert result["outcome"] == "failed", result
    assert "ACCEPTED 1 of 1" in result["reason"] and "after it expired" in result["reason"], result


def test_report_lists_each_forged_token_with_its_answer_and_no_signature(run_authconform):
    outcome = run_authconform("run", "--profile", "pch-sig", "-k", "alg_none", *FAST, "--defect", "accepts-alg-none")
    result = _result(outcome, "ACCESS-ALG-NONE")
    assert result["outcome"] == "failed"
    for spelling in ("none", "None", "NONE", "nOnE"):
        assert f'"alg":"{spelling}"}}, original payload, original signature' in result["reason"], result["reason"]
    html = (outcome.report_dir / "report.html").read_text()
    forged = "forged token (ACCESS-ALG-NONE)"
    assert html.count(forged) >= 8, "the report shows each forged token's exchange, named by its purpose"
    for path in outcome.report_dir.rglob("*"):  # no artifact keeps a JWT signature, forged or real
        if path.is_file():
            found = JWT.search(path.read_text(errors="replace"))
            assert found is None, f"{path.name}: {found.group(0)[:60]}…"
