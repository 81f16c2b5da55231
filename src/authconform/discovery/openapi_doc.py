"""The server's own OpenAPI document, when it serves one at a usual place, read for discovery.

A document names the login operation, its fields and encoding, the security scheme and the
operations that need a token, which beats guessing paths. Only what the document states is
taken from it; every value is still tried against the server before it is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .budget import BudgetSpent
from .prober import Prober

DOCUMENT_PATHS = (
    "/openapi.json", "/api/docs.json", "/api/docs.jsonopenapi", "/api/doc.json", "/api/schema/", "/swagger.json",
    "/v3/api-docs", "/docs/openapi.json", "/api-docs.yaml", "/openapi.yaml", "/api/openapi.json",
)
PASSWORD_NAMES = ("password", "pass", "passwd")
IDENTITY_NAMES = ("username", "email", "login", "identifier", "user")
REFRESH_NAMES = ("refresh_token", "refresh", "refreshToken")


@dataclass
class Operation:
    path: str
    method: str
    encoding: str = "json"
    identity: str | None = None
    password: str | None = None
    field: str | None = None  # a refresh operation's token field
    statuses: tuple[int, ...] = ()  # the answers the document lists for it


@dataclass
class OpenApiDocument:
    """What a served document says about login, refresh and protected operations."""

    path: str
    logins: list[Operation] = field(default_factory=list)
    refreshes: list[Operation] = field(default_factory=list)
    protected: list[str] = field(default_factory=list)  # GET paths without parameters that declare security
    header_schemes: list[str] = field(default_factory=list)  # apiKey header names
    bearer: bool = False


def _parse(body: bytes) -> dict[str, Any] | None:
    for load in (json.loads, yaml.safe_load):
        try:
            value = load(body)
        except (ValueError, yaml.YAMLError):
            continue
        if isinstance(value, dict) and isinstance(value.get("paths"), dict):
            return value
    return None


def _resolve(document: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """A local ``$ref`` followed (a few levels), anything else as it is."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and depth < 8:
        target: Any = document
        for part in node["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        node, depth = target, depth + 1
    return node


def _properties(document: dict[str, Any], schema: Any) -> list[str]:
    schema = _resolve(document, schema)
    if not isinstance(schema, dict):
        return []
    names = list((schema.get("properties") or {}).keys())
    for part in schema.get("allOf") or []:
        names += _properties(document, part)
    return names


def _body_fields(document: dict[str, Any], operation: dict[str, Any]) -> tuple[str, list[str]] | None:
    body = _resolve(document, operation.get("requestBody"))
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict):
        return None
    for media, encoding in (("application/json", "json"), ("application/x-www-form-urlencoded", "form"),
                            ("multipart/form-data", "form")):
        for name, item in content.items():
            if name.split(";")[0].strip().lower() == media or (encoding == "json" and name.endswith("+json")):
                return encoding, _properties(document, (item or {}).get("schema"))
    return None


def read(document: dict[str, Any], path: str) -> OpenApiDocument:
    """Login, refresh and protected operations and the security schemes of one parsed document."""
    found = OpenApiDocument(path=path)
    schemes = (document.get("components") or {}).get("securitySchemes") or document.get("securityDefinitions") or {}
    for scheme in schemes.values():
        scheme = _resolve(document, scheme)
        if not isinstance(scheme, dict):
            continue
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            found.bearer = True
        elif scheme.get("type") == "apiKey" and scheme.get("in") == "header" and scheme.get("name"):
            if scheme["name"].lower() == "authorization":
                found.bearer = True
            else:
                found.header_schemes.append(scheme["name"])
    default_security = document.get("security") or []
    servers = document.get("servers") or []
    prefix = ""
    if servers and isinstance(servers[0], dict) and str(servers[0].get("url", "")).startswith("/"):
        prefix = servers[0]["url"].rstrip("/")
    for route, item in document["paths"].items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if not isinstance(operation, dict) or method.upper() not in ("GET", "POST", "PUT"):
                continue
            full = prefix + route
            fields = _body_fields(document, operation) if method.upper() in ("POST", "PUT") else None
            if fields:
                encoding, names = fields
                password = next((n for n in names if n.lower() in PASSWORD_NAMES), None)
                refresh = next((n for n in names if n in REFRESH_NAMES), None)
                if password:
                    identity = next((n for n in names if n.lower() in IDENTITY_NAMES),
                                    next((n for n in names if n != password), None))
                    statuses = tuple(int(code) for code in (operation.get("responses") or {}) if str(code).isdigit())
                    found.logins.append(Operation(full, method.upper(), encoding, identity, password,
                                                  statuses=statuses))
                elif refresh and "refresh" in route.lower():
                    found.refreshes.append(Operation(full, method.upper(), encoding, field=refresh))
            security = operation.get("security", default_security)
            if method.upper() == "GET" and security and "{" not in route:
                found.protected.append(full)
    found.protected.sort(key=lambda p: (not re.search(r"/(me|user|users/me|profile)/?$", p), len(p)))
    return found


def find(prober: Prober) -> OpenApiDocument | None:
    """The first document served at a usual place, read; None when none is served."""
    for path in DOCUMENT_PATHS:
        try:
            answer = prober.send("GET", path, purpose=f"an OpenAPI document at {path}?")
        except BudgetSpent:
            return None
        if answer.status == 200 and answer.body:
            document = _parse(answer.body)
            if document is not None:
                return read(document, path)
    return None
