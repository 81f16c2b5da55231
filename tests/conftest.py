"""Helpers for the harness's own tests: run authconform as a user would, read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the real systems get wrong, so their faithful reference targets do too: expected wherever the check
# runs, clean or not. Invoice Ninja reads credentials from the query string (Laravel merges it into input).
REAL_FINDINGS = {"invoiceninja": {"SEC-CREDENTIALS-IN-QUERY"}}


@dataclass
class Outcome:
    code: int
    output: str
    report_dir: Path
    summary: dict[str, Any] | None

    def ids(self, outcome: str) -> set[str]:
        assert self.summary is not None, f"no summary.json; output:\n{self.output[-3000:]}"
        return {c["id"] for c in self.summary["checks"] if c["outcome"] == outcome}

    @property
    def failed(self) -> set[str]:
        return self.ids("failed") | self.ids("error")

    def reasons(self, outcome: str = "skipped") -> dict[str, str]:
        assert self.summary is not None
        return {c["id"]: c["reason"] for c in self.summary["checks"] if c["outcome"] == outcome}


def authconform(*args: str, report_dir: Path, env: dict[str, str] | None = None, timeout: float = 300) -> Outcome:
    """Run ``python -m authconform ARGS --report-dir DIR`` in a subprocess, as CI would."""
    command = [sys.executable, "-m", "authconform", *args]
    if args and args[0] == "run":
        command[4:4] = ["--report-dir", str(report_dir)]
    full_env = {k: v for k, v in os.environ.items() if k != "TARGET_URL"}
    full_env.update(env or {})
    done = subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT)
    summary_file = report_dir / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.is_file() else None
    return Outcome(done.returncode, done.stdout + done.stderr, report_dir, summary)


@pytest.fixture
def run_authconform(tmp_path: Path):
    def runner(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Outcome:
        return authconform(*args, report_dir=tmp_path / "report", env=env, timeout=timeout)

    return runner
