"""A pch-sig profile whose logout claims an access-token deny-list, for the harness's own tests.

Real gesdinet only deletes the refresh token, so the built-in profile says ``revokes_access: false``
and LOGOUT-ACCESS-REVOKED is information there. This writes the built-in profile again with
``logout.revokes_access: true`` and the access token sent with the logout, for a reference target
started with ``--target-option logout_revokes_access=true`` (an app that added a deny-list): there the
check is ``must``, and the ``logout-access-not-denied`` defect makes it fail.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from authconform import resources

DENY_LIST = ["--target-option", "logout_revokes_access=true"]


def deny_list_profile(folder: Path) -> Path:
    """Write ``pch-sig-deny-list.yaml`` into ``folder`` and return its path."""
    source = resources.builtin_profile("pch-sig")
    assert source is not None
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["name"] = "pch-sig-deny-list"
    data["logout"] = {**data["logout"], "access_token": "bearer", "revokes_access": True}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pch-sig-deny-list.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
