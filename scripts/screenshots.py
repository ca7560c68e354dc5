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
    # frameworks.md 9.1's patient X, every input given: the schemes side by side, one row each
    "protocols-patient-x": "/protocols?age_years=4&wbc_10e9_per_l=12&genetics=etv6_runx1&cns_status=CNS2"
    "&steroid_pretreatment=none&mrd_day8_pb_percent=0.5&mrd_day15_bm_percent=0.8&mrd_eoi_percent=0.02"
    "&mrd_eoc_percent=0&modal_chromosome_number=46&dna_index=1.0&sj_consolidation_mrd_persistent=false"
    "&down_syndrome=false",
    # an infant at exactly 300 x10^9/L: Interfant-06's cell marked as a disputed boundary
    "protocols-disputed": "/protocols?age_years=0.3&wbc_10e9_per_l=300&genetics=kmt2a_r&kmt2a_partner=other"
    "&prednisone_response=good&down_syndrome=false",
    # the form's section of inputs only some schemes read, opened by a link that gives some of them
    "calculator-protocol-inputs": "/?age_years=0.33&wbc_10e9_per_l=350&genetics=kmt2a_r&kmt2a_partner=AFF1"
    "&cns_status=CNS1&prednisone_response=poor&down_syndrome=false",
    "lessons": "/cases",
    "protocol-quiz": "/cases?seed=21",
    "batch": "/batch",
}
# Pages reached by a choice on the page rather than by their address: the mode of the Teaching cases page.
MODES = {"lessons": "Protocols disagree", "protocol-quiz": "Protocol quiz"}
# Pages shot further down, at a heading: the form's section is below the first screen.
AT_HEADING = {"calculator-protocol-inputs": "Results some protocols use"}
SIZES = {"1280x720": (1280, 720), "390x844": (390, 844)}
SETTLE_MS = 2500  # charts and fonts drawn after the script has finished


def shoot(
    page: Page, url: str, target: Path, *, scrolled: bool, mode: str | None = None, at: str | None = None
) -> None:
    page.goto(url)
    wait_idle(page, timeout_ms=60_000)
    if mode:
        page.get_by_text(mode, exact=True).click()
        page.wait_for_timeout(300)
        wait_idle(page, timeout_ms=60_000)
    page.wait_for_timeout(SETTLE_MS)
    if at:
        page.get_by_text(at, exact=True).first.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
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
                shoot(
                    page,
                    base + path,
                    target,
                    scrolled=name.endswith("-scrolled"),
                    mode=MODES.get(name),
                    at=AT_HEADING.get(name),
                )
                page.close()
                print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
            context.close()
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
