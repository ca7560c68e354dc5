"""Screenshots of every page of the app, projected (1280x720) and on a phone (390x844), for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]      (default docs/screenshots)

Serves the app on a free loopback port, opens each page in Debian's Chromium (headless) and saves
`<page>-1280x720.png` and `<page>-390x844.png`: what a lecturer projects and what a student sees on a phone.
The "scrolled" shots are taken after scrolling the page down, to show the result kept in view.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench.harness.app_server import serve_app  # noqa: E402
from bench.harness.browser import launch_chromium, wait_idle  # noqa: E402

CASE = "age_years=4&wbc_10e9_per_l=12&genetics=etv6_runx1&cns_status=CNS1&mrd_eoi_percent=0.05"
PAGES: dict[str, str] = {
    "calculator": f"/?{CASE}",
    "calculator-scrolled": f"/?{CASE}",
    "presentation": f"/?{CASE}&present=1",
    "presentation-scrolled": f"/?{CASE}&present=1",
    "landing": "/",
    "compare": "/compare?compare=age_years:4;wbc_10e9_per_l:12;genetics:etv6_runx1;cns_status:CNS1;mrd_eoi_percent:0"
    "|age_years:15;wbc_10e9_per_l:60;genetics:bcr_abl1;cns_status:CNS3",
    "cases": "/cases",
    "quiz": "/cases?seed=21",
    "protocols": f"/protocols?{CASE}",
    "batch": "/batch",
}
SIZES = {"1280x720": (1280, 720), "390x844": (390, 844)}
SETTLE_MS = 2500  # charts and fonts drawn after the script has finished


def shoot(page: Page, url: str, target: Path, *, scrolled: bool) -> None:
    page.goto(url)
    wait_idle(page, timeout_ms=60_000)
    page.wait_for_timeout(SETTLE_MS)
    if scrolled:
        page.evaluate("document.querySelector('[data-testid=stMain]').scrollBy(0, 1400)")
        page.wait_for_timeout(800)
    page.screenshot(path=str(target))


def main(output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as logs, serve_app(Path(logs)) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for size, (width, height) in SIZES.items():
            phone = width < 640
            context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
            for name, path in PAGES.items():
                page = context.new_page()  # a new tab: the pages' states do not mix
                target = output / f"{name}-{size}.png"
                shoot(page, base + path, target, scrolled=name.endswith("-scrolled"))
                page.close()
                print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
            context.close()
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
