"""Security review: user enumeration, lockout, transport, CORS, credentials in URLs, error hygiene.

Each test is one check. Unknown identities cost no account anything; every request carrying the
valid identity with a wrong password (timing samples, the query-string login) is paid for from the
failed-login budget first. The lockout probe is opt-in: it locks a throwaway account on purpose.
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from authconform import expect
from authconform.checks import check
from authconform.endpoints.budget import BudgetExhausted
from authconform.endpoints.login import LoginFailed
from authconform.endpoints.protected import call_protected, credential_headers
from authconform.probes import leaks
from authconform.probes.timing import SequentialTest, sample_sizes

# Headers that differ from one request to the next on any server: not a tell between two answers.
NOISE_HEADERS = frozenset({
    "date", "age", "expires", "last-modified", "etag", "content-length", "x-request-id", "request-id",
    "x-correlation-id", "correlation-id", "x-trace-id", "traceparent", "tracestate", "x-amzn-trace-id",
    "x-amzn-requestid", "x-runtime", "x-response-time", "server-timing", "x-debug-token", "x-debug-token-link",
    "cf-ray", "x-served-by", "x-cache", "x-cache-hits", "x-timer", "via", "retry-after", "x-ratelimit-remaining",
    "x-ratelimit-reset", "ratelimit-remaining", "ratelimit-reset", "ratelimit",
})
# JSON keys whose value is per request (a timestamp, a trace ID), dropped before bodies are compared.
NOISE_KEYS = frozenset({"timestamp", "time", "datetime", "date", "requestid", "request_id", "traceid", "trace_id",
                        "correlationid", "correlation_id", "instance"})
ATTACKER_ORIGIN = "https://authconform-attacker.example"


def _comparable_body(answer) -> Any:
    """The body with per-request noise removed: parsed JSON without noise keys, else the raw text."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if str(k).lower() not in NOISE_KEYS}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    body = answer.json()
    return clean(body) if body is not None else answer.text


def _header_view(answer) -> dict[str, list[str]]:
    """Header name to sorted values, noise left out; a Set-Cookie counts by cookie name only."""
    view: dict[str, list[str]] = {}
    for name, value in answer.exchange.response_headers:
        key = name.lower()
        if key in NOISE_HEADERS:
            continue
        if key == "set-cookie":
            value = value.split("=", 1)[0].strip() + "=…"
        view.setdefault(key, []).append(value)
    return {k: sorted(v) for k, v in view.items()}


def _refused(answer, profile) -> bool:
    return answer.ok and answer.status != profile.login.success.status


@check("SEC-ENUM-RESPONSE", severity="should", requirement="OWASP ASVS 4.0.3 V7.4.1; OWASP-AUTH-ERR-2",
       why=("ASVS V7.4.1 and OWASP's cheat sheet ask for identical refusals, no MUST does: a header or body "
            "difference is an enumeration oracle to fix (the stated status and message are LOGIN-401-*'s)."))
def test_unknown_user_and_wrong_password_answers_are_identical(wrong_password_answer, unknown_user_answer):
    """An unknown user and a wrong password get the same status, body, body length and headers."""
    wrong, unknown = wrong_password_answer, unknown_user_answer
    expect.answered(wrong)
    expect.answered(unknown)
    differences = []
    if wrong.status != unknown.status:
        differences.append(f"status {wrong.status} against {unknown.status}")
    if _comparable_body(wrong) != _comparable_body(unknown):
        differences.append(f"body ({len(wrong.body)} bytes: {wrong.describe(100)}) against "
                           f"({len(unknown.body)} bytes: {unknown.describe(100)})")
    first, second = _header_view(wrong), _header_view(unknown)
    for name in sorted(set(first) | set(second)):
        if first.get(name) != second.get(name):
            shown = [", ".join(v) if v else "absent" for v in (first.get(name), second.get(name))]
            differences.append(f"header {name}: {shown[0]!r} against {shown[1]!r}")
    if differences:
        expect.fail("expected a wrong password and an unknown user to get indistinguishable answers "
                    "(OWASP-AUTH-ERR-2: whatever differs tells which accounts exist), got (wrong password "
                    "against unknown user): " + "; ".join(differences)[:900])


@check("SEC-ENUM-TIMING", severity="should", requirement="OWASP-AUTH-ERR-3; OWASP ASVS 5.0.0 V6.3.8",
       why="OWASP's advice (ASVS 5.0.0 V6.3.8) is no MUST, and a timing comparison is statistical: a warning.")
def test_unknown_user_and_wrong_password_take_the_same_time(login, profile, wrong_password_answer,
                                                            unknown_user_answer, record_property):
    """An unknown user is refused no faster or slower than a wrong password (no quick exit without the hash)."""
    if not (_refused(wrong_password_answer, profile) and _refused(unknown_user_answer, profile)):
        pytest.skip("needs a wrong password and an unknown user both refused (see LOGIN-401-BAD-PASSWORD, "
                    "LOGIN-401-UNKNOWN-USER)")
    if (wrong_password_answer.status, _comparable_body(wrong_password_answer)) != (
            unknown_user_answer.status, _comparable_body(unknown_user_answer)):
        pytest.skip("a wrong password and an unknown user already get different answers (SEC-ENUM-RESPONSE "
                    "reports that); timing is compared between answers that look alike")
    security, valid = profile.security, profile.account("valid")
    budget = security.timing_budget
    left = login.budget.remaining(valid.identity)
    known, unknown = sample_sizes(left - 1, budget)  # one failed login kept in reserve
    test = SequentialTest(known, unknown, min_gap=security.timing_min_gap_ms / 1000)
    if not test.can_conclude:
        limit = login.budget.limit_of(valid.identity)
        pytest.skip(f"not run: {known} wrong-password logins are left for it ({login.budget.source_of(valid.identity)}="
                    f"{limit}, {limit - left} spent, one kept in reserve) and "
                    f"security.timing_budget={budget}; with {known} and {unknown} samples no timing "
                    f"difference could reach significance")
    _fresh_login(login, valid, "before the timing series")
    references = {"known": wrong_password_answer, "unknown": unknown_user_answer}
    decision, last = None, None
    while decision is None and (kind := test.next_kind()) is not None:
        number = test.sent + 1
        label = "wrong password" if kind == "known" else "unknown user"
        try:
            identity = valid.identity if kind == "known" else login.unknown_identity()
            answer = login.attempt(identity, login.wrong_password(),
                                   purpose=f"timing sample {number} of {len(test.order)}: {label}")
        except BudgetExhausted as exc:
            decision = test.look(final=True, why_stopped=f"stopped after {test.sent} samples ({exc}): ")
            break
        last = answer.exchange
        reference = references[kind]
        if not answer.ok or (answer.status, _comparable_body(answer)) != (
                reference.status, _comparable_body(reference)):
            changed = answer.error or answer.describe(100)
            decision = test.look(final=True, why_stopped=(
                f"the target changed its {label} answer at sample {number} (throttling?): {changed}; judged "
                f"on the {test.sent} samples before it: "))
            break
        decision = test.add(kind, answer.exchange.elapsed)
    if decision is None:
        decision = test.look(final=True)
    _fresh_login(login, valid, "after the timing series")
    summary = f"{decision.reason} ({decision.numbers()})"
    if last is not None:
        last.purpose += f"; result: {summary}"
    if decision.outcome == "inconclusive":
        pytest.skip(summary)
    if decision.outcome == "leak":
        expect.fail("expected an unknown user and a wrong password to take the same time (OWASP-AUTH-ERR-3: "
                    f"a quick exit without the password hash tells which accounts exist), but {summary}")
    record_property("note", summary)


def _fresh_login(login, account, when: str) -> None:
    """A successful login, which makes a server that counts attempts per IP forget them (Symfony's login
    throttling resets on success): the series neither starts throttled nor leaves the rest of the run so."""
    try:
        login.log_in(account, purpose=f"login (valid account) {when}: resets per-IP attempt counters")
    except LoginFailed as exc:
        pytest.skip(f"not run: the valid account cannot log in {when} ({exc}); the target may be throttling")


@check("SEC-LOCKOUT", severity="must", requirement="OWASP ASVS 4.0.3 V2.2.1; RFC 6749 §4.3.2; RFC 6585 §4",
       why=("It runs only where the profile states a lockout (security.lockout); a stated lockout that does not "
            "lock breaks it (RFC 6749 §4.3.2 MUST for password-grant endpoints)."))
def test_repeated_failed_logins_lock_or_throttle(login, profile, record_property):
    """After repeated failed logins the account is locked, or the server throttles with 429 and Retry-After (opt-in)."""
    security, account = profile.security, profile.account("lockout")
    if not security.lockout:
        pytest.skip("opt-in: set security.lockout: true and accounts.lockout (a throwaway account, which the "
                    "probe locks on purpose)")
    if account is None:
        pytest.skip("security.lockout is on but the profile has no accounts.lockout (a throwaway account)")
    left = login.budget.remaining(account.identity)
    after = security.lockout_after if security.lockout_after is not None else left - 1
    if after < 1 or after + 1 > left:
        pytest.skip(f"not run: {after} failed logins and one with the right password are needed, and "
                    f"{login.budget.source_of(account.identity)} leaves {left} for the lockout account")
    success = profile.login.success.status
    failures, first = 0, None
    for attempt in range(1, after + 1):
        answer = login.attempt(account.identity, login.wrong_password(),
                               purpose=f"lockout probe: failed login {attempt} of {after}")
        expect.answered(answer)
        if answer.status == 429:
            _throttled(answer, failures, record_property)
            return
        failures += 1
        if first is None:
            first = answer
        elif (answer.status, _comparable_body(answer)) != (first.status, _comparable_body(first)):
            break  # the answer changed: the server signals a lock; the right password tells for sure
    final = login.attempt(account.identity, account.password,
                          purpose=f"lockout probe: the right password after {failures} failed logins")
    expect.answered(final)
    login.token_of(final)  # a token in the answer is registered for redaction
    if final.status == 429:
        _throttled(final, failures, record_property)
    elif final.status == success:
        expect.fail(f"expected the lockout account to be locked or throttled after {failures} failed logins "
                    f"(security.lockout_after; OWASP ASVS 4.0.3 V2.2.1: brute force must be stopped), but the "
                    f"right password still logged in: {final.describe(120)}")
    else:
        record_property("note", f"locked: after {failures} failed logins the right password is refused: "
                                f"{final.describe(120)}")


def _throttled(answer, failures: int, record_property) -> None:
    retry_after = answer.header("retry-after")
    if not retry_after:
        expect.fail(f"the server throttles with 429 after {failures} failed logins but sends no Retry-After "
                    f"(RFC 6585 §4: a client cannot tell when to try again): {answer.describe(120)}")
    record_property("note", f"throttled: 429 with Retry-After: {retry_after} after {failures} failed logins")


def _is_loopback(host: str) -> bool:
    """True when ``host`` never leaves the machine: localhost, 127.0.0.0/8, ::1, or a name resolving only there."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


@check("SEC-TRANSPORT-TLS", severity="must", requirement="RFC 6750 §5.3; RFC 6749 §1.6; OWASP ASVS 4.0.3 V9.1.1",
       why="RFC 6750 §5.3: requests with bearer tokens MUST use TLS; a loopback target is exempt.")
def test_credentials_travel_over_tls(profile, record_property):
    """A target reached over the network is reached over https: passwords and tokens never cross it in clear."""
    parts = urlsplit(profile.base_url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        return
    if _is_loopback(host):
        record_property("note", f"plain http, but to {host}: the traffic never leaves this machine")
        return
    expect.fail(f"expected https for a target on the network (RFC 6750 §5.3: tokens and passwords only over "
                f"TLS), but base_url is plain http to {host}, which is not a loopback address")


@check("SEC-TRANSPORT-HSTS", severity="should", requirement="OWASP ASVS 4.0.3 V14.4.5; RFC 6797 §6.1",
       why=("RFC 6797 leaves sending HSTS to the server's policy and ASVS V14.4.5 is a verification requirement: "
            "a warning."))
def test_https_answers_carry_hsts(login, profile, target):
    """Over https, answers carry Strict-Transport-Security with a positive max-age."""
    if urlsplit(profile.base_url).scheme != "https":
        pytest.skip("the target is plain http: HSTS applies to https answers only (see SEC-TRANSPORT-TLS)")
    answers = [a for a in (login.shared_answer("valid"),) if a is not None and a.ok]
    if profile.protected is not None:
        answers.append(call_protected(target, profile, purpose="protected endpoint without a token (HSTS)"))
    problems = []
    for answer in answers:
        value = answer.header("strict-transport-security")
        max_age = None
        for directive in (value or "").split(";"):
            name, _, number = directive.strip().partition("=")
            if name.lower() == "max-age" and number.strip().strip('"').isdigit():
                max_age = int(number.strip().strip('"'))
        if not max_age:
            problems.append(f"{answer.exchange.method} {urlsplit(answer.exchange.url).path} → {answer.status}: "
                            f"{'no Strict-Transport-Security header' if value is None else repr(value)}")
    if problems:
        expect.fail("expected Strict-Transport-Security with a positive max-age on https answers "
                    "(OWASP ASVS 4.0.3 V14.4.5, RFC 6797 §6.1), got: " + "; ".join(problems))


@check("SEC-NO-STORE", severity="should", requirement="RFC 6749 §5.1; OWASP ASVS 4.0.3 V8.2.1",
       must_when="login.oauth_token_endpoint",
       why=("RFC 6749 §5.1's no-store MUST binds OAuth 2.0 token endpoints; another API's POST answer without "
            "explicit freshness is not cached (RFC 9110 §9.3.3), so no-store is hardening."))
def test_token_response_is_not_cacheable(login, profile):
    """A successful login, which carries a token, says Cache-Control: no-store and Pragma: no-cache."""
    answer = login.shared_answer("valid")
    if answer is None or answer.status != profile.login.success.status:
        pytest.skip("needs a successful login (see LOGIN-OK-STATUS)")
    directives = {d.strip().split("=")[0].lower() for v in answer.headers("cache-control") for d in v.split(",")}
    pragma = {d.strip().lower() for v in answer.headers("pragma") for d in v.split(",")}
    missing = []
    if "no-store" not in directives:
        missing.append(f"Cache-Control: no-store (got {', '.join(answer.headers('cache-control')) or 'none'})")
    if "no-cache" not in pragma:
        missing.append(f"Pragma: no-cache (got {', '.join(answer.headers('pragma')) or 'none'})")
    if missing:
        expect.fail("expected the token response to forbid caching (RFC 6749 §5.1: MUST include Cache-Control: "
                    "no-store and Pragma: no-cache), missing " + " and ".join(missing))


@check("SEC-NOSNIFF", severity="should", requirement="OWASP ASVS 4.0.3 V14.4.4",
       why=("ASVS V14.4.4 is a verification requirement, not a MUST, and Symfony, Laravel and Flask do not send "
            "nosniff by default: a hardening warning."))
def test_json_answers_say_nosniff(login, profile, target, unknown_user_answer):
    """JSON answers of the login and the protected endpoint carry X-Content-Type-Options: nosniff."""
    answers = [login.shared_answer("valid"), unknown_user_answer]
    if profile.protected is not None:
        answers.append(call_protected(target, profile, purpose="protected endpoint without a token (nosniff)"))
        with contextlib.suppress(LoginFailed):  # no valid login: the answers above still count
            answers.append(call_protected(target, profile, login.session().token,
                                          purpose="protected endpoint with the run's token (nosniff)"))
    checked, problems = 0, []
    for answer in answers:
        if answer is None or not answer.ok or not answer.is_json_type:
            continue
        checked += 1
        value = (answer.header("x-content-type-options") or "").strip().lower()
        if value != "nosniff":
            problems.append(f"{answer.exchange.method} {urlsplit(answer.exchange.url).path} → {answer.status} "
                            f"({answer.content_type}): {value or 'no X-Content-Type-Options'}")
    if not checked:
        pytest.skip("no JSON answer to look at")
    if problems:
        expect.fail("expected X-Content-Type-Options: nosniff on JSON answers (OWASP ASVS 4.0.3 V14.4.4: a browser "
                    "must not sniff them into HTML), got: " + "; ".join(problems))


def _cors_problem(answer, origin: str) -> str | None:
    allowed = (answer.header("access-control-allow-origin") or "").strip()
    credentials = (answer.header("access-control-allow-credentials") or "").strip().lower() == "true"
    if not allowed or not credentials:
        return None
    if allowed == "*":
        return "Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true"
    if allowed in (origin, "null"):
        return f"Access-Control-Allow-Origin: {allowed} (the request's own Origin) with credentials"
    return None


@check("SEC-CORS", severity="should", requirement="OWASP ASVS 4.0.3 V14.5.3",
       why=("No RFC MUST governs a server's CORS policy and ASVS V14.5.3 is a verification requirement; an origin"
            " granted with credentials matters where cookies authenticate."))
def test_cors_grants_no_arbitrary_origin_with_credentials(login, profile, target):
    """A CORS request or preflight from an arbitrary Origin is never granted with credentials, nor `*` with them."""
    login_headers = sorted({"content-type", *(h.lower() for h in profile.login.headers or {})})
    preflight = {"Origin": ATTACKER_ORIGIN, "Access-Control-Request-Method": profile.login.method,
                 "Access-Control-Request-Headers": ",".join(login_headers)}
    probes = [
        ("OPTIONS", profile.login.path, preflight, ATTACKER_ORIGIN,
         "CORS preflight of the login from an arbitrary origin"),
        ("OPTIONS", profile.login.path, {"Origin": "null", "Access-Control-Request-Method": profile.login.method},
         "null", "CORS preflight of the login from the null origin"),
    ]
    if profile.protected is not None:
        wanted = ",".join(sorted(h.lower() for h in credential_headers(profile, "x")))
        probes.append(("OPTIONS", profile.protected.path, {
            "Origin": ATTACKER_ORIGIN, "Access-Control-Request-Method": profile.protected.method,
            "Access-Control-Request-Headers": wanted}, ATTACKER_ORIGIN,
            "CORS preflight of the protected endpoint from an arbitrary origin"))
    problems = []
    for method, path, headers, origin, purpose in probes:
        answer = target.request(method, path, headers=headers, purpose=purpose)
        if (problem := _cors_problem(answer, origin)) is not None:
            problems.append(f"{purpose}: {problem}")
    simple = login.attempt(login.unknown_identity(), login.wrong_password(), headers={"Origin": ATTACKER_ORIGIN},
                           purpose="login (unknown user) from an arbitrary origin")
    if (problem := _cors_problem(simple, ATTACKER_ORIGIN)) is not None:
        problems.append(f"login from an arbitrary origin: {problem}")
    if problems:
        expect.fail(f"expected no CORS grant with credentials to an arbitrary origin ({ATTACKER_ORIGIN}; OWASP ASVS "
                    f"4.0.3 V14.5.3: a strict allow list, never the null origin), got: " + "; ".join(problems))


@check("SEC-CREDENTIALS-IN-QUERY", severity="should", requirement="OWASP ASVS 4.0.3 V8.3.1; RFC 6750 §5.3",
       why="ASVS V8.3.1 and RFC 6750 §5.3 ask, not MUST, that credentials stay out of URLs.")
def test_credentials_in_the_query_string_are_refused(login, profile):
    """A login with the identity and password only in the query string is not accepted."""
    valid = profile.account("valid")
    raw, content_type = (b"{}", "application/json") if profile.login.encoding == "json" else (
        b"", "application/x-www-form-urlencoded")
    answer = login.submit(raw=raw, content_type=content_type, params=login.fields(valid.identity, valid.password),
                          purpose="login with the valid credentials in the query string, an empty body")
    expect.answered(answer)
    token = login.token_of(answer)
    if answer.status == profile.login.success.status or token:
        expect.fail("expected a login with the credentials in the URL to be refused (OWASP ASVS 4.0.3 V8.3.1: "
                    "passwords in query strings end up in access logs, proxies and browser history), but it "
                    f"was accepted: {answer.describe(160)}")


def _error_paths(profile) -> list[tuple[str, str]]:
    parent = profile.login.path.rstrip("/").rsplit("/", 1)[0]
    tag = secrets.token_hex(4)
    return sorted({("GET", f"/authconform-no-such-route-{tag}"), ("GET", f"{parent}/authconform-no-such-route-{tag}")})


@check("SEC-ERROR-LEAK", severity="should", requirement="OWASP ASVS 4.0.3 V7.4.1; OWASP ASVS 4.0.3 V14.3.2",
       phase="last", after=("OPENAPI-FUZZ",),  # looks at every error answer of the run, the fuzzer's too
       why=("ASVS V7.4.1 and V14.3.2 are verification requirements, not MUSTs: a debug page in production is a "
            "finding to fix, not a protocol failure."))
def test_error_answers_leak_no_internals(login, profile, target, run, record_property, broken_json_answer):
    """No error answer carries a stack trace, an SQL error, a framework debug page or a server file path."""
    for method, path in _error_paths(profile):
        target.request(method, path, purpose="an unknown route (error hygiene)")
    # broken JSON reaches the parser's error path: the run's shared answer (broken_json_answer) is among those scanned
    if profile.protected is not None:
        call_protected(target, profile, "authconform.not-a-token.x", purpose="protected endpoint with a garbage token")
    errors = [e for e in list(run.recorder.exchanges) if e.status is not None and e.status >= 400]
    findings = []
    for exchange in errors:
        found = leaks.scan(exchange.response_body or "", exchange.response_headers)
        if found:
            sender = f" (sent by {exchange.check})" if exchange.check else ""
            shown = "; ".join(run.redactor.text(leak.describe()) for leak in found[:3])
            findings.append(f"{exchange.method} {urlsplit(exchange.url).path} → {exchange.status}{sender}: {shown}")
    if findings:
        extra = f"; and {len(findings) - 3} more" if len(findings) > 3 else ""
        expect.fail(f"expected error answers to give nothing away (OWASP ASVS 4.0.3 V7.4.1, V14.3.2: no stack "
                    f"traces, SQL errors, debug pages or server paths), found in {len(findings)} of "
                    f"{len(errors)} error answers: " + " | ".join(findings[:3]) + extra)
    record_property("note", f"{len(errors)} error answers of this run scanned, nothing leaked")
