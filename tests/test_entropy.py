"""The entropy estimate behind TOKEN-ENTROPY, on tokens made the way real generators and broken ones make them.

tests/test_conformance.py proves the check against the reference targets (low-entropy-token,
same-token-every-login); here the estimate itself: random tokens of the common formats clear 128 bits
without a pattern found, and counters, clocks and short random tails are caught.
"""

from __future__ import annotations

import secrets
import string
import time

import pytest

from authconform.probes.entropy import MIN_BITS, estimate

ALNUM = string.ascii_letters + string.digits


def _alnum(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


@pytest.mark.parametrize("make", [lambda: _alnum(64), lambda: secrets.token_hex(64), lambda: secrets.token_hex(16),
                                  lambda: secrets.token_urlsafe(32), lambda: "knox_" + secrets.token_hex(32)],
                         ids=["laravel-str-random-64", "gesdinet-hex-128", "hex-32", "urlsafe-32", "prefixed-hex"])
def test_random_tokens_clear_128_bits_with_no_pattern(make):
    for _ in range(50):
        result = estimate([make() for _ in range(6)])
        assert result.distinct == 6 and not result.patterned, result.how()
        assert result.bits >= MIN_BITS, result.how()  # hex-32 holds exactly 128 bits


def test_a_counter_is_found_and_not_counted():
    result = estimate(["K" * 40 + f"{1000 + i:012d}" + _alnum(12) for i in range(6)])
    assert result.patterned and "count up" in result.patterned[0]
    assert result.bits < MIN_BITS


def test_a_clock_is_found():
    now = time.time()
    result = estimate([f"tok_{int(now) + i}{_alnum(30)}" for i in range(6)], now=now)
    assert any("time in seconds" in p for p in result.patterned), result.how()


def test_a_generator_that_favours_some_characters_measures_below_its_alphabet():
    skewed = estimate(["".join(secrets.choice("a" * 40 + ALNUM) for _ in range(40)) for _ in range(6)])
    assert skewed.per_char < skewed.alphabet_bits, skewed.how()


def test_repeats_and_a_short_random_part_show_in_the_estimate():
    same = "x" * 40
    assert estimate([same] * 6).distinct == 1
    short = estimate(["constantprefix" + _alnum(8) for _ in range(6)])
    assert short.bits < 60 and "8 varying positions" in short.how()
