"""The CI gate's part of the pytest plugin: ``--waivers``, ``--baseline``, ``--bundle`` and their hooks.

Kept out of :mod:`authconform.plugin` so the plugin stays the place for fixtures and bookkeeping;
the plugin calls these functions at configure time, per report, and at the end of the run.

A waived failure becomes pytest's *expected failure* (``xfail``) with the waiver as its reason:
pytest-html shows it in its own colour, junit.xml writes it as ``<skipped type="pytest.xfail">``
(never a pass, never a failure), and the bookkeeping records the outcome ``waived``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..checks import catalogue
from ..run import Run, UsageProblem
from . import baseline as baseline_module
from . import evidence, waivers


def add_options(group: Any) -> None:
    group.addoption("--waivers", metavar="FILE",
                    help="YAML file of accepted failures (check, profile, reason, expires, ticket): a matching "
                         "failure is reported as waived; an expired or stale waiver fails the run")
    group.addoption("--allow-stale-waivers", action="store_true",
                    help="do not fail the run on a waiver whose checks pass now")
    group.addoption("--baseline", metavar="PATH",
                    help="summary.json (or report folder) of an earlier run of the same profile: the gate fails "
                         "only on checks that fail now and did not fail there")
    group.addoption("--bundle", action="store_true",
                    help="also write <report-dir>/evidence.zip: the report files, the redacted profile and a "
                         "manifest of their SHA-256 hashes")
    group.addoption("--sign-key", metavar="PEM",
                    help="Ed25519 private key (PEM) to sign the evidence bundle's manifest (implies --bundle)")


def configure(config: pytest.Config, run: Run) -> None:
    """Load the waivers and the baseline, and check the signing key, before any check runs.

    Raises :class:`~authconform.profile.ProfileError` (a malformed waivers file) or
    :class:`UsageProblem` (a waiver naming no check, no baseline of this profile, a bad key): exit 2.
    """
    path = config.getoption("waivers", None)
    if path:
        entries = waivers.load(path)
        unknown = waivers.unmatched(entries, [c.id for c in catalogue()])
        if unknown:
            named = "; ".join(f"{w.label()}" for w in unknown)
            raise UsageProblem(f"waiver matching no check of the catalogue: {named} (authconform list shows the IDs)")
        run.waivers, run.waivers_file = entries, str(path)
    run.allow_stale_waivers = bool(config.getoption("allow_stale_waivers", False))
    if base := config.getoption("baseline", None):
        run.baseline = baseline_module.load(base, run.profile.name)
    if key := config.getoption("sign_key", None):
        evidence.load_private_key(key)  # a bad key is found now, not after the whole run


def waive_if_waived(item: pytest.Item, report: pytest.TestReport, check_id: str, run: Run) -> None:
    """Turn a failed check that a live waiver matches into a waived one (pytest's xfail, with the waiver).

    The waiver's fields go on the item too: junit.xml writes the properties of the teardown report,
    which copies the item's.
    """
    if report.when != "call" or not report.failed or not run.waivers:
        return
    waiver = waivers.waiver_for(run.waivers, check_id, run.profile.name, waivers.day_of(run.started))
    if waiver is None:
        return
    ticket = f", ticket {waiver.ticket}" if waiver.ticket else ""
    report.outcome = "skipped"
    report.wasxfail = f"waived until {waiver.expires.isoformat()}{ticket}: {waiver.reason}"  # type: ignore[attr-defined]
    properties = [
        ("outcome", waivers.WAIVED), ("waiver_reason", waiver.reason), ("waiver_expires", waiver.expires.isoformat()),
        ("waiver_ticket", waiver.ticket or ""), ("waiver_entry", waiver.where), ("waiver_check", waiver.check),
        ("waiver_profile", waiver.profile or ""),
    ]
    report.user_properties.extend(properties)
    item.user_properties.extend(properties)


def outcome_of(report: pytest.TestReport, outcome: str) -> str:
    return waivers.WAIVED if dict(report.user_properties).get("outcome") == waivers.WAIVED else outcome


def waiver_of(report: pytest.TestReport) -> dict[str, Any] | None:
    """The waiver entry behind a waived report, as summary.json shows it (None when not waived)."""
    props = dict(report.user_properties)
    if props.get("outcome") != waivers.WAIVED:
        return None
    return {"check": props["waiver_check"], "profile": props.get("waiver_profile") or None,
            "reason": props["waiver_reason"], "expires": props["waiver_expires"],
            "ticket": props.get("waiver_ticket") or None, "entry": props["waiver_entry"]}


def write_bundle(config: pytest.Config, run: Run) -> Path | None:
    """evidence.zip, when asked for: after every report file is written (pytest_unconfigure)."""
    key = config.getoption("sign_key", None)
    if not (config.getoption("bundle", False) or key):
        return None
    if not (run.report_dir / "summary.json").is_file():
        return None
    return evidence.write_bundle(run, sign_key=key)
