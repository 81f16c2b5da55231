"""Discovery: a working profile from a running server and one test account (``init --discover``).

The steps, each in its own module: :mod:`.budget` (request cap, failed-login limit),
:mod:`.openapi_doc` (the served document), :mod:`.login_finder`, :mod:`.answers` (tokens, refusals),
:mod:`.errors` (``login.errors``), :mod:`.access` (protected endpoint, refresh, key), :mod:`.writer`
(the commented profile) and :mod:`.command` (the order, the summary, the exit codes).
"""

from .budget import DEFAULT_CAP, ProbeBudget
from .command import command_discover

__all__ = ["DEFAULT_CAP", "ProbeBudget", "command_discover"]
