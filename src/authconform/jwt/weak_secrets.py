"""Is an HS* token signed with a secret anyone can guess? The bundled word list and the search.

RFC 8725 §3.5: human-memorable passwords must not be used as HMAC keys, because anyone holding
one token can test guesses offline, at millions a second, without the server noticing. The check
does what an attacker does first: it tries a few thousand secrets that appear in documentation,
tutorials and public code (``data/jwt-secrets.txt``, whose header says where they come from)
against the signature of the token the login returned. No request is sent.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .forge import hmac_signature
from .tokens import HMAC_ALGORITHMS, Jwt

WORD_LIST = Path(__file__).resolve().parent / "data" / "jwt-secrets.txt"


@dataclass(frozen=True)
class WeakSecret:
    """A secret from the list that verifies the token, and where it sits in the list."""

    secret: str
    line: int

    def masked(self) -> str:
        """Enough for a reviewer to find it in the list, not enough to paste into a forged token."""
        if not self.secret:
            return "the empty secret"
        shown = self.secret[:2] if len(self.secret) > 4 else self.secret[:1]
        return f"{shown!r}… ({len(self.secret)} characters, line {self.line} of {WORD_LIST.name})"


@cache
def common_secrets() -> tuple[tuple[str, int], ...]:
    """The word list as (secret, line number) pairs, the header left out, the empty secret first."""
    found: list[tuple[str, int]] = [("", 0)]
    in_header = True
    for number, line in enumerate(WORD_LIST.read_text(encoding="utf-8").split("\n"), 1):
        if in_header and line.startswith("# "):
            continue
        in_header = False
        if line:
            found.append((line, number))
    return tuple(found)


def find_weak_secret(token: Jwt) -> WeakSecret | None:
    """The first common secret whose HMAC matches the token's signature, or None."""
    alg = (token.alg or "").upper()
    if alg not in HMAC_ALGORITHMS:
        return None
    signing_input, signature = token.signing_input, token.signature
    for secret, line in common_secrets():
        if hmac.compare_digest(hmac_signature(alg, secret.encode("utf-8"), signing_input), signature):
            return WeakSecret(secret, line)
    return None
