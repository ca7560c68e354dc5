"""Fixtures of the real-browser tests: the app served by a Streamlit subprocess, and Debian's Chromium.

No browser is downloaded: Playwright drives the system Chromium (/usr/bin/chromium, `apt-get install
chromium`). If it is missing the tests fail with a message saying so; they are never skipped silently.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "ui" / "app.py"
CHROMIUM = Path(os.environ.get("RISKCALC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # containers and CI runners often lack the user namespaces the sandbox needs
    "--disable-dev-shm-usage",  # small /dev/shm in containers
    "--disable-gpu",
    "--disable-background-networking",  # no calls home from the test browser
    "--disable-component-update",
    "--no-first-run",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_app(log_dir: Path, app: Path = APP) -> Iterator[str]:
    """Start `streamlit run` on a free loopback port, wait until healthy, yield its base URL, stop it.

    The server's output goes to a log file in log_dir, quoted in the error if it fails to start."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    log_path = log_dir / f"streamlit-{port}.log"
    with log_path.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log_path.read_text()}")
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                        if response.read().decode().strip() == "ok":
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"streamlit did not become healthy in {START_TIMEOUT_S:.0f} s:\n{log_path.read_text()}"
                    )
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
