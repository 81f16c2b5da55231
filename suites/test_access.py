"""Access: the protected endpoint takes the valid token, and refuses everything else.

The valid token is the run's shared login. The endpoint, method and credential scheme come from
the profile's ``protected`` section (``bearer``, ``header:<Name>`` as Invoice Ninja's
X-API-TOKEN, or ``authorization:<Scheme>`` as knox's ``Token``). Every forged token is sent once
and recorded in the run's exchanges (signatures redacted), its purpose naming the variant; a
finding lists each variant the server accepted.
Before any forgery, the valid token itself must be accepted: a server that refuses everything
would otherwise pass every forgery check without proving anything.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from authconform import expect
from authconform.checks import check, check_of
from authconform.endpoints.login import LoginFailed
from authconform.endpoints.protected import call_protected
from authconform.http.client import Answer
from authconform.jwt import forge, tokens
from authconform.jwt.callback import LOOPBACK_HOSTS, CallbackListener
from authconform.jwt.forge import ForgedToken
from authconform.profile import CredentialScheme

QUERY_NAMES = ("access_token", "token", "bearer", "jwt", "api_token", "auth")
SLOW_WAIT_LIMIT = 900  # seconds --slow will wait for a token to expire
ES_ALGORITHMS = ("ES256", "ES384", "ES512")
FETCH_WAIT = 1.0  # seconds the listener waits for a fetch after the answer (a verifier may fetch in the background)
KID_SLEEP = 5  # seconds the command-injection kid asks a shell to sleep (jwt_tool sends 10)


@pytest.fixture(scope="module")
def endpoint(profile):
    """The profile's protected endpoint; every access check skips without one."""
    if profile.protected is None:
        pytest.skip("the profile has no protected endpoint (protected)")
    return profile.protected


@pytest.fixture(scope="module")
def valid_use(endpoint, login, target, profile):
    """The valid token on the protected endpoint: sent once, shared by the access checks."""
    try:  # module scope: the plugin's session fixture is per test
        token = login.session().token
    except LoginFailed as exc:
        pytest.skip(f"needs a valid login, which failed: {exc}")
    return call_protected(target, profile, token, purpose="the valid token on the protected endpoint (shared)")


@pytest.fixture(scope="module")
def no_token_use(endpoint, target, profile):
    """The protected endpoint with no credential at all: sent once, shared."""
    return call_protected(target, profile, purpose="the protected endpoint without a token (shared)")


@pytest.fixture
def accepted_token(valid_use, endpoint, session):
    """The valid token, once the endpoint has been seen to accept it (the control for every forgery)."""
    if not valid_use.ok or valid_use.status != endpoint.ok_status:
        pytest.skip(f"the valid token itself is refused ({valid_use.describe(80) if valid_use.ok else valid_use.error};"
                    f" see ACCESS-VALID-TOKEN): a refused forgery would prove nothing")
    return session.token


@pytest.fixture
def issued_jwt(accepted_token, decoded_token) -> tokens.Jwt:
    """The accepted token as a JWT to forge from (the plugin's ``decoded_token``); skips for opaque tokens."""
    return decoded_token


def _anonymous_access(no_token_use, endpoint) -> None:
    """Skip a check that cannot tell anything when the endpoint answers without any token."""
    if no_token_use.ok and 200 <= no_token_use.status < 300:
        pytest.skip(f"the endpoint answers {no_token_use.status} without any token (see ACCESS-NO-TOKEN), "
                    f"so a success here would not show that this credential was read")


def _scheme(endpoint) -> str:
    return str(CredentialScheme.parse(endpoint.scheme))


def _refused_with(answers: list[tuple[str, object]], endpoint, source: str, record_property) -> None:
    """Each (label, answer) got the profile's rejected status (unstated: a 4xx); one finding lists the others.

    A refusal carries no token either way; a tolerant pass notes the statuses it saw.
    """
    wanted = endpoint.rejected_status
    wrong = []
    for label, answer in answers:
        if not answer.ok:
            wrong.append(f"{label}: {answer.error}")
        elif (answer.status != wanted) if wanted is not None else not 400 <= answer.status < 500:
            wrong.append(f"{label}: {answer.describe(100)}")
    if wrong:
        shown = (f"{wanted} (profile protected.rejected_status; {source})" if wanted is not None else
                 f"a 4xx refusal (protected.rejected_status is not stated, so any 4xx will do; {source})")
        expect.fail(f"expected {shown} for {len(answers)} request(s), {len(wrong)} answered otherwise: "
                    + "; ".join(wrong))
    where = "profile protected.rejected_status" if wanted is not None else "protected.rejected_status is not stated"
    for _, answer in answers:
        expect.no_token(answer, (), where)
    if wanted is None:
        record_property("note", expect.unpinned_note(
            expect.Unpinned(answer.status, "protected.rejected_status") for _, answer in answers))


@pytest.fixture
def try_forged(request, target, profile):
    """Send forged tokens as the running check (its ID names each request's purpose), via :func:`_try_forged`."""
    check_id = check_of(request.node).id

    def send(forged: list[ForgedToken], source: str) -> None:
        __tracebackhide__ = True
        _try_forged(target, profile, check_id, forged, source)

    return send


def _try_forged(target, profile, check_id: str, forged: list[ForgedToken], source: str) -> None:
    """Send every forged token; fail listing those accepted (2xx) and those not cleanly refused."""
    accepted, unclear = [], []
    for token in forged:
        answer = call_protected(target, profile, token.token, purpose=token.purpose(check_id))
        if not answer.ok:
            unclear.append(f"{token.label}: {answer.error}")
        elif 200 <= answer.status < 300:
            accepted.append(f"{token.label} (answered {answer.status})")
        elif answer.status >= 500 or answer.status < 400:
            unclear.append(f"{token.label}: {answer.describe(80)}")
    if accepted:
        expect.fail(f"expected every forged token to be refused ({source}); the server ACCEPTED {len(accepted)} of "
                    f"{len(forged)}: " + "; ".join(accepted)
                    + (f"; and did not cleanly refuse: {'; '.join(unclear)}" if unclear else ""))
    if unclear:
        expect.fail(f"expected a 4xx refusal of every forged token ({source}; RFC 7519 §7.2), "
                    f"{len(unclear)} of {len(forged)} were not: " + "; ".join(unclear))


# --- the valid token, no token, garbage ----------------------------------------------------------


@check("ACCESS-VALID-TOKEN", severity="must", requirement="profile protected.ok_status; RFC 6750 §2.1",
       why=("The profile states that the login's token opens the protected endpoint (protected.path, "
            "protected.ok_status)."))
def test_valid_token_is_accepted(valid_use, endpoint):
    """The token the login returned opens the protected endpoint."""
    expect.status(valid_use, endpoint.ok_status, f"profile protected.ok_status, with the login's token sent as "
                                                 f"{_scheme(endpoint)}")


@check("ACCESS-NO-TOKEN", severity="must", requirement="profile protected.rejected_status; RFC 6750 §3.1",
       why=("The profile declares the endpoint protected; serving it without a credential is an access-control "
            "bypass (RFC 6750 §3)."))
def test_no_token_is_refused(no_token_use, endpoint, record_property):
    """Without a token the protected endpoint refuses with the profile's rejected status."""
    _refused_with([("no credential", no_token_use)], endpoint, "RFC 6750 §3.1", record_property)


def _garbage_values() -> list[tuple[str, str]]:
    return [
        ("the word 'garbage'", "garbage"),
        ("three dotted nonsense segments", "abc.def.ghi"),
        ("a JWT header alone", "eyJhbGciOiJIUzI1NiJ9"),
        ("two segments", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0"),
        ("random base64url", secrets.token_urlsafe(48)),
        ("'null'", "null"),
        ("an SQL quote", "' OR '1'='1"),
        ("4000 characters", "A" * 4000),
    ]


@check("ACCESS-GARBAGE-TOKEN", severity="must",
       requirement="profile protected.rejected_status; RFC 6750 §3.1; RFC 7519 §7.2",
       why=("RFC 7519 §7.2: a token that fails validation MUST be rejected; the profile declares the endpoint "
            "protected."))
def test_garbage_token_is_refused(endpoint, target, profile, record_property):
    """Tokens that are not tokens (nonsense, truncated, huge, quoted) get the rejected status, never a crash."""
    answers = []
    for label, value in _garbage_values():
        answers.append((label, call_protected(target, profile, value, purpose=f"garbage token: {label}")))
    _refused_with(answers, endpoint, "RFC 6750 §3.1 invalid_token", record_property)


@check("ACCESS-WRONG-SCHEME", severity="should", requirement="RFC 6750 §2.1; profile protected.scheme",
       why=("RFC 6750 §2 says how clients send a token but puts no MUST on refusing other ways; accepting them "
            "only widens where tokens travel."))
def test_wrong_scheme_is_refused(accepted_token, endpoint, no_token_use, target, profile, record_property):
    """The valid token sent any other way than the profile's scheme is refused."""
    _anonymous_access(no_token_use, endpoint)
    scheme = CredentialScheme.parse(endpoint.scheme)
    if scheme.kind == "header":
        variants = [("Authorization: Bearer <token>", {"Authorization": f"Bearer {accepted_token}"}),
                    ("Authorization: <token> with no scheme", {"Authorization": accepted_token}),
                    (f"{scheme.name}: Bearer <token>", {scheme.name: f"Bearer {accepted_token}"})]
    else:  # bearer is authorization:Bearer: every other auth-scheme, and none
        variants = [(f"Authorization: {name} <token>", {"Authorization": f"{name} {accepted_token}"})
                    for name in ("Bearer", "Basic", "Token", "JWT") if name.lower() != scheme.name.lower()]
        variants.append(("Authorization: <token> with no scheme", {"Authorization": accepted_token}))
    answers = [(label, call_protected(target, profile, headers=headers, purpose=f"the valid token as {label}"))
               for label, headers in variants]
    _refused_with(answers, endpoint, f"RFC 6750 §2.1; the profile's scheme is {scheme}", record_property)


@check("ACCESS-TOKEN-IN-QUERY", severity="should", requirement="RFC 6750 §2.3, §5.3; OWASP ASVS 4.0.3 V3.1.1",
       why="RFC 6750 §2.3 and §5.3: tokens SHOULD NOT travel in URLs; a SHOULD is a warning.")
def test_token_in_query_is_refused(accepted_token, endpoint, no_token_use, target, profile, record_property):
    """The valid token in the URL's query string (which logs and Referer headers keep) is refused."""
    _anonymous_access(no_token_use, endpoint)
    answers = [(f"?{name}=<token>", call_protected(target, profile, params={name: accepted_token},
                                                   purpose=f"the valid token in the query string as {name}"))
               for name in QUERY_NAMES]
    _refused_with(answers, endpoint, "RFC 6750 §2.3: tokens SHOULD NOT travel in the URI", record_property)


def _challenges(value: str) -> list[str]:
    """The auth-schemes of a WWW-Authenticate value (RFC 9110 §11.6.1), lower case."""
    schemes = []
    for part in value.split(","):
        word = part.strip().split(" ", 1)[0]
        if word and "=" not in word:
            schemes.append(word.lower())
    return schemes


@check("ACCESS-WWW-AUTHENTICATE", severity="should", requirement="RFC 6750 §3; RFC 9110 §11.6.1, §15.5.2",
       why=("RFC 6750 §3 and RFC 9110 §11.6.1 do say MUST, but a JSON API's clients already know the scheme: a "
            "missing header alone is kept a warning, never a gate failure."))
def test_401_names_the_bearer_scheme(endpoint, no_token_use, target, profile):
    """A 401 from the protected endpoint carries WWW-Authenticate with the Bearer scheme."""
    if _scheme(endpoint) != "bearer":
        pytest.skip(f"the profile's scheme is {_scheme(endpoint)}: RFC 6750 §3 concerns bearer tokens only")
    garbage = call_protected(target, profile, "garbage", purpose="a garbage bearer token (does its 401 name Bearer?)")
    answers = [("no token", no_token_use), ("a garbage token", garbage)]
    unauthorized = [(label, a) for label, a in answers if a.ok and a.status == 401]
    if not unauthorized:
        shown = ", ".join(f"{label}: {a.status if a.ok else a.error}" for label, a in answers)
        pytest.skip(f"the endpoint answered no 401 ({shown}): RFC 6750 §3 applies to 401 answers")
    problems = []
    for label, answer in unauthorized:
        values = answer.headers("www-authenticate")
        if not values:
            problems.append(f"{label}: no WWW-Authenticate header")
        elif "bearer" not in [s for v in values for s in _challenges(v)]:
            problems.append(f"{label}: WWW-Authenticate {', '.join(values)!r} names no Bearer challenge")
    if problems:
        expect.fail("expected WWW-Authenticate: Bearer on every 401 (RFC 6750 §3; RFC 9110 §15.5.2): "
                    + "; ".join(problems))


# --- forged tokens ----------------------------------------------------------------------------


@check("ACCESS-ALG-NONE", severity="must", requirement="RFC 8725 §3.1, §3.2; OWASP ASVS 4.0.3 V3.5.3",
       why=("RFC 8725 §3.1: verifiers MUST accept only allow-listed algorithms, and RFC 7519 §7.2 MUST reject an "
            "invalid JWT; accepting it is a forgery."))
def test_alg_none_is_refused(issued_jwt, target, profile, try_forged):
    """The token re-labelled alg none (none, None, NONE, nOnE), with or without a signature, is refused."""
    try_forged(forge.alg_none(issued_jwt),
                "RFC 8725 §3.2: 'none' is not an acceptable algorithm")


@check("ACCESS-SIGNATURE-STRIPPED", severity="must", requirement="RFC 7515 §5.2; OWASP ASVS 4.0.3 V3.5.3",
       why=("RFC 7515 §5.2: a JWS whose signature does not validate MUST be treated as invalid; accepting it is a"
            " forgery."))
def test_stripped_signature_is_refused(issued_jwt, target, profile, try_forged):
    """The token with its signature removed, damaged or cut short is refused."""
    try_forged(forge.signature_stripped(issued_jwt),
                "RFC 7515 §5.2: the signature must verify")


@check("ACCESS-PAYLOAD-TAMPERED", severity="must", requirement="RFC 7515 §5.2; OWASP ASVS 4.0.3 V3.5.3",
       why=("RFC 7515 §5.2: a JWS whose signature does not validate MUST be treated as invalid; accepting it is a"
            " forgery."))
def test_tampered_payload_is_refused(issued_jwt, target, profile, try_forged):
    """A changed payload under the original signature (more roles, another user) is refused."""
    # another account's identity; its id where the identity claim holds ids (accounts.<name>.id)
    id_valued = bool(profile.account("valid").id or profile.token.claims.identity_pointer)
    other = next(((a.id if id_valued and a.id else a.identity)
                  for a in (profile.account("lockout"), profile.account("disabled")) if a), None)
    forged = forge.payload_tampered(issued_jwt, identity_claim=profile.token.claims.identity, other_identity=other)
    # a forgery identical to the valid token forges nothing: its acceptance would be a false finding
    forged = [f for f in forged if not forge.same_token(f.token, issued_jwt.raw)]
    if not forged:
        pytest.skip("no tampered payload differs from the login's token, so none is sent")
    try_forged(forged,
                "RFC 7515 §5.2: the signature covers the payload")


@check("ACCESS-KEY-CONFUSION", severity="must", requirement="RFC 8725 §3.1, §2.1; OWASP ASVS 4.0.3 V3.5.3",
       why=("RFC 8725 §3.1: each key MUST be used with exactly one algorithm; accepting it lets anyone holding "
            "the public key forge tokens."))
def test_key_confusion_is_refused(issued_jwt, target, profile, try_forged):
    """HS256 signed with the server's own public key as the HMAC secret (CVE-2016-10555) is refused."""
    if not issued_jwt.is_asymmetric:
        pytest.skip(f"the token is signed with {issued_jwt.alg}: key confusion needs a public-key algorithm")
    pem = tokens.public_key_pem(profile, target, issued_jwt)
    if pem is None:
        pytest.skip("the profile gives no public key (token.verify.public_key or jwks_url) to confuse with")
    try_forged(forge.key_confusion(issued_jwt, pem),
                "RFC 8725 §3.1: each key is used with exactly one algorithm")


@check("ACCESS-KID-INJECTION", severity="must", requirement="RFC 8725 §3.10; OWASP ASVS 4.0.3 V3.5.3",
       why=("Accepting it means the signature was checked with a key the sender chose; RFC 7515 §5.2 and RFC 7519"
            " §7.2 MUST reject such a token."))
def test_kid_injection_is_refused(issued_jwt, target, profile):
    """A kid used as a path, in SQL or in a shell (HS256-signed with the key that lookup yields) is refused."""
    source = "RFC 8725 §3.10: header parameters such as kid are not trusted input"
    baseline = [call_protected(target, profile, forge.kid_command(issued_jwt, sleep=None).token,
                               purpose=f"forged token (ACCESS-KID-INJECTION): timing baseline {n} of 2")
                for n in (1, 2)]
    piped = forge.kid_command(issued_jwt, sleep=KID_SLEEP)
    slow = call_protected(target, profile, piped.token, purpose=piped.purpose("ACCESS-KID-INJECTION"))
    fastest = min(a.exchange.elapsed for a in baseline)
    late = slow.exchange.elapsed - fastest
    if late >= KID_SLEEP - 1:
        expect.fail(f"expected the kid never to reach a shell ({source}): {piped.label}; it came {late:.1f} s later "
                    f"than the plain kid (baseline {fastest:.2f} s, with '|sleep {KID_SLEEP}' "
                    f"{slow.exchange.elapsed:.2f} s)")
    _try_forged(target, profile, "ACCESS-KID-INJECTION", forge.kid_injection(issued_jwt), source)


@check("ACCESS-EMBEDDED-JWK", severity="must", requirement="CVE-2018-0114; RFC 8725 §3.10; RFC 7515 §4.1.3; "
       "OWASP ASVS 4.0.3 V3.5.3",
       why=("Accepting it means the signature was checked with a key the sender brought; RFC 7515 §5.2 and RFC 7519"
            " §7.2 MUST reject a token that does not validate with a trusted key."))
def test_embedded_jwk_is_refused(issued_jwt, target, profile):
    """The claims re-signed with a fresh RSA or EC key whose public JWK rides in the header's jwk are refused."""
    _try_forged(target, profile, "ACCESS-EMBEDDED-JWK", forge.embedded_jwk(issued_jwt),
                "RFC 8725 §3.10: a key from the token itself is not a trusted key")


@check("ACCESS-ES256-ZERO-SIGNATURE", severity="must", requirement="CVE-2022-21449; RFC 7518 §3.4; RFC 8725 §3.1",
       why=("RFC 7518 §3.4 and RFC 7515 §5.2: r = s = 0 never validates, and an invalid JWS MUST be rejected; "
            "accepting it is a forgery."))
def test_es256_zero_signature_is_refused(issued_jwt, target, profile, try_forged):
    """For an ECDSA target: ES256 with the signature r = s = 0 ("psychic signature") is refused."""
    algorithms = {issued_jwt.alg or "", *(profile.token.algorithms or [])}
    if not algorithms & set(ES_ALGORITHMS):
        pytest.skip(f"the target signs {issued_jwt.alg} and the profile allows no ES* algorithm: CVE-2022-21449 "
                    f"concerns ECDSA verifiers")
    try_forged(forge.es256_zero_signature(issued_jwt),
                "CVE-2022-21449: r = s = 0 is never a valid ECDSA signature")


@pytest.fixture(scope="session")
def callback_listener(request, target):
    """The run's listener for jku/x5u URLs: loopback, or the address --callback-url names."""
    url = request.config.getoption("callback_url", default=None)
    if url is None and urlsplit(target.base_url).hostname not in LOOPBACK_HOSTS:
        pytest.skip(f"the target ({urlsplit(target.base_url).hostname}) is not on this machine and cannot reach a "
                    f"loopback listener: give --callback-url http://<an address it can reach>:<port>")
    try:
        listener = CallbackListener(url)
    except (ValueError, OSError) as exc:
        pytest.skip(f"the callback listener cannot start: {exc}")
    yield listener
    listener.close()


@dataclass(frozen=True)
class KeyUrlProbe:
    """One token whose header names a key at the listener, and the server's answer to it."""

    url: str
    answer: Answer
    answered_at: float  # time.monotonic() when the answer was in


KEY_URL_PROBES = pytest.StashKey[dict[str, KeyUrlProbe]]()
KEY_URL_CHECKS = {"jku": "ACCESS-JKU", "x5u": "ACCESS-X5U"}


def _key_url_tests(session: pytest.Session) -> dict[str, str]:
    """The node ID of each key-URL check in the run, by header parameter."""
    parameters = {check_id: parameter for parameter, check_id in KEY_URL_CHECKS.items()}
    return {parameters[info.id]: item.nodeid for item in session.items
            if (info := check_of(item)) is not None and info.id in parameters}


@pytest.fixture
def key_url_probes(request, run, issued_jwt, callback_listener, target, profile) -> dict[str, KeyUrlProbe]:
    """The jku and the x5u token of the checks in the run, sent together once by whichever asks first.

    Their exchanges are recorded as the two checks' own, whenever they go out.
    """
    probes = request.config.stash.setdefault(KEY_URL_PROBES, {})
    for parameter, nodeid in _key_url_tests(request.session).items():
        if parameter in probes:
            continue
        key, kid = forge.fresh_rsa_key(), f"authconform-{secrets.token_hex(4)}"
        if parameter == "jku":
            url = callback_listener.publish("jwks.json", "application/json", forge.jwks_document(key, kid))
        else:
            url = callback_listener.publish("cert.pem", "application/x-pem-file", forge.certificate_pem(key))
        forged = forge.key_by_url(issued_jwt, parameter=parameter, url=url, key=key, kid=kid)
        check_id = KEY_URL_CHECKS[parameter]
        with run.recorder.attributed_to(check_id, nodeid):
            answer = call_protected(target, profile, forged.token, purpose=forged.purpose(check_id))
        probes[parameter] = KeyUrlProbe(url, answer, time.monotonic())
    return probes


@pytest.fixture(autouse=True)
def _key_url_probes_go_out_early(request):
    """Send the jku and x5u tokens before the first access check, when either check is in the run.

    A verifier may fetch a key URL in the background, after it has answered. ACCESS-JKU and
    ACCESS-X5U give it FETCH_WAIT seconds for that; sent here and judged last in the run, the tokens
    have had that time long before, and no check sleeps on the run's critical path. This fixture
    decides nothing: whatever keeps the probes from going out (no JWT, no listener, no login) is left
    for the two checks to report when they run. Under xdist the checks send their own tokens when
    they run (any worker may get the access checks; only one runs the last phase).
    """
    if KEY_URL_PROBES in request.config.stash:
        return
    request.config.stash[KEY_URL_PROBES] = {}  # one try per run, whatever comes of it
    if not _key_url_tests(request.session):
        return
    if hasattr(request.config, "workerinput"):  # xdist: this worker may not be the one that runs them
        return
    with contextlib.suppress(pytest.skip.Exception, pytest.fail.Exception):
        request.getfixturevalue("key_url_probes")


def _key_by_url(parameter: str, probes: dict[str, KeyUrlProbe], listener: CallbackListener) -> None:
    """Findings: the URL was fetched (any time in the run, waiting FETCH_WAIT after the answer), the token accepted."""
    probe = probes[parameter]
    url, answer = probe.url, probe.answer
    fetches = listener.fetches_of(url, wait=max(0.0, probe.answered_at + FETCH_WAIT - time.monotonic()))
    findings = []
    if fetches:
        findings.append(f"the server FETCHED the {parameter} URL {url} ({len(fetches)} request(s), from "
                        f"{', '.join(sorted({f.client for f in fetches}))}): a server-side request to a URL the "
                        f"token chose")
    if answer.ok and 200 <= answer.status < 300:
        findings.append(f"the server ACCEPTED the token signed with the key at that URL (answered {answer.status})")
    elif not answer.ok or not 400 <= answer.status < 500:
        findings.append(f"the token was not cleanly refused: {answer.describe(80) if answer.ok else answer.error}")
    if findings:
        expect.fail(f"expected the {parameter} header to be ignored: no fetch and a 4xx refusal (RFC 8725 §3.10; "
                    f"OWASP ASVS 5.0 9.1.3: keys only from allow-listed sources): " + "; ".join(findings))


# Last in the run, after its slowest checks: the tokens went out before the first access check (above),
# so the time a verifier gets to fetch in the background has passed and nothing waits.
@check("ACCESS-JKU", severity="must", requirement="RFC 8725 §3.10; RFC 7515 §4.1.2; OWASP ASVS 4.0.3 V3.5.3",
       phase="last", after=("OPENAPI-FUZZ", "TOKEN-DISTINCT"),
       why=("A token verified with a key from the URL it names was signed by whoever chose the URL: RFC 7515 §5.2 "
            "and RFC 7519 §7.2 MUST reject it; the fetch itself is a server-side request forgery."))
def test_jku_is_not_followed(key_url_probes, callback_listener):
    """A token whose jku names a JWKS at the run's listener, holding the key it was signed with: no fetch, refused."""
    _key_by_url("jku", key_url_probes, callback_listener)


@check("ACCESS-X5U", severity="must", requirement="RFC 8725 §3.10; RFC 7515 §4.1.5; OWASP ASVS 4.0.3 V3.5.3",
       phase="last", after=("OPENAPI-FUZZ", "TOKEN-DISTINCT"),
       why=("A token verified with a certificate from the URL it names was signed by whoever chose the URL: RFC "
            "7515 §5.2 and RFC 7519 §7.2 MUST reject it; the fetch itself is a server-side request forgery."))
def test_x5u_is_not_followed(key_url_probes, callback_listener):
    """A token whose x5u names a certificate at the run's listener for the key it was signed with: no fetch, refused."""
    _key_by_url("x5u", key_url_probes, callback_listener)


# --- expiry -----------------------------------------------------------------------------------


def _signing_key(profile, token: tokens.Jwt):
    """The profile's signing key and the algorithm to use it with, or (None, None)."""
    signing = profile.token.signing
    if signing is not None and signing.private_key:
        pem = profile.key_material(signing.private_key)
        try:
            alg = tokens.algorithm_for_private_key(pem, token.alg, profile.token.algorithms or [])
        except ValueError as exc:
            pytest.skip(f"token.signing.private_key cannot sign: {exc}")
        return tokens.private_key(pem), alg
    if signing is not None and signing.secret:
        allowed = [a for a in profile.token.algorithms or [] if a.upper().startswith("HS")]
        return signing.secret, token.alg if token.is_hmac else (allowed or ["HS256"])[0]
    return None, None


def _forged_expired(issued_jwt, accepted_token, key, alg, target, profile) -> ForgedToken:
    """An expired token signed with the profile's key, once that key is shown to be the server's."""
    _confirm_signing_key(issued_jwt, accepted_token, key, alg, target, profile)
    return forge.expired_signed(issued_jwt, key=key, algorithm=alg, lifetime=profile.token.lifetime,
                                leeway=profile.token.leeway)


def _confirm_signing_key(issued_jwt, accepted_token, key, alg, target, profile) -> None:
    """Skip unless the profile's signing key is the one the server trusts.

    The control re-signs the login's own claims: with a deterministic signature (RS*, HS*) and the
    server's key it is the very token the login returned, and no request is needed.
    """
    import jwt as pyjwt

    control = pyjwt.api_jws.encode(tokens.b64url_decode(issued_jwt.segments[1], strict=False), key, algorithm=alg,
                                   headers={k: v for k, v in issued_jwt.header.items() if k != "alg"},
                                   sort_headers=False)
    if control != accepted_token:
        answer = call_protected(target, profile, control,
                                purpose="the login's claims re-signed with token.signing (is it the server's key?)")
        if not answer.ok or not 200 <= answer.status < 300:
            pytest.skip(f"a copy of the valid token re-signed with the profile's signing key ({alg}) is refused "
                        f"({answer.describe(60) if answer.ok else answer.error}): token.signing is not the key "
                        f"this server trusts, so a token signed with it would prove nothing")


@check("ACCESS-EXPIRED", severity="must", requirement="RFC 7519 §4.1.4; OWASP ASVS 4.0.3 V3.3.1",
       why="RFC 7519 §4.1.4: a JWT MUST NOT be accepted on or after its exp.")
def test_expired_token_is_refused(accepted_token, session, target, profile, run, try_forged, request):
    """An expired token is refused: forged with the profile's signing key, or (--slow) a real one waited out."""
    if profile.token.format == "jwt":
        issued = request.getfixturevalue("decoded_token")
        key, alg = _signing_key(profile, issued)
        if key is not None:
            expired = _forged_expired(issued, accepted_token, key, alg, target, profile)
            try_forged([expired], "RFC 7519 §4.1.4: not on or after exp")
            return
        exp = tokens.seconds(issued.payload.get("exp"))
        if exp is None:
            pytest.skip("the token has no usable exp claim and the profile no signing key (token.signing): "
                        "nothing expires to try")
        expires = exp + profile.token.leeway + 1
    else:
        if profile.token.lifetime is None:
            pytest.skip("the profile's tokens never expire (token.lifetime: null)")
        expires = session.answer.exchange.started + profile.token.lifetime + profile.token.leeway + 1
    wait = expires - time.time()
    if not run.slow:
        pytest.skip(f"needs token.signing (a test deployment's key) to forge an expired token, or --slow to wait "
                    f"{max(wait, 0):.0f} s for the login's token to expire")
    if wait > SLOW_WAIT_LIMIT:
        pytest.skip(f"the token expires in {wait:.0f} s, longer than --slow waits ({SLOW_WAIT_LIMIT} s); give the "
                    f"profile token.signing to forge an expired token instead")
    if wait > 0:
        time.sleep(wait)
    label = f"the login's own token, {time.time() - expires + profile.token.leeway + 1:.0f} s after it expired"
    try_forged([ForgedToken(label, accepted_token)],
                "RFC 7519 §4.1.4: not on or after exp")



@check("TOKEN-CLAIMS-BEFORE-SIGNATURE", severity="may", requirement="RFC 8725 §3.10; RFC 7519 §7.2; "
       "OWASP ASVS 4.0.3 V3.5.3",
       why=("RFC 7519 §7.2 orders validation (signature, then claims) but puts no MUST on the error text; an "
            "answer that tells an unverified token's claims apart is information, not a gate failure."))
def test_claims_are_not_read_before_the_signature(issued_jwt, target, profile):
    """An expired token with a broken signature gets the same answer as a token whose signature is broken."""
    expired = forge.expired_payload(issued_jwt.payload, lifetime=profile.token.lifetime, leeway=profile.token.leeway)
    broken = forge.signature_stripped(issued_jwt)[1]  # the original claims, one bit of the signature flipped
    forged_expired = ForgedToken(f"the claims with exp {expired['exp']} (expired), under the original signature "
                                 f"(which no longer matches)", forge.assemble(issued_jwt.segments[0], expired,
                                                                             issued_jwt.segments[2]))
    check_id = "TOKEN-CLAIMS-BEFORE-SIGNATURE"
    answers = [(token, call_protected(target, profile, token.token, purpose=token.purpose(check_id)))
               for token in (broken, forged_expired)]
    for token, answer in answers:
        if not answer.ok or not 400 <= answer.status < 500:
            expect.fail(f"expected a 4xx refusal of a token whose signature does not verify (RFC 7519 §7.2), "
                        f"{token.label}: {answer.describe(100) if answer.ok else answer.error}")
    (_, bad_signature), (_, bad_and_expired) = answers
    if (bad_signature.status, bad_signature.text) != (bad_and_expired.status, bad_and_expired.text):
        expect.fail(f"expected the same answer for both forgeries, since neither signature verifies (RFC 7519 §7.2: "
                    f"the claims of an unverified token are not trusted): a broken signature got "
                    f"{bad_signature.describe(100)}, an expired token with a broken signature got "
                    f"{bad_and_expired.describe(100)}: the server read the claims before it trusted them")


# --- audience and issuer (when the profile declares them: the plugin's declared_* fixtures) -------


def _wrong_claim(claim: str, field: str, expected: str, issued_jwt, accepted_token, target, profile) -> None:
    """The login's claims with ``claim`` changed to another value, then removed, re-signed with token.signing."""
    key, alg = _signing_key(profile, issued_jwt)
    if key is None:
        pytest.skip(f"needs token.signing (a test deployment's key) to re-sign the claims with another {claim}")
    _confirm_signing_key(issued_jwt, accepted_token, key, alg, target, profile)
    other = f"https://other.invalid/{claim}-not-{expected}"
    changed = {**issued_jwt.payload, claim: other}
    removed = {k: v for k, v in issued_jwt.payload.items() if k != claim}
    how = f"re-signed with token.signing ({alg})"
    forged = [forge.resigned(issued_jwt, changed, key=key, algorithm=alg, label=f"{claim} {other!r}, {how}"),
              forge.resigned(issued_jwt, removed, key=key, algorithm=alg, label=f"{claim} removed, {how}")]
    _try_forged(target, profile, f"ACCESS-WRONG-{field.upper()}", forged,
                f"profile token.{field} is {expected!r}; RFC 8725 §3.8-3.9: the recipient validates {claim}")


@check("ACCESS-WRONG-AUDIENCE", severity="should", must_when="token.audience",
       requirement="profile token.audience; RFC 7519 §4.1.3; RFC 8725 §3.9; RFC 9068 §4; OWASP ASVS 4.0.3 V3.5.3",
       why=("RFC 7519 §4.1.3: a recipient that does not find itself in aud MUST reject the JWT; binds when the "
            "profile declares the audience, else skipped."))
def test_wrong_audience_is_refused(declared_audience, issued_jwt, accepted_token, target, profile):
    """A validly signed token for another audience, or with no aud, is refused (needs token.signing)."""
    _wrong_claim("aud", "audience", declared_audience, issued_jwt, accepted_token, target, profile)


@check("ACCESS-WRONG-ISSUER", severity="should", must_when="token.issuer",
       requirement="profile token.issuer; RFC 7519 §4.1.1; RFC 8725 §3.8; RFC 9068 §4",
       why=("RFC 9068 §4: the resource server MUST validate that iss matches its issuer; binds when the profile "
            "declares the issuer, else skipped."))
def test_wrong_issuer_is_refused(declared_issuer, issued_jwt, accepted_token, target, profile):
    """A validly signed token from another issuer, or with no iss, is refused (needs token.signing)."""
    _wrong_claim("iss", "issuer", declared_issuer, issued_jwt, accepted_token, target, profile)
