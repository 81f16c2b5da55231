"""report.html is what a reviewer reads: it must say the verdict, link every rule, show the evidence, leak nothing.

Unit tests cover the requirement links and the rendering of one exchange (real JWTs, signed with
pyjwt); the rest run authconform as a user would, against the embedded reference targets with
defects switched on, and read the files the run wrote.
"""

from __future__ import annotations

import html
import json
import re
import time

import jwt
import pytest

from authconform.http.exchanges import Exchange
from authconform.http.redaction import Redactor
from authconform.report.exchanges_html import exchange_html, exchanges_html
from authconform.report.requirements import github_anchor, reference, references
from authconform.targets import environment
from tests.conftest import authconform

FAST = ["--target-option", "hash_iterations=1000"]
FULL_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16,}")


# --- requirement links --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("RFC 7519 §4.1.4", "https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4"),
        ("RFC 6749 §5.1", "https://www.rfc-editor.org/rfc/rfc6749#section-5.1"),
        ("RFC7519-4.1.4", "https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4"),
        ("RFC 8725", "https://www.rfc-editor.org/rfc/rfc8725"),
        ("RFC 7515 §A.5", "https://www.rfc-editor.org/rfc/rfc7515#appendix-A.5"),
        ("OWASP ASVS 4.0.3 V7.1.1",
         "https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x15-V7-Error-Logging.md#v71-log-content"),
        ("OWASP ASVS V3.5.3",
         "https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x12-V3-Session-management.md"
         "#v35-token-based-session-management"),
        ("ASVS 4.0.3 V14.4.4",
         "https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x22-V14-Config.md#v144-http-security-headers"),
        ("OWASP-AUTH-ERR-1",
         "https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html"
         "#authentication-and-error-messages"),
    ],
)
def test_requirement_links_to_its_public_text(text, url):
    assert reference(text).url == url


def test_requirement_string_splits_into_its_parts():
    parts = references("OWASP ASVS 4.0.3 V7.1.1; RFC 6749 §10.3; profile login.success")
    assert [p.source for p in parts] == ["asvs", "rfc", "profile"]
    assert [p.text for p in parts] == ["OWASP ASVS 4.0.3 V7.1.1", "RFC 6749 §10.3", "profile login.success"]
    assert reference("whatever the vendor said").url is None


def test_github_anchor_matches_githubs_rule():
    assert github_anchor("V3.5 Token-based Session Management") == "v35-token-based-session-management"


# --- one exchange -------------------------------------------------------------------------------

KEY = "a-test-hmac-key-that-is-long-enough-for-hs256"
PASSWORD = "Sup3r-Secret-Pass"


def _exchange(token: str, refresh: str) -> Exchange:
    return Exchange(
        method="POST",
        url="http://127.0.0.1:9/api/login",
        request_headers=[("Content-Type", "application/json"), ("Authorization", f"Bearer {token}")],
        request_body=json.dumps({"email": "a@example.org", "password": PASSWORD}),
        purpose="login (valid account)",
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "application/json")],
        response_body=json.dumps({"token": token, "refresh_token": refresh}),
        elapsed=0.012,
    )


def test_exchange_shows_request_response_and_decoded_token_without_secrets():
    now = int(time.time())
    token = jwt.encode({"iat": now, "exp": now + 3600, "email": "a@example.org", "roles": ["ROLE_USER"]}, KEY,
                       algorithm="HS256")
    refresh = "rt-" + "9" * 40
    redactor = Redactor([PASSWORD])
    redactor.add(token, "token")
    redactor.add(refresh, "refresh_token")
    shown = exchange_html(_exchange(token, refresh), redactor)
    text = html.unescape(shown)

    assert "POST http://127.0.0.1:9/api/login" in text and "HTTP 200 OK" in text
    assert PASSWORD not in text and refresh not in text and token.rsplit(".", 1)[1] not in text
    assert "[REDACTED signature]" in text and "[REDACTED password]" in text
    assert '"alg": "HS256"' in text, "the decoded JWT header is shown"
    assert '"email": "a@example.org"' in text, "the decoded JWT payload is shown"
    assert "lifetime (exp - iat) = 3600 s" in text


def test_token_whose_payload_holds_a_secret_loses_its_payload():
    token = jwt.encode({"email": "a@example.org", "password": PASSWORD}, KEY, algorithm="HS256")
    payload_segment = token.split(".")[1]
    shown = html.unescape(exchange_html(_exchange(token, "r" * 20), Redactor([PASSWORD])))
    assert PASSWORD not in shown
    assert payload_segment not in shown, "the base64 payload carried the password"
    assert "[REDACTED payload: it holds a secret]" in shown
    assert '"password": "[REDACTED password]"' in shown


def test_check_with_no_exchange_says_why():
    assert "No HTTP exchange" in exchanges_html([], Redactor())


# --- a real run ---------------------------------------------------------------------------------

PCH_DEFECTS = ["password-echo", "unknown-user-404"]


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pch-sig") / "report"
    args = ["run", "--profile", "pch-sig", *FAST]
    for defect in PCH_DEFECTS:
        args += ["--defect", defect]
    outcome = authconform(*args, report_dir=folder)
    assert outcome.summary is not None, outcome.output[-3000:]
    return outcome


def _page(outcome) -> str:
    return (outcome.report_dir / "report.html").read_text(encoding="utf-8")


def test_headline_carries_the_verdict_written_to_summary_json(failing_run):
    """Our sessionfinish writes summary.json before pytest-html renders: the two must agree."""
    summary = failing_run.summary
    page = html.unescape(_page(failing_run))
    headline = re.search(r"<div class='ac-headline ([^']+)'>(.*?)</div>", page, re.S)
    assert headline, "no headline in report.html"
    assert headline.group(1) == "ac-verdict-fail"
    verdict = summary["verdict"]
    assert verdict.startswith("not conformant")
    assert verdict[0].upper() + verdict[1:] in headline.group(2)
    for fact in ("pch-sig", summary["target"]["url"], f"authconform {summary['harness']['version']}",
                 ", ".join(PCH_DEFECTS)):
        assert fact in headline.group(2), fact


def test_summary_tables_count_areas_and_severities(failing_run):
    page = html.unescape(_page(failing_run))
    area_table = re.search(r"<table class='ac-table ac-by-area'>.*?</table>", page, re.S).group(0)
    login_row = re.search(r"<tr[^>]*><th>login</th>(.*?)</tr>", area_table, re.S).group(1)
    counts = [int(n) for n in re.findall(r"<td class='ac-n[^']*'>(\d+)</td>", login_row)]
    by_area = failing_run.summary["counts"]["by_area"]["login"]
    assert counts == [sum(by_area.values()), by_area["passed"], by_area["failed"], by_area["error"],
                      by_area["waived"], by_area["skipped"], by_area["not_selected"]]
    for area in ("token", "access", "refresh", "secret header", "OpenAPI", "security"):
        assert f"<th>{area}</th>" in area_table, f"area {area} missing from the summary table"
    assert "ac-by-severity" in page


def test_every_check_has_a_row_with_badge_requirement_link_and_reason(failing_run):
    page = html.unescape(_page(failing_run))
    blob = json.loads(html.unescape(re.search(r'data-jsonblob="([^"]*)"', _page(failing_run)).group(1)))
    rows = {re.search(r'col-testId">([^<]+)<', "".join(t["resultsTableRow"])).group(1): t
            for tests in blob["tests"].values() for t in tests}
    for check in failing_run.summary["checks"]:
        row = "".join(rows[check["id"]]["resultsTableRow"])
        assert f"ac-sev-{check['severity']}" in row
        assert check["title"] in html.unescape(row)
        if check["outcome"] == "failed":
            assert html.escape(check["reason"].splitlines()[0][:60], quote=False) in row
    echo = "".join(rows["LOGIN-OK-NO-PASSWORD-ECHO"]["resultsTableRow"])
    assert "href='https://www.rfc-editor.org/rfc/rfc6749#section-10.3'" in echo
    assert "0x15-V7-Error-Logging.md#v71-log-content" in echo
    unknown = rows["LOGIN-401-UNKNOWN-USER"]
    extras = "".join(e["content"] for e in unknown["extras"])
    assert "POST" in extras and "404" in extras, "the failing check's exchange is in its row"
    assert "Profile <b>pch-sig</b>" in page


def test_no_secret_in_any_file_the_run_wrote(failing_run):
    secrets = [environment("pch-sig", "")["PCH_PASSWORD"], environment("pch-sig", "")["PCH_DISABLED_PASSWORD"]]
    _assert_no_secret(failing_run.report_dir, secrets)


def test_secret_header_never_reaches_the_report(tmp_path):
    outcome = authconform("run", "--profile", "invoiceninja", *FAST, "--defect", "password-echo",
                          report_dir=tmp_path / "report")
    assert outcome.summary is not None, outcome.output[-3000:]
    env = environment("invoiceninja", "")
    _assert_no_secret(outcome.report_dir, [env["NINJA_PASSWORD"], env["NINJA_LOCKED_PASSWORD"], env["API_SECRET"]])
    assert "[REDACTED" in _page(outcome)


def _assert_no_secret(folder, secrets):
    for name in ("report.html", "junit.xml", "summary.json"):
        raw = (folder / name).read_text(encoding="utf-8")
        for text in (raw, html.unescape(raw)):
            for secret in secrets:
                assert secret not in text, f"{name} shows a secret"
            assert not FULL_JWT.search(text), f"{name} shows a signed JWT with its signature"


def test_terminal_ends_with_verdict_counts_and_report_path(failing_run):
    lines = failing_run.output.strip().splitlines()
    header = max(i for i, line in enumerate(lines) if "authconform" in line and "==" in line)
    tail = lines[header:]
    assert len(tail) <= 8, tail
    text = "\n".join(tail)
    assert f"verdict   {failing_run.summary['verdict']}" in text
    assert "must" in text and "failed" in text
    assert "LOGIN-OK-NO-PASSWORD-ECHO" in text
    assert tail[-1].strip() == f"report    {failing_run.report_dir / 'report.html'}"


def test_key_url_tokens_sent_early_are_the_key_url_checks_own_evidence(tmp_path):
    """ACCESS-JKU/X5U tokens go out before the first access check and are judged last: their exchanges still
    sit under those two checks in report.html, and a fetch the server makes in the background after it
    answered (the jku-fetched defect, 0.3 s later) is caught."""
    outcome = authconform("run", "--check", "ACCESS-*", "--defect", "jku-fetched", *FAST, report_dir=tmp_path)
    assert outcome.summary is not None, outcome.output[-2000:]
    checks = {c["id"]: c for c in outcome.summary["checks"]}
    assert checks["ACCESS-JKU"]["outcome"] == "failed", checks["ACCESS-JKU"]
    assert "FETCHED the jku URL" in checks["ACCESS-JKU"]["reason"]
    assert checks["ACCESS-X5U"]["outcome"] == "passed", checks["ACCESS-X5U"]
    page = html.unescape((tmp_path / "report.html").read_text())
    rows = {m.group(1): m.start() for m in re.finditer(r'"test_access\.py::(test_\w+)": \[', page)}
    for parameter, test in (("JKU", "test_jku_is_not_followed"), ("X5U", "test_x5u_is_not_followed")):
        purpose = f"forged token (ACCESS-{parameter})"
        begins = rows[test]
        ends = min([at for at in rows.values() if at > begins] or [len(page)])
        assert page.count(purpose) == 1 and begins < page.index(purpose) < ends, (parameter, rows)
