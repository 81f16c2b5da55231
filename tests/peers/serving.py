"""Inside a peer server's process: fill in its environment, then serve a WSGI app on a free loopback port.

The first line the process prints is JSON, ``{"url": ..., "env": {...}}``: where it listens and the
environment variables its built-in profile reads. A launcher reads that line; a person running the
module by hand gets the same line to copy the values from.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

from waitress.server import create_server


def environment(defaults: Mapping[str, Callable[[], str]]) -> dict[str, str]:
    """Each variable from ``os.environ``, or made up by its default factory; set back into ``os.environ``."""
    values = {}
    for name, make in defaults.items():
        values[name] = os.environ.get(name) or make()
        os.environ[name] = values[name]
    return values


def password() -> str:
    return "pw-" + secrets.token_urlsafe(12)


def data_dir() -> str:
    """Where the server keeps its files (sqlite, keys): PEER_DATA_DIR, or a fresh temporary folder."""
    folder = os.environ.get("PEER_DATA_DIR") or tempfile.mkdtemp(prefix="authconform-peer-")
    os.environ["PEER_DATA_DIR"] = folder
    return folder


def serve(app: Callable[..., Any], profile_env: Mapping[str, str], host: str = "127.0.0.1") -> None:
    """Serve ``app`` with waitress on a port the OS picks, after announcing it on stdout."""
    port = int(os.environ.get("PEER_PORT", "0"))
    server = create_server(app, host=host, port=port, threads=4, ident="waitress")
    url = f"http://{host}:{server.effective_port}"
    sys.stdout.write(json.dumps({"url": url, "env": dict(profile_env)}) + "\n")
    sys.stdout.flush()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
