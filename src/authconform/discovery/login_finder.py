"""Finding the login operation: its path, encoding and field names, then one valid login.

A probed path answers like a login when a made-up identity gets a 4xx that is not 404/405, and one
of the common identity names is answered unlike the others (which the server reads as a missing
field) and unlike an empty body: a firewall that refuses every request alike is no login. An
operation the OpenAPI document describes is tried with the account whatever a made-up identity got.
The given account then logs in once to confirm the field; a confirming login refused like that
name's made-up login counts as one of the account's failed logins.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..http.client import Answer
from .answers import find_token
from .openapi_doc import IDENTITY_NAMES, OpenApiDocument, Operation
from .prober import Prober

LOGIN_PATHS = (
    "/api/login", "/api/login_check", "/api/authentication_token", "/api/v1/login", "/api/token/", "/api/token",
    "/auth/login", "/auth/jwt/login", "/auth/local", "/api/auth/local", "/login", "/token", "/api/auth/login",
)


@dataclass
class LoginOperation:
    """A confirmed login: the valid account got a token from it."""

    path: str
    method: str
    encoding: str
    identity_field: str
    password_field: str
    how: str
    answer: Answer  # the valid login's answer
    token_pointer: str
    token: str
    made_up: Answer  # a made-up identity's answer, with these fields
    documented: tuple[int, ...] = ()  # the statuses the OpenAPI document lists for it


class LoginFinder:
    """Tries the document's login operations, then the common paths, until the account logs in."""

    def __init__(self, prober: Prober, identity: str, password: str, headers: dict[str, str]):
        self.prober = prober
        self.identity = identity
        self.password = password
        self.headers = headers
        self.refused_like_credentials = 0

    def submit(self, path: str, method: str, encoding: str, body: dict[str, Any] | None, *, purpose: str,
               raw: bytes | None = None) -> Answer:
        if raw is not None:
            kind = "application/json" if encoding == "json" else "application/x-www-form-urlencoded"
            return self.prober.send(method, path, content=raw, headers={**self.headers, "Content-Type": kind},
                                    purpose=purpose)
        if encoding == "json":
            return self.prober.send(method, path, json=body, headers=self.headers, purpose=purpose)
        return self.prober.send(method, path, data={k: str(v) for k, v in (body or {}).items()},
                                headers=self.headers, purpose=purpose)

    def candidates(self, document: OpenApiDocument | None) -> list[Operation]:
        found: list[Operation] = list(document.logins) if document else []
        known = {op.path for op in found}
        return found + [Operation(path, "POST") for path in LOGIN_PATHS if path not in known]

    def find(self, document: OpenApiDocument | None) -> LoginOperation | None:
        for operation in self.candidates(document):
            login = self._try(operation, "from the OpenAPI document" if operation.identity else "by probing")
            if login is not None:
                return login
            if not self.prober.budget.may_fail_login():
                return None
        return None

    def _try(self, operation: Operation, how: str) -> LoginOperation | None:
        password = operation.password or "password"
        encodings = [operation.encoding] if operation.identity else ["json", "form"]
        for encoding in encodings:
            first = operation.identity or IDENTITY_NAMES[0]
            made_up = self.submit(operation.path, operation.method, encoding,
                                  {first: self.prober.made_up_identity(), password: self.prober.made_up_password()},
                                  purpose=f"is {operation.method} {operation.path} a login ({encoding})?")
            self.prober.tried.append(f"{operation.method} {operation.path} ({encoding}): {made_up.describe(80)}")
            documented = operation.identity is not None  # the document says so: a made-up 404 is no proof
            if made_up.status is None or (made_up.status in (404, 405) and not documented):
                return None
            if not documented and not 400 <= made_up.status < 500:
                continue
            if made_up.status == 415:
                continue
            empty = self.submit(operation.path, operation.method, encoding, {} if encoding == "json" else None,
                                raw=None if encoding == "json" else b"",
                                purpose=f"{operation.path}: an empty body, to tell a login from a firewall")
            names = [operation.identity] if operation.identity else list(IDENTITY_NAMES)
            ranked = self._rank_identity_fields(operation, encoding, password, names, first, made_up, empty)
            if not ranked:
                continue
            for name, answer in ranked[:2]:
                login = self._confirm(operation, encoding, name, password, answer, how)
                if login is not None:
                    return login
                if not self.prober.budget.may_fail_login():
                    return None
        return None

    def _rank_identity_fields(self, operation: Operation, encoding: str, password: str, names: list[str],
                              first: str, made_up: Answer, empty: Answer) -> list[tuple[str, Answer]]:
        """Field names, those whose made-up login is answered unlike an empty object first."""
        answers = {first: made_up}
        for name in names:
            if name not in answers:
                answers[name] = self.submit(operation.path, operation.method, encoding,
                                            {name: self.prober.made_up_identity(),
                                             password: self.prober.made_up_password()},
                                            purpose=f"{operation.path}: is the identity field {name!r}?")
        if len(answers) == 1:
            return list(answers.items())
        statuses = Counter(a.status for a in answers.values())
        usual = statuses.most_common(1)[0][0] if len(answers) > 2 else empty.status

        def rank(name: str) -> tuple[int, int]:
            answer = answers[name]
            # the identity field is the name answered unlike the others (a missing field) and unlike an empty body
            odd = answer.status != usual and (answer.status, answer.text) != (empty.status, empty.text)
            named = f'"{name}"' in empty.text or f"'{name}'" in empty.text
            return (0 if odd else 1 if named else 2, names.index(name))
        chosen = sorted(answers, key=rank)
        return [(name, answers[name]) for name in chosen if rank(name)[0] < 2]

    def _confirm(self, operation: Operation, encoding: str, name: str, password: str, made_up: Answer,
                 how: str) -> LoginOperation | None:
        if not self.prober.budget.may_fail_login():
            return None
        answer = self.submit(operation.path, operation.method, encoding, {name: self.identity, password: self.password},
                             purpose=f"{operation.path}: the given account logs in with {name!r}")
        token = find_token(answer.json()) if answer.status is not None and 200 <= answer.status < 300 else None
        if token is None:
            if answer.status == made_up.status:
                self.prober.budget.failed_logins += 1  # refused like a wrong password: it counts
            return None
        return LoginOperation(operation.path, operation.method, encoding, name, password, how, answer,
                              token[0], token[1], made_up, operation.statuses)
