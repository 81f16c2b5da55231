"""An installed copy works from any folder: the wheel carries the suites, schemas, profiles and keys.

The plain-install test builds a fresh virtual environment holding the wheel and its runtime
dependencies only, as ``pip install authconform`` gives a user: no pytest-xdist, no Playwright, no
peer servers. The dev venv cannot prove that, since a hook of a plugin it happens to hold (xdist)
would be accepted there and rejected on a user's machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Packages of the extras (dev, peers) that a plain install must neither need nor get.
NOT_RUNTIME = ("xdist", "playwright", "django", "flask", "ruff")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project built as a wheel, as a release would ship it."""
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        pytest.fail(f"building the wheel failed: {built.stderr[-2000:]}")
    return next(dist.glob("authconform-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """The wheel unpacked as site-packages would hold it."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(site)
    return site, names


def test_wheel_carries_the_data(installed):
    _, names = installed
    for needed in ("authconform/_data/suites/test_login.py", "authconform/_data/suites/pytest.ini",
                   "authconform/_data/schemas/profile.schema.json", "authconform/_data/profiles/pch-sig.yaml",
                   "authconform/targets/keys/pch-sig-public.pem"):
        assert needed in names, f"{needed} missing from the wheel"


def test_installed_copy_runs_from_another_folder(installed, tmp_path):
    site, _ = installed
    env = {k: v for k, v in os.environ.items() if k != "TARGET_URL"}
    env["PYTHONPATH"] = str(site)
    probe = subprocess.run([sys.executable, "-c", "import authconform.resources as r; print(r.data_root())"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert probe.stdout.strip() == str(site / "authconform" / "_data")
    done = subprocess.run([sys.executable, "-m", "authconform", "run", "--target-option", "hash_iterations=1000",
                           "-k", "LOGIN or login"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = json.loads(next((tmp_path / "reports").glob("pch-sig-*/summary.json")).read_text())
    assert summary["counts"]["total"]["passed"] >= 14


def _clean_env() -> dict[str, str]:
    """The environment without anything that would lead Python back to the dev venv or the checkout."""
    dropped = ("TARGET_URL", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")
    return {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PYTEST_XDIST")}


@pytest.fixture(scope="module")
def plain_venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with ``pip install <wheel>``: the runtime dependencies and nothing else."""
    venv = tmp_path_factory.mktemp("plain") / "venv"
    env = _clean_env()
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert made.returncode == 0, f"python -m venv failed: {made.stderr[-2000:]}"
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
                          capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, f"pip install {wheel.name} failed: {done.stderr[-3000:]}"
    return venv


@pytest.mark.slow
def test_plain_install_has_no_extras(plain_venv):
    probe = "import importlib.util as u, sys; print(' '.join(n for n in sys.argv[1:] if u.find_spec(n)))"
    found = subprocess.run([str(plain_venv / "bin" / "python"), "-c", probe, *NOT_RUNTIME],
                           capture_output=True, text=True, env=_clean_env(), timeout=60)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [], (f"expected none of {', '.join(NOT_RUNTIME)} in a plain install "
                                        f"(pyproject dependencies), got {found.stdout.strip()}")


@pytest.mark.slow
def test_plain_install_runs_the_main_job(plain_venv, tmp_path):
    """`authconform run` with no options, from a folder that is not the checkout: the embedded target, exit 0."""
    done = subprocess.run([str(plain_venv / "bin" / "authconform"), "run"], capture_output=True, text=True,
                          env=_clean_env(), cwd=tmp_path, timeout=600)
    output = done.stdout[-4000:] + done.stderr[-2000:]
    assert done.returncode == 0, f"expected exit 0 (conformant embedded pch-sig), got {done.returncode}:\n{output}"
    summary = json.loads(next((tmp_path / "reports").glob("pch-sig-*/summary.json")).read_text())
    assert summary["exit_code"] == 0 and summary["verdict"].startswith("conformant"), summary["verdict"]
    assert summary["counts"]["total"]["passed"] >= 40, summary["counts"]


@pytest.mark.slow
def test_plain_install_runs_plain_pytest(plain_venv, tmp_path):
    """`pytest --profile pch-sig <installed suites>`, the plugin loaded by its entry point alone."""
    python = str(plain_venv / "bin" / "python")
    env = _clean_env()
    suites = subprocess.run([python, "-c", "import authconform.resources as r; print(r.suites_dir())"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60).stdout.strip()
    assert suites.startswith(str(plain_venv)), f"expected the suites inside the venv, got {suites!r}"
    done = subprocess.run([str(plain_venv / "bin" / "pytest"), "--profile", "pch-sig", suites], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=600)
    output = done.stdout[-4000:] + done.stderr[-2000:]
    assert done.returncode == 0, f"expected exit 0 (conformant embedded pch-sig), got {done.returncode}:\n{output}"
    assert "PluginValidationError" not in output and "INTERNALERROR" not in output, output
    summary = json.loads(next((tmp_path / "reports").glob("pch-sig-*/summary.json")).read_text())
    assert summary["verdict"].startswith("conformant"), summary["verdict"]
