"""What every browser test does to a page of the app: open it and wait for Streamlit, find the group badge,
and scan it with axe."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from bench.harness.browser import wait_idle

GROUP = re.compile(r"Risk group: (Favorable|Standard|High)")
BLOCKING = {"serious", "critical"}  # the impacts no page of the app may have


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    wait_idle(page)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def group_badge(page: Page) -> Locator:
    """The element that states the group in words (the badge), whatever symbol precedes it. Not the phone's
    one-line result bar, which states it too but is hidden on a wide screen."""
    return page.locator(".rc-badge").get_by_text(GROUP).first


def blocking_violations(page: Page) -> list[str]:
    """axe's serious and critical findings, each with the elements it found and why, so that a failure
    says what to fix rather than only how many nodes are wrong."""
    found: list[str] = []
    for item in Axe().run(page).response["violations"]:
        if item.get("impact") not in BLOCKING:
            continue
        for node in item["nodes"]:
            why = "; ".join(check.get("message", "") for check in node.get("any", []) + node.get("all", []))
            found.append(f"{item['id']} ({item['impact']}): {node['html'][:160]} - {why}")
    return found
