"""The OpenAPI worker: document validation and the fuzzing engine in a process of their own, and the run's handle.

schemathesis, hypothesis and openapi-spec-validator take about 0.4 s to import, more than the rest of
what OPENAPI-SPEC-VALID and OPENAPI-FUZZ add to a run, and Hypothesis keeps global state (its random
seeding, the private hook :mod:`.engine` patches). In their own process they are imported while the
run's first checks go on (:meth:`Worker.start`, called by the plugin once it knows a selected check
will ask), not when the first of those checks needs them, and nothing of theirs is ever loaded into
the run's process. Two processes share no memory: no import can race a check.

Nothing reaches the target from the worker. It generates a request and asks the run to send it; the run
pays the failed-login budget, paces, sends, records and redacts it as it does every request, and
hands the answer back for the worker to judge. The messages go over the worker's stdin and stdout
(``multiprocessing.connection`` framing); a library printing to stdout is sent to stderr instead,
which goes to an unnamed temporary file the run reads (redacted) only if the worker fails. The
worker says it is ready, and which library it lacks, once its imports are done; the run sends it
nothing before, and waits at most :data:`WAIT_SECONDS` for any message, so it never hangs on a stuck worker.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from ..exceptions import ValidatorMissing, WorkerFailed
from .engine import Explored, Reply, Request

# The worker imports the same authconform as the run: from where the run's came (a checkout, a test's path),
# put first only when the interpreter would find none or another copy there (never shadowing the standard library).
_BOOTSTRAP = """
import importlib.util, os, sys
root = sys.argv[1]
found = importlib.util.find_spec("authconform")
if found is None or not (found.origin or "").startswith(os.path.join(root, "authconform", "")):
    sys.path.insert(0, root)
from authconform.openapi.worker import main
sys.exit(main())
"""
# How long the run waits for any one message of the worker (its imports on a loaded machine included)
# before it gives up on it, stops it and fails the check that asked.
WAIT_SECONDS = 120.0
_STDERR_SHOWN = 2000


class LibraryMissing(ImportError):
    """A library the worker needs for what it was asked is not installed; ``name`` says which."""


class Worker:
    """The run's handle on one worker process: started early, asked to validate and fuzz, stopped at the end."""

    def __init__(self, redact: Callable[[str], str | None] = lambda text: text):
        self._redact = redact
        self._process: subprocess.Popen[bytes] | None = None
        self._to: Connection | None = None
        self._from: Connection | None = None
        self._stderr: IO[bytes] | None = None
        self._missing: dict[str, str | None] | None = None  # by request, the library it lacks; None until ready

    @property
    def started(self) -> bool:
        return self._process is not None

    def start(self) -> None:
        """Start the process (it begins importing at once); returns without waiting for it."""
        if self._process is not None:
            return
        package_root = str(Path(__file__).resolve().parents[2])  # where this `authconform` is imported from
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (kept for the worker's life; close() closes it)
        self._process = subprocess.Popen([sys.executable, "-c", _BOOTSTRAP, package_root], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self._stderr)
        assert self._process.stdin is not None and self._process.stdout is not None
        self._to = Connection(os.dup(self._process.stdin.fileno()), readable=False)
        self._from = Connection(os.dup(self._process.stdout.fileno()), writable=False)
        self._process.stdin.close()
        self._process.stdout.close()

    def validation_problems(self, document: dict[str, Any], limit: int = 20) -> list[str]:
        """openapi-spec-validator's findings on the document (:func:`.validity.problems`).

        Raises :class:`~authconform.exceptions.ValidatorMissing` when it is not installed.
        """
        try:
            self._ask("validate", document, limit)
        except LibraryMissing as exc:
            raise ValidatorMissing(f"validating an OpenAPI document needs openapi-spec-validator ({exc.name} is not "
                                   "installed): pip install schemathesis openapi-spec-validator") from None
        return self._result("problems")

    def fuzz(self, send: Callable[[Request, str | None], Reply | None], **operation: Any) -> Explored:
        """Have the worker fuzz one operation (``engine.explore``'s arguments), sending through ``send``.

        Raises :class:`LibraryMissing` when schemathesis is not installed.
        """
        self._ask("fuzz", operation)
        return self._result("explored", send)

    def close(self) -> None:
        """Stop the worker and let go of its files.

        It is killed, not asked to exit: it holds nothing worth a clean exit, and an interpreter's
        exit with schemathesis loaded takes a tenth of a second.
        """
        for connection in (self._to, self._from):
            if connection is not None:
                with contextlib.suppress(OSError):
                    connection.close()
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        if self._stderr is not None:
            self._stderr.close()
        self._process = self._to = self._from = self._stderr = self._missing = None

    def _ask(self, kind: str, *arguments: Any) -> None:
        """Send a request once the worker is ready (it reads from then on, so a large document never blocks)."""
        self.start()
        if self._missing is None:
            said, *rest = self._get()
            if said != "ready":
                raise self._failed(f"the worker did not start: {rest[0] if rest else said}")
            self._missing = rest[0]
        if self._missing.get(kind):
            raise LibraryMissing(f"{self._missing[kind]} is not installed", name=self._missing[kind])
        self._put((kind, *arguments))

    def _result(self, kind: str, send: Callable[[Request, str | None], Reply | None] | None = None) -> Any:
        """Wait for the worker's answer of ``kind``, serving its send requests meanwhile."""
        while True:
            said, *rest = self._get()
            if said == kind:
                return rest[0]
            if said != "send" or send is None:
                raise self._failed(f"the worker erred: {rest[0] if rest else said}")
            try:
                reply = send(*rest)
            except BaseException:
                self.close()  # it waits for a reply that will not come
                raise
            self._put(("reply", reply))

    def _put(self, message: tuple[Any, ...]) -> None:
        assert self._to is not None
        try:
            self._to.send(message)
        except OSError as exc:
            raise self._failed(f"the worker stopped listening ({exc})") from None

    def _get(self) -> tuple[Any, ...]:
        assert self._from is not None
        try:
            if not self._from.poll(WAIT_SECONDS):
                raise self._failed(f"the worker sent nothing for {WAIT_SECONDS:g} s")
            return self._from.recv()
        except (EOFError, OSError):
            raise self._failed("the worker ended unexpectedly") from None

    def _failed(self, what: str) -> WorkerFailed:
        """Stop the worker and say what happened, with the end of its stderr (redacted)."""
        process, stderr = self._process, self._stderr
        if process is not None and process.poll() is None:
            process.kill()
        code = process.wait() if process is not None else None
        said = ""
        if stderr is not None:
            stderr.seek(0)
            said = stderr.read().decode("utf-8", "replace")[-_STDERR_SHOWN:].strip()
        self.close()
        detail = f"; its last words: {said}" if said else ""
        return WorkerFailed(f"the OpenAPI worker process failed, a harness problem and no verdict on the target: "
                            f"{self._redact(f'{what} (exit code {code}){detail}') or ''}")


# --- the worker's side ------------------------------------------------------------------------------


def main() -> int:
    """Import what the requests need, say so, then serve the run's requests until stdin closes."""
    incoming = Connection(0, writable=False)
    outgoing = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # a library printing to stdout must not break the messages
    sys.stdout = sys.stderr
    from . import engine, validity

    # by request, the library that is not installed (validation is asked for first: its import comes first)
    missing = {"validate": _import_error(validity.warm_up), "fuzz": _import_error(engine.warm_up)}
    outgoing.send(("ready", missing))

    def send(request: Request, carried: str | None) -> Reply | None:
        outgoing.send(("send", request, carried))
        _reply, reply = incoming.recv()
        return reply

    while True:
        try:
            kind, *rest = incoming.recv()
        except EOFError:
            return 0
        try:
            if kind == "validate":
                outgoing.send(("problems", validity.problems(*rest)))
            elif kind == "fuzz":
                outgoing.send(("explored", engine.explore(**rest[0], send=send)))
            else:
                outgoing.send(("error", f"unknown request {kind!r}"))
        except EOFError:
            return 0
        except Exception:
            outgoing.send(("error", traceback.format_exc(limit=8)))


def _import_error(warm_up: Callable[[], None]) -> str | None:
    """The name of the library ``warm_up`` could not import, or None."""
    try:
        warm_up()
    except ImportError as exc:
        return exc.name or str(exc)
    return None


if __name__ == "__main__":
    sys.exit(main())
