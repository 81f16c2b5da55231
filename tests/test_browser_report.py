"""report.html in a real browser: the summary renders, a row opens onto its exchange, no secret is on the page.

Headless Chromium from the system (Debian's ``chromium`` package, which ``.ci/run`` installs),
driven by Playwright with ``executable_path``: no browser is downloaded. The test skips only where
no Chromium can be found. It leaves a screenshot in ``reports/screenshots/report.png``; the README's
``docs/report.png`` is a copy of one.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from authconform.targets import environment
from tests.conftest import ROOT, authconform

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEFECTS = ["password-echo", "unknown-user-404"]
SCREENSHOT = ROOT / "reports" / "screenshots" / "report.png"
FULL_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16,}")


def chromium_path() -> str | None:
    for candidate in (*CHROMIUM_PATHS, shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium found (looked for /usr/bin/chromium and chromium on PATH); "
                    "install Debian's package: apt-get install chromium")
    from playwright.sync_api import sync_playwright  # the dev extra; fails loudly if missing

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A run of pch-sig with two defects: some checks fail, most pass."""
    args = ["run", "--profile", "pch-sig", "--target-option", "hash_iterations=1000"]
    for defect in DEFECTS:
        args += ["--defect", defect]
    outcome = authconform(*args, report_dir=tmp_path_factory.mktemp("browser") / "report")
    assert outcome.summary is not None, outcome.output[-3000:]
    return outcome


def _open(browser, outcome, height: int = 1000, width: int = 1400):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto((outcome.report_dir / "report.html").as_uri())
    page.wait_for_selector("#results-table tbody.results-table-row")
    return page


def test_summary_renders(browser, report):
    page = _open(browser, report)
    try:
        headline = page.locator(".ac-headline")
        assert headline.is_visible()
        verdict = report.summary["verdict"]
        assert verdict[0].upper() + verdict[1:] in headline.inner_text()
        assert "pch-sig" in headline.inner_text()
        areas = page.locator("table.ac-by-area")
        assert areas.is_visible()
        login_row = areas.locator("tbody tr", has=page.locator("th", has_text="login")).first
        cells = login_row.locator("td").all_inner_texts()
        assert cells[0] == str(sum(1 for c in report.summary["checks"] if c["area"] == "login")), cells
        assert page.locator("table.ac-by-severity").is_visible()
        rows = page.locator("#results-table tbody.results-table-row")
        assert rows.count() == len(report.summary["checks"])
        failed = page.locator("#results-table tbody.failed .col-testId").all_inner_texts()
        assert sorted(failed) == sorted(c["id"] for c in report.summary["checks"] if c["outcome"] == "failed")
    finally:
        page.close()


def test_row_expands_to_its_exchange(browser, report):
    from playwright.sync_api import expect

    page = _open(browser, report)
    try:
        row = page.locator("tbody[id='LOGIN-401-BAD-PASSWORD']")
        expect(row.locator(".extras-row"), "a passed check starts collapsed").to_be_hidden()
        row.locator("td.col-testId").click()
        row = page.locator("tbody[id='LOGIN-401-BAD-PASSWORD']")  # the table is redrawn on click
        exchange = row.locator(".extras-row .ac-exchange").first
        expect(exchange).to_be_visible()
        summary_line = exchange.locator("summary").inner_text()
        assert "POST" in summary_line and "401" in summary_line, summary_line
        request = exchange.locator(".ac-request pre")
        expect(request).to_be_hidden()
        exchange.locator("summary").click()
        expect(request).to_be_visible()
        assert request.inner_text().startswith("POST http://127.0.0.1:")
        assert "[REDACTED password]" in request.inner_text()
        response = exchange.locator(".ac-response pre")
        assert response.inner_text().startswith("HTTP 401")
        link = row.locator("a.ac-req").first
        assert link.get_attribute("href") in ("#profile", None) or link.get_attribute("href").startswith("http")
    finally:
        page.close()


def test_no_secret_in_the_page(browser, report):
    page = _open(browser, report)
    try:
        page.click("#show_all_details")
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true })")
        text = page.inner_text("body")
        source = page.content()
        assert "[REDACTED signature]" in text, "the decoded tokens are on the page"
        env = environment("pch-sig", "")
        for secret in (env["PCH_PASSWORD"], env["PCH_DISABLED_PASSWORD"]):
            assert secret not in text and secret not in source
        assert not FULL_JWT.search(text) and not FULL_JWT.search(source)
    finally:
        page.close()


def test_checks_table_fits_the_window(browser, report):
    """At 1280 px the checks table, its time column included, fits the window: nothing scrolls sideways."""
    page = _open(browser, report, width=1280)
    try:
        width = page.evaluate("window.innerWidth")
        table = page.locator("#results-table").bounding_box()
        assert table["x"] + table["width"] <= width, f"expected the table to end within {width} px, got {table}"
        time_header = page.locator("#results-table thead th").last.bounding_box()
        assert time_header["x"] + time_header["width"] <= width, f"expected the time column in view, got {time_header}"
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"expected no horizontal scrolling at {width} px, got a page {scroll} px wide"
        reason = page.locator("#results-table tbody.failed td.col-reason").first.bounding_box()
        assert reason["width"] >= 250, f"expected the reason column at least 250 px wide, got {reason['width']}"
    finally:
        page.close()


def test_failures_lead_and_the_counts_agree(browser, report):
    """Skipped and passed rows start folded; the page counts every check that ran, skips included."""
    page = _open(browser, report)
    try:
        for outcome in ("skipped", "passed"):
            open_rows = page.locator(f"#results-table tbody.{outcome} .extras-row:not(.hidden)")
            assert open_rows.count() == 0, f"expected every {outcome} row folded, got {open_rows.count()} open"
        failed_open = page.locator("#results-table tbody.failed .extras-row:not(.hidden)")
        assert failed_open.count() == page.locator("#results-table tbody.failed").count()
        ran = sum(1 for c in report.summary["checks"] if c["outcome"] != "not_selected")
        assert page.locator(".ac-counts").inner_text().startswith(f"{ran} checks, ")
        assert not page.locator(".run-count").is_visible(), "pytest-html's test count (skips left out) is shown"
    finally:
        page.close()


def test_screenshot(browser, report):
    """A failing check opened on its exchange and decoded token, at 1280 px: the picture the README shows."""
    page = _open(browser, report, height=1250, width=1280)
    try:
        first_failed = page.locator("#results-table tbody.failed").first
        first_failed.locator(".ac-exchange summary").first.click()
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        assert SCREENSHOT.stat().st_size > 20_000
    finally:
        page.close()
