"""Bad profiles: every mistake a hand-written profile can hold ends the run with exit 2 and one clear line.

The line names the file, the line in it (where YAML can tell) and the field's dotted path, and
carries a hint; it is never a traceback. Checked through the CLI (``authconform run``) and through
plain ``pytest --profile``, both in a subprocess as a user would run them.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hostile.leaks import traceback_in

GOOD = """\
name: demo
base_url: http://127.0.0.1:9
login:
  path: /login
  fields: {identity: email, password: password}
  success:
    status: 200
    token: /token
  errors:
    missing_field: {status: 400, message: 'The key "{field}" must be provided.'}
    bad_credentials: {status: 401}
accounts:
  valid: {identity: a@example.org, password: 'pw-${DEMO_SUFFIX:-123456}'}
limits:
  timeout: 2
  max_failed_logins: 3
"""


@dataclass
class Bad:
    """One mistake: the edit that makes it, and what the error line must name."""

    old: str
    new: str
    field: str
    line: int | None
    says: str
    hint: str


CASES = {
    "yaml-syntax-error": Bad("  fields: {identity: email, password: password}",
                             "  fields: {identity: email, password: password", "", 6,
                             "YAML syntax error", "check indentation and quoting"),
    "unknown-field-typo": Bad("  timeout: 2", "  timout: 2", "limits.timout", 15,
                              "unknown field", "did you mean 'timeout'?"),
    "wrong-type": Bad("  max_failed_logins: 3", "  max_failed_logins: three", "limits.max_failed_logins", 16,
                      "expected integer", "whole number"),
    "missing-required-field": Bad("  fields: {identity: email, password: password}\n", "", "login.fields", 3,
                                  "required field is missing", "add 'fields' under login"),
    "invalid-json-pointer": Bad("    token: /token", "    token: data.token", "login.success.token", 8,
                                "is not a JSON Pointer", "starts with '/'"),
    "undefined-environment-variable": Bad("password: 'pw-${DEMO_SUFFIX:-123456}'", "password: '${DEMO_PASSWORD}'",
                                          "accounts.valid.password", 13, "DEMO_PASSWORD is not set",
                                          "export DEMO_PASSWORD="),
    "missing-schema-file": Bad("    status: 200\n", "    status: 200\n    schema: schemas/demo/login-200.json\n",
                               "login.success.schema", 8, "file not found: schemas/demo/login-200.json",
                               "paths are relative to the profile"),
    "malformed-message-template": Bad("The key \"{field}\" must", "The key \"{field\" must",
                                      "login.errors.missing_field.message", 10, "malformed message template",
                                      "{{ and }}"),
}


def write_bad(folder: Path, name: str) -> Path:
    bad = CASES[name]
    assert bad.old in GOOD, f"case {name} edits nothing"
    path = folder / f"{name}.yaml"
    path.write_text(GOOD.replace(bad.old, bad.new, 1), encoding="utf-8")
    return path


def _assert_one_clear_line(output: str, path: Path, bad: Bad) -> None:
    assert traceback_in(output) is None, f"a traceback:\n{output}"
    lines = [line for line in output.splitlines() if str(path) in line]
    assert lines, f"no line names the file {path}:\n{output}"
    line = lines[0]
    if bad.line is not None:
        assert f"{path}:{bad.line}:" in line, f"expected {path}:{bad.line} in: {line}"
    if bad.field:
        assert f": {bad.field}: " in line, f"expected the field path {bad.field} in: {line}"
    assert bad.says in line, f"expected {bad.says!r} in: {line}"
    assert "hint:" in line and bad.hint in line, f"expected the hint {bad.hint!r} in: {line}"


def test_the_good_profile_is_good(tmp_path: Path):
    """The base every case breaks loads, so each case tests exactly its one mistake."""
    from authconform.profile import load_profile

    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_profile(path, {}).limits.max_failed_logins == 3


@pytest.mark.parametrize("name", list(CASES))
def test_cli_exits_2_with_file_line_field_and_hint(name: str, tmp_path: Path, run_authconform):
    path = write_bad(tmp_path, name)
    outcome = run_authconform("run", "--profile", str(path), "--base-url", "http://127.0.0.1:9", timeout=60)
    assert outcome.code == 2, f"exit {outcome.code}:\n{outcome.output}"
    _assert_one_clear_line(outcome.output, path, CASES[name])
    assert outcome.summary is None, "a bad profile must stop the run before any check"


@pytest.mark.parametrize("name", list(CASES))
def test_plain_pytest_exits_2(name: str, tmp_path: Path):
    path = write_bad(tmp_path, name)
    done = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "suites"), "-p", "no:cacheprovider",
                           "--profile", str(path), "--base-url", "http://127.0.0.1:9"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 2, f"exit {done.returncode}:\n{output}"
    _assert_one_clear_line(output, path, CASES[name])


def test_a_suite_that_cannot_load_is_never_conformant(tmp_path: Path, run_authconform):
    """A suite file that fails to import (a user's own, or a broken install) ends the run with exit 2, not 0.

    Its checks never ran, so the summary's verdict must say so and CI must not read it as a pass.
    """
    broken = tmp_path / "suite" / "test_broken_suite.py"
    broken.parent.mkdir()
    broken.write_text("import authconform_no_such_module\n\n\ndef test_never_runs():\n    pass\n", encoding="utf-8")
    outcome = run_authconform("run", "--profile", "pch-sig", "-k", "valid_login", "--target-option",
                              "hash_iterations=1000", "--", str(broken), timeout=120)
    assert outcome.code == 2, f"exit {outcome.code}:\n{outcome.output[-3000:]}"
    assert outcome.summary is not None and outcome.summary["exit_code"] == 2
    verdict = outcome.summary["verdict"]
    assert verdict.startswith("not checked:") and "authconform_no_such_module" in verdict, verdict
