"""The timing-enumeration statistics: Mann-Whitney U against known values, and the sequential plan.

Reference p-values come from ``scipy.stats.mannwhitneyu`` (scipy 1.17.1), computed once by hand and
written here, so the harness needs no scipy: ``method="exact"`` where authconform uses the exact
distribution (no ties, n1 * n2 <= 10 000) and ``method="asymptotic"`` (tie and continuity correction)
elsewhere. The first case is Conover's example from scipy's documentation.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest

from authconform.timing import (
    SequentialTest,
    checkpoints,
    mann_whitney,
    ranks,
    schedule,
    smallest_p,
    u_distribution,
)

KNOWN = [
    # (x, y, U of x, p, method)
    ([19, 22, 16, 29, 24], [20, 11, 17, 12], 17.0, 0.1111111111111111, "exact"),
    ([1, 2, 2, 3, 4, 4, 5], [2, 3, 5, 6, 7, 7, 8, 9], 9.0, 0.031051089619570944, "normal"),
    (
        [0.012, 0.011, 0.013, 0.011, 0.015, 0.014, 0.012, 0.016, 0.011, 0.013],
        [0.004, 0.005, 0.004, 0.006, 0.012, 0.005, 0.004, 0.003, 0.005, 0.004, 0.006, 0.005],
        116.0, 0.0002234120975165447, "normal",
    ),
    ([10.0, 11.0], [i / 10 for i in range(48)], 96.0, 0.0016326530612244899, "exact"),
    ([i * 1.3 + 0.01 for i in range(30)], [i * 1.1 + 7.777 for i in range(40)], 340.0, 0.0017610421932210268,
     "exact"),
    ([i * 1.3 + 0.01 for i in range(120)], [i * 1.1 + 7.777 for i in range(110)], 7417.0, 0.10528128778298428,
     "normal"),
]


@pytest.mark.parametrize(("x", "y", "u", "p", "method"), KNOWN)
def test_mann_whitney_matches_reference_values(x, y, u, p, method):
    result = mann_whitney(x, y)
    assert result.u == u
    assert result.method == method
    assert result.p_value == pytest.approx(p, rel=1e-9)


def test_mann_whitney_is_symmetric():
    x, y = [3.1, 4.2, 5.3, 9.9], [1.0, 2.0, 2.5, 3.0, 8.0]
    forward, backward = mann_whitney(x, y), mann_whitney(y, x)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.u + backward.u == len(x) * len(y)


def test_identical_values_are_no_evidence():
    assert mann_whitney([5.0] * 4, [5.0] * 6).p_value == 1.0


def test_empty_sample_is_refused():
    with pytest.raises(ValueError):
        mann_whitney([], [1.0])


def test_ranks_average_ties():
    assert ranks([10, 20, 20, 30, 20]) == [1, 3, 3, 5, 3]


@pytest.mark.parametrize(("m", "n"), [(1, 1), (1, 5), (2, 3), (3, 4), (4, 4), (5, 2)])
def test_u_distribution_matches_brute_force(m, n):
    counts = [0] * (m * n + 1)
    for chosen in itertools.combinations(range(m + n), m):
        # U of the chosen sample: pairs where a chosen value exceeds an unchosen one
        others = [i for i in range(m + n) if i not in chosen]
        counts[sum(1 for a in chosen for b in others if a > b)] += 1
    assert u_distribution(m, n) == counts
    assert sum(counts) == math.comb(m + n, m)


def test_smallest_p_is_a_perfect_separation():
    assert smallest_p(2, 48) == pytest.approx(2 / math.comb(50, 2))
    assert smallest_p(2, 48) == pytest.approx(mann_whitney([10.0, 11.0], [i / 10 for i in range(48)]).p_value)
    assert smallest_p(1, 99) == pytest.approx(0.02)
    assert smallest_p(0, 10) == 1.0


def test_schedule_spreads_the_scarce_kind_evenly():
    order = schedule(3, 9)
    assert order.count("known") == 3 and order.count("unknown") == 9
    positions = [i for i, kind in enumerate(order) if kind == "known"]
    assert positions == [2, 6, 10]
    assert schedule(0, 4) == ["unknown"] * 4
    assert schedule(5, 5).count("known") == 5


def test_checkpoints_drop_looks_that_cannot_conclude():
    # 8 wrong-password and 92 unknown-user samples: the first quarter holds only 2 wrong passwords,
    # which cannot reach 0.01 / 4, so three looks remain at 0.01 / 3
    looks, level = checkpoints(schedule(8, 92))
    assert looks == [50, 75, 100] and level == pytest.approx(0.01 / 3)
    # 2 wrong passwords: only the end of the series can conclude, so it gets the whole level
    looks, level = checkpoints(schedule(2, 98))
    assert looks == [100] and level == pytest.approx(0.01)
    # 1 wrong password can never reach p < 0.01 (its best is 2/100)
    assert checkpoints(schedule(1, 99)) == ([], 0.01)


def _feed(test: SequentialTest, known_time, unknown_time):
    """Run the plan with synthetic latencies; return the decision and how many samples it took."""
    rng = random.Random(7)
    while (kind := test.next_kind()) is not None:
        seconds = (known_time if kind == "known" else unknown_time)(rng)
        decision = test.add(kind, seconds)
        if decision is not None:
            return decision
    raise AssertionError("the series ended without a decision")


def test_a_clear_leak_stops_early():
    test = SequentialTest(known_planned=8, unknown_planned=92)
    decision = _feed(test, lambda r: 0.005 + r.random() * 0.001, lambda r: 0.001 + r.random() * 0.001)
    assert decision.outcome == "leak"
    assert test.sent == 50  # the first checkpoint already settles it
    assert decision.p_value < decision.level
    assert "unknown users answer measurably faster" in decision.reason
    assert "wrong-password logins" in decision.numbers() and "p = " in decision.numbers()


def test_a_slower_unknown_user_path_is_a_leak_too():
    test = SequentialTest(known_planned=8, unknown_planned=92)
    decision = _feed(test, lambda r: 0.001 + r.random() * 0.001, lambda r: 0.009 + r.random() * 0.001)
    assert decision.outcome == "leak" and "wrong passwords answer measurably faster" in decision.reason


def test_no_difference_is_no_leak_and_may_stop_early():
    test = SequentialTest(known_planned=8, unknown_planned=92)
    decision = _feed(test, lambda r: 0.002 + r.random() * 0.001, lambda r: 0.002 + r.random() * 0.001)
    assert decision.outcome == "no-leak"
    assert decision.p_value >= decision.level
    assert test.sent in test.looks


def test_a_significant_gap_below_the_threshold_is_no_leak():
    test = SequentialTest(known_planned=8, unknown_planned=92, min_gap=0.001)
    decision = _feed(test, lambda r: 0.0022 + r.random() * 0.0001, lambda r: 0.002 + r.random() * 0.0001)
    assert decision.outcome == "no-leak"
    assert decision.p_value < decision.level
    assert "below the 1 ms" in decision.reason


def test_too_few_samples_are_inconclusive():
    test = SequentialTest(known_planned=1, unknown_planned=99)
    assert not test.can_conclude
    test.add("known", 0.01)
    decision = test.look(final=True, why_stopped="stopped: ")
    assert decision.outcome == "inconclusive"
    assert decision.p_value is None
    assert decision.reason.startswith("stopped: too few samples to conclude")


def test_two_wrong_passwords_catch_a_large_gap():
    """Invoice Ninja's budget leaves two wrong-password logins: enough for a hash-sized gap."""
    test = SequentialTest(known_planned=2, unknown_planned=98)
    decision = _feed(test, lambda r: 0.006 + r.random() * 0.002, lambda r: 0.001 + r.random() * 0.002)
    assert decision.outcome == "leak" and test.sent == 100
