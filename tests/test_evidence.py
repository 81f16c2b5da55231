"""The evidence bundle: evidence.zip with a signed manifest, and ``authconform verify`` naming what changed.

One signed run of the embedded pch-sig target; then each member of the zip in turn gets one byte
changed, and verify must exit 1 naming that member.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from authconform.gate import evidence
from tests.conftest import ROOT, authconform

FAST = ("--target-option", "hash_iterations=1000")
SOME = ("--check", "ACCESS-*", "--check", "LOGIN-OK-*")
MEMBERS = ["report.html", "summary.json", "junit.xml", "results.sarif", "profile.yaml", "manifest.json",
           "manifest.sig"]


def _keys(folder: Path, name: str = "signer") -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    private, public = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("evidence")
    private, public = _keys(folder)
    outcome = authconform("run", "--profile", "pch-sig", "--defect", "accepts-alg-none", "--sign-key", str(private),
                          *SOME, *FAST, report_dir=folder / "report")
    assert outcome.code == 1, outcome.output[-3000:]
    bundle = folder / "report" / "evidence.zip"
    assert bundle.is_file(), outcome.output[-3000:]
    assert f"evidence  {bundle}" in outcome.output
    return bundle, public


def _verify(bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "authconform", "verify", str(bundle), *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_the_bundle_holds_the_run_and_its_manifest(signed):
    bundle, _ = signed
    with zipfile.ZipFile(bundle) as opened:
        assert sorted(opened.namelist()) == sorted(MEMBERS)
        manifest = json.loads(opened.read("manifest.json"))
        summary = json.loads(opened.read("summary.json"))
        profile = opened.read("profile.yaml").decode()
        everything = b"".join(opened.read(name) for name in opened.namelist())
    assert set(manifest["files"]) == set(MEMBERS) - {"manifest.json", "manifest.sig"}
    assert manifest["harness"]["name"] == "authconform" and manifest["harness"]["version"]
    assert manifest["catalogue_sha256"] == evidence.catalogue_hash() and len(manifest["catalogue_sha256"]) == 64
    assert manifest["started"] == summary["started"] and manifest["target_url"] == summary["target"]["url"]
    assert manifest["verdict"] == summary["verdict"] and manifest["verdict"].startswith("not conformant")
    assert manifest["signer"]["algorithm"] == "Ed25519"
    # the profile as run: expanded, with every secret redacted
    assert "password: '[REDACTED]'" in profile and "${" not in profile
    from authconform.targets import start

    target = start("pch-sig", ())
    try:
        secrets = [v for k, v in target.env.items() if "PASSWORD" in k or "SECRET" in k]
    finally:
        target.stop()
    assert secrets and not any(s.encode() in everything for s in secrets), "a secret leaked into the bundle"


def test_verify_accepts_the_untouched_bundle(signed):
    bundle, public = signed
    done = _verify(bundle, "--public-key", str(public))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signature good" in done.stdout and "verified" in done.stdout
    without_key = _verify(bundle)
    assert without_key.returncode == 0 and "pass --public-key" in without_key.stdout


@pytest.mark.parametrize("member", MEMBERS)
def test_one_changed_byte_in_any_member_is_named(signed, member, tmp_path):
    bundle, public = signed
    changed = tmp_path / "evidence.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(changed, "w") as target:
        for name in source.namelist():
            data = bytearray(source.read(name))
            if name == member:
                middle = len(data) // 2
                data[middle] = (data[middle] + 1) % 256 if chr(data[middle]) not in "0123456789" else ord("x")
            target.writestr(name, bytes(data))
    done = _verify(changed, "--public-key", str(public))
    assert done.returncode == 1, done.stdout + done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("CHANGED ")]
    assert problems and all(member in line for line in problems), done.stdout
    assert "NOT verified" in done.stdout


def test_a_byte_changed_inside_the_zip_is_named(signed, tmp_path):
    """Editing the archive in place (not rewriting it) is caught too: the member fails its CRC or its hash."""
    bundle, public = signed
    raw = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as opened:
        info = opened.getinfo("summary.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0x01
    changed = tmp_path / "evidence.zip"
    changed.write_bytes(bytes(raw))
    done = _verify(changed, "--public-key", str(public))
    assert done.returncode == 1 and "CHANGED summary.json" in done.stdout, done.stdout + done.stderr


def test_another_key_is_a_bad_signature(signed, tmp_path):
    bundle, _ = signed
    _, other = _keys(tmp_path, "other")
    done = _verify(bundle, "--public-key", str(other))
    assert done.returncode == 1 and "manifest.sig: bad signature" in done.stdout, done.stdout + done.stderr


def test_an_unsigned_bundle_verifies_its_hashes_but_not_against_a_key(signed, tmp_path):
    bundle, public = signed
    unsigned = tmp_path / "evidence.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(unsigned, "w") as target:
        for name in source.namelist():
            if name != "manifest.sig":
                target.writestr(name, source.read(name))
    done = _verify(unsigned)
    assert done.returncode == 0 and "not signed" in done.stdout, done.stdout + done.stderr
    keyed = _verify(unsigned, "--public-key", str(public))
    assert keyed.returncode == 1 and "manifest.sig: missing" in keyed.stdout


def test_an_added_file_is_named(signed, tmp_path):
    bundle, public = signed
    added = tmp_path / "evidence.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(added, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("extra.txt", "hello")
    done = _verify(added, "--public-key", str(public))
    assert done.returncode == 1 and "CHANGED extra.txt: not listed" in done.stdout, done.stdout


def test_a_bad_sign_key_is_a_usage_error_before_the_run(tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("not a key")
    outcome = authconform("run", "--profile", "pch-sig", "--sign-key", str(key), *SOME, *FAST,
                          report_dir=tmp_path / "report")
    assert outcome.code == 2 and "--sign-key" in outcome.output, outcome.output[-3000:]
    assert outcome.summary is None, "nothing ran"


def test_bundle_without_key_is_unsigned(tmp_path):
    outcome = authconform("run", "--profile", "pch-sig", "--bundle", "--check", "ACCESS-NO-TOKEN", *FAST,
                          report_dir=tmp_path / "report")
    assert outcome.code == 0, outcome.output[-3000:]
    with zipfile.ZipFile(outcome.report_dir / "evidence.zip") as opened:
        assert "manifest.sig" not in opened.namelist() and "manifest.json" in opened.namelist()
    assert _verify(outcome.report_dir / "evidence.zip").returncode == 0
