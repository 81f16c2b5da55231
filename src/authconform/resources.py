"""Where the shipped suites, schemas and profiles live.

In a checkout they sit at the repository's top level; in an installed copy the wheel carries
them under ``authconform/_data``. Everything that needs one of them asks here, so both layouts
work the same.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_root() -> Path:
    """The folder holding ``suites/``, ``schemas/`` and ``profiles/``."""
    installed = _PACKAGE / "_data"
    if (installed / "suites").is_dir():
        return installed
    return _PACKAGE.parent.parent


def suites_dir() -> Path:
    return data_root() / "suites"


def schemas_dir() -> Path:
    return data_root() / "schemas"


def profiles_dir() -> Path:
    return data_root() / "profiles"


def builtin_profile(name: str) -> Path | None:
    """The built-in profile called ``name`` (``pch-sig``), if there is one."""
    candidate = profiles_dir() / f"{name}.yaml"
    return candidate if candidate.is_file() else None


def resolve_file(reference: str, profile_dir: Path | None) -> Path | None:
    """Find a file a profile names (a schema, a key, a spec).

    Relative paths are tried next to the profile, beside its folder (so ``schemas/x.json`` works
    from ``profiles/``), in the working directory, then in the shipped data.
    """
    path = Path(reference).expanduser()
    if path.is_absolute():
        return path if path.is_file() else None
    bases = []
    if profile_dir is not None:
        bases += [profile_dir, profile_dir.parent]
    bases += [Path.cwd(), data_root()]
    for base in bases:
        candidate = base / path
        if candidate.is_file():
            return candidate
    return None
