"""One benchmark repetition, in its own process: the harness run, then the plain replay.

Both run against the same embedded pch-sig target with a realistic password-hash cost. The replay
sends exactly the requests the run recorded (same methods, paths, headers and bodies, in order)
with a bare httpx client: no pytest, no checks, no report. It is the lower bound the run is
measured against. Raw exchanges stay in this process's memory; nothing unredacted is written.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from urllib.parse import urlsplit

import httpx
import pytest

from authconform import plugin, resources
from authconform.targets import TargetSettings, start


def replay(exchanges, base_url: str, timeout: float) -> float:
    started = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False) as client:
        for exchange in exchanges:
            parts = urlsplit(exchange.url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            headers = [(k, v) for k, v in exchange.request_headers if k.lower() not in ("host", "content-length")]
            body = exchange.request_body.encode() if exchange.request_body is not None else None
            with contextlib.suppress(httpx.HTTPError):
                client.request(exchange.method, path, headers=headers, content=body).read()
            client.cookies.clear()
    return time.perf_counter() - started


class RunCapture:
    """Keeps the run the plugin built, for its recorded exchanges (the bench replays them)."""

    run = None

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.run = config.stash.get(plugin.RUN, None)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()

    settings = TargetSettings(hash_iterations=args.iterations)
    with start("pch-sig", settings=settings) as target, tempfile.TemporaryDirectory() as reports:
        import os

        os.environ.update(target.env)
        suites = resources.suites_dir()
        argv = [str(suites), "-c", str(suites / "pytest.ini"), "--rootdir", str(suites), "-p", "no:cacheprovider",
                "-p", "no:terminal", "--profile", "pch-sig", "--base-url", target.url,
                "--rps", "0", "--report-dir", reports]
        if args.workers:
            argv += ["-n", str(args.workers)]
        capture = RunCapture()
        started = time.perf_counter()
        code = pytest.main(argv, plugins=[capture])
        run_seconds = time.perf_counter() - started
        run = capture.run
        summary = json.loads((run.report_dir / "summary.json").read_text())
        exchanges = [e for e in run.recorder.exchanges if not e.purpose.startswith("preflight")]
        result = {
            "workers": args.workers,
            "exit_code": int(code),
            "verdict": summary["verdict"],
            "checks": len(summary["checks"]),
            "run_s": run_seconds,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            # the largest child process waited for: the OpenAPI worker (its own interpreter and libraries)
            "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "heavy_imports": sorted(m for m in ("schemathesis", "hypothesis", "openapi_spec_validator")
                                    if m in sys.modules),
        }
        if not args.workers:
            login_path = run.profile.login.path
            logins = [e for e in exchanges if urlsplit(e.url).path == login_path]
            valid = run.profile.account("valid").identity
            successful = [e for e in logins if e.status == run.profile.login.success.status
                          and e.request_body and valid in e.request_body]
            result |= {
                "requests": len(exchanges),
                "logins": len(logins),
                "valid_logins": len(successful),
                "valid_login_purposes": dict(Counter(e.purpose for e in successful)),
                "replay_s": replay(exchanges, target.url, run.profile.limits.timeout),
            }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
