"""The token library on its own: reading a JWT, judging its dates, verifying it, forging from it.

Real keys, real signatures (pyjwt + cryptography), a real JWKS served over loopback HTTP. The
suites' checks are proven end to end by tests/test_conformance.py; these tests pin down the parts
a finding's wording and a forgery's bytes depend on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from authconform.http.client import TargetClient
from authconform.http.exchanges import Recorder
from authconform.http.redaction import Redactor
from authconform.jwt import forge, tokens
from authconform.jwt.weak_secrets import WORD_LIST, common_secrets, find_weak_secret
from authconform.profile import load_profile
from authconform.targets.server import BackgroundServer

ROOT_PROFILE = "pch-sig"


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _token(rsa_key, **claims) -> str:
    now = int(time.time())
    payload = {"iat": now, "exp": now + 3600, "roles": ["ROLE_USER"], "email": "a@example.org", **claims}
    return jwt.encode(payload, rsa_key, algorithm="RS256", headers={"typ": "JWT"})


def _profile(tmp_path, **verify):
    """The pch-sig profile with token.verify replaced (env values are placeholders)."""
    env = {"PCH_USER": "u@example.org", "PCH_PASSWORD": "pw-123456"}
    profile = load_profile(ROOT_PROFILE, env)
    data = profile.to_dict()
    data["token"]["verify"] = {"public_key": None, "jwks_url": None, "secret": None, **verify}
    from authconform.profile import Profile

    return Profile(data, profile.source)


def test_read_and_structure(rsa_key):
    token = _token(rsa_key)
    read = tokens.read(token)
    assert read.alg == "RS256" and read.payload["email"] == "a@example.org"
    assert tokens.structure_problems(token) == []
    padded = ".".join(p + "=" * (-len(p) % 4) for p in token.split("."))
    assert tokens.read(padded).payload == read.payload  # lenient reader
    assert any("padding" in p for p in tokens.structure_problems(padded))
    assert tokens.structure_problems("a.b") == ["expected 3 dot-separated segments (RFC 7515 §7.1), found 2"]
    assert any("not JSON" in p for p in tokens.structure_problems("abc.def.ghi"))
    with pytest.raises(tokens.TokenProblem):
        tokens.read("garbage")


@pytest.mark.parametrize(("value", "problem"), [
    (1795437159, None),
    (1795437159.5, None),
    (1795437159000, "milliseconds"),
    ("1795437159", "not a NumericDate"),
    (True, "not a NumericDate"),
    (-5, "negative"),
])
def test_numeric_dates(value, problem):
    found = tokens.numeric_date_problem("iat", value)
    assert (found is None) if problem is None else (problem in found)


def test_signature_with_public_key_and_secret(rsa_key, tmp_path):
    token = tokens.read(_token(rsa_key))
    client = TargetClient("http://127.0.0.1:9", redactor=Redactor(), recorder=Recorder())
    keys = tokens.verification_keys(_profile(tmp_path, public_key=_pem(rsa_key)), client, token)
    assert tokens.signature_problem(token, keys) is None
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    keys = tokens.verification_keys(_profile(tmp_path, public_key=_pem(other)), client, token)
    assert "does not verify" in tokens.signature_problem(token, keys)
    with pytest.raises(tokens.NoKey):
        tokens.verification_keys(_profile(tmp_path), client, token)


def test_jwks_is_fetched_through_the_client_and_chosen_by_kid(rsa_key, tmp_path):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = {"keys": [json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(k.public_key())) | {"kid": kid, "alg": "RS256"}
                     for k, kid in ((other, "old"), (rsa_key, "new"))]}
    app = Starlette(routes=[Route("/.well-known/jwks.json", lambda request: JSONResponse(jwks))])
    server = BackgroundServer(app)
    server.start()
    try:
        recorder = Recorder()
        client = TargetClient(f"http://127.0.0.1:{server.port}", redactor=Redactor(), recorder=recorder, timeout=5)
        profile = _profile(tmp_path, jwks_url="/.well-known/jwks.json")
        token = tokens.read(jwt.encode({"sub": "1"}, rsa_key, algorithm="RS256", headers={"kid": "new"}))
        keys = tokens.verification_keys(profile, client, token)
        assert [k.source for k in keys] == ["JWKS key new"]
        assert tokens.signature_problem(token, keys) is None
        assert recorder.exchanges[-1].purpose.startswith("JWKS")  # recorded like any request
        unknown = tokens.read(jwt.encode({"sub": "1"}, rsa_key, algorithm="RS256", headers={"kid": "gone"}))
        with pytest.raises(tokens.KeyUnusable, match="gone"):
            tokens.verification_keys(profile, client, unknown)
        assert tokens.public_key_pem(profile, client, token).startswith(b"-----BEGIN PUBLIC KEY-----")
    finally:
        server.stop()


def test_jwks_that_cannot_be_fetched_is_a_reason_not_a_hang(rsa_key, tmp_path):
    client = TargetClient("http://127.0.0.1:9", redactor=Redactor(), recorder=Recorder(), timeout=1)
    token = tokens.read(_token(rsa_key))
    with pytest.raises(tokens.KeyUnusable, match="could not be fetched"):
        tokens.verification_keys(_profile(tmp_path, jwks_url="/jwks.json"), client, token)


def test_alg_none_spellings_keep_the_payload(rsa_key):
    token = tokens.read(_token(rsa_key))
    forged = forge.alg_none(token)
    assert len(forged) == 8
    algs = {tokens.read(f.token).header["alg"] for f in forged if f.token.split(".")[2]}
    assert algs == {"none", "None", "NONE", "nOnE"}
    assert all(f.token.split(".")[1] == token.segments[1] for f in forged)
    assert sum(1 for f in forged if f.token.endswith(".")) == 4


def test_key_confusion_is_hmac_over_the_pem(rsa_key):
    token = tokens.read(_token(rsa_key))
    pem = _pem(rsa_key).encode()
    forged = forge.key_confusion(token, pem)
    head, body, sig = forged[0].token.split(".")
    assert json.loads(base64.urlsafe_b64decode(head + "==")) ["alg"] == "HS256"
    expected = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert tokens.b64url_decode(sig) == expected
    with pytest.raises(jwt.InvalidKeyError):  # why forge.py writes it by hand
        jwt.encode({"a": 1}, pem, algorithm="HS256")


def test_kid_injection_and_zero_signatures(rsa_key):
    token = tokens.read(_token(rsa_key))
    kid = forge.kid_injection(token)[0]
    head, body, sig = kid.token.split(".")
    assert tokens.read(kid.token).header["kid"] == "../../../../../../dev/null"
    assert tokens.b64url_decode(sig) == hmac.new(b"", f"{head}.{body}".encode(), hashlib.sha256).digest()
    zero = forge.es256_zero_signature(token)
    assert tokens.read(zero[0].token).signature == bytes(64)
    assert zero[1].token.endswith(".MAYCAQACAQA")
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(jwt.InvalidSignatureError):  # a patched verifier refuses r = s = 0
        jwt.decode(zero[0].token, public, algorithms=["ES256"])


def test_tampered_payload_keeps_the_signature(rsa_key):
    token = tokens.read(_token(rsa_key))
    forged = forge.payload_tampered(token, identity_claim="email", other_identity="b@example.org")
    raised, swapped = (tokens.read(f.token) for f in forged)
    assert "ROLE_SUPER_ADMIN" in raised.payload["roles"] and raised.segments[2] == token.segments[2]
    assert swapped.payload["email"] == "b@example.org"
    stripped = forge.signature_stripped(token)
    assert stripped[0].token.endswith(".") and stripped[1].token != token.raw


def _directus_token() -> tokens.Jwt:
    """A real-shaped HS256 token of a Node.js headless CMS (Directus 10): a user without a role has role null."""
    now = int(time.time())
    payload = {"id": "5f0c8a4e-3f1b-4c55-9a51-6a7c2f0e9b11", "role": None, "app_access": False,
               "admin_access": False, "iat": now, "exp": now + 900, "iss": "directus"}
    return tokens.read(jwt.encode(payload, "cms-secret-of-32-bytes-or-more!!", algorithm="HS256"))


def test_a_null_role_claim_is_set_to_a_real_administrator_value():
    token = _directus_token()
    forged = forge.payload_tampered(token, identity_claim="id", other_identity=None)
    raised, swapped = (tokens.read(f.token) for f in forged)
    assert raised.payload["role"] == "admin" and raised.payload["admin_access"] is True
    assert raised.payload["app_access"] is False  # not an admin flag: left as it was
    assert "role" in forged[0].label and "admin_access" in forged[0].label
    assert swapped.payload["id"] != token.payload["id"]
    for variant in forged:  # the forgery is never the valid token, and keeps its header and signature
        assert variant.token != token.raw and not forge.same_token(variant.token, token.raw)
        assert variant.token.split(".")[0::2] == token.raw.split(".")[0::2]


@pytest.mark.parametrize(("claims", "expected"), [
    ({"roles": None}, {"roles": forge.ADMIN_ROLES}),
    ({"roles": []}, {"roles": forge.ADMIN_ROLES}),
    ({"scope": ""}, {"scope": "admin"}),
    ({"role": {"id": 3, "name": "Authenticated"}}, {"role": "admin"}),
    ({"sub": "1"}, {"roles": forge.ADMIN_ROLES, "is_admin": True}),  # no role-like claim: added
    ({"roles": forge.ADMIN_ROLES, "is_admin": True}, {"is_admin": True}),  # already an admin: still changed
])
def test_every_escalation_changes_the_payload(claims, expected):
    raised = forge.escalated_roles(claims)
    assert raised != claims and forge.changed_claims(claims, raised)
    for name, value in expected.items():
        assert raised[name] == value or (isinstance(value, list) and set(value) <= set(raised[name]))


def test_a_forgery_identical_to_the_valid_token_is_never_built():
    token = _directus_token()
    assert forge.same_token(token.raw, token.raw)
    assert all(not forge.same_token(f.token, token.raw)
               for f in forge.payload_tampered(token, identity_claim=None, other_identity=None))


def test_expired_forgery_is_signed_and_expired(rsa_key):
    token = tokens.read(_token(rsa_key))
    pem = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    expired = forge.expired_signed(token, key=pem, algorithm="RS256", lifetime=3600, leeway=30)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired.token, rsa_key.public_key(), algorithms=["RS256"], leeway=300)
    claims = jwt.decode(expired.token, rsa_key.public_key(), algorithms=["RS256"], options={"verify_exp": False})
    assert claims["exp"] - claims["iat"] == 3600 and claims["email"] == "a@example.org"
    assert tokens.algorithm_for_private_key(pem, "ES256", ["RS256"]) == "RS256"


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_weak_secret_list_finds_common_secrets():
    entries = common_secrets()
    assert 2000 < len(entries) < 10000, "a few thousand secrets"
    assert WORD_LIST.read_text().startswith("# Common JWT")
    assert all(not secret.startswith("# ") for secret, _ in entries)
    for secret in ("secret", "your-256-bit-secret", "shhhhh", ""):
        token = tokens.read(jwt.api_jws.encode(b'{"sub":"1"}', secret.encode() or b"x", algorithm="HS256")
                            if secret else forge.hmac_signed({"alg": "HS256", "typ": "JWT"}, {"sub": "1"}, b""))
        found = find_weak_secret(token)
        assert found is not None and found.secret == secret
        assert repr(secret) not in found.masked() or not secret  # shown masked, never whole
    strong = tokens.read(jwt.encode({"sub": "1"}, "k" * 40 + "unguessable-9f8e7d", algorithm="HS256"))
    assert find_weak_secret(strong) is None
