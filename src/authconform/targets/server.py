"""Serve an ASGI app with uvicorn on a background thread, for tests and ``authconform run``.

The socket is bound here, before uvicorn starts, so ``port=0`` yields a free port whose number
is known at once. uvicorn installs no signal handlers off the main thread, so the caller's
Ctrl+C keeps working. Stopping asks uvicorn to exit without waiting for idle keep-alive
connections, which keeps ``stop()`` well under a second.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

from authconform.exceptions import TargetStartError as TargetStartError  # re-exported: defined in exceptions.py
from authconform.targets.raw_headers import RawHeaderNamesProtocol

START_TIMEOUT = 10.0
STOP_TIMEOUT = 2.0


def bind(host: str, port: int) -> socket.socket:
    """A bound TCP socket (IPv4 or IPv6 by the host's form) for uvicorn to listen on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it
    # every keep-alive answer waits ~40 ms for a delayed ACK (Nagle), which would swamp timing measurements
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class BackgroundServer:
    """One uvicorn server on its own thread and event loop."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, certificate: str | None = None):
        """``certificate``: a PEM file with the key and certificate, to serve https instead of http."""
        self.host = host
        self.scheme = "https" if certificate else "http"
        self.socket = bind(host, port)
        self.port: int = self.socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=RawHeaderNamesProtocol,  # h11, plus the header names as the client spelt them
            ws="none",
            loop="asyncio",
            server_header=False,
            ssl_certfile=certificate,
            ssl_keyfile=certificate,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"authconform-target-{self.port}", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self.socket]))
        except BaseException as exc:  # reported to the thread that called start()
            self._error = exc

    def start(self) -> None:
        """Start the thread and return once uvicorn accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise TargetStartError(
                    f"the reference target on port {self.port} did not start: {self._error!r}"
                )
            time.sleep(0.01)

    def stop(self) -> None:
        """Ask uvicorn to exit now (idle keep-alive connections are closed) and join the thread."""
        self._server.should_exit = True
        self._server.force_exit = True
        if self._thread.is_alive():
            self._thread.join(STOP_TIMEOUT)
        self.socket.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
