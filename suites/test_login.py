"""Login: the profile's success and error answers, for every input a client can send.

Each test is one check. Requests with made-up identities cost no account anything; a wrong password
for a real account is paid from the run's failed-login budget.
"""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from authconform import expect
from authconform.checks import check
from authconform.pointer import MISSING, resolve
from authconform.redaction import secret_forms


def _schema(profile, reference):
    return str(profile.resolve(reference)) if reference else None


@pytest.fixture(scope="module")
def valid_answer(login):
    """The shared valid login's answer, for checks that look at a successful login."""
    answer = login.shared_answer("valid")
    if answer is None:
        pytest.skip("no answer to the valid login")
    return answer


@pytest.fixture
def success(valid_answer, profile):
    """The valid login's answer, once it has the success status (LOGIN-OK-STATUS checks that)."""
    if not valid_answer.ok or valid_answer.status != profile.login.success.status:
        pytest.skip(f"needs a successful login; it answered {valid_answer.describe(80)} (see LOGIN-OK-STATUS)")
    return valid_answer


def _error(profile, name, *fallbacks):
    """The profile's error spec ``name`` (or the first fallback), and its dotted source."""
    errors = profile.login.errors
    for key in (name, *fallbacks):
        if errors[key] is not None:
            return errors[key], f"profile login.errors.{key}", key == name
    pytest.skip(f"the profile has no login.errors.{name}")


def _check_refusal(answer, profile, name, *fallbacks, field=None):
    error, source, exact = _error(profile, name, *fallbacks)
    if exact:
        expect.refusal(answer, error, source, _schema(profile, error.schema), field=field)
    else:  # a fallback spec: its status and schema apply, its message names another case
        expect.status(answer, error.status, f"{source}.status")
        if error.schema:
            expect.matches_schema(answer, _schema(profile, error.schema), f"{source}.schema")
    expect.no_token(answer, profile.login.success.token, source)


@check("LOGIN-OK-STATUS", severity="must", requirement="profile login.success.status")
def test_valid_login_succeeds(valid_answer, profile):
    """The valid account's login gets the profile's success status."""
    expect.status(valid_answer, profile.login.success.status, "profile login.success.status")


@check("LOGIN-OK-CONTENT-TYPE", severity="must", requirement="RFC 6749 §5.1; profile login.success")
def test_valid_login_is_json(success):
    """A successful login answers with a JSON content type."""
    expect.json_content_type(success, "RFC 6749 §5.1: a token response is application/json")


@check("LOGIN-OK-SCHEMA", severity="must", requirement="profile login.success.schema")
def test_valid_login_body_matches_schema(success, profile):
    """A successful login's body matches the profile's success schema."""
    if not profile.login.success.schema:
        pytest.skip("the profile gives no login.success.schema")
    expect.matches_schema(success, _schema(profile, profile.login.success.schema), "profile login.success.schema")


@check("LOGIN-OK-TOKEN", severity="must", requirement="profile login.success.token")
def test_valid_login_gives_token(success, profile, login):
    """A successful login carries a non-empty token at the profile's JSON pointer."""
    pointer = profile.login.success.token
    body = expect.json_body(success, "profile login.success.token")
    value = resolve(body, pointer)
    if value is MISSING:
        expect.fail(f"expected a token at {pointer} (profile login.success.token), the body has none: "
                    f"{success.describe()}")
    if not isinstance(value, str) or not value.strip():
        expect.fail(f"expected a non-empty string token at {pointer} (profile login.success.token), "
                    f"got {type(value).__name__} {value!r}"[:300])
    login.token_of(success)


@check("LOGIN-OK-NO-PASSWORD-ECHO", severity="must", requirement="OWASP ASVS 4.0.3 V7.1.1; RFC 6749 §10.3")
def test_password_is_not_echoed(success, profile):
    """A successful login never sends the password back, in any encoding, in its headers or body."""
    password = profile.account("valid").password
    forms = {f for f in secret_forms(password) if f in (password, quote(password, safe=""), quote_plus(password))
             or f.strip('"') == json.dumps(password)[1:-1]}
    where = [f"header {k}" for k, v in success.exchange.response_headers if any(f in v for f in forms)]
    if any(f in success.text for f in forms):
        where.append("body")
    if where:
        expect.fail(f"expected the password to stay out of the login answer, found it in {', '.join(where)}")


@check("LOGIN-MISSING-FIELD", severity="must", requirement="profile login.errors.missing_field")
def test_missing_field_is_refused(login, profile, missing_password_answer):
    """Leaving out a required field gets the profile's missing-field answer naming that field."""
    _error(profile, "missing_field")
    without_identity = login.submit({login.password_field: login.wrong_password()},
                                    purpose=f"login without {login.identity_field!r}")
    _check_refusal(without_identity, profile, "missing_field", field=login.identity_field)
    # the run's shared answer (SECRET-SAME-ORIGIN looks at it too): sent once
    _check_refusal(missing_password_answer, profile, "missing_field", field=login.password_field)


@check("LOGIN-EMPTY-BODY", severity="must", requirement="profile login.errors.malformed_body")
def test_empty_body_is_refused(login, profile):
    """An empty body gets the profile's malformed-body answer (or its missing-field status)."""
    content_type = "application/json" if profile.login.encoding == "json" else "application/x-www-form-urlencoded"
    answer = login.submit(raw=b"", content_type=content_type, purpose="login with an empty body")
    _check_refusal(answer, profile, "malformed_body", "missing_field")


@check("LOGIN-MALFORMED-JSON", severity="must", requirement="profile login.errors.malformed_body")
def test_malformed_json_is_refused(profile, broken_json_answer):
    """A body that is not valid JSON gets the profile's malformed-body answer."""
    if broken_json_answer is None:
        pytest.skip("the profile's login encoding is form, not JSON")
    _check_refusal(broken_json_answer, profile, "malformed_body", "missing_field")


@check("LOGIN-WRONG-TYPE", severity="must", requirement="profile login.errors.wrong_type")
def test_wrong_type_is_refused(login, profile):
    """A field of the wrong type (a number, a list) gets the profile's wrong-type answer."""
    if profile.login.encoding != "json":
        pytest.skip("the profile's login encoding is form: every value is a string")
    for field in (login.identity_field, login.password_field):
        for value in (12345, ["a", "b"]):
            body = login.fields(login.unknown_identity(), login.wrong_password())
            body[field] = value
            answer = login.submit(body, purpose=f"login with {field!r} as {type(value).__name__}")
            _check_refusal(answer, profile, "wrong_type", "missing_field", field=field)


def _hostile_inputs(login, profile):
    identity, password = login.identity_field, login.password_field

    def fields(**overrides):
        body = login.fields(login.unknown_identity(), login.wrong_password())
        body.update(overrides)
        return body

    yield "null values", {"fields": {identity: None, password: None}}
    yield "nested objects", {"fields": fields(**{identity: {"$ne": None}, password: {"a": [1, 2]}})}
    yield "booleans", {"fields": fields(**{identity: True, password: False})}
    yield "a 5000-character value", {"fields": fields(**{password: "x" * 5000})}
    yield "unknown extra fields", {"fields": fields(role="admin", is_admin=True)}
    yield "unicode and NUL characters", {"fields": fields(**{identity: "ü\u0000\u202e' OR 1=1 --"})}
    yield "a top-level JSON array", {"raw": b"[]", "content_type": "application/json"}
    yield "a JSON string", {"raw": b'"login"', "content_type": "application/json"}
    yield "a form-encoded body", {
        "raw": f"{identity}=nobody&{password}=x".encode(), "content_type": "application/x-www-form-urlencoded"}
    yield "text/plain content", {"raw": b"hello", "content_type": "text/plain"}
    yield "invalid UTF-8", {"raw": b'{"x": "\xff\xfe"}', "content_type": "application/json"}


@check("LOGIN-NO-5XX", severity="must", requirement="RFC 9110 §15.5; RFC 7519 §7.2")
def test_malformed_input_never_crashes(login, profile):
    """No malformed login input makes the server answer with a 5xx (or not at all)."""
    problems = []
    for label, request in _hostile_inputs(login, profile):
        answer = login.submit(request.get("fields"), raw=request.get("raw"),
                              content_type=request.get("content_type"), purpose=f"login with {label}")
        if not answer.ok:
            problems.append(f"{label}: {answer.error}")
        elif answer.status >= 500:
            problems.append(f"{label}: {answer.describe(120)}")
    if problems:
        expect.fail("expected a 4xx answer to malformed login input (RFC 9110 §15.5), got: " + "; ".join(problems))


@check("LOGIN-401-BAD-PASSWORD", severity="must", requirement="profile login.errors.bad_credentials")
def test_wrong_password_is_refused(wrong_password_answer, profile):
    """A wrong password gets the profile's bad-credentials answer and no token."""
    _check_refusal(wrong_password_answer, profile, "bad_credentials")


@check("LOGIN-401-UNKNOWN-USER", severity="must", requirement="profile login.errors.bad_credentials")
def test_unknown_user_is_refused(unknown_user_answer, profile):
    """An unknown identity gets the profile's bad-credentials answer and no token."""
    _check_refusal(unknown_user_answer, profile, "bad_credentials")


@check("LOGIN-401-SAME-MESSAGE", severity="must", requirement="OWASP ASVS 4.0.3 V7.4.1; OWASP-AUTH-ERR-1")
def test_unknown_user_and_wrong_password_look_alike(wrong_password_answer, unknown_user_answer, profile):
    """A wrong password and an unknown user get the same status and the same message."""
    expect.answered(wrong_password_answer)
    expect.answered(unknown_user_answer)
    if wrong_password_answer.status != unknown_user_answer.status:
        expect.fail(f"expected the same status for a wrong password and an unknown user, got "
                    f"{wrong_password_answer.status} and {unknown_user_answer.status}")
    error = profile.login.errors.bad_credentials
    pointer = error.message_pointer if error is not None else "/message"
    first = resolve(wrong_password_answer.json(), pointer)
    second = resolve(unknown_user_answer.json(), pointer)
    if first is MISSING and second is MISSING:
        first, second = wrong_password_answer.text, unknown_user_answer.text
    if first != second:
        expect.fail(f"expected the same message at {pointer} for a wrong password and an unknown user, "
                    f"got {first!r} and {second!r}"[:400])


@check("LOGIN-DISABLED-REFUSED", severity="must", requirement="profile login.errors.disabled")
def test_disabled_account_is_refused(login, profile, target):
    """A disabled account gets the profile's disabled answer: at login, or when its token is first used."""
    account = profile.account("disabled")
    if account is None:
        pytest.skip("the profile has no disabled account (accounts.disabled)")
    error, source, _ = _error(profile, "disabled")
    if error.at == "login":
        answer = login.attempt(account.identity, account.password, purpose="login as the disabled account")
        _check_refusal(answer, profile, "disabled")
        return
    if profile.protected is None:
        pytest.skip("login.errors.disabled is 'at: use' but the profile has no protected endpoint")
    from authconform.access import call_protected

    answer = login.attempt(account.identity, account.password, expect_failure=False,
                           purpose="login as the disabled account (refused on use)")
    expect.status(answer, profile.login.success.status, f"{source} is at: use, so the login itself succeeds")
    token = login.token_of(answer)
    if token is None:
        pytest.skip("the disabled account's login gave no token to try")
    used = call_protected(target, profile, token, purpose="the disabled account's token on the protected endpoint")
    expect.refusal(used, error, source, _schema(profile, error.schema))
