"""What every benchmark needs: wall times of repeated calls, and a verdict on a target."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(
    action: Callable[[], object], repeat: int, *, warm_up: bool = False
) -> tuple[float, float]:
    """Best and median wall time of ``action`` over ``repeat`` calls, in seconds.

    With ``warm_up`` one untimed call comes first, so caches a running app would have
    (reference data, compiled code) are filled before the clock starts.
    """
    if warm_up:
        action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def verdict(value: float, target: float) -> str:
    """ "OK" when a measured value is under its target, "OVER" when it is not."""
    return "OK" if value < target else "OVER"
