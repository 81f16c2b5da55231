"""Benchmark: time to verdict against the physical limit, logins per run, parallel runs.

Usage: ``python bench/bench.py [--repeat 5] [--iterations 1000000] [--write-readme]``

For each repetition (a fresh process each time) it measures the full default suite against the
embedded pch-sig target with PBKDF2 at Django 5.2's default 1,000,000 iterations, then replays the
same requests with plain httpx (the lower bound), and separately the run on 2 pytest-xdist
workers. Medians are printed as a Markdown table; ``--write-readme`` puts it in README.md.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def once(iterations: int, workers: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TARGET_URL"}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run_once.py"), "--iterations", str(iterations),
                           "--workers", str(workers)], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=1200)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"benchmark run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def table(serial: list[dict], parallel: list[dict], iterations: int) -> str:
    med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
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
        ("(c) ratio (a)/(b)", f"{run_s / replay_s:.2f} (target ≤ 1.3)"),
        ("(d) requests per run", f"{med(serial, 'requests'):.0f}"),
        ("(d) login requests per run", f"{med(serial, 'logins'):.0f}"),
        ("(d) successful valid-account logins, by scenario", f"{first['valid_logins']} ({purposes})"),
        ("(e) full run on 2 xdist workers", f"{med(parallel, 'run_s'):.2f} s"),
        ("(f) peak memory (RSS), serial / xdist controller", f"{med(serial, 'peak_rss_mb'):.0f} MB / "
                                                             f"{med(parallel, 'peak_rss_mb'):.0f} MB"),
        ("heavy modules imported by the run (the pch-sig profile names an OpenAPI spec; a profile without one "
         "imports none, tests/test_openapi.py)", ", ".join(first["heavy_imports"]) or "none"),
    ]
    return "\n".join(["| measure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=1_000_000)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    serial = [once(args.iterations, 0) for _ in range(args.repeat)]
    parallel = [once(args.iterations, 2) for _ in range(max(1, args.repeat // 2))]
    for row in serial + parallel:
        print(json.dumps(row), file=sys.stderr)
    result = table(serial, parallel, args.iterations)
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
