"""The flavours a reference target can take and the knobs a test run may turn on them.

Kept apart from the flavour modules so that the defect registry can validate flavour names
without importing any server code.
"""

from __future__ import annotations

from dataclasses import dataclass

FLAVOURS: tuple[str, ...] = ("chamilo", "invoiceninja", "pch-sig")

# Lexik's token_ttl default (Chamilo's config and PCH-SIG's seed both say 3600 s).
LEXIK_ACCESS_TTL = 3600

DEFAULT_API_SECRET = "authconform-reference-secret"


@dataclass(frozen=True)
class TargetSettings:
    """What a run may change on a reference target; the defaults are the real systems' values.

    ``hash_iterations`` is the PBKDF2-SHA256 cost: real hashing keeps timing realistic, a low
    value keeps the harness's own tests fast. ``access_ttl`` of ``None`` means the flavour's
    default (3600 s for the Lexik flavours; Invoice Ninja tokens never expire, so it ignores it).
    ``api_secret`` of ``None`` is Invoice Ninja with an empty ``API_SECRET``: no header enforced.
    ``refresh_*`` are PCH-SIG's gesdinet options: ``single_use`` rotation, the opt-in
    ``reuse_detection`` of gesdinet 2.x/3.0 (a replayed spent token revokes its family) and
    ``return_expiration`` (answers state ``refresh_token_expiration``); all on by default.
    ``hardened`` adds what a security-minded operator configures on top of the stock framework
    (``Cache-Control: no-store`` and ``Pragma: no-cache`` on token answers, ``nosniff`` on JSON,
    HSTS over https, and on the Lexik flavours an on_jwt_expired listener that answers an expired token
    like an invalid one); off by default, because the real systems do not do so.
    """

    hash_iterations: int = 20_000
    access_ttl: int | None = None
    refresh_ttl: int = 604_800
    refresh_single_use: bool = True
    refresh_reuse_detection: bool = True
    refresh_return_expiration: bool = True
    api_secret: str | None = DEFAULT_API_SECRET
    tls: bool = False  # serve https with a fresh self-signed certificate the run's client trusts
    hardened: bool = False  # no-store + Pragma on token answers, nosniff, HSTS over https (stock: none of them)
    # pch-sig: the logout also puts the access token it was sent into a deny-list (an app's own addition;
    # real gesdinet only deletes the refresh token, so the built-in profile says revokes_access: false)
    logout_revokes_access: bool = False
    token_audience: str | None = None  # pch-sig: aud added and checked by Lexik event listeners (stock: none)
    token_issuer: str | None = None  # pch-sig: iss added and checked likewise (stock: none)

    def access_ttl_for(self, flavour: str) -> int | None:
        """Seconds between ``iat`` and ``exp`` of an access token, or ``None`` for no expiry."""
        if flavour == "invoiceninja":
            return None
        return LEXIK_ACCESS_TTL if self.access_ttl is None else self.access_ttl


def check_flavour(flavour: str) -> str:
    """Return ``flavour`` if it is known, else raise a ValueError that lists the known ones."""
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown flavour {flavour!r}: choose one of {', '.join(FLAVOURS)}")
    return flavour
