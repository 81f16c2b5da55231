"""Expectations that fail with the finding a reviewer reads.

Each helper raises :class:`Finding` with what was expected, where the expectation comes from, and
what came back, e.g. ``expected 401 (profile login.errors.bad_credentials), got 200 (application/json)
{"token":…}``. Bodies are shown redacted. Suites use these instead of bare ``assert`` so pytest's
assertion rewriting never prints a raw token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from .client import Answer
from .pointer import MISSING, resolve
from .redaction import JWT

_SCHEMA_CACHE: dict[str, dict[str, Any]] = {}


class Finding(AssertionError):
    """A check's failure: the message is the finding, already redacted."""


def fail(message: str) -> None:
    __tracebackhide__ = True
    raise Finding(message)


def answered(answer: Answer) -> None:
    """The server answered at all (no timeout, refused connection, oversized body)."""
    __tracebackhide__ = True
    if not answer.ok:
        fail(f"no usable answer to {answer.exchange.method} {answer.exchange.url}: {answer.error}")


def status(answer: Answer, expected: int | set[int], source: str) -> None:
    __tracebackhide__ = True
    answered(answer)
    wanted = {expected} if isinstance(expected, int) else expected
    if answer.status not in wanted:
        shown = " or ".join(str(s) for s in sorted(wanted))
        fail(f"expected {shown} ({source}), got {answer.describe()}")


def json_content_type(answer: Answer, source: str) -> None:
    __tracebackhide__ = True
    answered(answer)
    if not answer.is_json_type:
        fail(f"expected a JSON content type ({source}), got {answer.header('content-type') or 'none'}: "
             f"{answer.describe()}")


def json_body(answer: Answer, source: str) -> Any:
    __tracebackhide__ = True
    answered(answer)
    body = answer.json()
    if body is None and answer.body.strip() != b"null":
        fail(f"expected a JSON body ({source}), got {answer.describe()}")
    return body


def load_schema(path: str) -> dict[str, Any]:
    if path not in _SCHEMA_CACHE:
        with open(path, encoding="utf-8") as handle:
            _SCHEMA_CACHE[path] = json.load(handle)
    return _SCHEMA_CACHE[path]


def schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Readable schema violations, each with the JSON path where it happened."""
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        message = error.message if len(error.message) < 160 else error.message[:160] + "…"
        if error.validator in ("type", "const", "enum") and JWT.search(message):
            message = f"value does not match: {error.validator} {error.validator_value!r}"
        problems.append(f"at {where}: {message}")
    return problems


def matches_schema(answer: Answer, schema_path: str, source: str) -> None:
    __tracebackhide__ = True
    body = json_body(answer, source)
    problems = schema_errors(body, load_schema(schema_path))
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        fail(f"body does not match {Path(schema_path).name} ({source}): {shown}; "
             f"got {answer.describe()}")


def message(answer: Answer, expected: str, pointer: str, source: str) -> None:
    __tracebackhide__ = True
    body = json_body(answer, source)
    found = resolve(body, pointer)
    if found is MISSING:
        fail(f"expected message {expected!r} at {pointer} ({source}), but the body has no {pointer}: "
             f"{answer.describe()}")
    if found != expected:
        fail(f"expected message {expected!r} at {pointer} ({source}), got {found!r}")


def no_token(answer: Answer, token_pointer: str, source: str) -> None:
    """A refusal carries no credential: nothing at the token pointer, no JWT anywhere in it."""
    __tracebackhide__ = True
    value = resolve(answer.json(), token_pointer)
    if value not in (MISSING, None, ""):
        fail(f"expected no token in a refused login ({source}), got a value at {token_pointer}: "
             f"{answer.describe()}")
    if JWT.search(answer.text):
        fail(f"expected no token in a refused login ({source}), but the body carries a JWT: {answer.describe()}")
    for name in ("authorization", "x-api-token"):
        if answer.header(name):
            fail(f"expected no token in a refused login ({source}), but the answer sets a {name} header")


def not_server_error(answer: Answer, what: str) -> None:
    __tracebackhide__ = True
    answered(answer)
    if answer.status is not None and answer.status >= 500:
        fail(f"expected a 4xx answer to {what} (RFC 9110 §15.5: a client error is not a server error), "
             f"got {answer.describe()}")


def refusal(answer: Answer, error: Any, source: str, schema_path: str | None, field: str | None = None) -> None:
    """The answer is the profile's error: its status, its body schema and its message."""
    __tracebackhide__ = True
    status(answer, error.status, f"{source}.status")
    if schema_path:
        matches_schema(answer, schema_path, f"{source}.schema")
    if error.message is not None:
        pointer = error.message_pointer or "/message"
        wanted = error.message
        if field is not None:
            wanted, pointer = wanted.format(field=field), pointer.replace("{field}", field)
        message(answer, wanted, pointer, f"{source}.message")
