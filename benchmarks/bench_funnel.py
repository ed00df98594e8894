"""Time a funnel over 10,000 units and confidence intervals over 10,000 units (single core).

Run from the repo root: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_funnel.py``.
Goal: funnel under one second. No timing assertions live in the unit tests.
"""

from __future__ import annotations

import time

import numpy as np

from data.stats.funnel import fingertips_funnel_significance, funnel_plot, funnel_rate_sr
from data.stats.intervals import phe_dsr, phe_proportion, phe_rate

N = 10_000


def _time(label, fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<55s} {best * 1000:8.1f} ms")
    return best


def main() -> None:
    rng = np.random.default_rng(42)
    pop = rng.integers(2_000, 20_000, N).astype(float)
    rate = rng.gamma(20, 0.35 / 20, N)  # overdispersed A&E rates around 0.35 per person-year
    events = rng.poisson(pop * rate).astype(float)
    expected = pop * events.sum() / pop.sum()
    trials = rng.integers(50, 5_000, N).astype(float)
    successes = rng.binomial(trials.astype(int), rng.beta(40, 10, N)).astype(float)

    print(f"units: {N:,}")
    _time("funnel_plot SR/SHMI (overdispersion-adjusted)", lambda: funnel_plot(events, expected))
    _time("funnel_plot SR/CQC", lambda: funnel_plot(events, expected, sr_method="CQC"))
    _time("funnel_plot PR", lambda: funnel_plot(successes, trials, data_type="PR"))
    _time("funnel_rate_sr (rate per 1,000 vs pooled rate)", lambda: funnel_rate_sr(events, pop))
    _time("fingertips_funnel_significance (ratio)",
          lambda: fingertips_funnel_significance(events, expected, statistic="ratio"))
    _time("phe_proportion (Wilson, 95 %)", lambda: phe_proportion(successes, trials))
    _time("phe_rate (exact/Byar, 99.8 %)", lambda: phe_rate(events, pop, 0.998))
    x = rng.poisson(5, (N, 19)).astype(float)
    n = rng.integers(1_000, 5_000, (N, 19)).astype(float)
    w = np.tile(np.arange(1, 20, dtype=float), (N, 1))
    _time("phe_dsr (19 age bands)", lambda: phe_dsr(x, n, w))


if __name__ == "__main__":
    main()
