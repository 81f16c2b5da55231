"""Defects of the reference targets' OpenAPI documents, and of the behaviour those documents describe.

Three change the document the target serves (it leaves out a login status or the protected endpoint's
refusal, it is not valid OpenAPI); two
change what the server does while its document stays the same (a field renamed in a response, a
crash on input only a fuzzer sends). Each breaks the OpenAPI checks listed per flavour and nothing
else: the login, token and access suites never see the difference.
"""

from __future__ import annotations

from authconform.targets.defects import register

UNDOCUMENTED_STATUS = register(
    "undocumented-status",
    description="""The OpenAPI document leaves out a status the login answers: the 400 of a
    missing or malformed field on the Lexik flavours, the 422 validation error on invoiceninja
    (whose `default` response still covers it, so only the profile's expected statuses catch it).
    A documentation gap only: OPENAPI-FUZZ meets the undocumented 400 too but leaves it to
    OPENAPI-LOGIN-DOCUMENTED, so the gap is reported once, as a warning.""",
    breaks={
        "pch-sig": {"OPENAPI-LOGIN-DOCUMENTED"},
        "chamilo": {"OPENAPI-LOGIN-DOCUMENTED"},
        "invoiceninja": {"OPENAPI-LOGIN-DOCUMENTED"},
    },
)

UNDOCUMENTED_REFUSAL = register(
    "undocumented-refusal",
    description="""The OpenAPI document leaves out the status the protected endpoint refuses a
    missing or bad token with: 401 of GET /api/me on pch-sig and of GET /api/users on chamilo;
    403 of GET /api/v1/clients on invoiceninja, whose `default` response goes too (it would cover
    the 403). The server answers as before. A documentation gap only: OPENAPI-EXCHANGES-CONFORM
    judges only answers whose status is documented, so the gap is reported once, as a warning.""",
    breaks={
        "pch-sig": {"OPENAPI-STATUSES-DOCUMENTED"},
        "chamilo": {"OPENAPI-STATUSES-DOCUMENTED"},
        "invoiceninja": {"OPENAPI-STATUSES-DOCUMENTED"},
    },
)

SCHEMA_DRIFT = register(
    "schema-drift",
    description="""A response field is renamed while the document still names the old one:
    pch-sig's login answers user.fullName for user.nomComplet; chamilo's /api/users collection
    answers "member" for "hydra:member" (as API Platform 4 does by default); invoiceninja's
    login answers data[].user.firstName for first_name.""",
    breaks={
        "pch-sig": {"OPENAPI-EXCHANGES-CONFORM"},
        "chamilo": {"OPENAPI-EXCHANGES-CONFORM"},
        "invoiceninja": {"OPENAPI-EXCHANGES-CONFORM"},
    },
)

FUZZED_INPUT_500 = register(
    "500-on-fuzzed-input",
    description="""A login identity holding a character outside Unicode's Basic Multilingual
    Plane (an emoji, U+10000 and up) crashes the user lookup with a bare production 500 (no trace),
    as a MySQL column in the 3-byte "utf8" charset does ("Incorrect string value"); every other
    input is answered as before. Only generated input reaches it. On chamilo the crash comes from
    logging the attempt (Chamilo's track_e_login_attempt), before login throttling counts it.""",
    breaks={
        "pch-sig": {"OPENAPI-FUZZ"},
        "chamilo": {"OPENAPI-FUZZ"},
        "invoiceninja": {"OPENAPI-FUZZ"},
    },
)

SPEC_INVALID = register(
    "spec-invalid",
    description="""The OpenAPI document is not valid OpenAPI: its security scheme's type is one
    OpenAPI does not know (pch-sig says `type: bearer` for `type: http, scheme: bearer`; chamilo and
    invoiceninja say `type: apikey` for `apiKey`). Everything it documents about the login is
    still right.""",
    breaks={
        "pch-sig": {"OPENAPI-SPEC-VALID"},
        "chamilo": {"OPENAPI-SPEC-VALID"},
        "invoiceninja": {"OPENAPI-SPEC-VALID"},
    },
)
