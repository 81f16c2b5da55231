"""``authconform init --discover URL``: discovery in order, then the profile file and the summary.

Exit codes, as for a run: 0 a profile was written; 1 no login was found (with what was tried);
2 bad usage (no password in the environment, a file in the way, a profile that would not load);
3 the URL cannot be reached.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from ..http.client import TargetClient
from ..http.exchanges import Recorder
from ..http.redaction import Redactor
from ..profile import ProfileError, load_profile
from .access import find_jwks, find_protected, find_refresh
from .answers import find_refresh_token, find_token, identity_claim, refusal_problem, token_facts
from .budget import BudgetSpent, ProbeBudget
from .discovered import Discovered, HeaderVar
from .errors import observe
from .login_finder import LoginFinder
from .openapi_doc import find as find_document
from .prober import Prober
from .writer import profile_name, render, schema_reference


class UsageError(Exception):
    """Options discovery cannot work with (exit 2)."""


def header_variable(name: str) -> str:
    """The environment variable a ``--header`` value is read from: its name, upper case, ``_`` for ``-``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "HEADER_VALUE"


def parse_headers(pairs: list[str]) -> list[tuple[str, str]]:
    parsed = []
    for pair in pairs:
        name, sep, value = pair.partition(":")
        if not sep or not name.strip() or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name.strip()):
            raise UsageError(f"--header {name.strip() or pair!r}: expected 'Name: value'")
        parsed.append((name.strip(), value.strip()))
    return parsed


def discover(prober: Prober, found: Discovered, password: str, given: dict[str, str],
             protected_path: str | None) -> None:
    """Fill ``found`` step by step; a spent budget stops it where it is (``found.stopped``)."""
    redactor = prober.client.redactor
    try:
        found.document = find_document(prober)
        finder = LoginFinder(prober, found.identity, password, given)
        found.login = finder.find(found.document)
        if found.login is None:
            return
        login = found.login
        redactor.add(login.token, "token")
        found.token = token_facts(login.token)
        if login.answer.status != 200:
            prober.findings.add(f"the valid login answered {login.answer.status} (RFC 6749 §5.1: 200); the profile "
                                "keeps 200, so LOGIN-OK-STATUS should fail")
        refresh = find_refresh_token(login.answer.json(), login.token)
        if refresh:
            found.refresh_pointer = refresh[0]
            redactor.add(refresh[1], "refresh token")
        found.identity_claim = identity_claim(found.token.claims, found.identity, login.answer.json())
        found.errors = observe(prober, finder, login)
        _classify_headers(prober, finder, found, given)
        found.protected = find_protected(prober, login.token, given, found.document, protected_path)
        if refresh:
            found.refresh = find_refresh(prober, refresh[1], given, found.document)
        alg = str(found.token.header.get("alg", ""))
        if found.token.format == "jwt" and not alg.upper().startswith("HS"):
            found.jwks = find_jwks(prober)
    except BudgetSpent as exc:
        found.stopped = str(exc)
    found.stopped = found.stopped or prober.spent


def _classify_headers(prober: Prober, finder: LoginFinder, found: Discovered, given: dict[str, str]) -> None:
    """A --header whose absence gets a made-up login refused differently is a secret header."""
    login = found.login
    assert login is not None
    plain = []
    for header in found.headers:
        others = {k: v for k, v in given.items() if k != header.name}
        answer = LoginFinder(prober, found.identity, finder.password, others).submit(
            login.path, login.method, login.encoding,
            {login.identity_field: prober.made_up_identity(), login.password_field: prober.made_up_password()},
            purpose=f"a made-up login without {header.name}")
        if answer.status in (401, 403) and answer.status != login.made_up.status:
            header.secret, header.rejected_status = True, answer.status
        else:
            plain.append(header)
    if plain and prober.budget.may_fail_login():
        without = {k: v for k, v in given.items() if k not in {h.name for h in plain}}
        finder_without = LoginFinder(prober, found.identity, finder.password, without)
        answer = finder_without.submit(login.path, login.method, login.encoding,
                                       {login.identity_field: found.identity, login.password_field: finder.password},
                                       purpose="the account logs in without the plain --header values")
        found.headers_enforced = not (answer.status is not None and 200 <= answer.status < 300)
        if found.headers_enforced and answer.status == login.made_up.status:
            prober.budget.failed_logins += 1
    if plain:
        _observe_missing_header(prober, found, given, [h.name for h in plain])


def _observe_missing_header(prober: Prober, found: Discovered, given: dict[str, str], names: list[str]) -> None:
    """``login.errors.missing_header``: a made-up login without its password and without the plain headers.

    That is the refusal HEADERS-REQUIRED-LOGIN sends. A proper refusal is written as seen. A redirect
    with no token is written only when the account logs in without the headers (headers_enforced
    false): then they only shape the answers, and a refused login redirected back is how such a server
    answers a browser (Laravel without X-Requested-With), not a defect. Anything else is left out, so
    the run judges it tolerantly (any 4xx with no token) and fails it; it is printed as a finding.
    """
    login, errors = found.login, found.errors
    assert login is not None and errors is not None
    without = {k: v for k, v in given.items() if k not in names}
    shown = ", ".join(names)
    try:
        answer = LoginFinder(prober, found.identity, "", without).submit(
            login.path, login.method, login.encoding, {login.identity_field: prober.made_up_identity()},
            purpose=f"a made-up login without its password and without {shown}")
    except BudgetSpent:
        return  # left out: the run judges it tolerantly
    problem = refusal_problem(answer)
    redirect = (answer.status is not None and 300 <= answer.status < 400 and find_token(answer.json()) is None)
    if problem is None:
        errors.errors["missing_header"] = {"status": answer.status}
        errors.how["missing_header"] = f"a made-up login without {shown}: answered {answer.status}"
    elif redirect and found.headers_enforced is False:
        errors.errors["missing_header"] = {"status": answer.status}
        errors.how["missing_header"] = (f"a made-up login without {shown} was redirected ({answer.status}); "
                                        "the account logs in without them, so they only shape the answers")
    else:
        prober.findings.add(f"a login without {shown}: {problem} (expected a 4xx refusal with no token; "
                            f"HEADERS-REQUIRED-LOGIN): {answer.describe(120)}")


def summary(found: Discovered, prober: Prober, out: Path) -> str:
    """The table printed after discovery: found, not found, findings, and the command to run."""
    def row(what: str, value: str | None) -> str:
        return f"  {what:<18} {value if value else 'not found'}"

    login = found.login
    rows = ["discovery summary:",
            row("OpenAPI document", found.document.path if found.document else None),
            row("login", f"{login.method} {login.path} ({login.encoding}; {login.identity_field} + "
                         f"{login.password_field}; {login.how})" if login else None),
            row("token", f"{login.token_pointer} ({found.token.format})" if login and found.token else None),
            row("refresh token", found.refresh_pointer),
            row("protected", f"{found.protected.path} ({found.protected.scheme}, no token: "
                             f"{found.protected.rejected_status})" if found.protected else None),
            row("refresh", f"{found.refresh.path} ({found.refresh.field}, rotation "
                           f"{str(found.refresh.rotation).lower()})" if found.refresh else None),
            row("verification key", found.jwks),
            f"  requests sent      {prober.budget.requests} (cap {prober.budget.cap}); failed logins of the account "
            f"{prober.budget.failed_logins} (limit {prober.budget.account_failures})"]
    if found.stopped:
        rows.append(f"  stopped early:     {found.stopped}")
    if prober.findings.items:
        rows.append("findings to expect from the run (not written as expected behaviour):")
        rows += [f"  - {prober.client.redactor.text(item)}" for item in prober.findings.items]
    exports = [f"export {found.password_env}=..."] + [f"export {h.variable}=..." for h in found.headers]
    rows += ["run it:", f"  {'; '.join(exports)}", f"  authconform run --profile {out}"]
    return "\n".join(rows)


def command_discover(args) -> int:
    """The CLI entry: ``args`` from ``authconform init --discover``."""
    password = os.environ.get(args.password_env or "")
    if not args.identity or not args.password_env:
        print("authconform init --discover: --identity and --password-env are required", file=sys.stderr)
        return 2
    if not password:
        print(f"authconform init --discover: ${args.password_env} is not set (export it with the account's password)",
              file=sys.stderr)
        return 2
    try:
        headers = parse_headers(args.header)
    except UsageError as exc:
        print(f"authconform init --discover: {exc}", file=sys.stderr)
        return 2
    name = args.name if args.name != "my-api" else profile_name(args.discover)
    out = Path(args.output or f"{name}.yaml")
    if out.exists() and not args.force:
        print(f"authconform init: {out} exists (use --force to overwrite)", file=sys.stderr)
        return 2
    redactor = Redactor([password, *(value for _, value in headers)], headers=[n for n, _ in headers])
    client = TargetClient(args.discover, redactor=redactor, recorder=Recorder(), timeout=args.timeout,
                          verify=not args.insecure, requests_per_second=args.rps)
    prober = Prober(client, ProbeBudget(args.max_requests))
    try:
        reach = prober.send("GET", "/", purpose="is the target reachable?")
        if reach.exchange.error_kind == "connect":
            print(f"authconform init --discover: {redactor.text(reach.error)}", file=sys.stderr)
            return 3
        found = Discovered(client.base_url, args.identity, args.password_env,
                           [HeaderVar(n, header_variable(n)) for n, _ in headers])
        discover(prober, found, password, dict(headers), args.protected)
    finally:
        client.close()
    if found.login is None:
        print(f"authconform init --discover: no login found at {client.base_url} "
              f"({prober.budget.requests} requests). Tried:", file=sys.stderr)
        for line in prober.tried:
            print(f"  {redactor.text(line)}", file=sys.stderr)
        if found.stopped:
            print(f"  stopped: {found.stopped}", file=sys.stderr)
        return 1
    folder = f"{out.stem}-schemas"
    text = render(found, name, folder)
    if prober.findings.items:
        text += "# findings to expect from the run:\n" + "".join(
            f"#   - {redactor.text(item)}\n" for item in prober.findings.items)
    out.write_text(text, encoding="utf-8")
    if found.errors and found.errors.schemas:  # the error bodies' shape, as observed (beside the profile)
        (out.parent / folder).mkdir(parents=True, exist_ok=True)
        for error, schema in found.errors.schemas.items():
            (out.parent / schema_reference(folder, error)).write_text(json.dumps(schema, indent=2) + "\n")
    env = {found.password_env: password, **{header_variable(n): v for n, v in headers}}
    try:
        load_profile(out, env)
    except (ProfileError, OSError) as exc:
        print(f"authconform init --discover: the written profile does not load: {redactor.text(str(exc))}",
              file=sys.stderr)
        return 2
    print(f"wrote {out}")
    print(summary(found, prober, out))
    return 0
