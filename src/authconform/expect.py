"""Expectations that fail with the finding a reviewer reads.

Each helper raises :class:`Finding` with what was expected, where the expectation comes from, and
what came back, e.g. ``expected 401 (profile login.errors.bad_credentials), got 200 (application/json)
{"token":…}``. Bodies are shown redacted. Suites use these instead of bare ``assert`` so pytest's
assertion rewriting never prints a raw token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from .exceptions import Finding as Finding  # re-exported: defined in exceptions.py
from .http.client import Answer
from .http.redaction import JWT
from .pointer import MISSING, resolve

_SCHEMA_CACHE: dict[str, dict[str, Any]] = {}


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
    """The message at ``pointer`` is exactly ``expected`` (profile ``message``: exact, no prefix, no case folding)."""
    __tracebackhide__ = True
    found = _message_at(answer, f"message {expected!r}", pointer, source)
    if found != expected:
        fail(f"expected message {expected!r} at {pointer} ({source}), got {found!r}")


def message_pattern(answer: Answer, pattern: str, pointer: str, source: str) -> None:
    """The message at ``pointer`` matches ``pattern`` as ``re.search`` does (unanchored, as JSON Schema's
    ``pattern``): write ``^…$`` to match the whole message."""
    __tracebackhide__ = True
    found = _message_at(answer, f"a message matching {pattern!r}", pointer, source)
    if not isinstance(found, str) or re.search(pattern, found) is None:
        fail(f"expected a message matching {pattern!r} at {pointer} ({source}), got {found!r}"[:400])


def _message_at(answer: Answer, wanted: str, pointer: str, source: str) -> Any:
    __tracebackhide__ = True
    body = json_body(answer, source)
    found = resolve(body, pointer)
    if found is MISSING:
        fail(f"expected {wanted} at {pointer} ({source}), but the body has no {pointer}: {answer.describe()}")
    return found


def _pointers(token_pointers: str | Iterable[str | None]) -> list[str]:
    if isinstance(token_pointers, str):
        return [token_pointers]
    return [p for p in token_pointers if p]


MIN_TOKEN_LENGTH = 16


def looks_like_token(value: Any) -> bool:
    """A credential where a token pointer points: one unbroken string of 16 or more characters.

    An error body may use the token's field name for its own messages (DRF answers a refresh without
    its field with ``{"refresh": ["This field is required."]}``, where /refresh is the new refresh
    token on success): a list, or text with spaces, is no token.
    """
    return isinstance(value, str) and len(value) >= MIN_TOKEN_LENGTH and not any(c.isspace() for c in value)


def no_token(answer: Answer, token_pointers: str | Iterable[str | None], source: str) -> None:
    """A refusal carries no credential: nothing at the token pointers, no JWT anywhere in it."""
    __tracebackhide__ = True
    body = answer.json()
    for pointer in _pointers(token_pointers):
        if looks_like_token(resolve(body, pointer)):
            fail(f"expected no token in a refusal ({source}), got a value at {pointer}: {answer.describe()}")
    if JWT.search(answer.text):
        fail(f"expected no token in a refusal ({source}), but the body carries a JWT: {answer.describe()}")
    for name in ("authorization", "x-api-token"):
        if answer.header(name):
            fail(f"expected no token in a refusal ({source}), but the answer sets a {name} header")


def not_server_error(answer: Answer, what: str) -> None:
    __tracebackhide__ = True
    answered(answer)
    if answer.status is not None and answer.status >= 500:
        fail(f"expected a 4xx answer to {what} (RFC 9110 §15.5: a client error is not a server error), "
             f"got {answer.describe()}")


@dataclass(frozen=True)
class Stated:
    """A refusal the profile states, in one shape for every section that states one.

    ``login.errors.*`` and ``refresh.rejected|missing|disabled`` are already this shape and are passed
    as they are; ``secret_header`` spells its fields ``rejected_*``, so its suite builds one of these.
    """

    status: int
    message: str | None = None
    message_pattern: str | None = None
    message_pointer: str | None = None
    schema: str | None = None
    names: dict[str, str] | None = None  # the profile's own spelling of each field, for findings


def _named(error: Any, source: str, key: str) -> str:
    names = getattr(error, "names", None) or {}
    return f"{source}.{names.get(key, key)}"


@dataclass(frozen=True)
class Unpinned:
    """What a tolerant refusal saw, for the note: the status, and the profile field that would pin it."""

    status: int
    field: str


def refused(answer: Answer, error: Any, source: str, token_pointers: str | Iterable[str | None],
            schema_path: str | None = None, *, field: str | None = None, pin: str | None = None) -> Unpinned | None:
    """A refusal. Stated means exact, unstated means tolerant.

    ``source`` is the profile field that states it (``refresh.missing``); ``error`` is that field (a
    profile section or a :class:`Stated`) or None when the profile leaves it out. With ``error`` given, the
    answer must have its status, its body schema (``schema_path``, resolved by the caller), its
    message (exact) and message pattern; without it, the check judges only what every HTTP login API
    must do: a 4xx answer (RFC 9110 §15.5; a 2xx, 3xx or 5xx is no refusal). Either way no token may
    ride along. Another field's value is never borrowed: a missing field and an unknown token are
    different failures and servers answer them differently (DRF: 400 and 401).

    Returns None when exact, else an :class:`Unpinned` for :func:`unpinned_note`; ``pin`` names the
    field that would pin the status (default ``<source>.status``).
    """
    __tracebackhide__ = True
    answered(answer)
    where = f"profile {source}"
    if error is not None:
        refusal(answer, error, where, schema_path, field=field)
        no_token(answer, token_pointers, where)
        return None
    assert answer.status is not None
    pin = pin or f"{source}.status"
    if not 400 <= answer.status < 500:
        kind = ("a success" if answer.status < 300 else "a redirect" if answer.status < 400
                else "a server error" if answer.status >= 500 else "no refusal")
        fail(f"expected a refusal: a 4xx answer with no token ({pin} is not stated, so any 4xx will do; "
             f"RFC 9110 §15.5), got {kind}: {answer.describe()}")
    no_token(answer, token_pointers, f"{pin} is not stated, so any 4xx with no token will do")
    return Unpinned(answer.status, pin)


def unpinned_note(seen: Iterable[Unpinned | None]) -> str:
    """The passing check's note: ``refused with 400; pin it with refresh.missing.status`` ("" when all exact)."""
    by_field: dict[str, list[int]] = {}
    for item in seen:
        if item is not None and item.status not in by_field.setdefault(item.field, []):
            by_field[item.field].append(item.status)
    parts = []
    for name, statuses in by_field.items():
        shown = " and ".join(str(s) for s in sorted(statuses))
        parts.append(f"refused with {shown}; pin it with {name}")
    return "; ".join(parts)


def refusal(answer: Answer, error: Any, source: str, schema_path: str | None, field: str | None = None) -> None:
    """The answer is the profile's stated error: its status, its body schema, its message and message pattern."""
    __tracebackhide__ = True
    status(answer, error.status, _named(error, source, "status"))
    if schema_path:
        matches_schema(answer, schema_path, _named(error, source, "schema"))
    pointer = error.message_pointer or "/message"
    if field is not None:
        pointer = pointer.replace("{field}", field)
    if error.message is not None:
        wanted = error.message.format(field=field) if field is not None else error.message
        message(answer, wanted, pointer, _named(error, source, "message"))
    pattern = getattr(error, "message_pattern", None)
    if pattern is not None:
        if field is not None:
            pattern = pattern.replace("{field}", re.escape(field))
        message_pattern(answer, pattern, pointer, _named(error, source, "message_pattern"))
