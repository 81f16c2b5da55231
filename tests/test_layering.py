"""The library's layers, enforced: each folder imports only from the layers below it.

Parsed with ``ast`` (every import, function-local ones too), so a lazy import inside a function cannot
slip an upward dependency past the rule. README "Development" draws the same map in prose.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "authconform"
FOLDERS = ("http", "endpoints", "jwt", "openapi", "probes", "report", "targets")
ENTRY_POINTS = ("cli", "__main__", "plugin", "run", "verdict")  # the top: nothing below imports these
# What each folder must never import (folders, or top-level modules by name).
FORBIDDEN = {
    "http": {"endpoints", "jwt", "openapi", "probes", "report", "targets", "profile", "checks", "expect",
             *ENTRY_POINTS},
    "endpoints": {"jwt", "openapi", "probes", "report", "targets", "checks", "expect", *ENTRY_POINTS},
    "jwt": {"openapi", "probes", "report", "targets", "checks", "expect", *ENTRY_POINTS},
    "openapi": {"jwt", "probes", "report", "targets", "checks", "expect", *ENTRY_POINTS},
    "probes": {"endpoints", "jwt", "openapi", "report", "targets", "checks", "expect", *ENTRY_POINTS},
    "report": {"endpoints", "jwt", "openapi", "probes", "targets", "expect", "cli", "__main__", "plugin"},
    # the reference targets are the thing under test: they know nothing of the harness but its exceptions
    "targets": {"http", "endpoints", "jwt", "openapi", "probes", "report", "profile", "checks", "expect",
                "pointer", "resources", *ENTRY_POINTS},
}


def _imported(path: Path) -> set[str]:
    """The first part below ``authconform`` of every module ``path`` imports (``http``, ``profile``, ...)."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]  # ('authconform', 'http')
    return _imported_from(path.read_text(encoding="utf-8"), package)


def _imported_from(source: str, package: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
                # ``from .. import resources`` imports a module, ``from ..http import client`` a folder
                names = [module] if node.module else [f"{module}.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
        for name in names:
            parts = name.split(".")
            if parts[0] == "authconform" and len(parts) > 1:
                found.add(parts[1])
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def test_the_rule_sees_every_kind_of_import():
    """The parser is not blind: relative, absolute, bare-package and function-local imports all count."""
    source = """
from ..endpoints.login import Login
from .. import resources
from . import exchanges
import authconform.report.summary
def later():
    from authconform.jwt import tokens
"""
    assert _imported_from(source, ("authconform", "http")) == {"endpoints", "resources", "http", "report", "jwt"}
    assert _imported_from("from .run import Run", ("authconform",)) == {"run"}


@pytest.mark.parametrize("folder", FOLDERS)
def test_folder_imports_only_from_below(folder):
    wrong = []
    for path in _modules(folder):
        bad = _imported(path) & FORBIDDEN[folder]
        if bad:
            wrong.append(f"{path.relative_to(PACKAGE)} imports {', '.join(sorted(bad))}")
    assert not wrong, f"expected {folder}/ to import none of {sorted(FORBIDDEN[folder])} (README Development), got: " \
                      + "; ".join(wrong)


def test_exceptions_import_nothing_of_the_harness():
    """Every layer may import exceptions.py, so it must import no layer."""
    assert _imported(PACKAGE / "exceptions.py") == set()
