"""The README's check catalogue is the one `authconform list` prints (regenerate: make catalogue)."""

import re

from authconform.checks import catalogue
from authconform.cli import markdown_catalogue
from tests.conftest import ROOT


def test_readme_catalogue_is_current():
    readme = (ROOT / "README.md").read_text()
    shown = re.search(r"<!-- catalogue:start -->\n(.*)<!-- catalogue:end -->", readme, re.S)
    assert shown, "README.md lost its catalogue markers"
    assert shown.group(1).strip() == markdown_catalogue(catalogue()).strip(), "run `make catalogue`"
