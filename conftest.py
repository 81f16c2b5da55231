"""Root conftest: loads the authconform plugin when run from a checkout that is not installed.

An installed copy (``pip install -e .``) registers the plugin through its ``pytest11`` entry point,
so this file then does nothing.
"""

import importlib.metadata
import sys
from pathlib import Path

if not any(ep.name == "authconform" for ep in importlib.metadata.entry_points(group="pytest11")):
    sys.path.insert(0, str(Path(__file__).parent / "src"))
    pytest_plugins = ["authconform.plugin"]
