"""Time from an input change to the updated result, in a real browser (Debian's Chromium, headless).

    .venv/bin/python bench/browser_latency.py [N]      (default N = 50)

Starts the app, opens the calculator on a shared link, then sets the end-of-induction MRD N times,
alternating 0.05 % (group High) and 0 % (group Favorable). Each time is measured from the moment the new
value is typed and committed (Enter) until the group badge states the new group; the browser is polled on
every animation frame. Prints the median and the 95th percentile. A benchmark prints numbers; it asserts
nothing.
"""

from __future__ import annotations

import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.harness.app_server import serve_app  # noqa: E402
from bench.harness.browser import launch_chromium, wait_idle  # noqa: E402
from bench.harness.class_case import CLASS_QUERY, CLASS_STEPS, MRD_LABEL  # noqa: E402

LINK = "/?" + CLASS_QUERY.format(age=4)
STEPS = tuple((value, f"Risk group: {group}") for value, group in CLASS_STEPS)
# True once the group badge (or, failing that, the page) states the expected group.
SHOWS = """expected => {
  const badges = [...document.querySelectorAll('.rc-badge')];
  return badges.length ? badges.some(b => b.textContent.includes(expected)) : document.body.innerText.includes(expected);
}"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def main(changes: int = 50) -> None:
    with tempfile.TemporaryDirectory() as logs, serve_app(Path(logs)) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base + LINK)
        wait_idle(page)
        page.wait_for_function(SHOWS, arg="Risk group: Favorable", polling="raf")
        field = page.get_by_label(MRD_LABEL, exact=True)
        timings: list[float] = []
        for index in range(changes + 2):  # two warm-up changes, not counted
            value, expected = STEPS[index % 2]
            start = time.perf_counter()
            field.fill(value)
            field.press("Enter")
            page.wait_for_function(SHOWS, arg=expected, polling="raf", timeout=30_000)
            elapsed = time.perf_counter() - start
            wait_idle(page)  # let the rest of the run finish before the next change
            if index >= 2:
                timings.append(elapsed * 1000)
        browser.close()

    print(
        f"browser latency, input change -> updated group ({changes} changes, Chromium headless, "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()})"
    )
    print(
        f"  median {statistics.median(timings):.0f} ms   p95 {percentile(timings, 0.95):.0f} ms   "
        f"min {min(timings):.0f} ms   max {max(timings):.0f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
