"""Logout: the session a logout ends stays ended (OWASP ASVS 5.0 7.4.1).

Every check skips without a ``logout`` section. The checks log in afresh and log that session out,
never the run's shared login, which the other checks keep using: LOGOUT-ACCESS-REVOKED and then
LOGOUT-REFRESH-REVOKED read one logged-out session (calling the protected endpoint changes no
refresh token, so the access check goes first), LOGOUT-REPEATED logs out a session of its own
twice. A stateless JWT cannot be
revoked without a deny-list, so LOGOUT-ACCESS-REVOKED is ``must`` only where the profile says the
server keeps one (``logout.revokes_access: true``); otherwise it reports how long the logged-out
access token stays valid.
"""

from __future__ import annotations

import time

import jwt
import pytest

from authconform import expect
from authconform.checks import check
from authconform.endpoints import logout as logging_out
from authconform.endpoints import refresh as refreshing
from authconform.endpoints.login import LoginFailed, Session
from authconform.endpoints.protected import call_protected
from authconform.http.client import Answer


@pytest.fixture(scope="module")
def logouts(profile):
    """The profile's logout section; every check here skips without one."""
    if profile.logout is None:
        pytest.skip("the profile has no logout section")
    return profile.logout


def _new_session(login, profile, purpose: str) -> Session:
    """A fresh login of the valid account, to log out (never the run's shared one); skips when it fails."""
    try:
        return login.log_in(profile.account("valid"), purpose=purpose)
    except LoginFailed as exc:
        pytest.skip(f"needs a valid login, which failed: {exc}")


@pytest.fixture
def own_session(logouts, login, profile) -> Session:
    """A fresh login of the check's own, which the check logs out."""
    return _new_session(login, profile, "login (a session of its own, to log out)")


def _expect_logged_out(answer, profile) -> None:
    """The logout answered with the profile's success status."""
    expect.status(answer, profile.logout.status, "profile logout.status")


def _logged_out(target, profile, session, purpose="logout"):
    """Log ``session`` out and insist on the profile's success status."""
    answer = logging_out.send(target, profile, session, purpose=purpose)
    _expect_logged_out(answer, profile)
    return answer


@pytest.fixture(scope="module")
def logged_out(logouts, login, target, profile) -> tuple[Session, Answer]:
    """A fresh login, logged out once: the session LOGOUT-ACCESS-REVOKED and LOGOUT-REFRESH-REVOKED read.

    The logout's answer is judged by each check (expect.status), not here, so that a wrong logout
    status is each check's failure rather than an error of this fixture.
    """
    session = _new_session(login, profile, "login (a session of its own, to log out: read by LOGOUT-ACCESS-REVOKED "
                                           "and LOGOUT-REFRESH-REVOKED)")
    return session, logging_out.send(target, profile, session, purpose="logout")


def _refresh_refused(target, profile, session, after):
    """The logged-out session's refresh token no longer refreshes (refresh.rejected when stated)."""
    used = refreshing.use(target, profile, session.refresh_token, purpose=f"refresh with the refresh token, {after}")
    if used.succeeded(profile) or (used.answer.status is not None and used.answer.status < 400):
        expect.fail(f"expected the refresh token to be refused {after} (ASVS 5.0 7.4.1; profile "
                    f"logout.refresh_field), got {used.answer.describe(120)}")
    error = profile.refresh.rejected
    schema = str(profile.resolve(error.schema)) if error is not None and error.schema else None
    expect.refused(used.answer, error, "refresh.rejected", (profile.refresh.token, profile.refresh.refresh_token),
                   schema)


def _needs_refresh(profile, session):
    if not profile.logout.refresh_field:
        pytest.skip("the profile gives no logout.refresh_field: the logout takes no refresh token")
    if profile.refresh is None:
        pytest.skip("the profile has no refresh section: nothing can show whether the refresh token still works")
    if session.refresh_token is None:
        pytest.skip(f"the login answer has no refresh token at {profile.login.success.refresh_token} "
                    f"(profile login.success.refresh_token)")


def _remaining(token: str) -> str:
    """How long a token that survived logout stays valid, read from its own exp."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return "the token is opaque: it stays valid for as long as the server keeps it"
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, (int, float)):
        return "the token has no exp claim: it stays valid indefinitely"
    left = int(exp - time.time())
    return f"it stays valid for another {left} s, until its exp ({int(exp)})"


@check("LOGOUT-REFRESH-REVOKED", severity="must", requirement="profile logout.refresh_field; OWASP ASVS 5.0.0 V7.4.1",
       after=("LOGOUT-ACCESS-REVOKED",),
       why=("The profile states a logout that takes the refresh token (logout.refresh_field), and ASVS 5.0 7.4.1 "
            "requires a terminated session's tokens to be unusable; a refresh token that still refreshes after "
            "logout keeps the session alive."))
def test_logout_revokes_the_refresh_token(logged_out, target, profile):
    """After logout the session's refresh token no longer refreshes."""
    session, answer = logged_out
    _needs_refresh(profile, session)
    _expect_logged_out(answer, profile)
    _refresh_refused(target, profile, session, "after logout")


@check("LOGOUT-ACCESS-REVOKED", severity="may", must_when="logout.revokes_access",
       requirement="profile logout.revokes_access; OWASP ASVS 5.0.0 V7.4.1; RFC 8725 §3",
       why=("A stateless JWT stays valid until exp unless the server keeps a deny-list, so the check is may "
            "(information: how long the token lives on) and must only where the profile says the server "
            "revokes access tokens on logout (logout.revokes_access)."))
def test_logout_revokes_the_access_token(logged_out, target, profile, record_property):
    """After logout the session's access token is refused, or the finding says how long it stays valid."""
    own_session, logout_answer = logged_out
    _expect_logged_out(logout_answer, profile)
    answer = call_protected(target, profile, own_session.token, purpose="protected endpoint, with the logged-out token")
    expect.answered(answer)
    still_works = answer.status is not None and answer.status < 400
    if profile.logout.revokes_access:
        if still_works:
            expect.fail(f"expected the access token to be refused after logout (profile logout.revokes_access "
                        f"true; ASVS 5.0 7.4.1), got {answer.describe(120)}; {_remaining(own_session.token)}")
        stated = profile.protected.rejected_status
        expect.status(answer, stated or set(range(400, 500)), "profile protected.rejected_status" if stated
                      else "a refusal is a 4xx")
        return
    if still_works:
        record_property("note", f"the access token still works after logout ({answer.status}): "
                                f"{_remaining(own_session.token)} (profile logout.revokes_access false: no deny-list "
                                f"claimed, information only)")
    else:
        record_property("note", f"the access token is refused after logout ({answer.status}), though the profile "
                                f"claims no deny-list (logout.revokes_access false)")


@check("LOGOUT-REPEATED", severity="must", requirement="profile logout; OWASP ASVS 5.0.0 V7.4.1; RFC 9110 §15.5",
       why=("A logout the profile states must survive being sent twice: a 5xx is a server error (RFC 9110 §15.5), "
            "and a second logout that revives the session breaks ASVS 5.0 7.4.1."))
def test_repeated_logout_is_harmless(own_session, target, profile, record_property):
    """A second logout with the same tokens gets a 2xx or a 4xx, never a 5xx, and does not bring them back."""
    _logged_out(target, profile, own_session, purpose="logout")
    again = logging_out.send(target, profile, own_session, purpose="logout again, with the same tokens")
    expect.answered(again)
    if again.status is None or not (200 <= again.status < 300 or 400 <= again.status < 500):
        expect.fail(f"expected a 2xx or a 4xx to a second logout (RFC 9110 §15.5: a repeat is not a server "
                    f"error), got {again.describe(120)}")
    if profile.logout.refresh_field and profile.refresh is not None and own_session.refresh_token is not None:
        _refresh_refused(target, profile, own_session, "after a second logout")
    elif profile.logout.revokes_access:
        answer = call_protected(target, profile, own_session.token,
                                purpose="protected endpoint, with the token logged out twice")
        expect.answered(answer)
        if answer.status is not None and answer.status < 400:
            expect.fail(f"expected the access token to stay refused after a second logout (profile "
                        f"logout.revokes_access true), got {answer.describe(120)}")
    else:
        record_property("note", "the second logout answered without a server error; nothing the profile states "
                                "(logout.refresh_field, logout.revokes_access) shows whether the session came back")
