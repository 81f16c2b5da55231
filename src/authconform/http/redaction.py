"""Redaction of secrets from everything a run writes or prints.

Reports are attached to audits and pasted into tickets, so a password, token, refresh token or
secret-header value must never reach one. Redaction works three ways: by value (every secret the
run knows of, also base64-, URL- and JSON-escaped), by shape (any JWT keeps its header and payload,
which any holder can read, and loses its signature), and by name (JSON keys and headers that carry
credentials). It is applied when something is shown, so secrets learnt late still count.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{2,})")
SIGNATURE_MARK = "[REDACTED signature]"

SENSITIVE_KEYS = frozenset(
    {
        "password", "passwd", "pass", "secret", "token", "access_token", "refresh_token", "id_token",
        "api_token", "api_key", "apikey", "client_secret", "one_time_password", "otp", "company_key",
        "oauth_user_token", "jwt",
    }
)
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-token", "x-api-secret", "x-api-key"}
)
MIN_SECRET_LENGTH = 3
_HEX_ESCAPE = re.compile(r"[<>'&\"]")


def secret_forms(value: str) -> set[str]:
    """The ways a secret can show up in text: raw, URL-, JSON-, HTML- and base64-encoded.

    HTML-escaped and PHP-hex-escaped forms matter because a server's debug page or Symfony's
    JsonResponse may echo a password back with ``&`` or ``"`` escaped.
    """
    raw = value.encode()
    forms = {
        value,
        quote(value, safe=""),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value)[1:-1].replace("/", "\\/"),
        html.escape(value),
        html.escape(value, quote=False),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
    }
    hexed = _HEX_ESCAPE.sub(lambda m: f"\\u{ord(m.group(0)):04X}", json.dumps(value)[1:-1].replace('\\"', '"'))
    forms |= {hexed, hexed.replace("/", "\\/")}
    forms |= {f.rstrip("=") for f in list(forms)}
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


class Redactor:
    """Knows the run's secrets and removes them from text and structures."""

    def __init__(self, secrets: Iterable[str] = (), headers: Iterable[str] = ()):
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self._headers = set(SENSITIVE_HEADERS) | {h.lower() for h in headers}
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None, label: str = "secret") -> None:
        """Remember a value that must never be shown (a password, a token, a header value)."""
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            for form in secret_forms(secret):
                self._values.setdefault(form, label)
            self._pattern = None

    def add_header(self, name: str) -> None:
        self._headers.add(name.lower())

    def is_sensitive_header(self, name: str) -> bool:
        return name.lower() in self._headers

    def text(self, value: str | None) -> str | None:
        """Redact a piece of text: JWT signatures, then every known secret value."""
        if not value:
            return value
        value = JWT.sub(lambda m: f"{m.group(1)}.{SIGNATURE_MARK}", value)
        pattern = self._compiled()
        if pattern is not None:
            value = pattern.sub(lambda m: f"[REDACTED {self._values.get(m.group(0), 'secret')}]", value)
        return value

    def header(self, name: str, value: str) -> str:
        if self.is_sensitive_header(name):
            scheme, _, rest = value.partition(" ")
            if rest and scheme.lower() in ("bearer", "basic", "token"):
                return f"{scheme} {self._credential(rest)}"
            return self._credential(value)
        return self.text(value) or value

    def _credential(self, value: str) -> str:
        if JWT.fullmatch(value.strip()):
            return self.text(value.strip()) or ""
        return f"[REDACTED {len(value)} chars]" if value else value

    def data(self, value: Any) -> Any:
        """Redact a JSON-like structure: sensitive keys lose their values, strings are redacted."""
        if isinstance(value, dict):
            return {k: self._keyed(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def _keyed(self, key: Any, value: Any) -> Any:
        if isinstance(key, str) and key.lower() in SENSITIVE_KEYS and isinstance(value, str) and value:
            if JWT.fullmatch(value):
                return self.text(value)
            return f"[REDACTED {key}]"
        return self.data(value)

    def body(self, text: str | None, content_type: str = "") -> str | None:
        """Redact a message body, by key when it is JSON (pretty layout kept), by value always."""
        if not text:
            return text
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if parsed is not None:
                indent = 4 if "\n" in text.strip() else None
                separators = None if indent else (",", ":")
                return self.text(json.dumps(self.data(parsed), indent=indent, separators=separators,
                                            ensure_ascii=False))
        if "application/x-www-form-urlencoded" in content_type:
            return self.text(_redact_form(text))
        return self.text(text)

    def _compiled(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._values:
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
            return self._pattern


def _redact_form(text: str) -> str:
    parts = []
    for pair in text.split("&"):
        name, sep, value = pair.partition("=")
        if sep and name.lower() in SENSITIVE_KEYS and value:
            value = f"[REDACTED {name}]"
        parts.append(f"{name}{sep}{value}")
    return "&".join(parts)
