"""A built-in profile that opts in to the lockout probe, for the harness's own tests.

The built-in profiles stay opt-out: the probe locks an account on purpose. Each reference target has
a throwaway account for it; this writes the built-in profile again with ``accounts.lockout``,
``security.lockout: true`` and the failures after which the real system locks. Those can be more than
the built-in ``limits.max_failed_logins`` allows (Chamilo locks after 10, the profile spends 8), so
the lockout account gets a budget of its own, ``accounts.lockout.max_failed_logins``: its failures
plus the right password's attempt. Every other account keeps the built-in budget, below its own lock.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from authconform import resources

LOCKOUT_TEST = "test_repeated_failed_logins_lock_or_throttle"

# flavour: the throwaway account's variables (exported by the reference target) and the failures that lock it
LOCKOUT = {
    "chamilo": ("CHAMILO_LOCKOUT_USER", "CHAMILO_LOCKOUT_PASSWORD", 10),  # login_throttling: 10 a minute
    "invoiceninja": ("NINJA_LOCKOUT_EMAIL", "NINJA_LOCKOUT_PASSWORD", 5),  # ThrottlesLogins: 5 a minute
    "pch-sig": ("PCH_LOCKOUT_USER", "PCH_LOCKOUT_PASSWORD", 5),  # no throttling at all: the probe says so
}


def opt_in_profile(flavour: str, folder: Path) -> Path:
    """Write ``<flavour>-lockout.yaml`` into ``folder``: the built-in profile, opted in to the lockout probe."""
    source = resources.builtin_profile(flavour)
    assert source is not None, flavour
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    user, password, after = LOCKOUT[flavour]
    data["name"] = f"{flavour}-lockout"
    # the failures that lock it, then the right password (refused once locked): a budget for this account alone
    data["accounts"]["lockout"] = {"identity": f"${{{user}}}", "password": f"${{{password}}}",
                                   "max_failed_logins": after + 1}
    data["security"] = {**(data.get("security") or {}), "lockout": True, "lockout_after": after}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{flavour}-lockout.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
