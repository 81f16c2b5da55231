"""Benchmark: time to verdict against the physical limit, logins per run, parallel runs, fleets.

Usage: ``python bench/bench.py [--repeat 5] [--iterations 1000000] [--fast-iterations 1000] [--write-readme]``

For each repetition (a fresh process each time) it measures the full default suite against the
embedded pch-sig target with PBKDF2 at Django 5.2's default 1,000,000 iterations, then replays the
same requests with plain httpx (the lower bound), and separately the run on 2 pytest-xdist
workers. The same run against a fast server (``--fast-iterations``) shows the harness's own time:
the run minus the replay of its requests. Last, a fleet: ``authconform run`` over the three embedded
targets with ``--jobs 1`` and ``--jobs 2`` (each target in its own process), wall-clock and per target.
Medians are printed as a Markdown table; ``--write-readme`` puts it in README.md. The ratio is shown
two ways: the median run over the median replay, and the median of each repetition's own ratio (the
repetitions differ in how many logins the timing series took, and each replay sends its own run's).

Every run lets Python cache compiled modules, as it does on a user's machine (an environment that
sets PYTHONDONTWRITEBYTECODE, as this sandbox does, would otherwise compile the harness, its suites and
their assertion rewriting from source in every process), and one unmeasured run warms that cache first.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# TARGET_URL would point the run elsewhere; PYTHONDONTWRITEBYTECODE is no user's default (see above)
_NOT_PASSED = ("TARGET_URL", "PYTHONDONTWRITEBYTECODE")


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _NOT_PASSED}


def once(iterations: int, workers: int) -> dict:
    env = _environment()
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run_once.py"), "--iterations", str(iterations),
                           "--workers", str(workers)], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=1200)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"benchmark run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


FLEET = ("pch-sig", "chamilo", "invoiceninja")


def fleet(iterations: int, jobs: int) -> dict:
    """One ``authconform run`` over the three embedded targets, ``jobs`` at a time: wall-clock seconds."""
    env = _environment()
    with tempfile.TemporaryDirectory() as reports:
        argv = [sys.executable, "-m", "authconform", "run", *(a for p in FLEET for a in ("--profile", p)),
                "--jobs", str(jobs), "--target-option", f"hash_iterations={iterations}", "--report-dir", reports]
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=3600)
        seconds = time.perf_counter() - started
        verdicts = [json.loads((Path(reports) / name / "summary.json").read_text())["verdict"] for name in FLEET
                    if (Path(reports) / name / "summary.json").is_file()]
    if len(verdicts) != len(FLEET):
        raise SystemExit(f"fleet run failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return {"jobs": jobs, "fleet_s": seconds, "exit_code": done.returncode, "verdicts": verdicts}


def table(serial: list[dict], parallel: list[dict], iterations: int, fast: list[dict], fast_iterations: int,
          fleets: dict[int, list[dict]]) -> str:
    med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
    med_ratio = lambda rows: statistics.median(r["run_s"] / r["replay_s"] for r in rows)  # noqa: E731
    run_s, replay_s = med(serial, "run_s"), med(serial, "replay_s")
    first = serial[0]
    purposes = ", ".join(f"{p}: {n}" for p, n in sorted(first["valid_login_purposes"].items()))
    cpu = platform.processor() or platform.machine()
    rows = [
        ("machine", f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"),
        ("date", datetime.date.today().isoformat()),
        ("password hash", f"PBKDF2-SHA256, {iterations:,} iterations (Django 5.2 default)"),
        ("repetitions (median shown)", str(len(serial))),
        ("checks in the run", str(first["checks"])),
        ("(a) full run, in-process pytest", f"{run_s:.2f} s"),
        ("(b) replay of the same requests, plain httpx", f"{replay_s:.2f} s"),
        ("(c) ratio (a)/(b): of the medians / median of each repetition's own (its run against the replay "
         "of its own requests)", f"{run_s / replay_s:.2f} / {med_ratio(serial):.2f} (goal ≤ 1.15)"),
        ("(d) requests per run", f"{med(serial, 'requests'):.0f}"),
        ("(d) login requests per clean run, at this hash", f"{med(serial, 'logins'):.0f} (goal ≤ 70)"),
        ("(d) successful valid-account logins, by scenario", f"{first['valid_logins']} ({purposes})"),
        ("(e) full run on 2 xdist workers", f"{med(parallel, 'run_s'):.2f} s"),
        (f"(g) fast server (PBKDF2 {fast_iterations:,}): run / replay / harness's own time (run − replay)",
         f"{med(fast, 'run_s'):.2f} s / {med(fast, 'replay_s'):.2f} s / "
         f"{med(fast, 'run_s') - med(fast, 'replay_s'):.2f} s (goal ≤ 2 s), ratio "
         f"{med(fast, 'run_s') / med(fast, 'replay_s'):.1f}"),
        *((f"(h) fleet of {len(FLEET)} embedded targets (--jobs {jobs}, one process each, this hash): wall-clock, "
           f"per target", f"{med(rows, 'fleet_s'):.1f} s, {med(rows, 'fleet_s') / len(FLEET):.1f} s")
          for jobs, rows in sorted(fleets.items())),
        ("(f) peak memory (RSS), serial / xdist controller / the serial run's OpenAPI worker process",
         f"{med(serial, 'peak_rss_mb'):.0f} MB / {med(parallel, 'peak_rss_mb'):.0f} MB / "
         f"{med(serial, 'worker_peak_rss_mb'):.0f} MB"),
        ("heavy modules imported by the run's own process (schemathesis, hypothesis and openapi-spec-validator "
         "load in its OpenAPI worker process, tests/test_openapi.py)", ", ".join(first["heavy_imports"]) or "none"),
    ]
    return "\n".join(["| measure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=1_000_000)
    parser.add_argument("--fast-iterations", type=int, default=1000)
    parser.add_argument("--fleet-repeat", type=int, default=1, help="fleet runs per --jobs value")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    once(args.fast_iterations, 0)  # warms the bytecode cache; not measured
    serial = [once(args.iterations, 0) for _ in range(args.repeat)]
    parallel = [once(args.iterations, 2) for _ in range(max(1, args.repeat // 2))]
    fast = [once(args.fast_iterations, 0) for _ in range(args.repeat)]
    fleets = {jobs: [fleet(args.iterations, jobs) for _ in range(args.fleet_repeat)] for jobs in (1, 2)}
    for row in serial + parallel + fast + [r for rows in fleets.values() for r in rows]:
        print(json.dumps(row), file=sys.stderr)
    result = table(serial, parallel, args.iterations, fast, args.fast_iterations, fleets)
    print(result)
    if args.write_readme:
        readme = ROOT / "README.md"
        text = readme.read_text()
        block = f"<!-- bench:start -->\n{result}\n<!-- bench:end -->"
        text = re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", block, text, flags=re.S)
        readme.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
