"""Login scenarios: every distinct login request a run sends, sent once, and the few sent again on purpose.

Against a real server each login costs a password hash (about 0.2 s at a realistic cost), and each
failed one may count towards a lockout. Checks that need the same answer (a wrong password, an
unknown user, a missing field) therefore share one recorded exchange. :func:`scenario_of` names the
scenario of a recorded login request by what was sent, with the run's accounts and the harness's
random names replaced by placeholders, so two requests that differ only in a made-up identity or
password are the same scenario. :data:`REPEATED` is the one place that declares which scenarios a
run repeats on purpose, and why; ``tests/test_login_scenarios.py`` fails a run that repeats any other.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from ..http.exchanges import Exchange
from ..profile import Profile

# Purpose prefix of a login request that is sent more than once on purpose -> why.
REPEATED: dict[str, str] = {
    "timing sample ": "SEC-ENUM-TIMING compares the times of many wrong-password and unknown-user logins: its "
                      "statistics need the same two requests again and again",
    "login (valid account) before the timing series": "a successful login resets the per-IP attempt counters of a "
                                                      "server that throttles (Symfony), so the timing series "
                                                      "does not start throttled",
    "login (valid account) after the timing series": "the same reset after the series, so the rest of the run is "
                                                     "not throttled",
    "lockout probe: ": "SEC-LOCKOUT repeats failed logins of its throwaway account until the server locks it",
    "second login (TOKEN-DISTINCT": "TOKEN-DISTINCT needs a second successful login to see whether its token is new",
    "login (a refresh-token family": "refreshing rotates the refresh token: the refresh checks consume a family of "
                                     "their own, so the run's shared login stays usable",
    "login with the secret header written ": "SECRET-NAME-CASE-INSENSITIVE sends the valid login with the secret "
                                             "header's name in another case; the recorder keeps header names in "
                                             "lower case, so it looks like the shared login",
    "login (a session of its own, to log out": "the LOGOUT-* checks end sessions of their own (one the two "
                                               "revocation checks read, one LOGOUT-REPEATED logs out twice), never "
                                               "the run's shared one, which the other checks still use",
    "login (another token for TOKEN-ENTROPY)": "TOKEN-ENTROPY tops the tokens the run received up to a sample "
                                               "of six, to estimate the entropy of opaque tokens",
    "fuzz ": "OPENAPI-FUZZ generates its requests (schemathesis): a repetition is the generator's, not a scenario",
}

# Request headers that say nothing about the scenario: set by the HTTP client or derived from the body.
_TRANSPORT_HEADERS = frozenset({"host", "content-length", "accept", "accept-encoding", "connection", "user-agent"})
# The harness's made-up identities and passwords (Login.unknown_identity, Login.wrong_password).
_MADE_UP = [(re.compile(r"authconform-nobody-[0-9a-f]+"), "<unknown identity>"),
            (re.compile(r"authconform-wrong-[0-9a-f]+"), "<wrong password>")]


def is_login(exchange: Exchange, profile: Profile) -> bool:
    """A request to the profile's login path (any method: a CORS preflight of the login counts too)."""
    return urlsplit(exchange.url).path == urlsplit(profile.base_url.rstrip("/") + profile.login.path).path


def declared_repeat(purpose: str) -> str | None:
    """Why a login request with this purpose may repeat a scenario, or None when it may not."""
    return next((why for prefix, why in REPEATED.items() if purpose.startswith(prefix)), None)


def _placeholders(profile: Profile) -> list[tuple[str, str]]:
    """Every account's identity and password, and the secret header's value, with the placeholder each becomes."""
    values: list[tuple[str, str]] = []
    for role in sorted(profile.accounts or {}):
        account = profile.account(role)
        if account is not None:
            values += [(account.password, f"<{role} password>"), (account.identity, f"<{role} identity>")]
    if profile.secret_header is not None and profile.secret_header.value:
        values.append((profile.secret_header.value, "<secret>"))
    forms: list[tuple[str, str]] = []
    for value, placeholder in values:
        if not value:
            continue
        for form in {value, json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value)}:
            forms.append((form, placeholder))
    return sorted(forms, key=lambda pair: -len(pair[0]))  # longest first: a password may contain an identity


def _normalised(text: str, forms: list[tuple[str, str]]) -> str:
    for value, placeholder in forms:
        text = text.replace(value, placeholder)
    for pattern, placeholder in _MADE_UP:
        text = pattern.sub(placeholder, text)
    return text


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def scenario_of(exchange: Exchange, profile: Profile) -> str:
    """The scenario a login request stands for: method, query, headers and body, secrets and random names replaced.

    The result holds no account's identity or password and no secret header value, so it can be shown.
    """
    forms = _placeholders(profile)
    parts = urlsplit(exchange.url)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    headers = sorted((name.lower(), value) for name, value in exchange.request_headers
                     if name.lower() not in _TRANSPORT_HEADERS)
    body = exchange.request_body
    content_type = next((v for k, v in headers if k == "content-type"), "")
    if body and "json" in content_type.lower() and not _parses(body):
        body = "<not JSON>"  # however it is cut, a JSON parser refuses it before any field is read
    shown = [exchange.method,
             "query " + "&".join(f"{k}={v}" for k, v in query) if query else "no query",
             "headers " + "; ".join(f"{k}: {v}" for k, v in headers),
             "body " + (body if body is not None else "(none)")]
    return _normalised(" | ".join(shown), forms)


def by_scenario(exchanges: Iterable[Exchange], profile: Profile) -> dict[str, list[Exchange]]:
    """The run's login requests grouped by scenario, in the order they were first sent."""
    groups: dict[str, list[Exchange]] = defaultdict(list)
    for exchange in exchanges:
        if is_login(exchange, profile):
            groups[scenario_of(exchange, profile)].append(exchange)
    return dict(groups)


def duplicates(exchanges: Iterable[Exchange], profile: Profile) -> dict[str, list[str]]:
    """Scenarios sent more than once where no repetition is declared in :data:`REPEATED`: scenario -> purposes.

    In a scenario's group, the requests whose purpose is a declared repetition are set aside; more
    than one request left means two checks sent the same login instead of sharing its answer.
    """
    found: dict[str, list[str]] = {}
    for scenario, group in by_scenario(exchanges, profile).items():
        undeclared = [e.purpose for e in group if declared_repeat(e.purpose) is None]
        if len(undeclared) > 1:
            found[scenario] = undeclared
    return found
