"""Every check names its OWASP ASVS 5.0.0 item (or says, on purpose, that none applies), and only researched items.

The mapping lives in src/authconform/report/asvs5.py; the catalogue, report.html links, SARIF tags and
summary.json all read it. A new check without an entry fails here, as does an item outside the list of
black-box testable ASVS 5.0.0 items the project researched (anchors-2.md).
"""

from __future__ import annotations

import json

from authconform.checks import catalogue
from authconform.report.asvs5 import ASVS5, KNOWN, with_asvs5
from authconform.report.requirements import references


def test_every_check_has_an_asvs5_entry():
    missing = [c.id for c in catalogue() if c.id not in ASVS5]
    assert not missing, f"checks with no ASVS 5.0.0 entry in report/asvs5.py (None if none applies): {missing}"


def test_every_mapped_item_is_a_researched_asvs5_item():
    unknown = {check_id: item for check_id, item in ASVS5.items() if item is not None and item not in KNOWN}
    assert not unknown, f"ASVS 5.0.0 items not in the researched list (anchors-2.md): {unknown}"


def test_the_catalogue_shows_the_item_next_to_the_asvs4_one_and_links_it():
    by_id = {c.id: c for c in catalogue()}
    alg_none = by_id["ACCESS-ALG-NONE"].requirement
    assert "OWASP ASVS 4.0.3 V3.5.3; OWASP ASVS 5.0.0 V9.1.2" in alg_none
    (asvs5,) = [r for r in references(alg_none) if "5.0.0" in r.text]
    assert asvs5.source == "asvs" and asvs5.url and "v5.0.0" in asvs5.url
    mapped = [c for c in by_id.values() if ASVS5.get(c.id)]
    assert mapped and all(f"OWASP ASVS 5.0.0 V{ASVS5[c.id]}" in c.requirement for c in mapped)


def test_an_item_already_named_is_not_repeated():
    assert with_asvs5("LOGOUT-REPEATED", "profile logout; ASVS 5.0 7.4.1") == "profile logout; ASVS 5.0 7.4.1"
    assert with_asvs5("LOGIN-OK-STATUS", "profile login.success.status") == "profile login.success.status"


def test_summary_and_sarif_carry_the_item(run_authconform):
    outcome = run_authconform("run", "--profile", "pch-sig", "--target-option", "hash_iterations=1000",
                              "-k", "test_alg_none_is_refused or test_logout_revokes_the_refresh_token")
    assert outcome.summary is not None, outcome.output[-3000:]
    checks = {c["id"]: c for c in outcome.summary["checks"]}
    assert checks["ACCESS-ALG-NONE"]["asvs_5"] == "9.1.2"
    assert checks["LOGOUT-REFRESH-REVOKED"]["asvs_5"] == "7.4.1"
    sarif = json.loads(next(outcome.report_dir.rglob("*.sarif")).read_text(encoding="utf-8"))
    rules = {r["id"]: r for run in sarif["runs"] for r in run["tool"]["driver"]["rules"]}
    assert "OWASP-ASVS-5.0.0-V9.1.2" in rules["ACCESS-ALG-NONE"]["properties"]["tags"]
