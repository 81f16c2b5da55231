"""``protected.scheme: authorization:<Scheme>``: the token as ``Authorization: <Scheme> <token>``.

django-rest-knox (and DRF's own TokenAuthentication) read ``Authorization: Token <token>``, which neither
``bearer`` nor ``header:<Name>`` can say. The field is proven here on the embedded pch-sig target, written
as ``authorization:Bearer`` (the same header as ``bearer``): the valid token opens the protected endpoint,
ACCESS-WRONG-SCHEME passes on the clean target and fails with the ``lax-auth-scheme`` defect. The knox peer
(tests/test_peers.py) runs it with ``Token`` against the real server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from authconform import resources
from authconform.endpoints.protected import credential_headers
from authconform.profile import ProfileError, load_profile

CHECKS = "test_valid_token_is_accepted or test_wrong_scheme_is_refused"


def _profile(folder: Path, scheme: str) -> Path:
    source = resources.builtin_profile("pch-sig")
    assert source is not None
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["name"] = "pch-sig-authorization-scheme"
    data["protected"]["scheme"] = scheme
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pch-sig-authorization-scheme.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_the_header_is_built_from_the_scheme(tmp_path):
    env = {"PCH_USER": "u", "PCH_PASSWORD": "p"}
    expected = {"authorization:Token": {"Authorization": "Token t0k"}, "bearer": {"Authorization": "Bearer t0k"},
                "header:X-API-TOKEN": {"X-API-TOKEN": "t0k"}}
    for scheme, headers in expected.items():
        profile = load_profile(_profile(tmp_path / scheme.replace(":", "-"), scheme), env=env)
        assert credential_headers(profile, "t0k") == headers, scheme


@pytest.mark.parametrize("scheme", ["authorization:", "authorization:Token x", "token"])
def test_a_malformed_scheme_is_a_profile_error(scheme, tmp_path):
    with pytest.raises(ProfileError, match="scheme"):
        load_profile(_profile(tmp_path, scheme), env={"PCH_USER": "u", "PCH_PASSWORD": "p"})


def test_clean_target_passes_and_lax_scheme_fails(run_authconform, tmp_path):
    profile = str(_profile(tmp_path / "profiles", "authorization:Bearer"))
    fast = ["--target-option", "hash_iterations=1000", "-k", CHECKS]
    clean = run_authconform("run", "--profile", profile, *fast)
    assert clean.summary is not None, clean.output[-3000:]
    assert clean.ids("passed") == {"ACCESS-VALID-TOKEN", "ACCESS-WRONG-SCHEME"}, clean.output[-3000:]
    lax = run_authconform("run", "--profile", profile, *fast, "--defect", "lax-auth-scheme")
    assert lax.summary is not None, lax.output[-3000:]
    assert lax.failed == {"ACCESS-WRONG-SCHEME"}, lax.output[-3000:]
    assert "Authorization: Token <token>" in lax.reasons("failed")["ACCESS-WRONG-SCHEME"]
