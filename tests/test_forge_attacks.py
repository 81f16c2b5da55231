"""The new forgeries are what their labels say, and the callback listener records only this run's fetches.

A forged token proves something only if it is exactly the attack named: an embedded-JWK token must
verify with the key in its own header, a kid-SQL token with the key the injected UNION yields, a jku
token with the key in the JWKS the listener serves.
"""

from __future__ import annotations

import json

import httpx
import jwt as pyjwt
import pytest
from cryptography import x509
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from authconform.jwt import forge, tokens
from authconform.jwt.callback import CallbackListener


@pytest.fixture(scope="module")
def login_token() -> tokens.Jwt:
    raw = pyjwt.encode({"iat": 1, "exp": 9_999_999_999, "email": "a@b.c", "roles": ["ROLE_USER"]}, "s" * 32,
                       algorithm="HS256")
    return tokens.read(raw)


def test_embedded_jwk_tokens_verify_with_their_own_header_key(login_token):
    forged = forge.embedded_jwk(login_token)
    assert [tokens.read(f.token).alg for f in forged] == ["RS256", "ES256"]
    for token in forged:
        jwt = tokens.read(token.token)
        family = RSAAlgorithm(RSAAlgorithm.SHA256) if jwt.alg == "RS256" else ECAlgorithm(ECAlgorithm.SHA256)
        key = family.from_jwk(json.dumps(jwt.header["jwk"]))
        assert family.verify(jwt.signing_input, key, jwt.signature)
        assert jwt.payload == login_token.payload


def test_kid_variants_are_signed_with_the_key_their_lookup_yields(login_token):
    forged = {tokens.read(f.token).header["kid"]: tokens.read(f.token) for f in forge.kid_injection(login_token)}
    assert set(forged) == {forge.KID_TRAVERSAL, "/dev/null", forge.KID_KNOWN_FILE, forge.KID_SQL_SINGLE,
                           forge.KID_SQL_DOUBLE}
    keys = {forge.KID_TRAVERSAL: b"", "/dev/null": b"", forge.KID_KNOWN_FILE: b"2\n",
            forge.KID_SQL_SINGLE: b"k", forge.KID_SQL_DOUBLE: b"k"}
    for kid, jwt in forged.items():
        assert forge.hmac_signature("HS256", keys[kid], jwt.signing_input) == jwt.signature, kid
    assert "|sleep 5" in tokens.read(forge.kid_command(login_token, sleep=5).token).header["kid"]
    assert "|" not in tokens.read(forge.kid_command(login_token, sleep=None).token).header["kid"]


def test_listener_serves_and_records_only_this_runs_paths(login_token):
    listener = CallbackListener()
    try:
        key = forge.fresh_rsa_key()
        url = listener.publish("jwks.json", "application/json", forge.jwks_document(key, "k1"))
        assert listener.loopback_only and url.startswith("http://127.0.0.1:")
        assert listener.fetches_of(url) == []
        stray = httpx.get(listener.base + "/not-this-run/jwks.json", timeout=5)
        assert stray.status_code == 404
        served = httpx.get(url, timeout=5)
        assert served.status_code == 200
        fetches = listener.fetches_of(url, wait=1)
        assert len(fetches) == 1 and fetches[0].client == "127.0.0.1"
        forged = tokens.read(forge.key_by_url(login_token, parameter="jku", url=url, key=key, kid="k1").token)
        assert forged.header["jku"] == url and forged.header["kid"] == "k1"
        jwk = served.json()["keys"][0]
        assert RSAAlgorithm(RSAAlgorithm.SHA256).verify(forged.signing_input, RSAAlgorithm.from_jwk(json.dumps(jwk)),
                                                        forged.signature)
    finally:
        listener.close()


def test_x5u_certificate_holds_the_signing_key(login_token):
    key = forge.fresh_rsa_key()
    certificate = x509.load_pem_x509_certificate(forge.certificate_pem(key))
    forged = tokens.read(forge.key_by_url(login_token, parameter="x5u", url="http://127.0.0.1:1/c.pem", key=key,
                                          kid="k").token)
    assert RSAAlgorithm(RSAAlgorithm.SHA256).verify(forged.signing_input, certificate.public_key(), forged.signature)


def test_callback_url_must_name_host_and_port():
    with pytest.raises(ValueError, match="expected http://<host>:<port>"):
        CallbackListener("https://example.test")
