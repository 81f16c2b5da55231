"""The secret header (Invoice Ninja's X-API-SECRET) and the login's other required request headers.

Each test is one check. The SECRET-* checks skip without a ``secret_header`` section (or with an
empty value: a server that sets no secret checks none). Refused logins are sent with made-up
identities, so they cost no account its failed-login budget. SECRET-NOT-ECHOED and
SECRET-SAME-ORIGIN review every exchange of the run, so they run after all other checks.
"""

from __future__ import annotations

import secrets

import httpx
import pytest

from authconform import expect
from authconform.checks import check
from authconform.endpoints.login import LoginFailed
from authconform.http.redaction import secret_forms


@pytest.fixture(scope="module")
def secret(profile):
    """The profile's secret header; every SECRET-* check skips without one."""
    if profile.secret_header is None:
        pytest.skip("the profile has no secret_header, or its value is empty (a server with no secret set, such as "
                    "Invoice Ninja with an empty API_SECRET, checks no header)")
    return profile.secret_header


@pytest.fixture(scope="session")  # session: SECRET-SAME-ORIGIN runs last, after this module's other checks
def bare_missing_password_answer(login, profile):
    """A login without login.headers and without a password (the secret still sent): sent once, shared by
    HEADERS-REQUIRED-LOGIN and SECRET-SAME-ORIGIN (Invoice Ninja redirects such a login without X-Requested-With).
    None, and nothing sent, when the profile names no login.headers."""
    if not profile.login.headers:
        return None
    without = ", ".join(profile.login.headers)
    return login.submit({login.identity_field: login.unknown_identity()}, profile_headers=False,
                        purpose=f"login without {without} and without a password")



def _stated(profile):
    """The secret refusal the profile states (secret_header.rejected_*), or None when it gives no status."""
    header = profile.secret_header
    if header.rejected_status is None:
        return None
    return expect.Stated(header.rejected_status, header.rejected_message, header.rejected_message_pattern,
                         header.rejected_message_pointer, header.rejected_schema,
                         names={k: f"rejected_{k}" for k in ("status", "message", "message_pattern", "schema")})


def _refused(answer, profile, what, with_secret):
    """The profile's secret refusal exactly when stated; else a 4xx with no token that the secret decided.

    The probes carry made-up credentials, which any login refuses: unstated, a refusal counts only when
    it differs from ``with_secret``, the answer the same made-up login gets with the right secret.
    """
    header = profile.secret_header
    error = _stated(profile)
    success = profile.login.success
    seen = expect.refused(answer, error, "secret_header", (success.token, success.refresh_token),
                          profile.schema_path(error.schema if error else None), pin="secret_header.rejected_status")
    if seen is not None and with_secret.ok and answer.status == with_secret.status and answer.body == with_secret.body:
        expect.fail(f"expected {what} to be refused for the secret (secret_header.rejected_status is not stated, so "
                    f"any 4xx that differs from the answer with the right {header.name} will do), got the same "
                    f"answer as with the right one: {answer.describe()}: the secret was not checked (if the server "
                    f"refuses a bad secret exactly as it refuses bad credentials, state secret_header.rejected_status)")
    return seen


def _with_secret(login, body):
    """The same made-up login with the right secret: what a refusal for the secret must differ from."""
    return login.submit(body, purpose="the same refused login with the right secret (to tell the refusals apart)")


def _note(record_property, seen):
    note = expect.unpinned_note(seen)
    if note:
        record_property("note", note)


def _nobody(login):
    return login.fields(login.unknown_identity(), login.wrong_password())


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    default = {"http": 80, "https": 443}.get(parsed.scheme)
    return parsed.scheme, parsed.host.lower(), parsed.port or default


def _carries_secret(exchange, header) -> bool:
    name = header.name.lower()
    return any(k.lower() == name or (header.value and header.value in v) for k, v in exchange.request_headers)


@check("SECRET-MISSING-REFUSED", severity="must", requirement="profile secret_header.rejected_status",
       why=("The profile states the secret header is required and how it is refused (secret_header, "
            "secret_header.rejected_status)."))
def test_login_without_the_secret_is_refused(secret, login, profile, record_property):
    """A login without the secret header gets the profile's secret refusal and no token.

    Unstated (no secret_header.rejected_status): a 4xx with no token that differs from the same login's
    answer with the right secret.
    """
    body = _nobody(login)
    answer = login.submit(body, secret_header=False, purpose=f"login without {secret.name}")
    with_secret = _with_secret(login, body) if _stated(profile) is None else answer
    _note(record_property, [_refused(answer, profile, f"a login without {secret.name}", with_secret)])


@check("SECRET-WRONG-REFUSED", severity="must", requirement="profile secret_header.rejected_status",
       why=("The profile states the secret header is required and how it is refused (secret_header, "
            "secret_header.rejected_status)."))
def test_login_with_a_wrong_secret_is_refused(secret, login, profile, target, record_property):
    """A wrong secret (another value, the secret with its last character changed, its first half, empty) is refused."""
    value = secret.value
    changed = value[:-1] + ("x" if value[-1] != "x" else "y")
    probes = [
        ("a made-up value", secrets.token_urlsafe(max(len(value), 8))[: max(len(value), 8)]),
        ("the secret with its last character changed", changed),
        ("an empty value", ""),
    ]
    if len(value) >= 2:
        probes.insert(2, ("the first half of the secret", value[: len(value) // 2]))
    body = _nobody(login)
    with_secret = None
    seen = []
    for label, wrong in probes:
        target.redactor.add(wrong, "secret")
        answer = login.submit(body, secret_header=False, headers={secret.name: wrong},
                              purpose=f"login with {label} as {secret.name}")
        if with_secret is None:
            with_secret = _with_secret(login, body) if _stated(profile) is None else answer
        seen.append(_refused(answer, profile, f"{label} as {secret.name}", with_secret))
    _note(record_property, seen)


@check("SECRET-RIGHT-ACCEPTED", severity="must", requirement="profile secret_header; profile login.success",
       why="The profile states that a login with the right secret succeeds (secret_header, login.success).")
def test_login_with_the_right_secret_succeeds(secret, login, profile):
    """The valid account's login with the right secret (the run's shared login) succeeds with a token."""
    answer = login.shared_answer("valid")
    if answer is None:
        pytest.skip("no answer to the valid login")
    expect.status(answer, profile.login.success.status,
                  f"profile login.success.status, with the right {secret.name}")
    try:
        login.session()
    except LoginFailed as exc:
        expect.fail(f"expected a token from the login with the right {secret.name}: {exc}")


@check("SECRET-NAME-CASE-INSENSITIVE", severity="must", requirement="RFC 9110 §5.1; profile secret_header.name",
       why=("RFC 9110 §5.1 defines field names as case-insensitive (HTTP/2 sends them in lower case): matching "
            "the case breaks HTTP itself."))
def test_secret_header_name_is_case_insensitive(secret, login, profile):
    """The secret header written in another case is the same header: the valid login still succeeds."""
    spelling = secret.name.swapcase()
    account = profile.account("valid")
    answer = login.submit(login.fields(account.identity, account.password), secret_header=False,
                          headers={spelling: secret.value}, expect_failure=False,
                          purpose=f"login with the secret header written {spelling}")
    expect.status(answer, profile.login.success.status,
                  f"profile login.success.status: {spelling} is the header {secret.name} (RFC 9110 §5.1)")
    if login.token_of(answer) is None:
        expect.fail(f"expected a token at {profile.login.success.token} (profile login.success.token) from the "
                    f"login with the header written {spelling}, got {answer.describe()}")


@check("SECRET-SAME-ORIGIN", severity="should", requirement="RFC 9110 §15.4; OWASP ASVS 4.0.3 V13.1.3",
       phase="last", after=("OPENAPI-FUZZ",),  # looks at every exchange of the run, the fuzzer's too
       why=("No RFC MUST forbids a redirect that carries a header elsewhere and ASVS V13.1.3 is a verification "
            "requirement; the harness never follows one off the target."))
def test_secret_stays_on_the_target_origin(secret, login, profile, run, missing_password_answer,
                                           bare_missing_password_answer):
    """No request carrying the secret is redirected to another origin, and authconform never sends it off the target."""
    own = _origin(run.client.base_url)
    # refused logins carrying the secret (the two answers above, shared with LOGIN-MISSING-FIELD and
    # HEADERS-REQUIRED-LOGIN) are among the run's exchanges looked at below
    problems = []
    for exchange in list(run.recorder.exchanges):
        if not _carries_secret(exchange, secret):
            continue
        if _origin(exchange.url) != own:
            problems.append(f"authconform itself sent {secret.name} to {exchange.request_line(run.redactor)}")
            continue
        location = exchange.header("location")
        if exchange.status is not None and 300 <= exchange.status < 400 and location:
            moved = httpx.URL(exchange.url).join(location)
            if _origin(str(moved)) != own:
                problems.append(f"{exchange.request_line(run.redactor)} (with {secret.name}) answered "
                                f"{exchange.status} to {run.redactor.text(str(moved))}")
    if problems:
        expect.fail(f"expected {secret.name} to reach only {run.client.origin} (a client that follows redirects, such "
                    f"as curl -L, requests or a browser, forwards custom headers to the new host; authconform did not "
                    f"follow): " + "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5
                                                               else ""))


@check("SECRET-NOT-ECHOED", severity="should", requirement="OWASP ASVS 4.0.3 V7.1.1; OWASP ASVS 4.0.3 V8.3.1",
       phase="last", after=("OPENAPI-FUZZ",),  # scans every answer of the run, the fuzzer's too
       why=("An echoed secret goes back only to its sender, but into every log on the way; ASVS V7.1.1 and V8.3.1"
            " are verification requirements, not MUSTs."))
def test_secret_is_never_echoed(secret, login, run):
    """The secret value never appears, in any encoding, in a header or body of any answer of the run."""
    login.shared_answer("valid")
    forms = secret_forms(secret.value)
    found = []
    for exchange in list(run.recorder.exchanges):
        if exchange.status is None:
            continue
        where = [f"header {k}" for k, v in exchange.response_headers if any(f in v for f in forms)]
        if exchange.response_body and any(f in exchange.response_body for f in forms):
            where.append("body")
        if where:
            found.append(f"{', '.join(where)} of the answer to {exchange.request_line(run.redactor)}")
    if found:
        expect.fail(f"expected the {secret.name} value to stay out of every answer, found it in {len(found)}: "
                    + "; ".join(found[:5]))


@check("HEADERS-REQUIRED-LOGIN", severity="must",
       requirement="profile login.headers; profile login.errors.missing_header",
       why=("The profile states the login headers and the answer without them (login.headers, "
            "login.errors.missing_header)."))
def test_login_without_the_required_headers(login, profile, record_property, bare_missing_password_answer):
    """A login without the login headers gets login.errors.missing_header; a valid one behaves as the profile says."""
    names = list(profile.login.headers or {})
    if not names:
        pytest.skip("the profile names no login.headers")
    error = profile.login.errors.missing_header
    source = "login.errors.missing_header"
    success = profile.login.success
    pointers = (success.token, success.refresh_token)
    schema = profile.schema_path(error.schema if error is not None else None)
    without = ", ".join(names)
    refused = bare_missing_password_answer
    seen = [expect.refused(refused, error, source, pointers, schema, field=login.password_field)]
    account = profile.account("valid")
    fields = login.fields(account.identity, account.password)
    if profile.login.headers_enforced:
        answer = login.submit(fields, profile_headers=False, purpose=f"valid login without {without}")
        seen.append(expect.refused(answer, error, source, pointers, schema, field=login.password_field))
        _note(record_property, seen)
        return
    answer = login.submit(fields, profile_headers=False, expect_failure=False,
                          purpose=f"valid login without {without}")
    expect.status(answer, profile.login.success.status,
                  f"profile login.success.status: login.headers_enforced false, so {without} only shapes the answers")
    if login.token_of(answer) is None:
        expect.fail(f"expected a token at {profile.login.success.token} from the valid login without {without} "
                    f"(login.headers_enforced false), got {answer.describe()}")
    _note(record_property, seen)
