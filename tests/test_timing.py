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

from authconform.probes.timing import (
    BETA,
    EXACT_LIMIT,
    SequentialTest,
    checkpoints,
    equivalence_looks,
    interval_rank,
    mann_whitney,
    ranks,
    sample_sizes,
    schedule,
    shift_interval,
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
    # 2 and 28 (the chamilo profile's 30 logins): the looks are dropped one at a time, so the end of
    # the series gets the whole level and can conclude (2 / C(30, 2) = 0.0046)
    assert checkpoints(schedule(2, 28)) == ([30], 0.01)


@pytest.mark.parametrize(("available", "budget", "planned"), [
    (9, 100, (9, 18)),    # pch-sig: 9 wrong passwords left; 18 unknown users, not 91
    (4, 100, (4, 13)),    # 2m = 8 would leave a perfect separation at 2 / C(12, 4) = 0.004
    (50, 100, (50, 50)),  # no scarce kind: half and half, as before
    (200, 100, (50, 50)),
    (2, 100, (2, 62)),    # Invoice Ninja: 2m would leave a skipped hash one outlier from hiding
    (2, 30, (2, 28)),     # the budget caps it
    (0, 100, (0, 100)),
])
def test_sample_sizes_stop_where_unknown_users_add_little(available, budget, planned):
    assert sample_sizes(available, budget) == planned


def test_planned_samples_can_conclude_with_room_to_spare():
    """Wherever the budget allows it, a perfect separation clears the level ten times over."""
    for available in range(2, 51):
        known, unknown = sample_sizes(available, 100)
        assert unknown >= 2 * known or unknown == 100 - known
        assert smallest_p(known, unknown) <= 0.001 or unknown == 100 - known
        assert SequentialTest(known, unknown).can_conclude


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


def test_no_difference_stops_at_the_first_equivalence_look():
    """A clean server with 1 ms of jitter is let go at the third wrong password, not at half the plan."""
    test = SequentialTest(known_planned=8, unknown_planned=92, min_gap=0.005)
    decision = _feed(test, lambda r: 0.002 + r.random() * 0.001, lambda r: 0.002 + r.random() * 0.001)
    assert decision.outcome == "no-leak"
    assert test.sent == test.equivalence[0] == 32 < test.looks[0]
    assert decision.interval is not None and decision.interval.inside(0.005)
    assert "interval of the gap lies inside ±5 ms (stopped early, after 32 of 100)" in decision.reason
    numbers = decision.numbers()
    assert "3 wrong-password logins" in numbers and "29 unknown-user logins" in numbers
    assert "98.6% interval [" in numbers
    assert ("error levels: false alarm at most 1% (3 looks at 0.0033), a real gap of 5 ms passed as none at "
            "most 5% (7 looks, 98.6% intervals)") in numbers


def test_no_difference_without_the_equivalence_stop_still_ends_by_futility():
    test = SequentialTest(known_planned=8, unknown_planned=92, min_gap=0.005, beta=0)
    assert test.equivalence == []
    decision = _feed(test, lambda r: 0.002 + r.random() * 0.001, lambda r: 0.002 + r.random() * 0.001)
    assert decision.outcome == "no-leak"
    assert decision.p_value >= decision.level
    assert test.sent in test.looks and "no difference is building up" in decision.reason


def test_a_noisy_clean_server_is_not_let_go_by_the_equivalence_stop():
    """Jitter of 40 ms cannot show that no 5 ms gap exists: the series goes on to the leak test's looks."""
    test = SequentialTest(known_planned=8, unknown_planned=92, min_gap=0.005)
    decision = _feed(test, lambda r: 0.1 + r.random() * 0.04, lambda r: 0.1 + r.random() * 0.04)
    assert decision.outcome == "no-leak"
    assert test.sent in test.looks
    assert "does not rule out a gap of 5 ms" in decision.reason


def test_a_significant_gap_below_the_threshold_is_no_leak():
    test = SequentialTest(known_planned=8, unknown_planned=92, min_gap=0.001, beta=0)
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


# --- the equivalence stop: Hodges-Lehmann shift and its Mann-Whitney interval -------------------------


@pytest.mark.parametrize(("m", "n", "tail"), [(1, 30, 0.05), (2, 10, 0.05), (3, 28, 0.00714), (4, 20, 0.025),
                                              (8, 24, 0.01), (5, 5, 0.001)])
def test_interval_rank_is_the_exact_null_quantile(m, n, tail):
    """k is the largest count with P(U <= k - 1) <= tail, from the exact distribution of U."""
    counts = u_distribution(m, n)
    total = math.comb(m + n, m)
    k = interval_rank(m, n, tail)
    assert sum(counts[:k]) <= tail * total
    assert k == (m * n + 1) // 2 or sum(counts[: k + 1]) > tail * total


def test_interval_rank_without_an_interval():
    assert interval_rank(1, 10, 0.05) == 0  # P(U = 0) = 1/11 already exceeds 5 %
    assert interval_rank(0, 10, 0.05) == 0


def test_interval_rank_normal_approximation_agrees_with_the_exact_one():
    m, n, tail = 60, 160, 0.01
    assert m * n <= EXACT_LIMIT
    exact = interval_rank(m, n, tail)
    z = 2.3263478740408408  # NormalDist().inv_cdf(0.99)
    approximate = math.floor(m * n / 2 - z * math.sqrt(m * n * (m + n + 1) / 12) + 0.5)
    assert abs(exact - approximate) <= 3
    assert interval_rank(101, 100, tail) > 0  # above EXACT_LIMIT: the approximation


def test_shift_interval_by_hand():
    # three against one value: U takes 0..3 with probability 1/4 each, so at tail 1/4 each end drops
    # one difference; the differences are 1, 2, 3
    interval = shift_interval([1.0, 2.0, 3.0], [0.0], 0.25)
    assert (interval.estimate, interval.low, interval.high, interval.confidence) == (2.0, 1.0, 3.0, 0.5)
    assert shift_interval([1.0, 2.0, 3.0], [0.0], 0.2) is None
    assert "interval [+1000.00, +3000.00] ms" in interval.describe()


def test_shift_interval_inverts_the_mann_whitney_test():
    """Just inside each end the two-sided test of the shifted sample does not reject at 2 * tail; beyond, it does."""
    rng = random.Random(3)
    x, y = [rng.gauss(5, 1) for _ in range(6)], [rng.gauss(4, 1) for _ in range(30)]
    tail = 0.01
    interval = shift_interval(x, y, tail)
    epsilon = 1e-9
    for inside in (interval.low + epsilon, interval.high - epsilon):
        assert mann_whitney([v - inside for v in x], y).p_value > 2 * tail
    for outside in (interval.low - epsilon, interval.high + epsilon):
        assert mann_whitney([v - outside for v in x], y).p_value <= 2 * tail


def test_shift_interval_covers_the_true_shift_at_its_level():
    """Skewed (exponential) latencies shifted by 3 ms: the 90 % interval covers 3 ms in about 90 % of draws."""
    rng = random.Random(11)
    covered, draws = 0, 2000
    for _ in range(draws):
        x = [0.003 + rng.expovariate(1000) for _ in range(4)]
        y = [rng.expovariate(1000) for _ in range(20)]
        interval = shift_interval(x, y, 0.05)
        covered += interval.low <= 0.003 <= interval.high
    assert 0.88 <= covered / draws <= 0.95


def test_equivalence_looks_follow_the_wrong_passwords():
    order = schedule(8, 92)
    looks, tail = equivalence_looks(order)
    known_at = [i + 1 for i, kind in enumerate(order) if kind == "known"]
    # after the first and second wrong password no 98.6 % interval exists yet
    assert looks == known_at[2:] + [100] and tail == pytest.approx(BETA / 7)
    # Invoice Ninja's two wrong passwords: one look after the second, and the end
    assert equivalence_looks(schedule(2, 98)) == ([76, 100], pytest.approx(BETA / 2))
    assert equivalence_looks(schedule(1, 9)) == ([], BETA)


def test_a_real_gap_of_the_threshold_rarely_passes_as_none():
    """The missed-gap level holds: a true gap of exactly min_gap ends "equivalent" in at most BETA of series."""
    rng = random.Random(5)
    passed, series = 0, 250
    for _ in range(series):
        test = SequentialTest(known_planned=8, unknown_planned=92, min_gap=0.005)
        while (kind := test.next_kind()) is not None:
            noise = rng.expovariate(1 / 0.004)  # skewed jitter, 4 ms mean
            decision = test.add(kind, (0.005 if kind == "known" else 0.0) + 0.002 + noise)
            if decision is not None:
                passed += decision.outcome == "no-leak" and "lies inside" in decision.reason
                break
    assert passed / series <= BETA


def test_a_skipped_hash_is_never_let_go_early():
    """40 ms of hashing against none, with 10 ms of jitter on both: a leak at the first look, never equivalence."""
    test = SequentialTest(known_planned=8, unknown_planned=92)
    decision = _feed(test, lambda r: 0.04 + r.random() * 0.01, lambda r: 0.001 + r.random() * 0.01)
    assert decision.outcome == "leak" and test.sent == test.looks[0]
    assert decision.interval is not None and decision.interval.low > 0.02
