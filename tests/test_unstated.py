"""Unstated means tolerant, stated means exact: refusals judged on profiles with their error fields left out.

A profile written from the README may leave out how a server refuses a wrong type, a missing refresh
token or a garbage credential. The checks then judge only what every HTTP login API must do (a 4xx
answer that carries no token) and pass with a note naming the status they saw and the field that
would pin it; they never borrow another field's value, and they never skip for want of a status.
These tests strip the built-in profiles of those fields and run them against the embedded reference
targets: the clean target passes with the notes, a defect that answers 2xx, 5xx or a token fails,
and a refusal of another kind (DRF's 401 for a wrong type) passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from authconform import expect

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--target-option", "hash_iterations=1000"]

# check ID -> the suite test that is it (to select one with -k)
TESTS = {
    "LOGIN-MISSING-FIELD": "test_missing_field_is_refused",
    "LOGIN-EMPTY-BODY": "test_empty_body_is_refused",
    "LOGIN-MALFORMED-JSON": "test_malformed_json_is_refused",
    "LOGIN-WRONG-TYPE": "test_wrong_type_is_refused",
    "LOGIN-401-BAD-PASSWORD": "test_wrong_password_is_refused",
    "LOGIN-401-UNKNOWN-USER": "test_unknown_user_is_refused",
    "LOGIN-DISABLED-REFUSED": "test_disabled_account_is_refused",
    "REFRESH-ROTATION": "test_used_refresh_token_is_refused",
    "REFRESH-GARBAGE": "test_garbage_refresh_token_is_refused",
    "REFRESH-MISSING-FIELD": "test_refresh_without_the_field_is_refused",
    "REFRESH-EMPTY-BODY": "test_refresh_with_an_empty_body_is_refused",
    "REFRESH-ACCESS-TOKEN-REFUSED": "test_access_token_is_no_refresh_token",
    "REFRESH-DISABLED-ACCOUNT": "test_disabled_account_cannot_refresh",
    "ACCESS-NO-TOKEN": "test_no_token_is_refused",
    "ACCESS-GARBAGE-TOKEN": "test_garbage_token_is_refused",
    "SECRET-MISSING-REFUSED": "test_login_without_the_secret_is_refused",
    "SECRET-WRONG-REFUSED": "test_login_with_a_wrong_secret_is_refused",
}


def variant(tmp_path: Path, flavour: str, drop: list[str], change: dict[str, object] | None = None) -> Path:
    """The built-in profile with the dotted fields in ``drop`` left out and ``change`` set."""
    data = yaml.safe_load((ROOT / "profiles" / f"{flavour}.yaml").read_text())
    for dotted in drop:
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[part]
        node.pop(last, None)  # some built-in profiles already leave it out
    for dotted, value in (change or {}).items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    path = tmp_path / f"{flavour}-variant.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def select(*check_ids: str) -> list[str]:
    return ["-k", " or ".join(TESTS[c] for c in check_ids)]


def result(outcome, check_id: str) -> dict:
    assert outcome.summary is not None, outcome.output[-3000:]
    found = [c for c in outcome.summary["checks"] if c["id"] == check_id]
    assert found, f"{check_id} did not run: {outcome.output[-2000:]}"
    return found[0]


PCH_UNSTATED = ["login.errors", "refresh.rejected", "refresh.missing", "refresh.disabled", "protected.rejected_status"]
PCH_NOTES = {
    "LOGIN-MISSING-FIELD": "refused with 400; pin it with login.errors.missing_field.status",
    "LOGIN-EMPTY-BODY": "refused with 400; pin it with login.errors.malformed_body.status",
    "LOGIN-MALFORMED-JSON": "refused with 400; pin it with login.errors.malformed_body.status",
    "LOGIN-WRONG-TYPE": "refused with 400; pin it with login.errors.wrong_type.status",
    "LOGIN-401-BAD-PASSWORD": "refused with 401; pin it with login.errors.bad_credentials.status",
    "LOGIN-401-UNKNOWN-USER": "refused with 401; pin it with login.errors.bad_credentials.status",
    "LOGIN-DISABLED-REFUSED": "refused with 403; pin it with login.errors.disabled.status",
    "REFRESH-ROTATION": "refused with 401; pin it with refresh.rejected.status",
    "REFRESH-REUSE-DETECTION": "refused with 401; pin it with refresh.rejected.status",
    "REFRESH-GARBAGE": "refused with 401; pin it with refresh.rejected.status",
    "REFRESH-MISSING-FIELD": "refused with 401; pin it with refresh.missing.status",
    "REFRESH-EMPTY-BODY": "refused with 401; pin it with refresh.missing.status",
    "REFRESH-ACCESS-TOKEN-REFUSED": "refused with 401; pin it with refresh.rejected.status",
    "REFRESH-DISABLED-ACCOUNT": "refused with 401; pin it with refresh.disabled.status",
    "ACCESS-NO-TOKEN": "refused with 401; pin it with protected.rejected_status",
    "ACCESS-GARBAGE-TOKEN": "refused with 401; pin it with protected.rejected_status",
    "ACCESS-WRONG-SCHEME": "refused with 401; pin it with protected.rejected_status",
    "ACCESS-TOKEN-IN-QUERY": "refused with 401; pin it with protected.rejected_status",
}


def test_unstated_refusals_pass_on_the_clean_target_with_a_note(tmp_path, run_authconform):
    """No check skips for want of a status: each runs, passes, and its note reaches summary.json."""
    outcome = run_authconform("run", "--profile", str(variant(tmp_path, "pch-sig", PCH_UNSTATED)), *FAST)
    assert outcome.code == 0, outcome.output[-3000:]
    for check_id, note in PCH_NOTES.items():
        found = result(outcome, check_id)
        assert (found["outcome"], found["reason"]) == ("passed", note), found


# (flavour, defect, the check a tolerant refusal still fails, what its finding says)
FAILURES = [
    ("pch-sig", "500-on-missing-field", "LOGIN-MISSING-FIELD", "got a server error: 500"),
    ("pch-sig", "500-on-empty-body", "LOGIN-EMPTY-BODY", "got a server error: 500"),
    ("pch-sig", "500-on-malformed-json", "LOGIN-MALFORMED-JSON", "got a server error: 500"),
    ("pch-sig", "200-on-wrong-password", "LOGIN-401-BAD-PASSWORD", "got a success: 200"),
    ("pch-sig", "token-in-401-body", "LOGIN-401-BAD-PASSWORD", "expected no token in a refusal"),
    ("pch-sig", "disabled-account-logs-in", "LOGIN-DISABLED-REFUSED", "got a success: 200"),
    ("pch-sig", "refresh-reusable-after-rotation", "REFRESH-ROTATION", "got a success: 200"),
    ("pch-sig", "refresh-token-like-match", "REFRESH-GARBAGE", "got a success: 200"),
    ("pch-sig", "refresh-accepts-access-token", "REFRESH-ACCESS-TOKEN-REFUSED", "got a success: 200"),
    ("pch-sig", "refresh-ignores-disabled-user", "REFRESH-DISABLED-ACCOUNT", "got a success: 200"),
    ("pch-sig", "no-token-accepted", "ACCESS-NO-TOKEN", "a 4xx refusal (protected.rejected_status is not stated"),
    ("pch-sig", "garbage-token-500", "ACCESS-GARBAGE-TOKEN", "a 4xx refusal (protected.rejected_status is not stated"),
]


@pytest.mark.parametrize(("flavour", "defect", "check_id", "said"), FAILURES,
                         ids=[f"{f}:{d}:{c}" for f, d, c, _ in FAILURES])
def test_unstated_refusal_still_fails_what_no_login_api_may_do(flavour, defect, check_id, said, tmp_path,
                                                               run_authconform):
    """A 2xx, a 5xx or a token where a refusal belongs fails, stated or not."""
    profile = variant(tmp_path, flavour, PCH_UNSTATED)
    outcome = run_authconform("run", "--profile", str(profile), *FAST, "--defect", defect, *select(check_id))
    found = result(outcome, check_id)
    assert found["outcome"] == "failed" and said in found["reason"], found
    assert "is not stated" in found["reason"], found
    assert outcome.code == (1 if found["severity"] == "must" else 0), outcome.output[-2000:]


def test_wrong_type_refused_as_401_is_a_refusal_when_unstated(tmp_path, run_authconform):
    """DRF refuses {"username": 12345} with 401: with no login.errors.wrong_type that is fine.

    The profile still states missing_field (400): its status is not borrowed for a wrong type.
    """
    profile = variant(tmp_path, "pch-sig", ["login.errors.wrong_type"])
    outcome = run_authconform("run", "--profile", str(profile), *FAST, "--defect", "wrong-type-as-401",
                              *select("LOGIN-WRONG-TYPE"))
    found = result(outcome, "LOGIN-WRONG-TYPE")
    assert (found["outcome"], found["reason"]) == (
        "passed", "refused with 401; pin it with login.errors.wrong_type.status"), found


def test_stated_wrong_type_stays_exact(run_authconform):
    """The same 401 against the built-in profile, which states wrong_type 400, fails as before."""
    outcome = run_authconform("run", "--profile", "pch-sig", *FAST, "--defect", "wrong-type-as-401",
                              *select("LOGIN-WRONG-TYPE"))
    found = result(outcome, "LOGIN-WRONG-TYPE")
    assert found["outcome"] == "failed" and "expected 400 (profile login.errors.wrong_type.status)" in found["reason"]


def test_missing_refresh_token_does_not_borrow_the_rejected_answer(tmp_path, run_authconform):
    """refresh.rejected (401 "JWT Refresh Token Not Found") says nothing about a request without a token."""
    profile = variant(tmp_path, "pch-sig", ["refresh.missing"])
    outcome = run_authconform("run", "--profile", str(profile), *FAST,
                              *select("REFRESH-MISSING-FIELD", "REFRESH-EMPTY-BODY"))
    for check_id in ("REFRESH-MISSING-FIELD", "REFRESH-EMPTY-BODY"):
        found = result(outcome, check_id)
        assert (found["outcome"], found["reason"]) == (
            "passed", "refused with 401; pin it with refresh.missing.status"), found


NINJA_UNSTATED = ["secret_header.rejected_status", "secret_header.rejected_message", "secret_header.rejected_schema",
                  "login.errors.disabled", "protected.rejected_status"]


def test_unstated_secret_and_disabled_pass_on_invoiceninja_with_a_note(tmp_path, run_authconform):
    outcome = run_authconform("run", "--profile", str(variant(tmp_path, "invoiceninja", NINJA_UNSTATED)), *FAST,
                              *select("SECRET-MISSING-REFUSED", "SECRET-WRONG-REFUSED", "LOGIN-DISABLED-REFUSED",
                                      "ACCESS-NO-TOKEN"))
    assert outcome.code == 0, outcome.output[-3000:]
    notes = {
        "SECRET-MISSING-REFUSED": "refused with 403; pin it with secret_header.rejected_status",
        "SECRET-WRONG-REFUSED": "refused with 403; pin it with secret_header.rejected_status",
        "LOGIN-DISABLED-REFUSED": "logs in, its token refused on use with 403; pin it with login.errors.disabled "
                                  "(at: use, status: 403)",
        "ACCESS-NO-TOKEN": "refused with 403; pin it with protected.rejected_status",
    }
    for check_id, note in notes.items():
        found = result(outcome, check_id)
        assert (found["outcome"], found["reason"]) == ("passed", note), found


NINJA_FAILURES = [
    ("secret-not-enforced", "SECRET-MISSING-REFUSED", "the secret was not checked"),
    ("secret-not-enforced", "SECRET-WRONG-REFUSED", "the secret was not checked"),
    ("secret-optional-when-absent", "SECRET-MISSING-REFUSED", "the secret was not checked"),
    ("secret-prefix-accepted", "SECRET-WRONG-REFUSED", "the secret was not checked"),
    ("disabled-account-logs-in", "LOGIN-DISABLED-REFUSED", "got a success: 200"),
    ("no-token-accepted", "ACCESS-NO-TOKEN", "a 4xx refusal (protected.rejected_status is not stated"),
]


@pytest.mark.parametrize(("defect", "check_id", "said"), NINJA_FAILURES,
                         ids=[f"{d}:{c}" for d, c, _ in NINJA_FAILURES])
def test_unstated_secret_and_disabled_still_fail_on_invoiceninja(defect, check_id, said, tmp_path, run_authconform):
    profile = variant(tmp_path, "invoiceninja", NINJA_UNSTATED)
    outcome = run_authconform("run", "--profile", str(profile), *FAST, "--defect", defect, *select(check_id))
    found = result(outcome, check_id)
    assert found["outcome"] == "failed" and said in found["reason"], found


def test_message_pattern_matches_by_search_and_fails_another_message(tmp_path, run_authconform):
    """message_pattern is searched in the message; {field} stands for the field's name."""
    profile = variant(tmp_path, "pch-sig", [], {
        "login.errors.bad_credentials": {"status": 401, "message_pattern": r"^Invalid credentials\.$"},
        "login.errors.missing_field": {"status": 400, "message_pattern": 'key "{field}" must'},
    })
    checks = ("LOGIN-401-UNKNOWN-USER", "LOGIN-MISSING-FIELD")
    clean = run_authconform("run", "--profile", str(profile), *FAST, *select(*checks))
    assert {result(clean, c)["outcome"] for c in checks} == {"passed"}, clean.output[-2000:]
    changed = run_authconform("run", "--profile", str(profile), *FAST, "--defect",
                              "different-message-for-unknown-user", *select("LOGIN-401-UNKNOWN-USER"))
    found = result(changed, "LOGIN-401-UNKNOWN-USER")
    assert found["outcome"] == "failed", found
    assert ("expected a message matching '^Invalid credentials\\\\.$' at /message (profile "
            "login.errors.bad_credentials.message_pattern)") in found["reason"], found


def test_a_message_pattern_that_is_no_regular_expression_is_a_profile_error(tmp_path, run_authconform):
    profile = variant(tmp_path, "pch-sig", [], {"refresh.rejected.message_pattern": "JWT (Refresh"})
    outcome = run_authconform("run", "--profile", str(profile))
    assert outcome.code == 2, outcome.output
    assert "refresh.rejected.message_pattern: not a regular expression" in outcome.output, outcome.output


def test_notes_name_each_status_once_per_field():
    field = "login.errors.wrong_type.status"
    seen = [expect.Unpinned(400, field), None, expect.Unpinned(401, field), expect.Unpinned(400, field)]
    assert expect.unpinned_note(seen) == "refused with 400 and 401; pin it with login.errors.wrong_type.status"
    assert expect.unpinned_note([None, None]) == ""


def test_unstated_algorithms_take_any_registered_one_and_the_key_still_decides(tmp_path, run_authconform):
    """Without token.algorithms, HS256 is an algorithm (note); the profile's RSA key still refuses the token."""
    profile = variant(tmp_path, "pch-sig", ["token.algorithms"])
    checks = ["-k", "test_algorithm_is_allowed or test_signature_verifies"]
    clean = run_authconform("run", "--profile", str(profile), *FAST, *checks)
    found = result(clean, "TOKEN-ALG-ALLOWED")
    assert (found["outcome"], found["reason"]) == ("passed", "signed with RS256; pin it with token.algorithms"), found
    assert result(clean, "TOKEN-SIGNATURE")["outcome"] == "passed", clean.output[-2000:]
    weak = run_authconform("run", "--profile", str(profile), *FAST, "--defect", "weak-hmac-secret", *checks)
    found = result(weak, "TOKEN-ALG-ALLOWED")
    assert (found["outcome"], found["reason"]) == ("passed", "signed with HS256; pin it with token.algorithms"), found
    assert result(weak, "TOKEN-SIGNATURE")["outcome"] == "failed", weak.output[-2000:]


def test_simplejwt_profile_without_wrong_type_and_missing_passes_on_drf(tmp_path):
    """The issue's case on the real Django REST framework SimpleJWT server: a README-written profile with
    no login.errors.wrong_type and no refresh.missing. DRF refuses the wrong types with a 4xx of its own
    and a refresh without its field with 400 {"refresh": ["This field is required."]}: refusals both,
    whatever login.errors.missing_field or refresh.rejected's 401 say."""
    pytest.importorskip("rest_framework_simplejwt", reason="the peers extra is not installed")
    from tests.conftest import authconform
    from tests.peers.launch import start

    profile = variant(tmp_path, "simplejwt", ["login.errors.wrong_type", "refresh.missing"])
    server = start("simplejwt", tmp_path / "server")
    try:
        outcome = authconform("run", "--profile", str(profile), "--base-url", server.url, "--rps", "0",
                              *select("LOGIN-WRONG-TYPE", "REFRESH-MISSING-FIELD", "REFRESH-EMPTY-BODY"),
                              report_dir=tmp_path / "report", env=server.env)
    finally:
        server.stop()
    notes = {c: result(outcome, c) for c in ("LOGIN-WRONG-TYPE", "REFRESH-MISSING-FIELD", "REFRESH-EMPTY-BODY")}
    assert all(r["outcome"] == "passed" for r in notes.values()), notes
    assert notes["LOGIN-WRONG-TYPE"]["reason"].endswith("; pin it with login.errors.wrong_type.status"), notes
    assert notes["REFRESH-MISSING-FIELD"]["reason"] == "refused with 400; pin it with refresh.missing.status", notes
    assert outcome.code == 0, outcome.output[-2000:]


@pytest.mark.parametrize(("value", "token"), [
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", True),
    ("9f86d081884c7d659a2feaa0c55ad015", True),
    (["This field is required."], False),
    ("This field is required.", False),
    ("", False),
    (None, False),
])
def test_a_token_pointer_in_an_error_body_finds_only_tokens(value, token):
    """DRF names its error lists after the fields, so /refresh holds messages in a 400: not a token."""
    assert expect.looks_like_token(value) is token


def test_a_redirect_is_no_refusal_when_unstated(tmp_path, run_authconform):
    """Laravel answers a refused login without X-Requested-With with a 302 back: the built-in invoiceninja
    profile states it (missing_header: {status: 302}); left out, a redirect is not a refusal."""
    profile = variant(tmp_path, "invoiceninja", ["login.errors.missing_header"])
    outcome = run_authconform("run", "--profile", str(profile), *FAST, "-k", "test_login_without_the_required_headers")
    found = result(outcome, "HEADERS-REQUIRED-LOGIN")
    assert found["outcome"] == "failed" and "got a redirect: 302" in found["reason"], found
    assert "login.errors.missing_header.status is not stated" in found["reason"], found
    stated = run_authconform("run", "--profile", "invoiceninja", *FAST, "-k", "test_login_without_the_required_headers")
    assert result(stated, "HEADERS-REQUIRED-LOGIN")["outcome"] == "passed", stated.output[-2000:]
