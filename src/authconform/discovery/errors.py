"""The login's error answers, observed with made-up identities (and one wrong password of the account).

Discovery never blesses a defect: an answer that is not a proper refusal (a 2xx, a 5xx, an HTML
page, a token in the body), a wrong type answered like bad credentials, or an unknown user
answered unlike a wrong password becomes a *finding* to expect from the run, and the profile
keeps the standard expectation instead (400 for bad input, or the status the server gives its
other bad input; 401 for bad credentials). Where no answer shows the server's bad-input status, a
bad-input error that was no 4xx (or carried a token) is left unstated instead of guessed: the run judges
it tolerantly (any 4xx with no token), which fails what was seen without pinning a status nobody saw.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..http.client import Answer
from .answers import find_token, message_of, refusal_problem
from .budget import BudgetSpent
from .login_finder import LoginFinder, LoginOperation
from .prober import Prober


@dataclass
class ErrorAnswers:
    """``login.errors`` entries to write, each with how it was found."""

    errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)  # error name: the JSON Schema to write
    left_out: dict[str, str] = field(default_factory=dict)  # error name: why it is unstated (judged tolerantly)


def body_schema(answers: list[Answer], fields: set[str]) -> dict[str, Any] | None:
    """A JSON Schema every one of ``answers`` meets: an object with the keys they share (field names aside).

    Field-named keys are left out: a missing-field answer names whichever field is missing.
    """
    bodies = [a.json() for a in answers]
    if not bodies or not all(isinstance(b, dict) for b in bodies):
        return None
    shared = set.intersection(*(set(b) for b in bodies)) - fields
    schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}
    if shared:
        schema["required"] = sorted(shared)
    return schema


def observe(prober: Prober, finder: LoginFinder, login: LoginOperation) -> ErrorAnswers:
    """Send the error probes and turn what came back into ``login.errors`` (and findings)."""
    def submit(body: dict[str, Any] | None, purpose: str, raw: bytes | None = None) -> Answer | None:
        try:
            return finder.submit(login.path, login.method, login.encoding, body, purpose=purpose, raw=raw)
        except BudgetSpent:
            return None

    ident, secret = login.identity_field, login.password_field
    seen: dict[str, Answer | None] = {
        "missing_field": submit({ident: prober.made_up_identity()}, f"login without {secret!r}"),
        "empty_body": submit(None, "login with an empty body", raw=b""),
    }
    if login.encoding == "json":
        seen["malformed_body"] = submit(None, "login with broken JSON",
                                        raw=f'{{"{ident}": "{prober.made_up_identity()}", "{secret}": '.encode())
        seen["wrong_type"] = submit({ident: 12345, secret: prober.made_up_password()}, f"login with {ident!r} a number")
        number = seen["wrong_type"]
        if number is not None and number.status in (401, 403):  # a coerced number, or no type check at all?
            seen["wrong_type_list"] = submit({ident: ["a", "b"], secret: prober.made_up_password()},
                                             f"login with {ident!r} a list")
    seen["unknown_user"] = submit({ident: prober.made_up_identity(), secret: prober.made_up_password()},
                                  "login as an unknown user")
    if prober.budget.may_fail_login():
        prober.budget.failed_logins += 1
        seen["wrong_password"] = submit({ident: finder.identity, secret: prober.made_up_password()},
                                        "login with a wrong password (one failed login of the account)")
    return judge(prober, seen, {ident, secret}, login.documented)


def judge(prober: Prober, seen: dict[str, Answer | None], fields: set[str],
          documented: tuple[int, ...] = ()) -> ErrorAnswers:
    found = ErrorAnswers()
    proper = {name: answer for name, answer in seen.items()
              if answer is not None and refusal_problem(answer) is None}
    for name, answer in seen.items():
        if answer is not None and name in seen and name not in proper:
            prober.findings.add(f"{name.replace('_', ' ')}: {refusal_problem(answer)} "
                                f"(expected a 4xx refusal with no token): {answer.describe(120)}")
    validation = Counter(a.status for n, a in proper.items() if n in ("missing_field", "empty_body", "malformed_body")
                         and a.status not in (401, 403))
    listed = [code for code in (400, 422) if code in documented]
    if validation:
        standard = validation.most_common(1)[0][0]
        why_standard = f"the status this server gives other bad input ({standard})"
    elif listed:
        standard, why_standard = listed[0], f"{listed[0]}, the bad-input status the OpenAPI document lists"
    else:
        standard, why_standard = 400, "400"
    guessed = not validation and not listed  # no answer of this server shows its bad-input status

    json_refusals = [a for a in proper.values() if isinstance(a.json(), dict)]

    def write(name: str, source: str, answer: Answer | None, how: str, *alike: str) -> None:
        if answer is None:  # not sent (the request cap): left out, the run skips it with the reason
            return
        if answer is not None and source in proper and not (name != "bad_credentials" and answer.status in (401, 403)):
            found.errors[name] = {"status": answer.status}
            found.how[name] = f"{how}: answered {answer.status}"
            schema = body_schema([answer, *(proper[n] for n in alike if n in proper)], fields)
            if schema is not None:
                found.schemas[name] = schema
        elif guessed and source not in proper and (answer.status is None or not 400 <= answer.status < 500
                                                  or find_token(answer.json()) is not None):
            # a guess is not a fact: unstated, the run still fails this answer (any 4xx with no token will do)
            # and passes whatever 4xx the fixed server gives
            found.left_out[name] = (f"{how}: {refusal_problem(answer)}, and no other bad input showed this "
                                    "server's status")
        else:
            seen_as = "not a proper refusal"
            if answer is not None and source in proper:
                seen_as = f"answered {answer.status} like bad credentials"
                prober.findings.add(f"{source.replace('_', ' ')}: {seen_as} (expected a validation error, {standard})")
            found.errors[name] = {"status": standard}
            found.how[name] = f"{how}: {seen_as}, so the standard expectation ({why_standard})"
            if json_refusals:  # its other refusals are JSON objects: so must this one be
                found.schemas[name] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}

    write("missing_field", "missing_field", seen.get("missing_field"), "a made-up login without the password")
    if "malformed_body" in seen:
        write("malformed_body", "malformed_body", seen.get("malformed_body"), "a made-up login with broken JSON",
              "empty_body")
        empty, broken = seen.get("empty_body"), seen.get("malformed_body")
        if empty is not None and broken is not None and "empty_body" in proper and empty.status != broken.status:
            prober.findings.add(f"empty body answered {empty.status}, broken JSON {broken.status}: "
                                "LOGIN-EMPTY-BODY expects login.errors.malformed_body")
        if _coerces_numbers(seen, proper):
            found.left_out["wrong_type"] = (f"a number as identity was answered {seen['wrong_type'].status} like bad "
                                            f"credentials (read as a string), a list {proper['wrong_type_list'].status}"
                                            ": no one status fits both, so any 4xx with no token will do")
        else:
            write("wrong_type", "wrong_type", seen.get("wrong_type"), "a made-up login with a number as identity")
    else:
        write("malformed_body", "empty_body", seen.get("empty_body"), "a login with an empty body")
    _bad_credentials(prober, found, seen, proper)
    return found


def _coerces_numbers(seen: dict[str, Answer | None], proper: dict[str, Answer]) -> bool:
    """A number answered like bad credentials but a list refused as bad input: the server checks types and
    reads a number as its string (DRF's CharField), which is no defect. A server that answers every wrong
    type like bad credentials checks none: that is written as the standard expectation and a finding.
    """
    number, listed = proper.get("wrong_type"), proper.get("wrong_type_list")
    return (number is not None and listed is not None and number.status in (401, 403)
            and listed.status not in (401, 403) and seen.get("wrong_type") is number)


def _bad_credentials(prober: Prober, found: ErrorAnswers, seen: dict[str, Answer | None],
                     proper: dict[str, Answer]) -> None:
    wrong, unknown = seen.get("wrong_password"), seen.get("unknown_user")
    if wrong is not None and unknown is not None and (wrong.status, message_of(wrong)) != (unknown.status,
                                                                                             message_of(unknown)):
        prober.findings.add(f"an unknown user is answered unlike a wrong password: {unknown.describe(100)} vs "
                            f"{wrong.describe(100)} (LOGIN-401-SAME-MESSAGE, SEC-ENUM-RESPONSE)")
    reference, how = None, ""
    if "wrong_password" in proper:
        reference, how = proper["wrong_password"], "the account with a wrong password"
    elif "unknown_user" in proper:
        reference, how = proper["unknown_user"], "a made-up identity (the wrong-password answer was no proper refusal)"
    if reference is None and wrong is None and unknown is None:
        return
    if reference is None:
        found.errors["bad_credentials"] = {"status": 401}
        found.how["bad_credentials"] = "no proper refusal observed, so the standard expectation (401)"
        return
    entry: dict[str, Any] = {"status": reference.status}
    schema = body_schema([reference, *([unknown] if unknown is not None and "unknown_user" in proper else [])], set())
    if schema is not None:
        found.schemas["bad_credentials"] = schema
    message = message_of(reference)
    if message is not None:
        entry["message"] = message[1]
        if message[0] != "/message":
            entry["message_pointer"] = message[0]
    found.errors["bad_credentials"] = entry
    found.how["bad_credentials"] = f"{how}: answered {reference.status}"
