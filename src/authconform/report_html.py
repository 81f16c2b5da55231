"""What a check's row in report.html shows: its exchanges, redacted, and decoded tokens."""

from __future__ import annotations

import html
import json

from .exchanges import Exchange
from .redaction import Redactor


def _pre(text: str | None) -> str:
    return f"<pre class='ac-body'>{html.escape(text or '')}</pre>"


def exchange_html(exchange: Exchange, redactor: Redactor) -> str:
    shown = exchange.to_dict(redactor)
    request = shown["request"]
    lines = [f"{request['method']} {request['url']}"] + [f"{k}: {v}" for k, v in request["headers"]]
    parts = [f"<div class='ac-exchange'><div class='ac-purpose'>{html.escape(shown['purpose'] or '')}"
             f" <span class='ac-time'>{shown['elapsed_ms']} ms</span></div>",
             "<div class='ac-request'>" + _pre("\n".join(lines) + ("\n\n" + request["body"]
                                                                  if request["body"] else "")) + "</div>"]
    response = shown["response"]
    if response is not None:
        head = [f"HTTP {response['status']} {response['reason']}"] + [f"{k}: {v}" for k, v in response["headers"]]
        parts.append("<div class='ac-response'>" + _pre("\n".join(head) + ("\n\n" + response["body"]
                                                                         if response["body"] else "")) + "</div>")
    if shown["error"]:
        parts.append(f"<div class='ac-error'>{html.escape(shown['error'])}</div>")
    parts.append("</div>")
    return "".join(parts)


def exchanges_html(exchanges: list[Exchange], redactor: Redactor) -> str:
    if not exchanges:
        return ("<div class='ac-exchanges'><em>No HTTP exchange (the check reused the run's shared login "
                "or needed none).</em></div>")
    return "<div class='ac-exchanges'>" + "".join(exchange_html(e, redactor) for e in exchanges) + "</div>"


def exchanges_json(exchanges: list[Exchange], redactor: Redactor) -> str:
    return json.dumps([e.to_dict(redactor) for e in exchanges], indent=2, ensure_ascii=False)
