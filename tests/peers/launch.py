"""Start a peer server in a subprocess and read where it listens (the test side of ``serving``)."""

from __future__ import annotations

import json
import os
import selectors
import shutil
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
# Peers that are not Python: the folder holding package.json + package-lock.json, and the script to run.
NODE_PEERS = {
    "express-jwt": (ROOT / "tests" / "peers" / "express_jwt", "server.js"),
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
    command, cwd = [sys.executable, "-m", MODULES.get(name, "")], ROOT
    if name in NODE_PEERS:
        folder, script = NODE_PEERS[name]
        install_node_packages(folder)
        command, cwd = [shutil.which("node") or "node", script], folder
        env["NODE_ENV"] = "production"  # as deployed: Express's error pages carry no stack traces
    with open(log, "wb") as stderr:
        process = subprocess.Popen(command, cwd=cwd, env=env,
                                   stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
    line = _first_line(process, timeout)
    if not line:
        process.kill()
        process.wait(10)
        raise PeerFailed(f"{name} did not start within {timeout:.0f} s (exit {process.poll()}): "
                         f"{log.read_text(errors='replace')[-3000:]}")
    announced = json.loads(line)
    return Peer(name, announced["url"], announced["env"], process, log)


def install_node_packages(folder: Path) -> None:
    """``npm ci`` in ``folder`` unless its node_modules already matches package-lock.json.

    A fresh clone has no node_modules (git-ignored): the locked versions come from the npm registry,
    exactly as package-lock.json pins them. npm writes node_modules/.package-lock.json after an install;
    when it equals the committed lock file there is nothing to do.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise PeerFailed(f"npm is not on PATH: cannot install the packages of {folder.name} (Node.js 18+ and npm)")
    installed = folder / "node_modules" / ".package-lock.json"
    lock = json.loads((folder / "package-lock.json").read_text())
    if installed.exists() and json.loads(installed.read_text()).get("packages", {}).keys() \
            == {k for k in lock.get("packages", {}) if k}:
        return
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder,
                          capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise PeerFailed(f"npm ci in {folder} failed (exit {done.returncode}): {done.stderr[-3000:]}")


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
