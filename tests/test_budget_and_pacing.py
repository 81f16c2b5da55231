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


@pytest.mark.parametrize("limit", [0, 2])
def test_failed_login_cap_holds_over_every_suite(limit: int, tmp_path: Path, run_authconform):
    """pch-sig with a tight cap: the target never sees more failed logins per account than the profile allows."""
    path = profile_copy(tmp_path, "pch-sig", max_failed_logins=limit, requests_per_second=0)
    outcome, records, profile = proxied_run("pch-sig", path, run_authconform)
    assert profile.limits.max_failed_logins == limit
    seen = failed_logins(records, profile)
    assert set(seen) == {"valid", "disabled"}, seen
    over = {role: n for role, n in seen.items() if n > limit}
    assert not over, f"the target received more than {limit} failed logins: {over}"
    reported = outcome.summary["failed_logins"]
    for role, count in seen.items():
        assert reported.get(role, 0) >= count, f"the run reports {reported}, the target saw {seen}"
    protected = [c for c in outcome.summary["checks"]
                 if c["outcome"] == "skipped" and "to protect the account" in c["reason"]]
    if limit == 0:
        assert protected, "with no failed logins allowed, the checks that need one must skip"
        assert all("limits.max_failed_logins=0" in c["reason"] for c in protected)


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
