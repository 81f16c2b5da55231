"""Token: the JWT the login returned, read as any holder can read it, and verified when a key is known.

Every check here looks at the run's one shared login (the ``session`` fixture); only TOKEN-DISTINCT
logs in a second time. Nothing but TOKEN-DISTINCT sends a request: the token is read, its dates
compared with the time of the login exchange and the server's Date header, its signature verified
with the profile's key, and an HMAC signature tried against a list of common secrets, offline.
An opaque token (token.format: opaque) has nothing to read: the JWT checks skip with the reason.
"""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from authconform import expect
from authconform.checks import check
from authconform.endpoints.login import LoginFailed
from authconform.jwt import tokens
from authconform.jwt.weak_secrets import find_weak_secret

# Claim names that must never travel in a token anyone can read (RFC 7519 §12), compared without
# case, '_' or '-'; the profile's token.claims.forbidden adds its own.
FORBIDDEN_CLAIMS = ("password", "passwd", "pwd", "plainpassword", "passwordhash", "hashedpassword", "pwdhash",
                    "secret", "clientsecret", "apisecret")
# Stored password hashes, by their format's prefix (bcrypt, argon2, PBKDF2 as Django and Werkzeug
# write it, crypt(3) SHA-256/512, scrypt).
PASSWORD_HASH = re.compile(r"^(\$2[abxy]?\$\d\d\$|\$argon2(id|i|d)\$|pbkdf2[_:]sha\d+[$:]|\$pbkdf2|\$[56]\$|"
                           r"scrypt[:$])")


def _skip_unless_jwt(profile) -> None:
    if profile.token.format != "jwt":
        pytest.skip(f"the profile's tokens are {profile.token.format} (token.format): there is no JWT to read")


@pytest.fixture
def jwt_profile(profile):
    """The profile, when its tokens are JWTs (before any login is spent)."""
    _skip_unless_jwt(profile)
    return profile


@pytest.fixture
def issued(decoded_token) -> tokens.Jwt:
    """The shared login's token, decoded (the plugin's ``decoded_token``: skips for opaque or unreadable ones)."""
    return decoded_token


def _norm(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _received_window(session) -> tuple[float, float]:
    """When the login request left and when its answer was in, on this machine's clock."""
    exchange = session.answer.exchange
    return exchange.started, exchange.started + exchange.elapsed


def _server_date(session) -> float | None:
    value = session.answer.header("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def _date_claim(issued: tokens.Jwt, name: str) -> float | None:
    """A date claim in seconds; skip when absent, fail when it is not a NumericDate."""
    if name not in issued.payload:
        return None
    problem = tokens.numeric_date_problem(name, issued.payload[name])
    if problem:
        expect.fail(f"expected {name} to be a NumericDate in seconds (RFC 7519 §2): {problem}")
    return float(issued.payload[name])


def _when(value: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(value))


# --- structure and header ---------------------------------------------------------------------


@check("TOKEN-STRUCTURE", severity="must", requirement="RFC 7519 §7.2; RFC 7515 §7.1, §2",
       why=("The profile says the token is a JWT (token.format: jwt), and RFC 7519 §7.2 MUST reject anything not "
            "in JWS compact form."))
def test_token_is_a_well_formed_jwt(jwt_profile, session):
    """The token is three base64url segments (no padding): a JSON object header, a JSON object payload, a signature."""
    problems = tokens.structure_problems(session.token)
    if problems:
        expect.fail("expected a JWS compact serialization (RFC 7515 §7.1; profile token.format: jwt): "
                    + "; ".join(problems))


@check("TOKEN-ALG-ALLOWED", severity="must", requirement="RFC 8725 §3.1, §3.2; profile token.algorithms",
       why=("The profile states the algorithms (token.algorithms); RFC 8725 §3.1 MUST allow-list them, and none "
            "is never one."))
def test_algorithm_is_allowed(issued, profile, record_property):
    """The header's alg is one of the profile's algorithms, and never 'none'.

    Unstated (no token.algorithms): any signing algorithm RFC 7518 §3.1 or RFC 8037 registers.
    """
    alg = issued.alg
    if alg is None or alg.lower() == "none":
        expect.fail(f"expected a signed token (RFC 8725 §3.2), the header's alg is {issued.header.get('alg')!r}")
    if profile.token.algorithms is None:
        if alg not in tokens.REGISTERED_ALGORITHMS:
            expect.fail(f"expected a registered JWS signing algorithm (token.algorithms is not stated, so any of "
                        f"RFC 7518 §3.1 / RFC 8037 will do), the header says {alg!r}")
        record_property("note", f"signed with {alg}; pin it with token.algorithms")
        return
    allowed = [a for a in profile.token.algorithms if a.lower() != "none"]
    if alg not in allowed:
        expect.fail(f"expected alg to be one of {', '.join(allowed) or '(none listed)'} (profile token.algorithms; "
                    f"RFC 8725 §3.1 allow-list), the header says {alg}")


@check("TOKEN-TYP", severity="should", requirement="RFC 8725 §3.11; RFC 7519 §5.1; RFC 9068 §2.1",
       why="RFC 8725 §3.11 recommends explicit typing; a recommendation is a warning.")
def test_type_header(issued):
    """The header says what the token is: typ 'JWT' (or 'at+jwt' for an OAuth access token)."""
    typ = issued.header.get("typ")
    if typ is None:
        expect.fail(f"expected a typ header (RFC 8725 §3.11 explicit typing), the header has none: "
                    f"{tokens.header_summary(issued.header)}")
    if not isinstance(typ, str) or typ.lower().removeprefix("application/") not in ("jwt", "at+jwt"):
        expect.fail(f"expected typ 'JWT' or 'at+jwt' (RFC 7519 §5.1; RFC 9068 §2.1), got {typ!r}")


# --- claims -----------------------------------------------------------------------------------


@check("TOKEN-CLAIMS-REQUIRED", severity="must", requirement="profile token.claims.required; RFC 7519 §4.1, §2",
       why=("The profile states the required claims (token.claims.required); RFC 7519 §4.1 fixes the registered "
            "claims' types."))
def test_required_claims_present(issued, profile):
    """Every claim the profile requires is there, and registered claims have their types (dates in seconds)."""
    problems = []
    missing = [name for name in profile.token.claims.required or [] if name not in issued.payload]
    if missing:
        problems.append(f"missing {', '.join(missing)} (profile token.claims.required)")
    for name, value in issued.payload.items():
        problem = tokens.claim_type_problem(name, value)
        if problem:
            problems.append(problem)
    if problems:
        expect.fail(f"expected the claims {', '.join(profile.token.claims.required or []) or '(none required)'} "
                    f"with RFC 7519 types; the token has {', '.join(issued.payload) or 'no claims'}: "
                    + "; ".join(problems))


@check("TOKEN-IDENTITY-CLAIM", severity="must", requirement="profile token.claims.identity; RFC 7519 §4.1.2",
       why="The profile states which claim names the account (token.claims.identity).")
def test_identity_claim_names_the_account(issued, profile, session):
    """The identity claim names the account that logged in: its login name, or its id when the profile says so."""
    from authconform.endpoints.identity import IdentityUnknown, expected_identity, same_identity

    claim = profile.token.claims.identity
    if not claim:
        pytest.skip("the profile names no identity claim (token.claims.identity)")
    if claim not in issued.payload:
        expect.fail(f"expected the identity claim {claim!r} (profile token.claims.identity), the token has only "
                    f"{', '.join(issued.payload) or 'no claims'}")
    value: Any = issued.payload[claim]
    try:
        identity, source = expected_identity(profile, session.account, session.answer.json())
    except IdentityUnknown as exc:
        expect.fail(f"expected the account's id in the login answer, to compare with {claim}: {exc}")
    if not same_identity(value, identity):
        expect.fail(f"expected {claim} to name the account that logged in ({identity!r}, {source}), "
                    f"the token says {value!r}"[:300])


def _forbidden_paths(value: Any, names: set[str], password: str, path: str = "") -> list[str]:
    """Where a forbidden claim name, a password hash or the password itself sits in the payload."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}/{key}"
            if isinstance(key, str) and _norm(key) in names:
                found.append(f"{where} (a forbidden claim name)")
            else:
                found += _forbidden_paths(item, names, password, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _forbidden_paths(item, names, password, f"{path}/{index}")
    elif isinstance(value, str):
        if PASSWORD_HASH.match(value):
            found.append(f"{path or '/'} (a value shaped like a stored password hash)")
        elif password and password in value:
            found.append(f"{path or '/'} (the account's password)")
    return found


@check("TOKEN-FORBIDDEN-CLAIMS", severity="must",
       requirement="RFC 7519 §12; OWASP ASVS 4.0.3 V2.4.1; profile token.claims.forbidden",
       why=("RFC 7519 §12: measures MUST be taken against disclosing sensitive claims, and anyone holding the "
            "token reads them; the profile names them (token.claims.forbidden)."))
def test_no_secret_in_claims(issued, profile, session):
    """No password, password hash or secret travels in the token, which anyone holding it can read."""
    names = {_norm(n) for n in FORBIDDEN_CLAIMS} | {_norm(n) for n in profile.token.claims.forbidden or []}
    found = _forbidden_paths(issued.payload, names, session.account.password)
    found += [f"header {p}" for p in _forbidden_paths(issued.header, names, session.account.password)]
    if found:
        expect.fail("expected no secret in the token's readable claims (RFC 7519 §12; profile "
                    f"token.claims.forbidden), found: {', '.join(found)} (values not shown)")


# Last in the run: by then a second has passed since the shared login, so the second login needs no
# wait on the critical path (the run's failed logins stay under limits.max_failed_logins, below any
# lockout the profile describes; a refused second login is a skip with the reason, never a verdict).
@check("TOKEN-DISTINCT", severity="may", requirement="OWASP ASVS 4.0.3 V3.2.1",
       phase="last",
       why=("ASVS V3.2.1 asks for a new token per login, but two logins in one second may lawfully get the same "
            "stateless JWT: information only."))
def test_each_login_gets_a_new_token(login, session, profile):
    """A second login gets a different token than the first (a new token on every authentication)."""
    first_sent, first_answered = _received_window(session)
    wait = first_answered + 1.05 - time.time()
    if wait > 0 and profile.token.format == "jwt":
        # JWT dates count whole seconds and RS256/HS256 signatures are deterministic: two honest logins
        # in the same second may give the same token, so the second login starts a second after the
        # first one's answer (when its iat was certainly written); in a full run that second has long passed
        time.sleep(wait)
    try:
        second = login.log_in(session.account, purpose="second login (TOKEN-DISTINCT: is the token new?)")
    except LoginFailed as exc:
        pytest.skip(f"the second login did not succeed, so there is no second token to compare: {exc}")
    if second.token == session.token:
        expect.fail("expected a new token for a new login (OWASP ASVS 4.0.3 V3.2.1), the second login "
                    f"({time.time() - first_sent:.1f} s after the first) returned the same token")


# --- time ---------------------------------------------------------------------------------------


@check("TOKEN-IAT-NOW", severity="must", requirement="RFC 7519 §4.1.6; profile token.leeway",
       why="RFC 7519 §4.1.6: iat is the NumericDate of issue; the profile states the leeway (token.leeway).")
def test_issued_at_is_now(issued, profile, session):
    """iat is the time of the login, within the leeway, by this machine's clock and by the server's Date header."""
    iat = _date_claim(issued, "iat")
    if iat is None:
        pytest.skip("the token carries no iat claim (TOKEN-CLAIMS-REQUIRED judges whether it must)")
    leeway = profile.token.leeway
    sent, received = _received_window(session)
    problems = []
    if not sent - leeway <= iat <= received + leeway:
        problems.append(f"iat {int(iat)} ({_when(iat)}) is {iat - sent:+.0f} s from the time of the login "
                        f"request ({_when(sent)}, this machine's clock)")
    date = _server_date(session)
    if date is not None and abs(iat - date) > leeway + 1:
        problems.append(f"iat is {iat - date:+.0f} s from the server's own Date header ({_when(date)})")
    if problems:
        expect.fail(f"expected iat within {leeway} s of the login (profile token.leeway; RFC 7519 §4.1.6): "
                    + "; ".join(problems))


@check("TOKEN-EXP-FUTURE", severity="must", requirement="RFC 7519 §4.1.4",
       why=("RFC 7519 §4.1.4: a JWT MUST NOT be accepted on or after exp, so a token issued expired is unusable "
            "(or the server ignores exp)."))
def test_expiry_is_in_the_future(issued, session):
    """A fresh token's exp lies in the future: it is not already expired when issued."""
    exp = _date_claim(issued, "exp")
    if exp is None:
        pytest.skip("the token carries no exp claim (TOKEN-EXP-LIFETIME judges a token that never expires)")
    _, received = _received_window(session)
    if exp <= received:
        expect.fail(f"expected exp after the time the token was issued (RFC 7519 §4.1.4), exp {int(exp)} "
                    f"({_when(exp)}) was {received - exp:.0f} s in the past when the login answered "
                    f"({_when(received)})")


@check("TOKEN-EXP-LIFETIME", severity="must", requirement="profile token.lifetime; RFC 7519 §4.1.4",
       why="The profile states the token lifetime (token.lifetime).")
def test_lifetime_is_the_profiles(issued, profile, session):
    """exp − iat is the profile's token lifetime, within the leeway."""
    lifetime = profile.token.lifetime
    if lifetime is None:
        pytest.skip("the profile sets no token lifetime (token.lifetime)")
    exp = _date_claim(issued, "exp")
    if exp is None:
        expect.fail(f"expected the token to expire after {lifetime} s (profile token.lifetime), it has no exp "
                    f"claim: it is valid forever")
    iat = _date_claim(issued, "iat")
    start = iat if iat is not None else _received_window(session)[1]
    measured = exp - start
    if abs(measured - lifetime) > profile.token.leeway:
        basis = "exp − iat" if iat is not None else "exp − the time of the login answer (no iat)"
        expect.fail(f"expected a lifetime of {lifetime} s ± {profile.token.leeway} (profile token.lifetime, "
                    f"token.leeway), {basis} is {measured:.0f} s")


@check("TOKEN-NBF", severity="must", requirement="RFC 7519 §4.1.5",
       why=("RFC 7519 §4.1.5: a JWT MUST NOT be accepted before nbf, so an nbf in the future makes the fresh "
            "token unusable."))
def test_not_before_is_not_in_the_future(issued, profile, session):
    """When the token has nbf, it is a NumericDate no later than the time of issue: the token works at once."""
    nbf = _date_claim(issued, "nbf")
    if nbf is None:
        pytest.skip("the token carries no nbf claim")
    _, received = _received_window(session)
    if nbf > received + profile.token.leeway:
        expect.fail(f"expected nbf no later than the login (RFC 7519 §4.1.5, leeway {profile.token.leeway} s), "
                    f"nbf {int(nbf)} ({_when(nbf)}) is {nbf - received:.0f} s later: the new token is refused "
                    f"until then")


# --- signature ----------------------------------------------------------------------------------


@check("TOKEN-SIGNATURE", severity="must",
       requirement="RFC 7515 §5.2; RFC 8725 §3.1; profile token.verify",
       why=("The profile gives the verification key (token.verify); RFC 7515 §5.2: a signature that does not "
            "validate makes the token invalid."))
def test_signature_verifies(issued, profile, target):
    """The signature verifies with the profile's key (PEM public key, JWKS by kid, or HMAC secret)."""
    try:
        keys = tokens.verification_keys(profile, target, issued)
    except tokens.NoKey as exc:
        pytest.skip(str(exc))
    except tokens.KeyUnusable as exc:
        expect.fail(f"expected a usable verification key (profile token.verify): {exc}")
    problem = tokens.signature_problem(issued, keys)
    if problem:
        expect.fail(f"expected the signature to verify with {keys[0].source} (profile token.verify; "
                    f"RFC 7515 §5.2): {problem}")


@check("TOKEN-WEAK-HMAC-SECRET", severity="must", requirement="RFC 8725 §3.5; RFC 7518 §3.2",
       why=("RFC 8725 §3.5: human-memorable passwords MUST NOT be HMAC keys; a common secret lets anyone forge "
            "tokens."))
def test_hmac_secret_is_not_common(issued, target):
    """An HS* token is not signed with a secret from a list of common JWT secrets."""
    if not issued.is_hmac:
        pytest.skip(f"the token is signed with {issued.alg}, not HMAC: there is no shared secret to guess")
    found = find_weak_secret(issued)
    if found is not None:
        target.redactor.add(found.secret, "weak HMAC secret")
        expect.fail(f"expected an HMAC secret no one can guess (RFC 8725 §3.5: no human-memorable keys), the "
                    f"token's {issued.alg} signature verifies with a common secret: {found.masked()}")


# --- audience and issuer (when the profile declares them: the plugin's declared_* fixtures) -------


@check("TOKEN-AUDIENCE", severity="should", must_when="token.audience",
       requirement="profile token.audience; RFC 7519 §4.1.3; RFC 8725 §3.9; RFC 9068 §2.2; OWASP ASVS 4.0.3 V3.5.3",
       why=("The profile states the audience the tokens are issued for (RFC 8725 §3.9: use aud when a token may "
            "reach more than one relying party); undeclared, the check is skipped."))
def test_audience_claim_is_the_profiles(declared_audience, issued):
    """The token's aud claim is there and names the profile's audience."""
    aud = issued.payload.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if declared_audience not in audiences:
        shown = "no aud claim" if aud is None else f"aud {aud!r}"
        expect.fail(f"expected aud {declared_audience!r} (profile token.audience; RFC 7519 §4.1.3), got {shown}")


@check("TOKEN-ISSUER", severity="should", must_when="token.issuer",
       requirement="profile token.issuer; RFC 7519 §4.1.1; RFC 8725 §3.8; RFC 9068 §2.2",
       why=("The profile states who issues the tokens (RFC 8725 §3.8: validate the issuer); undeclared, the check "
            "is skipped."))
def test_issuer_claim_is_the_profiles(declared_issuer, issued):
    """The token's iss claim is there and equals the profile's issuer."""
    iss = issued.payload.get("iss")
    if iss != declared_issuer:
        shown = "no iss claim" if iss is None else f"iss {iss!r}"
        expect.fail(f"expected iss {declared_issuer!r} (profile token.issuer; RFC 7519 §4.1.1), got {shown}")
