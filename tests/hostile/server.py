"""A raw HTTP/1.1 server on loopback whose answers are written byte by byte by a behaviour.

A framework would not let a test server drip a body, hang, reset a connection mid-answer or lie
about its content length, so this one reads the request itself and hands the socket to a
behaviour. Every request it read is kept (with the time it arrived), so a test can assert what a
target received: how many requests, which headers, which credentials.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import socketserver
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

MAX_HEAD = 64 * 1024


@dataclass
class Received:
    """One request as the server read it."""

    at: float  # time.monotonic() when its head was complete
    method: str
    target: str  # path and query, as sent
    headers: list[tuple[str, str]]
    body: bytes
    raw: bytes = field(repr=False)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


class Connection:
    """The accepted socket, with the few ways a behaviour answers (or refuses to)."""

    def __init__(self, sock: socket.socket, stopping: threading.Event):
        self.sock = sock
        self.stopping = stopping

    def write(self, data: bytes) -> bool:
        """Send ``data``; False once the client has gone away."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def head(self, status: int, headers: list[tuple[str, str]] | tuple = ()) -> bool:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers), "Connection: close"]
        return self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def answer(self, status: int, body: bytes | str = b"", content_type: str | None = "application/json",
               headers: list[tuple[str, str]] | tuple = ()) -> bool:
        data = body.encode() if isinstance(body, str) else body
        fields = [("Content-Length", str(len(data))), *headers]
        if content_type:
            fields.insert(0, ("Content-Type", content_type))
        return self.head(status, fields) and self.write(data)

    def wait_for_close(self, limit: float = 60.0) -> None:
        """Say nothing until the client hangs up (or the server stops, or ``limit`` passes)."""
        deadline = time.monotonic() + limit
        while not self.stopping.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([self.sock], [], [], 0.1)
            if readable:
                try:
                    if not self.sock.recv(4096):
                        return
                except OSError:
                    return

    def reset(self) -> None:
        """Abort with a TCP reset (SO_LINGER 0), as a crashing proxy or load balancer does."""
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()


Behaviour = Callable[[Received, Connection], None]


def _read_request(sock: socket.socket) -> Received | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > MAX_HEAD:
            return None
    arrived = time.monotonic()
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if line)]
    request = Received(arrived, parts[0], parts[1], headers, b"", b"")
    body = rest
    if (request.header("transfer-encoding") or "").lower() == "chunked":
        body = _read_chunked(sock, rest)
    else:
        length = int(request.header("content-length") or 0)
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    request.body = body
    request.raw = head + b"\r\n\r\n" + body
    return request


def _read_chunked(sock: socket.socket, data: bytes) -> bytes:
    body = b""
    while True:
        while b"\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return body
            data += chunk
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        while len(data) < size + 2:
            chunk = sock.recv(65536)
            if not chunk:
                return body + data
            data += chunk
        if size == 0:
            return body
        body, data = body + data[:size], data[size + 2:]


class _Handler(socketserver.BaseRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        owner = self.server.owner
        sock: socket.socket = self.request
        if owner.tls is not None:
            try:
                sock = owner.tls.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError):
                owner.handshake_failures += 1
                return
        sock.settimeout(30)
        try:
            request = _read_request(sock)
            if request is None:
                return
            with owner.lock:
                owner.received.append(request)
            owner.behaviour(request, Connection(sock, owner.stopping))
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                sock.close()


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    owner: RawServer


class RawServer:
    """Serve ``behaviour`` on ``host`` (a free port), over TLS when ``tls`` is a server context."""

    def __init__(self, behaviour: Behaviour, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None):
        self.behaviour = behaviour
        self.tls = tls
        self.received: list[Received] = []
        self.handshake_failures = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = _TCPServer((host, 0), _Handler)
        self._server.owner = self
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def start(self) -> RawServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RawServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests(self) -> list[Received]:
        with self.lock:
            return list(self.received)
