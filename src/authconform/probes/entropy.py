"""How guessable a set of opaque tokens is, judged from the tokens alone (RFC 6749 §10.10, ASVS 5.0 7.2.3).

A black box cannot see the generator, so the estimate is made from what several tokens of the same kind
show: the positions that vary between them (a constant prefix adds nothing), the alphabet they are drawn
from (hex, alphanumeric, base64url, ...), and the measured Shannon entropy of the characters at those
positions, pooled over all tokens. The estimate is varying positions x bits per character: the
alphabet's when the measurement looks uniform over it, else the measured ones. Runs of digits (or hex)
that count up in issue order, or read as a time near now, are counter-like or timestamp-like: they are
reported and not counted as random. The OpenID conformance suite's EnsureMinimumRefreshTokenEntropy
measures the same way and accepts 96 measured bits as a stand-in for 128; this harness asks for the 128
bits RFC 6749 §10.10 and ASVS 5.0.0 7.2.3 state.
"""

from __future__ import annotations

import math
import string
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

MIN_BITS = 128
UNIFORM = 0.9  # measured bits/char at least this share of the alphabet's: the characters look uniform
# the smallest common alphabet that holds every character seen, with its size
ALPHABETS = (
    ("decimal digits", set(string.digits), 10),
    ("lowercase hex", set("0123456789abcdef"), 16),
    ("uppercase hex", set("0123456789ABCDEF"), 16),
    ("alphanumeric", set(string.ascii_letters + string.digits), 62),
    ("base64url", set(string.ascii_letters + string.digits + "-_="), 64),
    ("base64", set(string.ascii_letters + string.digits + "+/="), 64),
    ("printable ASCII", set(string.printable) - set(string.whitespace), 94),
)
TIME_WINDOW = 2 * 86_400  # a value within two days of now reads as a timestamp
SEQUENCE_SPREAD = 1_000_000  # values that climb in issue order and stay this close together read as a counter


@dataclass
class Estimate:
    """What the tokens show: distinctness, the varying part, its alphabet, patterns, and the bits it holds."""

    count: int
    distinct: int
    length: str
    varying: int
    alphabet: str
    alphabet_bits: float
    measured_bits_per_char: float
    patterned: list[str] = field(default_factory=list)
    patterned_positions: int = 0

    @property
    def per_char(self) -> float:
        """The alphabet's bits when the measured characters look uniform over it, else the measured bits.

        A few tokens understate even a perfect generator (the plug-in estimate is biased low, so the
        measurement is Miller-Madow corrected), so a measurement within UNIFORM of the alphabet's
        bits counts as uniform; a generator that favours some characters measures below that.
        """
        if self.measured_bits_per_char >= UNIFORM * self.alphabet_bits:
            return self.alphabet_bits
        return self.measured_bits_per_char

    @property
    def bits(self) -> float:
        return max(0, self.varying - self.patterned_positions) * self.per_char

    def how(self) -> str:
        """The method and numbers, for the finding."""
        per_char = self.per_char
        parts = [f"{self.count} tokens ({self.distinct} distinct), length {self.length}",
                 f"{self.varying} varying positions",
                 f"alphabet {self.alphabet} ({self.alphabet_bits:.2f} bits/char), measured "
                 f"{self.measured_bits_per_char:.2f} bits/char over the varying positions (bias-corrected; "
                 f"uniform when at least {UNIFORM:.0%} of the alphabet's)"]
        if self.patterned:
            parts.append(f"not random: {'; '.join(self.patterned)} ({self.patterned_positions} positions left out)")
        parts.append(f"estimate ({self.varying - self.patterned_positions} x {per_char:.2f}) = {self.bits:.0f} bits")
        return "; ".join(parts)


def _alphabet(chars: set[str]) -> tuple[str, float]:
    for name, members, size in ALPHABETS:
        if chars <= members:
            return name, math.log2(size)
    return "bytes", 8.0


def _shannon(chars: Sequence[str]) -> float:
    if not chars:
        return 0.0
    counts = Counter(chars)
    total = len(chars)
    plug_in = -sum(n / total * math.log2(n / total) for n in counts.values())
    return plug_in + (len(counts) - 1) / (2 * total * math.log(2))  # Miller-Madow: the plug-in reads low


def _reads_as_time(values: list[int], now: float) -> str | None:
    for unit, scale in (("seconds", 1), ("milliseconds", 1_000), ("microseconds", 1_000_000)):
        if all(abs(v / scale - now) <= TIME_WINDOW for v in values):
            return unit
    return None


def _counts_up(values: list[int]) -> bool:
    increasing = all(b > a for a, b in zip(values, values[1:], strict=False))
    return len(values) >= 3 and increasing and values[-1] - values[0] <= SEQUENCE_SPREAD * len(values)


def _runs(tokens: Sequence[str], length: int, members: set[str]) -> list[tuple[int, int]]:
    """Maximal runs of positions where every token has a character of ``members`` (at least 4 long)."""
    runs: list[tuple[int, int]] = []
    start = None
    for i in range(length + 1):
        inside = i < length and all(t[i] in members for t in tokens)
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            if i - start >= 4:
                runs.append((start, i))
            start = None
    return runs


def _patterns(tokens: Sequence[str], length: int, now: float) -> tuple[list[str], set[int]]:
    """Counter-like or timestamp-like windows at the same positions of every token, in issue order.

    A window is 4-20 digits (or hex) whose first character is the same in every token (the high-order
    part of a counter or a clock stands still; in random text that happens by chance about once in
    16^(n-1)), and whose values count up in issue order or read as a time near now.
    """
    found: list[str] = []
    positions: set[int] = set()
    for members, bases in ((set(string.digits), (10, 16)), (set(string.hexdigits), (16,))):
        for start, end in _runs(tokens, length, members):
            for a in range(start, end - 3):
                if len({t[a] for t in tokens}) != 1 or a in positions:
                    continue
                for b in range(min(end, a + 20), a + 3, -1):
                    pieces = [t[a:b] for t in tokens]
                    what = None
                    for base in bases:
                        values = [int(p, base) for p in pieces]
                        if unit := _reads_as_time(values, now):
                            what = f"positions {a}-{b - 1} read as a time in {unit} (base {base})"
                        elif _counts_up(values):
                            step = (values[-1] - values[0]) / (len(values) - 1)
                            what = (f"positions {a}-{b - 1} count up in issue order (base {base}, "
                                    f"{step:.0f} a token on average; values not shown)")
                        if what:
                            break
                    if what:
                        found.append(what)
                        positions.update(range(a, b))
                        break
    return found, positions


def estimate(tokens: Sequence[str], now: float | None = None) -> Estimate:
    """The estimate for ``tokens`` in the order the server issued them."""
    now = time.time() if now is None else now
    lengths = sorted({len(t) for t in tokens})
    length = lengths[0] if lengths else 0
    varying = [i for i in range(length) if len({t[i] for t in tokens}) > 1]
    chars = [t[i] for t in tokens for i in varying]
    alphabet, alphabet_bits = _alphabet({c for t in tokens for c in t})
    patterned, positions = _patterns(tokens, length, now)
    shown = str(length) if len(lengths) == 1 else f"{lengths[0]}-{lengths[-1]} (compared over the first {length})"
    return Estimate(
        count=len(tokens),
        distinct=len(set(tokens)),
        length=shown,
        varying=len(varying),
        alphabet=alphabet,
        alphabet_bits=alphabet_bits,
        measured_bits_per_char=_shannon(chars),
        patterned=patterned,
        patterned_positions=len(positions & set(varying)),
    )
