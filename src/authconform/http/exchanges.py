"""Recorded HTTP exchanges: what the harness sent and what came back, for the report.

Every request goes through :class:`Recorder`, tagged with the check that sent it, so a reviewer
can open a finding and see the exact exchange behind it. Exchanges keep raw bytes in memory only;
:meth:`Exchange.to_dict` is the one way out, and it redacts.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .redaction import Redactor

SHOWN_BODY_CHARS = 16_384


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: str | None
    purpose: str = ""
    check: str | None = None
    test: str | None = None
    started: float = field(default_factory=time.time)
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: str | None = None
    elapsed: float = 0.0
    error: str | None = None
    error_kind: str | None = None  # connect | timeout | protocol | too_large | http

    def header(self, name: str) -> str | None:
        for key, value in self.response_headers:
            if key.lower() == name.lower():
                return value
        return None

    def request_line(self, redactor: Redactor) -> str:
        return f"{self.method} {redactor.text(self.url)}"

    def to_dict(self, redactor: Redactor) -> dict[str, Any]:
        """The exchange as the report shows it, with every secret redacted."""

        def headers(pairs: list[tuple[str, str]]) -> list[list[str]]:
            return [[k, redactor.header(k, v)] for k, v in pairs]

        def body(text: str | None, pairs: list[tuple[str, str]]) -> str | None:
            if text is None:
                return None
            content_type = next((v for k, v in pairs if k.lower() == "content-type"), "")
            shown = redactor.body(text, content_type) or ""
            if len(shown) > SHOWN_BODY_CHARS:
                shown = shown[:SHOWN_BODY_CHARS] + f"\n… ({len(shown) - SHOWN_BODY_CHARS} more characters)"
            return shown

        return {
            "check": self.check,
            "purpose": self.purpose,
            "started": self.started,
            "elapsed_ms": round(self.elapsed * 1000, 1),
            "request": {
                "method": self.method,
                "url": redactor.text(self.url),
                "headers": headers(self.request_headers),
                "body": body(self.request_body, self.request_headers),
            },
            "response": None
            if self.status is None
            else {
                "status": self.status,
                "reason": self.reason,
                "headers": headers(self.response_headers),
                "body": body(self.response_body, self.response_headers),
            },
            "error": redactor.text(self.error),
        }


class Recorder:
    """Collects exchanges and knows which check is running, to tag each one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.exchanges: list[Exchange] = []
        self.current_check: str | None = None
        self.current_test: str | None = None

    def add(self, exchange: Exchange) -> Exchange:
        exchange.check = exchange.check or self.current_check
        exchange.test = exchange.test or self.current_test
        with self._lock:
            self.exchanges.append(exchange)
        return exchange

    @contextlib.contextmanager
    def attributed_to(self, check: str | None, test: str | None) -> Iterator[None]:
        """Tag what is sent meanwhile as another check's: a probe sent early for a check that judges later."""
        saved = self.current_check, self.current_test
        self.current_check, self.current_test = check, test
        try:
            yield
        finally:
            self.current_check, self.current_test = saved

    def for_test(self, nodeid: str) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if e.test == nodeid]
