"""The tests behind the common-problems view and a proposal's measured effect: pure functions, no I/O.

Counts of cases in a policy area are small (a handful a week per region), so both tests are exact, on
Poisson counts, not normal approximations:

- *Emerging* (`rate_rise`): a one-sided Poisson rate test. Under "nothing changed", the count of the
  last `weeks` is Poisson with mean `baseline rate x weeks`, the baseline rate being the count of the
  `baseline_weeks` before divided by their number; p = P(X >= observed). A problem is emerging when
  p < alpha and the count reaches a minimum (one or two cases are never a pattern).
- *Effect* (`rate_change`): a two-sample Poisson rate comparison by the conditional binomial test.
  Given n = a + b cases in the two periods of lengths t_a (before) and t_b (after), under equal rates
  a ~ Binomial(n, t_a / (t_a + t_b)); the two-sided p-value is twice the smaller tail (at most 1).

Written with `math.lgamma` and `math.exp` (no scipy): each probability is a sum of exact terms in logs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ALPHA",
    "MIN_COUNT",
    "RateChange",
    "RateRise",
    "Verdict",
    "binomial_cdf",
    "binomial_sf",
    "poisson_sf",
    "rate_change",
    "rate_rise",
]

ALPHA = 0.05
"""The significance level both tests use unless told otherwise."""
MIN_COUNT = 3
"""The fewest cases in the last weeks that can make a problem emerging, however small the p-value."""
Verdict = Literal["fewer", "no significant change", "more", "not enough time yet"]


def _poisson_log_pmf(k: int, lam: float) -> float:
    return k * math.log(lam) - lam - math.lgamma(k + 1)


def poisson_sf(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam): the upper tail summed term by term where it is the small side."""
    if lam < 0:
        raise ValueError(f"a Poisson mean is never negative, not {lam}")
    if k <= 0:
        return 1.0
    if lam == 0:
        return 0.0
    if k <= lam:  # the lower side P(X < k) is the smaller one: 1 minus it loses nothing
        return min(1.0, max(0.0, 1.0 - math.fsum(math.exp(_poisson_log_pmf(i, lam)) for i in range(k))))
    terms: list[float] = []
    i = k
    while True:  # past the mode, the terms only shrink
        term = math.exp(_poisson_log_pmf(i, lam))
        terms.append(term)
        if term <= 1e-17 * math.fsum(terms) or term == 0.0:
            break
        i += 1
    return min(1.0, math.fsum(terms))


def _binomial_terms(n: int, p: float, ks: range) -> float:
    if p <= 0.0:
        return 1.0 if 0 in ks else 0.0
    if p >= 1.0:
        return 1.0 if n in ks else 0.0
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    return min(1.0, math.fsum(
        math.exp(log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q) for i in ks))


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    _check_binomial(n, p)
    return _binomial_terms(n, p, range(0, min(k, n) + 1)) if k >= 0 else 0.0


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    _check_binomial(n, p)
    return _binomial_terms(n, p, range(max(k, 0), n + 1)) if k <= n else 0.0


def _check_binomial(n: int, p: float) -> None:
    if n < 0 or not 0.0 <= p <= 1.0:
        raise ValueError(f"a binomial needs n >= 0 and 0 <= p <= 1, not n={n}, p={p}")


@dataclass(frozen=True)
class RateRise:
    """The one-sided Poisson rate test of the last weeks against the baseline weeks before them."""

    observed: int
    expected: float
    baseline_rate: float
    p_value: float
    emerging: bool


def rate_rise(observed: int, baseline_count: int, baseline_weeks: int, weeks: int, *, alpha: float = ALPHA,
              min_count: int = MIN_COUNT) -> RateRise:
    """Is `observed` in the last `weeks` more than the baseline rate explains? An empty baseline explains
    nothing: any count reaching `min_count` is then emerging (a new problem, p = 0)."""
    if baseline_weeks <= 0 or weeks <= 0:
        raise ValueError("both periods need at least one week")
    baseline_rate = baseline_count / baseline_weeks
    expected = baseline_rate * weeks
    p_value = poisson_sf(observed, expected)
    return RateRise(observed, expected, baseline_rate, p_value, p_value < alpha and observed >= min_count)


@dataclass(frozen=True)
class RateChange:
    """The conditional binomial comparison of the rate before and the rate after (two-sided)."""

    ratio: float | None
    p_value: float | None
    verdict: Verdict


def rate_change(before: int, before_weeks: float, after: int, after_weeks: float, *, complete: bool = True,
                alpha: float = ALPHA) -> RateChange:
    """Did the weekly rate change from `before` (in `before_weeks`) to `after` (in `after_weeks`)? The ratio is
    after over before (None when there was no case before); an incomplete after period has no verdict yet."""
    ratio = (after / after_weeks) / (before / before_weeks) if before and before_weeks > 0 and after_weeks > 0 else None
    if not complete or after_weeks <= 0 or before_weeks <= 0:
        return RateChange(ratio, None, "not enough time yet")
    n, share = before + after, before_weeks / (before_weeks + after_weeks)
    p_value = 1.0 if n == 0 else min(1.0, 2 * min(binomial_cdf(before, n, share), binomial_sf(before, n, share)))
    if p_value >= alpha:
        return RateChange(ratio, p_value, "no significant change")
    return RateChange(ratio, p_value, "fewer" if after / after_weeks < before / before_weeks else "more")
