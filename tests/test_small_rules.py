"""Rules that exist once (issue 15): the JSON media type, the credential scheme, a schema reference.

Each rule used to be written in two or three places that disagreed at the edges (``text/json``;
``authorization:<Scheme>`` in the OpenAPI fetch). These pin the one version every caller now shares.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from authconform import resources
from authconform.http.client import is_json_media
from authconform.openapi.document import request_headers
from authconform.profile import CredentialScheme, load_profile

ENV = {"PCH_USER": "u", "PCH_PASSWORD": "p"}


@pytest.mark.parametrize(("media_type", "is_json"), [
    ("application/json", True),
    ("Application/JSON; charset=utf-8", True),
    ("application/problem+json", True),  # RFC 9457, a +json suffix (RFC 6839 §3.1)
    ("application/vnd.api+json", True),
    ("text/json", False),  # unregistered: no credit for a JSON content type
    ("application/jsonx", False),
    ("application/+json", False),
    ("text/html", False),
    ("", False),
    (None, False),
])
def test_json_media_type(media_type, is_json):
    assert is_json_media(media_type) is is_json


@pytest.mark.parametrize(("text", "header", "sent"), [
    (None, "Authorization", {"Authorization": "Bearer t"}),
    ("bearer", "Authorization", {"Authorization": "Bearer t"}),
    ("header:X-API-TOKEN", "X-API-TOKEN", {"X-API-TOKEN": "t"}),
    ("authorization:Token", "Authorization", {"Authorization": "Token t"}),
])
def test_credential_scheme(text, header, sent):
    scheme = CredentialScheme.parse(text)
    assert scheme.header_name == header
    assert scheme.headers("t") == sent
    assert str(scheme) == (text or "bearer")


@pytest.mark.parametrize("text", ["header:", "authorization:", "token", "bearer:x"])
def test_a_malformed_scheme_is_refused(text):
    with pytest.raises(ValueError, match="protected.scheme"):
        CredentialScheme.parse(text)


def _profile(tmp_path: Path, scheme: str, openapi: dict | None = None):
    source = resources.builtin_profile("pch-sig")
    assert source is not None
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["protected"]["scheme"] = scheme
    if openapi is not None:
        data["openapi"] = openapi
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_profile(path, ENV)


def test_the_openapi_fetch_sends_the_token_as_the_protected_endpoint_takes_it(tmp_path):
    """It used to send ``Bearer`` for ``authorization:Token``: now the one scheme parser decides."""
    profile = _profile(tmp_path, "authorization:Token", {"spec": "/api/docs.json"})
    assert request_headers(profile, "t0k")["Authorization"] == "Token t0k"


def test_a_header_scheme_is_a_secret_header(tmp_path):
    profile = _profile(tmp_path, "header:X-API-TOKEN")
    assert "X-API-TOKEN" in profile.secret_header_names()
    assert "Authorization" not in _profile(tmp_path, "bearer").secret_header_names()


def test_schema_path_resolves_against_the_profile(tmp_path):
    profile = load_profile("pch-sig", ENV)
    reference = profile.login.success.schema
    assert reference and Path(profile.schema_path(reference)).is_file()
    assert profile.schema_path(None) is None
