"""An installed copy works from any folder: the wheel carries the suites, schemas, profiles and keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The project built as a wheel and unpacked as site-packages would hold it."""
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        pytest.fail(f"building the wheel failed: {built.stderr[-2000:]}")
    wheel = next(dist.glob("authconform-*.whl"))
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
