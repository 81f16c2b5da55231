"""Finding secrets in what a run wrote: every encoding a secret could hide in, every file, every view.

Independent of :mod:`authconform.http.redaction` on purpose: a proof that reuses the code it checks
proves little. A secret is looked for raw, URL-encoded (both flavours), JSON- and HTML-escaped,
PHP-hex-escaped, and base64 / base64url at every byte alignment (so it is found inside a longer
base64 blob, e.g. ``Basic base64(user:password)``). Each file is searched as written and again
HTML-unescaped and JSON-unescaped, because report.html keeps its data as escaped JSON inside an
HTML attribute.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

# A complete JWT: header, payload and a signature of some length.
FULL_JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{10,}")
MIN_FRAGMENT = 8

# What a Python or pytest traceback leaves in text (a finding never looks like this).
TRACEBACK_MARKS = (
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"\.py:\d+: in \w"),
    re.compile(r"\.py:\d+: [\w.]*(Error|Exception)\b"),
    re.compile(r"^E {3}[\w.]*(Error|Exception)\b", re.M),
    re.compile(r"^[\w.]*(Error|Exception): ", re.M),  # a reason that is a bare exception line
    re.compile(r"INTERNALERROR"),
)


def traceback_in(text: str) -> str | None:
    """The first traceback mark found in ``text``, or None."""
    for mark in TRACEBACK_MARKS:
        found = mark.search(text)
        if found:
            start = max(found.start() - 200, 0)
            return text[start: found.end() + 200]
    return None


def _base64_fragments(raw: bytes) -> set[str]:
    """The base64 characters fixed by ``raw`` alone, at each of the three byte alignments."""
    fragments = set()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * offset + raw + b"\0\0\0").decode()
            first = -(-8 * offset // 6)  # ceil: first character made only of the secret's bits
            last = (8 * (offset + len(raw)) - 6) // 6
            fragment = encoded[first: last + 1]
            if len(fragment) >= MIN_FRAGMENT:
                fragments.add(fragment)
    return fragments


def forms(secret: str) -> set[str]:
    """Every text form of ``secret`` that would give it away."""
    dumped = json.dumps(secret)[1:-1]
    found = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        dumped,
        dumped.replace("/", "\\/"),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
        re.sub(r"[<>'&\"]", lambda m: f"\\u{ord(m.group(0)):04X}", secret),
    }
    found |= _base64_fragments(secret.encode())
    return {f for f in found if len(f) >= 4}


_ESCAPE = re.compile(r'\\(u[0-9a-fA-F]{4}|["\\/bfnrt])')
_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_unescape(text: str) -> str:
    """Undo JSON string escapes wherever they are in ``text``."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "u" else _SIMPLE[m.group(1)],
                       text)


def views(text: str) -> Iterator[str]:
    """``text`` as written, then HTML-unescaped and JSON-unescaped in turn (nested twice)."""
    yield text
    for _ in range(2):
        unescaped = html.unescape(text)
        if unescaped != text:
            yield unescaped
        text = _json_unescape(unescaped)
        if text == unescaped:
            break
        yield text


@dataclass(frozen=True)
class Leak:
    where: str
    label: str
    form: str
    context: str

    def __str__(self) -> str:
        return f"{self.label} in {self.where} (as {self.form!r}): …{self.context}…"


def search(text: str, where: str, secrets: dict[str, str], *, jwt_shape: bool = True) -> list[Leak]:
    """Leaks of ``secrets`` (label → value) in ``text``; with ``jwt_shape`` any full JWT counts too."""
    leaks: list[Leak] = []
    patterns = {form: label for label, value in secrets.items() if value for form in forms(value)}
    for view in views(text):
        for form, label in patterns.items():
            at = view.find(form)
            if at >= 0:
                leaks.append(Leak(where, label, form, view[max(at - 60, 0): at + len(form) + 60]))
        if jwt_shape:
            for match in dict.fromkeys(m.group(0) for m in FULL_JWT.finditer(view)):
                at = view.find(match)
                leaks.append(Leak(where, "a complete JWT", match[-12:], view[max(at - 40, 0): at + len(match) + 10]))
        if leaks:
            break
    return leaks


def artifacts(folder: Path) -> Iterable[tuple[str, str]]:
    """Every file under ``folder`` as (name, text); binary files decoded leniently."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield str(path.relative_to(folder)), path.read_bytes().decode("utf-8", errors="replace")


def leaks_in_run(output: str, folder: Path, secrets: dict[str, str], *, jwt_shape: bool = True) -> list[Leak]:
    """Leaks in a run's terminal output and in every file of its report folder."""
    found = search(output, "terminal output", secrets, jwt_shape=jwt_shape)
    for name, text in artifacts(folder):
        found += search(text, name, secrets, jwt_shape=jwt_shape)
    return list(dict.fromkeys(found))
