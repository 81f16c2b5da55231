"""The fuzzing engine: schemathesis's strategies driven by Hypothesis, judged by schemathesis's checks.

This module runs in the OpenAPI worker process (:mod:`authconform.openapi.worker`), never in the
run's own: schemathesis and hypothesis are heavy to import and keep global state, and in their own
process their import overlaps the run's first checks instead of delaying OPENAPI-FUZZ. It sends
nothing itself. Each generated request goes to a ``send`` callable (the worker hands it to the run,
which pays the budget, paces, sends and records it) and comes back as a :class:`Reply`.

schemathesis (4.x) turns the operation into Hypothesis strategies of valid and invalid requests and
judges each answer with its checks (``not_a_server_error``, ``content_type_conformance``,
``response_schema_conformance``). Its ``status_code_conformance`` is left out on purpose: a status
the document does not list is a gap in the documentation, which OPENAPI-LOGIN-DOCUMENTED reports
(as ``should``) from the same recorded answers; counting it here too would report one fact twice,
at two severities.

``examples`` caps the requests sent for the operation, generation and shrinking together: a
failure is shrunk within what is left, and the smallest failing request found is reported.
``seconds`` caps its wall-clock time the same way: once it is spent no further request is sent
(a paced or slow target gets fewer examples, not a longer run); a failure already found is still
reported, as small as shrinking got it in time. Answers are kept by request, so Hypothesis
replaying an example never sends it twice. Generation is seeded per operation: the same document
and target give the same requests, run after run.

Only the small types below are imported by the run's process; the libraries load inside the functions.
"""

from __future__ import annotations

import contextlib
import json
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

CHECKS = ("not_a_server_error", "content_type_conformance", "response_schema_conformance")
# Headers schemathesis adds for its own transport; the run's client sends its own.
TRANSPORT_HEADERS = {"user-agent", "accept-encoding", "connection", "x-schemathesis-testcaseid", "content-length",
                     "host"}


@dataclass(frozen=True)
class Request:
    """A generated request, as the run's client will send it."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content: bytes | None
    form: tuple[tuple[str, str], ...] | None
    params: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Reply:
    """What the run sent and got back for one request; ``index`` is its place among the operation's sends."""

    index: int
    error: str | None
    status: int | None
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed: float
    sent_method: str
    sent_url: str
    sent_headers: tuple[tuple[str, str], ...]
    sent_body: str | None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None


@dataclass
class Explored:
    """What fuzzing one operation found: counts, and the smallest failing request's ``index`` and problems."""

    sent: int = 0
    failing: int = 0
    not_sent_for_budget: int = 0
    out_of_time: bool = False
    by_check: dict[str, int] = field(default_factory=dict)
    failure: tuple[int, list[str]] | None = None


# The run's side of one request: the Reply, or None when the failed-login budget kept it from being sent.
Send = Callable[[Request, "str | None"], "Reply | None"]


class _OutOfTime(BaseException):
    """Stops Hypothesis at once: it treats an ``Exception`` as a failure to shrink, a ``BaseException`` not."""


class _Found(Exception):
    def __init__(self, reply: Reply, problems: list[str]):
        super().__init__("fuzzed request failed")
        self.reply = reply
        self.problems = problems


def warm_up() -> None:
    """Import what :func:`explore` needs, so its first call does not wait for it (the worker's start)."""
    import hypothesis  # noqa: F401
    import requests  # noqa: F401
    import schemathesis  # noqa: F401
    import schemathesis.specs.openapi.schemas  # noqa: F401  (from_dict's own lazy import)
    from schemathesis.checks import load_all_checks

    load_all_checks()


def explore(
    document: dict[str, Any],
    method: str,
    path: str,
    *,
    send: Send,
    examples: int,
    identities: list[str],
    base_url: str,
    headers: Mapping[str, str] | None = None,
    seconds: float | None = None,
) -> Explored:
    """Generate at most ``examples`` requests to ``method path``, have ``send`` deliver each, judge each answer.

    ``identities`` are the profile accounts' identities: ``send`` is told which one a request carries
    (it pays the budget for it, or refuses). ``headers`` (the profile's login and secret headers)
    replace whatever the generator chose for those names, so the fuzzer explores the request, not
    the deployment's gate. A generated request aimed outside ``base_url`` is never sent.
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
    explored = Explored()
    answers: dict[Request, tuple[Reply, list[str]]] = {}
    known = [i.lower() for i in identities if i]
    forced = dict(headers or {})
    smallest: list[_Found] = []
    # the clock starts once the strategies are built: the libraries' first import is not the fuzzer's time
    deadline = None if seconds is None else time.monotonic() + seconds
    base = base_url.rstrip("/")

    def probe(case: Any) -> None:
        request = _prepare(case, base, forced)
        if request in answers:
            reply, problems = answers[request]
        else:
            if explored.sent >= examples or not request.url.startswith(base + "/"):
                hypothesis.reject()
            if deadline is not None and time.monotonic() >= deadline:
                explored.out_of_time = True
                raise _OutOfTime
            reply = send(request, _carried_identity(request, known))
            if reply is None:
                explored.not_sent_for_budget += 1
                hypothesis.reject()
            explored.sent += 1
            problems = _judge(case, reply, checks)
            answers[request] = (reply, problems)
            if problems:
                explored.failing += 1
                for name in {p.split(":", 1)[0] for p in problems}:
                    explored.by_check[name] = explored.by_check.get(name, 0) + 1
        if problems:
            found = _Found(reply, problems)
            smallest[:] = [found]  # Hypothesis tries smaller failing cases later: the last one is the smallest
            raise found

    # A fixed seed per operation, not derandomize: Hypothesis derives that one from the test function's
    # digest, which differs between a plain interpreter and a pytest session (assertion rewriting).
    run = hypothesis.seed(zlib.crc32(f"{method.upper()} {path}".encode()))(settings(
        max_examples=max(examples, 1),
        derandomize=False,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )(given(case=strategy)(probe)))
    try:
        with _without_local_constants():
            run()
    except _Found as found:
        explored.failure = (found.reply.index, found.problems)
    except _OutOfTime:
        if smallest:
            explored.failure = (smallest[-1].reply.index, smallest[-1].problems)
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing could be sent (the budget); the counts say so
    return explored


_LOADED: list[tuple[dict[str, Any], Any]] = []


def _loaded_schema(document: dict[str, Any], schemathesis: Any) -> Any:
    """schemathesis's view of the document, loaded once per document (login and refresh share it)."""
    for known, schema in _LOADED:
        if known == document:
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


def _prepare(case: Any, base_url: str, forced: Mapping[str, str]) -> Request:
    """The request a case stands for, as the run's client will send it (forced headers applied)."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items() if k.lower() not in TRANSPORT_HEADERS}
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
    return Request(kwargs["method"].upper(), kwargs["url"], tuple(sorted(headers.items())), content, form,
                   tuple(params))


def _carried_identity(request: Request, known: list[str]) -> str | None:
    """A profile account's identity the request carries anywhere (URL, form or body), if any."""
    text = request.url + urlencode(request.params) + urlencode(request.form or ())
    text = (text + (request.content or b"").decode("utf-8", "replace")).lower()
    with contextlib.suppress(ValueError):  # JSON escapes (\u0040) must not hide an identity
        text += json.dumps(json.loads(request.content or b"null"), ensure_ascii=False).lower()
    return next((identity for identity in known if identity in text), None)


def _judge(case: Any, reply: Reply, checks: list[Any]) -> list[str]:
    """schemathesis's verdict on one answer: ``"check: title: message"`` per failed check."""
    if not reply.ok:
        return [f"no answer: {reply.error}"]
    import requests
    from schemathesis import Response
    from schemathesis.core.failures import FailureGroup

    sent = requests.Request(reply.sent_method, reply.sent_url, headers=dict(reply.sent_headers),
                            data=(reply.sent_body or "").encode()).prepare()
    grouped: dict[str, list[str]] = {}
    for name, value in reply.headers:
        grouped.setdefault(name.lower(), []).append(value)
    response = Response(reply.status or 0, grouped, reply.body, sent, reply.elapsed, True, message=reply.reason)
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
