"""Profiles: the built-in ones load, and a bad one is one clear line naming the field, exit 2."""

from __future__ import annotations

import pytest

from authconform import resources
from authconform.profile import ProfileError, load_profile

ENV = {
    "PCH_USER": "u@example.org", "PCH_PASSWORD": "pw-123456",
    "CHAMILO_USER": "admin", "CHAMILO_PASSWORD": "pw-123456",
    "NINJA_EMAIL": "demo@example.org", "NINJA_PASSWORD": "pw-123456",
}


@pytest.mark.parametrize("name", ["pch-sig", "chamilo", "invoiceninja"])
def test_builtin_profiles_load(name):
    profile = load_profile(name, ENV)
    assert profile.name == name
    assert profile.reference_target == name
    assert profile.login.path.startswith("/")
    assert profile.account("valid").password == "pw-123456"
    assert profile.account("disabled") is None, "an unset optional account reads as absent"
    assert profile.limits.max_failed_logins >= 1


def test_invoiceninja_profile_stays_under_its_lockout():
    assert load_profile("invoiceninja", ENV).limits.max_failed_logins < 5


def test_environment_expansion_with_default(tmp_path):
    profile = load_profile("pch-sig", {**ENV, "TARGET_URL": "https://login.example.org"})
    assert profile.base_url == "https://login.example.org"
    assert load_profile("pch-sig", ENV).base_url == "http://127.0.0.1:8000"


def _write(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


MINIMAL = """\
name: demo
base_url: http://127.0.0.1:9
login:
  path: /login
  fields: {identity: email, password: password}
  success: {token: /token}
accounts:
  valid: {identity: a@b.c, password: secret-pw}
"""


def test_minimal_profile_gets_defaults(tmp_path):
    profile = load_profile(_write(tmp_path, MINIMAL), {})
    assert profile.login.method == "POST"
    assert profile.login.success.status == 200
    assert profile.limits.requests_per_second == 10
    assert profile.refresh is None


def test_misspelt_field_names_it_with_a_hint(tmp_path):
    path = _write(tmp_path, MINIMAL.replace("  fields:", "  feilds:"))
    with pytest.raises(ProfileError) as error:
        load_profile(path, {})
    text = str(error.value)
    assert "login.feilds" in text and "unknown field" in text and "did you mean 'fields'" in text
    assert f"{path}:5" in text, text


def test_undefined_variable_names_the_field(tmp_path):
    path = _write(tmp_path, MINIMAL.replace("password: secret-pw", "password: '${NOPE_PW}'"))
    with pytest.raises(ProfileError) as error:
        load_profile(path, {})
    assert "accounts.valid.password" in str(error.value) and "NOPE_PW" in str(error.value)


def test_shipped_data_is_found():
    assert (resources.schemas_dir() / "profile.schema.json").is_file()
    assert (resources.suites_dir() / "test_login.py").is_file()


def test_cli_exits_2_on_a_misspelt_field(tmp_path, run_authconform):
    path = _write(tmp_path, MINIMAL.replace("  success:", "  sucess:"))
    outcome = run_authconform("run", "--profile", str(path), "--base-url", "http://127.0.0.1:9")
    assert outcome.code == 2, outcome.output
    assert "login.sucess" in outcome.output and "did you mean 'success'" in outcome.output
    assert "Traceback" not in outcome.output


def test_account_ids_budgets_and_document_headers(tmp_path):
    """accounts.<name>.id and max_failed_logins, token.claims.identity_pointer, openapi.auth and openapi.headers."""
    path = _write(tmp_path, """
name: cms
base_url: http://127.0.0.1:8055
login: {path: /auth/login, fields: {identity: email, password: password}, success: {token: /data/access_token}}
accounts:
  valid: {identity: a@example.org, password: pw-1, id: '${USER_ID:-}'}
  lockout: {identity: l@example.org, password: pw-2, max_failed_logins: 26}
token: {claims: {identity: id, identity_pointer: /user/id}}
openapi: {spec: /server/specs/oas, auth: true, headers: {X-Docs-Key: '${DOCS_KEY}'}}
""")
    profile = load_profile(path, {"DOCS_KEY": "docs-key-123", "USER_ID": "5f0c8a4e-3f1b-4c55-9a51-6a7c2f0e9b11"})
    assert profile.account("valid").id == "5f0c8a4e-3f1b-4c55-9a51-6a7c2f0e9b11"
    assert profile.account("valid").max_failed_logins is None and profile.account("lockout").max_failed_logins == 26
    assert profile.token.claims.identity_pointer == "/user/id"
    assert profile.openapi.auth is True and profile.openapi.headers["X-Docs-Key"] == "docs-key-123"
    assert "docs-key-123" in profile.secret_values()  # a header value is redacted like a password
    unset = load_profile(path, {"DOCS_KEY": "k"})
    assert unset.account("valid").id is None  # ${USER_ID:-} left empty: not given
    with pytest.raises(ProfileError, match="identity_pointer.*not a JSON Pointer"):
        load_profile(_write(tmp_path, path.read_text().replace("identity_pointer: /user/id",
                                                               "identity_pointer: user.id")), {"DOCS_KEY": "k"})
