"""What a check's row in report.html shows: its exchanges, redacted, and the tokens in them, decoded.

Each exchange is a ``<details>`` block whose one-line summary (method, path, status, time, purpose)
is enough to scan; opening it shows the request line, headers and body, the response status line,
headers and body, and every JWT seen in either, decoded. Everything shown passes through the run's
redactor first: JWTs keep their header and payload (any holder can read those) and lose their
signature; a token whose decoded header or payload holds a secret loses that part too.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from ..http.exchanges import Exchange
from ..http.redaction import SIGNATURE_MARK, Redactor
from .markup import esc as _esc

# A JWT as the redactor leaves it: header.payload.[REDACTED signature], or an unsigned one.
SHOWN_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.(?:" + re.escape(SIGNATURE_MARK) + r"|[A-Za-z0-9_-]*)")
TIME_CLAIMS = ("iat", "nbf", "exp")
HIDDEN_PART = "[REDACTED {part}: it holds a secret]"


def _pre(text: str | None, css: str = "ac-body") -> str:
    return f"<pre class='{css}'>{_esc(text)}</pre>"


def _b64json(segment: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError):
        return None


class DecodedToken:
    """A JWT found in an exchange: where it was seen, its decoded header and payload (redacted)."""

    def __init__(self, shown: str, where: str, redactor: Redactor):
        self.where = where
        header_part, payload_part, signature = (shown.split(".", 2) + ["", ""])[:3]
        header, payload = _b64json(header_part), _b64json(payload_part)
        self.header = redactor.data(header) if header is not None else None
        self.payload = redactor.data(payload) if payload is not None else None
        self.header_hidden = header is not None and self.header != header
        self.payload_hidden = payload is not None and self.payload != payload
        self.signed = bool(signature)
        parts = [
            HIDDEN_PART.format(part="header") if self.header_hidden else header_part,
            HIDDEN_PART.format(part="payload") if self.payload_hidden else payload_part,
            signature,
        ]
        self.display = ".".join(parts)
        self.original = shown

    def times(self) -> list[str]:
        if not isinstance(self.payload, dict):
            return []
        notes = []
        for claim in TIME_CLAIMS:
            value = self.payload.get(claim)
            if isinstance(value, int | float) and not isinstance(value, bool):
                notes.append(f"{claim} = {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(value))}")
        exp, iat = self.payload.get("exp"), self.payload.get("iat")
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (exp, iat)):
            notes.append(f"lifetime (exp - iat) = {int(exp - iat)} s")
        return notes

    def to_html(self) -> str:
        def block(title: str, value: Any, hidden: bool) -> str:
            body = "(not base64url JSON)" if value is None else json.dumps(value, indent=2, ensure_ascii=False)
            note = " <span class='ac-note'>(holds a secret: redacted)</span>" if hidden else ""
            return f"<div class='ac-jwt-part'><div class='ac-label'>{title}{note}</div>{_pre(body)}</div>"

        signature = ("signature: " + SIGNATURE_MARK) if self.signed else "no signature (unsigned token)"
        times = "".join(f"<li>{_esc(t)}</li>" for t in self.times())
        return (
            "<div class='ac-jwt'>"
            f"<div class='ac-jwt-title'>JWT in {_esc(self.where)} <span class='ac-note'>{_esc(signature)}</span></div>"
            "<div class='ac-jwt-parts'>"
            + block("header", self.header, self.header_hidden)
            + block("payload", self.payload, self.payload_hidden)
            + "</div>"
            + (f"<ul class='ac-jwt-times'>{times}</ul>" if times else "")
            + "</div>"
        )


def decoded_tokens(shown: dict[str, Any], redactor: Redactor) -> list[DecodedToken]:
    """The JWTs in a redacted exchange (request and response), once each, in order of appearance."""
    places: list[tuple[str, str | None]] = []
    request, response = shown["request"], shown["response"]
    places += [(f"request header {k}", v) for k, v in request["headers"]]
    places.append(("request URL", request["url"]))
    places.append(("request body", request["body"]))
    if response is not None:
        places += [(f"response header {k}", v) for k, v in response["headers"]]
        places.append(("response body", response["body"]))
    found: dict[str, DecodedToken] = {}
    for where, text in places:
        for match in SHOWN_JWT.finditer(text or ""):
            if match.group(0) not in found:
                found[match.group(0)] = DecodedToken(match.group(0), where, redactor)
    return list(found.values())


def _scrub(text: str | None, tokens: list[DecodedToken]) -> str | None:
    """Replace tokens whose decoded parts hold a secret with their display form."""
    if not text:
        return text
    for token in tokens:
        if token.display != token.original:
            text = text.replace(token.original, token.display)
    return text


def _status_class(status: int | None, error: str | None) -> str:
    if error or status is None:
        return "ac-status-error"
    return {2: "ac-status-ok", 3: "ac-status-redirect", 4: "ac-status-client"}.get(status // 100, "ac-status-error")


def exchange_html(exchange: Exchange, redactor: Redactor, *, shared: bool = False, open_: bool = False) -> str:
    """One exchange as a collapsible block: summary line, request, response, decoded tokens."""
    shown = exchange.to_dict(redactor)
    tokens = decoded_tokens(shown, redactor)
    request, response = shown["request"], shown["response"]
    url = _scrub(request["url"], tokens) or ""
    path = urlsplit(url).path or url
    if urlsplit(url).query:
        path += "?" + urlsplit(url).query
    outcome = f"{response['status']} {response['reason']}".strip() if response is not None else "no response"
    status_css = _status_class(response["status"] if response else None, shown["error"])
    purpose = shown["purpose"] or ""
    if shared:
        purpose += " · sent earlier, reused by this check"
    summary = (
        f"<summary><span class='ac-method'>{_esc(request['method'])}</span> <span class='ac-path'>{_esc(path)}</span>"
        f" <span class='ac-arrow'>&rarr;</span> <span class='ac-status {status_css}'>{_esc(outcome)}</span>"
        f" <span class='ac-time'>{shown['elapsed_ms']} ms</span>"
        f" <span class='ac-purpose'>{_esc(purpose)}</span></summary>"
    )
    request_text = f"{request['method']} {url}\n"
    request_text += "".join(f"{k}: {_scrub(v, tokens)}\n" for k, v in request["headers"])
    if request["body"]:
        request_text += "\n" + (_scrub(request["body"], tokens) or "")
    parts = [f"<details class='ac-exchange'{' open' if open_ else ''}>", summary, "<div class='ac-exchange-body'>",
             "<div class='ac-request'><div class='ac-label'>Request</div>" + _pre(request_text) + "</div>"]
    if response is not None:
        response_text = f"HTTP {response['status']} {response['reason']}\n" + "".join(
            f"{k}: {_scrub(v, tokens)}\n" for k, v in response["headers"])
        if response["body"]:
            response_text += "\n" + (_scrub(response["body"], tokens) or "")
        parts.append("<div class='ac-response'><div class='ac-label'>Response</div>" + _pre(response_text) + "</div>")
    if shown["error"]:
        parts.append(f"<div class='ac-error'><div class='ac-label'>Error</div>{_pre(shown['error'])}</div>")
    if tokens:
        parts.append("<div class='ac-tokens'>" + "".join(t.to_html() for t in tokens) + "</div>")
    parts.append("</div></details>")
    return "".join(parts)


def exchanges_html(exchanges: list[Exchange], redactor: Redactor, *, shared: list[Exchange] | None = None,
                   open_first: bool = False) -> str:
    """Every exchange behind a check: those it sent, then shared ones it used (such as the run's login)."""
    shared = [e for e in (shared or []) if e not in exchanges]
    if not exchanges and not shared:
        return ("<div class='ac-exchanges'><div class='ac-label'>HTTP exchanges</div><em class='ac-none'>"
                "No HTTP exchange recorded for this check: it reused an answer the run already had, needed no "
                "request, or stopped before sending one.</em></div>")
    count = len(exchanges) + len(shared)
    blocks = [exchange_html(e, redactor, open_=open_first and i == 0) for i, e in enumerate(exchanges)]
    blocks += [exchange_html(e, redactor, shared=True) for e in shared]
    return (f"<div class='ac-exchanges'><div class='ac-label'>HTTP exchanges ({count}) "
            "<span class='ac-note'>click one to open it</span></div>" + "".join(blocks) + "</div>")
