"""Latency of classify_all() (every scheme for one patient) and of classify() per scheme: median and p99 over
N calls, for a case complete for every scheme, the COG-complete case measured since the first schemes, and an
all-pending case.

    .venv/bin/python bench/classify_latency.py [N] [--against REF]      (default N = 2000)

With --against REF, the repository as it was at REF runs its own copy of this benchmark, in a temporary git
worktree and a process of its own, right before today's: the same machine state for both. (A past copy
measures the cases it knew.)

A benchmark prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from riskcalc import Patient, classify, classify_all, models  # noqa: E402

CASES = {
    # Every input any of the nine schemes reads for a 4-year-old: nothing pending, no scheme waits.
    "complete": Patient(
        age_years=4,
        wbc_10e9_per_l=12,
        genetics=["etv6_runx1"],
        cns_status="CNS1",
        steroid_pretreatment="none",
        mrd_day8_pb_percent=0.1,
        mrd_day15_bm_percent=0.1,
        mrd_eoi_percent=0.0,
        mrd_eoc_percent=0.0,
        eoi_marrow_blasts_percent=1.0,
        modal_chromosome_number=46,
        dna_index=1.0,
        down_syndrome=False,
    ),
    # The case this benchmark measured when three schemes existed (complete for them, not for the others).
    "COG complete": Patient(
        age_years=4,
        wbc_10e9_per_l=12,
        genetics=["etv6_runx1"],
        cns_status="CNS1",
        steroid_pretreatment="none",
        mrd_day8_pb_percent=0.1,
        mrd_eoi_percent=0.0,
        mrd_eoc_percent=0.0,
        down_syndrome=False,
    ),
    "all pending": Patient(age_years=4, wbc_10e9_per_l=12),
}


def measure(call: Callable[[], object], calls: int) -> tuple[float, float]:
    call()  # warm up: engines built, caches filled
    timings = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    timings.sort()
    return statistics.median(timings) * 1000, timings[int(0.99 * (len(timings) - 1))] * 1000


def run(calls: int) -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {calls} calls per line, {len(models())} models")
    print(f"{'call':<34}{'case':<14}{'median ms':>10}{'p99 ms':>10}")
    for name, patient in CASES.items():
        median, p99 = measure(partial(classify_all, patient), calls)
        print(f"{'classify_all':<34}{name:<14}{median:>10.3f}{p99:>10.3f}")
        for info in models():
            median, p99 = measure(partial(classify, patient, model=info.id), calls)
            print(f"{'classify ' + info.id:<34}{name:<14}{median:>10.3f}{p99:>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("calls", nargs="?", type=int, default=2_000)
    parser.add_argument("--against", metavar="REF", help="first measure the repository as it was at this git ref")
    args = parser.parse_args()
    if args.against:
        from bench.harness.worktree import checkout

        with checkout(args.against) as old:
            print(f"== at {args.against}")
            sys.stdout.flush()
            subprocess.run([sys.executable, str(old / "bench" / "classify_latency.py"), str(args.calls)], check=True)
        print("== today")
    run(args.calls)


if __name__ == "__main__":
    main()
