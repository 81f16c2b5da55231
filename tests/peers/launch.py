"""Start a peer server in a subprocess and read where it listens (the test side of ``serving``)."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MODULES = {
    "simplejwt": "tests.peers.simplejwt_app",
    "flask-jwt-extended": "tests.peers.flask_app",
    "knox": "tests.peers.knox_app",
}


class PeerFailed(RuntimeError):
    """The server exited or said nothing before its start-up deadline; the message carries its log."""


@dataclass
class Peer:
    name: str
    url: str
    env: dict[str, str]
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start(name: str, data_dir: Path, timeout: float = 90) -> Peer:
    """Start the peer ``name`` with its files in ``data_dir``; returns once it announced its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "TARGET_URL"}
    env["PEER_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with open(log, "wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", MODULES[name]], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
    line = _first_line(process, timeout)
    if not line:
        process.kill()
        process.wait(10)
        raise PeerFailed(f"{name} did not start within {timeout:.0f} s (exit {process.poll()}): "
                         f"{log.read_text(errors='replace')[-3000:]}")
    announced = json.loads(line)
    return Peer(name, announced["url"], announced["env"], process, log)


def _first_line(process: subprocess.Popen, timeout: float) -> bytes:
    deadline = time.monotonic() + timeout
    line = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            if not selector.select(max(deadline - time.monotonic(), 0)):
                break
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                break
            line += chunk
    return line.split(b"\n", 1)[0]
