"""Loading a target profile: YAML, environment expansion, schema validation, defaults.

A profile is written by hand and kept in the user's repository, so every mistake in it must come
back as one line naming the file, the field (and the line where YAML can tell) and a hint, never
as a traceback. :class:`ProfileError` carries that line; the CLI prints it and exits 2.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from . import resources
from .exceptions import ProfileError as ProfileError  # re-exported: defined in exceptions.py

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_PEM_MARK = "-----BEGIN "


@dataclass(frozen=True)
class Account:
    """A login identity and its password, as the profile names them."""

    role: str
    identity: str
    password: str
    id: str | None = None  # accounts.<role>.id: what an id-valued identity claim holds
    max_failed_logins: int | None = None  # accounts.<role>.max_failed_logins: its own budget


def _schema() -> dict[str, Any]:
    import json

    return json.loads((resources.schemas_dir() / "profile.schema.json").read_text())


_SCHEMA: dict[str, Any] | None = None


def profile_schema() -> dict[str, Any]:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = _schema()
    return _SCHEMA


def _deref(node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = profile_schema()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


def _field_name(path: Iterator[Any] | list[Any]) -> str:
    return ".".join(str(p) for p in path)


class Section(Mapping[str, Any]):
    """Read-only attribute access to one part of a validated profile.

    Fields the schema knows but the profile leaves out read as ``None``; a name the schema does
    not know raises ``AttributeError``, so a typo in a suite fails loudly instead of skipping.
    """

    def __init__(self, data: Mapping[str, Any], schema: Mapping[str, Any], path: str):
        self._data = data
        self._schema = _deref(schema)
        self._path = path

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        properties = self._schema.get("properties", {})
        if name not in properties and name not in self._data:
            raise AttributeError(f"profile field {self._path}.{name} does not exist")
        value = self._data.get(name)
        child = _deref(properties.get(name, {}))
        if isinstance(value, Mapping) and ("properties" in child or "additionalProperties" in child):
            return Section(value, child, f"{self._path}.{name}".lstrip("."))
        return value

    def __getitem__(self, key: str) -> Any:
        return self.__getattr__(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<profile section {self._path or '(root)'}>"

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self._data))


@dataclass(frozen=True)
class CredentialScheme:
    """``protected.scheme`` parsed once: ``bearer``, ``header:<Name>`` or ``authorization:<Scheme>``.

    ``bearer`` is ``Authorization: Bearer <token>`` (RFC 6750 §2.1); ``header:X-API-TOKEN`` sends the raw
    token in that header (Invoice Ninja); ``authorization:Token`` sends ``Authorization: Token <token>``
    (django-rest-knox). The profile schema's pattern has already refused any other form.
    """

    kind: str  # bearer | header | authorization
    name: str = ""  # the header's name (header) or the auth-scheme (authorization)

    @classmethod
    def parse(cls, text: str | None) -> CredentialScheme:
        kind, _, name = (text or "bearer").partition(":")
        if kind == "bearer" and not name:
            return cls("bearer", "Bearer")
        if kind in ("header", "authorization") and name:
            return cls(kind, name)
        raise ValueError(f"protected.scheme {text!r}: expected bearer, header:<Name> or authorization:<Scheme>")

    @property
    def header_name(self) -> str:
        """The header the token travels in."""
        return self.name if self.kind == "header" else "Authorization"

    def headers(self, token: str) -> dict[str, str]:
        """The request header(s) that carry ``token`` this way."""
        if self.kind == "header":
            return {self.name: token}
        return {"Authorization": f"{self.name} {token}"}

    def __str__(self) -> str:
        return "bearer" if self.kind == "bearer" else f"{self.kind}:{self.name}"


class Profile(Section):
    """A validated profile with its environment expanded and defaults filled in."""

    def __init__(self, data: dict[str, Any], source: Path | None):
        super().__init__(data, profile_schema(), "")
        self.source = source
        self.directory = source.parent if source else None

    def account(self, role: str) -> Account | None:
        """The account for ``role`` (valid, disabled, lockout), or None when the profile has none."""
        entry = self._data.get("accounts", {}).get(role)
        if not entry:
            return None
        return Account(role=role, identity=entry["identity"], password=entry["password"], id=entry.get("id") or None,
                       max_failed_logins=entry.get("max_failed_logins"))

    def resolve(self, reference: str) -> Path | None:
        return resources.resolve_file(reference, self.directory)

    def key_material(self, value: str | None) -> str | None:
        """PEM text for a key given inline or as a file path (None when not given)."""
        if not value:
            return None
        if _PEM_MARK in value:
            return value
        path = self.resolve(value)
        return path.read_text() if path else None

    def with_base_url(self, base_url: str) -> Profile:
        data = copy.deepcopy(self._data)
        data["base_url"] = base_url
        return Profile(data, self.source)

    @property
    def credential_scheme(self) -> CredentialScheme:
        """How the protected endpoint takes a token (``protected.scheme``; ``bearer`` without the section)."""
        return CredentialScheme.parse(self.protected.scheme if self.protected is not None else None)

    def schema_path(self, reference: str | None) -> str | None:
        """The file a schema reference names (relative to the profile, or a built-in), as ``expect`` takes it."""
        if not reference:
            return None
        path = self.resolve(reference)
        return str(path) if path else None

    def secret_header_names(self) -> list[str]:
        """Every header whose value a report must never show: the secret header, the token's own header."""
        names = [self.secret_header.name] if self.secret_header else []
        scheme = self.credential_scheme
        if scheme.kind == "header":
            names.append(scheme.header_name)
        return names

    def secret_values(self) -> list[str]:
        """Every value a report must never show: passwords, secret-header and document-header values, keys.

        The one list of what counts as a secret in a profile (the run's redactor is built from it and
        :meth:`secret_header_names`); a new secret field belongs here.
        """
        values = [a["password"] for a in self._data.get("accounts", {}).values() if a.get("password")]
        header = self._data.get("secret_header")
        if header and header.get("value"):
            values.append(header["value"])
        values += [v for v in ((self._data.get("openapi") or {}).get("headers") or {}).values() if v]
        disabled_refresh = (self._data.get("refresh") or {}).get("disabled_refresh_token")
        if disabled_refresh:
            values.append(disabled_refresh)
        for section in ("verify", "signing"):
            secret = (self._data.get("token", {}).get(section) or {}).get("secret")
            if secret:
                values.append(secret)
        return values


def yaml_syntax_error(exc: yaml.YAMLError) -> tuple[str, int | None]:
    """What a YAML syntax error says and its 1-based line, for a ``file:line: message`` error."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"YAML syntax error: {problem}", (mark.line + 1 if mark else None)


def _line_of(document: yaml.Node | None, path: list[Any]) -> int | None:
    """The 1-based line of the node at ``path`` in a composed YAML document, if it exists."""
    node = document
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    node, line = value, key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def expand_environment(value: Any, env: Mapping[str, str], source: str, path: list[Any], document=None) -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}`` in every string of the profile."""
    if isinstance(value, dict):
        return {k: expand_environment(v, env, source, [*path, k], document) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_environment(v, env, source, [*path, i], document) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ProfileError(
            source,
            _field_name(path),
            f"environment variable {name} is not set",
            line=_line_of(document, path),
            hint=f"export {name}=..., or write ${{{name}:-default}} in the profile",
        )

    return _VARIABLE.sub(substitute, value)


_NO_DEFAULT = object()


def _fill_defaults(data: dict[str, Any], schema: Mapping[str, Any]) -> None:
    schema = _deref(schema)
    for name, node in schema.get("properties", {}).items():
        child = _deref(node)
        default = node.get("default", child.get("default", _NO_DEFAULT))
        if name not in data and default is not _NO_DEFAULT:
            data[name] = copy.deepcopy(default)
        if isinstance(data.get(name), dict):
            _fill_defaults(data[name], child)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for value in data.values():
            if isinstance(value, dict):
                _fill_defaults(value, extra)


def _allowed_names(schema: Mapping[str, Any], path: list[Any]) -> list[str]:
    node = _deref(schema)
    for part in path:
        node = _deref(node.get("properties", {}).get(part) or node.get("additionalProperties") or {})
    return list(node.get("properties", {}))


_TYPE_HINTS = {
    "integer": "write a whole number without quotes, e.g. 4",
    "number": "write a number without quotes, e.g. 10 or 0.5",
    "string": "write text here; quote it if YAML reads it as something else, e.g. '123'",
    "boolean": "write true or false",
    "array": "write a list, e.g. [RS256] or one '- item' per line",
    "object": "write a mapping of fields here (name: value, one per line)",
    "null": "leave the value out",
}


def _schema_error(error: jsonschema.ValidationError, source: str, document) -> ProfileError:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = _allowed_names(profile_schema(), path)
        unknown = [k for k in error.instance if k not in allowed]
        name = unknown[0] if unknown else "?"
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(allowed)}"
        return ProfileError(
            source, _field_name([*path, name]), "unknown field", line=_line_of(document, [*path, name]), hint=hint
        )
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return ProfileError(
            source,
            _field_name([*path, missing]),
            "required field is missing",
            line=_line_of(document, path),
            hint=f"add '{missing}' under {_field_name(path) or 'the top level'}",
        )
    if error.validator == "type":
        kinds = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return ProfileError(
            source,
            _field_name(path),
            f"expected {' or '.join(kinds)}, got {type(error.instance).__name__} {error.instance!r}",
            line=_line_of(document, path),
            hint=_TYPE_HINTS.get(kinds[0], ""),
        )
    if error.validator == "pattern" and path and path[-1] in ("token", "refresh_token", "message_pointer",
                                                              "identity_pointer"):
        return ProfileError(
            source,
            _field_name(path),
            f"{error.instance!r} is not a JSON Pointer",
            line=_line_of(document, path),
            hint="a JSON Pointer starts with '/', e.g. /token or /data/0/token/token",
        )
    return ProfileError(source, _field_name(path), error.message, line=_line_of(document, path))


def _drop_empty_optionals(data: dict[str, Any], source: str) -> None:
    """Values left empty by ``${VAR:-}`` mean 'not given' for optional parts of the profile."""
    accounts = data.get("accounts", {})
    valid = accounts.get("valid", {})
    if not valid.get("identity") or not valid.get("password"):
        raise ProfileError(
            source,
            "accounts.valid",
            "the valid account needs a non-empty identity and password",
            hint="set the environment variables the profile names",
        )
    for role in [r for r in accounts if r != "valid"]:
        if not accounts[role].get("identity"):
            del accounts[role]
    token = data.get("token", {})
    for section in ("verify", "signing"):
        for key, value in list((token.get(section) or {}).items()):
            if value == "":
                token[section][key] = None
    header = data.get("secret_header")
    if header is not None and not header.get("value"):
        del data["secret_header"]


def _check_references(data: dict[str, Any], source: str, directory: Path | None, document) -> None:
    """Every file the profile names exists, and every message template is well formed."""

    def schema_paths() -> Iterator[tuple[list[Any], str]]:
        success = data["login"]["success"]
        if success.get("schema"):
            yield ["login", "success", "schema"], success["schema"]
        for name, error in data["login"].get("errors", {}).items():
            if error.get("schema"):
                yield ["login", "errors", name, "schema"], error["schema"]
        refresh = data.get("refresh") or {}
        if refresh.get("schema"):
            yield ["refresh", "schema"], refresh["schema"]
        for name in ("rejected", "missing", "disabled"):
            if (refresh.get(name) or {}).get("schema"):
                yield ["refresh", name, "schema"], refresh[name]["schema"]
        if (data.get("secret_header") or {}).get("rejected_schema"):
            yield ["secret_header", "rejected_schema"], data["secret_header"]["rejected_schema"]
        token = data.get("token", {})
        for section in ("verify", "signing"):
            for key in ("public_key", "private_key"):
                value = (token.get(section) or {}).get(key)
                if value and _PEM_MARK not in value:
                    yield ["token", section, key], value

    for path, reference in schema_paths():
        if resources.resolve_file(reference, directory) is None:
            raise ProfileError(
                source,
                _field_name(path),
                f"file not found: {reference}",
                line=_line_of(document, path),
                hint="paths are relative to the profile, its parent folder or the working directory",
            )
    for name, error in data["login"].get("errors", {}).items():
        template = error.get("message")
        if template is None:
            continue
        path = ["login", "errors", name, "message"]
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        except ValueError as exc:
            raise ProfileError(
                source,
                _field_name(path),
                f"malformed message template {template!r}: {exc}",
                line=_line_of(document, path),
                hint="the only placeholder is {field}; write {{ and }} for literal braces",
            ) from None
        unknown = [n for n in names if n != "field"]
        if unknown:
            raise ProfileError(
                source,
                _field_name(path),
                f"unknown placeholder {{{unknown[0]}}} in message template",
                line=_line_of(document, path),
                hint="the only placeholder is {field}",
            )


def _message_patterns(data: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """Every ``message_pattern`` the profile states, with its path."""
    for name, error in data["login"].get("errors", {}).items():
        if error.get("message_pattern") is not None:
            yield ["login", "errors", name, "message_pattern"], error["message_pattern"]
    refresh = data.get("refresh") or {}
    for name in ("rejected", "missing", "disabled"):
        if (refresh.get(name) or {}).get("message_pattern") is not None:
            yield ["refresh", name, "message_pattern"], refresh[name]["message_pattern"]
    header = data.get("secret_header") or {}
    if header.get("rejected_message_pattern") is not None:
        yield ["secret_header", "rejected_message_pattern"], header["rejected_message_pattern"]


def _check_patterns(data: dict[str, Any], source: str, document) -> None:
    """Every message_pattern is a regular expression Python can compile ({field} stands for a field name)."""
    for path, pattern in _message_patterns(data):
        try:
            re.compile(pattern.replace("{field}", "field"))
        except re.error as exc:
            raise ProfileError(source, _field_name(path), f"not a regular expression: {exc}",
                               line=_line_of(document, path),
                               hint="Python re syntax, searched in the message; escape . ( [ with a backslash, "
                                    "or use message for an exact text") from None


@dataclass(frozen=True)
class ProfileText:
    """A profile file read and parsed as YAML, before environment expansion and validation.

    The run reads it once: ``reference_target`` decides which embedded target to start, and that
    target's environment (its generated passwords) is what the profile is then expanded with.
    """

    file: Path
    document: Any  # the YAML node tree, for line numbers in errors
    raw: dict[str, Any]

    @property
    def reference_target(self) -> str | None:
        """The embedded flavour the profile names (read before expansion), or None."""
        value = self.raw.get("reference_target")
        return value if isinstance(value, str) else None


def read_profile(path: str | Path) -> ProfileText:
    """Find the profile (a file or a built-in name) and parse its YAML; raises :class:`ProfileError`."""
    file = Path(path)
    if not file.is_file():
        builtin = resources.builtin_profile(str(path))
        if builtin is None:
            raise ProfileError(str(path), "", "no such profile file or built-in profile",
                               hint="built-in profiles: " + ", ".join(sorted(
                                   p.stem for p in resources.profiles_dir().glob("*.yaml"))))
        file = builtin
    source = str(file)
    text = file.read_text(encoding="utf-8")
    try:
        document = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        message, line = yaml_syntax_error(exc)
        raise ProfileError(source, "", message, line=line,
                           hint="check indentation and quoting near that line") from None
    if not isinstance(raw, dict):
        raise ProfileError(source, "", "a profile is a YAML mapping of fields", line=1)
    return ProfileText(file, document, raw)


def load_profile(path: str | Path | ProfileText, env: Mapping[str, str] | None = None) -> Profile:
    """Read (unless given already read), expand, validate and complete the profile at ``path``.

    ``path`` may also be the name of a built-in profile (``pch-sig``).
    """
    env = os.environ if env is None else env
    read = path if isinstance(path, ProfileText) else read_profile(path)
    file, document, source = read.file, read.document, str(read.file)
    data = expand_environment(copy.deepcopy(read.raw), env, source, [], document)
    validator = jsonschema.Draft202012Validator(profile_schema())
    errors = list(validator.iter_errors(data))
    if errors:
        # An unknown (misspelt) field explains the "required field missing" error beside it: show it first.
        errors.sort(key=lambda e: (e.validator != "additionalProperties", -len(list(e.absolute_path))))
        raise _schema_error(errors[0], source, document)
    _fill_defaults(data, profile_schema())
    _drop_empty_optionals(data, source)
    _check_references(data, source, file.parent, document)
    _check_patterns(data, source, document)
    return Profile(data, file)
