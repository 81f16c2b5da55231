"""OpenAPI: the target's own document is valid, documents its login, and tells the truth about every answer.

The profile's ``openapi.spec`` names the document (a path on the target, a URL or a file); without an
``openapi`` section every check here skips with that reason. The checks that judge the whole run
(OPENAPI-FUZZ, OPENAPI-LOGIN-DOCUMENTED, OPENAPI-EXCHANGES-CONFORM, OPENAPI-STATUSES-DOCUMENTED) declare
``phase="last"`` (the fuzzer first, the ones that read its answers after it), so they see every
exchange the other suites recorded.
The OpenAPI validators are imported only inside these checks; schemathesis, hypothesis and
openapi-spec-validator only in the OpenAPI worker process, which validates the document and generates and
judges OPENAPI-FUZZ's requests (authconform.openapi.worker).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import pytest

from authconform import expect
from authconform.checks import check

FUZZ_CHECK = "OPENAPI-FUZZ"
# wall-clock bound of OPENAPI-FUZZ when the profile sets no openapi.fuzz_seconds
FUZZ_SECONDS = 3.0
SHOWN = 8


@dataclass
class Loaded:
    document: object | None  # authconform.openapi.document.Document
    problem: str | None


def _section(profile):
    if profile.openapi is None:
        pytest.skip("the profile has no openapi section (openapi.spec names the target's OpenAPI document)")
    return profile.openapi


@pytest.fixture(scope="session")
def loaded_document(profile, target, login):
    """The profile's OpenAPI document, fetched or read once; a problem instead when it cannot be had.

    With ``openapi.auth`` the document is fetched with the run's shared login token.
    """
    section = _section(profile)
    from authconform.endpoints.login import LoginFailed
    from authconform.openapi import document as openapi

    token = None
    if section.auth:
        try:
            token = login.session().token
        except LoginFailed as exc:
            return Loaded(None, f"the document is fetched with the run's token (openapi.auth), and the login "
                                f"failed: {exc}")
    try:
        return Loaded(openapi.load(profile, target, token), None)
    except openapi.SpecUnavailable as exc:
        return Loaded(None, str(exc))


@pytest.fixture
def document(loaded_document):
    if loaded_document.document is None:
        pytest.skip(f"no usable OpenAPI document: {loaded_document.problem} (see OPENAPI-SPEC-VALID)")
    return loaded_document.document


def _operations(document, profile, run):
    """The documented login operation, and the refresh one when the profile has a refresh section."""
    wanted = [("login", profile.login.method, profile.login.path, "profile login.path")]
    if profile.refresh is not None:
        wanted.append(("refresh", profile.refresh.method or "POST", profile.refresh.path, "profile refresh.path"))
    base = _base_path(run)
    return [(name, method, path, source, document.find(method, path, base)) for name, method, path, source in wanted]


def _base_path(run):
    from urllib.parse import urlsplit

    return urlsplit(run.profile.base_url).path


def _expected_statuses(profile):
    """Each status the profile expects from the login (and refresh), with the field that says so."""
    login = {profile.login.success.status: "profile login.success.status"}
    errors = profile.login.errors.to_dict() if profile.login.errors is not None else {}
    for name, error in errors.items():
        if error and (error.get("at") or "login") == "login":
            login.setdefault(error["status"], f"profile login.errors.{name}.status")
    if profile.secret_header is not None and profile.secret_header.rejected_status:
        login.setdefault(profile.secret_header.rejected_status, "profile secret_header.rejected_status")
    statuses = {"login": login}
    if profile.refresh is not None:
        refresh = profile.refresh.to_dict()
        found = {refresh.get("status", 200): "profile refresh.status"}
        for name in ("rejected", "missing", "disabled"):
            if isinstance(refresh.get(name), dict) and refresh[name].get("status"):
                found.setdefault(refresh[name]["status"], f"profile refresh.{name}.status")
        statuses["refresh"] = found
    return statuses


def _shown(items, limit=SHOWN):
    items = list(items)
    text = "; ".join(items[:limit])
    return text + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def _coverage_note(run, request):
    """Under xdist each worker records only its own exchanges: say what was seen."""
    worker = getattr(request.config, "workerinput", None)
    if worker is None:
        return ""
    return (f" (checked the exchanges recorded on xdist worker {worker.get('workerid')}: with -n each worker "
            f"records only its own; run without -n to cover the whole run)")


@check("OPENAPI-SPEC-VALID", severity="must",
       requirement="OpenAPI Specification 3.x / Swagger 2.0; profile openapi.spec",
       why=("The profile names the document as the API's contract (openapi.spec); the OpenAPI Specification's "
            "MUSTs define a valid one."))
def test_document_is_valid_openapi(loaded_document, openapi_worker):
    """The document the profile names can be had and is a valid OpenAPI (or Swagger 2.0) document."""
    if loaded_document.document is None:
        expect.fail(f"expected the OpenAPI document named by profile openapi.spec, but {loaded_document.problem}")
    from authconform.exceptions import ValidatorMissing

    document = loaded_document.document
    try:
        problems = openapi_worker.validation_problems(document.raw)
    except ValidatorMissing as exc:
        pytest.skip(str(exc))
    if problems:
        expect.fail(f"expected a valid {document.title} ({document.source}), openapi-spec-validator found "
                    f"{len(problems)} problem(s): {_shown(problems, 5)}")


@check("OPENAPI-LOGIN-DOCUMENTED", severity="should", phase="last", after=(FUZZ_CHECK,),
       requirement="OpenAPI Specification (Operation and Responses Objects); profile login.success, login.errors",
       why="A status the document leaves out is a documentation gap: clients miss a case, no MUST is broken.")
def test_login_is_documented(document, profile, run, request):
    """The login (and refresh) operation is documented with every status the profile expects and the run saw.

    An expected status counts as documented by its exact code or its ``4XX`` range; a status seen
    during the run also counts when the operation has a ``default`` response. A 5xx seen is a
    server error, not a gap in the document (LOGIN-NO-5XX and OPENAPI-FUZZ report those). The
    fuzzer's answers count here too: an undocumented status it met is this check's finding alone
    (OPENAPI-FUZZ judges only 5xx and bodies against the documented schemas).
    """
    problems = []
    expected = _expected_statuses(profile)
    for name, method, path, source, operation in _operations(document, profile, run):
        if operation is None:
            problems.append(f"the document has no {method} {path} ({source}); "
                            f"it documents {document.list_operations()}")
            continue
        for status, field in sorted(expected[name].items()):
            if operation.response_key(status, allow_default=False) is None:
                problems.append(f"{operation.label} does not document {status} ({field}); it documents "
                                f"{', '.join(operation.documented_statuses())}")
        seen = Counter()
        purposes = {}
        for exchange in run.recorder.exchanges:
            if exchange.status is None or exchange.status >= 500:
                continue
            if operation.matches(exchange.method, _path(exchange.url, run)) and operation.response_key(
                    exchange.status) is None:
                seen[exchange.status] += 1
                purposes.setdefault(exchange.status, exchange.purpose or exchange.check or "?")
        for status, count in sorted(seen.items()):
            problems.append(f"{operation.label} answered {status} {count} time(s) during the run (first: "
                            f"{purposes[status]!r}), a status the document does not describe")
    if problems:
        expect.fail(f"expected the OpenAPI document ({document.source}) to document the login's answers: "
                    f"{_shown(problems)}{_coverage_note(run, request)}")


def _server_url(base_url, operation):
    """The target's URL plus the document's server path, unless the profile's base_url has it already."""
    from urllib.parse import urlsplit

    prefix = operation.route[: len(operation.route) - len(operation.path)].rstrip("/")
    if prefix and not urlsplit(base_url).path.rstrip("/").endswith(prefix):
        return base_url.rstrip("/") + prefix
    return base_url


def _path(url, run):
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path)


def _documented_exchanges(document, run):
    """Each recorded answer (the fuzzer's left to OPENAPI-FUZZ) to a documented operation, with that operation."""
    from authconform.openapi.document import judged_exchanges

    base = _base_path(run)
    for exchange in judged_exchanges(list(run.recorder.exchanges), skip_checks={FUZZ_CHECK}):
        operation = document.find(exchange.method, exchange.url, base)
        if operation is not None:
            yield exchange, operation


@check("OPENAPI-EXCHANGES-CONFORM", severity="must", phase="last", after=(FUZZ_CHECK, "OPENAPI-LOGIN-DOCUMENTED"),
       requirement="OpenAPI Specification (Responses, Media Type and Schema Objects)",
       why=("The profile names the document as the API's contract (openapi.spec): an answer whose content type or"
            " body breaks what the document says of its status breaks a stated behaviour."))
def test_recorded_exchanges_conform(document, profile, run, request):
    """Every recorded answer with a documented status matches the document: content type and body schema.

    Runs last. Each recorded exchange whose request is a documented operation and whose status the
    operation documents (by its code, its ``NXX`` range or ``default``) is judged. A status the
    document does not describe is a documentation finding, reported once at ``should``: by
    OPENAPI-LOGIN-DOCUMENTED for the login and refresh, by OPENAPI-STATUSES-DOCUMENTED for every
    other operation (the OpenAPI Responses Object does not expect a document to list every
    status). The fuzzer's own exchanges are OPENAPI-FUZZ's.
    """
    from authconform.openapi.document import response_bytes

    findings = []
    judged = 0
    for exchange, operation in _documented_exchanges(document, run):
        if operation.response_key(exchange.status) is None:
            continue
        judged += 1
        body = b"" if exchange.error_kind == "too_large" else response_bytes(exchange)
        problems = document.response_problems(operation, exchange.status, exchange.header("content-type") or "",
                                              body)
        if problems:
            who = exchange.check or "setup"
            findings.append(f"{operation.label} → {exchange.status} ({exchange.purpose or 'no purpose'}, {who}): "
                            + "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3
                                                          else ""))
    if findings:
        expect.fail(f"expected every recorded answer with a documented status to match the OpenAPI document "
                    f"({document.source}); {len(findings)} of {judged} "
                    f"judged exchange(s) do not: {_shown(findings, 6)}{_coverage_note(run, request)}")
    if judged == 0:
        pytest.skip(f"no recorded exchange got a status documented for its operation in {document.source} "
                    f"(it documents {document.list_operations()}){_coverage_note(run, request)}")


@check("OPENAPI-STATUSES-DOCUMENTED", severity="should", phase="last", after=(FUZZ_CHECK,),
       requirement="OpenAPI Specification (Responses Object)",
       why=("The Responses Object does not expect a document to cover every possible status: a status it leaves "
            "out is a documentation gap that clients miss, no MUST is broken."))
def test_answered_statuses_are_documented(document, profile, run, request):
    """Every non-5xx status a documented operation (other than the login and refresh) answered is documented.

    Runs last, over every recorded exchange. A status counts as documented by its code, its ``NXX``
    range or the operation's ``default`` response. The login's and refresh's statuses are
    OPENAPI-LOGIN-DOCUMENTED's; a 5xx is a server error, not a gap in the document (the checks of
    the suite that caused it report it).
    """
    own = {op.label for _, _, _, _, op in _operations(document, profile, run) if op is not None}
    seen: Counter = Counter()
    first: dict = {}
    judged = 0
    for exchange, operation in _documented_exchanges(document, run):
        if operation.label in own or exchange.status >= 500:
            continue
        judged += 1
        if operation.response_key(exchange.status) is None:
            key = (operation.label, exchange.status)
            seen[key] += 1
            first.setdefault(key, (exchange.purpose or "no purpose", exchange.check or "setup",
                                   ", ".join(operation.documented_statuses())))
    if seen:
        problems = [f"{label} answered {status} {count} time(s) (first: {first[(label, status)][0]!r}, "
                    f"{first[(label, status)][1]}); it documents {first[(label, status)][2]}"
                    for (label, status), count in sorted(seen.items())]
        expect.fail(f"expected every status a documented operation answered to be documented (OpenAPI Responses "
                    f"Object) in {document.source}: {_shown(problems)}"
                    f"{_coverage_note(run, request)}")
    if judged == 0:
        pytest.skip(f"no recorded exchange went to an operation {document.source} documents other than the login "
                    f"and refresh (OPENAPI-LOGIN-DOCUMENTED judges those; it documents "
                    f"{document.list_operations()}){_coverage_note(run, request)}")


@check(FUZZ_CHECK, severity="must", phase="last",
       requirement="RFC 9110 §15.5; OpenAPI Specification (Responses Object)",
       why=("A 5xx (RFC 9110 §15.6: the server erred) or a body that breaks a documented schema breaks HTTP or "
            "the contract the profile names."))
def test_fuzzed_login_and_refresh(document, profile, run, target, openapi_worker):
    """Generated valid and invalid login (and refresh) requests get non-5xx answers that match the document.

    A status the document does not list is OPENAPI-LOGIN-DOCUMENTED's finding (``should``), not
    this check's; a documented status must come with a documented content type and a body that
    matches its schema.

    schemathesis generates the requests from the document, at most ``openapi.fuzz_examples`` per
    operation and ``openapi.fuzz_seconds`` for the whole check (shared out among the operations), sent
    paced through the run's client with the profile's login and secret headers; a request carrying a
    profile account's identity is paid from the failed-login budget first.
    """
    examples = _section(profile).fuzz_examples
    if examples is None:
        examples = 50
    if examples <= 0:
        pytest.skip("openapi.fuzz_examples is 0: fuzzing is switched off")
    seconds = _section(profile).fuzz_seconds
    seconds = float(FUZZ_SECONDS if seconds is None else seconds)
    if seconds <= 0:
        pytest.skip("openapi.fuzz_seconds is 0: fuzzing is switched off")
    from authconform.openapi.fuzz import fuzz_operation
    from authconform.openapi.worker import LibraryMissing

    identities = [a.identity for a in (profile.account(r) for r in ("valid", "disabled", "lockout")) if a]
    reports = []
    operations = [(name, operation) for name, _m, _p, _s, operation in _operations(document, profile, run)
                  if operation is not None]
    ends = time.monotonic() + seconds
    for position, (name, operation) in enumerate(operations):
        share = max(0.0, ends - time.monotonic()) / (len(operations) - position)
        headers = dict(profile.login.headers or {}) if name == "login" else {}
        if profile.secret_header is not None and profile.secret_header.value:
            headers[profile.secret_header.name] = profile.secret_header.value
        try:
            reports.append(fuzz_operation(document.raw, operation.method, operation.path, client=target,
                                          budget=run.budget, identities=identities, examples=examples,
                                          headers=headers, base_url=_server_url(target.base_url, operation),
                                          purpose=f"fuzz {name} (schemathesis)", seconds=share,
                                          worker=openapi_worker))
        except LibraryMissing as exc:
            pytest.skip(f"fuzzing needs schemathesis ({exc.name} is not installed): pip install schemathesis")
    if not reports:
        pytest.skip(f"{document.source} documents neither the login nor the refresh operation "
                    "(see OPENAPI-LOGIN-DOCUMENTED): nothing to fuzz")
    failed = [r for r in reports if r.failure is not None]
    if failed:
        # the first line is the finding (summary.json keeps it); the request and curl line follow
        heads, details = [], []
        for report in failed:
            failure = report.failure
            counts = ", ".join(f"{n} ×{c}" for n, c in sorted(report.by_check.items()))
            heads.append(f"{report.operation}: {report.failing} of {report.sent} fuzzed requests failed ({counts}); "
                         f"smallest: {failure.request.splitlines()[-1][:160]} → {failure.answer[:160]}")
            details.append(f"{report.operation}, smallest failing request:\n{failure.request}\n→ {failure.answer}\n"
                           f"problems: {'; '.join(failure.problems)}\nreproduce: {failure.curl}")
        expect.fail("expected every fuzzed request to get a non-5xx answer matching the document (a status it "
                    "does not list is OPENAPI-LOGIN-DOCUMENTED's finding): "
                    + " | ".join(heads) + "\n\n" + "\n\n".join(details))
    if sum(r.sent for r in reports) == 0 and all(r.out_of_time for r in reports):
        pytest.skip(f"no fuzzed request could be sent within openapi.fuzz_seconds ({seconds:g} s)")
    if sum(r.sent for r in reports) == 0:
        spared = sum(r.not_sent_for_budget for r in reports)
        pytest.skip(f"no fuzzed request could be sent ({spared} carried a profile account's identity and the "
                    "failed-login budget is spent)")
