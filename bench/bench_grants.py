"""Benchmark: grant splits for 100 regions, every rule, against the targets.

Targets: under 20 ms per split for equal, purchasing-power and need; under 100 ms for
maximin (iterated LP plus the exact leximin rounding).

Each case is a fixed, seeded cohort of 100 regions (1-6 participants each, World-Bank-like
price levels 0.2-1.3 with three decimals, need scores 0.5-2), a pool of USD 30,000 per
participant, a floor of USD 5,000 and grants in units of USD 500. Three caps: one that binds
in the dearest regions, one that binds nowhere, and no cap. A fourth maximin case uses coarse
price levels (0.25, 0.5, 1, 2), which make exact ties, and so the rounding search, common.

Run: ``python bench/bench_grants.py``
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import timed
from planning.grants import GRANT_RULES, allocate_grants

REGIONS = 100
REPEATS = 30
TARGET_MS = {"equal": 20.0, "purchasing-power": 20.0, "need": 20.0, "maximin": 100.0}


def median_ms(rule: str, cap: float, prices: np.ndarray, n: np.ndarray, need: np.ndarray) -> float:
    """Median wall time of one split, in milliseconds."""
    return (
        timed(
            lambda: allocate_grants(
                n,
                pool=30_000.0 * float(n.sum()),
                cap=cap,
                floor=5_000.0,
                rule=rule,
                price_levels=prices,
                need=need,
                unit=500.0,
            ),
            REPEATS,
        )[1]
        * 1e3
    )


def main() -> int:
    rng = np.random.default_rng(2024)
    n = rng.integers(1, 7, REGIONS)
    prices = rng.uniform(0.2, 1.3, REGIONS).round(3)
    coarse = rng.choice([0.25, 0.5, 1.0, 2.0], REGIONS)
    need = rng.uniform(0.5, 2.0, REGIONS)
    cases = [("cap 45,000 (binds)", 45_000.0), ("cap 80,000", 80_000.0), ("no cap", math.inf)]
    print(f"{REGIONS} regions, {int(n.sum())} participants, median of {REPEATS} runs")
    print(f"{'rule':<18}{'case':<26}{'median ms':>10}{'target':>9}  ok")
    failures = 0
    for rule in GRANT_RULES:
        runs = [(label, cap, prices) for label, cap in cases]
        if rule == "maximin":
            runs.append(("coarse prices, cap 45,000", 45_000.0, coarse))
        for label, cap, levels in runs:
            ms = median_ms(rule, cap, levels, n, need)
            ok = ms < TARGET_MS[rule]
            failures += not ok
            print(
                f"{rule:<18}{label:<26}{ms:>10.2f}{TARGET_MS[rule]:>9.0f}  {'yes' if ok else 'NO'}"
            )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
