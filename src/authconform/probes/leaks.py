"""What an error answer must never carry: stack traces, SQL errors, framework debug pages, server paths.

The maintained pattern list behind SEC-ERROR-LEAK (OWASP ASVS 4.0.3 V7.4.1, V14.3.2). Each pattern
names what it found, so a finding reads "a PHP stack frame" rather than "regex 7 matched". Bodies are
scanned after undoing the two escapes that hide paths from a naive search: JSON's ``\\/`` and
``\\\\`` (PHP's json_encode writes ``"\\/var\\/www\\/app.php"``) and HTML entities.

Patterns aim at what only a crash or a debug mode produces: a frame with a file and a line, an SQL
driver's own error text, a debug renderer's markers, a path under a server's code roots. An
ordinary error message ("Invalid credentials.", a 404 page) matches none. To add one, append a
:class:`LeakPattern` to :data:`BODY_PATTERNS` (or a header name to :data:`DEBUG_HEADERS`) and a
sample of the real thing to tests/test_security_probes.py.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

STACK_TRACE, SQL_ERROR, DEBUG_PAGE, FILE_PATH = "stack trace", "SQL error", "debug page", "server file path"

_CODE = r"(?:php|py|rb|java|kt|scala|cs|vb|js|mjs|cjs|ts|go|pl|pm|phtml|twig|erb|jsp|aspx?)"


@dataclass(frozen=True)
class LeakPattern:
    name: str  # what a reviewer is told was found: "a Python traceback"
    kind: str  # STACK_TRACE | SQL_ERROR | DEBUG_PAGE | FILE_PATH
    regex: re.Pattern[str]


def _p(name: str, kind: str, pattern: str, flags: int = 0) -> LeakPattern:
    return LeakPattern(name, kind, re.compile(pattern, flags))


BODY_PATTERNS: tuple[LeakPattern, ...] = (
    # --- stack traces -------------------------------------------------------------------------
    _p("a Python traceback", STACK_TRACE, r"Traceback \(most recent call last\)|File \"[^\"\n]+\.py\", line \d+"),
    _p("a PHP stack frame", STACK_TRACE, r"#\d+ (?:/|[A-Za-z]:\\)[^\s()]+\.php\(\d+\)"),
    _p("a PHP fatal error", STACK_TRACE,
       r"PHP (?:Fatal error|Parse error|Warning|Notice):|Uncaught [\w\\]+ in \S+\.php|\.php on line \d+"),
    _p("a PHP exception trace (Laravel debug JSON)", STACK_TRACE,
       r"\"trace\"\s*:\s*\[\s*\{\s*\"(?:file|line|function|class)\"\s*:"),
    _p("a Java stack frame", STACK_TRACE,
       r"\bat (?:[\w$]+\.)+[\w$<>]+\((?:[\w$]+\.(?:java|kt|scala):\d+|Native Method|Unknown Source)\)"
       r"|Exception in thread \""),
    _p("a Node.js stack frame", STACK_TRACE,
       r"\bat (?:async )?(?:[\w$.<>\[\]]+ )?\(?(?:/|[A-Za-z]:\\|node:|file://)[^\s()]+:\d+:\d+\)?"),
    _p("a .NET stack frame", STACK_TRACE,
       r"\bat [\w.`<>]+\([^)\n]*\) in [^\n]+:line \d+|--- End of (?:inner exception )?stack trace"),
    _p("a Ruby stack frame", STACK_TRACE, r"[\w./-]+\.rb:\d+:in [`'][^`'\n]+'"),
    _p("a Go panic", STACK_TRACE, r"goroutine \d+ \[running\]:"),
    # --- SQL errors ---------------------------------------------------------------------------
    _p("an SQL error (SQLSTATE)", SQL_ERROR, r"SQLSTATE\[\w+\]"),
    _p("a MySQL error", SQL_ERROR, r"You have an error in your SQL syntax|\bER_PARSE_ERROR\b|\bmysqli?_\w+\(\)"),
    _p("a PostgreSQL error", SQL_ERROR,
       r"\bPG::\w+Error\b|\bpsycopg2?\.[\w.]*(?:Error|Exception)\b|syntax error at or near \"|\bpg_query\(\)"),
    _p("an Oracle error", SQL_ERROR, r"\bORA-\d{5}\b"),
    _p("a SQL Server error", SQL_ERROR,
       r"Unclosed quotation mark after the character string|Incorrect syntax near '|OLE DB Provider for SQL Server"),
    _p("an SQLite error", SQL_ERROR, r"\bsqlite3\.\w*Error\b|\bSQLite3::\w+Exception\b|SQLITE_ERROR"),
    _p("an ORM database exception", SQL_ERROR,
       r"Doctrine\\+DBAL\\+Exception|Illuminate\\+Database\\+QueryException|\bjava\.sql\.SQL\w*Exception"
       r"|org\.hibernate\.exception|SequelizeDatabaseError|ActiveRecord::StatementInvalid"
       r"|django\.db\.utils\.\w+Error|sqlalchemy\.exc\.\w+"),
    # --- framework debug pages ----------------------------------------------------------------
    _p("Symfony's debug exception page", DEBUG_PAGE,
       r"Symfony\\+Component\\+ErrorHandler\\+|class=\"[^\"]*\bexception-message\b|sf-toolbar|/_profiler/"),
    _p("Laravel Ignition", DEBUG_PAGE, r"(?:Spatie|Facade)\\+(?:Laravel)?Ignition|window\.ignite\b|__ignition"),
    _p("the Whoops error page", DEBUG_PAGE, r"Whoops! There was an error|class=\"Whoops|Whoops\\+(?:Run|Handler)"),
    _p("Django's technical 500 page", DEBUG_PAGE,
       r"you have <code>DEBUG = True</code>|<th>Django Version:</th>|Django Version:\s*\d"),
    _p("the Werkzeug debugger", DEBUG_PAGE,
       r"Werkzeug Debugger|The debugger caught an exception in your WSGI application|__debugger__"),
    _p("Rails' exception page", DEBUG_PAGE, r"Action Controller: Exception caught"),
    _p("the ASP.NET error page", DEBUG_PAGE, r"Server Error in '[^'\n]*' Application|\[\w+Exception: "),
    # --- server file paths --------------------------------------------------------------------
    _p("a server file path", FILE_PATH,
       r"(?<![\w.:/-])(?:/var/www|/srv|/home/[\w.-]+|/usr/(?:local/)?lib/python[\d.]*|/usr/share/nginx|/var/task"
       r"|/opt/[\w.-]+|/app/(?:src|vendor|app|lib|node_modules))/[\w@.+/-]*\w"),
    _p("a Windows file path", FILE_PATH, r"\b[A-Za-z]:\\(?:[\w .-]+\\)+[\w .-]+\." + _CODE + r"\b"),
    _p("a source file with a line number", FILE_PATH,
       r"[\w/\\-]+\." + _CODE + r"(?::\d+\b|\(\d+\)|\", line \d+| on line \d+| \(line \d+\))"),
)

# Headers only a framework in debug mode sends (Symfony's ErrorListener and profiler).
DEBUG_HEADERS: tuple[str, ...] = ("x-debug-exception", "x-debug-exception-file", "x-debug-token-link",
                                  "x-debug-token")


@dataclass(frozen=True)
class Leak:
    """One thing an answer gave away: what, where, and a short excerpt of it."""

    name: str
    kind: str
    where: str  # "body" or "header X-Debug-Exception"
    excerpt: str

    def describe(self) -> str:
        return f"{self.name} in the {self.where}: {self.excerpt!r}"


def normalised(text: str) -> str:
    """The body with JSON's escaped slashes and backslashes and HTML's entities undone."""
    return html.unescape(text.replace("\\/", "/").replace("\\\\", "\\"))


def _excerpt(text: str, match: re.Match[str], width: int = 60) -> str:
    start = max(0, match.start() - 10)
    snippet = " ".join(text[start:match.end() + 10].split())
    return snippet if len(snippet) <= width * 2 else snippet[: width * 2] + "…"


# A body is scanned whole up to SCAN_WINDOW characters, past that its first and last halves of it
# (a debug page puts the exception near the top and its data near the bottom). Each distinct body is
# scanned once. A hostile target's 2 MB error answers would otherwise cost about a second each, for
# every error answer of a run.
SCAN_WINDOW = 256 * 1024


def scan_body(text: str) -> list[Leak]:
    """Every pattern the body matches (the first match of each), in list order."""
    return list(_scan_body(text or ""))


@functools.lru_cache(maxsize=64)
def _scan_body(text: str) -> tuple[Leak, ...]:
    plain = normalised(text)
    if len(plain) > SCAN_WINDOW:
        plain = plain[: SCAN_WINDOW // 2] + "\n" + plain[-SCAN_WINDOW // 2:]
    found = []
    for pattern in BODY_PATTERNS:
        match = pattern.regex.search(plain)
        if match:
            found.append(Leak(pattern.name, pattern.kind, "body", _excerpt(plain, match)))
    return tuple(found)


def scan_headers(headers: Iterable[tuple[str, str]]) -> list[Leak]:
    return [Leak(f"a debug header ({name})", DEBUG_PAGE, f"header {name}", value[:120])
            for name, value in headers if name.lower() in DEBUG_HEADERS]


def scan(text: str, headers: Iterable[tuple[str, str]] = ()) -> list[Leak]:
    """What one answer leaks: its debug headers, then its body."""
    return scan_headers(headers) + scan_body(text)
