"""The run's callback listener: where a forged ``jku`` or ``x5u`` points, and the record of who came.

ACCESS-JKU and ACCESS-X5U put a URL of this listener in a token's header. A verifier that trusts
the header fetches it (a server-side request to a URL the sender chose, RFC 8725 §3.10) and may then
verify the token with the attacker's key. The listener serves only the paths made for this run (a
random prefix per run), so a stray request or another run's token never counts, and it records
every request to those paths. It never sends anything itself: the harness makes no request to a
host the user did not name.

By default it binds 127.0.0.1 on a free port, which only a target on this machine can reach. For a
remote target, ``--callback-url http://<address the target can reach>:<port>`` names the URL the
tokens carry; the listener binds that port on all interfaces (the user chose to expose it).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class Fetch:
    """One request the listener received on a path of this run."""

    path: str
    client: str
    user_agent: str
    at: float


class CallbackListener:
    """A small HTTP server that answers this run's documents and remembers each fetch of them."""

    def __init__(self, callback_url: str | None = None):
        self.prefix = "/" + secrets.token_urlsafe(18)
        self._documents: dict[str, tuple[str, bytes]] = {}
        self._fetches: list[Fetch] = []
        self._lock = threading.Lock()
        if callback_url:
            parts = urlsplit(callback_url)
            if parts.scheme != "http" or not parts.hostname or not parts.port:
                raise ValueError(f"--callback-url {callback_url!r}: expected http://<host>:<port>")
            bind, port, public = "0.0.0.0", parts.port, f"http://{parts.netloc}"  # noqa: S104 (the user asked)
        else:
            bind, port, public = "127.0.0.1", 0, None
        self._server = ThreadingHTTPServer((bind, port), self._handler())
        self._server.daemon_threads = True
        self.base = public or f"http://127.0.0.1:{self._server.server_address[1]}"
        # a short poll: close() waits for the serving loop to notice, and the default half second is run time
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="authconform-callback", daemon=True)
        self._thread.start()

    @property
    def loopback_only(self) -> bool:
        return urlsplit(self.base).hostname in LOOPBACK_HOSTS

    def publish(self, name: str, content_type: str, body: bytes) -> str:
        """Serve ``body`` at a fresh path of this run; the URL a forged header can name."""
        path = f"{self.prefix}/{secrets.token_urlsafe(8)}/{name}"
        with self._lock:
            self._documents[path] = (content_type, body)
        return self.base + path

    def fetches_of(self, url: str, *, wait: float = 0.0) -> list[Fetch]:
        """The requests made for ``url`` so far, waiting up to ``wait`` seconds for a first one."""
        path = urlsplit(url).path
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                found = [f for f in self._fetches if f.path == path]
            if found or time.monotonic() >= deadline:
                return found
            time.sleep(0.05)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = urlsplit(self.path).path
                with listener._lock:
                    document = listener._documents.get(path)
                    if document is not None:
                        listener._fetches.append(Fetch(path, self.client_address[0],
                                                       self.headers.get("User-Agent", ""), time.time()))
                if document is None:  # not this run's: answered, never recorded
                    self.send_error(404)
                    return
                content_type, body = document
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
                return  # quiet: the suite reports what matters

        return Handler
