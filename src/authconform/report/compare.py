"""Several runs side by side: a matrix of targets by checks, and what changed between runs of one target.

A vendor with many deployments runs the same profile against each and wants one table; a CI gate
runs the same target before and after a change and must name the regression. Both read only
``summary.json`` files, so runs made anywhere (another machine, yesterday's CI job) can be compared.

Runs of the same profile are ordered by their start time; each one is compared with the one before
it. A check that passed (or was skipped) and now fails or errors is a **regression**; one that
failed and now passes is **fixed**. ``authconform compare`` exits 1 when there is a regression.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..exceptions import CompareError as CompareError  # re-exported: defined in exceptions.py
from .markup import esc as _esc
from .requirements import references
from .results import FAILING

SYMBOLS = {"passed": "pass", "failed": "FAIL", "error": "ERROR", "waived": "waived", "skipped": "skip",
           "not_selected": "n/s", None: "·"}
SEVERITY_ORDER = {"must": 0, "should": 1, "may": 2}


@dataclass
class Target:
    """One run, read from its summary.json."""

    path: Path
    summary: dict[str, Any]
    label: str = ""
    outcomes: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def profile(self) -> str:
        return str(self.summary.get("profile") or "?")

    @property
    def started(self) -> str:
        return str(self.summary.get("started") or "")

    @property
    def url(self) -> str:
        return str((self.summary.get("target") or {}).get("url") or "")

    @property
    def report(self) -> Path | None:
        candidate = self.path.parent / "report.html"
        return candidate if candidate.is_file() else None


@dataclass(frozen=True)
class Change:
    """A check whose outcome differs between two runs of one profile."""

    check: str
    severity: str
    before: Target
    after: Target
    was: str | None
    now: str | None
    reason: str

    @property
    def kind(self) -> str:
        # a check left out by selection (-k, --check) was not run: it is judged as if absent
        was, now = (None if o == "not_selected" else o for o in (self.was, self.now))
        if now in FAILING and was is not None and was not in FAILING:
            return "regression"
        if was in FAILING and now == "passed":
            return "fixed"
        if was is None:
            return "new check"
        if now is None:
            return "not run"
        return "changed"


@dataclass
class Comparison:
    targets: list[Target]
    checks: list[dict[str, str]]  # id, title, severity, area, requirement; in first-seen order
    changes: list[Change]
    pairs: int = 0  # how many (earlier, later) runs of one profile were compared

    def gate_line(self) -> str:
        """The line a CI log needs: the regressions by name, or that there are none (or nothing to compare)."""
        if not self.pairs:
            return "no two runs of the same profile: nothing to compare for regressions"
        regressions = sorted({c.check for c in self.regressions})
        if not regressions:
            return "no regression"
        return f"{len(regressions)} regression{'s' if len(regressions) != 1 else ''}: " + ", ".join(regressions)

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "regression"]

    def exit_code(self) -> int:
        return 1 if self.regressions else 0


def load(path: str | Path) -> Target:
    """A run from its summary.json, or from the report folder holding one."""
    where = Path(path)
    if where.is_dir():
        where = where / "summary.json"
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CompareError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise CompareError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
        raise CompareError(f"{path}: not an authconform summary.json (no 'checks' list)")
    target = Target(where, data)
    for entry in data["checks"]:
        target.outcomes[entry["id"]] = entry.get("outcome", "")
        target.reasons[entry["id"]] = entry.get("reason", "") or ""
    return target


def _labels(targets: list[Target]) -> None:
    """Short unique column names: the profile, then its start time, then a number."""
    for target in targets:
        target.label = target.profile
    for extra in (lambda t: f"{t.profile} {t.started}", lambda t: f"{t.profile} {t.started} #{targets.index(t) + 1}"):
        seen: dict[str, int] = {}
        for target in targets:
            seen[target.label] = seen.get(target.label, 0) + 1
        for target in targets:
            if seen[target.label] > 1:
                target.label = extra(target)


def compare(targets: list[Target]) -> Comparison:
    """The matrix's rows and the changes between consecutive runs of each profile."""
    _labels(targets)
    checks: dict[str, dict[str, str]] = {}
    for target in targets:
        for entry in target.summary["checks"]:
            checks.setdefault(entry["id"], {k: str(entry.get(k, "") or "") for k in
                                            ("id", "title", "severity", "area", "requirement")})
    changes: list[Change] = []
    pairs = 0
    by_profile: dict[str, list[Target]] = {}
    for target in targets:
        by_profile.setdefault(target.profile, []).append(target)
    for runs in by_profile.values():
        runs = sorted(runs, key=lambda t: t.started)
        for before, after in zip(runs, runs[1:], strict=False):
            pairs += 1
            for check_id, info in checks.items():
                was, now = before.outcomes.get(check_id), after.outcomes.get(check_id)
                if was == now or {was, now} <= {None, "not_selected"}:  # neither run checked it
                    continue
                changes.append(Change(check_id, info["severity"], before, after, was, now,
                                      after.reasons.get(check_id, "")))
    order = {"regression": 0, "fixed": 1, "new check": 2, "changed": 3, "not run": 4}
    changes.sort(key=lambda c: (order[c.kind], SEVERITY_ORDER.get(c.severity, 9), c.check))
    return Comparison(targets, list(checks.values()), changes, pairs)


# --- terminal and markdown ----------------------------------------------------------------------


def change_line(change: Change) -> str:
    text = (f"{change.kind.upper()}: {change.check} ({change.severity}) on {change.after.label}: "
            f"{change.was or 'not run'} -> {change.now or 'not run'}")
    if change.kind == "regression" and change.reason:
        text += f" ({change.reason.splitlines()[0][:200]})"
    return text


def terminal_text(comparison: Comparison) -> str:
    """The matrix as fixed-width text, then the changes, regressions first."""
    targets = comparison.targets
    width = max([len("check")] + [len(c["id"]) for c in comparison.checks])
    columns = [max(len(t.label), 5) for t in targets]
    lines = [f"{'check':<{width}}  {'sev':<6}  " + "  ".join(f"{t.label:<{w}}" for t, w in zip(targets, columns,
                                                                                             strict=True))]
    for check in comparison.checks:
        cells = "  ".join(f"{SYMBOLS.get(t.outcomes.get(check['id']), '?'):<{w}}"
                          for t, w in zip(targets, columns, strict=True))
        lines.append(f"{check['id']:<{width}}  {check['severity']:<6}  {cells}")
    lines.append("")
    lines += [f"{t.label}: {t.summary.get('verdict', '?')}" for t in targets]
    if comparison.changes:
        lines.append("")
        lines += [change_line(c) for c in comparison.changes]
    lines += ["", comparison.gate_line()]
    return "\n".join(lines)


def markdown(comparison: Comparison) -> str:
    targets = comparison.targets
    out = ["# authconform comparison", "",
           "| target | profile | URL | started | verdict |", "|---|---|---|---|---|"]
    out += [f"| {t.label} | {t.profile} | {t.url} | {t.started} | {t.summary.get('verdict', '?')} |" for t in targets]
    out += ["", "| check | severity | " + " | ".join(t.label for t in targets) + " |",
            "|---|---|" + "---|" * len(targets)]
    changed = {(c.check, c.after.label): c for c in comparison.changes}
    for check in comparison.checks:
        cells = []
        for t in targets:
            symbol = SYMBOLS.get(t.outcomes.get(check["id"]), "?")
            change = changed.get((check["id"], t.label))
            if change is not None and change.kind == "regression":
                symbol = f"**{symbol} (regression)**"
            elif change is not None and change.kind == "fixed":
                symbol = f"{symbol} (fixed)"
            cells.append(symbol)
        out.append(f"| `{check['id']}` | {check['severity']} | " + " | ".join(cells) + " |")
    out += ["", "## Changes", ""]
    out += [f"- {change_line(c)}" for c in comparison.changes] or ["No check changed outcome."]
    out += ["", f"**{comparison.gate_line()}**", ""]
    return "\n".join(out)


# --- html ---------------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 13px; color: #1f2933;
  margin: 24px 32px; }
h1 { font-size: 22px; margin: 0 0 4px; color: #102a43; } td.id { white-space: nowrap; }
h2 { font-size: 15px; margin: 22px 0 8px; color: #102a43; }
.muted { color: #829ab1; } code, .id { font-family: ui-monospace, Menlo, Consolas, monospace; }
table { border-collapse: collapse; } th, td { padding: 4px 10px; border: 1px solid #e4e7eb; text-align: left; }
thead th { background: #f0f4f8; color: #486581; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; }
td.o { text-align: center; font-weight: 700; min-width: 70px; }
.passed { color: #05603a; background: #ecfdf3; } .failed, .error { color: #b42318; background: #fef3f2; }
.skipped { color: #b54708; background: #fffaeb; } .none, .not_selected { color: #bcccdc; }
.regression { outline: 3px solid #d92d20; outline-offset: -3px; }
.fixed { outline: 3px solid #12b76a; outline-offset: -3px; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 9px; font-size: 11px; font-weight: 600;
  text-transform: uppercase; }
.sev-must { background: #fee4e2; color: #912018; } .sev-should { background: #fef0c7; color: #93370d; }
.sev-may { background: #e4e7eb; color: #334e68; }
.gate { padding: 10px 14px; border-radius: 6px; border-left: 6px solid; margin: 12px 0; font-weight: 600; }
.gate.bad { background: #fef3f2; border-color: #d92d20; color: #912018; }
.gate.good { background: #ecfdf3; border-color: #12b76a; color: #05603a; }
li.regression-item { color: #912018; } li.fixed-item { color: #05603a; }
a.req { color: #1d4ed8; text-decoration: none; margin-right: 6px; font-size: 11.5px; }
"""


def _relative(path: Path, start: Path) -> str:
    """A link from the comparison's folder to a run's report, relative so the folders can move together."""
    try:
        return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return path.resolve().as_uri()


def html_page(comparison: Comparison, output_dir: Path) -> str:
    targets = comparison.targets
    regressions = comparison.regressions
    changed = {(c.check, c.after.label): c for c in comparison.changes}
    rows = []
    for t in targets:
        report = t.report
        link = (f"<a href='{_esc(_relative(report, output_dir))}'>report.html</a>" if report
                else "<span class='muted'>no report.html beside it</span>")
        rows.append(f"<tr><th>{_esc(t.label)}</th><td>{_esc(t.profile)}</td><td>{_esc(t.url)}</td>"
                    f"<td>{_esc(t.started)}</td><td>{_esc(t.summary.get('verdict', '?'))}</td><td>{link}</td></tr>")
    matrix = []
    for check in comparison.checks:
        cells = []
        for t in targets:
            outcome = t.outcomes.get(check["id"])
            change = changed.get((check["id"], t.label))
            css = [outcome or "none"] + ([change.kind] if change and change.kind in ("regression", "fixed") else [])
            title = t.reasons.get(check["id"], "")
            if change is not None:
                title = f"was {change.was or 'not run'} in {change.before.label}. {title}"
            cells.append(f"<td class='o {' '.join(css)}' title='{_esc(title)}'>"
                         f"{_esc(SYMBOLS.get(outcome, '?'))}</td>")
        links = "".join(f"<a class='req' href='{_esc(r.url)}'>{_esc(r.text)}</a>" if r.url
                        else f"<span class='muted'>{_esc(r.text)}</span> " for r in references(check["requirement"]))
        matrix.append(f"<tr><td class='id'>{_esc(check['id'])}</td><td>{_esc(check['title'])}<br>{links}</td>"
                      f"<td><span class='badge sev-{_esc(check['severity'])}'>{_esc(check['severity'])}</span></td>"
                      + "".join(cells) + "</tr>")
    changes = "".join(f"<li class='{c.kind}-item'>{_esc(change_line(c))}</li>" for c in comparison.changes)
    gate = f"<div class='gate {'bad' if regressions else 'good'}'>{_esc(comparison.gate_line())}</div>"
    made = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>authconform comparison</title><style>{STYLE}</style></head>
<body>
<h1>authconform comparison</h1>
<p class="muted">{len(targets)} runs, {len(comparison.checks)} checks; made {made} by authconform {_esc(__version__)}.
Runs of the same profile are compared in start-time order.</p>
{gate}
<h2>Runs</h2>
<table><thead><tr><th>run</th><th>profile</th><th>target</th><th>started</th><th>verdict</th><th>report</th></tr>
</thead><tbody>{''.join(rows)}</tbody></table>
<h2>Checks by run</h2>
<table><thead><tr><th>check</th><th>what it checks</th><th>severity</th>
{''.join(f'<th>{_esc(t.label)}</th>' for t in targets)}</tr></thead><tbody>{''.join(matrix)}</tbody></table>
<h2>Changes</h2>
{f'<ul>{changes}</ul>' if changes else '<p class="muted">No check changed outcome.</p>'}
</body></html>
"""


def write(comparison: Comparison, output_dir: Path) -> dict[str, Path]:
    """compare.html, compare.md and compare.json in ``output_dir``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    files = {"html": output_dir / "compare.html", "markdown": output_dir / "compare.md",
             "json": output_dir / "compare.json"}
    files["html"].write_text(html_page(comparison, output_dir), encoding="utf-8")
    files["markdown"].write_text(markdown(comparison), encoding="utf-8")
    data = {
        "runs": [{"label": t.label, "summary": str(t.path), "profile": t.profile, "started": t.started,
                  "verdict": t.summary.get("verdict")} for t in comparison.targets],
        "matrix": {c["id"]: {t.label: t.outcomes.get(c["id"]) for t in comparison.targets} for c in comparison.checks},
        "changes": [{"kind": c.kind, "check": c.check, "severity": c.severity, "before": c.before.label,
                     "after": c.after.label, "was": c.was, "now": c.now, "reason": c.reason}
                    for c in comparison.changes],
        "compared_pairs": comparison.pairs,
        "regressions": sorted({c.check for c in comparison.regressions}),
        "exit_code": comparison.exit_code(),
    }
    files["json"].write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return files
