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

import yaml

from .endpoints.budget import FailedLoginBudget
from .endpoints.login import Login
from .http.client import TargetClient
from .http.exchanges import Recorder
from .http.redaction import Redactor
from .profile import Profile, ProfileError, load_profile
from .report.results import CheckResult


class UsageProblem(Exception):
    """Options that cannot work together; the CLI and the plugin exit 2 with it."""


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

    @property
    def gate_severities(self) -> set[str]:
        return {"must"} if self.fail_on == "must" else {"must", "should"}

    def close(self) -> None:
        self.client.close()
        if self.embedded is not None:
            self.embedded.stop()


def reference_flavour(profile_arg: str) -> str | None:
    """The embedded flavour a profile names in ``reference_target`` (read before expansion)."""
    from . import resources

    path = Path(profile_arg)
    if not path.is_file():
        path = resources.builtin_profile(profile_arg) or path
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return raw.get("reference_target") if isinstance(raw, dict) else None


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
    """Load the profile, start the embedded target when no target URL is given, wire the client.

    Raises :class:`ProfileError` or :class:`UsageProblem` (both mean exit 2).
    """
    env = dict(os.environ)
    base_url = base_url or env.get("TARGET_URL") or None
    embedded = None
    if base_url is None:
        flavour = reference_flavour(profile_arg)
        if flavour is not None:
            from .targets import TargetSettings, start

            settings = TargetSettings(**parse_target_options(target_options or []))
            try:
                embedded = start(flavour, defects or (), settings=settings)
            except ValueError as exc:
                raise UsageProblem(str(exc)) from None
            env.update(embedded.env)
            base_url = embedded.url
    elif defects or target_options:
        raise UsageProblem("--defect and --target-option apply to the embedded reference target only; "
                           "leave out --base-url and TARGET_URL to use it")
    try:
        profile = load_profile(profile_arg, env)
    except (ProfileError, OSError):
        if embedded is not None:
            embedded.stop()
        raise
    if base_url:
        profile = profile.with_base_url(base_url)

    limits = profile.limits
    if requests_per_second is None:
        requests_per_second = 0 if embedded is not None else limits.requests_per_second
    redactor = Redactor(profile.secret_values())
    if embedded is not None:
        # Every password and secret of the target the run started, named by the profile or not: the
        # fuzzer may still send one (Hypothesis draws string constants from the checkout's source).
        for name, value in embedded.env.items():
            if any(word in name for word in ("PASSWORD", "SECRET")):
                redactor.add(value, "password" if "PASSWORD" in name else "secret")
    if profile.secret_header:
        redactor.add_header(profile.secret_header.name)
    scheme = (profile.protected.scheme if profile.protected else "bearer") or "bearer"
    if scheme.startswith("header:"):
        redactor.add_header(scheme.split(":", 1)[1])
    recorder = Recorder()
    client = TargetClient(
        profile.base_url,
        redactor=redactor,
        recorder=recorder,
        timeout=limits.timeout,
        verify=ssl.create_default_context(cafile=str(embedded.ca_file)) if getattr(embedded, "ca_file", None)
        else not insecure,  # an embedded target serving https (tls=true) is trusted by its own certificate
        requests_per_second=requests_per_second / max(worker_count, 1) if requests_per_second else 0,
        max_body_bytes=limits.max_body_bytes,
        max_consecutive_timeouts=limits.max_consecutive_timeouts,
    )
    accounts = {}
    for role in ("valid", "disabled", "lockout"):
        account = profile.account(role)
        if account is not None:
            accounts[account.identity] = role
    own = {role: account.max_failed_logins // max(worker_count, 1) for role in ("valid", "disabled", "lockout")
           if (account := profile.account(role)) is not None and account.max_failed_logins is not None}
    budget = FailedLoginBudget(limits.max_failed_logins // max(worker_count, 1), accounts, own)
    folder = Path(report_dir) if report_dir else new_report_dir(Path("reports"), profile.name)
    folder.mkdir(parents=True, exist_ok=True)
    run = Run(
        profile=profile,
        client=client,
        recorder=recorder,
        redactor=redactor,
        budget=budget,
        login=Login(profile, client, budget),
        report_dir=folder,
        fail_on=fail_on,
        slow=slow,
        embedded=embedded,
    )
    run.unreachable = preflight(client)
    return run


def preflight(client: TargetClient) -> str | None:
    """Why the target cannot be reached at all (no connection), or None when it can.

    A server that accepts the connection but answers badly is reachable: its checks fail with
    the reason instead.
    """
    answer = client.request("GET", "/", purpose="preflight: is the target reachable?")
    if answer.exchange.error_kind == "connect":
        return answer.error
    return None
