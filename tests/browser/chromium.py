"""Headless Chromium from the OS packages, driven by Selenium and the system chromedriver.

Playwright's and Selenium Manager's own browser downloads are not available here, so both binaries
come from Debian (`chromium`, `chromium-driver`; `make system-packages`, which `make test` runs first,
installs them). Where they are missing the tests are skipped with the reason. `CHROMIUM` and
`CHROMEDRIVER` point at other binaries (GitHub's runners ship Google Chrome and its driver).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
# Without the background-networking switches Chromium keeps calling home, which a closed network
# refuses; --no-sandbox because CI runs as root.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def missing_reason() -> str | None:
    """Why the browser tests cannot run on this machine, or None when they can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            return (
                f"{path} not found: the browser tests need Debian's {package}; install it with "
                "`make system-packages` (sudo apt-get install chromium chromium-driver), or set "
                "CHROMIUM and CHROMEDRIVER to a Chrome and its chromedriver"
            )
    return None


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a new, empty profile, closed (and its profile deleted) at the end."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
