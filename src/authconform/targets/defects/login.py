"""Defects of the login endpoint: each one proves one or more LOGIN-* checks.

``breaks`` lists the LOGIN-* checks a defect must fail. A defect that damages the success
answer (status, token) also starves checks of other suites that need a working login; those
skip and are not listed here. Listed are the login checks this module was written to prove, and
the checks that see the same fault from another side: SEC-*, OPENAPI-* where the target's OpenAPI
document says otherwise, and on invoiceninja the SECRET-* and HEADERS-* checks, which send logins of
their own and judge those answers.
"""

from __future__ import annotations

from authconform.targets.defects import LEXIK, plus, register, same
from authconform.targets.settings import FLAVOURS as ALL

# invoiceninja checks that log in themselves (with the right secret, the header name in lower case, without
# X-Requested-With) and expect the success answer: a damaged success answer fails them too
NINJA_OWN_LOGINS = {"SECRET-RIGHT-ACCEPTED", "SECRET-NAME-CASE-INSENSITIVE", "HEADERS-REQUIRED-LOGIN"}




LOGIN_CREATED = register(
    "201-on-login",
    description="""A successful login answers 201 Created instead of 200; body and headers are
    unchanged. On invoiceninja the locked account's login (which must succeed with 200 before its
    token is refused) is a 201 too, so LOGIN-DISABLED-REFUSED fails as well.""",
    breaks={
        "pch-sig": {"LOGIN-OK-STATUS", "OPENAPI-LOGIN-DOCUMENTED"},
        "chamilo": {"LOGIN-OK-STATUS", "OPENAPI-LOGIN-DOCUMENTED"},
        # the document's `default` response covers a 201, but its Error body has no "message"
        "invoiceninja": {"LOGIN-OK-STATUS", "LOGIN-DISABLED-REFUSED", "OPENAPI-EXCHANGES-CONFORM",
                         *NINJA_OWN_LOGINS},
    },
)

LOGIN_CONTENT_TYPE_HTML = register(
    "login-content-type-html",
    description="""A successful login's body is still the JSON document but is labelled
    Content-Type: text/html; charset=UTF-8.""",
    breaks=same(ALL, "LOGIN-OK-CONTENT-TYPE", "OPENAPI-EXCHANGES-CONFORM"),
)

LOGIN_BODY_MISSING_FIELD = register(
    "login-body-missing-field",
    description="""The success body lacks a field its schema requires: pch-sig leaves out
    "user"; invoiceninja leaves out "meta"; chamilo (whose only field is the token) sends the JWT
    as {"jwt": ...} with no "token" key, so on chamilo LOGIN-OK-TOKEN fails as well.""",
    breaks={
        "pch-sig": {"LOGIN-OK-SCHEMA", "OPENAPI-EXCHANGES-CONFORM"},
        "invoiceninja": {"LOGIN-OK-SCHEMA", "OPENAPI-EXCHANGES-CONFORM"},
        "chamilo": {"LOGIN-OK-SCHEMA", "LOGIN-OK-TOKEN", "OPENAPI-EXCHANGES-CONFORM"},
    },
)

EMPTY_TOKEN = register(
    "empty-token",
    description="""A successful login returns the token as an empty string ("" at /token, or at
    /data/0/token/token on invoiceninja); every success schema demands a JWT (or 64 characters),
    so LOGIN-OK-SCHEMA fails with LOGIN-OK-TOKEN.""",
    breaks=plus(same(ALL, "LOGIN-OK-TOKEN", "LOGIN-OK-SCHEMA"), {"invoiceninja": NINJA_OWN_LOGINS}),
)

PASSWORD_ECHO = register(
    "password-echo",
    description="""The success body echoes the submitted password: user.password on pch-sig,
    a top-level "password" on chamilo, data[0].user.password on invoiceninja.""",
    breaks=same(ALL, "LOGIN-OK-NO-PASSWORD-ECHO"),
)

MISSING_FIELD_500 = register(
    "500-on-missing-field",
    description="""A JSON object (or form body) without the identity or password key crashes
    with 500 and a stack-trace page instead of the 400/422 validation answer; an empty or
    unparseable body is not affected.""",
    # the fuzzer's seeded requests drop a required key on the Lexik documents (not within invoiceninja's
    # budget); invoiceninja documents 5XX as JSON, and the crash page a non-JSON client gets is HTML
    breaks=plus(same(ALL, "LOGIN-MISSING-FIELD", "SEC-ERROR-LEAK"),
                 {**{f: {"OPENAPI-FUZZ"} for f in LEXIK},
                  "invoiceninja": {"OPENAPI-EXCHANGES-CONFORM", "HEADERS-REQUIRED-LOGIN"}}),
)

EMPTY_BODY_500 = register(
    "500-on-empty-body",
    description="""A login request with a zero-length body crashes with 500 and a stack-trace
    page instead of the 400 "Invalid JSON." (422 missing fields on invoiceninja).""",
    breaks=same(ALL, "LOGIN-EMPTY-BODY", "SEC-ERROR-LEAK"),
)

MALFORMED_JSON_500 = register(
    "500-on-malformed-json",
    description="""A non-empty, valid UTF-8 login body that is not syntactically valid JSON crashes
    with 500 and a stack-trace page instead of the 400 "Invalid JSON." (422 missing fields on
    invoiceninja); invalid UTF-8 and valid JSON that is not an object are not affected.""",
    breaks=same(ALL, "LOGIN-MALFORMED-JSON", "SEC-ERROR-LEAK", "OPENAPI-FUZZ"),
)

WRONG_TYPE_AS_401 = register(
    "wrong-type-as-401",
    description="""A non-string identity or password (number, boolean, null, array, object) is
    not rejected as a bad request but falls through to the credential check and gets the 401
    bad-credentials answer (invoiceninja does not count these attempts towards its lockout).""",
    breaks=same(ALL, "LOGIN-WRONG-TYPE"),
)

NULL_FIELD_500 = register(
    "500-on-null-field",
    description="""A JSON null as identity or password crashes with 500 and a stack-trace page;
    every other wrong type still gets the right 400/422 answer.""",
    # within its seeded budget the fuzzer sends a null only to pch-sig's document
    breaks=plus(same(ALL, "LOGIN-NO-5XX", "SEC-ERROR-LEAK"), {"pch-sig": {"OPENAPI-FUZZ"}}),
)

HTML_ERROR_PAGE = register(
    "html-error-page",
    description="""Every validation error of the login (missing key, wrong type, empty or
    malformed body: 400 on Lexik flavours, 422 on invoiceninja) is the framework's HTML error
    page (text/html) with the same status, instead of the JSON error body.""",
    # on invoiceninja the validation error a client without X-Requested-With gets is a 302 redirect, not a page
    breaks=plus(same(ALL, "LOGIN-MISSING-FIELD", "LOGIN-EMPTY-BODY", "LOGIN-MALFORMED-JSON", "LOGIN-WRONG-TYPE",
                       "OPENAPI-EXCHANGES-CONFORM", "OPENAPI-FUZZ"), {"invoiceninja": {"HEADERS-REQUIRED-LOGIN"}}),
)

WRONG_PASSWORD_LOGS_IN = register(
    "200-on-wrong-password",
    description="""The password is never checked for an existing account: a wrong password
    logs in with 200 and a working token (account status checks still apply).""",
    breaks=same(ALL, "LOGIN-401-BAD-PASSWORD", "LOGIN-401-SAME-MESSAGE", "SEC-ENUM-RESPONSE"),
)

TOKEN_IN_401_BODY = register(
    "token-in-401-body",
    description="""The 401 for a wrong password also carries a valid token for that account,
    at the same JSON pointer as a successful login's token (/token, or /data/0/token/token on
    invoiceninja); status and message are unchanged.""",
    breaks=same(ALL, "LOGIN-401-BAD-PASSWORD", "SEC-ENUM-RESPONSE"),
)

UNKNOWN_USER_MESSAGE = register(
    "different-message-for-unknown-user",
    description="""An unknown identity gets a 401 with a message of its own ("Username could
    not be found." on Lexik flavours, "No user with that email" on invoiceninja), which tells
    an attacker which accounts exist.""",
    breaks=same(ALL, "LOGIN-401-UNKNOWN-USER", "LOGIN-401-SAME-MESSAGE", "SEC-ENUM-RESPONSE"),
)

UNKNOWN_USER_404 = register(
    "unknown-user-404",
    description="""An unknown identity gets 404 {"message":"User not found"} instead of the 401
    bad-credentials answer.""",
    # the Lexik documents give 404 to the router's HTML page only; invoiceninja's `default` covers it
    breaks=plus(same(ALL, "LOGIN-401-UNKNOWN-USER", "LOGIN-401-SAME-MESSAGE", "SEC-ENUM-RESPONSE"),
                 {f: {"OPENAPI-EXCHANGES-CONFORM", "OPENAPI-FUZZ"} for f in LEXIK}),
)

DISABLED_LOGS_IN = register(
    "disabled-account-logs-in",
    description="""The account-status check is skipped: a disabled account logs in with its
    password and its token works on the protected endpoint (invoiceninja: the locked user's
    token is accepted instead of 403 "User access locked"). On pch-sig the same user checker
    guards the refresh firewall, so the disabled account's refresh token refreshes too.""",
    breaks={**same(ALL, "LOGIN-DISABLED-REFUSED"),
            "pch-sig": {"LOGIN-DISABLED-REFUSED", "REFRESH-DISABLED-ACCOUNT"}},
)
