"""PCH-SIG's OpenAPI document, as NelmioApiDocBundle 4 serves it at ``/api/doc.json`` (OpenAPI 3.0).

Lexik's json_login and gesdinet's refresh route have no controller for Nelmio to read, so a
Symfony app documents them by hand under ``nelmio_api_doc.documentation``; this is that document,
written from the app's own API page (seed 004): the login's 200, 400, 401 and 403 bodies, the
refresh and the ``/api/me`` endpoint, and the ``Bearer`` security scheme.
"""

from __future__ import annotations

from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import openapi as openapi_defects
from authconform.targets.openapi import Document, json_content

PATH = "/api/doc.json"
MEDIA_TYPE = "application/json"

_ERROR = {"$ref": "#/components/schemas/Error"}


def document(defects: ActiveDefects) -> Document:
    login_responses: Document = {
        "200": {
            "description": "JWT access token (1 hour), refresh token (7 days) and the connected user",
            "content": json_content({"$ref": "#/components/schemas/LoginSuccess"}),
        },
        "400": {"description": "Missing data or a body that is not a JSON object of strings",
                "content": json_content(_ERROR)},
        "401": {"description": "Invalid credentials", "content": json_content(_ERROR)},
        "403": {"description": "Account disabled", "content": json_content(_ERROR)},
        "404": {"description": "The body is not labelled JSON: json_login leaves the request to the router, "
                               "which has no route for it",
                "content": {"text/html": {"schema": {"type": "string"}}}},
    }
    if openapi_defects.UNDOCUMENTED_STATUS in defects:
        del login_responses["400"]
    me_responses: Document = {
        "200": {"description": "The connected user", "content": json_content({"$ref": "#/components/schemas/Me"})},
        "401": {"description": "Missing, invalid or expired token", "content": json_content(_ERROR)},
    }
    if openapi_defects.UNDOCUMENTED_REFUSAL in defects:
        del me_responses["401"]
    bearer: Document = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    if openapi_defects.SPEC_INVALID in defects:
        bearer = {"type": "bearer", "bearerFormat": "JWT"}
    return {
        "openapi": "3.0.0",
        "info": {"title": "PCH-SIG API", "description": "Système d'information géographique PCH", "version": "1.0.0"},
        "paths": {
            "/api/login": {
                "post": {
                    "tags": ["Authentication"],
                    "summary": "Authenticates a user and returns a JWT token.",
                    "operationId": "login",
                    "security": [],
                    "requestBody": {"required": True,
                                    "content": json_content({"$ref": "#/components/schemas/Credentials"})},
                    "responses": login_responses,
                }
            },
            "/api/token/refresh": {
                "post": {
                    "tags": ["Authentication"],
                    "summary": "Exchanges a refresh token for a new token pair (the refresh token is single use).",
                    "operationId": "refreshToken",
                    "security": [],
                    "requestBody": {
                        "required": True,
                        "content": json_content({
                            "type": "object",
                            "required": ["refresh_token"],
                            "properties": {"refresh_token": {"type": "string"}},
                        }),
                    },
                    "responses": {
                        "200": {"description": "A new token and refresh token",
                                "content": json_content({"$ref": "#/components/schemas/TokenRefresh"})},
                        "401": {"description": "Missing, unknown, expired or used refresh token",
                                "content": json_content(_ERROR)},
                    },
                }
            },
            "/api/me": {
                "get": {
                    "tags": ["User"],
                    "summary": "The connected user.",
                    "operationId": "me",
                    "responses": me_responses,
                }
            },
        },
        "components": {
            "schemas": {
                "Credentials": {
                    "type": "object",
                    "required": ["email", "password"],
                    "properties": {
                        "email": {"type": "string", "description": "User email address"},
                        "password": {"type": "string", "description": "Password"},
                    },
                },
                "LoginSuccess": {
                    "type": "object",
                    "required": ["token", "refresh_token", "user"],
                    "properties": {
                        "token": {"type": "string", "description": "JWT access token (duration: 1 hour)"},
                        "refresh_token": {"type": "string", "description": "Refresh token (duration: 7 days)"},
                        "user": {"$ref": "#/components/schemas/User"},
                    },
                },
                "User": {
                    "type": "object",
                    "required": ["id", "email", "nomComplet", "roles"],
                    "properties": {
                        "id": {"type": "integer"},
                        "email": {"type": "string"},
                        "nomComplet": {"type": "string"},
                        "roles": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "TokenRefresh": {
                    "type": "object",
                    "required": ["token", "refresh_token"],
                    "properties": {"token": {"type": "string"}, "refresh_token": {"type": "string"}},
                },
                "Me": {
                    "type": "object",
                    "required": ["id", "email", "roles"],
                    "properties": {
                        "id": {"type": "integer"},
                        "email": {"type": "string"},
                        "roles": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
                },
            },
            "securitySchemes": {"Bearer": bearer},
        },
        "security": [{"Bearer": []}],
    }
