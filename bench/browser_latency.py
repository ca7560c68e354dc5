"""Time from an input change to the updated result, in a real browser (Debian's Chromium, headless).

    .venv/bin/python bench/browser_latency.py [N] [--against REF]      (default N = 50)

Starts the app, opens the calculator on a shared link, then sets the end-of-induction MRD N times,
alternating 0.05 % (group High) and 0 % (group Favorable). Each time is measured from the moment the new
value is typed and committed (Enter) until the group badge states the new group; the browser is polled on
every animation frame. Prints the median and the 95th percentile.

With --against REF (a commit, tag or branch), the app as it was at REF is served beside today's from a
temporary git worktree, and the two are measured in turns, five changes each, in the same browser: a busy
machine then slows both alike, and the two figures can be compared. A benchmark prints numbers; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench.harness.app_server import APP, serve_app  # noqa: E402
from bench.harness.browser import launch_chromium, wait_idle  # noqa: E402
from bench.harness.class_case import CLASS_QUERY, CLASS_STEPS, MRD_LABEL  # noqa: E402
from bench.harness.worktree import checkout  # noqa: E402

LINK = "/?" + CLASS_QUERY.format(age=4)
STEPS = tuple((value, f"Risk group: {group}") for value, group in CLASS_STEPS)
ROUND = 5  # changes per turn when two apps are compared
# True once the group badge (or, failing that, the page) states the expected group.
SHOWS = """expected => {
  const badges = [...document.querySelectorAll('.rc-badge')];
  return badges.length ? badges.some(b => b.textContent.includes(expected)) : document.body.innerText.includes(expected);
}"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


class Measured:
    """One app open in one browser tab, and the times of its input changes."""

    def __init__(self, name: str, page: Page, base: str) -> None:
        self.name, self.page = name, page
        self.timings: list[float] = []
        self.count = 0
        page.goto(base + LINK)
        wait_idle(page)
        page.wait_for_function(SHOWS, arg="Risk group: Favorable", polling="raf", timeout=60_000)
        self.field = page.get_by_label(MRD_LABEL, exact=True)
        page.bring_to_front()
        for _ in range(2):  # warm-up changes, not counted
            self.change(record=False)

    def change(self, record: bool = True) -> None:
        value, expected = STEPS[self.count % 2]
        self.count += 1
        start = time.perf_counter()
        self.field.fill(value)
        self.field.press("Enter")
        self.page.wait_for_function(SHOWS, arg=expected, polling="raf", timeout=30_000)
        elapsed = time.perf_counter() - start
        wait_idle(self.page)  # let the rest of the run finish before the next change
        if record:
            self.timings.append(elapsed * 1000)

    def line(self) -> str:
        t = self.timings
        return (
            f"  {self.name:<22} median {statistics.median(t):.0f} ms   p95 {percentile(t, 0.95):.0f} ms   "
            f"min {min(t):.0f} ms   max {max(t):.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("changes", nargs="?", type=int, default=50)
    parser.add_argument("--against", metavar="REF", help="also measure the app as it was at this git ref")
    args = parser.parse_args()
    with ExitStack() as stack, sync_playwright() as playwright:
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        apps = [("today", stack.enter_context(serve_app(logs, APP)))]
        if args.against:
            old = stack.enter_context(checkout(args.against))
            apps.insert(0, (f"at {args.against}", stack.enter_context(serve_app(logs, old / "ui" / "app.py"))))
        browser = launch_chromium(playwright)
        measured = [
            Measured(name, browser.new_page(viewport={"width": 1400, "height": 1000}), base) for name, base in apps
        ]
        while any(len(m.timings) < args.changes for m in measured):
            for m in measured:
                m.page.bring_to_front()  # a tab in the background gets its animation frames throttled
                for _ in range(min(ROUND, args.changes - len(m.timings))):
                    m.change()
        browser.close()

    load = os.getloadavg()[0]
    print(
        f"browser latency, input change -> updated group ({args.changes} changes each, Chromium headless, "
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {load:.1f})"
    )
    for m in measured:
        print(m.line())


if __name__ == "__main__":
    main()
