"""Every check of the catalogue says how to fix it; the texts live in authconform.report.remediation, keyed by ID."""

from __future__ import annotations

from authconform.checks import catalogue
from authconform.report import remediation
from tests.conftest import ROOT

IDS = [c.id for c in catalogue(ROOT / "suites")]
FRAMEWORKS = ("Symfony", "Laravel", "DRF", "Django", "Flask")


def test_every_catalogue_check_has_a_remediation():
    missing = [i for i in IDS if remediation.for_check(i) is None]
    assert not missing, f"expected a remediation text for every check (report/remediation.py), missing: {missing}"


def test_no_remediation_names_a_check_that_does_not_exist():
    unknown = sorted(set(remediation.REMEDIATIONS) - set(IDS))
    assert not unknown, f"expected remediation keys to be catalogue IDs, got unknown {unknown}"


def test_each_text_says_what_to_change_and_where_frameworks_differ():
    for check_id, entry in remediation.REMEDIATIONS.items():
        assert len(entry.fix) >= 40, f"{check_id}: expected a sentence on what to change, got {entry.fix!r}"
        named = [f for f in FRAMEWORKS if f in entry.frameworks]
        assert named, f"{check_id}: expected the frameworks line to name a framework, got {entry.frameworks!r}"
        assert remediation.text(check_id) == f"{entry.fix}\nFrameworks: {entry.frameworks}"
    assert remediation.text("NO-SUCH-CHECK") is None
