"""Reading login answers: where the token sits, what the JWT says, whether a refusal is a proper one.

A token is a JWT-shaped string or a long random one, found by walking the JSON body; known key
names (``token``, ``access``, ``access_token`` ...) win over position. A refusal is *proper* when
it is a 4xx other than 404/405, not an HTML page, with no token in it: only a proper refusal is
ever written into a profile as the expected answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..http.client import Answer
from ..jwt import tokens

TOKEN_KEYS = ("token", "access", "access_token", "accessToken", "jwt", "id_token", "api_token", "auth_token",
              "authToken", "plainTextToken")
MESSAGE_POINTERS = ("/message", "/msg", "/detail", "/error_description", "/error", "/errors/0/message",
                    "/errors/0/detail", "/title")
_RANDOM = re.compile(r"^[A-Za-z0-9._~+/=-]{20,}$")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def strings(node: Any, pointer: str = "") -> Iterator[tuple[str, str, str]]:
    """Every string in a JSON document: (JSON Pointer, the key holding it, the value)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                yield f"{pointer}/{_escape(str(key))}", str(key), value
            else:
                yield from strings(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, str):
                yield f"{pointer}/{index}", "", value
            else:
                yield from strings(value, f"{pointer}/{index}")


def token_shaped(value: str) -> bool:
    """A JWT, or a long random-looking string (letters and digits mixed, no spaces)."""
    if tokens.looks_like_jwt(value):
        return True
    return bool(_RANDOM.match(value)) and any(c.isdigit() for c in value) and any(c.isalpha() for c in value) \
        and "@" not in value and not value.startswith(("http:", "https:", "/"))


def find_token(body: Any) -> tuple[str, str] | None:
    """(pointer, value) of the access token in a login or refresh answer, or None."""
    found = [(p, k, v) for p, k, v in strings(body) if token_shaped(v) and "refresh" not in p.lower()]
    for name in TOKEN_KEYS:
        for pointer, key, value in found:
            if key == name:
                return pointer, value
    for pointer, _key, value in found:
        if tokens.looks_like_jwt(value):
            return pointer, value
    for pointer, key, value in found:
        if "token" in key.lower():
            return pointer, value
    return None


def find_refresh_token(body: Any, access: str | None) -> tuple[str, str] | None:
    """(pointer, value) of a refresh token: a token-shaped string under a key that says refresh."""
    for pointer, key, value in strings(body):
        if "refresh" in key.lower() and value != access and token_shaped(value):
            return pointer, value
    return None


@dataclass
class TokenFacts:
    """What the token itself says: format, JWT header and claims, lifetime."""

    format: str  # jwt | opaque
    header: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def lifetime(self) -> int | None:
        exp, iat = tokens.seconds(self.claims.get("exp")), tokens.seconds(self.claims.get("iat"))
        return int(exp - iat) if exp is not None and iat is not None and exp > iat else None


def token_facts(value: str) -> TokenFacts:
    if not tokens.looks_like_jwt(value):
        return TokenFacts("opaque")
    try:
        jwt = tokens.read(value)
    except tokens.TokenProblem:
        return TokenFacts("opaque")
    return TokenFacts("jwt", dict(jwt.header), dict(jwt.payload))


def identity_claim(claims: dict[str, Any], identity: str, body: Any) -> str | None:
    """The claim whose value is the identity that logged in, or the user id the answer shows."""
    for name, value in claims.items():
        if isinstance(value, str) and value.lower() == identity.lower():
            return name
    ids = {str(v) for p, k, v in _scalars(body) if k in ("id", "user_id", "userId") and "token" not in p}
    for name, value in claims.items():
        if name not in ("iat", "exp", "nbf") and not isinstance(value, (dict, list)) and str(value) in ids:
            return name
    return None


def _scalars(node: Any, pointer: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                yield from _scalars(value, f"{pointer}/{key}")
            else:
                yield f"{pointer}/{key}", str(key), value
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _scalars(value, f"{pointer}/{index}")


def message_of(answer: Answer) -> tuple[str, str] | None:
    """(pointer, message) of the human message in an error body, or None."""
    body = answer.json()
    for pointer in MESSAGE_POINTERS:
        node: Any = body
        for part in pointer.strip("/").split("/"):
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = None
        if isinstance(node, str) and node:
            return pointer, node
    return None


def refusal_problem(answer: Answer) -> str | None:
    """Why ``answer`` is not a proper refusal (a 4xx, not 404/405, not HTML, no token), or None when it is."""
    if answer.status is None:
        return f"no answer ({answer.error})"
    if not 400 <= answer.status < 500:
        return f"answered {answer.status}"
    if answer.status in (404, 405):
        return f"answered {answer.status}, as for a path that is no login"
    if answer.content_type == "text/html" or answer.text.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        return "answered with an HTML page"
    if find_token(answer.json()) is not None:
        return "a token in the error body"
    return None
