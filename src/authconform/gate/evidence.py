"""The evidence bundle: a run's report files in one zip that cannot be edited unnoticed.

What a vendor hands a customer must show the run as it happened. ``evidence.zip`` holds
report.html, summary.json, junit.xml, results.sarif, the profile as run (every secret redacted) and
manifest.json: the SHA-256 of each of those files, the harness version, a hash of the check
catalogue (which checks this harness version knows), the start time, the target URL and the
verdict. With an Ed25519 private key the manifest is signed (manifest.sig), as the OpenID
conformance suite signs its result exports; :func:`verify` checks every hash and the signature
and names what changed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .. import __version__
from ..run import Run, UsageProblem

BUNDLE = "evidence.zip"
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
MEMBERS = ("report.html", "summary.json", "junit.xml", "results.sarif")
PROFILE_MEMBER = "profile.yaml"
REDACTED = "[REDACTED]"
# profile fields whose values are secrets wherever they appear (key material included); account passwords and
# the secret header's value are replaced by name too, and every other string goes through the run's redactor
SECRET_FIELDS = {"secret", "private_key", "disabled_refresh_token"}


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """The Ed25519 signing key at ``path`` (PEM, unencrypted); :class:`UsageProblem` otherwise (exit 2)."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageProblem(f"--sign-key {path}: not a readable unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageProblem(f"--sign-key {path}: an Ed25519 key is needed, got {type(key).__name__}")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise UsageProblem(f"--public-key {path}: not a readable PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageProblem(f"--public-key {path}: an Ed25519 key is needed, got {type(key).__name__}")
    return key


def _pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def catalogue_hash() -> str:
    """SHA-256 of the check catalogue (ID, severity, requirement, title of each check), in catalogue order."""
    from ..checks import catalogue

    text = json.dumps([c.as_dict() for c in catalogue()], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _scrub(value: Any, run: Run) -> Any:
    if isinstance(value, dict):
        return {k: (REDACTED if k in SECRET_FIELDS and v not in (None, "") else _scrub(v, run))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, run) for v in value]
    return run.redactor.text(value) if isinstance(value, str) else value


def redacted_profile(run: Run) -> str:
    """The profile as run (environment expanded, defaults filled), every secret replaced."""
    data = _scrub(run.profile.to_dict(), run)
    for account in (data.get("accounts") or {}).values():
        if isinstance(account, dict) and account.get("password"):
            account["password"] = REDACTED
    secret_header = data.get("secret_header")
    if isinstance(secret_header, dict) and secret_header.get("value"):
        secret_header["value"] = REDACTED
    head = f"# the profile {run.profile.name} as run ({run.profile.source}); secrets redacted\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_bundle(run: Run, *, sign_key: str | Path | None = None) -> Path:
    """Write ``<report-dir>/evidence.zip`` from the report files already written; sign when given a key."""
    folder = run.report_dir
    files: dict[str, bytes] = {name: (folder / name).read_bytes() for name in MEMBERS if (folder / name).is_file()}
    files[PROFILE_MEMBER] = redacted_profile(run).encode()
    summary = json.loads(files["summary.json"])
    manifest = {
        "harness": {"name": "authconform", "version": __version__},
        "catalogue_sha256": catalogue_hash(),
        "profile": summary.get("profile"),
        "started": summary.get("started"),
        "target_url": (summary.get("target") or {}).get("url"),
        "verdict": summary.get("verdict"),
        "exit_code": summary.get("exit_code"),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    key = load_private_key(sign_key) if sign_key else None
    if key is not None:
        manifest["signer"] = {"algorithm": "Ed25519", "fingerprint": fingerprint(key.public_key()),
                              "public_key": _pem(key.public_key())}
    manifest_bytes = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    path = folder / BUNDLE
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
        bundle.writestr(MANIFEST, manifest_bytes)
        if key is not None:
            bundle.writestr(SIGNATURE, base64.b64encode(key.sign(manifest_bytes)).decode() + "\n")
    return path


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read(bundle: zipfile.ZipFile, name: str) -> bytes | None:
    """A member's bytes; None when the zip's own CRC says it was changed in place."""
    try:
        return bundle.read(name)
    except (zipfile.BadZipFile, zlib.error):
        return None


def verify(path: str | Path, public_key: str | Path | None = None) -> Verification:
    """Check every hash of the manifest and its signature; each problem names the file."""
    result = Verification()
    trusted = load_public_key(public_key) if public_key else None
    try:
        bundle = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        result.problems.append(f"{path}: not a readable zip ({exc})")
        return result
    with bundle:
        names = bundle.namelist()
        raw = _read(bundle, MANIFEST) if MANIFEST in names else None
        if raw is None:
            result.problems.append(f"{MANIFEST}: missing or damaged")
            return result
        try:
            manifest = json.loads(raw)
            listed: dict[str, str] = manifest["files"]
        except (ValueError, KeyError, TypeError):
            result.problems.append(f"{MANIFEST}: changed (not a valid manifest any more)")
            manifest, listed = {}, {}
        _check_signature(bundle, names, raw, manifest, trusted, result)
        for name, digest in listed.items():
            if name not in names:
                result.problems.append(f"{name}: missing from the bundle")
                continue
            data = _read(bundle, name)
            if data is None:
                result.problems.append(f"{name}: changed (its bytes fail the zip's CRC check)")
            elif hashlib.sha256(data).hexdigest() != digest:
                result.problems.append(f"{name}: changed (SHA-256 differs from {MANIFEST})")
        for name in names:
            if name not in listed and name not in (MANIFEST, SIGNATURE):
                result.problems.append(f"{name}: not listed in {MANIFEST} (added after the run)")
    return result


def _check_signature(bundle: zipfile.ZipFile, names: list[str], raw: bytes, manifest: dict[str, Any],
                     trusted: Ed25519PublicKey | None, result: Verification) -> None:
    if SIGNATURE not in names:
        if trusted is not None:
            result.problems.append(f"{SIGNATURE}: missing: the bundle is not signed, a public key was given")
        else:
            result.notes.append("not signed: the hashes show the files match the manifest, nothing more")
        return
    key = trusted
    if key is None:
        try:
            loaded = serialization.load_pem_public_key(manifest["signer"]["public_key"].encode())
            key = loaded if isinstance(loaded, Ed25519PublicKey) else None
        except (KeyError, TypeError, ValueError):
            key = None
        if key is None:
            result.problems.append(f"{SIGNATURE}: bad signature: {MANIFEST} names no usable signer key")
            return
        result.notes.append(f"signed by {fingerprint(key)} (the key in the manifest: pass --public-key to check "
                            "it is the vendor's)")
    signature_text = _read(bundle, SIGNATURE)
    try:
        key.verify(base64.b64decode((signature_text or b"").strip(), validate=True), raw)
    except (InvalidSignature, ValueError):
        result.problems.append(f"{SIGNATURE}: bad signature: {MANIFEST} or {SIGNATURE} changed since signing, "
                               "or another key signed it")
        return
    if trusted is not None:
        result.notes.append(f"signature good: signed by {fingerprint(trusted)}")
