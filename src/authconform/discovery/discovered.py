"""Everything one discovery found, in the shape the profile writer and the summary read."""

from __future__ import annotations

from dataclasses import dataclass, field

from .access import Protected, Refresh
from .answers import TokenFacts
from .errors import ErrorAnswers
from .login_finder import LoginOperation
from .openapi_doc import OpenApiDocument


@dataclass
class HeaderVar:
    """A ``--header`` the user gave: written as a ``${VAR}`` reference, never its value."""

    name: str
    variable: str
    secret: bool = False  # refused when left out: written as secret_header
    rejected_status: int | None = None


@dataclass
class Discovered:
    base_url: str
    identity: str
    password_env: str
    headers: list[HeaderVar] = field(default_factory=list)
    document: OpenApiDocument | None = None
    login: LoginOperation | None = None
    headers_enforced: bool | None = None
    token: TokenFacts | None = None
    identity_claim: str | None = None
    refresh_pointer: str | None = None
    errors: ErrorAnswers | None = None
    protected: Protected | None = None
    refresh: Refresh | None = None
    jwks: str | None = None
    success_status: int = 200
    stopped: str | None = None  # why discovery stopped early (the cap), if it did
