"""Timing enumeration: does an unknown user answer measurably faster (or slower) than a wrong password?

A server that skips the password hash for an identity it does not know answers "no such user"
in a fraction of the time "wrong password" takes (real Symfony 5.4: 3 ms against 450 ms), and the
identical body no longer hides which accounts exist. The comparison is the Mann-Whitney U test:
rank based, so a few slow outliers from a busy machine do not decide it, and free of any
assumption about the shape of latency distributions. It is two-sided: a slower unknown-user path
leaks just the same.

Wrong-password samples cost the valid account failed logins, so they are few (Invoice Ninja's
profile allows 4 in a whole run). :class:`SequentialTest` therefore plans before it sends: it
interleaves the two kinds of request, looks at the data at a few checkpoints and stops as soon as
a leak is clear, with a Bonferroni-corrected level per look so that looking early costs no false
alarms. A checkpoint whose sample could not reach that level even at a perfect separation is not
a look at all; when no checkpoint can, the test says so before it spends a single request.

A clean server is let go early too, by an equivalence stop: after each wrong-password sample the
gap between the two kinds is estimated (Hodges-Lehmann: the median of all pairwise differences)
with its distribution-free interval (the inverted Mann-Whitney test), and as soon as that interval
lies inside plus or minus the smallest gap that counts, no such gap exists and the test passes.
Each equivalence look uses a Bonferroni share of :data:`BETA`, so a real gap of that size passes
for none at most that often over all looks (assuming, as the interval does, that the two latency
distributions differ by a shift). The looks add no false alarms: they can only end a series "no leak".
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

ALPHA = 0.01  # the false-alarm rate of the whole sequential test
BETA = 0.05  # the equivalence stop's rate of passing a real gap of min_gap as none, over all its looks
MAX_LOOKS = 4
FUTILITY_P = 0.5  # past half the plan, a p-value this high stops the test: no leak is coming
EXACT_LIMIT = 10_000  # exact p-values (no ties) while n1 * n2 stays below this
UNKNOWN_PER_KNOWN = 2  # unknown-user samples per wrong-password sample (see sample_sizes)
CLEAR_MARGIN = 10  # a perfect separation must be this many times clearer than ALPHA (see sample_sizes)


@dataclass(frozen=True)
class MannWhitney:
    """The two-sided Mann-Whitney U test of ``x`` against ``y``."""

    u: float  # U of the first sample: the number of (x, y) pairs with x > y, ties counting one half
    p_value: float
    method: str  # exact | normal


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks with ties given their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def u_distribution(m: int, n: int) -> list[int]:
    """How many of the C(m+n, m) orderings give U = 0, 1, ..., m*n (no ties).

    These are the coefficients of the Gaussian binomial coefficient [m+n choose m] in q, built as
    the product over k of (1 - q^(n+k)) / (1 - q^k); every partial product is a polynomial.
    """
    m, n = min(m, n), max(m, n)
    coefficients = [1]
    for k in range(1, m + 1):
        grown = coefficients + [0] * (n + k)
        for i, c in enumerate(coefficients):
            grown[i + n + k] -= c
        for i in range(k, len(grown)):
            grown[i] += grown[i - k]
        coefficients = grown
    return coefficients[: m * n + 1]


def _normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def mann_whitney(x: Sequence[float], y: Sequence[float]) -> MannWhitney:
    """Two-sided Mann-Whitney U: exact without ties (small samples), else normal with tie and continuity correction.

    The same choices as ``scipy.stats.mannwhitneyu(x, y, method="auto")`` where both apply, so its
    values are the reference the tests hold this to.
    """
    n1, n2 = len(x), len(y)
    if not n1 or not n2:
        raise ValueError("both samples need at least one value")
    combined = list(x) + list(y)
    ranked = ranks(combined)
    u1 = sum(ranked[:n1]) - n1 * (n1 + 1) / 2
    u2 = n1 * n2 - u1
    tied = len(set(combined)) < len(combined)
    if not tied and n1 * n2 <= EXACT_LIMIT:
        counts = u_distribution(n1, n2)
        tail = sum(counts[: int(min(u1, u2)) + 1])
        return MannWhitney(u1, min(1.0, 2 * tail / math.comb(n1 + n2, n1)), "exact")
    n = n1 + n2
    groups: dict[float, int] = {}
    for value in combined:
        groups[value] = groups.get(value, 0) + 1
    ties = sum(t**3 - t for t in groups.values())
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:  # every value equal: no evidence of any difference
        return MannWhitney(u1, 1.0, "normal")
    z = (max(u1, u2) - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    return MannWhitney(u1, min(1.0, 2 * _normal_sf(z)), "normal")


def smallest_p(n1: int, n2: int) -> float:
    """The smallest two-sided p-value samples of these sizes can give: at a perfect separation."""
    if not n1 or not n2:
        return 1.0
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def interval_rank(m: int, n: int, tail: float) -> int:
    """How many pairwise differences each end of the shift interval drops: the largest k with P(U < k) <= tail.

    U is the Mann-Whitney count of ``m`` against ``n`` values with no shift (exact while m * n stays
    below :data:`EXACT_LIMIT`, else Lehmann's normal approximation). 0: no interval at this level.
    """
    if not m or not n:
        return 0
    if m * n > EXACT_LIMIT:
        z = statistics.NormalDist().inv_cdf(1 - tail)
        return max(0, math.floor(m * n / 2 - z * math.sqrt(m * n * (m + n + 1) / 12) + 0.5))
    total, cumulative, k = math.comb(m + n, m), 0, 0
    for count in u_distribution(m, n):
        cumulative += count
        if cumulative > tail * total:
            break
        k += 1
    return min(k, (m * n + 1) // 2)


@dataclass(frozen=True)
class ShiftInterval:
    """How much slower ``x`` is than ``y`` (negative: faster): a point estimate and an interval."""

    estimate: float  # Hodges-Lehmann: the median of all m * n differences x_i - y_j
    low: float
    high: float
    confidence: float  # two-sided, at least this (exact without ties)

    def inside(self, margin: float) -> bool:
        """The whole interval lies strictly within plus or minus ``margin``."""
        return -margin < self.low and self.high < margin

    def describe(self) -> str:
        return (f"gap {self.estimate * 1000:+.2f} ms (Hodges-Lehmann), {self.confidence:.1%} interval "
                f"[{self.low * 1000:+.2f}, {self.high * 1000:+.2f}] ms")


def shift_interval(x: Sequence[float], y: Sequence[float], tail: float) -> ShiftInterval | None:
    """The Hodges-Lehmann shift of ``x`` against ``y`` with its rank interval, each end wrong at most ``tail``.

    The interval is every shift the two-sided Mann-Whitney test at level ``2 * tail`` would not
    reject: between the k-th smallest and the k-th largest pairwise difference (k from
    :func:`interval_rank`). None when the samples are too small for that level.
    """
    k = interval_rank(len(x), len(y), tail)
    if k < 1:
        return None
    differences = sorted(a - b for a in x for b in y)
    return ShiftInterval(statistics.median(differences), differences[k - 1], differences[-k], 1 - 2 * tail)


def sample_sizes(known_available: int, budget: int, alpha: float = ALPHA) -> tuple[int, int]:
    """How many wrong-password and unknown-user logins to plan, out of ``budget`` logins in all.

    Wrong-password logins spend the account's failed-login budget, so there are at most
    ``known_available`` of them (and half the budget). Unknown-user logins are free for the account
    but not for the server (each costs a password hash, as much as a wrong password does), and past
    a point they buy little: the test's information grows like 1 / (1/m + 1/n) for m wrong-password
    and n unknown-user samples, bounded by m however large n grows. At n = 2m it is two thirds of that
    bound, and each further unknown-user login adds less than a ninth of what a login adds to a
    balanced series (the most informative use of a fixed number of logins). So n is 2m, or more where
    m is so small that a perfect separation would not be ``CLEAR_MARGIN`` times clearer than
    ``alpha`` (then one outlier on a busy machine could hide a skipped hash), and never more than the
    budget leaves.
    """
    known = max(0, min(known_available, budget // 2))
    unknown = min(budget - known, UNKNOWN_PER_KNOWN * known)
    while unknown < budget - known and smallest_p(known, unknown) > alpha / CLEAR_MARGIN:
        unknown += 1
    return known, unknown


def schedule(known: int, unknown: int) -> list[str]:
    """The order to send ``known`` wrong-password and ``unknown`` unknown-user logins: evenly interleaved.

    Spreading the scarce kind across the whole series means a drift in the machine's load hits
    both groups alike.
    """
    total = known + unknown
    # the j-th wrong-password login sits in the middle of the j-th of ``known`` equal stretches
    slots = {math.floor((j + 0.5) * total / known) for j in range(known)} if known else set()
    order = ["known" if index in slots else "unknown" for index in range(total)]
    return order


def checkpoints(order: Sequence[str], alpha: float = ALPHA, max_looks: int = MAX_LOOKS) -> tuple[list[int], float]:
    """The request counts after which to look, and the level each look is held to.

    Up to ``max_looks`` evenly spaced checkpoints (the last is the end of the series); one whose
    sample could not reach ``alpha / looks`` even at a perfect separation is dropped, and the level
    recomputed, until every remaining look can conclude. No checkpoints: the plan cannot conclude.
    """
    total = len(order)
    looks = sorted({max(1, round(total * (i + 1) / max_looks)) for i in range(max_looks)}) if total else []
    while looks:
        level = alpha / len(looks)
        failing = [c for c in looks if smallest_p(order[:c].count("known"), order[:c].count("unknown")) >= level]
        if not failing:
            return looks, level
        # the earliest first, one at a time: each drop raises the others' share, so a later look that could
        # not conclude at a quarter of the level may at a third
        looks.remove(failing[0])
    return [], alpha


def equivalence_looks(order: Sequence[str], beta: float = BETA) -> tuple[list[int], float]:
    """The request counts after which to try the equivalence stop, and each end's tail level at those looks.

    A look after every wrong-password sample (the scarce kind, which the interval's width depends
    on) and at the end of the series. Every look where no interval exists at ``beta / looks`` is
    dropped at once and the level recomputed (unlike :func:`checkpoints`, which drops one at a
    time: here looks are many and each one kept widens every interval).
    """
    looks = sorted({i + 1 for i, kind in enumerate(order) if kind == "known"} | ({len(order)} if order else set()))
    while looks:
        tail = beta / len(looks)
        usable = [c for c in looks if interval_rank(order[:c].count("known"), order[:c].count("unknown"), tail)]
        if usable == looks:
            return looks, tail
        looks = usable
    return [], beta


@dataclass
class Decision:
    """Where a sequential timing test ended, with the numbers a report shows."""

    outcome: str  # leak | no-leak | inconclusive
    known: list[float]
    unknown: list[float]
    p_value: float | None
    level: float
    reason: str
    interval: ShiftInterval | None = None
    error_levels: str = ""

    @property
    def known_median(self) -> float | None:
        return statistics.median(self.known) if self.known else None

    @property
    def unknown_median(self) -> float | None:
        return statistics.median(self.unknown) if self.unknown else None

    def numbers(self) -> str:
        """Both medians, both sample sizes and the p-value, in one line."""

        def ms(value: float | None) -> str:
            return "n/a" if value is None else f"{value * 1000:.2f} ms"

        p = "not computed" if self.p_value is None else f"{self.p_value:.2g}"
        gap = f"; {self.interval.describe()}" if self.interval is not None else ""
        levels = f"; {self.error_levels}" if self.error_levels else ""
        return (f"median {ms(self.known_median)} over {len(self.known)} wrong-password logins, "
                f"{ms(self.unknown_median)} over {len(self.unknown)} unknown-user logins; "
                f"Mann-Whitney U p = {p} (level {self.level:.2g}){gap}{levels}")


@dataclass
class SequentialTest:
    """A planned series of interleaved samples with early stopping; feed it with :meth:`add`."""

    known_planned: int
    unknown_planned: int
    min_gap: float = 0.001  # seconds: a smaller gap between medians is no finding, however significant
    alpha: float = ALPHA
    beta: float = BETA
    order: list[str] = field(init=False)
    looks: list[int] = field(init=False)
    level: float = field(init=False)
    equivalence: list[int] = field(init=False)  # the looks of the equivalence stop
    tail: float = field(init=False)  # each end of an equivalence interval is wrong at most this often
    known: list[float] = field(default_factory=list, init=False)
    unknown: list[float] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.order = schedule(self.known_planned, self.unknown_planned)
        self.looks, self.level = checkpoints(self.order, self.alpha)
        self.equivalence, self.tail = equivalence_looks(self.order, self.beta)

    @property
    def can_conclude(self) -> bool:
        return bool(self.looks)

    @property
    def sent(self) -> int:
        return len(self.known) + len(self.unknown)

    def next_kind(self) -> str | None:
        """What to send next: ``known``, ``unknown``, or None when the series is complete."""
        return self.order[self.sent] if self.sent < len(self.order) else None

    def error_levels(self) -> str:
        """The error levels of the whole plan, for the reason: false alarms, and real gaps passed as none."""
        def looks(count: int) -> str:
            return f"{count} look{'s' if count != 1 else ''}"

        text = f"error levels: false alarm at most {self.alpha:.0%} ({looks(len(self.looks))} at {self.level:.2g})"
        if self.equivalence:
            text += (f", a real gap of {self.min_gap * 1000:g} ms passed as none at most {self.beta:.0%} "
                     f"({looks(len(self.equivalence))}, {1 - 2 * self.tail:.1%} intervals)")
        return text

    def interval(self) -> ShiftInterval | None:
        """The gap (wrong password minus unknown user) so far, at the equivalence looks' level."""
        return shift_interval(self.known, self.unknown, self.tail) if self.known and self.unknown else None

    def add(self, kind: str, seconds: float) -> Decision | None:
        """Record one sample; a :class:`Decision` once a look settles it or the series ends."""
        (self.known if kind == "known" else self.unknown).append(seconds)
        if self.sent in self.looks or self.sent in self.equivalence or self.sent >= len(self.order):
            return self.look(final=self.sent >= len(self.order))
        return None

    def look(self, *, final: bool = True, why_stopped: str = "") -> Decision | None:
        """Test what has been gathered. Not final: a decision only for a clear leak, a clear equivalence or futility.

        The equivalence stop counts only at its planned looks; a series cut short (``why_stopped``)
        still shows its interval, but is judged as before.
        """
        known, unknown = list(self.known), list(self.unknown)
        interval = self.interval()
        levels = self.error_levels()

        def decide(outcome: str, p_value: float | None, reason: str) -> Decision:
            return Decision(outcome, known, unknown, p_value, self.level, why_stopped + reason, interval, levels)

        leak_look = final or self.sent in self.looks
        testable = smallest_p(len(known), len(unknown)) < self.level
        result = mann_whitney(known, unknown) if known and unknown else None
        gap = abs(statistics.median(known) - statistics.median(unknown)) if known and unknown else 0.0
        if leak_look and testable and result is not None and result.p_value < self.level and gap >= self.min_gap:
            faster = "unknown users" if statistics.median(unknown) < statistics.median(known) else "wrong passwords"
            return decide("leak", result.p_value, f"{faster} answer measurably faster: the medians differ by "
                                                  f"{gap * 1000:.2f} ms (at least {self.min_gap * 1000:g} ms counts)")
        p_value = result.p_value if result is not None and testable else None
        planned = self.sent in self.equivalence and not why_stopped
        if planned and interval is not None and interval.inside(self.min_gap):
            early = "" if self.sent >= len(self.order) else f" (stopped early, after {self.sent} of {len(self.order)})"
            return decide("no-leak", p_value, f"no timing difference of {self.min_gap * 1000:g} ms: the interval of "
                                              f"the gap lies inside ±{self.min_gap * 1000:g} ms{early}")
        if not final:
            half_way = self.sent * 2 >= len(self.order)
            if not (self.sent in self.looks and testable and half_way and p_value is not None
                    and p_value > FUTILITY_P):
                return None
        if not testable:
            return decide("inconclusive", None, f"too few samples to conclude: {len(known)} wrong-password and "
                                                f"{len(unknown)} unknown-user logins cannot reach p < "
                                                f"{self.level:.2g} even if every one of one kind were slower "
                                                f"than every one of the other")
        unsettled = "" if interval is not None and interval.inside(self.min_gap) else (
            f"; its interval does not rule out a gap of {self.min_gap * 1000:g} ms")
        if p_value is not None and p_value < self.level:
            return decide("no-leak", p_value, f"the medians differ by only {gap * 1000:.2f} ms, below the "
                                              f"{self.min_gap * 1000:g} ms that counts as a leak, though the "
                                              f"difference is significant")
        stop = "" if final else f" (stopped early: no difference is building up, p > {FUTILITY_P:g} after {self.sent})"
        return decide("no-leak", p_value, f"no timing difference found{stop}{unsettled}")
