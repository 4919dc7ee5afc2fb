"""Where Chromium is missing the browser tests are skipped with a reason that says what to install."""

import chromium
import pytest


def test_a_missing_browser_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(chromium, "CHROMIUM", str(tmp_path / "no-chromium"))
    reason = chromium.missing_reason()
    assert reason is not None
    assert "no-chromium not found" in reason
    assert "make system-packages" in reason


def test_a_missing_driver_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setattr(chromium, "CHROMIUM", str(browser))
    monkeypatch.setattr(chromium, "CHROMEDRIVER", str(tmp_path / "no-driver"))
    reason = chromium.missing_reason()
    assert reason is not None
    assert "chromium-driver" in reason
