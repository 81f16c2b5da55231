"""The harness's own exception types, in one place so their meaning (exit 2, skip, finding) is plain.

Our exception hierarchy (what the run does with each):

* AuthconformError              -- something the harness itself met; never a verdict on the target
  x UsageError                  -- the user's input cannot work: the CLI and the plugin exit 2
    + ProfileError              -- a profile that cannot be used (field path, line, hint)
    + UsageProblem              -- options that cannot work together
    + CompareError              -- a summary.json that ``authconform compare`` cannot read
  x TargetStartError            -- the embedded reference target did not start (also a RuntimeError)
  x WorkerFailed                -- the OpenAPI worker process died, hung or erred mid-check: the check
                                   is an ``error`` (it broke), never a verdict on the target
  x CannotCheck                 -- a check cannot run here: it is skipped with ``str()`` as the reason
    + LoginFailed               -- the valid account could not log in, so nothing that needs a token runs
    + BudgetExhausted           -- one more failed login would go over the account's budget
    + NoKey                     -- the profile gives no key to verify a signature with
    + ValidatorMissing          -- openapi-spec-validator is not installed
  x Unreadable                  -- what the target (or a file the profile names) gave cannot be read;
                                   the check that needed it reports ``str()`` as its finding or skip
    + SpecUnavailable           -- the OpenAPI document could not be had or parsed
    + KeyUnusable               -- a key the profile names cannot be loaded or fetched
    + TokenProblem              -- a token that is not a JWT (also a ValueError)
    + IdentityUnknown           -- the identity is not where the profile says it is
* Finding (AssertionError)      -- a check's failure: the message is the finding, already redacted.
                                   Not an AuthconformError on purpose: ``except AuthconformError`` in
                                   the harness must never swallow a verdict.

The reference targets keep their own (``targets.defects.UnknownDefect`` is a ValueError a user's
``--defect`` typo raises; the run turns it into a UsageProblem). Modules raise these from where
they were defined before (``authconform.profile.ProfileError`` and so on still import), and this
module imports nothing of the harness, so every layer may use it.
"""

from __future__ import annotations

__all__ = [
    "AuthconformError",
    "BudgetExhausted",
    "CannotCheck",
    "CompareError",
    "Finding",
    "IdentityUnknown",
    "KeyUnusable",
    "LoginFailed",
    "NoKey",
    "ProfileError",
    "SpecUnavailable",
    "TargetStartError",
    "TokenProblem",
    "Unreadable",
    "UsageError",
    "UsageProblem",
    "ValidatorMissing",
    "WorkerFailed",
]


class AuthconformError(Exception):
    """Base of every error the harness raises about itself or its input (not a finding)."""


# --- exit 2: the user's input --------------------------------------------------------------


class UsageError(AuthconformError):
    """The user's input (profile, options, files) cannot work; the CLI and the plugin exit 2."""


class ProfileError(UsageError):
    """A profile that cannot be used; ``str()`` is the one line to show the user."""

    def __init__(self, source: str, field: str, message: str, *, line: int | None = None, hint: str = ""):
        self.source = source
        self.field = field
        self.message = message
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        text = f"{where}: {self.field or '(top level)'}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class UsageProblem(UsageError):
    """Options that cannot work together; the CLI and the plugin exit 2 with it."""


class CompareError(UsageError):
    """A summary that cannot be read; the CLI exits 2 with it."""


# --- the embedded target ---------------------------------------------------------------------


class TargetStartError(AuthconformError, RuntimeError):
    """The server thread died or did not start serving in time."""


# --- the OpenAPI worker process ----------------------------------------------------------------


class WorkerFailed(AuthconformError, RuntimeError):
    """The OpenAPI worker process died, hung or erred: the harness's own failure, reported as an error."""


# --- a check that cannot run: skipped with the reason ----------------------------------------


class CannotCheck(AuthconformError):
    """A check cannot run on this target with this profile; ``str()`` is the skip reason."""


class LoginFailed(CannotCheck):
    """The valid account could not log in, so checks that need a token cannot run."""


class BudgetExhausted(CannotCheck):
    """Raised before a login that would go over the account's failed-login budget."""


class NoKey(CannotCheck):
    """The profile gives no key to verify with (a skip, not a failure)."""


class ValidatorMissing(CannotCheck):
    """openapi-spec-validator is not installed (``pip install schemathesis openapi-spec-validator``)."""


# --- what the target gave cannot be read ------------------------------------------------------


class Unreadable(AuthconformError):
    """Something the target served (or a file the profile names) cannot be read; ``str()`` says why."""


class SpecUnavailable(Unreadable):
    """The document could not be had or read; ``str()`` says why, for a finding or a skip reason."""


class KeyUnusable(Unreadable):
    """The profile names a key, but it cannot be loaded or fetched (a failure the reviewer must see)."""


class TokenProblem(Unreadable, ValueError):
    """The token cannot be read as a JWT; ``str()`` says why."""


class IdentityUnknown(Unreadable):
    """The profile says where the id is, and it is not there; ``str()`` says what was looked for."""


# --- the verdict ---------------------------------------------------------------------------------


class Finding(AssertionError):
    """A check's failure: the message is the finding, already redacted."""
