"""Refresh tokens: a refresh gives a new access token, rotates, detects replays and refuses misuse.

Each test is one check; all of them skip without a ``refresh`` section. Checks that consume a
refresh token share one token family, made by a fresh login of their own: refresh it once
(REFRESH-OK, REFRESH-NO-STORE), replay the used token (REFRESH-ROTATION), then try the newest one
(REFRESH-REUSE-DETECTION). Checks that only look at a refresh token or send made-up ones use the
run's shared login, which they never consume.
"""

from __future__ import annotations

import secrets

import jwt
import pytest

from authconform import expect
from authconform.checks import check
from authconform.endpoints import refresh as refreshing
from authconform.endpoints.login import LoginFailed
from authconform.endpoints.protected import call_protected
from authconform.pointer import MISSING, resolve


def _claims(token):
    """A JWT's payload without checking its signature (only to compare iat and identity), or None."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def _refused(answer, profile, name="rejected"):
    """refresh.<name> exactly when the profile states it, else any 4xx with no token (never another field's)."""
    error = profile.refresh[name]
    return expect.refused(answer, error, f"refresh.{name}", (profile.refresh.token, profile.refresh.refresh_token),
                          profile.schema_path(error.schema if error is not None else None))


def _note(record_property, seen):
    """A tolerant check's pass says what it saw and which field would pin it (summary.json, report)."""
    note = expect.unpinned_note(seen)
    if note:
        record_property("note", note)


@pytest.fixture(scope="module")
def refreshes(profile):
    """The profile's refresh section; every check here skips without one."""
    if profile.refresh is None:
        pytest.skip("the profile has no refresh section")
    return profile.refresh


@pytest.fixture
def shared_refresh_token(refreshes, session, profile):
    """The run's shared login's refresh token (looked at or misused, never consumed)."""
    if not profile.login.success.refresh_token:
        pytest.skip("the profile gives no login.success.refresh_token: the login hands out no refresh token")
    if session.refresh_token is None:
        pytest.skip(f"the login answer has no refresh token at {profile.login.success.refresh_token} "
                    f"(profile login.success.refresh_token)")
    return session.refresh_token


@pytest.fixture(scope="module")
def family(refreshes, login, profile):
    """A fresh login whose refresh token the rotation checks consume, one step after another."""
    if not profile.login.success.refresh_token:
        pytest.skip("the profile gives no login.success.refresh_token: the login hands out no refresh token")
    try:
        fresh = login.log_in(profile.account("valid"), purpose="login (a refresh-token family for the refresh checks)")
    except LoginFailed as exc:
        pytest.skip(f"needs a valid login, which failed: {exc}")
    if fresh.refresh_token is None:
        pytest.skip(f"the login answer has no refresh token at {profile.login.success.refresh_token} "
                    f"(profile login.success.refresh_token)")
    return fresh


@pytest.fixture(scope="module")
def first_refresh(family, target, profile):
    """The family's refresh token, used once."""
    return refreshing.use(target, profile, family.refresh_token, purpose="refresh with the login's refresh token")


@pytest.fixture
def refreshed(first_refresh, profile):
    """The first refresh, once it succeeded (REFRESH-OK checks that)."""
    if not first_refresh.succeeded(profile):
        pytest.skip(f"needs a successful refresh; it answered {first_refresh.answer.describe(80)} (see REFRESH-OK)")
    return first_refresh


@pytest.fixture(scope="module")
def rotating(refreshes):
    if not refreshes.rotation:
        pytest.skip("the profile says refresh tokens are not rotated (refresh.rotation false)")
    return refreshes


@pytest.fixture(scope="module")
def replay(rotating, first_refresh, target, profile):
    """The family's first refresh token, sent again after it was used."""
    if not first_refresh.succeeded(profile):
        pytest.skip(f"needs a successful refresh; it answered {first_refresh.answer.describe(80)} (see REFRESH-OK)")
    return refreshing.use(target, profile, first_refresh.sent, purpose="refresh with the used refresh token again")


@pytest.fixture(scope="module")
def detecting(rotating):
    if not rotating.reuse_detection:
        pytest.skip("the profile does not claim reuse detection (refresh.reuse_detection false): the server may "
                    "refuse the replayed token alone")
    return rotating


@pytest.fixture(scope="module")
def after_replay(detecting, replay, first_refresh, target, profile):
    """The family's newest refresh token, tried after the replay; None when the refresh gave no new one."""
    newest = first_refresh.refresh_token
    if newest is None or newest == first_refresh.sent:
        return None
    return refreshing.use(target, profile, newest, purpose="refresh with the newest refresh token, after the replay")


@check("REFRESH-OK", severity="must", requirement="profile refresh; RFC 6749 §5.1, §6",
       why=("The profile states a refresh endpoint (refresh); a refresh that gives no valid token for the same "
            "identity breaks it."))
def test_refresh_gives_a_new_access_token(first_refresh, family, profile, target):
    """A refresh answers the profile's success with a new valid access token for the same identity."""
    answer = first_refresh.answer
    expect.status(answer, profile.refresh.status, "profile refresh.status")
    expect.json_content_type(answer, "RFC 6749 §5.1: a token response is application/json")
    if profile.refresh.schema:
        expect.matches_schema(answer, profile.schema_path(profile.refresh.schema), "profile refresh.schema")
    pointer = profile.refresh.token
    if first_refresh.token is None:
        found = resolve(answer.json(), pointer)
        what = "nothing" if found is MISSING else f"{type(found).__name__} {found!r}"[:80]
        expect.fail(f"expected a new access token at {pointer} (profile refresh.token), found {what}")
    before, after = _claims(family.token), _claims(first_refresh.token)
    if profile.token.format == "jwt" and after is None:
        expect.fail(f"expected a JWT at {pointer} (profile token.format jwt), the refresh gave a token pyjwt "
                    f"cannot decode")
    if before is not None and after is not None:
        if isinstance(before.get("iat"), (int, float)) and isinstance(after.get("iat"), (int, float)) \
                and after["iat"] < before["iat"]:
            expect.fail(f"expected the refreshed token to be issued no earlier than the login's (iat {before['iat']}),"
                        f" got iat {after['iat']}")
        claim = profile.token.claims.identity
        if claim and before.get(claim) != after.get(claim):
            shown = "no such claim" if claim not in after else repr(after[claim])
            expect.fail(f"expected the refreshed token's {claim} claim (profile token.claims.identity) to be the "
                        f"login's {before.get(claim)!r}, got {shown}")
    if profile.protected is not None:
        used = call_protected(target, profile, first_refresh.token, purpose="the refreshed access token, used")
        expect.status(used, profile.protected.ok_status,
                      "profile protected.ok_status: the refreshed access token must work")


@check("REFRESH-NO-STORE", severity="should", requirement="RFC 6749 §5.1; OWASP ASVS 4.0.3 V8.2.1",
       must_when="login.oauth_token_endpoint",
       why=("RFC 6749 §5.1's no-store MUST binds OAuth 2.0 token endpoints; another API's POST answer without "
            "explicit freshness is not cached (RFC 9110 §9.3.3), so no-store is hardening."))
def test_refresh_answer_is_not_cached(refreshed):
    """A refresh answer, which carries new tokens, says Cache-Control: no-store."""
    answer = refreshed.answer
    values = ",".join(answer.headers("cache-control"))
    directives = {part.strip().split("=", 1)[0].lower() for part in values.split(",") if part.strip()}
    if "no-store" not in directives:
        expect.fail(f"expected Cache-Control: no-store on the refresh answer (RFC 6749 §5.1), got "
                    f"{values or 'no Cache-Control header'}")


@check("REFRESH-ROTATION", severity="must", requirement="profile refresh.rotation; RFC 9700 §4.14.2",
       why=("The profile states rotation (refresh.rotation: true), which RFC 9700 §2.2.2 makes a MUST for public "
            "clients; a used refresh token that still works breaks it."))
def test_used_refresh_token_is_refused(rotating, first_refresh, replay, profile, record_property):
    """With rotation, a refresh hands out a new refresh token and the used one is refused from then on."""
    pointer = profile.refresh.refresh_token
    if first_refresh.refresh_token is None:
        expect.fail(f"expected a new refresh token at {pointer} (profile refresh.rotation true), the refresh answer "
                    f"has none: {first_refresh.answer.describe()}")
    if first_refresh.refresh_token == first_refresh.sent:
        expect.fail("expected a new refresh token (profile refresh.rotation true), the refresh answer gave back the "
                    "one it was sent")
    _note(record_property, [_refused(replay.answer, profile)])


@check("REFRESH-REUSE-DETECTION", severity="should", requirement="profile refresh.reuse_detection; RFC 9700 §4.14.2",
       why=("RFC 9700 §4.14.2 describes revoking the family on replay, it does not make it a MUST: a warning, "
            "even where the profile states it."))
def test_replay_revokes_the_family(detecting, first_refresh, replay, after_replay, profile, record_property):
    """After a used refresh token is replayed, the newest refresh token of its family is refused too."""
    if after_replay is None:
        expect.fail("expected the refresh to rotate the token (profile refresh.rotation true), it gave no new one, "
                    "so a replay cannot be told from normal use (see REFRESH-ROTATION)")
    what = "refused" if replay.answer.status != profile.refresh.status else f"accepted ({replay.answer.status})"
    answer = after_replay.answer
    if answer.status == profile.refresh.status:
        expect.fail(f"expected the newest refresh token to be revoked once the used one was replayed (profile "
                    f"refresh.reuse_detection, RFC 9700 §4.14.2); the replay was {what}, and the newest token still "
                    f"refreshes: {answer.describe(120)}")
    _note(record_property, [_refused(answer, profile)])


@check("REFRESH-GARBAGE", severity="must", requirement="profile refresh.rejected",
       why=("A made-up refresh token that refreshes is an authentication bypass; the profile states the refusal "
            "(refresh.rejected), unstated any 4xx."))
def test_garbage_refresh_token_is_refused(refreshes, login, target, profile, record_property):
    """Made-up refresh tokens (random text, a real one with its last character changed) get the profile's refusal.

    The real one is the run's shared login's; changed to another character it catches a lookup that
    matches prefixes, changed to ``_`` (SQL LIKE's any-character wildcard) one that matches patterns.
    """
    probes = [("a made-up refresh token", f"authconform-not-a-refresh-token-{secrets.token_hex(8)}")]
    try:
        real = login.session().refresh_token
    except LoginFailed:
        real = None
    if real:
        other = "0" if real[-1] != "0" else "1"
        probes.append(("a real refresh token with its last character changed", real[:-1] + other))
        if real[-1] != "_":
            probes.append(("a real refresh token with its last character replaced by _", real[:-1] + "_"))
    seen = []
    for label, value in probes:
        target.redactor.add(value, "refresh_token")
        used = refreshing.use(target, profile, value, purpose=f"refresh with {label}")
        seen.append(_refused(used.answer, profile))
    _note(record_property, seen)


@check("REFRESH-MISSING-FIELD", severity="must", requirement="profile refresh.missing",
       why=("A refresh without a refresh token must be refused; the profile pins the answer (refresh.missing), "
            "unstated any 4xx without a token."))
def test_refresh_without_the_field_is_refused(refreshes, target, profile, record_property):
    """A refresh request without the refresh-token field gets the profile's missing-token refusal.

    Unstated (no refresh.missing): any 4xx with no token; refresh.rejected is not borrowed (DRF: 400).
    """
    answer = refreshing.send(target, profile, {}, purpose=f"refresh without {profile.refresh.field!r}")
    _note(record_property, [_refused(answer, profile, "missing")])


@check("REFRESH-EMPTY-BODY", severity="must", requirement="profile refresh.missing",
       why=("A refresh with an empty body must be refused; the profile pins the answer (refresh.missing), "
            "unstated any 4xx without a token."))
def test_refresh_with_an_empty_body_is_refused(refreshes, target, profile, record_property):
    """A refresh request with an empty body gets the profile's missing-token refusal.

    Unstated (no refresh.missing): any 4xx with no token; refresh.rejected is not borrowed.
    """
    answer = refreshing.send(target, profile, raw=b"", purpose="refresh with an empty body")
    _note(record_property, [_refused(answer, profile, "missing")])


@check("REFRESH-ACCESS-TOKEN-REFUSED", severity="must", requirement="RFC 8725 §3.12; profile refresh.rejected",
       why=("An access token that refreshes turns every leaked short-lived token into a lasting one; the profile "
            "states the refusal (refresh.rejected), unstated any 4xx."))
def test_access_token_is_no_refresh_token(refreshes, session, target, profile, record_property):
    """An access token sent as the refresh token gets the profile's refusal.

    Unstated (no refresh.rejected): any 4xx with no token.
    """
    used = refreshing.use(target, profile, session.token, purpose="refresh with the access token")
    _note(record_property, [_refused(used.answer, profile)])


@check("REFRESH-TOKEN-NOT-BEARER", severity="must", requirement="RFC 8725 §3.12; RFC 6750 §3.1",
       why=("A refresh token is no access token that enables access (RFC 6750 §3); accepting it on the protected "
            "endpoint is an authorization bypass."))
def test_refresh_token_is_no_access_token(shared_refresh_token, target, profile):
    """A refresh token sent as the access credential on the protected endpoint is refused (4xx)."""
    if profile.protected is None:
        pytest.skip("the profile has no protected endpoint to try the refresh token on")
    answer = call_protected(target, profile, shared_refresh_token, purpose="the refresh token as an access token")
    expect.answered(answer)
    if not 400 <= answer.status < 500:
        expect.fail(f"expected the refresh token to be refused as an access credential (RFC 8725 §3.12; the "
                    f"profile's refusal is {profile.protected.rejected_status or 'any 4xx'}), got {answer.describe()}")


@check("REFRESH-DISABLED-ACCOUNT", severity="should", requirement="profile refresh.disabled; OWASP ASVS 4.0.3 V3.3.1",
       why=("No MUST says a refresh re-checks the account (ASVS V3.3.1 is a verification requirement): a warning "
            "where a disabled account still refreshes."))
def test_disabled_account_cannot_refresh(refreshes, target, profile, record_property):
    """A refresh token issued before its account was disabled no longer refreshes."""
    token = refreshes.disabled_refresh_token
    if not token:
        pytest.skip("the profile gives no refresh.disabled_refresh_token (a refresh token of an account disabled "
                    "after it logged in): a running server offers no way to disable an account mid-run")
    used = refreshing.use(target, profile, token, purpose="refresh with the disabled account's refresh token")
    _note(record_property, [_refused(used.answer, profile, "disabled")])


@check("REFRESH-LIFETIME", severity="must", requirement="profile refresh.lifetime; OWASP ASVS 4.0.3 V3.3.2",
       why="The profile states the refresh token's lifetime (refresh.lifetime).")
def test_refresh_token_lives_the_profile_lifetime(shared_refresh_token, session, profile):
    """The refresh token lives as long as refresh.lifetime says: by its exp, or by the expiry the server states."""
    wanted = profile.refresh.lifetime
    if wanted is None:
        pytest.skip("the profile gives no refresh.lifetime")
    leeway = profile.token.leeway
    claims = _claims(shared_refresh_token)
    if claims is not None and isinstance(claims.get("exp"), (int, float)):
        if isinstance(claims.get("iat"), (int, float)):
            lives, how = claims["exp"] - claims["iat"], "exp - iat of the refresh JWT"
        else:
            start, when = refreshing.issued_at(session.answer)
            lives, how = claims["exp"] - start, f"exp of the refresh JWT - the login answer's time ({when})"
    else:
        pointer = profile.refresh.expiration
        if not pointer:
            pytest.skip("the refresh token is not a JWT with an exp and the profile names no refresh.expiration: "
                        "its lifetime cannot be read")
        expiry = refreshing.stated_expiry(session.answer, pointer)
        if expiry is None:
            pytest.skip(f"the login answer states no refresh-token expiry at {pointer} (profile "
                        f"refresh.expiration): its lifetime cannot be read")
        start, when = refreshing.issued_at(session.answer)
        lives, how = expiry - start, f"the expiry stated at {pointer} - the login answer's time ({when})"
    if abs(lives - wanted) > leeway:
        expect.fail(f"expected the refresh token to live {wanted} s (profile refresh.lifetime, ± {leeway} s "
                    f"token.leeway), it lives {lives:.0f} s ({how})")
