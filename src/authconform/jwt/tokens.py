"""Reading a JWT the way a careful verifier does: segments, header, payload, dates, signature.

The token checks look at the token a login returned. Two readers exist on purpose:
:func:`structure_problems` is strict (RFC 7515 §2 and §7.1: three segments of base64url without
padding, JSON objects in the first two) and is what TOKEN-STRUCTURE enforces; :func:`read` is
lenient about padding so that the other checks still look at the claims of a token whose only
fault is its encoding. Verification goes through pyjwt with the key the profile gives: a PEM
public key, a JWKS URL (fetched through the run's client, so it is recorded, paced and cannot hang;
the key is chosen by the token's ``kid``) or an HMAC secret.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from ..exceptions import KeyUnusable as KeyUnusable  # re-exported: defined in exceptions.py
from ..exceptions import NoKey as NoKey
from ..exceptions import TokenProblem as TokenProblem
from ..http.client import TargetClient
from ..profile import Profile

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")
NUMERIC_DATES = ("iat", "exp", "nbf")
# A NumericDate counts seconds (RFC 7519 §2). 10^11 seconds is the year 5138; a value above it is
# a date written in milliseconds (1.7e12 today), the mistake the OpenID conformance suite flags too.
MILLISECONDS_FROM = 10**11
STRING_CLAIMS = ("iss", "sub", "jti")
HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")


@dataclass(frozen=True)
class Jwt:
    """A JWT in compact form, decoded but not trusted."""

    raw: str
    segments: tuple[str, str, str]
    header: dict[str, Any]
    payload: dict[str, Any]
    signature: bytes

    @property
    def signing_input(self) -> bytes:
        return f"{self.segments[0]}.{self.segments[1]}".encode("ascii")

    @property
    def alg(self) -> str | None:
        value = self.header.get("alg")
        return value if isinstance(value, str) else None

    @property
    def is_hmac(self) -> bool:
        return (self.alg or "").upper().startswith("HS")

    @property
    def is_asymmetric(self) -> bool:
        return (self.alg or "")[:2].upper() in ("RS", "PS", "ES", "ED")


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str, *, strict: bool = True) -> bytes:
    """Decode one segment; ``strict`` refuses padding and non-canonical encodings."""
    text = segment if strict else segment.rstrip("=")
    if not _BASE64URL.match(text) or len(text) % 4 == 1:
        raise TokenProblem("not base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenProblem("not base64url") from None
    if strict and b64url_encode(raw) != text:
        raise TokenProblem("non-canonical base64url (stray bits in the last character)")
    return raw


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated parts whose first decodes to a JSON object: enough to treat it as a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        return isinstance(json.loads(b64url_decode(parts[0], strict=False)), dict)
    except (TokenProblem, ValueError):
        return False


def _json_object(segment: str, name: str, *, strict: bool) -> dict[str, Any]:
    try:
        raw = b64url_decode(segment, strict=strict)
    except TokenProblem as exc:
        raise TokenProblem(f"the {name} segment is {exc}") from None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise TokenProblem(f"the {name} segment is not JSON") from None
    if not isinstance(value, dict):
        raise TokenProblem(f"the {name} is JSON but not an object ({type(value).__name__})")
    return value


def read(token: str) -> Jwt:
    """Decode a compact JWT, tolerating '=' padding; raises :class:`TokenProblem` otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenProblem(f"a JWT has 3 dot-separated segments, this token has {len(parts)}")
    header = _json_object(parts[0], "header", strict=False)
    payload = _json_object(parts[1], "payload", strict=False)
    try:
        signature = b64url_decode(parts[2], strict=False)
    except TokenProblem as exc:
        raise TokenProblem(f"the signature segment is {exc}") from None
    return Jwt(token, (parts[0], parts[1], parts[2]), header, payload, signature)


def structure_problems(token: str) -> list[str]:
    """Everything that keeps ``token`` from being a well-formed JWS compact serialization."""
    parts = token.split(".")
    if len(parts) != 3:
        return [f"expected 3 dot-separated segments (RFC 7515 §7.1), found {len(parts)}"]
    problems = []
    for index, (segment, name) in enumerate(zip(parts, ("header", "payload", "signature"), strict=True), 1):
        if not segment:
            problems.append(f"segment {index} ({name}) is empty")
            continue
        if "=" in segment:
            problems.append(f"segment {index} ({name}) carries '=' padding, which base64url in a JWT leaves out "
                            f"(RFC 7515 §2)")
        try:
            b64url_decode(segment.rstrip("="), strict=True)
        except TokenProblem as exc:
            problems.append(f"segment {index} ({name}) is {exc}")
    for segment, name in ((parts[0], "header"), (parts[1], "payload")):
        try:
            _json_object(segment, name, strict=False)
        except TokenProblem as exc:
            problems.append(str(exc))
    if not problems:
        header = _json_object(parts[0], "header", strict=False)
        if not isinstance(header.get("alg"), str):
            problems.append("the header has no 'alg' string (RFC 7515 §4.1.1)")
    return problems


# --- claims ---------------------------------------------------------------------------------


def numeric_date_problem(name: str, value: Any) -> str | None:
    """Why ``value`` is not a NumericDate in seconds (RFC 7519 §2), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{name} is {type(value).__name__} {value!r}, not a NumericDate (a JSON number of seconds)"[:200]
    if value != value or value in (float("inf"), float("-inf")):  # NaN cannot come from JSON, inf can
        return f"{name} is {value!r}, not a finite number"
    if value < 0:
        return f"{name} is negative ({value})"
    if value >= MILLISECONDS_FROM:
        return f"{name} is {value}: milliseconds, not seconds since the epoch (RFC 7519 §2 NumericDate)"
    return None


def claim_type_problem(name: str, value: Any) -> str | None:
    """Why a registered claim has the wrong type (RFC 7519 §4.1), or None (unregistered: any type)."""
    if name in NUMERIC_DATES:
        return numeric_date_problem(name, value)
    if name in STRING_CLAIMS and not isinstance(value, str):
        return f"{name} is {type(value).__name__}, not a string (RFC 7519 §4.1)"
    if name == "aud" and not (isinstance(value, str) or
                              (isinstance(value, list) and all(isinstance(v, str) for v in value))):
        return "aud is neither a string nor an array of strings (RFC 7519 §4.1.3)"
    return None


def seconds(value: Any) -> float | None:
    """A claim as seconds, or None when it is not a usable NumericDate."""
    return None if numeric_date_problem("claim", value) else float(value)


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationKey:
    """One key to try: what pyjwt takes, the algorithms it may verify, and where it came from."""

    key: Any
    algorithms: tuple[str, ...]
    source: str


# The JWS signing algorithms registered by RFC 7518 §3.1 (less none) and RFC 8037 (EdDSA).
REGISTERED_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
                         "PS256", "PS384", "PS512", "EdDSA")


def _algorithms(profile: Profile) -> tuple[str, ...]:
    """The profile's allow-list; unstated, every registered signing algorithm (pyjwt still refuses a key
    of the wrong type for an algorithm, so an HMAC check with a public key cannot happen)."""
    if profile.token.algorithms is None:
        return REGISTERED_ALGORITHMS
    return tuple(a for a in profile.token.algorithms if a.lower() != "none")


def verification_keys(profile: Profile, client: TargetClient, token: Jwt) -> list[VerificationKey]:
    """The keys the profile gives for ``token``, chosen by ``kid`` from a JWKS.

    Raises :class:`NoKey` when the profile has none, :class:`KeyUnusable` when it has one that
    cannot be used.
    """
    verify = profile.token.verify
    allowed = _algorithms(profile)
    if verify is not None and verify.public_key:
        pem = profile.key_material(verify.public_key)
        if pem is None:
            raise KeyUnusable(f"token.verify.public_key names {verify.public_key!r}, which cannot be read")
        try:
            key = serialization.load_pem_public_key(pem.encode())
        except ValueError as exc:
            raise KeyUnusable(f"token.verify.public_key is not a PEM public key: {exc}") from None
        return [VerificationKey(key, allowed, "token.verify.public_key")]
    if verify is not None and verify.jwks_url:
        return _jwks_keys(fetch_jwks(client, verify.jwks_url), token, allowed, verify.jwks_url)
    if verify is not None and verify.secret:
        return [VerificationKey(verify.secret.encode(), allowed, "token.verify.secret")]
    raise NoKey("the profile gives no key to verify with (token.verify.public_key, jwks_url or secret)")


def fetch_jwks(client: TargetClient, url: str) -> jwt.PyJWKSet:
    """The JWK Set at ``url``, fetched through the run's client (recorded, paced, bounded in time)."""
    answer = client.request("GET", url, headers={"Accept": "application/json"},
                            purpose="JWKS (profile token.verify.jwks_url)")
    if not answer.ok:
        raise KeyUnusable(f"the JWKS at {url} could not be fetched: {answer.error}")
    if answer.status != 200:
        raise KeyUnusable(f"the JWKS at {url} answered {answer.describe(120)}")
    body = answer.json()
    if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        raise KeyUnusable(f"the JWKS at {url} is not a JSON object with a 'keys' array")
    try:
        return jwt.PyJWKSet.from_dict(body)
    except jwt.PyJWTError as exc:
        raise KeyUnusable(f"the JWKS at {url} has no usable key: {exc}") from None


def _jwks_keys(keys: jwt.PyJWKSet, token: Jwt, allowed: tuple[str, ...], url: str) -> list[VerificationKey]:
    kid = token.header.get("kid")
    if kid is not None:
        chosen = [k for k in keys.keys if k.key_id == kid]
        if not chosen:
            raise KeyUnusable(f"the token's kid {kid!r} names no key of the JWKS at {url}")
    else:
        chosen = list(keys.keys)
    found = []
    for key in chosen:
        algorithms = tuple(a for a in allowed if not key.algorithm_name or key.algorithm_name == a) or allowed
        found.append(VerificationKey(key.key, algorithms, f"JWKS key {key.key_id or '(no kid)'}"))
    return found


def signature_problem(token: Jwt, keys: list[VerificationKey]) -> str | None:
    """None when one of ``keys`` verifies the signature with an allowed algorithm; else why not.

    Only the signature is judged here: dates and audience have checks of their own.
    """
    if not token.alg or token.alg.lower() == "none":
        return f"the header's alg is {token.alg!r}: an unsigned token cannot be verified"
    reasons = []
    for candidate in keys:
        if token.alg not in candidate.algorithms:
            reasons.append(f"alg {token.alg} is not among the algorithms allowed for {candidate.source} "
                           f"({', '.join(candidate.algorithms) or 'none'})")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                jwt.api_jws.decode_complete(token.raw, candidate.key, algorithms=list(candidate.algorithms))
            return None
        except jwt.InvalidSignatureError:
            reasons.append(f"the signature does not verify with {candidate.source}")
        except jwt.PyJWTError as exc:
            reasons.append(f"{candidate.source}: {exc}")
    return "; ".join(reasons) or "no key to try"


def public_key_pem(profile: Profile, client: TargetClient, token: Jwt) -> bytes | None:
    """The target's public key as PEM bytes (for key-confusion forging), or None when unknown."""
    verify = profile.token.verify
    if verify is not None and verify.public_key:
        pem = profile.key_material(verify.public_key)
        return pem.encode() if pem else None
    if verify is not None and verify.jwks_url:
        try:
            keys = _jwks_keys(fetch_jwks(client, verify.jwks_url), token, _algorithms(profile), verify.jwks_url)
        except KeyUnusable:
            return None
        for candidate in keys:
            public = getattr(candidate.key, "public_bytes", None)
            if public is not None:
                return public(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return None


@functools.lru_cache(maxsize=8)
def private_key(pem: str) -> Any:
    """The key object of a PEM private key, loaded once per process.

    Loading checks an RSA key's consistency (about 40 ms); the forgeries that sign with the
    profile's key would pay that on every signature if pyjwt were handed the PEM text.
    """
    return serialization.load_pem_private_key(pem.encode(), password=None)


def algorithm_for_private_key(pem: str | None, preferred: str | None, allowed: list[str]) -> str:
    """The JWS algorithm a PEM private key signs with: the token's own when the key fits it, else the
    profile's first fitting one, else the family's default. Raises ValueError for an unusable key."""
    if not pem:
        raise ValueError("no PEM text")
    key = private_key(pem)
    if isinstance(key, rsa.RSAPrivateKey):
        family, default = ("RS", "PS"), "RS256"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        family, default = ("ES",), {256: "ES256", 384: "ES384", 521: "ES512"}.get(key.curve.key_size, "ES256")
    elif isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        family, default = ("Ed",), "EdDSA"
    else:
        raise ValueError(f"unsupported key type {type(key).__name__}")
    for candidate in (preferred, *allowed):
        if candidate and candidate.startswith(family):
            return candidate
    return default


def header_summary(header: Mapping[str, Any]) -> str:
    """The header as compact JSON, for a finding or an exchange's purpose (headers hold no secrets)."""
    return json.dumps(dict(header), separators=(",", ":"), ensure_ascii=False)[:160]
