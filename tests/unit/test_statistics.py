"""The tests behind common problems and a proposal's effect, against values worked out by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.statistics import binomial_cdf, binomial_sf, poisson_sf, rate_change, rate_rise


def poisson_cdf_by_hand(k: int, lam: float) -> float:
    return sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k + 1))


class TestPoissonTail:
    def test_the_tail_of_lambda_2_from_6_is_the_textbook_value(self) -> None:
        # P(X <= 5) = e^-2 (1 + 2 + 2 + 4/3 + 2/3 + 4/15)
        assert poisson_sf(6, 2.0) == pytest.approx(1 - math.exp(-2) * (1 + 2 + 2 + 4 / 3 + 2 / 3 + 4 / 15), rel=1e-12)
        assert poisson_sf(6, 2.0) == pytest.approx(0.0165636, abs=1e-7)

    def test_at_least_nothing_is_certain_and_a_mean_of_zero_gives_nothing(self) -> None:
        assert poisson_sf(0, 3.5) == 1.0
        assert poisson_sf(1, 0.0) == 0.0
        assert poisson_sf(1, 1.0) == pytest.approx(1 - math.exp(-1))

    def test_a_far_tail_is_summed_without_losing_it_to_rounding(self) -> None:
        # 1 - cdf would give 0.0 here; the term P(X = 60 | 5) alone is about 1e-40
        assert 0 < poisson_sf(60, 5.0) < 1e-38
        assert poisson_sf(60, 5.0) == pytest.approx(math.exp(60 * math.log(5) - 5 - math.lgamma(61)), rel=0.1)

    @given(st.integers(0, 40), st.floats(0.01, 30))
    def test_both_ways_of_summing_agree_with_the_definition(self, k: int, lam: float) -> None:
        assert poisson_sf(k, lam) == pytest.approx(1 - poisson_cdf_by_hand(k - 1, lam), abs=1e-12)

    def test_a_negative_mean_is_refused(self) -> None:
        with pytest.raises(ValueError, match="never negative"):
            poisson_sf(1, -1.0)


class TestBinomialTails:
    def test_ten_fair_coins(self) -> None:
        assert binomial_cdf(2, 10, 0.5) == pytest.approx(56 / 1024, rel=1e-12)
        assert binomial_sf(8, 10, 0.5) == pytest.approx(56 / 1024, rel=1e-12)

    def test_five_trials_at_one_in_five(self) -> None:
        assert binomial_sf(3, 5, 0.2) == pytest.approx(0.05792, rel=1e-12)

    def test_the_edges(self) -> None:
        assert binomial_cdf(-1, 5, 0.3) == 0.0 and binomial_sf(6, 5, 0.3) == 0.0
        assert binomial_cdf(5, 5, 0.3) == pytest.approx(1.0) and binomial_sf(0, 5, 0.3) == pytest.approx(1.0)
        assert binomial_sf(1, 5, 0.0) == 0.0 and binomial_cdf(4, 5, 1.0) == 0.0
        with pytest.raises(ValueError, match="binomial"):
            binomial_cdf(1, 5, 1.5)

    @given(st.integers(0, 60), st.floats(0.0, 1.0), st.integers(-2, 62))
    def test_the_two_tails_make_one(self, n: int, p: float, k: int) -> None:
        assert binomial_cdf(k, n, p) + binomial_sf(k + 1, n, p) == pytest.approx(1.0, abs=1e-9)


class TestEmergingRise:
    def test_six_flags_where_two_a_fortnight_were_usual_are_emerging(self) -> None:
        rise = rate_rise(6, 8, 8, 2)  # baseline 1 a week: 2 expected in 2 weeks
        assert (rise.expected, rise.baseline_rate) == (2.0, 1.0)
        assert rise.p_value == pytest.approx(poisson_sf(6, 2.0)) and rise.emerging

    def test_six_flags_where_four_a_fortnight_were_usual_are_not(self) -> None:
        rise = rate_rise(6, 16, 8, 2)
        # 4 expected: 1 - e^-4 (1 + 4 + 8 + 32/3 + 32/3 + 128/15)
        assert rise.p_value == pytest.approx(1 - math.exp(-4) * (13 + 64 / 3 + 128 / 15), rel=1e-12)
        assert rise.p_value == pytest.approx(0.214870, abs=1e-6) and not rise.emerging

    def test_a_new_problem_emerges_once_it_reaches_the_minimum_count(self) -> None:
        assert rate_rise(3, 0, 8, 2).emerging and rate_rise(3, 0, 8, 2).p_value == 0.0
        assert not rate_rise(2, 0, 8, 2).emerging

    def test_periods_without_weeks_are_refused(self) -> None:
        with pytest.raises(ValueError, match="week"):
            rate_rise(1, 1, 0, 2)


class TestEffect:
    def test_twenty_cases_before_and_five_after_are_fewer(self) -> None:
        change = rate_change(20, 4, 5, 4)
        # n = 25, a ~ Bin(25, 1/2): P(a >= 20) = (C(25,20) + ... + C(25,25)) / 2^25, doubled
        assert change.p_value == pytest.approx(2 * 68406 / 2**25, rel=1e-12)
        assert (change.ratio, change.verdict) == (0.25, "fewer")

    def test_the_same_rate_is_no_significant_change_and_a_rise_is_more(self) -> None:
        assert rate_change(6, 4, 6, 4) == rate_change(6, 4, 6, 4)
        assert rate_change(6, 4, 6, 4).verdict == "no significant change"
        assert rate_change(6, 4, 6, 4).p_value == pytest.approx(1.0)
        assert rate_change(2, 4, 15, 4).verdict == "more"

    def test_periods_of_different_lengths_are_compared_by_rate(self) -> None:
        assert rate_change(8, 8, 4, 4).verdict == "no significant change"
        assert rate_change(8, 8, 4, 4).ratio == 1.0

    def test_nothing_before_and_nothing_after_is_no_change_without_a_ratio(self) -> None:
        change = rate_change(0, 4, 0, 4)
        assert (change.ratio, change.p_value, change.verdict) == (None, 1.0, "no significant change")

    def test_weeks_still_to_come_give_no_verdict(self) -> None:
        change = rate_change(20, 4, 1, 1.5, complete=False)
        assert change.verdict == "not enough time yet" and change.p_value is None
        assert change.ratio == pytest.approx((1 / 1.5) / 5)
