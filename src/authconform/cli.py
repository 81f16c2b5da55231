"""The ``authconform`` command: run, list, serve, init.

Exit codes: 0 conformant, 1 checks failed, 2 bad profile or usage, 3 target unreachable.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import time
from pathlib import Path

from . import __version__, resources

DEFAULT_PROFILE = "pch-sig"


def _plugin_registered() -> bool:
    return any(ep.name == "authconform" for ep in importlib.metadata.entry_points(group="pytest11"))


def pytest_arguments(args: argparse.Namespace, profile: str) -> list[str]:
    suites = resources.suites_dir()
    argv = [str(suites), "-c", str(suites / "pytest.ini"), "--rootdir", str(suites),
            "-p", "no:cacheprovider", "--profile", profile, "--fail-on", args.fail_on]
    if args.base_url:
        argv += ["--base-url", args.base_url]
    if args.insecure:
        argv.append("--insecure")
    if args.slow:
        argv.append("--slow")
    if getattr(args, "callback_url", None):
        argv += ["--callback-url", args.callback_url]
    if args.rps is not None:
        argv += ["--rps", str(args.rps)]
    if args.report_dir:
        argv += ["--report-dir", args.report_dir]
    if args.k:
        argv += ["-k", args.k]
    argv += _selection_arguments(args)
    argv += _gate_arguments(args)
    for defect in args.defect:
        argv += ["--defect", defect]
    for option in args.target_option:
        argv += ["--target-option", option]
    return argv + list(args.pytest_args)


def _gate_arguments(args: argparse.Namespace) -> list[str]:
    """``--waivers``, ``--baseline``, ``--bundle``, ``--sign-key``: passed on to the plugin as given."""
    argv = [part for option, value in (("--waivers", args.waivers), ("--baseline", args.baseline),
                                       ("--sign-key", args.sign_key)) if value for part in (option, value)]
    return argv + [flag for flag, on in (("--bundle", args.bundle), ("--allow-stale-waivers",
                                                                    args.allow_stale_waivers)) if on]


def _selection_arguments(args: argparse.Namespace) -> list[str]:
    """``--check``/``--skip-check`` globs, passed on to the plugin as given."""
    return [part for option, patterns in (("--check", args.check), ("--skip-check", args.skip_check))
            for pattern in patterns for part in (option, pattern)]


class ReportFolder:
    """A pytest plugin object the CLI hands to ``pytest.main``: notes the report folder the run settled on.

    The authconform plugin chooses the folder (``--report-dir`` or ``reports/<profile>-<UTC time>``)
    and writes it back to ``config.option.report_dir``; the CLI then reads the verdict from the
    summary.json there, the same file a CI gate reads.
    """

    def __init__(self) -> None:
        self.path: Path | None = None

    def pytest_unconfigure(self, config) -> None:
        from .plugin import RUN

        # only a run that started has a folder of its own: a --report-dir may hold an older summary.json
        chosen = getattr(config.option, "report_dir", None) if config.stash.get(RUN, None) is not None else None
        self.path = Path(chosen) if chosen else None


def command_run(args: argparse.Namespace) -> int:
    import pytest

    from . import plugin

    profiles = args.profile or [DEFAULT_PROFILE]
    if len(profiles) > 1 or args.jobs is not None or Path(profiles[0]).is_dir():
        return run_several(args, profiles)
    folder = ReportFolder()
    plugins = [folder] if _plugin_registered() else [plugin, folder]
    code = int(pytest.main(pytest_arguments(args, profiles[0]), plugins=plugins))
    summary_file = folder.path / "summary.json" if folder.path is not None else None
    if summary_file is not None and summary_file.is_file():
        return int(json.loads(summary_file.read_text(encoding="utf-8"))["exit_code"])
    if code in (0, 1, 3):
        return code
    return 2


def run_several(args: argparse.Namespace, profiles: list[str]) -> int:
    """One run per profile, each in its own process and report folder (``--jobs`` at a time), then the matrix."""
    from . import fleet
    from .report import compare
    from .run import new_report_dir

    jobs = args.jobs if args.jobs is not None else 1
    if jobs < 1:
        print(f"authconform run: --jobs must be at least 1, got {jobs}", file=sys.stderr)
        return 2
    root = Path(args.report_dir) if args.report_dir else Path("reports")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    try:
        profiles = fleet.expand(profiles)
        names = fleet.target_names(profiles)
        common_defects, own_defects = fleet.split_defects(args.defect, names)
    except fleet.FleetProblem as exc:
        print(f"authconform run: {exc}", file=sys.stderr)
        return 2
    members = []
    for profile, name in zip(profiles, names, strict=True):
        folder = root / name if args.report_dir else new_report_dir(root, name)
        argv = [sys.executable, "-m", "authconform", "run", "--profile", profile, "--report-dir", str(folder),
                "--fail-on", args.fail_on]
        argv += [flag for flag, on in (("--insecure", args.insecure), ("--slow", args.slow)) if on]
        for option, value in (("--base-url", args.base_url), ("--rps", args.rps), ("-k", args.k)):
            argv += [option, str(value)] if value is not None else []
        argv += _selection_arguments(args) + _gate_arguments(args)
        for defect in common_defects + own_defects[name]:
            argv += ["--defect", defect]
        for option in args.target_option:
            argv += ["--target-option", option]
        argv += ["--", *args.pytest_args] if args.pytest_args else []
        members.append(fleet.Member(profile=profile, name=name, folder=folder, argv=argv))
    print(f"authconform: {len(members)} targets, {jobs} at a time (each run's output: "
          f"<report folder>/{fleet.LOG_NAME})", flush=True)
    codes = fleet.run_fleet(members, jobs)
    for member in members:
        print(f"\n=== {member.name}: authconform run --profile {member.profile} (exit {member.code}, "
              f"{member.seconds():.1f} s, report folder {member.folder}) ===")
        print("\n".join(member.verdict_block[1:])
              or f"no verdict: {member.last_line or 'no output'} (full output: {member.folder / fleet.LOG_NAME})")
    summaries = [m.folder / "summary.json" for m in members if (m.folder / "summary.json").is_file()]
    if len(summaries) > 1:
        comparison = compare.compare([compare.load(path) for path in summaries])
        files = compare.write(comparison, root / "compare" if args.report_dir else root / f"compare-{stamp}")
        print("\n" + compare.terminal_text(comparison))
        print(f"matrix: {files['html']} ({files['markdown'].name}, {files['json'].name} beside it)")
    return max(codes)


def command_compare(args: argparse.Namespace) -> int:
    from .report import compare

    try:
        targets = [compare.load(path) for path in args.summaries]
    except compare.CompareError as exc:
        print(f"authconform compare: {exc}", file=sys.stderr)
        return 2
    comparison = compare.compare(targets)
    output = Path(args.output) if args.output else Path("reports") / time.strftime("compare-%Y%m%dT%H%M%SZ",
                                                                                   time.gmtime())
    files = compare.write(comparison, output)
    print(compare.terminal_text(comparison))
    print(f"matrix: {files['html']} ({files['markdown'].name}, {files['json'].name} beside it)")
    return comparison.exit_code()


def command_verify(args: argparse.Namespace) -> int:
    """Check an evidence bundle: every hash and the signature; exit 0, or 1 naming what changed."""
    from .gate import evidence
    from .run import UsageProblem

    try:
        result = evidence.verify(args.bundle, args.public_key)
    except UsageProblem as exc:
        print(f"authconform verify: {exc}", file=sys.stderr)
        return 2
    for note in result.notes:
        print(f"note: {note}")
    for problem in result.problems:
        print(f"CHANGED {problem}")
    print(f"{args.bundle}: " + ("verified: every file matches the manifest" if result.ok
                                 else f"NOT verified: {len(result.problems)} problem(s)"))
    return 0 if result.ok else 1


def command_list(args: argparse.Namespace) -> int:
    if args.defects:
        return list_defects(args.format)
    from .checks import catalogue

    checks = catalogue()
    if args.format == "json":
        print(json.dumps([c.as_dict() for c in checks], indent=2))
    elif args.format == "markdown":
        print(markdown_catalogue(checks))
    else:
        width = max(len(c.id) for c in checks)
        for c in checks:
            print(f"{c.id:<{width}}  {c.severity:<6}  {c.title}  [{c.requirement}]")
            if c.must_when:
                print(f"{'':<{width}}  {'':<6}  must when {c.must_when}")
            if c.why:
                print(f"{'':<{width}}  {'':<6}  why {c.severity}: {c.why}")
    return 0


def list_defects(form: str) -> int:
    """The reference targets' defect switches: what each one breaks, per flavour."""
    from .targets import FLAVOURS, defects_for

    rows = [(flavour, d.name, sorted(d.breaks[flavour]), d.description)
            for flavour in FLAVOURS for d in defects_for(flavour)]
    if form == "json":
        print(json.dumps([{"flavour": f, "defect": n, "breaks": b, "description": t} for f, n, b, t in rows],
                         indent=2))
    else:
        for flavour, name, breaks, description in rows:
            print(f"{flavour:<13} {name:<40} breaks {', '.join(breaks)}\n{'':<14}{description}")
    return 0


def markdown_catalogue(checks) -> str:
    lines = ["| ID | severity | area | what it checks | requirement | why this severity |", "|---|---|---|---|---|---|"]
    for c in checks:
        lines.append(f"| `{c.id}` | {c.severity_label} | {c.area} | {c.title} | {c.requirement} | {c.why} |")
    return "\n".join(lines)


def command_serve(args: argparse.Namespace) -> int:
    from .run import UsageProblem, parse_target_options
    from .targets import TargetSettings, start

    try:
        settings = TargetSettings(**parse_target_options(args.target_option))
        target = start(args.flavour, args.defect, settings=settings, host=args.host, port=args.port)
    except (UsageProblem, ValueError) as exc:
        print(f"authconform serve: {exc}", file=sys.stderr)
        return 2
    defects = ", ".join(sorted(target.defects)) or "none"
    print(f"authconform reference target {args.flavour} at {target.url} (defects: {defects})", flush=True)
    print("environment for its built-in profile:", flush=True)
    for name, value in target.env.items():
        print(f"  export {name}={value}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        target.stop()
    return 0


STARTER = """\
# authconform profile for {name}. Field reference: README.md, "Writing a profile".
# Secrets come from the environment: never commit them.
name: {name}
base_url: ${{TARGET_URL:-http://127.0.0.1:8000}}
login:
  path: /api/login
  method: POST
  encoding: json                  # json | form
  fields: {{identity: email, password: password}}
  headers: {{}}
  oauth_token_endpoint: false     # true for an OAuth 2.0 token endpoint: RFC 6749 §5.1 (no-store, JSON) then gates
  success:
    status: 200
    token: /token                 # JSON Pointer into the body
    # refresh_token: /refresh_token
    # schema: schemas/my-login-200.json
  errors:
    missing_field:   {{status: 400}}
    bad_credentials: {{status: 401}}
    # disabled:      {{status: 403, message: Account is disabled.}}
accounts:
  valid: {{identity: '${{LOGIN_USER}}', password: '${{LOGIN_PASSWORD}}'}}
  # disabled: {{identity: '${{DISABLED_USER}}', password: '${{DISABLED_PASSWORD}}'}}
token:
  format: jwt                     # jwt | opaque
  algorithms: [RS256]
  lifetime: 3600
protected:
  path: /api/me
  scheme: bearer                  # bearer | header:<Name> | authorization:<Scheme> (e.g. Token)
  rejected_status: 401
limits:
  requests_per_second: 5
  max_failed_logins: 4
  timeout: 10
"""


def command_init(args: argparse.Namespace) -> int:
    if args.discover:
        from .discovery import command_discover

        return command_discover(args)
    path = Path(args.output or f"{args.name}.yaml")
    if path.exists() and not args.force:
        print(f"authconform init: {path} exists (use --force to overwrite)", file=sys.stderr)
        return 2
    path.write_text(STARTER.format(name=args.name), encoding="utf-8")
    print(f"wrote {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="authconform", description="Conformance tests for login and token APIs.")
    top.add_argument("--version", action="version", version=f"authconform {__version__}")
    commands = top.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the conformance suites against a target")
    run.add_argument("--profile", action="append",
                     help=f"profile file or built-in name (default: {DEFAULT_PROFILE}); repeat it to run several "
                          "targets, each with its report folder, and get a matrix of them")
    run.add_argument("--jobs", type=int, metavar="N",
                     help="with several profiles (or a folder of them): run N targets at once, each in its own "
                          "process (default 1)")
    run.add_argument("--base-url", help="target URL; without it (and TARGET_URL) the embedded reference "
                                        "target of the profile is started")
    run.add_argument("-k", help="only checks matching this pytest expression; check IDs are keywords "
                                "(-k 'TOKEN and not TOKEN-DISTINCT')")
    run.add_argument("--check", action="append", default=[], metavar="GLOB",
                     help="only the checks whose ID matches this glob, e.g. 'ACCESS-*' (repeatable)")
    run.add_argument("--skip-check", action="append", default=[], metavar="GLOB",
                     help="leave out the checks whose ID matches this glob (repeatable)")
    run.add_argument("--fail-on", choices=("must", "should"), default="must")
    run.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    run.add_argument("--slow", action="store_true", help="allow checks that wait for a token to expire")
    run.add_argument("--callback-url", metavar="URL",
                     help="http://<host>:<port> a remote target can reach back for the jku/x5u listener")
    run.add_argument("--rps", type=float, help="requests per second (overrides limits.requests_per_second)")
    run.add_argument("--report-dir", help="where to write the report files")
    run.add_argument("--defect", action="append", default=[], help="embedded target: switch on a defect")
    run.add_argument("--target-option", action="append", default=[], help="embedded target: NAME=VALUE")
    run.add_argument("--waivers", metavar="FILE", help="accepted failures (YAML): reported as waived; an expired or "
                                                       "stale waiver fails the run")
    run.add_argument("--allow-stale-waivers", action="store_true",
                     help="do not fail on a waiver whose checks pass now")
    run.add_argument("--baseline", metavar="PATH", help="summary.json or report folder of an earlier run of the same "
                                                        "profile: fail only on new failures")
    run.add_argument("--bundle", action="store_true", help="also write <report-dir>/evidence.zip")
    run.add_argument("--sign-key", metavar="PEM", help="Ed25519 private key signing the bundle (implies --bundle)")
    run.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")
    run.set_defaults(handler=command_run)

    comparing = commands.add_parser("compare", help="a matrix of runs by checks, and the regressions between "
                                                    "runs of one profile (exit 1 when there is one)")
    comparing.add_argument("summaries", nargs="+", help="summary.json files or the report folders holding them")
    comparing.add_argument("--output", help="folder for compare.html, compare.md and compare.json "
                                            "(default reports/compare-<UTC time>)")
    comparing.set_defaults(handler=command_compare)

    verifying = commands.add_parser("verify", help="check an evidence bundle's hashes and signature "
                                                   "(exit 1 naming what changed)")
    verifying.add_argument("bundle", help="an evidence.zip written by authconform run --bundle")
    verifying.add_argument("--public-key", metavar="PEM", help="the signer's Ed25519 public key (PEM)")
    verifying.set_defaults(handler=command_verify)

    listing = commands.add_parser("list", help="print the check catalogue")
    listing.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    listing.add_argument("--defects", action="store_true",
                         help="list the reference targets' defect switches instead of the checks")
    listing.set_defaults(handler=command_list)

    serve = commands.add_parser("serve", help="serve an embedded reference target")
    serve.add_argument("--flavour", required=True, choices=("chamilo", "invoiceninja", "pch-sig"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--defect", action="append", default=[])
    serve.add_argument("--target-option", action="append", default=[])
    serve.set_defaults(handler=command_serve)

    init = commands.add_parser("init", help="write a starter profile")
    init.add_argument("--name", default="my-api")
    init.add_argument("--output")
    init.add_argument("--force", action="store_true")
    init.add_argument("--out", dest="output", help="same as --output")
    init.add_argument("--discover", metavar="URL", help="discover the profile from the server at URL, with one "
                                                        "test account (at most 150 requests, 2 failed logins)")
    init.add_argument("--identity", help="--discover: the test account's identity (username or e-mail)")
    init.add_argument("--password-env", help="--discover: the environment variable holding its password")
    init.add_argument("--header", action="append", default=[],
                      help="--discover: 'Name: value' the server needs (repeatable); written as ${NAME}")
    init.add_argument("--protected", help="--discover: a path the token opens (else found)")
    init.add_argument("--max-requests", type=int, default=150, help="--discover: the request cap")
    init.add_argument("--rps", type=float, default=10, help="--discover: requests per second (0: unpaced)")
    init.add_argument("--timeout", type=float, default=10, help="--discover: seconds per request")
    init.add_argument("--insecure", action="store_true", help="--discover: do not verify TLS certificates")
    init.set_defaults(handler=command_init)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.handler(args))
