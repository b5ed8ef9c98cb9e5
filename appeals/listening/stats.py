"""The numbers behind the signals: their settings, the baseline (a median with a floor), and the tests for counts
(Poisson and negative-binomial upper tails, a binomial tail for a channel's share, the Benjamini–Hochberg
adjustment over many pairs). Pure functions of numbers: no database."""

from __future__ import annotations

import math
import statistics
from functools import lru_cache

from django.conf import settings


def listening_setting(key: str):
    return settings.LISTENING[key]


def median_baseline(counts: list[int]) -> float:
    return max(float(statistics.median(counts)), float(listening_setting("BASELINE_FLOOR")))


@lru_cache(maxsize=65536)
def poisson_sf(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0

    def log_pmf(i: int) -> float:
        return -lam + i * math.log(lam) - math.lgamma(i + 1)

    if k <= lam:  # the lower part is the short sum
        return max(0.0, 1.0 - sum(math.exp(log_pmf(i)) for i in range(k)))
    total, i = 0.0, k
    while True:
        term = math.exp(log_pmf(i))
        total += term
        if term < total * 1e-15 or i > k + 100_000:
            return min(1.0, total)
        i += 1


@lru_cache(maxsize=65536)
def negative_binomial_sf(k: int, mean: float, variance: float) -> float:
    """P(X >= k) for a count with this mean and a variance above it (a gamma-Poisson mixture); Poisson when the
    variance is not above the mean."""
    if variance <= mean or mean <= 0:
        return poisson_sf(k, mean)
    if k <= 0:
        return 1.0
    r = mean * mean / (variance - mean)
    log_p, log_q = math.log(r / (r + mean)), math.log(mean / (r + mean))

    def pmf(i: int) -> float:
        return math.exp(math.lgamma(i + r) - math.lgamma(r) - math.lgamma(i + 1) + r * log_p + i * log_q)

    if k <= mean:
        return max(0.0, 1.0 - sum(pmf(i) for i in range(k)))
    total, i = 0.0, k
    while True:
        term = pmf(i)
        total += term
        if term < total * 1e-15 or i > k + 100_000:
            return min(1.0, total)
        i += 1


def count_p_value(count: int, history: list[int]) -> tuple[float, float]:
    """(baseline, P(X >= count)) against the periods of `history`: the baseline is their median (never below
    BASELINE_FLOOR); the tail is Poisson, or negative binomial where the history varies more than Poisson."""
    baseline = median_baseline(history)
    variance = sample_variance(history) if len(history) > 1 else 0.0
    return baseline, negative_binomial_sf(count, baseline, variance)


def sample_variance(values: list) -> float | int:
    """statistics.variance, the same number, without its exact arithmetic in fractions for whole counts (the
    signals take the variance of hundreds of pairs' histories): (n Σx² - (Σx)²) / (n (n - 1)) in integers, an
    int when it divides evenly and else the float nearest that fraction, as statistics.variance returns."""
    if not all(type(value) is int for value in values):
        return statistics.variance(values)
    n, total = len(values), sum(values)
    numerator, denominator = n * sum(value * value for value in values) - total * total, n * (n - 1)
    if numerator % denominator == 0:
        return numerator // denominator
    return numerator / denominator  # int / int: the float nearest the exact quotient


@lru_cache(maxsize=4096)
def poisson_upper_bound(lam: float, alpha: float) -> int:
    """The smallest u with P(X > u) <= alpha: a count above u is above the baseline's upper bound.

    Baselines are medians of counts (whole or half numbers), so a few values serve every pair: cached, and
    found by bisection (a pair-month loop computing tails term by term cost seconds at a ministry's scale)."""
    lo, hi = max(0, int(lam)), max(1, int(lam + 10 * math.sqrt(lam) + 10))
    while poisson_sf(hi + 1, lam) > alpha:
        hi *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        if poisson_sf(mid + 1, lam) > alpha:
            lo = mid + 1
        else:
            hi = mid
    return lo


@lru_cache(maxsize=65536)
def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p); kept for the same arguments (a channel's count in a pair of thousands of
    appeals sums thousands of terms, and the same pairs are read again on the next request)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)
    return min(
        1.0,
        sum(
            math.exp(base - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
            for i in range(k, n + 1)
        ),
    )


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """The q-values (BH-adjusted p-values) in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = min(1.0, running)
    return q
