"""Defects of Invoice Ninja's X-API-SECRET check and of its login headers: they prove SECRET-* and HEADERS-*.

Only invoiceninja has a secret header among the reference targets. The checks send refused
logins with made-up identities, so none of these defects costs an account its lockout budget.
"""

from __future__ import annotations

from authconform.targets.defects import register

NOT_ENFORCED = register(
    "secret-not-enforced",
    description="""API_SECRET is set but the middleware is not on the login route: a missing or
    wrong X-API-SECRET gets the login's normal answers.""",
    breaks={"invoiceninja": {"SECRET-MISSING-REFUSED", "SECRET-WRONG-REFUSED"}},
)

OPTIONAL_WHEN_ABSENT = register(
    "secret-optional-when-absent",
    description="""The secret is compared only when the header is present: a login without
    X-API-SECRET passes the check; a wrong value is still refused.""",
    breaks={"invoiceninja": {"SECRET-MISSING-REFUSED"}},
)

PREFIX_ACCEPTED = register(
    "secret-prefix-accepted",
    description="""The secret is compared over the length of the value sent (strncmp): any
    non-empty prefix of the secret is accepted; a missing header is still refused.""",
    breaks={"invoiceninja": {"SECRET-WRONG-REFUSED"}},
)

RIGHT_VALUE_REFUSED = register(
    "secret-right-value-refused",
    description="""API_SECRET is read from .env with a trailing newline, so the header (whose
    surrounding whitespace HTTP strips) never equals it: every login is refused with 403 "Invalid
    secret", the right secret included. The login checks that expect another answer fail with it.""",
    breaks={
        "invoiceninja": {
            "SECRET-RIGHT-ACCEPTED", "SECRET-NAME-CASE-INSENSITIVE", "HEADERS-REQUIRED-LOGIN",
            "LOGIN-OK-STATUS", "LOGIN-MISSING-FIELD", "LOGIN-EMPTY-BODY", "LOGIN-MALFORMED-JSON",
            "LOGIN-WRONG-TYPE", "LOGIN-401-BAD-PASSWORD", "LOGIN-401-UNKNOWN-USER", "LOGIN-DISABLED-REFUSED",
        }
    },
)

ECHOED_IN_RESPONSE = register(
    "secret-echoed-in-response",
    description="""A debugging middleware reflects the request's X-API-SECRET header into every
    answer (X-Api-Secret response header), so the secret reaches logs and caches downstream.""",
    breaks={"invoiceninja": {"SECRET-NOT-ECHOED"}},
)

NAME_CASE_SENSITIVE = register(
    "secret-compared-case-sensitively-on-name",
    description="""The middleware reads the header from getallheaders() by its exact spelling
    X-API-SECRET, so the same header written in another case (x-api-secret) counts as missing.""",
    breaks={"invoiceninja": {"SECRET-NAME-CASE-INSENSITIVE"}},
)

REDIRECTS_OFFSITE = register(
    "secret-redirects-offsite",
    description="""APP_URL names another origin (http://127.0.0.2:<port>): the redirect back that
    answers a refused login sent without X-Requested-With points there, so a client that follows
    redirects carries X-API-SECRET to another host.""",
    breaks={"invoiceninja": {"SECRET-SAME-ORIGIN"}},
)

REQUIRES_X_REQUESTED_WITH = register(
    "login-requires-x-requested-with",
    description="""A middleware refuses every login without X-Requested-With: XMLHttpRequest with
    400 {"message":"X-Requested-With header required"}, valid credentials included, where Invoice
    Ninja only uses the header to choose JSON error answers over a redirect.""",
    breaks={"invoiceninja": {"HEADERS-REQUIRED-LOGIN"}},
)
