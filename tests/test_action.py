"""The composite GitHub Action (action.yml), its shell steps run as a runner runs them.

The runner gives each ``run:`` step its ``env:`` with the ``${{ ... }}`` expressions filled in,
runs it with ``bash --noprofile --norc -eo pipefail``, and reads the step's outputs back from
``$GITHUB_OUTPUT``. This test does the same against the embedded pch-sig target. The ``uses:``
steps (setup-python, upload-artifact, upload-sarif) need GitHub: they are skipped, but the files
they would upload are checked. The install step really installs the action's own copy, into a
virtual environment of its own, whose ``python`` is first on PATH as actions/setup-python's would be;
the dependencies are those of the harness's environment (a ``.pth`` line), so nothing is downloaded
but the build backend, and the shared environment is left alone.
"""

from __future__ import annotations

import os
import re
import site
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


@pytest.fixture(scope="module")
def python_bin(tmp_path_factory) -> Path:
    """The runner's Python: a fresh venv that sees this environment's packages, so pip installs authconform only."""
    venv = tmp_path_factory.mktemp("runner") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    [purelib] = list((venv / "lib").glob("python3*/site-packages"))
    (purelib / "harness-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv / "bin"


def _evaluate(text: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        if expression == "github.action_path":
            return str(ROOT)
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if step:
            return outputs.get(step.group(1), {}).get(step.group(2), "")
        raise AssertionError(f"the test runner does not know the expression {expression!r}")

    return EXPRESSION.sub(value, str(text))


Outputs = dict[str, dict[str, str]]


def run_action(tmp_path: Path, python_bin: Path, **given: str) -> tuple[list[tuple[str, int]], Outputs, Path]:
    """Run the action's shell steps in order; returns (step name, exit code) for each, the outputs, the workspace."""
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(given) - set(inputs)
    assert not unknown, f"the action has no inputs {unknown}"
    inputs.update(given)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    summary = tmp_path / "step-summary.md"
    base_env = {k: v for k, v in os.environ.items() if k not in ("TARGET_URL", "PYTHONPATH")}
    base_env.update({
        "PATH": f"{python_bin}{os.pathsep}{base_env['PATH']}", "VIRTUAL_ENV": str(python_bin.parent),
        "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(workspace),
    })
    outputs: Outputs = {}
    ran: list[tuple[str, int]] = []
    for index, step in enumerate(ACTION["runs"]["steps"]):
        name = step.get("name", step.get("uses", f"step {index}"))
        if "uses" in step:
            ran.append((f"skipped: {step['uses']}", 0))
            continue
        assert step.get("shell") == "bash", f"{name}: composite run steps must name their shell"
        output_file = tmp_path / f"output-{index}"
        output_file.write_text("")
        env = dict(base_env, GITHUB_OUTPUT=str(output_file))
        env.update({k: _evaluate(v, inputs, outputs) for k, v in (step.get("env") or {}).items()})
        script = tmp_path / f"step-{index}.sh"
        script.write_text(step["run"])
        assert "${{" not in step["run"], f"{name}: inputs reach the script through env, never inline"
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=600)
        ran.append((name, done.returncode))
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if line)
        if done.returncode != 0:
            outputs.setdefault("_log", {})[name] = done.stdout + done.stderr
            break
    return ran, outputs, workspace


FAST = "--target-option hash_iterations=1000 --check ACCESS-ALG-NONE --check ACCESS-NO-TOKEN"


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory, python_bin):
    return run_action(tmp_path_factory.mktemp("action"), python_bin, args=f"{FAST} --defect accepts-alg-none")


def test_the_action_installs_runs_and_fails_the_job_on_the_gate(failing_run):
    ran, outputs, workspace = failing_run
    names = [name for name, _ in ran]
    assert names == ["skipped: actions/setup-python@v5", "Install authconform", "Run authconform",
                     "skipped: actions/upload-artifact@v4", "skipped: github/codeql-action/upload-sarif@v3", "Gate"]
    codes = dict(ran)
    assert codes["Install authconform"] == 0 and codes["Run authconform"] == 0, outputs.get("_log")
    assert codes["Gate"] == 1, "the gate step fails the job with authconform's exit code"
    run = outputs["run"]
    assert run["exit-code"] == "1" and run["verdict"].startswith("not conformant: 1 gate failure")
    assert run["artifact-name"] == "authconform-pch-sig"
    report = workspace / run["report-dir"]
    for name in ("report.html", "summary.json", "junit.xml", "results.sarif"):
        assert (report / name).is_file(), f"the artifact upload would miss {name}"
    assert (workspace / run["sarif"]).is_file(), "upload-sarif's sarif_file must exist"
    step_summary = (workspace.parent / "step-summary.md").read_text()
    assert f"authconform pch-sig: {run['verdict']} (exit 1)" in step_summary


def test_the_install_step_installed_the_actions_copy(failing_run, python_bin):
    """The run used the copy the install step put in the runner's Python, suites included, not the checkout."""
    [purelib] = list((python_bin.parent / "lib").glob("python3*/site-packages"))
    assert (purelib / "authconform" / "_data" / "suites" / "test_login.py").is_file()
    where = subprocess.run([str(python_bin / "python"), "-c", "import authconform; print(authconform.__file__)"],
                           capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                                                if k != "PYTHONPATH"}, check=True)
    assert where.stdout.strip().startswith(str(purelib)), where.stdout


def test_a_waiver_input_lets_the_gate_pass(tmp_path, python_bin):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - {check: ACCESS-ALG-NONE, reason: vendor fix scheduled, expires: 2099-12-31}\n")
    ran, outputs, _ = run_action(tmp_path, python_bin, args=f"{FAST} --defect accepts-alg-none",
                                 waivers=str(waivers))
    assert dict(ran)["Gate"] == 0, outputs
    assert outputs["run"]["verdict"].startswith("conformant, 1 waived"), outputs["run"]["verdict"]


def test_a_usage_error_fails_the_job_with_exit_2(tmp_path, python_bin):
    ran, outputs, _ = run_action(tmp_path, python_bin, profile="no-such-profile", args=FAST)
    assert dict(ran)["Gate"] == 2, outputs
    assert outputs["run"]["verdict"].startswith("no summary.json")


def test_the_ci_examples_use_the_action_as_it_is():
    """docs/ci: the GitHub workflow passes only inputs the action has; the GitLab job reads junit.xml."""
    workflow = yaml.safe_load((ROOT / "docs" / "ci" / "github-workflow.yml").read_text(encoding="utf-8"))
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    [uses] = [s for s in steps if str(s.get("uses", "")).endswith("/authconform@v1")]
    assert set(uses["with"]) <= set(ACTION["inputs"]), set(uses["with"]) - set(ACTION["inputs"])
    assert "matrix" in workflow["jobs"]["gate"]["strategy"]
    assert any("authconform compare" in str(s.get("run", "")) for s in steps)
    gitlab = yaml.safe_load((ROOT / "docs" / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8"))
    job = gitlab["authconform"]
    assert job["artifacts"]["reports"]["junit"] == "authconform-report/junit.xml"
    assert job["artifacts"]["when"] == "always"
