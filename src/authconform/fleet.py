"""Many targets at once: ``authconform run --profile A --profile B ... --jobs N``.

Each target runs in its own ``authconform run`` process, so it keeps its own report folder, failed-login
budget and pacing, and one slow target cannot hold a fast one's client. The processes' output goes to
``authconform.log`` in each report folder; the terminal gets one line per target, summarised from pytest's
own progress (``[ 38%]``, the ``collected N items`` line and the result letters), then the verdict block each
run printed, then the compare matrix. The exit code is the worst of the runs (0 < 1 < 2 < 3).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

PROFILE_SUFFIXES = (".yaml", ".yml")
LOG_NAME = "authconform.log"
_COLLECTED = re.compile(r"^collected (\d+) items?")
_PROGRESS = re.compile(r"^\S+\.py ([.sFExX]+)\s+\[\s*(\d+)%\]$")
_SUMMARY = re.compile(r"^=+ (.* in [\d.]+s.*) =+$")


class FleetProblem(ValueError):
    """A fleet that cannot start (an empty profile folder): a usage error, exit 2."""


@dataclass
class Member:
    """One target of the fleet: its process, and what its pytest output has told so far."""

    profile: str
    name: str
    folder: Path
    argv: list[str]
    collected: int = 0
    done: int = 0
    failed: int = 0
    percent: int = 0
    verdict: str = ""
    summary: str = ""
    last_line: str = ""
    verdict_block: list[str] = field(default_factory=list)
    code: int | None = None
    started: float | None = None
    ended: float | None = None
    process: subprocess.Popen | None = None
    reader: threading.Thread | None = None

    def read(self, line: str) -> None:
        """Fold one line of the run's terminal output into its progress."""
        line = line.rstrip()
        self.last_line = line.strip() or self.last_line
        if self.verdict_block or line.startswith("=") and " authconform " in line:
            self.verdict_block.append(line)
            if line.startswith("verdict"):
                self.verdict = line.split(None, 1)[1] if " " in line else ""
            return
        if match := _COLLECTED.match(line):
            self.collected = int(match.group(1))
        elif match := _PROGRESS.match(line):
            self.done += len(match.group(1))
            self.failed += sum(match.group(1).count(c) for c in "FE")
            self.percent = int(match.group(2))
        elif match := _SUMMARY.match(line):
            self.summary = match.group(1)

    def seconds(self) -> float:
        if self.started is None:
            return 0.0
        return (self.ended or time.monotonic()) - self.started

    def line(self, width: int) -> str:
        """The target's one progress line."""
        head = f"{self.name:<{width}}"
        if self.started is None:
            return f"{head}  waiting"
        if self.code is None:
            total = f"/{self.collected}" if self.collected else ""
            return (f"{head}  running  [{self.percent:>3}%] {self.done}{total} checks, {self.failed} failed  "
                    f"{self.seconds():.1f} s")
        outcome = self.verdict or self.summary or f"no verdict: {self.last_line[:160] or 'no output'}"
        return f"{head}  exit {self.code}  {outcome}  {self.seconds():.1f} s  {self.folder}"


def expand(profiles: list[str]) -> list[str]:
    """Profiles as given, a folder standing for the profile files in it (sorted by name)."""
    expanded = []
    for profile in profiles:
        path = Path(profile)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.suffix in PROFILE_SUFFIXES and p.is_file())
            if not found:
                raise FleetProblem(f"{profile} is a folder with no profile (*.yaml, *.yml) in it")
            expanded += found
        else:
            expanded.append(profile)
    return expanded


def target_names(profiles: list[str]) -> list[str]:
    """One distinct name per profile: the file's stem or the built-in name, numbered when repeated."""
    used: set[str] = set()
    names = []
    for profile in profiles:
        name = Path(profile).stem if Path(profile).suffix in PROFILE_SUFFIXES else profile
        name = next(n for n in (name, *(f"{name}-{i}" for i in range(2, 1000))) if n not in used)
        used.add(name)
        names.append(name)
    return names


def split_defects(defects: list[str], names: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """``--defect NAME`` is for every target, ``--defect TARGET:NAME`` only for the target called TARGET."""
    common: list[str] = []
    own: dict[str, list[str]] = {name: [] for name in names}
    for defect in defects:
        target, sep, name = defect.partition(":")
        if not sep:
            common.append(defect)
        elif target in own:
            own[target].append(name)
        else:
            raise FleetProblem(f"--defect {defect}: no target is called {target} (targets: {', '.join(names)})")
    return common, own


def _pump(member: Member, stream: TextIO, log: TextIO) -> None:
    with log:
        for line in stream:
            log.write(line)
            member.read(line)


def _start(member: Member) -> None:
    member.folder.mkdir(parents=True, exist_ok=True)
    log = (member.folder / LOG_NAME).open("w", encoding="utf-8")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    member.started = time.monotonic()
    member.process = subprocess.Popen(member.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      encoding="utf-8", errors="replace", env=env)
    member.reader = threading.Thread(target=_pump, args=(member, member.process.stdout, log), daemon=True)
    member.reader.start()


class Board:
    """The terminal: on a TTY the lines are redrawn in place; elsewhere a line is printed when it changes state."""

    def __init__(self, members: list[Member], out: TextIO) -> None:
        self.members, self.out = members, out
        self.live = out.isatty()
        self.width = max(len(m.name) for m in members)
        self.drawn = 0
        self.states: dict[str, str] = {}

    def show(self) -> None:
        if self.live:
            if self.drawn:
                self.out.write(f"\x1b[{self.drawn}F")
            for member in self.members:
                self.out.write("\x1b[2K" + member.line(self.width) + "\n")
            self.drawn = len(self.members)
        else:
            for member in self.members:
                state = "waiting" if member.started is None else "running" if member.code is None else "done"
                if state != "waiting" and self.states.get(member.name) != state:
                    self.out.write(member.line(self.width) + "\n")
                self.states[member.name] = state
        self.out.flush()


def run_fleet(members: list[Member], jobs: int, out: TextIO = sys.stdout, tick: float = 0.5) -> list[int]:
    """Run the members, at most ``jobs`` at a time, showing one line each; their exit codes in order."""
    board = Board(members, out)
    waiting = list(members)
    running: list[Member] = []
    while waiting or running:
        while waiting and len(running) < max(1, jobs):
            member = waiting.pop(0)
            _start(member)
            running.append(member)
        for member in list(running):
            assert member.process is not None and member.reader is not None
            code = member.process.poll()
            if code is not None:
                member.reader.join()
                member.code, member.ended = code, time.monotonic()
                running.remove(member)
        board.show()
        if running:
            time.sleep(tick)
    return [int(m.code if m.code is not None else 2) for m in members]
