"""Fixtures of the browser tests: a headless Chromium per test, and where screenshots go.

Where Chromium or its driver is missing the tests are skipped with the reason (see `chromium.py`).
Screenshots go to `_build/screenshots/` for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import chromium, missing_reason
from selenium import webdriver

SCREENSHOTS = Path(__file__).resolve().parents[2] / "_build" / "screenshots"


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium for one test; skipped, with the reason, where it is not installed."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    with chromium() as driver:
        driver.set_page_load_timeout(60)
        yield driver


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
