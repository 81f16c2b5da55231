"""The heavy libraries behind the OpenAPI checks: imported on first need only, and never rewritten by pytest.

schemathesis and hypothesis register pytest plugins (``pytest11`` entry points), so pytest marks every
module of their distributions for assertion rewriting: when OPENAPI-FUZZ first imports them inside a run,
pytest parses and recompiles some 360 modules, several seconds of the run at a fast server, for asserts
nobody reads. :func:`leave_unrewritten` takes them off that list at configure time; the suites' and the
harness's own modules keep their rewriting. Nothing is imported here: a run whose profile has no
``openapi`` section never loads them (``python -X importtime`` shows it).
"""

from __future__ import annotations

from typing import Any

# Import names whose modules pytest need not rewrite (checked as "name" or "name.<sub>").
UNREWRITTEN = ("schemathesis", "hypothesis", "_hypothesis_pytestplugin", "_hypothesis_ftz_detector",
               "_hypothesis_globals")


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
