"""Defects a security review looks for: each one proves one SEC-* check.

The header defects (``token-response-cacheable``, ``no-nosniff``, ``no-hsts``) take away what only
the hardened target sends (``--target-option hardened=true``): the stock targets, like the real
systems, send none of those headers, so tests/test_conformance.py runs every defect on the hardened
target. Three need more than that to show (tests/test_conformance.py gives them
what they need): ``no-hsts`` is seen only over https, so it runs with ``--target-option tls=true``;
``skip-hash-for-unknown-user`` is a timing gap of one password hash, so it runs at
the real cost (20 000 PBKDF2 rounds, about 4 ms) rather than the 1 000 rounds that keep the other
runs fast; ``no-lockout`` is seen only by the opt-in lockout probe, so it runs with a profile that
opts in (tests/lockout_profile.py). PCH-SIG has no lockout to take away: neither the seed nor
Symfony's defaults throttle logins, which the opt-in probe reports on the clean target.
"""

from __future__ import annotations

from authconform.targets.defects import LEXIK, register, same
from authconform.targets.settings import FLAVOURS as ALL

SET_COOKIE_ON_UNKNOWN_USER = register(
    "set-cookie-on-unknown-user",
    description="""The 401 for an unknown identity also starts a session (Set-Cookie: PHPSESSID on
    the Lexik flavours, laravel_session on invoiceninja) that the 401 for a wrong password does not:
    status, body and message are identical, the headers tell the two apart.""",
    breaks=same(ALL, "SEC-ENUM-RESPONSE"),
)

SKIP_HASH_FOR_UNKNOWN_USER = register(
    "skip-hash-for-unknown-user",
    description="""An unknown identity is refused without hashing the password (no dummy hash), so
    it answers a whole password hash faster than a wrong password does: the quick exit real
    Symfony 5.4 takes (research/lexik-real.md: 3 ms against 450 ms).""",
    breaks=same(ALL, "SEC-ENUM-TIMING"),
)

NO_LOCKOUT = register(
    "no-lockout",
    description="""Failed logins are never throttled: Chamilo's login_throttling (10 a minute per
    username and IP) and Invoice Ninja's ThrottlesLogins (5 a minute per email and IP) are off, so
    the right password still logs in after any number of failures.""",
    breaks={"chamilo": {"SEC-LOCKOUT"}, "invoiceninja": {"SEC-LOCKOUT"}},
)

TOKEN_RESPONSE_CACHEABLE = register(
    "token-response-cacheable",
    description="""On a hardened target, a successful login keeps the framework's default
    Cache-Control: no-cache, private and no Pragma, instead of Cache-Control: no-store and
    Pragma: no-cache (what the stock target, like the real systems, sends anyway).""",
    breaks=same(ALL, "SEC-NO-STORE"),
)

NO_NOSNIFF = register(
    "no-nosniff",
    description="""On a hardened target, no answer carries X-Content-Type-Options: nosniff, JSON
    ones included (as on the stock target and the real systems).""",
    breaks=same(ALL, "SEC-NOSNIFF"),
)

CORS_REFLECTS_ORIGIN = register(
    "cors-reflects-origin-with-credentials",
    description="""Every answer echoes the request's Origin in Access-Control-Allow-Origin with
    Access-Control-Allow-Credentials: true, and a CORS preflight from any origin is granted: any web
    site can make a visitor's browser call the API with its cookies and read the answers.""",
    breaks=same(ALL, "SEC-CORS"),
)

CREDENTIALS_IN_QUERY = register(
    "credentials-in-query-accepted",
    description="""The login reads the identity and password from the query string when the JSON
    body lacks them, as Laravel's merged input does (so real Invoice Ninja already behaves this
    way, and its reference target with it: there this is no defect but the real system).""",
    breaks=same(LEXIK, "SEC-CREDENTIALS-IN-QUERY"),
)

NO_HSTS = register(
    "no-hsts",
    description="""A hardened target served over https (--target-option tls=true, as
    tests/test_conformance.py runs it) sends no Strict-Transport-Security: the web server in front
    never set it.""",
    breaks=same(ALL, "SEC-TRANSPORT-HSTS"),
)

STACK_TRACE_IN_ERRORS = register(
    "stack-trace-in-errors",
    description="""Debug mode left on in production (APP_ENV=dev, APP_DEBUG=true): every 404 is
    the framework's debug answer, with the exception, its stack trace and the server's file paths
    (Symfony's exception page with X-Debug-Exception headers; Laravel's JSON trace or Ignition).""",
    breaks=same(ALL, "SEC-ERROR-LEAK"),
)
