"""The fixed RS256 test key pairs the Lexik flavours sign with (see keys/README.txt).

Fixed keys, shipped as files, let a profile point ``token.verify.public_key`` and
``token.signing.private_key`` at a path and let a run be reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

KEYS_DIR = Path(__file__).resolve().parent / "keys"


@dataclass(frozen=True)
class KeyPair:
    """Paths of one flavour's PEM files and the loaded keys."""

    private_path: Path
    public_path: Path
    private_key: RSAPrivateKey
    public_key: RSAPublicKey


@cache
def key_pair(flavour: str) -> KeyPair:
    """Load ``keys/<flavour>-private.pem`` and ``keys/<flavour>-public.pem``."""
    private_path = KEYS_DIR / f"{flavour}-private.pem"
    public_path = KEYS_DIR / f"{flavour}-public.pem"
    private_key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    public_key = serialization.load_pem_public_key(public_path.read_bytes())
    if not isinstance(private_key, RSAPrivateKey) or not isinstance(public_key, RSAPublicKey):
        raise ValueError(f"{flavour}: the bundled test keys must be RSA")
    return KeyPair(private_path, public_path, private_key, public_key)
