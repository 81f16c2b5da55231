"""One conformance run: the profile, the target, the client and what the checks found.

The pytest plugin builds a :class:`Run` at configure time and every fixture hands out a part of
it. Building it is where a bad profile (exit 2), an embedded reference target and the run's
report folder are decided.
"""

from __future__ import annotations

import dataclasses
import os
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .endpoints.budget import FailedLoginBudget
from .endpoints.login import Login
from .exceptions import UsageProblem as UsageProblem  # re-exported: defined in exceptions.py
from .http.client import TargetClient
from .http.exchanges import Recorder
from .http.redaction import Redactor
from .profile import Profile, ProfileError, ProfileText, load_profile, read_profile
from .report.results import CheckResult


@dataclass
class Run:
    profile: Profile
    client: TargetClient
    recorder: Recorder
    redactor: Redactor
    budget: FailedLoginBudget
    login: Login
    report_dir: Path
    fail_on: str = "must"
    slow: bool = False
    embedded: Any = None  # a running reference target, when the run started one
    unreachable: str | None = None
    broken: str | None = None  # why the checks could not run at all (a suite failed to load, pytest stopped)
    started: float = field(default_factory=time.time)
    results: dict[str, CheckResult] = field(default_factory=dict)
    # checks left out by -k, --check or --skip-check, by node ID: reported, never counted as passed
    not_selected: dict[str, CheckResult] = field(default_factory=dict)
    selection: dict[str, Any] = field(default_factory=dict)  # the -k expression and the ID globs, for the report
    waivers: list[Any] = field(default_factory=list)  # authconform.gate.waivers.Waiver entries of --waivers
    waivers_file: str | None = None
    allow_stale_waivers: bool = False
    baseline: Any = None  # an authconform.gate.baseline.Baseline: the gate fails only on new failures
    _openapi_worker: Any = None  # authconform.openapi.worker.Worker, once a check asked for it

    def openapi_worker(self) -> Any:
        """The run's OpenAPI worker process (:mod:`authconform.openapi.worker`): one per run, made on first ask."""
        if self._openapi_worker is None:
            from .openapi.worker import Worker

            self._openapi_worker = Worker(self.redactor.text)
        return self._openapi_worker

    @property
    def gate_severities(self) -> set[str]:
        return {"must"} if self.fail_on == "must" else {"must", "should"}

    def close(self) -> None:
        self.client.close()
        if self._openapi_worker is not None:
            self._openapi_worker.close()
        if self.embedded is not None:
            self.embedded.stop()


def parse_target_options(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs for the reference target's settings, typed like the setting."""
    from .targets import TargetSettings

    known = {f.name: f for f in dataclasses.fields(TargetSettings)}
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in known:
            raise UsageProblem(f"--target-option {pair!r}: expected NAME=VALUE with NAME one of {', '.join(known)}")
        kind = str(known[name].type)
        value: Any = text
        if text.lower() in ("none", "null", ""):
            value = None
        elif "bool" in kind:
            value = text.lower() in ("1", "true", "yes", "on")
        elif "int" in kind:
            try:
                value = int(text)
            except ValueError:
                raise UsageProblem(f"--target-option {pair!r}: {name} takes a whole number") from None
        values[name] = value
    return values


def new_report_dir(root: Path, profile_name: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1000):
        suffix = f"-{attempt}" if attempt else ""
        candidate = root / f"{profile_name}-{stamp}{suffix}"
        try:
            candidate.mkdir(parents=True)
            return candidate
        except FileExistsError:
            continue
    raise UsageProblem(f"cannot create a report folder under {root}")


def build_run(
    profile_arg: str,
    *,
    base_url: str | None = None,
    defects: list[str] | None = None,
    target_options: list[str] | None = None,
    insecure: bool = False,
    requests_per_second: float | None = None,
    fail_on: str = "must",
    slow: bool = False,
    report_dir: str | None = None,
    worker_count: int = 1,
) -> Run:
    """Read the profile once, start the embedded target when no target URL is given, wire the client.

    Raises :class:`ProfileError` or :class:`UsageProblem` (both mean exit 2).
    """
    env = dict(os.environ)
    base_url = base_url or env.get("TARGET_URL") or None
    text = read_profile(profile_arg)
    embedded = start_target(text, base_url, defects or [], target_options or [])
    try:
        if embedded is not None:
            env.update(embedded.env)
            base_url = embedded.url
        profile = load_profile(text, env)
    except (ProfileError, OSError):
        if embedded is not None:
            embedded.stop()
        raise
    if base_url:
        profile = profile.with_base_url(base_url)
    workers = max(worker_count, 1)
    if requests_per_second is None:
        requests_per_second = 0 if embedded is not None else profile.limits.requests_per_second
    redactor = build_redactor(profile, embedded)
    recorder = Recorder()
    client = build_client(profile, redactor, recorder, embedded, insecure=insecure,
                          requests_per_second=requests_per_second / workers if requests_per_second else 0)
    budget = build_budget(profile, workers)
    folder = Path(report_dir) if report_dir else new_report_dir(Path("reports"), profile.name)
    folder.mkdir(parents=True, exist_ok=True)
    run = Run(profile=profile, client=client, recorder=recorder, redactor=redactor, budget=budget,
              login=Login(profile, client, budget), report_dir=folder, fail_on=fail_on, slow=slow,
              embedded=embedded)
    run.unreachable = preflight(client)
    return run


def start_target(text: ProfileText, base_url: str | None, defects: list[str], target_options: list[str]) -> Any:
    """The embedded reference target the profile names, started, when no target URL is given; else None.

    ``--defect`` and ``--target-option`` apply only to it: with a URL they are a usage error.
    """
    if base_url is not None:
        if defects or target_options:
            raise UsageProblem("--defect and --target-option apply to the embedded reference target only; "
                               "leave out --base-url and TARGET_URL to use it")
        return None
    flavour = text.reference_target
    if flavour is None:
        return None
    from .targets import TargetSettings, start

    settings = TargetSettings(**parse_target_options(target_options))
    try:
        return start(flavour, defects, settings=settings)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None


def build_redactor(profile: Profile, embedded: Any = None) -> Redactor:
    """The redactor for every report: the profile's secrets, and the embedded target's own.

    The profile says what counts as a secret (:meth:`Profile.secret_values`, :meth:`Profile.secret_header_names`).
    A target the run started adds every password and secret it was given, named by the profile or not:
    the fuzzer may still send one (Hypothesis draws string constants from the checkout's source).
    """
    redactor = Redactor(profile.secret_values())
    if embedded is not None:
        for name, value in embedded.env.items():
            if any(word in name for word in ("PASSWORD", "SECRET")):
                redactor.add(value, "password" if "PASSWORD" in name else "secret")
    for header in profile.secret_header_names():
        redactor.add_header(header)
    return redactor


def build_client(profile: Profile, redactor: Redactor, recorder: Recorder, embedded: Any = None, *,
                 insecure: bool = False, requests_per_second: float = 0) -> TargetClient:
    """The run's one HTTP client, paced and limited by the profile's ``limits``.

    An embedded target serving https (``tls=true``) is trusted by its own certificate; any other target
    by the system's, unless ``--insecure``.
    """
    limits = profile.limits
    ca_file = getattr(embedded, "ca_file", None)
    return TargetClient(
        profile.base_url,
        redactor=redactor,
        recorder=recorder,
        timeout=limits.timeout,
        verify=ssl.create_default_context(cafile=str(ca_file)) if ca_file else not insecure,
        requests_per_second=requests_per_second,
        max_body_bytes=limits.max_body_bytes,
        max_consecutive_timeouts=limits.max_consecutive_timeouts,
    )


def build_budget(profile: Profile, workers: int = 1) -> FailedLoginBudget:
    """The failed-login budget per account, split between xdist workers so the run as a whole keeps it."""
    roles = ("valid", "disabled", "lockout")
    accounts = {account.identity: role for role in roles if (account := profile.account(role)) is not None}
    own = {role: account.max_failed_logins // workers for role in roles
           if (account := profile.account(role)) is not None and account.max_failed_logins is not None}
    return FailedLoginBudget(profile.limits.max_failed_logins // workers, accounts, own)


def preflight(client: TargetClient) -> str | None:
    """Why the target cannot be reached at all (no connection), or None when it can.

    A server that accepts the connection but answers badly is reachable: its checks fail with
    the reason instead.
    """
    answer = client.request("GET", "/", purpose="preflight: is the target reachable?")
    if answer.exchange.error_kind == "connect":
        return answer.error
    return None
