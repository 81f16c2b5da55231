"""The target's OpenAPI document: loading it and judging recorded exchanges by it.

``profile.openapi.spec`` names the document: a path on the target (``/api/docs.jsonopenapi``), an
absolute ``http(s)://`` URL, or a file (a relative path, tried next to the profile as schema paths
are, or a ``file:`` URL). OpenAPI 3.0, 3.1 and Swagger 2.0 documents are read, as JSON or YAML.

Response bodies are checked with openapi-schema-validator's dialect of each version (3.0's
``nullable``, 3.1's JSON Schema 2020-12), with ``$ref`` resolved inside the document, imported only
when a check asks, so a run whose profile has no ``openapi`` section never loads it. Whether the
document is valid OpenAPI at all is openapi-spec-validator's answer, asked in the OpenAPI worker
process (:mod:`.validity`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import yaml

from ..exceptions import SpecUnavailable as SpecUnavailable  # re-exported: defined in exceptions.py
from ..exceptions import ValidatorMissing as ValidatorMissing
from ..http.client import TargetClient, is_json_media
from ..http.exchanges import Exchange
from ..http.redaction import JWT
from ..profile import Profile

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ACCEPT = "application/vnd.oai.openapi+json, application/json, application/yaml;q=0.9, */*;q=0.8"
_DOCUMENT_URI = "urn:authconform:openapi-document"
SHOWN_PROBLEMS = 3


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _media(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


@dataclass
class Operation:
    """One documented operation: its method, its path template (with the server prefix) and its object."""

    method: str
    path: str
    route: str
    spec: Mapping[str, Any]
    pointer: tuple[str, ...]
    produces: tuple[str, ...] = ()  # Swagger 2.0: the media types its responses use
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        parts = re.split(r"(\{[^}/]+\})", self.route)
        regex = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
        self._pattern = re.compile(f"^{regex}/?$" if regex != "/" else "^/$")

    @property
    def label(self) -> str:
        return f"{self.method} {self.route}"

    @property
    def specificity(self) -> tuple[int, int]:
        """Sorts the most concrete route first: fewer templated segments, then more literal characters."""
        segments = [s for s in self.route.split("/") if s]
        templated = sum(1 for s in segments if "{" in s)
        literal = len(re.sub(r"\{[^}/]+\}", "", self.route))
        return templated, -literal

    def matches(self, method: str, path: str) -> bool:
        return method.upper() == self.method and bool(self._pattern.match(path))

    @property
    def responses(self) -> dict[str, Any]:
        found = self.spec.get("responses")
        return {str(k).upper(): v for k, v in found.items()} if isinstance(found, Mapping) else {}

    def response_key(self, status: int, *, allow_default: bool = True) -> str | None:
        """The responses key that documents ``status``: the exact code, its ``NXX`` range, or ``default``."""
        responses = self.responses
        for key in (str(status), f"{str(status)[0]}XX"):
            if key in responses:
                return key
        return "DEFAULT" if allow_default and "DEFAULT" in responses else None

    def documented_statuses(self) -> list[str]:
        return [k.lower() if k == "DEFAULT" else k for k in self.responses]


@dataclass
class Document:
    """A loaded OpenAPI document and where it came from."""

    raw: dict[str, Any]
    source: str
    media_type: str = ""
    _operations: list[Operation] | None = field(default=None, init=False, repr=False)

    @property
    def version(self) -> str:
        return str(self.raw.get("openapi") or self.raw.get("swagger") or "")

    @property
    def is_swagger2(self) -> bool:
        return "swagger" in self.raw

    @property
    def title(self) -> str:
        info = self.raw.get("info")
        name = info.get("title") if isinstance(info, Mapping) else None
        kind = "Swagger" if self.is_swagger2 else "OpenAPI"
        return f"{kind} {self.version}" + (f" document {name!r}" if name else " document")

    def _prefixes(self) -> list[str]:
        if self.is_swagger2:
            base = self.raw.get("basePath")
            return [str(base).rstrip("/")] if isinstance(base, str) else [""]
        prefixes: list[str] = []
        servers = self.raw.get("servers")
        for server in servers if isinstance(servers, list) else []:
            if not isinstance(server, Mapping) or not isinstance(server.get("url"), str):
                continue
            url = server["url"]
            variables = server.get("variables") if isinstance(server.get("variables"), Mapping) else {}
            for name, variable in variables.items():
                default = variable.get("default", "") if isinstance(variable, Mapping) else ""
                url = url.replace("{" + str(name) + "}", str(default))
            path = urlsplit(url).path if "://" in url else url
            prefixes.append(path.rstrip("/"))
        return prefixes or [""]

    def operations(self) -> list[Operation]:
        """Every documented operation, once per server prefix (computed once)."""
        if self._operations is None:
            self._operations = self._read_operations()
        return self._operations

    def _read_operations(self) -> list[Operation]:
        found: list[Operation] = []
        paths = self.raw.get("paths")
        produces = self.raw.get("produces") if self.is_swagger2 else None
        for path, item in (paths.items() if isinstance(paths, Mapping) else []):
            if not isinstance(item, Mapping):
                continue
            for method in METHODS:
                spec = item.get(method)
                if not isinstance(spec, Mapping):
                    continue
                own = spec.get("produces", produces) if self.is_swagger2 else None
                for prefix in self._prefixes():
                    found.append(Operation(method.upper(), str(path), prefix + str(path), spec,
                                           ("paths", str(path), method),
                                           tuple(own) if isinstance(own, list) else ()))
        return found

    def find(self, method: str, path: str, base_path: str = "") -> Operation | None:
        """The operation a request to ``path`` (a URL path, or a full URL) with ``method`` went to."""
        path = unquote(urlsplit(path).path) if "://" in path else path
        candidates = [path]
        base_path = base_path.rstrip("/")
        if base_path and path.startswith(base_path + "/"):
            candidates.append(path[len(base_path):])
        matching = [o for o in self.operations() if any(o.matches(method, c) for c in candidates)]
        # OpenAPI (Paths Object): a concrete path is matched before its templated counterparts, so
        # GET /users/me is /users/me even where /users/{id} comes first in the document
        return min(matching, key=lambda o: o.specificity, default=None)

    def list_operations(self, limit: int = 8) -> str:
        labels = sorted({f"{o.method} {o.path}" for o in self.operations()})
        shown = ", ".join(labels[:limit]) + (f" and {len(labels) - limit} more" if len(labels) > limit else "")
        return shown or "no operations"

    # --- what a response may look like ---------------------------------------------------------

    def media_types(self, operation: Operation, key: str) -> dict[str, tuple[str, ...] | None]:
        """The documented media types of one response, each with the pointer of its schema (or None)."""
        name = "default" if key == "DEFAULT" else next(k for k in operation.spec["responses"] if str(k).upper() == key)
        response, base = self.follow(operation.spec["responses"][name], (*operation.pointer, "responses", name))
        if not isinstance(response, Mapping):
            return {}
        if self.is_swagger2:
            if "schema" not in response:
                return {}
            return {kind: (*base, "schema") for kind in operation.produces or ("application/json",)}
        content = response.get("content")
        if not isinstance(content, Mapping):
            return {}
        return {
            str(kind): ((*base, "content", str(kind), "schema")
                        if isinstance(media, Mapping) and "schema" in media else None)
            for kind, media in content.items()
        }

    def follow(self, node: Any, at: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
        """Follow local ``$ref`` s from ``node`` (found at ``at``): the node reached and where it is."""
        for _ in range(32):
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return node, at
            at = tuple(p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/"))
            node = self.raw
            for part in at:
                node = node.get(part) if isinstance(node, Mapping) else None
        return None, at

    def resolve(self, node: Any) -> Any:
        """Follow a local ``$ref`` (to another part of this document) until a node that is not one."""
        return self.follow(node, ())[0]

    def response_problems(self, operation: Operation, status: int, content_type: str, body: bytes) -> list[str]:
        """Why one answer does not conform to the document (empty when it does), each with its JSON path.

        The status must be documented (exactly, by range or by ``default``); a documented body must
        carry one of the documented media types; a JSON body must match that media type's schema.
        """
        key = operation.response_key(status)
        if key is None:
            return [f"status {status} is not documented (documented: {', '.join(operation.documented_statuses())})"]
        kinds = self.media_types(operation, key)
        if not kinds or not body:
            return []
        actual = _media(content_type)
        if not actual:
            return [f"the {status} answer has a body but no Content-Type (documented: {', '.join(kinds)})"]
        chosen = _match_media(actual, list(kinds))
        if chosen is None:
            return [f"content type {actual} is not documented for {status} (documented: {', '.join(kinds)})"]
        schema_at = kinds[chosen]
        if schema_at is None or not is_json_media(actual):
            return []
        try:
            instance = json.loads(body)
        except ValueError:
            return [f"the {status} answer is labelled {actual} but its body is not JSON"]
        return self.schema_problems(instance, schema_at)

    def schema_problems(self, instance: Any, schema_at: tuple[str, ...]) -> list[str]:
        validator = self._validator(schema_at)
        problems = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: (len(e.absolute_path), e.json_path)):
            problems.append(_describe(error))
        return problems

    def _validator(self, schema_at: tuple[str, ...]) -> Any:
        from openapi_schema_validator import (
            OAS30ReadValidator,
            OAS31Validator,
            oas30_format_checker,
            oas31_format_checker,
        )
        from referencing import Registry
        from referencing.jsonschema import DRAFT4, DRAFT202012

        if self.version.startswith("3.1") or self.version.startswith("3.2"):
            cls, checker, specification = OAS31Validator, oas31_format_checker, DRAFT202012
        else:
            cls, checker, specification = OAS30ReadValidator, oas30_format_checker, DRAFT4
        registry = Registry().with_resource(_DOCUMENT_URI, specification.create_resource(self.raw))
        return cls({"$ref": _DOCUMENT_URI + _pointer(*schema_at)}, registry=registry, format_checker=checker)


def _match_media(actual: str, documented: list[str]) -> str | None:
    """The documented media type (or range) the actual one falls under, the most specific first."""
    by_kind = {_media(k): k for k in documented}
    if actual in by_kind:
        return by_kind[actual]
    major = actual.split("/", 1)[0]
    if f"{major}/*" in by_kind:
        return by_kind[f"{major}/*"]
    return by_kind.get("*/*")


def _describe(error: Any) -> str:
    """One schema violation as ``at $.a.b: what``, never quoting a token."""
    where = error.json_path
    if error.validator == "required" and isinstance(error.instance, Mapping):
        missing = [p for p in error.validator_value if p not in error.instance]
        if missing:
            plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", missing[0])
            suffix = f".{missing[0]}" if plain else f"['{missing[0]}']"
            return f"at {where}{suffix}: missing (the document requires it)"
    message = error.message if len(error.message) < 160 else error.message[:160] + "…"
    if JWT.search(message) or error.validator in ("const", "enum", "pattern", "type", "format"):
        shown = _short(error.instance)
        message = f"{error.validator} {error.validator_value!r} does not hold for {shown}"
    return f"at {where}: {message}"


def _short(value: Any) -> str:
    if isinstance(value, str):
        if JWT.search(value):
            return "a JWT"
        return f"string {value[:40]!r}" + ("…" if len(value) > 40 else "")
    if isinstance(value, (dict, list)):
        return f"{type(value).__name__} of {len(value)}"
    return repr(value)[:40]


# --- loading ---------------------------------------------------------------------------------------


def locate(spec: str) -> tuple[str, str]:
    """Where ``openapi.spec`` points: ``("url", URL)``, ``("target", path)`` or ``("file", path)``."""
    if re.match(r"^https?://", spec, re.I):
        return "url", spec
    if spec.lower().startswith("file:"):
        return "file", url2pathname(urlsplit(spec).path)
    if spec.startswith("/"):
        return "target", spec
    return "file", spec


def request_headers(profile: Profile, token: str | None = None) -> dict[str, str]:
    """The headers the document is fetched with: ``openapi.headers``, and the token when given.

    The token goes as the protected endpoint takes it (``protected.scheme``: bearer, ``header:<Name>``
    or ``authorization:<Scheme>``), since that is how the server recognises a logged-in caller.
    """
    headers = {"Accept": ACCEPT}
    headers.update({str(k): str(v) for k, v in (profile.openapi.headers or {}).items() if v})
    if token is not None:
        headers.update(profile.credential_scheme.headers(token))
    return headers


def load(profile: Profile, client: TargetClient, token: str | None = None) -> Document:
    """Fetch or read the profile's document and parse it; raises :class:`SpecUnavailable` with why.

    ``token`` (the run's login, when ``openapi.auth`` is on) is sent with the request, as the
    protected endpoint takes it; ``openapi.headers`` are sent either way. A file needs neither.
    """
    spec = profile.openapi.spec
    kind, where = locate(spec)
    if kind == "file":
        path = profile.resolve(where)
        if path is None:
            raise SpecUnavailable(f"no file {where!r} (profile openapi.spec; relative paths are tried next to "
                                  f"the profile, beside its folder and in the working directory)")
        return Document(parse(path.read_bytes(), path.suffix, str(path)), str(path))
    sent = "with the run's token (openapi.auth)" if token is not None else "without a token"
    answer = client.request("GET", where, headers=request_headers(profile, token),
                            purpose=f"fetch the OpenAPI document (profile openapi.spec, {sent})")
    source = client.url(where)
    if not answer.ok:
        raise SpecUnavailable(f"GET {source} got no usable answer: {answer.error}")
    if answer.status != 200:
        hint = "" if token is not None or answer.status not in (401, 403) else (
            "; if the server publishes its document only to a logged-in user, set openapi.auth: true")
        raise SpecUnavailable(f"GET {source} {sent} answered {answer.describe(120)}, expected 200 with the "
                              f"document{hint}")
    suffix = ".yaml" if "yaml" in answer.content_type or where.endswith((".yaml", ".yml")) else ".json"
    return Document(parse(answer.body, suffix, source), source, answer.content_type)


def parse(content: bytes, suffix: str, source: str) -> dict[str, Any]:
    """A JSON or YAML document as a mapping whose keys are strings (YAML reads ``200:`` as a number)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecUnavailable(f"{source}: the document is not UTF-8 text") from None
    data: Any
    try:
        data = json.loads(text)
    except ValueError:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            kind = "YAML" if suffix in (".yaml", ".yml") else "JSON or YAML"
            raise SpecUnavailable(f"{source}: not {kind}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or not ("openapi" in data or "swagger" in data):
        what = type(data).__name__ if not isinstance(data, dict) else f"an object with keys {sorted(data)[:5]}"
        raise SpecUnavailable(f"{source}: not an OpenAPI document (no top-level 'openapi' or 'swagger'): got {what}")
    return _string_keys(data)


def _string_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


# --- exchanges -------------------------------------------------------------------------------------


def judged_exchanges(exchanges: list[Exchange], *, skip_checks: set[str]) -> Iterator[Exchange]:
    """The recorded exchanges that got an answer, less those of the checks in ``skip_checks``."""
    for exchange in exchanges:
        if exchange.status is None or exchange.check in skip_checks:
            continue
        yield exchange


def response_bytes(exchange: Exchange) -> bytes:
    return (exchange.response_body or "").encode("utf-8")
