"""The OpenAPI documents the reference targets serve, one module per flavour, and the route serving one.

Each document describes what its flavour's server really answers (statuses, bodies, content
types), in the shape the real system's tooling gives it: API Platform with lexik's login decorator
for Chamilo, NelmioApiDocBundle for PCH-SIG, Invoice Ninja's own ``openapi/api-docs.yaml``. The
document defects (``spec-invalid``, ``undocumented-status``, ``undocumented-refusal``) are applied
when it is built.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from authconform.targets.defects import ActiveDefects
from authconform.targets.responses import laravel_json, symfony_error_page

Document = dict[str, Any]


def document_route(
    path: str, build: Callable[[ActiveDefects], Document], defects: ActiveDefects, *, media_type: str
) -> Route:
    """``GET path`` answers the flavour's document, as JSON or (for a YAML media type) YAML."""
    document = build(defects)
    if "yaml" in media_type:
        content = yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()
    else:
        content = json.dumps(document, indent=4, ensure_ascii=False).encode()

    async def serve(request: Request) -> Response:
        return Response(content, media_type=media_type)

    return Route(path, serve, methods=["GET", "HEAD"])


def json_content(schema: Document) -> Document:
    """A ``content`` map with one JSON media type."""
    return {"application/json": {"schema": schema}}


def outside_bmp(value: Any) -> bool:
    """A string holding a character a MySQL 3-byte "utf8" column cannot store (U+10000 and up)."""
    return isinstance(value, str) and any(ord(c) > 0xFFFF for c in value)



def production_crash(framework: str) -> Response:
    """A crash as a production server shows it (APP_DEBUG off): a bare 500, no trace to leak.

    ``symfony`` renders HtmlErrorRenderer's page; ``laravel`` answers a JSON client with
    ``{"message": "Server Error"}``.
    """
    if framework == "laravel":
        return laravel_json({"message": "Server Error"}, 500)
    return symfony_error_page(500)
