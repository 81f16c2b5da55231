"""report.html: pytest-html, extended through its hooks into a report a reviewer can read.

pytest-html 4 builds the page (template, filters, sorting, expandable rows); this module only
answers its hooks (``pytest_html_report_title``, ``pytest_html_results_summary``,
``pytest_html_results_table_header``/``_row``/``_html``) and adds a style sheet through its
``--css`` option. What it adds:

- a headline: the verdict, then profile, target, harness version and time, in one line;
- tables of outcomes by area and by severity, and a short "how to read" note;
- one row per check: outcome, ID, title, severity badge, requirement links, reason in plain words;
  the row expands to the HTTP exchanges behind the check (:mod:`authconform.report.exchanges_html`);
- the profile the run used, redacted, which ``profile ...`` requirements link to.

Everything shown is passed through the run's redactor, the environment table included.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from .. import __version__
from ..checks import AREAS, SEVERITIES
from ..http.exchanges import Exchange, Recorder
from . import remediation
from . import summary as summary_module  # the hook below has a parameter named summary
from .markup import esc as _esc
from .requirements import references
from .results import OUTCOMES, WAIVED, CheckResult, RunInfo, RunResult

# Where the plugin leaves the finished run's results model for the summary hook (pytest-html renders last).
RESULT = pytest.StashKey[RunResult]()

CSS = Path(__file__).with_name("report.css")
OUTCOME_LABELS = {"passed": "passed", "failed": "failed", "error": "error", WAIVED: "waived", "skipped": "skipped",
                  "not_selected": "not selected"}
FAILING_NAMED = 6  # failing check IDs named in a summary table cell before "and N more"
# pytest-metadata rows worth keeping in the environment table; the rest (every installed package,
# every CI variable) is noise in a report handed to a customer, and a place for secrets to hide.
KEPT_METADATA = ("Python", "Platform")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def install(config: pytest.Config, info: RunInfo) -> None:
    """Attach the report hooks and the style sheet to a run (when pytest-html is active)."""
    if not config.pluginmanager.hasplugin("html"):
        return
    css = list(getattr(config.option, "css", None) or [])
    if str(CSS) not in css:
        config.option.css = [*css, str(CSS)]
    config.pluginmanager.register(ReportHooks(info), "authconform-html-report")


def exchanges_for(item: pytest.Item, recorder: Recorder) -> tuple[list[Exchange], list[Exchange]]:
    """The exchanges a check sent, and the shared ones it used through fixtures (the run's login, ...)."""
    own = recorder.for_test(item.nodeid)
    shared: list[Exchange] = []
    for value in getattr(item, "funcargs", {}).values():
        for candidate in (value, getattr(value, "answer", None)):
            exchange = getattr(candidate, "exchange", None)
            if isinstance(exchange, Exchange) and exchange not in own and exchange not in shared:
                shared.append(exchange)
    return own, shared


def verdict_class(result: RunResult) -> str:
    if result.unreachable or result.broken or result.gate_failures() or result.waiver_problems:
        return "ac-verdict-fail"
    return "ac-verdict-warn" if result.warnings() else "ac-verdict-pass"


def headline_html(result: RunResult) -> str:
    """The verdict and the run's facts in one line, coloured by the verdict."""
    info = result.info
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(info.started))
    facts = [
        ("profile", info.profile),
        ("target", info.target_line()),
        ("harness", f"authconform {__version__}"),
        ("started", started),
        ("gate", f"fails on {' and '.join(s for s in SEVERITIES if s in info.gate_severities)}"),
    ]
    verdict = info.redactor.text(result.verdict) or ""
    verdict = verdict[:1].upper() + verdict[1:]
    shown = "".join(f"<span class='ac-fact'><span class='ac-fact-name'>{_esc(name)}</span> {_esc(value)}</span>"
                    for name, value in facts)
    return (f"<div class='ac-headline {verdict_class(result)}'><span class='ac-verdict'>{_esc(verdict)}</span>"
            f"{shown}</div>")


def _count_cell(count: int, outcome: str) -> str:
    css = f"ac-n ac-n-{outcome}" + (" ac-zero" if not count else "")
    return f"<td class='{css}'>{count}</td>"


def outcome_table(results: list[CheckResult], key: str, names: list[str], caption: str) -> str:
    """A table of ``names`` (areas or severities) by outcome, with the failing gate checks named."""
    table = summary_module.counts(results, key)
    rows = []
    for name in names:
        row = table.get(name, {o: 0 for o in OUTCOMES})
        total = sum(row.values())
        failing = sorted(r.check for r in results if getattr(r, key) == name and r.open_failure)
        if total == 0:
            note = "<span class='ac-muted'>no checks ran</span>"
        elif row["not_selected"] == total:
            note = "<span class='ac-muted'>not selected</span>"
        elif failing:
            note = ", ".join(f"<code>{_esc(c)}</code>" for c in failing[:FAILING_NAMED])
            if len(failing) > FAILING_NAMED:
                note += f" and {len(failing) - FAILING_NAMED} more"
        else:
            note = "<span class='ac-ok'>all passed</span>" if row["passed"] else "<span class='ac-muted'>—</span>"
        label = (f"<span class='ac-badge ac-sev-{_esc(name)}'>{_esc(name)}</span>" if key == "severity"
                 else _esc(name))
        rows.append(f"<tr class='{'ac-empty' if total == 0 else ''}'><th>{label}</th><td class='ac-n'>{total}</td>"
                    + "".join(_count_cell(row[o], o) for o in OUTCOMES)
                    + f"<td class='ac-failing'>{note}</td></tr>")
    head = "".join(f"<th>{OUTCOME_LABELS[o]}</th>" for o in OUTCOMES)
    first = "area" if key == "area" else "severity"
    return (f"<table class='ac-table ac-by-{key}'><caption>{_esc(caption)}</caption><thead><tr><th>{first}</th>"
            f"<th>checks</th>{head}<th>failing checks</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def requirement_html(requirement: str | None, *, in_report: bool = True) -> str:
    """Each part of a requirement as a link chip to its public text."""
    chips = []
    for ref in references(requirement):
        url = ref.url or ("#profile" if ref.source == "profile" and in_report else None)
        css = f"ac-req ac-req-{ref.source}"
        if url:
            target = "" if url.startswith("#") else " target='_blank' rel='noopener noreferrer'"
            chips.append(f"<a class='{css}' href='{_esc(url)}'{target} title='{_esc(url)}'>{_esc(ref.text)}</a>")
        else:
            chips.append(f"<span class='{css}'>{_esc(ref.text)}</span>")
    return "".join(chips) or "<span class='ac-muted'>—</span>"


GUIDE = """
<div class='ac-guide'>
<h3>How to read this report</h3>
<ul>
<li><b>One row per check.</b> Its ID is stable (gate on it in CI); the title says the rule; the requirement links to
the RFC section, OWASP ASVS item or profile field it enforces.</li>
<li><b>Severity.</b> <span class='ac-badge ac-sev-must'>must</span> failures fail the gate;
<span class='ac-badge ac-sev-should'>should</span> failures are warnings (unless the run used
<code>--fail-on should</code>);
<span class='ac-badge ac-sev-may'>may</span> is information.</li>
<li><b>Reason.</b> What was expected, where the expectation comes from, and what came back. A skipped check says why it
could not run (for example, no disabled account in the profile).</li>
<li><b>Click a row</b> to see the HTTP exchanges behind the check, and the JWTs in them decoded.
Passwords, tokens, refresh tokens and secret-header values are redacted everywhere;
JWTs keep their header and payload and lose their signature.</li>
</ul>
</div>
"""


def profile_html(info: RunInfo) -> str:
    source = info.profile_source
    text = None
    if source is not None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError:
            text = None
    shown = info.redactor.text(text) if text else "(the profile file could not be read)"
    return (f"<details class='ac-profile'><summary>Profile <b>{_esc(info.profile)}</b> "
            f"<span class='ac-muted'>{_esc(source)}</span></summary>"
            f"<pre class='ac-body' id='profile'>{_esc(shown)}</pre></details>")


def gate_notes_html(result: RunResult) -> str:
    """Waiver problems (each fails the run) and the baseline the gate compared with."""
    parts = [f"<p class='ac-waiver-problem'><b>Waiver problem:</b> {_esc(p.message)}</p>"
             for p in result.waiver_problems]
    if result.info.baseline is not None:
        new = [r.check for r in result.gate_failures()]
        known = [r.check for r in result.known_failures()]
        parts.append(f"<p class='ac-baseline'><b>Baseline</b> {_esc(result.info.baseline.source)}: the gate fails "
                     f"only on new failures. New: {_esc(', '.join(new) or 'none')}. Known (failed in the baseline "
                     f"too, still shown): {_esc(', '.join(known) or 'none')}.</p>")
    return "".join(parts)


def remediation_html(check_id: str) -> str:
    """The "how to fix" text shown under a failed (or waived) check."""
    found = remediation.for_check(check_id)
    if found is None:
        return ""
    return (f"<div class='ac-remediation'><b>How to fix:</b> {_esc(found.fix)}"
            f"<br><span class='ac-frameworks'><b>Frameworks:</b> {_esc(found.frameworks)}</span></div>")


def waiver_html(props: dict[str, Any]) -> str:
    """The waiver behind a waived row: until when, its ticket, its reason and where it is written."""
    ticket = f", ticket {_esc(props['waiver_ticket'])}" if props.get("waiver_ticket") else ""
    return (f"<div class='ac-waiver'><b>Waived</b> until {_esc(props.get('waiver_expires'))}{ticket}: "
            f"{_esc(props.get('waiver_reason'))} <span class='ac-muted'>({_esc(props.get('waiver_entry'))})</span>"
            f"</div>")


def not_selected_html(result: RunResult) -> str:
    """The checks left out by -k, --check or --skip-check: named, so nobody reads them as passed."""
    if not result.not_selected:
        return ""
    ids = sorted({r.check for r in result.not_selected})
    named = ", ".join(f"<code>{_esc(i)}</code>" for i in ids)
    return (f"<p class='ac-not-selected'><b>Not selected: {_plural(len(ids), 'check')}</b>, left out by the run's "
            f"selection (-k, --check, --skip-check); they did not run and the verdict does not cover them: "
            f"{named}</p>")


class ReportHooks:
    """pytest-html hook implementations for one run."""

    def __init__(self, info: RunInfo):
        self.info = info

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Curate pytest-metadata's environment table before pytest-html (trylast) reads it."""
        try:
            from pytest_metadata.plugin import metadata_key
        except ImportError:  # pragma: no cover - a dependency of pytest-html
            return
        metadata = session.config.stash.get(metadata_key, None)
        if metadata is None:
            return
        kept = {k: metadata[k] for k in KEPT_METADATA if k in metadata}
        metadata.clear()
        redact = self.info.redactor.text
        metadata.update({k: redact(str(v)) for k, v in kept.items()})
        metadata["authconform"] = __version__
        metadata["Profile"] = f"{self.info.profile} ({self.info.profile_source})"
        metadata["Target"] = redact(self.info.target_line())

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = f"authconform report: {self.info.profile}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str],
                                    session: pytest.Session) -> None:
        result = session.config.stash.get(RESULT, None)
        if result is None:  # the run did not finish (pytest stopped it): pytest-html's own summary stands
            return
        results = result.reported()
        extra_areas = sorted({r.area for r in results} - set(AREAS.values()))
        areas = [*AREAS.values(), *extra_areas]
        prefix.append(headline_html(result))
        counts = ", ".join(_plural(n, what) for n, what in ((len(result.checks), "check"),
                                                          (result.requests, "request"),
                                                          (sum(result.failed_logins.values()), "failed login")))
        prefix.append(
            "<div class='ac-tables'>"
            + outcome_table(results, "area", areas, "Checks by area")
            + outcome_table(results, "severity", list(SEVERITIES), "Checks by severity")
            + f"<p class='ac-muted ac-counts'>{_esc(counts)}; took {result.duration:.1f} s; files beside this "
              "report: summary.json, junit.xml, results.sarif</p>"
            + not_selected_html(result)
            + gate_notes_html(result)
            + "</div>"
        )
        summary.append(GUIDE)
        postfix.append(profile_html(result.info))

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[:] = [  # the ac-w-* classes give report.css's fixed column widths
            '<th class="sortable ac-w-outcome" data-column-type="result">Outcome</th>',
            '<th class="sortable ac-w-check" data-column-type="testId">Check</th>',
            '<th class="ac-w-title">What it checks</th>',
            '<th class="sortable ac-w-severity" data-column-type="severity">Severity</th>',
            '<th class="sortable ac-w-area" data-column-type="area">Area</th>',
            '<th class="ac-w-requirement">Requirement</th>',
            '<th class="ac-w-reason">Reason</th>',
            '<th class="sortable ac-w-time" data-column-type="duration">Time</th>',
        ]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        redact = self.info.redactor.text
        props = dict(getattr(report, "user_properties", None) or [])
        result_cell, duration_cell = cells[0], cells[2]
        # the reason the plugin worked out once (results.reason_of) for every writer; a passing check may leave a note
        reason = redact(str(props.get("reason") or props.get("note") or "")) or ""
        if "check_id" not in props:
            cells[:] = [result_cell, f'<td class="col-testId">{_esc(report.nodeid)}</td>',
                        "<td class='col-title'>not a conformance check</td>", '<td class="col-severity"></td>',
                        '<td class="col-area"></td>', '<td class="col-links col-requirement"></td>',
                        f"<td class='col-reason'>{_esc(reason)}</td>", duration_cell]
            return
        severity = props["severity"]
        warn = ""
        if report.outcome == "failed" and severity not in self.info.gate_severities:
            warn = "<span class='ac-warn'>warning</span> "
        elif report.failed and self.info.baseline is not None and severity in self.info.gate_severities:
            known = self.info.baseline.knows(props["check_id"])
            warn = ("<span class='ac-known'>known (baseline)</span> " if known
                    else "<span class='ac-new'>new failure</span> ")
        reason_html = warn + _esc(reason) if reason else "<span class='ac-muted'>—</span>"
        if props.get("outcome") == WAIVED:
            # pytest-html files the row by the cell's text (XFailed: its "Expected failures" filter); the
            # style sheet shows it as "Waived", in the waived colour
            result_cell = '<td class="col-result ac-waived">XFailed</td>'
            reason_html += waiver_html(props)
        if report.failed or props.get("outcome") == WAIVED:
            reason_html += remediation_html(props["check_id"])
        cells[:] = [
            result_cell,
            f'<td class="col-testId">{_esc(props["check_id"])}</td>',
            f"<td class='col-title'>{_esc(props.get('title', ''))}</td>",
            f"<td class=\"col-severity\"><span class='ac-badge ac-sev-{_esc(severity)}'>{_esc(severity)}</span></td>",
            f'<td class="col-area">{_esc(props.get("area", ""))}</td>',
            f'<td class="col-links col-requirement">{requirement_html(props.get("requirement"))}</td>',
            f"<td class='col-reason'>{reason_html}</td>",
            duration_cell,
        ]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report: Any, data: list[str]) -> None:
        """Keep the log only for tracebacks: a finding's message is the row's reason already."""
        text = str(getattr(report, "longrepr", "") or "")
        if report.passed or report.skipped or not any(line.startswith("E   ") for line in text.splitlines()):
            data.clear()
