"""Chamilo's OpenAPI document, as API Platform 4 serves it at ``/api/docs.jsonopenapi`` (OpenAPI 3.1).

Research D.3: API Platform serves the document there (``/api/docs`` is its Swagger UI), with an
``apiKey`` security scheme on the ``Authorization`` header. Chamilo ships without lexik's
``api_platform`` switch, so a stock install most likely leaves the login out; this document has it
as lexik's OpenApiFactory decorator writes it (``login_check_post``, tag ``Login Check``, an inline
body and token schema), with the 400, 401 and 404 answers Chamilo really gives added, as a project
decorating the factory would. ``/api/users`` is API Platform's Hydra collection.
"""

from __future__ import annotations

from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import openapi as openapi_defects
from authconform.targets.openapi import Document, json_content

PATH = "/api/docs.jsonopenapi"
MEDIA_TYPE = "application/vnd.openapi+json; charset=utf-8"

_LEXIK_ERROR = {"$ref": "#/components/schemas/JwtError"}
_NOT_FOUND = {
    "description": "The body is not labelled JSON: json_login leaves the request to the router, which has no route "
                   "for it",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def document(defects: ActiveDefects) -> Document:
    login_responses: Document = {
        "200": {
            "description": "User token created",
            "content": json_content({
                "type": "object",
                "properties": {"token": {"readOnly": True, "type": "string", "nullable": False}},
                "required": ["token"],
            }),
        },
        "400": {"description": "A missing key, a key that is not a string, or a body that is not JSON "
                               "(Chamilo's HTTPExceptionListener)",
                "content": json_content({"$ref": "#/components/schemas/HttpError"})},
        "401": {"description": "Invalid credentials, or too many failed attempts (login throttling)",
                "content": json_content(_LEXIK_ERROR)},
        "404": _NOT_FOUND,
    }
    if openapi_defects.UNDOCUMENTED_STATUS in defects:
        del login_responses["400"]
    users_refusal = {"401": {"description": "No token, or an invalid or expired one",
                             "content": json_content(_LEXIK_ERROR)}}
    if openapi_defects.UNDOCUMENTED_REFUSAL in defects:
        users_refusal = {}
    api_key: Document = {"type": "apiKey", "description": "Value for the Authorization header parameter.",
                         "name": "Authorization", "in": "header"}
    if openapi_defects.SPEC_INVALID in defects:
        api_key = {**api_key, "type": "apikey"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Chamilo API", "description": "", "version": "1.0.0"},
        "servers": [{"url": "/", "description": ""}],
        "paths": {
            "/api/users": {
                "get": {
                    "operationId": "api_users_get_collection",
                    "tags": ["User"],
                    "responses": {
                        "200": {
                            "description": "User collection",
                            "content": {"application/ld+json": {"schema": {
                                "type": "object",
                                "description": "User.jsonld-user.read collection.",
                                "allOf": [
                                    {"$ref": "#/components/schemas/HydraCollectionBaseSchema"},
                                    {
                                        "type": "object",
                                        "required": ["hydra:member"],
                                        "properties": {"hydra:member": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/User.jsonld-user.read"},
                                        }},
                                    },
                                ],
                            }}},
                        },
                        **users_refusal,
                    },
                    "summary": "Retrieves the collection of User resources.",
                    "description": "Retrieves the collection of User resources.",
                    "parameters": [{"name": "page", "in": "query", "description": "The collection page number",
                                    "required": False, "deprecated": False,
                                    "schema": {"type": "integer", "default": 1}}],
                }
            },
            "/api/authentication_token": {
                "post": {
                    "operationId": "login_check_post",
                    "tags": ["Login Check"],
                    "responses": login_responses,
                    "summary": "Creates a user token.",
                    "description": "Creates a user token.",
                    "requestBody": {
                        "description": "The login data",
                        "content": json_content({
                            "type": "object",
                            "properties": {
                                "username": {"type": "string", "nullable": False},
                                "password": {"type": "string", "nullable": False},
                            },
                            "required": ["username", "password"],
                        }),
                        "required": True,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "HydraCollectionBaseSchema": {
                    "type": "object",
                    "properties": {
                        "hydra:totalItems": {"type": "integer", "minimum": 0},
                        "hydra:view": {"type": "object"},
                        "hydra:search": {"type": "object"},
                    },
                },
                "User.jsonld-user.read": {
                    "type": "object",
                    "required": ["username"],
                    "properties": {
                        "@id": {"readOnly": True, "type": "string"},
                        "@type": {"readOnly": True, "type": "string"},
                        "username": {"type": "string"},
                    },
                },
                "JwtError": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
                },
                "HttpError": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
            },
            "securitySchemes": {"apiKey": api_key},
        },
        "security": [{"apiKey": []}],
    }
