"""Headless Debian Chromium driven by Selenium, for the browser tests (nothing is downloaded).

Selenium is told where ``chromium`` and ``chromedriver`` are (Debian packages ``chromium`` and
``chromium-driver``), so Selenium Manager never fetches a browser. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@contextmanager
def chromium(profile: Path, *, window: str = "1280,900") -> Iterator[WebDriver]:
    """A headless Chromium with a throw-away profile; fails clearly when the Debian packages are missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"expected {', '.join(missing)}; not installed. Fix: apt-get install chromium chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--window-size={window}", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def wait_js(driver: WebDriver, what: str, condition: str, *, timeout: float, screenshot: str) -> object:
    """Wait until the JavaScript expression ``condition`` is truthy and return its value.

    On timeout the page is saved as ``test-artifacts/<screenshot>`` and the failure says what was awaited.
    """
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.25).until(
            lambda d: d.execute_script(f"return {condition}")
        )
    except WebDriverException as e:
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / screenshot))
        raise AssertionError(f"timed out waiting for {what} (screenshot: test-artifacts/{screenshot})") from e
