"""Time to build the handouts of one case: Markdown, and the PDF (with its QR code, course table and charts).

    .venv/bin/python bench/handout_latency.py [N]      (default N = 10)

The first PDF of a process also starts the chart renderer (vl-convert), so it is printed apart. The PDF is
built when its download button is pressed, never on a page run. A benchmark prints numbers; it asserts nothing.
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

from riskcalc import Patient, assess
from ui.lib import handouts
from ui.lib.chart_images import chart_png
from ui.lib.charts import age_wbc_map

LINK = "http://192.0.2.10:8501/?age_years=4&wbc_10e9_per_l=12&genetics=etv6_runx1&cns_status=CNS1&mrd_eoi_percent=0"
CASES = {
    "complete": Patient(
        age_years=4, wbc_10e9_per_l=12, genetics=["etv6_runx1"], cns_status="CNS1", mrd_eoi_percent=0.0
    ),
    "all pending": Patient(age_years=4, wbc_10e9_per_l=12),
}


def seconds(build: Callable[[], object], repeats: int) -> list[float]:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        build()
        timings.append(time.perf_counter() - start)
    return timings


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print(f"python {platform.python_version()} on {platform.machine()}, {repeats} builds per case")
    before = rss_mb()
    first = seconds(lambda: handouts.to_pdf(assess(CASES["complete"]), link=LINK), 1)[0]
    print(f"first PDF of the process (starts the chart renderer): {first:.2f} s; RSS {before:.0f} -> {rss_mb():.0f} MB")
    map_chart = age_wbc_map(CASES["complete"])[0]
    chart = statistics.median(seconds(lambda: chart_png(map_chart), repeats))
    print(f"one chart picture (the map), median: {chart * 1e3:.0f} ms")
    print(f"{'case':<12} {'markdown ms':>12} {'pdf median s':>13} {'pdf max s':>10}")
    for name, patient in CASES.items():
        assessment = assess(patient)
        markdown = statistics.median(seconds(partial(handouts.to_markdown, assessment, link=LINK), repeats))
        pdf = seconds(partial(handouts.to_pdf, assessment, link=LINK), repeats)
        print(f"{name:<12} {markdown * 1e3:>12.1f} {statistics.median(pdf):>13.2f} {max(pdf):>10.2f}")
    print(f"RSS at the end: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
