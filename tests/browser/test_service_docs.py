"""The recommender service's API docs in Chromium, offline: /docs renders and "Try it out" answers.

The service runs in uvicorn on a free loopback port against a test champion (a `BiasBaseline`
fitted on the small synthetic MovieLens of `tests/unit/recommender_fakes.py`, as the service's
unit tests use). FastAPI's own /docs page would load Swagger UI from a CDN, which this network
does not reach, so a page that renders at all proves the assets came from the service; the test
also checks that every resource the page loaded came from it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))  # the service's test fakes
from recommender_fakes import make_app

from mlplatform.serving import running


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    with running(make_app(), timeout=60) as server:
        yield server.url


def _first(block, css: str):
    """The first element under `block` matching `css`, once Swagger UI has rendered it."""
    wait = WebDriverWait(block.parent, 60)
    return wait.until(lambda _: block.find_elements(By.CSS_SELECTOR, css))[0]


def _resources(browser) -> list[str]:
    return browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )


def test_swagger_ui_renders_the_operations_and_try_it_out_answers(
    browser, service: str, screenshots: Path
) -> None:
    browser.get(f"{service}/docs")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock-summary-path")))
    paths = {
        (block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text,
         block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").text.replace("\u200b", ""))
        for block in browser.find_elements(By.CSS_SELECTOR, ".opblock")
    }  # fmt: skip
    assert {("POST", "/recommendations"), ("POST", "/recommendations/batch"),
            ("GET", "/health"), ("GET", "/ready")} <= paths  # fmt: skip
    loaded = _resources(browser)
    assert any(url.endswith("swagger-ui-bundle.js") for url in loaded)
    assert [url for url in loaded if not url.startswith(service)] == []

    block = browser.find_element(By.ID, "operations-recommendations-recommend_recommendations_post")
    block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    _first(block, ".try-out__btn").click()
    body = _first(block, "textarea.body-param__text")
    assert "user_id" in body.get_attribute("value"), "the request example is prefilled"
    body.clear()
    body.send_keys(json.dumps({"user_id": 3, "k": 4}))
    block.find_element(By.CSS_SELECTOR, ".btn.execute").click()
    status = _first(block, ".live-responses-table tbody .response-col_status")
    assert status.text.strip().startswith("200")
    answer = json.loads(_first(block, ".live-responses-table tbody .microlight").text)
    assert answer["user_id"] == 3 and len(answer["items"]) == 4
    browser.save_screenshot(str(screenshots / "recommender_docs_try_it_out.png"))
