"""A recording reverse proxy on loopback, put between a run and a reference target.

From the harness's side it *is* the target: every request it makes arrives here, is timestamped,
forwarded unchanged, and kept with the answer. A test can then count what the target really saw
(failed logins per account, requests per second) and collect every credential the target issued
(tokens, refresh tokens, cookies), which is what the redaction proof searches the reports for.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade", "te"}


@dataclass
class Recorded:
    """One request the target received and what it answered."""

    at: float  # time.monotonic() when the request reached the proxy
    method: str
    target: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int = 0
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def request_fields(self) -> dict[str, Any] | None:
        """The request body as a JSON object or a form, if it is either."""
        try:
            body = json.loads(self.request_body) if self.request_body else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
        try:
            text = self.request_body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        form = parse_qs(text, keep_blank_values=True)
        if form and all(key.isprintable() for key in form):
            return {key: values[-1] for key, values in form.items()}
        return None

    def response_json(self) -> Any:
        try:
            return json.loads(self.response_body) if self.response_body else None
        except ValueError:
            return None


class _Handler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._forward
        raise AttributeError(name)

    def _forward(self) -> None:
        arrived = time.monotonic()
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        owner = self.server.owner
        record = Recorded(arrived, self.command, self.path, list(self.headers.items()), body)
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"]
        try:
            with owner.http.stream(self.command, owner.upstream + self.path, headers=headers, content=body) as answer:
                data = b"".join(answer.iter_raw())
                record.status = answer.status_code
                record.response_headers = list(answer.headers.multi_items())
        except httpx.HTTPError as exc:
            record.status, data = 502, f"proxy: {exc}".encode()
            record.response_headers = [("Content-Type", "text/plain")]
        record.response_body = data
        with owner.lock:
            owner.records.append(record)
        self.send_response_only(record.status)
        for key, value in record.response_headers:
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: RecordingProxy


class RecordingProxy:
    """Forward everything to ``upstream``; keep every exchange in :attr:`records`."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.records: list[Recorded] = []
        self.lock = threading.Lock()
        self.http = httpx.Client(follow_redirects=False, timeout=60)
        self._server = _ProxyServer(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.http.close()

    def seen(self) -> list[Recorded]:
        with self.lock:
            return list(self.records)
