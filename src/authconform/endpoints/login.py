"""Logging in the way the profile describes, and the one cached login a run shares.

Checks that only need a valid token share :meth:`Login.session`: one login per run, not one per
check, which keeps runs fast and keeps load off real deployments. Every attempt that is meant to
fail with a real account's identity is paid for from the failed-login budget before it is sent.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..exceptions import LoginFailed as LoginFailed  # re-exported: defined in exceptions.py
from ..http.client import Answer, TargetClient
from ..pointer import MISSING, resolve
from ..profile import Account, Profile
from .budget import FailedLoginBudget

_UNSET: Any = object()


@dataclass
class Session:
    """A successful login: the answer and the credentials it gave."""

    account: Account
    answer: Answer
    token: str
    refresh_token: str | None


class Login:
    def __init__(self, profile: Profile, client: TargetClient, budget: FailedLoginBudget):
        self.profile = profile
        self.client = client
        self.budget = budget
        self._sessions: dict[str, Session | LoginFailed] = {}
        self._answers: dict[str, Answer] = {}

    @property
    def identity_field(self) -> str:
        return self.profile.login.fields.identity

    @property
    def password_field(self) -> str:
        return self.profile.login.fields.password

    def fields(self, identity: Any, password: Any) -> dict[str, Any]:
        return {self.identity_field: identity, self.password_field: password}

    def unknown_identity(self) -> str:
        """An identity no server has: same shape as the valid one (an email keeps its domain)."""
        valid = self.profile.account("valid")
        tag = secrets.token_hex(4)
        if valid and "@" in valid.identity:
            return f"authconform-nobody-{tag}@{valid.identity.rsplit('@', 1)[1]}"
        return f"authconform-nobody-{tag}"

    @staticmethod
    def wrong_password() -> str:
        return f"authconform-wrong-{secrets.token_hex(6)}"

    def submit(
        self,
        fields: Mapping[str, Any] | None = None,
        *,
        raw: bytes | str | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        profile_headers: bool = True,
        secret_header: bool = True,
        expect_failure: bool = True,
        params: Mapping[str, str] | None = None,
        purpose: str = "login",
    ) -> Answer:
        """Send one login request; by default with the profile's headers and encoding.

        ``expect_failure`` attempts carrying a profile account's identity spend from the budget
        first (and raise :class:`BudgetExhausted` when it is spent).
        """
        login = self.profile.login
        identity = (fields or {}).get(self.identity_field)
        if expect_failure:
            self.budget.spend(identity)
        sent_headers: dict[str, str] = {}
        if profile_headers:
            sent_headers.update(login.headers or {})
        header = self.profile.secret_header
        if secret_header and header:
            sent_headers[header.name] = header.value
        sent_headers.update(headers or {})
        kwargs: dict[str, Any] = {}
        if raw is not None:
            kwargs["content"] = raw
            if content_type is not None:
                sent_headers.setdefault("Content-Type", content_type)
        elif login.encoding == "form":
            kwargs["data"] = {k: v for k, v in (fields or {}).items()}
        else:
            kwargs["json"] = dict(fields or {})
        answer = self.client.request(login.method, login.path, headers=sent_headers, params=params,
                                     purpose=purpose, **kwargs)
        if not expect_failure and answer.status != login.success.status:
            self.budget.record(identity)
        return answer

    def attempt(self, identity: Any, password: Any, **options: Any) -> Answer:
        return self.submit(self.fields(identity, password), **options)

    def token_of(self, answer: Answer) -> str | None:
        """The token at the profile's pointer in a login answer, registered for redaction."""
        value = resolve(answer.json(), self.profile.login.success.token)
        if isinstance(value, str) and value:
            self.client.redactor.add(value, "token")
            return value
        return None

    def refresh_token_of(self, answer: Answer, pointer: str | None = None) -> str | None:
        pointer = pointer or self.profile.login.success.refresh_token
        if not pointer:
            return None
        value = resolve(answer.json(), pointer)
        if isinstance(value, str) and value:
            self.client.redactor.add(value, "refresh_token")
            return value
        return None

    def log_in(self, account: Account, *, purpose: str = "login (valid account)") -> Session:
        """A fresh login as ``account``; raises :class:`LoginFailed` with the reason."""
        answer = self.attempt(account.identity, account.password, expect_failure=False, purpose=purpose)
        self._answers.setdefault(account.role, answer)
        expected = self.profile.login.success.status
        if answer.status != expected:
            raise LoginFailed(f"the {account.role} account's login answered {answer.describe()}, "
                              f"expected {expected} (profile login.success.status)")
        token = self.token_of(answer)
        if token is None:
            found = resolve(answer.json(), self.profile.login.success.token)
            what = "nothing" if found is MISSING else f"{type(found).__name__} {found!r}"[:80]
            raise LoginFailed(f"the {account.role} account's login gave no token at "
                              f"{self.profile.login.success.token} (profile login.success.token): found {what}")
        return Session(account, answer, token, self.refresh_token_of(answer))

    def session(self, role: str = "valid") -> Session:
        """The run's shared login for ``role``: made once, reused by every check."""
        cached = self._sessions.get(role)
        if cached is None:
            account = self.profile.account(role)
            if account is None:
                raise LoginFailed(f"the profile has no {role} account")
            try:
                cached = self.log_in(account, purpose=f"login ({role} account, shared by the run)")
            except LoginFailed as exc:
                cached = exc
            self._sessions[role] = cached
        if isinstance(cached, LoginFailed):
            raise cached
        return cached

    def shared_answer(self, role: str = "valid") -> Answer | None:
        """The answer to the run's shared login for ``role``, whether it succeeded or not."""
        with contextlib.suppress(LoginFailed):
            self.session(role)
        return self._answers.get(role)
