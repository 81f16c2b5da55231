"""Opaque tokens are unguessable: at least 128 bits of randomness, no counter or clock in them.

A JWT's strength is its signature; an opaque token (Invoice Ninja's API token, gesdinet's refresh token)
is a bearer secret whose only strength is that nobody can guess it. The check pools the tokens the run's
logins already received and adds a few fresh logins (successful ones, which spend no failed-login budget)
so that at least MIN_SAMPLES tokens of each kind are compared. It runs last, after TOKEN-DISTINCT: by
then the run's own logins (the shared one, the refresh family, the logout sessions, those around the
timing series) usually make up the sample, and no login is sent for it alone.
"""

from __future__ import annotations

import jwt
import pytest

from authconform import expect
from authconform.checks import check
from authconform.endpoints.login import LoginFailed
from authconform.probes.entropy import MIN_BITS, estimate

MIN_SAMPLES = 6


def _is_jwt(token: str) -> bool:
    try:
        jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False
    return token.count(".") == 2


@check("TOKEN-ENTROPY", severity="must", requirement="RFC 6749 §10.10; OWASP ASVS 5.0.0 V7.2.3",
       phase="last", after=("TOKEN-DISTINCT",),
       why=("RFC 6749 §10.10: the probability of guessing a generated token MUST be at most 2^-128; an opaque "
            "token is a bearer secret with nothing but its randomness to protect it."))
def test_opaque_tokens_are_unguessable(login, session, profile, record_property):
    """Opaque access or refresh tokens are all distinct, hold no counter or time, and carry at least 128 bits."""
    def kinds():
        access = [s.token for s in login.issued]
        refresh = [s.refresh_token for s in login.issued if s.refresh_token]
        return {"access token": access, "refresh token": refresh}

    opaque = {kind: tokens for kind, tokens in kinds().items() if tokens and not _is_jwt(tokens[0])}
    if not opaque:
        pytest.skip("the login hands out no opaque token (JWTs carry a signature, not a secret to guess)")
    needed = MIN_SAMPLES - min(len(tokens) for tokens in opaque.values())
    for _ in range(max(0, needed)):
        try:
            login.log_in(session.account, purpose="login (another token for TOKEN-ENTROPY)")
        except LoginFailed as exc:
            pytest.skip(f"needs {MIN_SAMPLES} tokens from successful logins; a fresh login failed: {exc}")
    found, notes = [], []
    for kind in opaque:
        tokens = kinds()[kind]
        result = estimate(tokens)
        notes.append(f"{kind}: {result.how()}")
        if result.distinct < result.count:
            found.append(f"{kind}: {result.count - result.distinct} of {result.count} logins got a token "
                         f"another login already got")
        if result.patterned:
            found.append(f"{kind}: counter-like or timestamp-like part ({'; '.join(result.patterned)})")
        if result.bits < MIN_BITS:
            found.append(f"{kind}: estimated {result.bits:.0f} bits of randomness")
    record_property("note", " | ".join(notes))
    if found:
        expect.fail(f"expected distinct opaque tokens with no counter or clock and at least {MIN_BITS} bits "
                    f"(RFC 6749 §10.10; ASVS 5.0.0 7.2.3), got: {'; '.join(found)}. How: {' | '.join(notes)}")
