"""Waivers: a known failure accepted for a while, shown as *waived*, never hidden and never passed.

A CI gate stays switched on when a team can accept a finding until a fix ships. A waivers file
lists those findings by check ID (or glob) and, optionally, profile glob, each with a reason and an
expiry date. The rules follow the OpenID conformance suite's expected-failures file:

- a failed check that a live waiver matches is reported as ``waived`` and does not fail the gate;
- an expired waiver fails the run, naming the entry (it no longer waives anything);
- a waiver whose checks now pass is *stale* and fails the run ("remove this waiver"), unless the
  run allows stale waivers: a waiver that outlives its finding would hide the next regression;
- a waiver matching no check of the catalogue, or a malformed file, is a usage error (exit 2) with
  ``file:line: field: message``, like a bad profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from ..profile import ProfileError, _line_of, yaml_syntax_error
from ..report.results import WAIVED  # the outcome a waived failure gets in summary.json, junit.xml and the report

FIELDS = ("check", "profile", "reason", "expires", "ticket")


class WaiverError(ProfileError):
    """A waivers file that cannot be used: ``file:line: field: message``; exit 2."""


@dataclass(frozen=True)
class Waiver:
    check: str
    reason: str
    expires: dt.date
    profile: str | None = None
    ticket: str | None = None
    source: str = ""
    line: int | None = None

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def label(self) -> str:
        """The entry as a reviewer finds it in the file: ``waivers.yaml:3 (ACCESS-ALG-NONE, profile pch-sig)``."""
        scope = f", profile {self.profile}" if self.profile else ""
        return f"{self.where} ({self.check}{scope})"

    def matches_check(self, check_id: str) -> bool:
        return fnmatchcase(check_id.upper(), self.check.upper())

    def applies_to(self, profile_name: str) -> bool:
        return self.profile is None or fnmatchcase(profile_name, self.profile)

    def expired(self, today: dt.date) -> bool:
        """A waiver is good through its expiry date and expired the day after."""
        return today > self.expires

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "profile": self.profile, "reason": self.reason,
                "expires": self.expires.isoformat(), "ticket": self.ticket, "entry": self.where}


def load(path: str | Path) -> list[Waiver]:
    """Read and validate a waivers file; raises :class:`WaiverError` with the file and line."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise WaiverError(source, "", f"cannot read the waivers file: {exc.strerror or exc}") from None
    try:
        document = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        message, line = yaml_syntax_error(exc)
        raise WaiverError(source, "", message, line=line) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("waivers"), list):
        raise WaiverError(source, "waivers", "a waivers file is a mapping with a list under 'waivers'", line=1,
                          hint="waivers:\\n  - {check: ID, reason: why, expires: 2027-03-31}")
    unknown = sorted(set(raw) - {"waivers"})
    if unknown:
        raise WaiverError(source, unknown[0], "unknown field", line=_line_of(document, [unknown[0]]),
                          hint="the file holds one field, waivers")
    return [_entry(item, index, source, document) for index, item in enumerate(raw["waivers"])]


def _entry(item: Any, index: int, source: str, document: yaml.Node | None) -> Waiver:
    path: list[Any] = ["waivers", index]

    def fail(name: str, message: str, hint: str = "") -> WaiverError:
        field = f"waivers[{index}]" + (f".{name}" if name else "")
        line = _line_of(document, [*path, name] if name else path)
        return WaiverError(source, field, message, line=line, hint=hint)

    if not isinstance(item, dict):
        raise fail("", "each waiver is a mapping: check, reason, expires (and optional profile, ticket)")
    for name in item:
        if name not in FIELDS:
            raise fail(str(name), "unknown field", hint=f"a waiver's fields: {', '.join(FIELDS)}")
    for name in ("check", "reason", "expires"):
        if item.get(name) in (None, ""):
            raise fail(name if name in item else "", f"{name} is required")
    for name in ("check", "reason", "profile", "ticket"):
        if name in item and not isinstance(item[name], str | int):
            raise fail(name, "must be a text")
    expires = item["expires"]
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise fail("expires", f"{expires!r} is not a date", hint="write it as YYYY-MM-DD") from None
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if not isinstance(expires, dt.date):
        raise fail("expires", f"{expires!r} is not a date", hint="write it as YYYY-MM-DD")
    return Waiver(check=str(item["check"]).strip(), reason=str(item["reason"]).strip(), expires=expires,
                  profile=str(item["profile"]) if item.get("profile") not in (None, "") else None,
                  ticket=str(item["ticket"]) if item.get("ticket") not in (None, "") else None,
                  source=source, line=_line_of(document, path))


def day_of(started: float) -> dt.date:
    """The UTC day a run started (a POSIX time): waivers expire by it, whenever the run ends."""
    return dt.datetime.fromtimestamp(started, dt.UTC).date()


def unmatched(waivers: Sequence[Waiver], check_ids: Iterable[str]) -> list[Waiver]:
    """The waivers whose check pattern names no check of the catalogue (a typo waives nothing: exit 2)."""
    ids = list(check_ids)
    return [w for w in waivers if not any(w.matches_check(i) for i in ids)]


def waiver_for(waivers: Sequence[Waiver], check_id: str, profile_name: str, today: dt.date) -> Waiver | None:
    """The first live (unexpired) waiver of this profile for this check, or None."""
    return next((w for w in waivers if w.applies_to(profile_name) and w.matches_check(check_id)
                 and not w.expired(today)), None)


@dataclass(frozen=True)
class Problem:
    """A waiver that fails the run: expired, or stale (its checks pass now)."""

    kind: str  # expired | stale
    waiver: Waiver

    def text(self) -> str:
        w = self.waiver
        if self.kind == "expired":
            return f"waiver {w.label()} expired on {w.expires.isoformat()}: fix the check or renew the waiver"
        return f"waiver {w.label()} is stale: its checks pass now; remove this waiver"


def problems(waivers: Sequence[Waiver], profile_name: str, outcomes: Sequence[tuple[str, str]], today: dt.date,
             *, allow_stale: bool = False) -> list[Problem]:
    """The waivers of this profile that fail the run, given each reported check's ``(id, outcome)``.

    Stale means: at least one matching check passed and none failed or was waived. A matching check
    that was skipped or not selected says nothing, so a waiver whose checks did not run is not stale.
    """
    found: list[Problem] = []
    for waiver in waivers:
        if not waiver.applies_to(profile_name):
            continue
        if waiver.expired(today):
            found.append(Problem("expired", waiver))
            continue
        seen = {outcome for check_id, outcome in outcomes if waiver.matches_check(check_id)}
        if not allow_stale and "passed" in seen and not seen & {"failed", "error", WAIVED}:
            found.append(Problem("stale", waiver))
    return found
