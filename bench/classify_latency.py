"""Latency of classify_all() (every scheme for one patient) and of classify() per scheme: median and p99 over
N calls, for a complete and an all-pending case.

    .venv/bin/python bench/classify_latency.py [N]      (default N = 2000)

A benchmark prints numbers; it asserts nothing.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from riskcalc import Patient, classify, classify_all, models

CASES = {
    "complete": Patient(
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


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    print(f"python {platform.python_version()} on {platform.machine()}, {calls} calls per line")
    print(f"{'call':<34}{'case':<14}{'median ms':>10}{'p99 ms':>10}")
    for name, patient in CASES.items():
        median, p99 = measure(partial(classify_all, patient), calls)
        print(f"{'classify_all':<34}{name:<14}{median:>10.3f}{p99:>10.3f}")
        for info in models():
            median, p99 = measure(partial(classify, patient, model=info.id), calls)
            print(f"{'classify ' + info.id:<34}{name:<14}{median:>10.3f}{p99:>10.3f}")


if __name__ == "__main__":
    main()
