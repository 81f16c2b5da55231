"""The token defects of the Lexik flavours: how a broken issuer signs and a broken verifier checks.

:class:`lexik.JwtEncoder` is the faithful lcobucci/lexik encoder; it asks a :class:`TokenFaults`
at the few points where a real deployment goes wrong (its clock, its lifetime, its signing
algorithm and key, the way it decides that a signature is good). With no defect switched on every
answer here is the correct one, so the clean target behaves exactly as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import posixpath
import re
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import token as token_defects
from authconform.targets.keypairs import KeyPair

WEAK_SECRET = b"secret"
LONG_TTL = 30 * 24 * 3600
SKEWED_IAT_OFFSET = -600
CLOCK_BEHIND_OFFSET = -7200
NBF_DELAY = 120
NBF_CLOCK_SKEW = 300  # lexik's clock_skew setting that hides the future nbf from the server itself
KEY_FOLDER = "/var/www/config/jwt"  # where a Symfony app keeps its JWT keys; kid is joined to it
_ZERO_DER = bytes.fromhex("3006020100020100")
_KID_TABLE_SECRET = "a-long-random-hmac-secret-the-attacker-does-not-know"
_PIPED_SLEEP = re.compile(r"\|\s*sleep\s+(\d+)")


@cache
def ec_private_key() -> ec.EllipticCurvePrivateKey:
    """The P-256 key the psychic-signature target signs with (made once per process)."""
    return ec.generate_private_key(ec.SECP256R1())


class TokenFaults:
    """What the switched-on token defects change; every method is the identity without them."""

    def __init__(self, defects: ActiveDefects | None, keys: KeyPair):
        self._on = set(defects or ())
        self.keys = keys
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def has(self, defect: Any) -> bool:
        return defect in self._on

    # --- issuing ----------------------------------------------------------------------------

    def ttl(self, ttl: int | None) -> int | None:
        if self.has(token_defects.NO_EXP_CLAIM):
            return None
        if self.has(token_defects.LONG_LIFETIME) and ttl is not None:
            return LONG_TTL
        return ttl

    def clock_skew(self, clock_skew: int) -> int:
        return max(clock_skew, NBF_CLOCK_SKEW) if self.has(token_defects.NBF_IN_FUTURE) else clock_skew

    @property
    def issue_offset(self) -> float:
        if self.has(token_defects.CLOCK_BEHIND):
            return CLOCK_BEHIND_OFFSET
        return SKEWED_IAT_OFFSET if self.has(token_defects.SKEWED_IAT) else 0

    @property
    def verify_offset(self) -> float:
        return CLOCK_BEHIND_OFFSET if self.has(token_defects.CLOCK_BEHIND) else 0

    def nbf(self, iat: int) -> int | None:
        return iat + NBF_DELAY if self.has(token_defects.NBF_IN_FUTURE) else None

    def sign(self, payload: bytes | str, sign_rs256: Callable[[dict[str, Any]], str]) -> str:
        """The compact token for ``payload``: RS256 through ``sign_rs256`` unless a defect signs otherwise."""
        raw = payload.encode() if isinstance(payload, str) else payload
        headers: dict[str, Any] = {"typ": None} if self.has(token_defects.NO_TYP_HEADER) else {"typ": "JWT"}
        if self.has(token_defects.WEAK_HMAC_SECRET):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pyjwt warns about a 6-byte key: that is the defect
                return jwt.api_jws.encode(raw, WEAK_SECRET, algorithm="HS256", headers=headers, sort_headers=False)
        if self.has(token_defects.PSYCHIC_SIGNATURE):
            return jwt.api_jws.encode(raw, ec_private_key(), algorithm="ES256", headers=headers, sort_headers=False)
        if self.has(token_defects.PADDED_SEGMENTS):
            # a hand-rolled encoder: urlsafe_b64encode with its padding, signed as written
            header = {"typ": "JWT", "alg": "RS256"} if headers["typ"] else {"alg": "RS256"}
            head = _padded(json.dumps(header, separators=(",", ":")).encode())
            signing_input = f"{head}.{_padded(raw)}"
            signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), self.keys.private_key)
            return f"{signing_input}.{_padded(signature)}"
        return sign_rs256(headers)

    def segment(self, segment: str) -> str:
        """A segment as the server's own decoder reads it (padding stripped when it writes padding)."""
        return segment.rstrip("=") if self.has(token_defects.PADDED_SEGMENTS) else segment

    def login_token(self, identity: str, mint: Callable[[], str], now: float) -> str:
        """The token a login hands out: a new one, or (same-token-every-login) the cached one."""
        if not self.has(token_defects.SAME_TOKEN_EVERY_LOGIN):
            return mint()
        with self._lock:
            cached = self._cache.get(identity)
            if cached is not None and cached[1] > now:
                return cached[0]
            token = mint()
            self._cache[identity] = (token, now + 600)
            return token

    # --- verifying --------------------------------------------------------------------------

    @property
    def ignores_signature(self) -> bool:
        return self.has(token_defects.IGNORES_SIGNATURE)

    @property
    def accepts_expired(self) -> bool:
        return self.has(token_defects.ACCEPTS_EXPIRED)

    @property
    def ignores_audience(self) -> bool:
        return self.has(token_defects.AUDIENCE_NOT_CHECKED)

    @property
    def ignores_issuer(self) -> bool:
        return self.has(token_defects.ISSUER_NOT_CHECKED)

    @property
    def skips_aud_iss_claims(self) -> bool:
        return self.has(token_defects.NO_AUD_ISS_CLAIMS)

    def verdict(self, header: dict[str, Any], signed: bytes, signature: bytes) -> bool | None:
        """A defect's own decision on the signature, or None to let the correct check decide."""
        alg = header.get("alg")
        alg_text = alg if isinstance(alg, str) else ""
        if self.has(token_defects.ACCEPTS_ALG_NONE) and alg_text.lower() == "none":
            return True
        kid = header.get("kid")
        if self.has(token_defects.KID_INJECTION) and isinstance(kid, str):
            return self._kid_key_verifies(kid, alg_text, signed, signature)
        if self.has(token_defects.KID_SQL_INJECTION) and isinstance(kid, str):
            return alg_text == "HS256" and _kid_sql_key_verifies(kid, signed, signature)
        if self.has(token_defects.KID_COMMAND_INJECTION) and isinstance(kid, str):
            _shell_sleep(kid)
            return False
        jku, x5u = header.get("jku"), header.get("x5u")
        if self.has(token_defects.JKU_FETCHED) and isinstance(jku, str):
            _fetch_later(jku)
            return False
        if self.has(token_defects.JKU_FOLLOWED) and isinstance(jku, str):
            return alg_text == "RS256" and _jku_key_verifies(jku, kid, signed, signature)
        if self.has(token_defects.X5U_FOLLOWED) and isinstance(x5u, str):
            return alg_text == "RS256" and _x5u_key_verifies(x5u, signed, signature)
        if self.has(token_defects.EMBEDDED_JWK) and isinstance(header.get("jwk"), dict):
            return _embedded_jwk_verifies(header["jwk"], alg_text, signed, signature)
        if self.has(token_defects.KEY_CONFUSION) and alg_text == "HS256":
            return _hmac_ok(self.keys.public_path.read_bytes(), signed, signature)
        if self.has(token_defects.WEAK_HMAC_SECRET):
            return alg_text == "HS256" and _hmac_ok(WEAK_SECRET, signed, signature)
        if self.has(token_defects.PSYCHIC_SIGNATURE):
            return alg_text == "ES256" and _vulnerable_ecdsa(signed, signature)
        return None

    @staticmethod
    def _kid_key_verifies(kid: str, alg: str, signed: bytes, signature: bytes) -> bool:
        """The key file named by kid, joined to the key folder unchecked; only HMAC keys are read so.

        The folder does not exist here, so only a traversal out of it reads anything: /dev/null (the
        empty key) or another readable file (its first bytes are the key).
        """
        path = posixpath.normpath(posixpath.join(KEY_FOLDER, kid))
        if alg != "HS256" or path.startswith(KEY_FOLDER + "/"):
            return False
        try:
            with open(path, "rb") as handle:
                key = handle.read(4096)
        except OSError:
            return False
        return _hmac_ok(key, signed, signature)


def _kid_sql_key_verifies(kid: str, signed: bytes, signature: bytes) -> bool:
    """The key looked up with kid pasted into the SQL text, as a hand-written key store does."""
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE jwt_keys (kid TEXT, secret TEXT)")
        db.execute("INSERT INTO jwt_keys VALUES ('main', ?)", (_KID_TABLE_SECRET,))
        try:
            row = db.execute(f"SELECT secret FROM jwt_keys WHERE kid = '{kid}'").fetchone()  # noqa: S608 (the defect)
        except sqlite3.Error:
            return False
    return row is not None and _hmac_ok(str(row[0]).encode(), signed, signature)


def _shell_sleep(kid: str) -> None:
    """What ``cat config/jwt/<kid>`` through a shell does with a piped sleep: wait (at most 10 s)."""
    match = _PIPED_SLEEP.search(kid)
    if match:
        time.sleep(min(int(match.group(1)), 10))


def _fetch(url: str) -> bytes | None:
    """GET ``url`` as a trusting verifier would; the reference target reaches loopback hosts only."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    try:
        answer = httpx.get(url, timeout=3.0)
    except httpx.HTTPError:
        return None
    return answer.content if answer.status_code == 200 else None


def _fetch_later(url: str, delay: float = 0.3) -> None:
    """Fetch ``url`` in the background once the answer has gone out, as a key cache warmed after the fact."""
    timer = threading.Timer(delay, _fetch, args=(url,))
    timer.daemon = True
    timer.start()


def _jku_key_verifies(url: str, kid: Any, signed: bytes, signature: bytes) -> bool:
    """The signature checked with the key of ``kid`` (or the first one) in the JWKS at ``url``."""
    body = _fetch(url)
    try:
        keys = json.loads(body or b"null")["keys"]
        jwk = next((k for k in keys if k.get("kid") == kid), keys[0])
        key = RSAAlgorithm.from_jwk(json.dumps(jwk))
        return bool(RSAAlgorithm(RSAAlgorithm.SHA256).verify(signed, key, signature))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, jwt.InvalidKeyError):
        return False


def _x5u_key_verifies(url: str, signed: bytes, signature: bytes) -> bool:
    """The signature checked with the public key of the certificate at ``url`` (no chain, no trust anchor)."""
    body = _fetch(url)
    try:
        key = x509.load_pem_x509_certificate(body or b"").public_key()
        return bool(RSAAlgorithm(RSAAlgorithm.SHA256).verify(signed, key, signature))
    except (ValueError, TypeError):
        return False


def _embedded_jwk_verifies(jwk: dict[str, Any], alg: str, signed: bytes, signature: bytes) -> bool:
    """The signature checked with the key the token brings along (CVE-2018-0114)."""
    family = {"RS256": RSAAlgorithm(RSAAlgorithm.SHA256), "ES256": ECAlgorithm(ECAlgorithm.SHA256)}.get(alg)
    if family is None:
        return False
    try:
        key = family.from_jwk(json.dumps(jwk))
        return bool(family.verify(signed, key, signature))
    except (ValueError, TypeError, KeyError, jwt.InvalidKeyError):
        return False


def _padded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _hmac_ok(key: bytes, signed: bytes, signature: bytes) -> bool:
    return hmac.compare_digest(hmac.new(key, signed, hashlib.sha256).digest(), signature)


def _vulnerable_ecdsa(signed: bytes, signature: bytes) -> bool:
    """Java 15-18's ECDSA check before the April 2022 patch: r = 0 or s = 0 passed for any message."""
    if signature == _ZERO_DER or (signature and not any(signature)):
        return True
    if len(signature) == 64 and (not any(signature[:32]) or not any(signature[32:])):
        return True
    return ECAlgorithm(ECAlgorithm.SHA256).verify(signed, ec_private_key().public_key(), signature)
