"""Fixtures of the real-browser tests: the app served by a Streamlit subprocess, and Debian's Chromium.

No browser is downloaded: Playwright drives the system Chromium (/usr/bin/chromium, `apt-get install
chromium`). If it is missing the tests fail with a message saying so; they are never skipped silently.
The start-up helpers are bench/harness/app_server.py and bench/harness/browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# The server and browser start-up live in bench/harness/, shared with the benchmarks.
from bench.harness.app_server import serve_app
from bench.harness.browser import launch_chromium


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(tmp_path_factory.mktemp("streamlit")) as base:
        yield base


@pytest.fixture(scope="module")  # closed with its module: a later sync_playwright() (the class test) needs no live loop
def browser() -> Iterator[Browser]:
    try:
        with sync_playwright() as playwright:
            chromium = launch_chromium(playwright)
            yield chromium
            chromium.close()
    except FileNotFoundError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context per test: its own Streamlit session, downloads allowed."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(20_000)
    tab = context.new_page()
    yield tab
    context.close()
