"""The heavy libraries behind the OpenAPI checks: imported on first need only, and never rewritten by pytest.

schemathesis and hypothesis register pytest plugins (``pytest11`` entry points), so pytest marks every
module of their distributions for assertion rewriting: when OPENAPI-FUZZ first imports them inside a run,
pytest parses and recompiles some 360 modules, several seconds of the run at a fast server, for asserts
nobody reads. :func:`leave_unrewritten` takes them off that list at configure time; the suites' and the
harness's own modules keep their rewriting. A run whose profile has no ``openapi`` section, or whose
selection has no OPENAPI-* check, never loads them (``python -X importtime`` shows it).

When the run does need them, :func:`import_in_background` loads them on a thread while the first
checks run: about half a second of imports, paid while the harness waits for the target's answers
(a password hash, the network) instead of on the run's critical path.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

# Import names whose modules pytest need not rewrite (checked as "name" or "name.<sub>").
UNREWRITTEN = ("schemathesis", "hypothesis", "_hypothesis_pytestplugin", "_hypothesis_ftz_detector",
               "_hypothesis_globals")
# What import_in_background loads, in the order the checks need it: the document's validation runs
# before the fuzzer.
BACKGROUND_IMPORTS = ("openapi_spec_validator", "hypothesis", "schemathesis", "schemathesis.specs.openapi.schemas")


def leave_unrewritten(config: Any) -> None:
    """Drop the heavy libraries from pytest's assertion-rewrite list (private pytest API: skipped if absent)."""
    hook = getattr(config.pluginmanager, "rewrite_hook", None)
    marked = getattr(hook, "_must_rewrite", None)
    if not isinstance(marked, set):
        return
    kept = {name for name in marked
            if not any(name == lib or name.startswith(lib + ".") for lib in UNREWRITTEN)}
    if kept != marked:
        marked.intersection_update(kept)
        cache = getattr(hook, "_marked_for_rewrite_cache", None)
        if isinstance(cache, dict):
            cache.clear()


def import_in_background(then: Callable[[], None] | None = None) -> threading.Thread:
    """Import openapi-spec-validator, schemathesis and hypothesis on a daemon thread; the checks import them again.

    Python's import lock makes a check that imports one of them meanwhile wait for this thread's import
    to finish, never load it twice. Started after collection, when the main thread imports little.
    A failure here is left for the check's own import to report. ``then`` runs once they are loaded.
    """

    def load() -> None:
        try:
            for name in BACKGROUND_IMPORTS:
                importlib.import_module(name)
        except Exception:  # noqa: BLE001,S110 (the check's own import reports it)
            return
        if then is not None:
            then()

    thread = threading.Thread(target=load, name="authconform-openapi-import", daemon=True)
    thread.start()
    return thread
