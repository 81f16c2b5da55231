"""The pytest plugin: options, fixtures, check bookkeeping, redaction and report files.

Loaded through the ``pytest11`` entry point (or the root conftest in a checkout). It stays inert
unless ``--profile`` is given, so the harness's own tests run with it installed.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from typing import Any

import pytest

from . import selection, verdict
from .checks import MARKER, check_of, in_run_order, phase_of
from .endpoints.budget import BudgetExhausted
from .endpoints.login import Login, LoginFailed, Session
from .exceptions import WorkerFailed
from .expect import Finding
from .gate import hooks as gate
from .http.client import TargetClient
from .openapi.libraries import leave_unrewritten
from .profile import Profile, ProfileError
from .report import html as html_report
from .report import sarif, summary
from .report.exchanges_html import exchanges_html
from .report.results import CheckResult, RunResult, reason_of
from .run import Run, UsageProblem, build_run

RUN = pytest.StashKey[Run]()
REASON = pytest.StashKey[str]()  # on an item: the reason its deciding report gave (reason_of), for later reports
FROZEN = pytest.StashKey[bool]()  # gc.freeze() was called for this run (pytest_collection_finish)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("authconform", "login/token API conformance")
    group.addoption("--profile", help="target profile: a YAML file or a built-in name (pch-sig, chamilo, ...)")
    group.addoption("--base-url", help="target URL (overrides the profile's base_url and TARGET_URL)")
    group.addoption("--insecure", action="store_true", help="do not verify the target's TLS certificate")
    group.addoption("--fail-on", choices=("must", "should"), default="must",
                    help="lowest severity that fails the gate (default: must)")
    group.addoption("--slow", action="store_true", help="allow checks that wait (e.g. for a token to expire)")
    group.addoption("--rps", type=float, default=None,
                    help="requests per second (overrides limits.requests_per_second; 0 = unpaced)")
    group.addoption("--report-dir", help="folder for the report files (default reports/<profile>-<UTC time>)")
    group.addoption("--defect", action="append", default=[],
                    help="embedded reference target only: switch on a defect (repeatable)")
    group.addoption("--target-option", action="append", default=[],
                    help="embedded reference target only: NAME=VALUE setting (repeatable)")
    group.addoption("--check", action="append", default=[], metavar="GLOB",
                    help="only the checks whose ID matches this glob, e.g. 'ACCESS-*' (repeatable)")
    group.addoption("--skip-check", action="append", default=[], metavar="GLOB",
                    help="leave out the checks whose ID matches this glob (repeatable)")
    group.addoption("--callback-url", default=None, metavar="URL",
                    help="http://<host>:<port> a remote target can reach back for the jku/x5u listener "
                         "(default: a loopback listener)")
    gate.add_options(group)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: a conformance check (authconform.checks.check)")
    leave_unrewritten(config)  # schemathesis/hypothesis: seconds of assert rewriting on first import
    if not config.getoption("profile", None):
        return
    workerinput = getattr(config, "workerinput", None)
    workers = int(workerinput["workercount"]) if workerinput else max(_xdist_workers(config), 1)
    try:
        run = build_run(
            config.getoption("profile"),
            base_url=config.getoption("base_url"),
            defects=config.getoption("defect"),
            target_options=config.getoption("target_option"),
            insecure=config.getoption("insecure"),
            requests_per_second=config.getoption("rps"),
            fail_on=config.getoption("fail_on"),
            slow=config.getoption("slow"),
            report_dir=(workerinput or {}).get("authconform_report_dir") or config.getoption("report_dir"),
            worker_count=workers,
        )
    except (ProfileError, UsageProblem) as exc:
        pytest.exit(f"authconform: {exc}", returncode=verdict.EXIT_USAGE)
    config.stash[RUN] = run
    try:
        gate.configure(config, run)
    except (ProfileError, UsageProblem) as exc:
        run.close()
        pytest.exit(f"authconform: {exc}", returncode=verdict.EXIT_USAGE)
    run.selection = {"keyword": config.getoption("keyword", "") or None, "check": config.getoption("check"),
                     "skip_check": config.getoption("skip_check")}
    config.pluginmanager.register(Bookkeeper(run), "authconform-bookkeeper")
    html_report.install(config, verdict.run_info(run))
    config.option.report_dir = str(run.report_dir)
    if workerinput is None:
        if not getattr(config.option, "htmlpath", None):
            config.option.htmlpath = str(run.report_dir / "report.html")
            config.option.self_contained_html = True
        if not getattr(config.option, "xmlpath", None):
            config.option.xmlpath = str(run.report_dir / "junit.xml")


def _xdist_workers(config: pytest.Config) -> int:
    value = getattr(config.option, "numprocesses", None)
    if value in (None, 0):
        return 0
    if isinstance(value, int):
        return value
    return os.cpu_count() or 1


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without pytest-xdist installed pluggy must not reject it
def pytest_configure_node(node: Any) -> None:
    """xdist: workers write into the controller's report folder."""
    run = node.config.stash.get(RUN, None)
    if run is not None:
        node.workerinput["authconform_report_dir"] = str(run.report_dir)


def _run(config: pytest.Config) -> Run | None:
    return config.stash.get(RUN, None)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    run = _run(config)
    if run is None:
        return None
    where = run.profile.base_url
    if run.embedded is not None:
        defects = ", ".join(sorted(run.embedded.defects)) or "none"
        where += f" (embedded reference target {run.embedded.flavour}; defects: {defects})"
    lines = [f"authconform profile: {run.profile.name} ({run.profile.source})", f"authconform target: {where}"]
    if run.unreachable:
        lines.append(f"authconform: TARGET UNREACHABLE: {run.redactor.text(run.unreachable)}")
    return lines


def pytest_unconfigure(config: pytest.Config) -> None:
    run = _run(config)
    if run is not None:
        run.close()
        if config.stash.get(FROZEN, False):
            gc.unfreeze()  # what the run held is the collector's again (pytester runs many in one process)


def pytest_itemcollected(item: pytest.Item) -> None:
    selection.add_id_keyword(item)


def _select_by_id(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Apply ``--check``/``--skip-check``; the items left out are reported as not selected."""
    wanted = selection.Selection(config.getoption("check", None) or [], config.getoption("skip_check", None) or [])
    if not wanted:
        return
    run = _run(config)
    kept, left_out = selection.split(items, wanted)
    unmatched = wanted.unmatched([info.id for info in map(check_of, items) if info is not None])
    if unmatched:
        # a typo must not quietly shrink what a gate checks: nothing runs, the run is a usage error (exit 2)
        kept, left_out = [], {item.nodeid: "not selected: the run stopped on a usage error" for item in items}
        if run is not None and run.broken is None:
            run.broken = f"{', '.join(unmatched)} matches no check (authconform list shows the IDs)"
        elif run is None:
            raise pytest.UsageError(f"{', '.join(unmatched)} matches no check")
    dropped = [item for item in items if item.nodeid in left_out]
    if run is not None:
        for item in dropped:
            _record_not_selected(run, item, left_out[item.nodeid])
    items[:] = kept
    if dropped:
        config.hook.pytest_deselected(items=dropped)


def _record_not_selected(run: Run, item: pytest.Item, reason: str) -> None:
    info = check_of(item)
    if info is not None and item.nodeid not in run.not_selected:
        run.not_selected[item.nodeid] = CheckResult(
            check=info.id, title=info.title, severity=info.severity, requirement=info.requirement, area=info.area,
            outcome=selection.NOT_SELECTED, reason=reason, nodeid=item.nodeid, duration=0.0)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Select by check ID, then order by each check's declared phase; under xdist keep first and last together."""
    _select_by_id(config, items)
    try:
        items[:] = in_run_order(items)
    except ValueError as exc:  # checks that wait for each other: a declaration error, exit 2 (not 3, unreachable)
        run = _run(config)
        if run is None:
            raise pytest.UsageError(str(exc)) from None
        run.broken = run.broken or str(exc)
        items[:] = []
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            if phase_of(item) != "normal":
                item.add_marker(pytest.mark.xdist_group("authconform-whole-run"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Settle the heap before the first check.

    Almost everything the process holds by now (imported code, the profile, the collected checks)
    lives until the run ends, yet Python's cyclic garbage collector would walk it again in every
    full collection: a quarter of a run's own time at a fast server. ``gc.freeze`` leaves it out of
    them until pytest_unconfigure gives it back.
    """
    run = _run(session.config)
    if run is None:
        return
    gc.freeze()
    session.config.stash[FROZEN] = True
    _start_openapi_worker(session, run)


def _start_openapi_worker(session: pytest.Session, run: Run) -> None:
    """Start the OpenAPI worker now when a selected check will ask for it: its imports overlap the first checks.

    Under xdist each worker starts its own on first use (only one of them runs the check that asks).
    """
    if run.profile.openapi is None or getattr(session.config, "workerinput", None) is not None:
        return
    if any("openapi_worker" in getattr(item, "fixturenames", ()) for item in session.items):
        run.openapi_worker().start()


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def run(request: pytest.FixtureRequest) -> Run:
    """The run: profile, client, recorder, budget. Suites skip without ``--profile``."""
    found = _run(request.config)
    if found is None:
        pytest.skip("no --profile given: the conformance suites need a target profile")
    return found


@pytest.fixture(scope="session")
def profile(run: Run) -> Profile:
    return run.profile


@pytest.fixture(scope="session")
def target(run: Run) -> TargetClient:
    """The HTTP client for the target; fails every check when the target is unreachable."""
    if run.unreachable:
        pytest.fail(f"target unreachable at {run.profile.base_url}: {run.redactor.text(run.unreachable)}",
                    pytrace=False)
    return run.client


@pytest.fixture(scope="session")
def login(run: Run, target: TargetClient) -> Login:
    return run.login


@pytest.fixture(scope="session")
def openapi_worker(run: Run) -> Any:
    """The run's OpenAPI worker process (authconform.openapi.worker.Worker): validates the document, fuzzes."""
    return run.openapi_worker()


@pytest.fixture
def session(login: Login) -> Session:
    """The run's shared valid login; checks that need a token skip with the reason without it."""
    try:
        return login.session()
    except LoginFailed as exc:
        pytest.skip(f"needs a valid login, which failed: {exc}")


@pytest.fixture
def decoded_token(profile: Profile, request: pytest.FixtureRequest) -> Any:
    """The shared login's token read as a JWT (padding tolerated: TOKEN-STRUCTURE judges the encoding).

    Skips, with the reason, for opaque tokens (before any login is spent) and for a token that is not a JWT.
    """
    if profile.token.format != "jwt":
        pytest.skip(f"the profile's tokens are {profile.token.format} (token.format): there is no JWT to read")
    from .jwt import tokens

    token = request.getfixturevalue("session").token
    try:
        return tokens.read(token)
    except tokens.TokenProblem as exc:
        pytest.skip(f"the login's token cannot be read as a JWT ({exc}); see TOKEN-STRUCTURE")


def _declared(profile: Profile, field: str, claim: str) -> str:
    """The profile's token.<field>, or a skip: without it no value of the claim is expected or required."""
    value = getattr(profile.token, field)
    if value is None:
        pytest.skip(f"the profile declares no token.{field}: there is no {claim} value the tokens must carry "
                    f"or the server is known to require")
    return value


@pytest.fixture
def declared_audience(profile: Profile) -> str:
    """token.audience (TOKEN-AUDIENCE, ACCESS-WRONG-AUDIENCE); a skip when the profile declares none."""
    return _declared(profile, "audience", "aud")


@pytest.fixture
def declared_issuer(profile: Profile) -> str:
    """token.issuer (TOKEN-ISSUER, ACCESS-WRONG-ISSUER); a skip when the profile declares none."""
    return _declared(profile, "issuer", "iss")


@pytest.fixture(scope="session")
def wrong_password_answer(login: Login, profile: Profile):
    """The valid account's identity with a wrong password: sent once, shared by every check."""
    try:
        return login.attempt(profile.account("valid").identity, login.wrong_password(),
                             purpose="login with a wrong password")
    except BudgetExhausted as exc:
        pytest.skip(f"not run, to protect the account: {exc}")


@pytest.fixture(scope="session")
def unknown_user_answer(login: Login, profile: Profile):
    """An identity no server has, with a password: sent once, shared by every check."""
    return login.attempt(login.unknown_identity(), login.wrong_password(), purpose="login as an unknown user")


@pytest.fixture(scope="session")
def missing_password_answer(login: Login):
    """An unknown identity and no password field: sent once, shared (LOGIN-MISSING-FIELD, SECRET-SAME-ORIGIN)."""
    return login.submit({login.identity_field: login.unknown_identity()},
                        purpose=f"login without {login.password_field!r}")


@pytest.fixture(scope="session")
def broken_json_answer(login: Login, profile: Profile):
    """A JSON login body cut short: sent once, shared (LOGIN-MALFORMED-JSON, SEC-ERROR-LEAK); None for form logins."""
    if profile.login.encoding != "json":
        return None
    raw = f'{{"{login.identity_field}": "{login.unknown_identity()}", "{login.password_field}": '
    return login.submit(raw=raw.encode(), content_type="application/json", purpose="login with broken JSON")


# --- check bookkeeping ----------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    run = _run(item.config)
    if run is not None:
        info = check_of(item)
        run.recorder.current_check = info.id if info else None
        run.recorder.current_test = item.nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        return (yield)
    except BudgetExhausted as exc:
        pytest.skip(f"not run, to protect the account: {exc}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]):
    report = yield
    run = _run(item.config)
    if run is None:
        return report
    info = check_of(item)
    if info is not None:
        # the effective severity (a must_when the profile sets makes it must): what every report and the gate use
        report.user_properties.extend(
            [("check_id", info.id), ("severity", info.severity_for(run.profile)), ("requirement", info.requirement),
             ("area", info.area), ("title", info.title)]
        )
    _redact_report(report, call, run)
    if call.excinfo is not None and isinstance(call.excinfo.value, WorkerFailed):
        report.user_properties.append(("broke", "the harness"))  # an error, never a finding on the target
    _settle_reason(item, report)  # the finding's reason, before a waiver turns the failure into an xfail
    if info is not None:
        gate.waive_if_waived(item, report, info.id, run)
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        exchanges, shared = html_report.exchanges_for(item, run.recorder)
        report.user_properties.append(("exchanges", len(exchanges)))
        try:
            from pytest_html import extras
        except ImportError:  # pragma: no cover - pytest-html is a dependency
            return report
        shown = exchanges_html(exchanges, run.redactor, shared=shared)
        report.extras = [*getattr(report, "extras", []), extras.html(shown)]
    return report


def _redact_report(report: pytest.TestReport, call: pytest.CallInfo[Any], run: Run) -> None:
    """Findings show as their message; anything else as its traceback; both redacted."""
    redact = run.redactor.text
    if report.longrepr is not None:
        if report.skipped and isinstance(report.longrepr, tuple):
            path, line, reason = report.longrepr
            report.longrepr = (path, line, redact(reason))
        elif call.excinfo is not None and isinstance(call.excinfo.value, Finding):
            location = f"{report.location[0]}:{(report.location[1] or 0) + 1}"
            report.longrepr = f"{redact(str(call.excinfo.value))}\n[{location}]"
        else:
            report.longrepr = redact(str(report.longrepr))
    report.sections = [(title, redact(text) or "") for title, text in report.sections]


def _settle_reason(item: pytest.Item, report: pytest.TestReport) -> None:
    """Work out the check's reason once (results.reason_of) and carry it on this and every later report.

    The report that decides the outcome (the call, a setup that did not pass, a failed teardown)
    sets it; summary.json, SARIF, report.html and junit.xml (a ``reason`` property) all read it.
    """
    deciding = report.when == "call" or (report.when == "setup" and not report.passed) or (
        report.when == "teardown" and report.failed)
    if deciding:
        item.stash[REASON] = reason_of(report)
    reason = item.stash.get(REASON, "")
    if reason:
        report.user_properties.append(("reason", reason))


class Bookkeeper:
    """Records each check's outcome and writes the verdict; registered only for a profile run.

    Outcomes are taken from the reports (on the xdist controller too, from the workers' reports).
    """

    def __init__(self, run: Run):
        self.run = run
        self.result: RunResult | None = None  # the results model, once the session has finished

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "check_id" not in props:
            return
        results = self.run.results
        if report.when == "call" or (report.when == "setup" and not report.passed):
            broke = (report.when == "setup" and report.failed) or "broke" in props
            outcome = "error" if broke else report.outcome
            results[report.nodeid] = CheckResult(
                check=props["check_id"], title=props.get("title", ""), severity=props["severity"],
                requirement=props["requirement"], area=props["area"], outcome=gate.outcome_of(report, outcome),
                reason=str(props.get("reason") or props.get("note") or ""), nodeid=report.nodeid,
                duration=report.duration, waiver=gate.waiver_of(report),
            )
        elif report.when == "teardown" and report.failed and report.nodeid in results:
            results[report.nodeid].outcome = "error"
            results[report.nodeid].reason = str(props.get("reason") or "")

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        """Checks left out by -k or -m (``--check`` records its own reason first) are not selected, not passed."""
        for item in items:
            keyword = item.config.getoption("keyword", "")
            marks = item.config.getoption("markexpr", "")
            why = (f"-k {keyword!r}" if keyword else f"-m {marks!r}" if marks else "the run's selection")
            _record_not_selected(self.run, item, f"not selected: left out by {why}")

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist controller: the workers did the collecting, so they know what was left out."""
        output = getattr(node, "workeroutput", {})
        for entry in output.get("authconform_not_selected", []):
            self.run.not_selected.setdefault(entry["nodeid"], CheckResult(**entry))
        self.run.broken = self.run.broken or output.get("authconform_broken")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """A suite that cannot be loaded breaks the run: its checks never ran, so it is not conformant."""
        if report.failed and self.run.broken is None:
            where = report.nodeid or str(getattr(report, "fspath", "") or "") or "a suite"
            self.run.broken = f"{where} could not be loaded: {reason_of(report)}"

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if hasattr(session.config, "workerinput"):
            output = session.config.workeroutput  # type: ignore[attr-defined]
            output["authconform_not_selected"] = [dataclasses.asdict(r) for r in self.run.not_selected.values()]
            output["authconform_broken"] = self.run.broken
            return
        finished = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED)
        if exitstatus not in finished and self.run.broken is None:
            self.run.broken = f"pytest stopped the run (exit status {int(exitstatus)})"
        if not self.run.results and not self.run.unreachable and self.run.broken is None:
            # a gate must not pass on a -k expression (or an empty suites folder) that selected nothing
            self.run.broken = ("no check was selected (check the -k expression, --check/--skip-check and the "
                               "suites folder)")
        if self.run.broken:
            session.exitstatus = verdict.EXIT_USAGE
        self.result = result = verdict.conclude(self.run)  # built once; every writer reads it
        session.config.stash[html_report.RESULT] = result
        summary.write(result)
        sarif.write(result)
        if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            session.exitstatus = result.exit_code
        elif exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and self.run.unreachable:
            session.exitstatus = verdict.EXIT_UNREACHABLE

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """The terminal ends with the verdict: after pytest's own summary line, so CI logs show it last."""
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        nothing = not self.run.results and not self.run.unreachable and not self.run.broken
        if hasattr(config, "workerinput"):
            return
        bundle = gate.write_bundle(config, self.run)  # after pytest-html and junitxml wrote their files
        if reporter is None or nothing or self.result is None:
            return
        reporter.section("authconform", bold=True)
        for text, markup in summary.terminal_lines(self.result):
            reporter.write_line(text, **markup)
        if bundle is not None:
            reporter.write_line(f"evidence  {bundle}", bold=True)
