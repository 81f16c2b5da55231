"""Fuzzing one documented operation: the run's side.

The requests are generated and judged by schemathesis in the OpenAPI worker process
(:mod:`.worker`, :mod:`.engine`); they are sent here, through the run's
:class:`~authconform.http.client.TargetClient`, so they are paced, recorded and redacted like every
other request, and a request that carries a profile account's identity is paid from the
failed-login budget first (or not sent when the budget is spent). The fuzzer fails for what breaks
the contract: a 5xx, or a body the document describes that does not match (see :mod:`.engine`
for what is judged, and how ``examples`` and ``seconds`` bound it).

Nothing here imports schemathesis or hypothesis: the run's process never loads them.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..endpoints.budget import BudgetExhausted, FailedLoginBudget
from ..http.client import Answer, TargetClient
from ..http.redaction import Redactor
from .engine import TRANSPORT_HEADERS, Reply, Request
from .worker import Worker


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
    worker: Worker | None = None,
) -> FuzzReport:
    """Send at most ``examples`` generated requests to ``method path`` and judge each answer.

    ``identities`` are the profile accounts' identities: a request carrying one is paid from
    ``budget`` before it is sent. ``headers`` (the profile's login and secret headers) replace
    whatever the generator chose for those names. ``base_url`` is where the document's paths start
    (the target's URL plus the document's server path); a generated request aimed anywhere else is
    never sent. ``seconds`` (None: no limit) bounds generating and sending. ``worker`` is the run's
    worker process; without one, a worker is started for this call and stopped after it.

    Raises :class:`~.worker.LibraryMissing` without schemathesis, :class:`~.worker.WorkerFailed`
    when the worker fails.
    """
    answers: list[Answer] = []

    def send(request: Request, carried: str | None) -> Reply | None:
        if carried is not None:
            try:
                budget.spend(carried)
            except BudgetExhausted:
                return None
        answer = client.request(request.method, request.url, headers=dict(request.headers), content=request.content,
                                data=dict(request.form) if request.form is not None else None,
                                params=list(request.params) or None,  # type: ignore[arg-type]
                                purpose=purpose)
        answers.append(answer)
        return _reply(len(answers) - 1, answer)

    own = worker is None
    worker = worker or Worker(client.redactor.text)
    try:
        explored = worker.fuzz(send, document=document, method=method, path=path, examples=examples,
                               identities=identities, base_url=base_url or client.base_url,
                               headers=dict(headers or {}), seconds=seconds)
    finally:
        if own:
            worker.close()
    report = FuzzReport(f"{method.upper()} {path}", sent=explored.sent, failing=explored.failing,
                        not_sent_for_budget=explored.not_sent_for_budget, out_of_time=explored.out_of_time,
                        by_check=explored.by_check)
    if explored.failure is not None:
        index, problems = explored.failure
        report.failure = _describe(answers[index], problems, client.redactor)
    return report


def _reply(index: int, answer: Answer) -> Reply:
    """The answer as the worker judges it: what was sent and what came back, unredacted (it never leaves the run)."""
    exchange = answer.exchange
    return Reply(index=index, error=answer.error, status=answer.status, reason=exchange.reason,
                 headers=tuple(exchange.response_headers), body=answer.body, elapsed=exchange.elapsed,
                 sent_method=exchange.method, sent_url=exchange.url, sent_headers=tuple(exchange.request_headers),
                 sent_body=exchange.request_body)


def _describe(answer: Answer, problems: list[str], redactor: Redactor) -> Failure:
    shown = answer.exchange.to_dict(redactor)
    request = shown["request"]
    headers = [(n, v) for n, v in request["headers"] if n.lower() not in TRANSPORT_HEADERS]
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
        problems=[redactor.text(p) or "" for p in problems],
        request="\n".join(lines),
        curl=shlex.join(curl),
        answer=answer.describe(),
    )
