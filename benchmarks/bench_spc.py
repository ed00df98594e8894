"""Benchmark: SPC (XmR, plot-the-dots rules, icons, assurance) for 1,000 series of 120 points.

Run from the repository root:  .venv/bin/python benchmarks/bench_spc.py
The target is under one second on one core for the vectorised path (``spc_batch``); the
per-series ``spc()`` loop (which also builds a DataFrame per series) is timed for comparison.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data.stats.spc import spc, spc_batch

N_SERIES = 1_000
N_POINTS = 120


def make_data(seed: int = 20240401) -> np.ndarray:
    """Noisy monthly KPIs with occasional shifts, trends and missing values."""
    rng = np.random.default_rng(seed)
    y = rng.normal(100.0, 10.0, size=(N_SERIES, N_POINTS))
    shift_at = rng.integers(24, N_POINTS, size=N_SERIES)
    y += np.where(np.arange(N_POINTS) >= shift_at[:, None], rng.normal(0, 15, size=(N_SERIES, 1)), 0.0)
    y[rng.random(size=y.shape) < 0.01] = np.nan
    return y


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    y = make_data()
    x = np.arange(N_POINTS)
    targets = np.full(N_SERIES, 95.0)

    def batch() -> None:
        b = spc_batch(y, x, improvement_direction="higher_is_better", targets=targets, rebase=[60])
        b.variation_icons()
        b.assurance_icons()

    def batch_with_table() -> None:
        spc_batch(y, x, improvement_direction="higher_is_better", targets=targets, rebase=[60]).to_frame()

    def loop() -> None:
        for i in range(N_SERIES):
            spc(y[i], x, improvement_direction="higher_is_better", target=95.0, rebase=[60])

    t_batch = best_of(5, batch)
    t_table = best_of(3, batch_with_table)
    t_loop = best_of(1, loop)
    print(f"SPC for {N_SERIES:,} series x {N_POINTS} points")
    print(f"  spc_batch (arrays + icons + assurance): {t_batch:.3f} s")
    print(f"  spc_batch + long DataFrame ({N_SERIES * N_POINTS:,} rows): {t_table:.3f} s")
    print(f"  spc() per series (DataFrame + summary each): {t_loop:.3f} s")


if __name__ == "__main__":
    main()
