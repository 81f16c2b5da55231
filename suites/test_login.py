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
from authconform.http.redaction import secret_forms
from authconform.pointer import MISSING, resolve


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


def _refused(answer, profile, name, *, field=None):
    """login.errors.<name> exactly when the profile states it, else any 4xx with no token (never another error's)."""
    error = profile.login.errors[name]
    success = profile.login.success
    return expect.refused(answer, error, f"login.errors.{name}", (success.token, success.refresh_token),
                          profile.schema_path(error.schema if error is not None else None), field=field)


def _note(record_property, seen):
    """A tolerant check's pass says what it saw and which field would pin it (summary.json, report)."""
    note = expect.unpinned_note(seen)
    if note:
        record_property("note", note)


@check("LOGIN-OK-STATUS", severity="must", requirement="profile login.success.status",
       why=("The profile states the success status (login.success.status); every check that needs a token depends"
            " on it."))
def test_valid_login_succeeds(valid_answer, profile):
    """The valid account's login gets the profile's success status."""
    expect.status(valid_answer, profile.login.success.status, "profile login.success.status")


@check("LOGIN-OK-CONTENT-TYPE", severity="should", requirement="RFC 6749 §5.1; profile login.success",
       must_when="login.oauth_token_endpoint",
       why=("RFC 6749 §5.1's application/json binds OAuth 2.0 token endpoints; for another login API a "
            "mislabelled JSON body is a defect to fix, not a broken MUST."))
def test_valid_login_is_json(success):
    """A successful login answers with a JSON content type."""
    expect.json_content_type(success, "RFC 6749 §5.1: a token response is application/json")


@check("LOGIN-OK-SCHEMA", severity="must", requirement="profile login.success.schema",
       why="The profile states the success body's schema (login.success.schema); skipped without one.")
def test_valid_login_body_matches_schema(success, profile):
    """A successful login's body matches the profile's success schema."""
    if not profile.login.success.schema:
        pytest.skip("the profile gives no login.success.schema")
    expect.matches_schema(success, profile.schema_path(profile.login.success.schema), "profile login.success.schema")


@check("LOGIN-OK-TOKEN", severity="must", requirement="profile login.success.token",
       why="The profile states where the token is (login.success.token); a login without it issues nothing.")
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


@check("LOGIN-OK-NO-PASSWORD-ECHO", severity="should", requirement="OWASP ASVS 4.0.3 V7.1.1; RFC 6749 §10.3",
       why=("No RFC MUST covers it and ASVS V7.1.1 is a verification requirement; the password goes back only to "
            "its sender, but into every log on the way: a finding to fix, not a gate failure."))
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


@check("LOGIN-MISSING-FIELD", severity="must", requirement="profile login.errors.missing_field",
       why=("The profile states the answer (login.errors.missing_field); unstated, a login without a credential "
            "must still be refused, or credentials are not checked."))
def test_missing_field_is_refused(login, profile, record_property, missing_password_answer):
    """Leaving out a required field gets the profile's missing-field answer naming that field.

    Unstated (no login.errors.missing_field): any 4xx with no token.
    """
    without_identity = login.submit({login.password_field: login.wrong_password()},
                                    purpose=f"login without {login.identity_field!r}")
    seen = [_refused(without_identity, profile, "missing_field", field=login.identity_field),
            # the run's shared answer (SECRET-SAME-ORIGIN looks at it too): sent once
            _refused(missing_password_answer, profile, "missing_field", field=login.password_field)]
    _note(record_property, seen)


@check("LOGIN-EMPTY-BODY", severity="must", requirement="profile login.errors.malformed_body",
       why=("The profile states the answer (login.errors.malformed_body); unstated, an empty login must still be "
            "refused: a token for no credentials is an authentication bypass."))
def test_empty_body_is_refused(login, profile, record_property):
    """An empty body gets the profile's malformed-body answer.

    Unstated (no login.errors.malformed_body): any 4xx with no token; missing_field is not borrowed.
    """
    content_type = "application/json" if profile.login.encoding == "json" else "application/x-www-form-urlencoded"
    answer = login.submit(raw=b"", content_type=content_type, purpose="login with an empty body")
    _note(record_property, [_refused(answer, profile, "malformed_body")])


@check("LOGIN-MALFORMED-JSON", severity="must", requirement="profile login.errors.malformed_body",
       why=("The profile states the answer (login.errors.malformed_body); unstated, a broken body must still be "
            "refused: a token for it is an authentication bypass."))
def test_malformed_json_is_refused(profile, record_property, broken_json_answer):
    """A body that is not valid JSON gets the profile's malformed-body answer.

    Unstated (no login.errors.malformed_body): any 4xx with no token.
    """
    if broken_json_answer is None:
        pytest.skip("the profile's login encoding is form, not JSON")
    _note(record_property, [_refused(broken_json_answer, profile, "malformed_body")])


@check("LOGIN-WRONG-TYPE", severity="must", requirement="profile login.errors.wrong_type",
       why=("The profile states the answer (login.errors.wrong_type); unstated, a wrong-typed credential must "
            "still be refused (a token for one is the type-juggling bypass)."))
def test_wrong_type_is_refused(login, profile, record_property):
    """A field of the wrong type (a number, a list) gets the profile's wrong-type answer.

    Unstated (no login.errors.wrong_type): any 4xx with no token (DRF's 401 is one); missing_field is not
    borrowed.
    """
    if profile.login.encoding != "json":
        pytest.skip("the profile's login encoding is form: every value is a string")
    seen = []
    for field in (login.identity_field, login.password_field):
        for value in (12345, ["a", "b"]):
            body = login.fields(login.unknown_identity(), login.wrong_password())
            body[field] = value
            answer = login.submit(body, purpose=f"login with {field!r} as {type(value).__name__}")
            seen.append(_refused(answer, profile, "wrong_type", field=field))
    _note(record_property, seen)


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


@check("LOGIN-NO-5XX", severity="must", requirement="RFC 9110 §15.5; RFC 7519 §7.2",
       why=("A 5xx is the server saying it erred (RFC 9110 §15.6): malformed input reached code that failed, a "
            "defect by HTTP's own definition."))
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


@check("LOGIN-401-BAD-PASSWORD", severity="must", requirement="profile login.errors.bad_credentials",
       why=("A wrong password that is not refused is an authentication bypass; the profile states the answer "
            "(login.errors.bad_credentials)."))
def test_wrong_password_is_refused(wrong_password_answer, profile, record_property):
    """A wrong password gets the profile's bad-credentials answer and no token.

    Unstated (no login.errors.bad_credentials): any 4xx with no token.
    """
    _note(record_property, [_refused(wrong_password_answer, profile, "bad_credentials")])


@check("LOGIN-401-UNKNOWN-USER", severity="must", requirement="profile login.errors.bad_credentials",
       why=("An unknown identity that is not refused is an authentication bypass; the profile states the answer "
            "(login.errors.bad_credentials)."))
def test_unknown_user_is_refused(unknown_user_answer, profile, record_property):
    """An unknown identity gets the profile's bad-credentials answer and no token.

    Unstated (no login.errors.bad_credentials): any 4xx with no token.
    """
    _note(record_property, [_refused(unknown_user_answer, profile, "bad_credentials")])


@check("LOGIN-401-SAME-MESSAGE", severity="should", requirement="OWASP ASVS 4.0.3 V7.4.1; OWASP-AUTH-ERR-1",
       must_when="login.errors.bad_credentials",
       why=("A stated login.errors.bad_credentials is one answer for both, so it is must then; otherwise OWASP's "
            "advice (ASVS V7.4.1) is no MUST: a warning."))
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


@check("LOGIN-DISABLED-REFUSED", severity="must", requirement="profile login.errors.disabled",
       why=("The profile states the account is disabled (accounts.disabled, login.errors.disabled); a disabled "
            "account that gets in is an access-control failure."))
def test_disabled_account_is_refused(login, profile, target, record_property):
    """A disabled account gets the profile's disabled answer: at login, or when its token is first used.

    Unstated (no login.errors.disabled), either counts: a 4xx login with no token, or a token that
    the protected endpoint then refuses with a 4xx.
    """
    account = profile.account("disabled")
    if account is None:
        pytest.skip("the profile has no disabled account (accounts.disabled)")
    error = profile.login.errors.disabled
    source = "login.errors.disabled"
    if error is not None and error.at == "login":
        answer = login.attempt(account.identity, account.password, purpose="login as the disabled account")
        _note(record_property, [_refused(answer, profile, "disabled")])
        return
    from authconform.endpoints.protected import call_protected

    if error is None:
        answer = login.attempt(account.identity, account.password, expect_failure=False,
                               purpose="login as the disabled account")
        expect.answered(answer)
        if answer.status != profile.login.success.status:
            _note(record_property, [_refused(answer, profile, "disabled")])
            return
        token = login.token_of(answer)
        if token is None:
            expect.fail(f"expected the disabled account to be refused ({source} is not stated, so a 4xx login "
                        f"or a refused token will do), got the success status and no token: {answer.describe()}")
        if profile.protected is None:
            pytest.skip(f"the disabled account logs in ({answer.status}) and the profile has no protected endpoint "
                        f"to try its token on: state {source} (at: use needs protected)")
        used = call_protected(target, profile, token, purpose="the disabled account's token on the protected endpoint")
        seen = expect.refused(used, None, source, (), None)
        record_property("note", f"logs in, its token refused on use with {used.status}; pin it with {source} "
                                f"(at: use, status: {seen.status if seen else used.status})")
        return
    if profile.protected is None:
        pytest.skip("login.errors.disabled is 'at: use' but the profile has no protected endpoint")
    answer = login.attempt(account.identity, account.password, expect_failure=False,
                           purpose="login as the disabled account (refused on use)")
    expect.status(answer, profile.login.success.status, f"profile {source} is at: use, so the login itself succeeds")
    token = login.token_of(answer)
    if token is None:
        pytest.skip("the disabled account's login gave no token to try")
    used = call_protected(target, profile, token, purpose="the disabled account's token on the protected endpoint")
    expect.refused(used, error, source, (), profile.schema_path(error.schema))
