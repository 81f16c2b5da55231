"""Gentleness, measured at the target: the failed-login cap and the request pacing hold.

A recording proxy (:mod:`tests.hostile.proxy`) stands in front of a reference target and is the
run's ``--base-url``, so it sees every request exactly as a real deployment would. From its
records the tests count what the profile promises to bound:

- failed logins per profile account over the whole run, every suite together, against
  ``limits.max_failed_logins`` (the budget in budget.py is one counter per account, shared);
- request arrival times against ``limits.requests_per_second``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from authconform import resources
from authconform.profile import Profile, load_profile
from authconform.targets import TargetSettings, start
from authconform.targets.invoiceninja import THROTTLED
from tests.hostile.proxy import Recorded, RecordingProxy

SETTINGS = TargetSettings(hash_iterations=1000)


def profile_copy(folder: Path, builtin: str, **limits: float) -> Path:
    """The built-in profile with some ``limits`` changed (its schema paths resolve from the checkout)."""
    text = resources.builtin_profile(builtin).read_text(encoding="utf-8")
    for name, value in limits.items():
        text, count = re.subn(rf"(?m)^(\s+{name}:)\s*\S+", rf"\g<1> {value}", text)
        assert count == 1, f"{builtin} has no limits.{name} line to change"
    path = folder / f"{builtin}-limits.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def failed_logins(records: list[Recorded], profile: Profile) -> dict[str, int]:
    """Failed logins per profile account, as the target counts them: a login it could read that did not succeed."""
    login = profile.login
    roles = {}
    for role in ("valid", "disabled", "lockout"):
        account = profile.account(role)
        if account is not None:
            roles[account.identity.strip().lower()] = role
    counts = dict.fromkeys(roles.values(), 0)
    for record in records:
        if record.path != login.path:
            continue
        fields = record.request_fields() or {}
        identity = fields.get(login.fields.identity)
        role = roles.get(identity.strip().lower()) if isinstance(identity, str) else None
        if role is not None and record.status != login.success.status:
            counts[role] += 1
    return counts


def proxied_run(flavour: str, profile_path: Path, run_authconform, *args: str, defects=()):
    """Run ``profile_path`` through a recording proxy in front of a fresh ``flavour`` target."""
    with start(flavour, defects, settings=SETTINGS) as target, RecordingProxy(target.url) as proxy:
        env = {**target.env, "TARGET_URL": proxy.url}
        outcome = run_authconform("run", "--profile", str(profile_path), "--base-url", proxy.url, *args,
                                  env=env, timeout=300)
        records = proxy.seen()
    assert outcome.summary is not None, f"exit {outcome.code}, no summary:\n{outcome.output[-3000:]}"
    return outcome, records, load_profile(profile_path, env)


# --- the failed-login cap ---------------------------------------------------------------------


def capped_run(folder: Path, limit: int, run_authconform) -> tuple[dict, dict[str, int]]:
    """A full pch-sig run with ``limits.max_failed_logins: limit``, and what the target saw per account.

    Asserts the cap: no account got more failed logins than ``limit``, and the run's own count
    (summary.json ``failed_logins``) is not lower than the target's.
    """
    folder.mkdir()
    path = profile_copy(folder, "pch-sig", max_failed_logins=limit, requests_per_second=0)
    outcome, records, profile = proxied_run("pch-sig", path, run_authconform)
    assert profile.limits.max_failed_logins == limit
    seen = failed_logins(records, profile)
    assert set(seen) == {"valid", "disabled"}, seen
    over = {role: n for role, n in seen.items() if n > limit}
    assert not over, f"the target received more than {limit} failed logins: {over}"
    reported = outcome.summary["failed_logins"]
    for role, count in seen.items():
        assert reported.get(role, 0) >= count, f"the run reports {reported}, the target saw {seen}"
    return outcome.summary, seen


def held_back(summary: dict, limit: int) -> list[dict]:
    """Checks skipped because the failed-login budget would not cover them."""
    return [c for c in summary["checks"]
            if c["outcome"] == "skipped" and f"limits.max_failed_logins={limit}" in c["reason"]]


def test_no_failed_login_at_all_when_the_cap_is_zero(tmp_path: Path, run_authconform):
    """max_failed_logins: 0 (a production account): the target sees no failed login; those checks skip."""
    summary, _ = capped_run(tmp_path / "cap0", 0, run_authconform)
    protected = [c for c in held_back(summary, 0) if "to protect the account" in c["reason"]]
    assert protected, "with no failed logins allowed, the checks that need one must skip, saying why"


def test_cap_holds_over_every_suite(tmp_path: Path, run_authconform):
    """The suites together want more failed logins than 2; capped at 2 the target sees at most 2 per account.

    The uncapped run (the profile default, 10) shows what every suite together spends; the capped
    run shows the budget is shared: the checks past the cap are held back, whichever suite they are in.
    """
    _, wanted = capped_run(tmp_path / "cap10", 10, run_authconform)
    summary, _ = capped_run(tmp_path / "cap2", 2, run_authconform)
    if max(wanted.values()) > 2:
        assert held_back(summary, 2), (f"uncapped the suites spent {wanted}; capped at 2 some check must be "
                                       "held back with the reason")


def test_invoiceninja_is_never_locked(tmp_path: Path, run_authconform):
    """The built-in invoiceninja profile stays under the lockout of its target (5 failures a minute)."""
    path = Path(resources.builtin_profile("invoiceninja"))
    outcome, records, profile = proxied_run("invoiceninja", path, run_authconform, "--rps", "0")
    limit = profile.limits.max_failed_logins
    assert limit < 5
    seen = failed_logins(records, profile)
    assert all(n <= limit for n in seen.values()), f"the target received {seen}, the profile allows {limit}"
    valid_logins = [r for r in records if r.path == profile.login.path and r.status == profile.login.success.status]
    assert valid_logins, "the valid account never logged in"
    locked = [r for r in records if THROTTLED.encode() in r.response_body]
    assert not locked, f"the target locked an account: {locked[0].method} {locked[0].target} -> {locked[0].status}"
    assert outcome.summary["failed_logins"].get("valid", 0) <= limit


# --- pacing -----------------------------------------------------------------------------------

PACED_CHECKS = ("missing_field or empty_body or malformed or wrong_type or never_crashes or wrong_password "
                "or unknown_user")
RPS = 20
# Requests leave the harness 1/RPS apart; a busy machine can delay one on its way to the target
# by up to a slot or two, which packs that many more into the second it lands in.
JITTER = 2


def _busiest_second(times: list[float]) -> int:
    """The most requests that arrived within any one second."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_requests_per_second_holds(tmp_path: Path, run_authconform):
    """limits.requests_per_second: 20 means no second in which the target sees more than 20 requests."""
    path = profile_copy(tmp_path, "pch-sig", requests_per_second=RPS)
    outcome, records, profile = proxied_run("pch-sig", path, run_authconform, "-k", PACED_CHECKS)
    assert profile.limits.requests_per_second == RPS
    times = sorted(r.at for r in records)
    assert len(times) > RPS, f"only {len(times)} requests: too few to measure a rate of {RPS}/s"
    busiest = _busiest_second(times)
    assert busiest <= RPS + JITTER, f"{busiest} requests arrived within one second; the profile allows {RPS}"
    spread = times[-1] - times[0]
    assert spread >= (len(times) - 1) / RPS * 0.95, f"{len(times)} requests in {spread:.2f} s"

    _, records, _ = proxied_run("pch-sig", path, run_authconform, "-k", PACED_CHECKS, "--rps", "0")
    assert _busiest_second([r.at for r in records]) > RPS + JITTER, (
        "unpaced, the same checks should outrun the limit: otherwise this test could not see a breach")


# --- a budget per account ------------------------------------------------------------------------


def test_each_account_spends_its_own_budget():
    from authconform.endpoints.budget import BudgetExhausted, FailedLoginBudget

    budget = FailedLoginBudget(3, {"u@example.org": "valid", "lock@example.org": "lockout"}, {"lockout": 11})
    budget.spend("lock@example.org", 11)  # past what the valid account may spend
    assert budget.remaining("lock@example.org") == 0 and budget.remaining("u@example.org") == 3
    budget.spend("U@example.org", 3)
    with pytest.raises(BudgetExhausted, match=re.escape("limits.max_failed_logins=3")):
        budget.spend("u@example.org")  # the valid account may not go past its own budget of 3
    with pytest.raises(BudgetExhausted, match=re.escape("accounts.lockout.max_failed_logins=11")):
        budget.spend("lock@example.org")  # nor the lockout account past its 11


def test_the_lockout_account_may_exceed_the_valid_accounts_budget(tmp_path, run_authconform):
    """Chamilo locks after 10 failures: the lockout account gets 11 while the valid account keeps 3."""
    import yaml

    from tests.lockout_profile import LOCKOUT_TEST, opt_in_profile

    path = opt_in_profile("chamilo", tmp_path / "profiles")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault("limits", {})["max_failed_logins"] = 3
    assert data["accounts"]["lockout"]["max_failed_logins"] == 11  # opt_in_profile's: Chamilo locks after 10
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    selected = f"{LOCKOUT_TEST} or wrong_password_is_refused or malformed or wrong_type or missing_field"
    outcome, records, profile = proxied_run("chamilo", path, run_authconform, "-k", selected)
    checks = {c["id"]: c for c in outcome.summary["checks"]}
    assert checks["SEC-LOCKOUT"]["outcome"] == "passed", checks["SEC-LOCKOUT"]
    counts = failed_logins(records, profile)
    # lockout_after (10) wrong passwords, then the right one, refused because locked: 11, past the valid 3
    assert counts["lockout"] == 11, counts
    assert 1 <= counts["valid"] <= 3, counts
