"""Is the document a valid OpenAPI (or Swagger 2.0) document at all? openapi-spec-validator's answer.

Runs in the OpenAPI worker process (:mod:`.worker`), beside the fuzzer: the validator's import is
a tenth of a second the run's own process need not spend.
"""

from __future__ import annotations

from typing import Any


def warm_up() -> None:
    """Import the validator now, so the first :func:`problems` does not wait for it (the worker's start)."""
    import jsonschema_path  # noqa: F401
    import openapi_spec_validator.shortcuts  # noqa: F401


def problems(document: dict[str, Any], limit: int = 20) -> list[str]:
    """openapi-spec-validator's findings, each with where in the document it is (at most ``limit``).

    Raises ImportError when openapi-spec-validator is not installed.
    """
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import ValidatorDetectError

    try:
        cls = get_validator_cls(document)
    except ValidatorDetectError:
        return ["the document names no OpenAPI version: expected a top-level "
                "'openapi: 3.x.y' or 'swagger: \"2.0\"'"]
    found: list[str] = []
    for error in cls(SchemaPath.from_dict(document)).iter_errors():
        where = "/".join(str(p) for p in getattr(error, "absolute_path", ())) or "(top level)"
        message = str(getattr(error, "message", error)).splitlines()[0]
        found.append(f"at {where}: {message[:200]}")
        if len(found) >= limit:
            found.append("… (more not shown)")
            break
    return found
