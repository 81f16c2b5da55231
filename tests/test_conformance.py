"""Every check is proven: the clean reference targets pass, and each defect fails exactly its checks.

This is the harness's central promise. For every built-in profile, a run against its clean embedded
target must be conformant with every non-passing check skipped for a stated reason; and for every
defect the reference target can switch on, the run must fail and name exactly the check IDs the
defect declares it breaks, no more and no fewer.
"""

from __future__ import annotations

import pytest

from authconform.targets import FLAVOURS, defects_for

FAST = ["--target-option", "hash_iterations=1000"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_clean_reference_target_is_conformant(flavour, run_authconform):
    outcome = run_authconform("run", "--profile", flavour, *FAST)
    assert outcome.summary is not None, outcome.output[-3000:]
    assert outcome.failed == set(), (
        f"clean {flavour} target failed checks: "
        + "; ".join(f"{c['id']}: {c['reason']}" for c in outcome.summary["checks"] if c["outcome"] != "passed"
                    and c["outcome"] != "skipped")
    )
    assert outcome.code == 0, outcome.output[-3000:]
    for check_id, reason in outcome.reasons("skipped").items():
        assert reason.strip(), f"{check_id} was skipped without a reason"


CASES = [(flavour, defect.name) for flavour in FLAVOURS for defect in defects_for(flavour)]


@pytest.mark.parametrize(("flavour", "defect"), CASES, ids=[f"{f}:{d}" for f, d in CASES])
def test_defect_fails_exactly_its_checks(flavour, defect, run_authconform):
    from authconform.targets import DEFECTS

    expected = set(DEFECTS[defect].breaks[flavour])
    outcome = run_authconform("run", "--profile", flavour, "--defect", defect, *FAST)
    assert outcome.summary is not None, outcome.output[-3000:]
    assert outcome.failed == expected, (
        f"{flavour} with defect {defect}: expected exactly {sorted(expected)} to fail, "
        f"got {sorted(outcome.failed)}; reasons: "
        + "; ".join(f"{c['id']}: {c['reason']}" for c in outcome.summary["checks"]
                    if c["id"] in outcome.failed ^ expected)
    )
    gate = {c["id"] for c in outcome.summary["checks"] if c["id"] in expected and c["severity"] == "must"}
    assert outcome.code == (1 if gate else 0), outcome.output[-2000:]
