"""A pytest plugin for the harness's own tests: writes a run's login requests, by scenario, to a JSON file.

Loaded into a real ``authconform run`` with ``-- -p tests.login_scenario_dump``; the file is named by
the AUTHCONFORM_SCENARIO_DUMP environment variable. Each entry is a scenario (secrets replaced by
placeholders, then redacted once more) with the purpose and check of every request sent for it, so
the test reads what the run really sent rather than what the suites say they send.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from authconform import plugin
from authconform.endpoints import scenarios

ENVIRONMENT = "AUTHCONFORM_SCENARIO_DUMP"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    run = session.config.stash.get(plugin.RUN, None)
    destination = os.environ.get(ENVIRONMENT)
    if run is None or not destination:
        return
    groups = scenarios.by_scenario(list(run.recorder.exchanges), run.profile)
    entries = [{"scenario": run.redactor.text(scenario),
                "requests": [{"purpose": run.redactor.text(e.purpose), "check": e.check} for e in group]}
               for scenario, group in groups.items()]
    duplicates = scenarios.duplicates(list(run.recorder.exchanges), run.profile)
    Path(destination).write_text(json.dumps({
        "profile": run.profile.name,
        "login_requests": sum(len(group) for group in groups.values()),
        "scenarios": entries,
        "duplicates": {run.redactor.text(k): [run.redactor.text(p) for p in v] for k, v in duplicates.items()},
    }, indent=1))
