"""Invoice Ninja's OpenAPI document, in the shape of its ``openapi/api-docs.yaml`` (OpenAPI 3.0, YAML).

Research C.3: the repository keeps the document as ``openapi/api-docs.yaml``, assembled from
``openapi/*.yaml``, with shared responses (``components/responses/401`` and so on), an
``ApiKeyAuth`` scheme on ``X-API-TOKEN``, and ``postLogin`` taking ``X-API-SECRET`` and a required
``X-Requested-With``. A self-hosted server does not publish the file, so the reference target
serves it at ``/api-docs.yaml`` (a real deployment's profile names its copy of the file instead).
Two places where the real file and the real server disagree are written here as the server
behaves, so the clean target is conformant: the login's 200 is ``{"data": [CompanyUser…], "meta":
…}`` (the file shows a bare CompanyUser) and ``X-API-TOKEN`` is not asked of the login (the file
marks it required). The 302 a client that does not ask for JSON gets is documented too.
"""

from __future__ import annotations

from authconform.targets.defects import ActiveDefects
from authconform.targets.defects import openapi as openapi_defects
from authconform.targets.openapi import Document, json_content

PATH = "/api-docs.yaml"
MEDIA_TYPE = "application/yaml"


def _ref(kind: str, name: str) -> Document:
    return {"$ref": f"#/components/{kind}/{name}"}


def _error_responses(*codes: str) -> Document:
    return {code: _ref("responses", code) for code in codes}


def document(defects: ActiveDefects) -> Document:
    login_responses: Document = {
        "200": {
            "description": "The company users of the account, each with its API token",
            "headers": {
                "X-MINIMUM-CLIENT-VERSION": _ref("headers", "X-MINIMUM-CLIENT-VERSION"),
                "X-APP-VERSION": _ref("headers", "X-APP-VERSION"),
            },
            "content": json_content({
                "type": "object",
                "required": ["data", "meta"],
                "properties": {
                    "data": {"type": "array", "items": _ref("schemas", "CompanyUser")},
                    "meta": _ref("schemas", "Meta"),
                    "static": {"type": "object", "description": "With include_static=true: currencies, countries…"},
                },
            }),
        },
        "302": {
            "description": "The client did not ask for JSON (no X-Requested-With: XMLHttpRequest, no Accept: "
                           "application/json) and the request failed validation: Laravel redirects back",
            "content": {"text/html; charset=utf-8": {"schema": {"type": "string"}}},
        },
        **_error_responses("401", "403", "422", "429", "5XX"),
        "default": _ref("responses", "default"),
    }
    if openapi_defects.UNDOCUMENTED_STATUS in defects:
        del login_responses["422"]
    clients_refusals: Document = {**_error_responses("401", "403", "422", "429", "5XX"),
                                  "default": _ref("responses", "default")}
    if openapi_defects.UNDOCUMENTED_REFUSAL in defects:
        del clients_refusals["403"], clients_refusals["default"]
    api_key: Document = {"type": "apiKey", "name": "X-API-TOKEN", "in": "header"}
    if openapi_defects.SPEC_INVALID in defects:
        api_key = {**api_key, "type": "apikey"}
    return {
        "openapi": "3.0.0",
        "info": {
            "title": "Invoice Ninja API Reference.",
            "description": "Invoice Ninja. Open Source Invoicing lives here.",
            "termsOfService": "https://invoiceninja.github.io",
            "contact": {"email": "contact@invoiceninja.com"},
            "license": {"name": "Elastic License", "url": "https://www.elastic.co/licensing/elastic-license"},
            "version": "5.10.31",
        },
        "servers": [{"url": "https://demo.invoiceninja.com", "description": "|\n  ## Demo API endpoint"}],
        "security": [{"ApiKeyAuth": []}],
        "tags": [{"name": "login", "description": "Authentication"}, {"name": "clients"}],
        "paths": {
            "/api/v1/login": {
                "post": {
                    "tags": ["login"],
                    "summary": "Login",
                    "description": "Returns a CompanyUser object with cascading data",
                    "operationId": "postLogin",
                    "parameters": [
                        _ref("parameters", "X-API-SECRET"),
                        _ref("parameters", "X-Requested-With"),
                        _ref("parameters", "login_include"),
                        _ref("parameters", "include_static"),
                        _ref("parameters", "clear_cache"),
                    ],
                    "requestBody": {
                        "description": "User credentials",
                        "required": True,
                        "content": json_content({
                            "type": "object",
                            "required": ["email", "password"],
                            "properties": {
                                "email": {"description": "The user email address", "type": "string"},
                                "password": {"description": "The user password", "type": "string"},
                                "one_time_password": {"description": "The one time password if 2FA is enabled",
                                                      "type": "string"},
                            },
                        }),
                    },
                    "responses": login_responses,
                }
            },
            "/api/v1/clients": {
                "get": {
                    "tags": ["clients"],
                    "summary": "List clients",
                    "operationId": "getClients",
                    "parameters": [_ref("parameters", "X-API-TOKEN"), _ref("parameters", "X-Requested-With")],
                    "responses": {
                        "200": {
                            "description": "A list of clients",
                            "content": json_content({
                                "type": "object",
                                "required": ["data", "meta"],
                                "properties": {"data": {"type": "array", "items": {"type": "object"}},
                                               "meta": _ref("schemas", "Meta")},
                            }),
                        },
                        **clients_refusals,
                    },
                }
            },
        },
        "components": {
            "headers": {
                "X-MINIMUM-CLIENT-VERSION": {"description": "The API version", "schema": {"type": "string"}},
                "X-APP-VERSION": {"description": "The server version", "schema": {"type": "string"}},
            },
            "parameters": {
                "X-API-SECRET": {"name": "X-API-SECRET", "in": "header", "description": "The API secret as defined "
                                 "by the .env variable API_SECRET", "required": False, "schema": {"type": "string"}},
                "X-API-TOKEN": {"name": "X-API-TOKEN", "in": "header", "description": "The API token to be used "
                                "for authentication", "required": True, "schema": {"type": "string"}},
                "X-Requested-With": {"name": "X-Requested-With", "in": "header", "description": "Used to send the "
                                     "XMLHttpRequest header", "required": True,
                                     "schema": {"type": "string", "example": "XMLHttpRequest"}},
                "login_include": {"name": "include", "in": "query", "description": "Include child relations of "
                                  "the CompanyUser object, format is comma separated.", "required": False,
                                  "schema": {"type": "string"}},
                "include_static": {"name": "include_static", "in": "query", "description": "Static variables "
                                   "include", "required": False, "schema": {"type": "string"}},
                "clear_cache": {"name": "clear_cache", "in": "query", "description": "Clear cache", "required": False,
                                "schema": {"type": "string"}},
            },
            "responses": {
                "401": {"description": "Authentication error", "content": json_content(
                    _ref("schemas", "AuthenticationError"))},
                "403": {"description": "Authorization error", "content": json_content(
                    _ref("schemas", "AuthorizationError"))},
                "422": {"description": "Validation error", "content": json_content(_ref("schemas", "ValidationError"))},
                "429": {"description": "Rate limit has been exceeded.", "content": json_content(
                    _ref("schemas", "RateLimiterError"))},
                "5XX": {"description": "Server error", "content": json_content(_ref("schemas", "Error"))},
                "default": {"description": "Unexpected Error", "content": json_content(_ref("schemas", "Error"))},
            },
            "schemas": {
                "AuthenticationError": {"type": "object", "required": ["message"],
                                        "properties": {"message": {"type": "string"}}},
                "AuthorizationError": {"type": "object", "required": ["message"],
                                       "properties": {"message": {"type": "string"},
                                                      "errors": {"type": "object"}}},
                "ValidationError": {
                    "type": "object",
                    "required": ["message", "errors"],
                    "properties": {
                        "message": {"type": "string", "example": "The given data was invalid."},
                        "errors": {"type": "object", "additionalProperties": {
                            "type": "array", "items": {"type": "string"}}},
                    },
                },
                "RateLimiterError": {"type": "object", "properties": {"message": {"type": "string"}}},
                "Error": {"type": "object", "required": ["message"],
                          "properties": {"message": {"type": "string"}, "code": {"type": "integer"}}},
                "Meta": {"type": "object", "properties": {"pagination": {"type": "object", "properties": {
                    "total": {"type": "integer"}, "count": {"type": "integer"}, "per_page": {"type": "integer"},
                    "current_page": {"type": "integer"}, "total_pages": {"type": "integer"},
                    "links": {"type": "array"}}}}},
                "CompanyUser": {
                    "type": "object",
                    "required": ["permissions", "is_owner", "is_admin", "is_locked", "account", "user", "token",
                                 "company"],
                    "properties": {
                        "permissions": {"type": "string", "example": "create_invoice,create_client"},
                        "notifications": {"type": "object"},
                        "settings": {"type": "object"},
                        "react_settings": {"type": "object"},
                        "is_owner": {"type": "boolean"},
                        "is_admin": {"type": "boolean"},
                        "is_locked": {"type": "boolean"},
                        "updated_at": {"type": "integer"},
                        "archived_at": {"type": "integer"},
                        "created_at": {"type": "integer"},
                        "permissions_updated_at": {"type": "integer"},
                        "ninja_portal_url": {"type": "string"},
                        "account": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
                        "user": _ref("schemas", "User"),
                        "token": _ref("schemas", "CompanyToken"),
                        "company": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
                    },
                },
                "User": {
                    "type": "object",
                    "required": ["id", "first_name", "last_name", "email"],
                    "properties": {
                        "id": {"type": "string", "example": "Opnel5aKBz"},
                        "first_name": {"type": "string"},
                        "last_name": {"type": "string"},
                        "email": {"type": "string"},
                        "phone": {"type": "string"},
                        "last_login": {"type": "integer"},
                        "is_deleted": {"type": "boolean"},
                    },
                },
                "CompanyToken": {
                    "type": "object",
                    "required": ["token", "name"],
                    "properties": {
                        "id": {"type": "string"},
                        "user_id": {"type": "string"},
                        "token": {"type": "string", "description": "The API token, sent as X-API-TOKEN"},
                        "name": {"type": "string"},
                        "is_system": {"type": "boolean"},
                    },
                },
            },
            "securitySchemes": {"ApiKeyAuth": api_key},
        },
    }
