"""The OpenAPI worker process: it answers, and when it cannot, the run says so in time and in plain words.

The worker validates documents and fuzzes (authconform.openapi.worker). A worker that is missing a
library, dies, hangs or raises must never hang the run, show a secret or pass for a verdict on the
target: a missing library is a skip with the install hint, anything else a WorkerFailed, which the
plugin records as the check's ``error``.
"""

from __future__ import annotations

import pytest

from authconform.exceptions import ValidatorMissing, WorkerFailed
from authconform.openapi import worker as worker_module
from authconform.openapi.worker import LibraryMissing, Worker

VALID = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
SECRET = "s3cret-value-in-a-path"


@pytest.fixture
def worker():
    started = Worker(lambda text: text.replace(SECRET, "[REDACTED]") if text else text)
    yield started
    started.close()


def _fake_libraries(tmp_path, monkeypatch, **modules: str) -> None:
    """Modules of these names, first on the worker's path (it inherits PYTHONPATH): what a broken install looks like."""
    for name, source in modules.items():
        (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))


def test_the_worker_validates_documents(worker):
    assert worker.validation_problems(VALID) == []
    assert worker.validation_problems({**VALID, "info": {"title": "t"}}) == [
        'at info: "version" is a required property']
    assert "names no OpenAPI version" in worker.validation_problems({"paths": {}})[0]


def test_a_worker_that_died_is_a_readable_failure(worker):
    assert worker.validation_problems(VALID) == []
    worker._process.kill()
    with pytest.raises(WorkerFailed, match=r"harness problem .*ended unexpectedly \(exit code -9\)"):
        worker.validation_problems(VALID)
    assert not worker.started  # stopped and let go of; a later ask starts a new one
    assert worker.validation_problems(VALID) == []


def test_an_error_in_the_worker_is_reported_redacted(worker):
    def send(request, carried):  # pragma: no cover - the operation does not exist, nothing is sent
        raise AssertionError("nothing should be sent")

    with pytest.raises(WorkerFailed) as raised:
        worker.fuzz(send, document=VALID, method="POST", path=f"/{SECRET}", examples=5, identities=[],
                    base_url="http://127.0.0.1:9", headers={}, seconds=1.0)
    message = str(raised.value)
    assert "the worker erred" in message and "Traceback" in message, message
    assert SECRET not in message and "[REDACTED]" in message, message


def test_a_worker_that_sends_nothing_is_stopped_in_time(tmp_path, monkeypatch, worker):
    """A worker stuck (here: in an import that never ends) fails the ask after WAIT_SECONDS, not never.

    The document is larger than a pipe holds: sent to a worker that never reads, it would block the run.
    """
    _fake_libraries(tmp_path, monkeypatch, jsonschema_path="import time\ntime.sleep(60)\n")
    monkeypatch.setattr(worker_module, "WAIT_SECONDS", 1.0)
    large = {**VALID, "paths": {f"/p{i}": {"description": f"{i:0100d}"} for i in range(2000)}}
    with pytest.raises(WorkerFailed, match="sent nothing for 1 s"):
        worker.validation_problems(large)
    assert not worker.started


def test_a_send_that_raises_stops_the_worker(worker):
    """The worker waits for the run's reply; when the run's side raises instead, the worker is stopped, not left."""
    login = {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                      "responses": {"200": {"description": "ok"}}}}

    def send(request, carried):
        raise RuntimeError("the run's side broke")

    with pytest.raises(RuntimeError, match="the run's side broke"):
        worker.fuzz(send, document={**VALID, "paths": {"/login": login}}, method="POST", path="/login", examples=5,
                    identities=[], base_url="http://127.0.0.1:9", headers={}, seconds=5.0)
    assert not worker.started
    assert worker.validation_problems(VALID) == []  # a new one on the next ask


def test_missing_libraries_are_named(tmp_path, monkeypatch, worker):
    """Without schemathesis fuzzing says so (the check skips with it); validation still works, and vice versa."""
    fail = "raise ImportError('not installed here', name={!r})\n"
    _fake_libraries(tmp_path, monkeypatch, schemathesis=fail.format("schemathesis"))
    with pytest.raises(LibraryMissing) as raised:
        worker.fuzz(lambda request, carried: None, document=VALID, method="POST", path="/login", examples=5,
                    identities=[], base_url="http://127.0.0.1:9", headers={}, seconds=1.0)
    assert raised.value.name == "schemathesis"
    assert worker.validation_problems(VALID) == []
    worker.close()
    _fake_libraries(tmp_path, monkeypatch, jsonschema_path=fail.format("jsonschema_path"))
    with pytest.raises(ValidatorMissing, match="openapi-spec-validator .*jsonschema_path is not installed"):
        worker.validation_problems(VALID)


def test_a_broken_worker_makes_the_check_an_error_not_a_finding(tmp_path, run_authconform):
    """The plugin records a WorkerFailed as the check's error: the gate fails, and no one reads it as the target's."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "schemathesis.py").write_text("import os\nos._exit(3)\n")  # the worker dies while starting
    outcome = run_authconform("run", "--profile", "pch-sig", "--target-option", "hash_iterations=1000",
                              "-k", "fuzzed or valid_openapi", env={"PYTHONPATH": str(fake)})
    assert outcome.summary is not None, outcome.output[-3000:]
    checks = {c["id"]: c for c in outcome.summary["checks"] if c["outcome"] != "not_selected"}
    assert {i: c["outcome"] for i, c in checks.items()} == {"OPENAPI-SPEC-VALID": "error", "OPENAPI-FUZZ": "error"}
    assert "harness problem" in checks["OPENAPI-FUZZ"]["reason"], checks["OPENAPI-FUZZ"]["reason"]
    assert outcome.code != 0


def test_the_worker_runs_the_run_s_own_authconform(tmp_path, monkeypatch, worker):
    """Another authconform first on the path (an older install, say) is not the one the worker imports."""
    other = tmp_path / "authconform"
    other.mkdir()
    (other / "__init__.py").write_text("raise ImportError('the other copy was imported', name='authconform')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    assert worker.validation_problems(VALID) == []
