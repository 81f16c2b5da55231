"""Switchable defects of the reference targets, and the checks each one must make fail.

Every check of the harness is proven by a defect: the clean target passes it, the target with
the defect switched on fails it. A defect is declared once, here, with the checks it breaks
per flavour; the flavour modules then test ``defect in active`` where the real system would
behave correctly. To add defects, write a module in this package that calls :func:`register`
and import it at the bottom of this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from authconform.targets.settings import FLAVOURS, check_flavour

_CHECK_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
_DEFECT_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Defect:
    """One way a target can be wrong: what it does, where it exists, which checks must catch it."""

    name: str
    flavours: frozenset[str]
    breaks: Mapping[str, frozenset[str]] = field(hash=False)
    description: str = ""


class UnknownDefect(ValueError):
    """A defect name that does not exist for the flavour asked for."""


DEFECTS: dict[str, Defect] = {}


def register(name: str, *, description: str, breaks: Mapping[str, Iterable[str]]) -> Defect:
    """Declare a defect; ``breaks`` maps each flavour that has it to the check IDs it fails."""
    if not _DEFECT_NAME.match(name):
        raise ValueError(f"defect name {name!r} must be lowercase words joined by '-'")
    if name in DEFECTS:
        raise ValueError(f"defect {name!r} is registered twice")
    if not breaks:
        raise ValueError(f"defect {name!r} exists on no flavour")
    frozen: dict[str, frozenset[str]] = {}
    for flavour, checks in breaks.items():
        check_flavour(flavour)
        ids = frozenset(checks)
        if not ids:
            raise ValueError(f"defect {name!r} breaks no check on {flavour}: no check would prove it")
        bad = sorted(i for i in ids if not _CHECK_ID.match(i))
        if bad:
            raise ValueError(f"defect {name!r}: not check IDs: {', '.join(bad)}")
        frozen[flavour] = ids
    defect = Defect(name, frozenset(frozen), MappingProxyType(frozen), " ".join(description.split()))
    DEFECTS[name] = defect
    return defect


def defects_for(flavour: str) -> list[Defect]:
    """The defects a flavour can be started with, sorted by name."""
    check_flavour(flavour)
    return sorted((d for d in DEFECTS.values() if flavour in d.flavours), key=lambda d: d.name)


LEXIK = ("chamilo", "pch-sig")  # the Symfony + Lexik flavours


def same(flavours: Iterable[str], *checks: str) -> dict[str, set[str]]:
    """``breaks`` for a defect that fails the same checks on each of ``flavours``."""
    return {flavour: set(checks) for flavour in flavours}


def plus(breaks: Mapping[str, set[str]], extra: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """``breaks`` with more checks on some flavours (what another suite also sees there)."""
    return {flavour: checks | set(extra.get(flavour, ())) for flavour, checks in breaks.items()}


class ActiveDefects:
    """The defects switched on for one target; ``defect in active`` is how server code asks."""

    def __init__(self, flavour: str, defects: Iterable[Defect] = ()):
        self.flavour = flavour
        self._on = frozenset(defects)

    def __contains__(self, defect: object) -> bool:
        if not isinstance(defect, Defect):
            raise TypeError(f"ask with a registered Defect, not {defect!r}")
        return defect in self._on

    def __iter__(self) -> Iterator[Defect]:
        return iter(sorted(self._on, key=lambda d: d.name))

    def __len__(self) -> int:
        return len(self._on)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self)

    def __repr__(self) -> str:
        return f"ActiveDefects({self.flavour!r}, {list(self.names)!r})"


def select(flavour: str, names: Iterable[str]) -> ActiveDefects:
    """Resolve defect names for ``flavour``; an unknown or foreign name raises :class:`UnknownDefect`."""
    check_flavour(flavour)
    if isinstance(names, str):
        names = [names]
    chosen: list[Defect] = []
    for name in names:
        defect = DEFECTS.get(name)
        if defect is None or flavour not in defect.flavours:
            valid = ", ".join(d.name for d in defects_for(flavour))
            where = "does not exist" if defect is None else f"does not apply to {flavour}"
            raise UnknownDefect(f"defect {name!r} {where}; valid defects for {flavour}: {valid}")
        chosen.append(defect)
    return ActiveDefects(flavour, chosen)


__all__ = [
    "DEFECTS",
    "FLAVOURS",
    "ActiveDefects",
    "Defect",
    "UnknownDefect",
    "defects_for",
    "register",
    "select",
]

# Each module below registers its defects when imported: add a module, then its name here.
from authconform.targets.defects import login, openapi, refresh, secret, security, token  # noqa: E402,F401,I001
from authconform.targets.defects import logout  # noqa: E402,F401,I001
