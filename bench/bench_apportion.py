"""Benchmark planning.apportion against its targets and against two PyPI peers.

Run on purpose, not in the test suite:

    python bench/bench_apportion.py            # targets, then peers where installed
    python bench/bench_apportion.py --full     # also run the peers on 1e6 seats / 1e4 regions

Targets (median wall time of ``apportion``, validation and explanation included):
- 435 seats over 50 regions (a US-House-sized problem): under 0.5 ms, every method;
- 1,000,000 seats over 10,000 regions: under 100 ms, every method.

Peers (benchmark-only dependencies, see bench/requirements.txt):
- ``apportionment`` (Bredereck, Faliszewski, Lackner et al.) builds the full
  regions x seats matrix of quotients and sorts it. Its authors report D'Hondt over
  1,000 parties and 10,000 seats in about 1 s, and 5,000 parties and 20,000 seats in
  7.5 s using 1.7 GB of memory.
- ``votelib`` hands seats out one at a time with exact fractions; the same 5,000 x 20,000
  case is reported at 0.5 s.
Both published cases are timed here too, with the same inputs for every library. Results
are compared seat for seat; the peers break exact ties by input order (we break them by
larger weight, then input order), so random inputs without ties are used.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import timed
from planning.apportion import apportion, method_names

SMALL_TARGET_MS = 0.5
LARGE_TARGET_MS = 100.0


def populations(regions: int, seed: int) -> np.ndarray:
    """Integer, population-like weights (log-normal around a million), no global RNG."""
    rng = np.random.default_rng(seed)
    return np.round(rng.lognormal(mean=14.0, sigma=1.2, size=regions)).astype(np.int64) + 1


def median_ms(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``run`` in milliseconds, after one warm-up call."""
    return timed(run, repeats, warm_up=True)[1] * 1e3


def targets(repeats_small: int, repeats_large: int) -> bool:
    """Time every method on both target cases; print a table; True if all pass."""
    cases = [
        ("435 seats / 50 regions", populations(50, 1790).astype(float), 435, SMALL_TARGET_MS,
         repeats_small),
        ("1e6 seats / 1e4 regions", populations(10_000, 2020).astype(float), 1_000_000,
         LARGE_TARGET_MS, repeats_large),
    ]  # fmt: skip
    print("planning.apportion against its targets (median of repeats, perf_counter)")
    print(f"{'case':<26}{'method':<18}{'median ms':>11}{'target ms':>11}  result")
    all_pass = True
    for label, weights, seats, target, repeats in cases:
        for method in method_names():
            ms = median_ms(lambda w=weights, s=seats, m=method: apportion(w, s, m), repeats)
            ok = ms < target
            all_pass &= ok
            print(f"{label:<26}{method:<18}{ms:>11.3f}{target:>11.1f}  {'pass' if ok else 'FAIL'}")
    return all_pass


# ---------------------------------------------------------------------------------------------
# Peers
# ---------------------------------------------------------------------------------------------

# Our method name -> the peer's name for it (methods a peer lacks are left out).
APPORTIONMENT_NAMES = {
    "hamilton": "largest_remainder",
    "jefferson": "dhondt",
    "webster": "saintelague",
    "huntington-hill": "huntington",
    "adams": "adams",
    "dean": "dean",
}
VOTELIB_DIVISORS = {"jefferson": "d_hondt", "webster": "sainte_lague"}


def apportionment_runner(method: str, votes: np.ndarray, seats: int) -> Callable[[], list[int]]:
    from apportionment import methods as peer  # type: ignore[import-not-found]

    names = [str(i) for i in range(votes.size)]  # its default names run out after 52 parties
    vote_list = votes.tolist()
    peer_method = APPORTIONMENT_NAMES[method]

    def run() -> list[int]:
        return list(peer.compute(peer_method, vote_list, seats, parties=names))

    return run


def votelib_runner(method: str, votes: np.ndarray, seats: int) -> Callable[[], list[int]]:
    from votelib.evaluate.proportional import (  # type: ignore[import-not-found]
        HighestAverages,
        LargestRemainder,
    )

    vote_dict = {i: int(v) for i, v in enumerate(votes.tolist())}
    evaluator: Any = (
        LargestRemainder("hare")
        if method == "hamilton"
        else HighestAverages(VOTELIB_DIVISORS[method])
    )

    def run() -> list[int]:
        won = evaluator.evaluate(vote_dict, seats)
        return [int(won.get(i, 0)) for i in range(votes.size)]

    return run


def peer_methods(peer: str) -> list[str]:
    if peer == "apportionment":
        return list(APPORTIONMENT_NAMES)
    return ["hamilton", *VOTELIB_DIVISORS]


def compare_peers(full: bool) -> None:
    """Seat-for-seat comparison and time ratios against the installed peers."""
    runners: dict[str, Callable[[str, np.ndarray, int], Callable[[], list[int]]]] = {}
    for name, runner in (("apportionment", apportionment_runner), ("votelib", votelib_runner)):
        try:
            __import__(name)
        except ImportError:
            print(f"\n{name} is not installed: skipped (pip install -r bench/requirements.txt)")
            continue
        runners[name] = runner
    if not runners:
        return
    cases = [
        ("435 seats / 50 regions", populations(50, 1790), 435, None, 20),
        ("D'Hondt 1,000 x 10,000 (published: apportionment ~1 s)", populations(1_000, 1), 10_000,
         ["jefferson"], 1),
        ("D'Hondt 5,000 x 20,000 (published: 7.5 s / 1.7 GB; votelib 0.5 s)",
         populations(5_000, 2), 20_000, ["jefferson"], 1),
    ]  # fmt: skip
    if full:
        cases.append(("1e6 seats / 1e4 regions", populations(10_000, 2020), 1_000_000, None, 1))
    else:
        print(
            "\nPeers on 1e6 seats / 1e4 regions skipped: apportionment would need a 1e4 x 1e6 "
            "matrix (80 GB); run with --full to time votelib there."
        )
    print("\nAgainst the peers (same integer weights; ratio = peer time / our time)")
    print(f"{'peer':<15}{'method':<18}{'ours ms':>10}{'peer ms':>12}{'ratio':>9}  seats")
    for label, votes, seats, only, repeats in cases:
        print(f"-- {label}")
        weights = votes.astype(float)
        for peer, make in runners.items():
            if full and seats == 1_000_000 and peer == "apportionment":
                print(f"{peer:<15}skipped: needs a {votes.size} x {seats} matrix of quotients")
                continue
            for method in only or peer_methods(peer):
                ours = apportion(weights, seats, method).seats.tolist()
                our_ms = median_ms(lambda w=weights, s=seats, m=method: apportion(w, s, m), 5)
                try:
                    run = make(method, votes, seats)
                    start = time.perf_counter()
                    theirs = run()
                    peer_ms = (time.perf_counter() - start) * 1e3
                    if repeats > 1:
                        peer_ms = median_ms(run, repeats)
                except Exception as error:  # a peer failing is a finding, not a crash
                    print(f"{peer:<15}{method:<18}{our_ms:>10.2f}  error: {error!r}")
                    continue
                diff = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
                verdict = "equal" if not diff else f"{len(diff)} differ, e.g. regions {diff[:5]}"
                print(
                    f"{peer:<15}{method:<18}{our_ms:>10.2f}{peer_ms:>12.2f}"
                    f"{peer_ms / our_ms:>9.1f}  {verdict}"
                )
                for i in diff[:5]:
                    print(f"{'':<15}region {i}: weight {votes[i]}, ours {ours[i]}, {theirs[i]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="peers on the 1e6 x 1e4 case too")
    parser.add_argument("--no-peers", action="store_true", help="targets only")
    parser.add_argument("--repeats", type=int, default=200, help="repeats of the small case")
    args = parser.parse_args()
    all_pass = targets(args.repeats, max(5, args.repeats // 40))
    print("all targets met" if all_pass else "SOME TARGETS MISSED")
    if not args.no_peers:
        compare_peers(args.full)


if __name__ == "__main__":
    main()
