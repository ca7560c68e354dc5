"""Debian's Chromium, headless, through Playwright; and the wait for Streamlit to finish a run.

No browser is downloaded: Playwright drives the system Chromium (/usr/bin/chromium, `apt-get install
chromium`, or RISKCALC_CHROMIUM). If it is missing, launch_chromium says so.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, expect

CHROMIUM = Path(os.environ.get("RISKCALC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # containers and CI runners often lack the user namespaces the sandbox needs
    "--disable-dev-shm-usage",  # small /dev/shm in containers
    "--disable-gpu",
    "--disable-background-networking",  # no calls home from the test browser
    "--disable-component-update",
    "--no-first-run",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"  # Streamlit has finished the script run


def launch_chromium(playwright: Playwright) -> Browser:
    if not CHROMIUM.is_file():
        raise FileNotFoundError(
            f"Chromium not found at {CHROMIUM}. The browser tests drive Debian's chromium: install it with "
            "`apt-get install -y chromium` (or set RISKCALC_CHROMIUM to its path). Do not run `playwright install`."
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def wait_idle(page: Page, timeout_ms: float = 20_000) -> None:
    """Wait until Streamlit has finished the current script run (engine notes §3.4)."""
    expect(page.locator(IDLE)).to_be_attached(timeout=timeout_ms)
