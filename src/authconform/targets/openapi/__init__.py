"""The OpenAPI documents the reference targets serve, one module per flavour, and the route serving one.

Each document describes what its flavour's server really answers (statuses, bodies, content
types), in the shape the real system's tooling gives it: API Platform with lexik's login decorator
for Chamilo, NelmioApiDocBundle for PCH-SIG, Invoice Ninja's own ``openapi/api-docs.yaml``. The
document defects (``spec-invalid``, ``undocumented-status``) are applied when it is built.
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
from authconform.targets.responses import stack_trace_page

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


def incorrect_string_value(value: str, column: str) -> str:
    """MySQL's error for a 4-byte character in a 3-byte "utf8" column, as PDO reports it."""
    first = next(c for c in value if ord(c) > 0xFFFF)
    escaped = "".join(f"\\x{b:02X}" for b in first.encode("utf-8"))
    return (f"SQLSTATE[HY000]: General error: 1366 Incorrect string value: '{escaped}' "
            f"for column '{column}' at row 1")


def doctrine_crash(value: str, column: str) -> Response:
    """Symfony's debug page for the DBAL exception the user lookup throws on such a value."""
    message = f"An exception occurred while executing a query: {incorrect_string_value(value, column)}"
    return stack_trace_page(
        "Doctrine\\DBAL\\Exception\\DriverException",
        message,
        [
            "/var/www/vendor/doctrine/dbal/src/Connection.php(1943): "
            "Doctrine\\DBAL\\Driver\\API\\MySQL\\ExceptionConverter->convert()",
            "/var/www/vendor/doctrine/orm/src/Persisters/Entity/BasicEntityPersister.php(750): "
            "Doctrine\\DBAL\\Connection->executeQuery()",
            "/var/www/vendor/symfony/doctrine-bridge/Security/User/EntityUserProvider.php(61): "
            "Doctrine\\ORM\\EntityRepository->findOneBy()",
            "/var/www/vendor/symfony/security-http/Authenticator/Passport/Badge/UserBadge.php(101): "
            "Symfony\\Bridge\\Doctrine\\Security\\User\\EntityUserProvider->loadUserByIdentifier()",
            "{main}",
        ],
    )
