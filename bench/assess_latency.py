"""Latency of one assess() call: median and p99 over N calls, for a complete and an all-pending case.

    .venv/bin/python bench/assess_latency.py [N]      (default N = 10000)

A benchmark prints numbers; it asserts nothing. Results are recorded in docs/performance.md.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from riskcalc import Patient, assess

CASES = {
    "complete": Patient(
        age_years=4, wbc_10e9_per_l=12, genetics=["etv6_runx1"], cns_status="CNS1", mrd_eoi_percent=0.0
    ),
    "all pending": Patient(age_years=4, wbc_10e9_per_l=12),
}


def measure(patient: Patient, calls: int) -> list[float]:
    assess(patient)  # warm up: engine built, caches filled
    timings = []
    for _ in range(calls):
        start = time.perf_counter()
        assess(patient)
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(f"python {platform.python_version()} on {platform.machine()}, {calls} calls per case")
    print(f"{'case':<12} {'median ms':>10} {'p99 ms':>8}")
    for name, patient in CASES.items():
        timings = sorted(measure(patient, calls))
        median = statistics.median(timings) * 1e3
        p99 = timings[int(0.99 * (len(timings) - 1))] * 1e3
        print(f"{name:<12} {median:>10.3f} {p99:>8.3f}")


if __name__ == "__main__":
    main()
