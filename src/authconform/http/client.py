"""The one HTTP client of a run: paced, never following redirects, never keeping cookies.

A misbehaving target (HTML instead of JSON, a 500, a timeout, a 10 MB body, a redirect) must
become a failed check with a readable reason, so :meth:`TargetClient.request` never raises for
anything the server does: it returns an :class:`Answer` whose ``error`` says what went wrong.
Cookies are dropped after every exchange because Chamilo's login also sets a session cookie that
authenticates the API, and a harness that kept it would see "no token" requests succeed.
``timeout`` bounds a whole request (connect, send, headers, body), not each read: a server that
drips its headers a byte at a time would otherwise hold a request for as long as it likes. A
target that stops answering must not hold a CI job for ``timeout`` seconds per check: after
``max_consecutive_timeouts`` timeouts in a row, later requests are not sent and fail at once.
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from .. import __version__
from .exchanges import Exchange, Recorder
from .redaction import Redactor

_UNSET: Any = object()
USER_AGENT = f"authconform/{__version__}"


def is_json_media(media_type: str | None) -> bool:
    """Whether a Content-Type (parameters ignored) says JSON: the one rule every check and the OpenAPI judge use.

    ``application/json`` (RFC 8259 §11) and any structured-syntax ``+json`` suffix (RFC 6839 §3.1:
    ``application/problem+json`` of RFC 9457, ``application/vnd.api+json``). Not ``*/json`` such as
    ``text/json``: no registration defines it, so a server that labels its JSON that way earns no credit
    for a JSON content type, and a body so labelled is not judged against a JSON schema.
    """
    kind = (media_type or "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.count("/") == 1 and kind.endswith("+json") and "/+" not in kind)


class Answer:
    """A response (or the failure to get one) and the exchange that recorded it."""

    def __init__(self, exchange: Exchange, body: bytes, redactor: Redactor):
        self.exchange = exchange
        self.body = body
        self._redactor = redactor
        self._json: Any = _UNSET

    @property
    def status(self) -> int | None:
        return self.exchange.status

    @property
    def error(self) -> str | None:
        return self.exchange.error

    @property
    def ok(self) -> bool:
        return self.exchange.error is None and self.exchange.status is not None

    def header(self, name: str) -> str | None:
        return self.exchange.header(name)

    def headers(self, name: str) -> list[str]:
        return [v for k, v in self.exchange.response_headers if k.lower() == name.lower()]

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def is_json_type(self) -> bool:
        return is_json_media(self.content_type)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The parsed body, or None when it is not JSON."""
        if self._json is _UNSET:
            try:
                self._json = jsonlib.loads(self.body) if self.body else None
            except ValueError:
                self._json = None
        return self._json

    def describe(self, limit: int = 240) -> str:
        """One redacted line for a finding: status, content type, start of the body."""
        if self.status is None:
            return f"no answer ({self._redactor.text(self.error)})"
        body = self._redactor.body(self.text, self.content_type) or ""
        body = " ".join(body.split())
        if len(body) > limit:
            body = body[:limit] + "…"
        kind = self.content_type or "no content type"
        location = self.header("location")
        moved = f" to {self._redactor.text(location)}" if location and 300 <= self.status < 400 else ""
        return f"{self.status}{moved} ({kind}) {body or '(empty body)'}".rstrip()


class _Deadline(threading.local):
    """When the current thread's request must be over (None while no request runs)."""

    at: float | None = None

    def clip(self, timeout: float | None) -> float | None:
        if self.at is None:
            return timeout
        left = max(self.at - time.monotonic(), 0.001)
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits no longer than the running request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline):
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.clip(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.clip(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        stream = self._stream.start_tls(ssl_context, server_hostname, self._deadline.clip(timeout))
        return _DeadlineStream(stream, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with :class:`_DeadlineStream` connections."""

    def __init__(self, inner: httpcore.NetworkBackend, deadline: _Deadline):
        self._inner = inner
        self._deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, self._deadline.clip(timeout), local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, self._deadline.clip(timeout), socket_options),
                               self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bound_by_deadline(client: httpx.Client, deadline: _Deadline) -> None:
    """Give every connection pool of ``client`` (direct and proxies) deadline-bound connections.

    httpx does not take a network backend, so this reaches into its pools; if their layout ever
    changes, requests keep httpx's per-read timeout and the body reader's own time check.
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend, deadline)


class TargetClient:
    """Sends the run's requests to one target and records every exchange."""

    def __init__(
        self,
        base_url: str,
        *,
        redactor: Redactor,
        recorder: Recorder,
        timeout: float = 10.0,
        verify: bool = True,
        requests_per_second: float = 0,
        max_body_bytes: int = 2 * 1024 * 1024,
        max_consecutive_timeouts: int = 3,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.redactor = redactor
        self.recorder = recorder
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self._interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
        self._next_slot = 0.0
        self._pace_lock = threading.Lock()
        self.request_count = 0
        self.max_consecutive_timeouts = max_consecutive_timeouts
        self._timeouts_in_a_row = 0
        self._timeouts_lock = threading.Lock()
        self.stopped_answering: str | None = None  # why requests are no longer sent
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            verify=verify,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )
        self._deadline = _Deadline()
        if transport is None:
            _bound_by_deadline(self._http, self._deadline)

    def close(self) -> None:
        self._http.close()

    def url(self, path: str) -> str:
        if urlsplit(path).scheme:
            return path
        return urljoin(self.base_url + "/", path.lstrip("/"))

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def _pace(self) -> None:
        if not self._interval:
            return
        with self._pace_lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self._interval
        if wait > 0:
            time.sleep(wait)

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = _UNSET,
        content: bytes | str | None = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        purpose: str = "",
    ) -> Answer:
        """Send one request and return its answer; transport failures become ``answer.error``."""
        url = self.url(path)
        if json is not _UNSET:
            content = jsonlib.dumps(json)
            headers = {"Content-Type": "application/json", **(headers or {})}
        request = self._http.build_request(method, url, headers=headers, content=content, data=data,
                                           params=params)
        body_sent = request.content.decode("utf-8", errors="replace") if request.content else None
        exchange = Exchange(
            method=method,
            url=str(request.url),
            request_headers=[(k, v) for k, v in request.headers.items() if k.lower() != "user-agent"],
            request_body=body_sent,
            purpose=purpose,
        )
        self.recorder.add(exchange)
        if self.stopped_answering:
            exchange.error, exchange.error_kind = self.stopped_answering, "timeout"
            return Answer(exchange, b"", self.redactor)
        self._pace()
        self.request_count += 1
        started = time.perf_counter()
        received = b""
        try:
            self._http.cookies.clear()
            self._deadline.at = time.monotonic() + self.timeout
            response = self._http.send(request, stream=True)
            try:
                exchange.status = response.status_code
                exchange.reason = response.reason_phrase
                exchange.response_headers = list(response.headers.multi_items())
                received = self._read_body(response, started, exchange)
            finally:
                response.close()
        except httpx.ConnectTimeout:
            # a host that silently drops the connection attempt is unreachable, not a slow server
            exchange.error = (f"cannot connect to {self.origin}: no connection within {self.timeout:g} s "
                              "(limits.timeout)")
            exchange.error_kind = "connect"
        except httpx.TimeoutException:
            what = "answer body still arriving after" if exchange.status is not None else "no answer within"
            exchange.error, exchange.error_kind = f"{what} {self.timeout:g} s (limits.timeout)", "timeout"
        except httpx.ConnectError as exc:
            hint = "; its TLS certificate is not trusted (trust its CA, or pass --insecure)" \
                if "CERTIFICATE_VERIFY_FAILED" in str(exc) else ""
            exchange.error, exchange.error_kind = f"cannot connect to {self.origin}: {_reason(exc)}{hint}", "connect"
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            when = "mid-answer" if exchange.status is not None else "before an answer"
            exchange.error, exchange.error_kind = f"the connection broke {when}: {_reason(exc)}", "protocol"
        except httpx.HTTPError as exc:
            exchange.error, exchange.error_kind = f"HTTP error: {_reason(exc)}", "http"
        finally:
            self._deadline.at = None
            self._http.cookies.clear()
        exchange.elapsed = time.perf_counter() - started
        self._count_timeouts(exchange)
        if received:
            exchange.response_body = received.decode("utf-8", errors="replace")
        return Answer(exchange, received, self.redactor)

    def _count_timeouts(self, exchange: Exchange) -> None:
        with self._timeouts_lock:
            connect_timeout = exchange.error_kind == "connect" and exchange.elapsed >= self.timeout * 0.9
            if exchange.error_kind != "timeout" and not connect_timeout:
                self._timeouts_in_a_row = 0
                return
            self._timeouts_in_a_row += 1
            limit = self.max_consecutive_timeouts
            if limit and self._timeouts_in_a_row >= limit and not self.stopped_answering:
                self.stopped_answering = (f"target stopped answering: {self._timeouts_in_a_row} consecutive timeouts "
                                          f"(limits.max_consecutive_timeouts); request not sent")

    def _read_body(self, response: httpx.Response, started: float, exchange: Exchange) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_body_bytes:
                exchange.error_kind = "too_large"
                exchange.error = (
                    f"answer body larger than {self.max_body_bytes} bytes (limits.max_body_bytes); stopped reading"
                )
                break
            if time.perf_counter() - started > self.timeout:
                exchange.error_kind = "timeout"
                exchange.error = f"answer body still arriving after {self.timeout:g} s (limits.timeout)"
                break
        return b"".join(chunks)


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
