"""results.sarif: a run in SARIF 2.1.0, so code-scanning dashboards (GitHub, GitLab, Azure DevOps) read it.

One rule per check that ran, carrying its title, severity, requirement and a link to the rule's
source (the RFC section, the ASVS chapter); one result per failed check, carrying the finding as
its message and the HTTP exchange behind it (redacted) as SARIF's ``webRequest``/``webResponse``.
Levels follow severity: ``must`` is an error, ``should`` a warning, ``may`` a note. The location
of every result is the profile file: it is what a repository holds about the target under test,
so a dashboard shows the finding next to the description it was checked against.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .. import __version__
from ..checks import SEVERITIES
from ..http.exchanges import Exchange
from ..http.redaction import Redactor
from .requirements import docs_url, references
from .results import WAIVED, CheckResult, RunResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"must": "error", "should": "warning", "may": "note"}
# GitHub code scanning ranks alerts tagged "security" by this score (0.0 to 10.0).
SECURITY_SEVERITY = {"must": "7.5", "should": "5.0", "may": "2.0"}
BODY_CHARS = 4096


def level(severity: str) -> str:
    return LEVELS.get(severity, "warning")


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _rule(result: CheckResult) -> dict[str, Any]:
    refs = references(result.requirement)
    linked = [r for r in refs if r.url]
    text = f"{result.title} Requirement: {result.requirement}."
    markdown = f"**{result.title}**\n\nRequirement: " + "; ".join(
        f"[{r.text}]({r.url})" if r.url else r.text for r in refs)
    if fix := result.remediation:  # the rule's help says how to fix it
        text += f"\nHow to fix: {fix.as_text()}"
        markdown += f"\n\n**How to fix:** {fix.as_markdown()}"
    tags = ["authconform", result.area, result.severity]
    properties: dict[str, Any] = {"severity": result.severity, "requirement": result.requirement,
                                  "area": result.area}
    if result.area == "security":
        tags.append("security")
        properties["security-severity"] = SECURITY_SEVERITY.get(result.severity, "5.0")
    properties["tags"] = list(dict.fromkeys(tags))  # SARIF wants them unique; the security area is a tag already
    rule: dict[str, Any] = {
        "id": result.check,
        "shortDescription": {"text": result.title},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": level(result.severity)},
        "properties": properties,
    }
    if linked:
        rule["helpUri"] = linked[0].url
    return rule


def _suppression(result: CheckResult) -> dict[str, Any]:
    waiver = result.waiver or {}
    ticket = f", ticket {waiver['ticket']}" if waiver.get("ticket") else ""
    return {"kind": "external", "status": "accepted",
            "justification": f"{waiver.get('reason', 'waived')} (waived until {waiver.get('expires')}{ticket}; "
                             f"{waiver.get('entry')})",
            "properties": {k: waiver.get(k) for k in ("expires", "ticket", "entry")}}


def _headers(pairs: list[list[str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in pairs:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def _body(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    return {"text": text if len(text) <= BODY_CHARS else text[:BODY_CHARS] + "…"}


def _web(exchange: Exchange, redactor: Redactor) -> dict[str, Any]:
    """SARIF's webRequest and webResponse for one recorded exchange, redacted like every artifact."""
    shown = exchange.to_dict(redactor)
    request: dict[str, Any] = {"protocol": "HTTP", "version": "1.1", "method": shown["request"]["method"],
                               "target": shown["request"]["url"],
                               "headers": _headers(shown["request"]["headers"])}
    if body := _body(shown["request"]["body"]):
        request["body"] = body
    web: dict[str, Any] = {"webRequest": request}
    if shown["response"] is None:
        web["webResponse"] = {"noResponseReceived": True}
    else:
        response: dict[str, Any] = {"protocol": "HTTP", "version": "1.1",
                                    "statusCode": shown["response"]["status"],
                                    "headers": _headers(shown["response"]["headers"])}
        if shown["response"]["reason"]:
            response["reasonPhrase"] = shown["response"]["reason"]
        if body := _body(shown["response"]["body"]):
            response["body"] = body
        web["webResponse"] = response
    return web


def _profile_uri(result: RunResult) -> str:
    source = result.info.profile_source
    if source is None:
        return f"{result.info.profile}.yaml"
    path = Path(source).resolve()
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_uri()


def build(run: RunResult) -> dict[str, Any]:
    """The SARIF log of a run (a plain dict, ready for ``json.dumps``)."""
    info = run.info
    results = sorted(run.checks, key=lambda r: SEVERITIES.index(r.severity)
                     if r.severity in SEVERITIES else len(SEVERITIES))
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for result in run.checks:
        if result.check not in index:
            index[result.check] = len(rules)
            rules.append(_rule(result))
    target = info.redactor.text(info.target_url) or ""
    location = {"physicalLocation": {"artifactLocation": {"uri": _profile_uri(run)}},
                "logicalLocations": [{"fullyQualifiedName": target, "kind": "resource"}]}
    findings = []
    for result in results:
        if not result.failing:  # failed, error, and waived (reported with a suppression)
            continue
        message = info.redactor.text(result.reason) or f"{result.check} {result.outcome}"
        finding: dict[str, Any] = {
            "ruleId": result.check,
            "ruleIndex": index[result.check],
            "level": level(result.severity),
            "kind": "fail",
            "message": {"text": message if result.outcome != "error" else f"the check itself broke: {message}"},
            "locations": [location],
            "partialFingerprints": {"authconformCheck/v1": f"{info.profile}/{result.check}"},
            "properties": {"outcome": result.outcome, "severity": result.severity, "test": result.nodeid},
        }
        if info.baseline is not None:  # SARIF's own word for "new since the baseline run"
            finding["baselineState"] = "unchanged" if info.baseline.knows(result.check) else "new"
        if result.outcome == WAIVED:  # reported, but suppressed: dashboards show it as accepted, not fixed
            finding["suppressions"] = [_suppression(result)]
        exchanges = run.exchanges.get(result.nodeid, ())
        if exchanges:
            finding.update(_web(exchanges[-1], info.redactor))
        findings.append(finding)
    driver: dict[str, Any] = {"name": "authconform", "version": __version__, "semanticVersion": __version__,
                              "rules": rules}
    if url := docs_url():
        driver["informationUri"] = url
    not_selected = sorted({r.check for r in run.not_selected})
    # Code scanning closes the alerts a new upload of the same category no longer reports: a run that left
    # checks out gets its own category, so their open alerts are not closed as fixed.
    category = f"authconform/{info.profile}" + ("/selected" if not_selected else "")
    properties: dict[str, Any] = {"profile": info.profile, "target": target, "verdict": run.verdict,
                                  "failOn": info.fail_on}
    if not_selected:
        properties["notSelected"] = not_selected
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": f"{category}/{_utc(info.started)}"},
            "invocations": [{
                "executionSuccessful": not run.unreachable,
                "startTimeUtc": _utc(info.started),
                "endTimeUtc": _utc(run.finished),
                "exitCode": run.exit_code,
                "exitCodeDescription": run.verdict,
            }],
            "results": findings,
            "properties": properties,
        }],
    }


def write(run: RunResult, path: Path | None = None) -> Path:
    """Write results.sarif beside summary.json (or to ``path``)."""
    path = path or run.info.report_dir / "results.sarif"
    path.write_text(json.dumps(build(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
