"""Fuzzing one documented operation with schemathesis, through the run's own client.

schemathesis (4.x) turns the operation into Hypothesis strategies of valid and invalid requests and
judges each answer with its checks (``not_a_server_error``, ``content_type_conformance``,
``response_schema_conformance``). Its ``status_code_conformance`` is left out on purpose: a status
the document does not list is a gap in the documentation, which OPENAPI-LOGIN-DOCUMENTED reports
(as ``should``) from the same recorded answers; counting it here too would report one fact twice,
at two severities. The fuzzer fails for what breaks the contract: a 5xx, or a body the document
describes that does not match. The requests themselves go out
through the run's :class:`~authconform.http.client.TargetClient`, so they are paced, recorded and
redacted like every other request, and a request that carries a profile account's identity is paid
from the failed-login budget first (or not sent when the budget is spent).

``examples`` caps the requests sent for the operation, generation and shrinking together: a
failure is shrunk within what is left, and the smallest failing request found is reported.
``seconds`` caps its wall-clock time the same way: once it is spent no further request is sent and
the fuzzer stops (a paced or slow target gets fewer examples, not a longer run); a failure already
found is still reported, as small as shrinking got it in time. Answers
are kept by request, so Hypothesis replaying an example never sends it twice. Generation is seeded
per operation: the same document and target give the same requests, run after run.

schemathesis and hypothesis are imported inside :func:`fuzz_operation` only.
"""

from __future__ import annotations

import contextlib
import json
import shlex
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..endpoints.budget import BudgetExhausted, FailedLoginBudget
from ..http.client import Answer, TargetClient
from ..http.redaction import Redactor

CHECKS = ("not_a_server_error", "content_type_conformance", "response_schema_conformance")
# Headers schemathesis adds for its own transport; the run's client sends its own.
_TRANSPORT_HEADERS = {"user-agent", "accept-encoding", "connection", "x-schemathesis-testcaseid", "content-length",
                      "host"}


@dataclass
class Failure:
    """The smallest failing request found for one operation, and what was wrong with its answer."""

    problems: list[str]
    request: str
    curl: str
    answer: str


@dataclass
class FuzzReport:
    operation: str
    sent: int = 0
    failing: int = 0
    not_sent_for_budget: int = 0
    out_of_time: bool = False
    failure: Failure | None = None
    by_check: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Request:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content: bytes | None
    form: tuple[tuple[str, str], ...] | None
    params: tuple[tuple[str, str], ...]


class _OutOfTime(BaseException):
    """Stops Hypothesis at once: it treats an ``Exception`` as a failure to shrink, a ``BaseException`` not."""


class _Found(Exception):
    def __init__(self, answer: Answer, problems: list[str]):
        super().__init__("fuzzed request failed")
        self.answer = answer
        self.problems = problems


def fuzz_operation(
    document: dict[str, Any],
    method: str,
    path: str,
    *,
    client: TargetClient,
    budget: FailedLoginBudget,
    identities: list[str],
    examples: int,
    headers: Mapping[str, str] | None = None,
    base_url: str | None = None,
    purpose: str = "fuzz",
    seconds: float | None = None,
) -> FuzzReport:
    """Send at most ``examples`` generated requests to ``method path`` and judge each answer.

    ``identities`` are the profile accounts' identities: a request carrying one is paid from
    ``budget`` before it is sent. ``headers`` (the profile's login and secret headers) replace
    whatever the generator chose for those names, so the fuzzer explores the request, not the
    deployment's gate. ``base_url`` is where the document's paths start (the target's URL plus
    the document's server path); a generated request aimed anywhere else is never sent.
    ``seconds`` (None: no limit) bounds generating and sending, from the first example to the last.
    """
    import hypothesis
    import schemathesis
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import strategies as st
    from schemathesis.checks import CHECKS as REGISTRY
    from schemathesis.checks import load_all_checks

    load_all_checks()
    checks = REGISTRY.get_by_names(list(CHECKS))
    schema = _loaded_schema(document, schemathesis)
    operation = schema[path][method.upper()]
    strategy = st.one_of(
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    )
    report = FuzzReport(f"{method.upper()} {path}")
    answers: dict[_Request, tuple[Answer, list[str]]] = {}
    known = [i.lower() for i in identities if i]
    forced = dict(headers or {})
    smallest: list[_Found] = []
    # the clock starts once the strategies are built: the libraries' first import is not the fuzzer's time
    deadline = None if seconds is None else time.monotonic() + seconds

    base = (base_url or client.base_url).rstrip("/")

    def send(case: Any) -> None:
        request = _prepare(case, base, forced)
        if request in answers:
            answer, problems = answers[request]
        else:
            if report.sent >= examples or not request.url.startswith(base + "/"):
                hypothesis.reject()
            if deadline is not None and time.monotonic() >= deadline:
                report.out_of_time = True
                raise _OutOfTime
            carried = _carried_identity(request, known)
            if carried is not None:
                try:
                    budget.spend(carried)
                except BudgetExhausted:
                    report.not_sent_for_budget += 1
                    hypothesis.reject()
            answer = _send(client, request, purpose)
            report.sent += 1
            problems = _judge(case, answer, request, checks)
            answers[request] = (answer, problems)
            if problems:
                report.failing += 1
                for name in {p.split(":", 1)[0] for p in problems}:
                    report.by_check[name] = report.by_check.get(name, 0) + 1
        if problems:
            found = _Found(answer, problems)
            smallest[:] = [found]  # Hypothesis tries smaller failing cases later: the last one is the smallest
            raise found

    # A fixed seed per operation, not derandomize: Hypothesis derives that one from the test function's
    # digest, which differs between a plain interpreter and a pytest session (assertion rewriting).
    probe = hypothesis.seed(zlib.crc32(report.operation.encode()))(settings(
        max_examples=max(examples, 1),
        derandomize=False,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )(given(case=strategy)(send)))
    try:
        with _without_local_constants():
            probe()
    except _Found as found:
        report.failure = _describe(found, client.redactor)
    except _OutOfTime:
        if smallest:
            report.failure = _describe(smallest[-1], client.redactor)
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing could be sent (the budget); the report says so
    return report


_LOADED: list[tuple[dict[str, Any], Any]] = []


def _loaded_schema(document: dict[str, Any], schemathesis: Any) -> Any:
    """schemathesis's view of the document, loaded once per document (login and refresh share it)."""
    for known, schema in _LOADED:
        if known is document:
            return schema
    schema = schemathesis.openapi.from_dict(document, config=schemathesis.Config())
    _LOADED[:] = [(document, schema)]  # one document per run: keep only the latest
    return schema


@contextlib.contextmanager
def _without_local_constants():
    """Generate from the seed alone, not from string constants found in "local" source files.

    Hypothesis mixes constants from modules outside site-packages into what it generates: from an
    editable install that is the harness's own source (reference-target passwords included), so what
    the fuzzer sent changed with every edit of the harness and differed from an installed copy. The
    hook is private Hypothesis API; where it is missing, generation simply keeps its default.
    """
    try:
        from hypothesis.internal.conjecture import providers

        original = providers._get_local_constants
        empty = providers.Constants()
    except (ImportError, AttributeError, TypeError):
        yield
        return
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = original


def _prepare(case: Any, base_url: str, forced: Mapping[str, str]) -> _Request:
    """The request a case stands for, as the run's client will send it (forced headers applied)."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items() if k.lower() not in _TRANSPORT_HEADERS}
    lowered = {k.lower() for k in forced}
    headers = {**{k: v for k, v in headers.items() if k.lower() not in lowered}, **forced}
    content: bytes | None = None
    form: tuple[tuple[str, str], ...] | None = None
    if "json" in kwargs:
        content = json.dumps(kwargs["json"]).encode()
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    elif isinstance(kwargs.get("data"), Mapping):
        form = tuple((str(k), str(v)) for k, v in kwargs["data"].items())
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        content = data if isinstance(data, bytes) else str(data).encode()
    params: list[tuple[str, str]] = []
    for name, value in (kwargs.get("params") or {}).items():
        for item in value if isinstance(value, list) else [value]:
            text = json.dumps(item) if isinstance(item, (dict, bool)) or item is None else str(item)
            params.append((str(name), text))
    return _Request(kwargs["method"].upper(), kwargs["url"], tuple(sorted(headers.items())), content, form,
                    tuple(params))


def _carried_identity(request: _Request, known: list[str]) -> str | None:
    """A profile account's identity the request carries anywhere (URL, form or body), if any."""
    text = request.url + urlencode(request.params) + urlencode(request.form or ())
    text = (text + (request.content or b"").decode("utf-8", "replace")).lower()
    with contextlib.suppress(ValueError):  # JSON escapes (\u0040) must not hide an identity
        text += json.dumps(json.loads(request.content or b"null"), ensure_ascii=False).lower()
    return next((identity for identity in known if identity in text), None)


def _send(client: TargetClient, request: _Request, purpose: str) -> Answer:
    return client.request(request.method, request.url, headers=dict(request.headers), content=request.content,
                          data=dict(request.form) if request.form is not None else None,
                          params=list(request.params) or None,  # type: ignore[arg-type]
                          purpose=purpose)


def _judge(case: Any, answer: Answer, request: _Request, checks: list[Any]) -> list[str]:
    """schemathesis's verdict on one answer: ``"check: title: message"`` per failed check."""
    if not answer.ok:
        return [f"no answer: {answer.error}"]
    import requests
    from schemathesis import Response
    from schemathesis.core.failures import FailureGroup

    exchange = answer.exchange
    sent = requests.Request(exchange.method, exchange.url, headers=dict(exchange.request_headers),
                            data=(exchange.request_body or "").encode()).prepare()
    grouped: dict[str, list[str]] = {}
    for name, value in exchange.response_headers:
        grouped.setdefault(name.lower(), []).append(value)
    response = Response(answer.status or 0, grouped, answer.body, sent, exchange.elapsed, True,
                        message=exchange.reason)
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        problems = []
        for failure in group.exceptions:
            name = next(iter(getattr(failure, "checks", ()) or ()), "") or _check_name(failure)
            text = " ".join(str(failure.message).split())
            problems.append(f"{name}: {failure.title}: {text[:300]}")
        return sorted(problems)
    except AssertionError as exc:  # a single failure is raised bare by some versions
        return [f"check failed: {' '.join(str(exc).split())[:300]}"]
    return []


def _check_name(failure: Any) -> str:
    kind = type(failure).__name__
    return {"ServerError": "not_a_server_error", "UndefinedStatusCode": "status_code_conformance",
            "UndefinedContentType": "content_type_conformance", "MalformedMediaType": "content_type_conformance",
            "JsonSchemaError": "response_schema_conformance"}.get(kind, kind)


def _describe(found: _Found, redactor: Redactor) -> Failure:
    shown = found.answer.exchange.to_dict(redactor)
    request = shown["request"]
    headers = [(n, v) for n, v in request["headers"] if n.lower() not in _TRANSPORT_HEADERS]
    lines = [f"{request['method']} {request['url']}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if request["body"] is not None:
        lines += ["", request["body"]]
    curl = ["curl", "-X", request["method"], request["url"]]
    for name, value in headers:
        curl += ["-H", f"{name}: {value}"]
    if request["body"] is not None:
        curl += ["--data-binary", request["body"]]
    return Failure(
        problems=[redactor.text(p) or "" for p in found.problems],
        request="\n".join(lines),
        curl=shlex.join(curl),
        answer=found.answer.describe(),
    )
