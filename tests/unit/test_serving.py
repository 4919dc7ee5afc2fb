"""The shared serving machinery with a fake registry: routes, ids, limits, errors, metrics, swaps."""

from __future__ import annotations

import json
import logging
import re
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from mlplatform.config import ServingSettings
from mlplatform.serving import (
    REQUEST_ID_HEADER,
    BadRequestError,
    DependencyUnavailableError,
    ModelHolder,
    ServedModel,
    create_app,
)
from mlplatform.serving.request_logs import JsonFormatter

LIMIT = 1_000


class FakeSource:
    """A registry in memory: `alias` points at `version`; a model is the version times ten."""

    def __init__(self, version: str | None = "1") -> None:
        self.version, self.loads = version, 0

    def resolve(self, name: str, alias: str) -> str:
        if self.version is None:
            raise LookupError(f"{name!r} has no alias {alias!r}")
        return self.version

    def load(self, name: str, alias: str, version: str) -> ServedModel:
        self.loads += 1
        return ServedModel(int(version) * 10, name, version, alias, run_id=f"run-{version}")


class Numbers(BaseModel):
    x: int = Field(ge=0)


def make_app(source: FakeSource, checks: dict | None = None) -> FastAPI:
    settings = ServingSettings(max_body_bytes=LIMIT, model_poll_seconds=0)
    holder = ModelHolder("toy", source=source)
    app = create_app("toy service", holder, checks=checks, settings=settings)

    @app.post("/predict")
    def predict(body: Numbers) -> dict:
        served = holder.current
        if body.x == 13:
            raise BadRequestError("13 is not answered: pick another x.")
        if body.x == 503:
            raise DependencyUnavailableError("The feature server is down: start it.")
        if body.x == 500:
            raise RuntimeError("a bug")
        return {"y": body.x * served.model, "version": served.version}

    return app


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture
def client(source: FakeSource):
    with TestClient(make_app(source), raise_server_exceptions=False) as test_client:
        yield test_client


def test_health_and_ready_say_which_version_is_served(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "alive"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["model"] == {
        "name": "toy",
        "version": "1",
        "alias": "champion",
        "run_id": "run-1",
    }


def test_a_failing_dependency_check_makes_ready_503_with_its_message(source: FakeSource) -> None:
    def feature_server() -> None:
        raise ConnectionError("nothing at 127.0.0.1:6605")

    with TestClient(make_app(source, {"feature_server": feature_server})) as client:
        ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {
        "model": "ok",
        "feature_server": "failing: nothing at 127.0.0.1:6605",
    }


def test_without_a_model_ready_and_predict_are_503_with_the_reason() -> None:
    with TestClient(make_app(FakeSource(version=None))) as client:
        ready, predicted = client.get("/ready"), client.post("/predict", json={"x": 1})
        assert client.get("/health").status_code == 200
    assert ready.status_code == predicted.status_code == 503
    assert "has no alias 'champion'" in ready.json()["checks"]["model"]
    assert "No model of 'toy'@champion is loaded" in predicted.json()["detail"]


def test_request_ids_are_kept_when_plain_and_generated_otherwise(client: TestClient) -> None:
    kept = client.get("/health", headers={REQUEST_ID_HEADER: "abc-123"})
    replaced = client.get("/health", headers={REQUEST_ID_HEADER: "bad id\twith spaces"})
    generated = client.get("/health")
    assert kept.headers[REQUEST_ID_HEADER] == "abc-123"
    assert (
        len(replaced.headers[REQUEST_ID_HEADER]) == len(generated.headers[REQUEST_ID_HEADER]) == 32
    )


def test_every_error_carries_the_request_id_in_header_and_body(client: TestClient) -> None:
    answer = client.post("/predict", json={"x": -1}, headers={REQUEST_ID_HEADER: "r-1"})
    assert answer.status_code == 422
    assert answer.headers[REQUEST_ID_HEADER] == answer.json()["request_id"] == "r-1"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"x": -1}, 422, "body.x: Input should be greater than or equal to 0"),
        ({"x": "seven"}, 422, "body.x: Input should be a valid integer"),
        ({}, 422, "body.x: Field required"),
        ({"x": 13}, 422, "13 is not answered: pick another x."),
        ({"x": 503}, 503, "The feature server is down: start it."),
        ({"x": 500}, 500, "Internal error; the service log has the details"),
    ],
)
def test_errors_are_json_with_a_message(client: TestClient, body, status, message) -> None:
    answer = client.post("/predict", json=body)
    assert answer.status_code == status
    assert message in answer.json()["detail"]


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    answer = client.post(
        "/predict", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert "JSON decode error" in answer.json()["detail"]


def test_a_body_that_is_not_utf8_is_400_saying_what_to_send(client: TestClient) -> None:
    answer = client.post("/predict", content=b"\xff", headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert "send a well-formed UTF-8 JSON body" in answer.json()["detail"]


def test_a_body_over_the_limit_is_413_by_header_and_by_stream(client: TestClient) -> None:
    big = json.dumps({"x": 1, "pad": "a" * LIMIT}).encode()
    declared = client.post("/predict", content=big, headers={"content-type": "application/json"})

    def chunks():
        yield from (big[i : i + 100] for i in range(0, len(big), 100))

    streamed = client.post(
        "/predict", content=chunks(), headers={"content-type": "application/json"}
    )
    assert declared.status_code == streamed.status_code == 413
    assert f"larger than {LIMIT} bytes" in streamed.json()["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None])
def test_a_body_of_another_content_type_is_415(client: TestClient, content_type) -> None:
    headers = {"content-type": content_type} if content_type else {}
    answer = client.post("/predict", content=b'{"x": 1}', headers=headers)
    assert answer.status_code == 415
    assert "send application/json" in answer.json()["detail"]


def test_json_with_a_charset_is_accepted(client: TestClient) -> None:
    headers = {"content-type": "application/json; charset=utf-8"}
    assert client.post("/predict", content=b'{"x": 2}', headers=headers).json()["y"] == 20


def test_unknown_routes_and_methods_are_4xx_json(client: TestClient) -> None:
    assert client.get("/nowhere").status_code == 404
    assert client.get("/predict").status_code == 405
    assert client.get("/nowhere").json()["detail"] == "Not Found"


def test_metrics_count_by_route_template_and_status_and_show_the_version(client, source) -> None:
    client.post("/predict", json={"x": 1})
    client.post("/predict", json={"x": -1})
    client.get("/no/such/path/1")
    text = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/predict",status="200"} 1.0' in text
    assert 'http_errors_total{method="POST",route="/predict",status="422"} 1.0' in text
    assert 'http_errors_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert 'http_request_duration_seconds_bucket{le="0.002",method="POST",route="/predict"}' in text
    assert 'model_version_served{alias="champion",name="toy"} 1.0' in text


def test_reload_swaps_to_the_version_the_alias_moved_to(client, source) -> None:
    assert client.post("/admin/reload").json() == {"changed": False, "version": "1", "error": None}
    source.version = "2"
    assert client.post("/admin/reload").json() == {"changed": True, "version": "2", "error": None}
    assert client.post("/predict", json={"x": 1}).json() == {"y": 20, "version": "2"}
    assert 'model_version_served{alias="champion",name="toy"} 2.0' in client.get("/metrics").text
    assert source.loads == 2  # an unchanged alias is not loaded again


def test_a_failed_check_keeps_serving_the_old_model(client, source) -> None:
    source.version = None
    answer = client.post("/admin/reload").json()
    assert answer["changed"] is False and answer["version"] == "1"
    assert "has no alias" in answer["error"]
    assert client.post("/predict", json={"x": 1}).json()["version"] == "1"


def test_the_polling_thread_follows_the_alias() -> None:
    source = FakeSource()
    holder = ModelHolder("toy", source=source)
    holder.refresh()
    holder.start_polling(0.02)
    try:
        source.version = "5"
        deadline = time.monotonic() + 5
        while holder.current.version != "5" and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        holder.stop_polling()
    assert holder.current.version == "5"


def test_log_lines_are_json_with_the_request_id(client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="mlplatform.serving.access"):
        client.get("/health", headers={REQUEST_ID_HEADER: "trace-7"})
    record = next(r for r in caplog.records if r.name == "mlplatform.serving.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["route"] == "/health" and line["status"] == 200
    assert line["message"] == "GET /health 200"
    assert line["request_id"] == "trace-7"


def test_latency_buckets_are_cumulative_with_the_edge_inside() -> None:
    from mlplatform.serving.metrics import ServiceMetrics

    metrics = ServiceMetrics()
    for seconds in (0.002, 0.003, 20.0):
        metrics.observe("GET", "/x", 200, seconds)
    text = metrics.render().decode()
    assert 'http_request_duration_seconds_bucket{le="0.002",method="GET",route="/x"} 1.0' in text
    assert 'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/x"} 2.0' in text
    assert 'http_request_duration_seconds_bucket{le="10.0",method="GET",route="/x"} 2.0' in text
    assert 'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/x"} 3.0' in text
    assert 'http_request_duration_seconds_sum{method="GET",route="/x"} 20.005' in text


def test_two_services_in_one_process_count_apart_even_after_feast_is_imported() -> None:
    import feast  # noqa: F401  (it switches prometheus-client to shared multiprocess files)

    from mlplatform.serving.metrics import ServiceMetrics

    first, second = ServiceMetrics(), ServiceMetrics()
    first.observe("GET", "/health", 200, 0.001)
    assert b'http_requests_total{method="GET",route="/health",status="200"} 1.0' in first.render()
    assert b"http_requests_total{" not in second.render()


def test_a_version_that_fails_its_warm_up_is_never_served() -> None:
    source = FakeSource()

    def refuse_version_2(served: ServedModel) -> None:
        if served.version == "2":
            raise ValueError("cannot score the canary user")

    holder = ModelHolder("toy", source=source, warm_up=refuse_version_2)
    assert holder.refresh() is True
    source.version = "2"
    assert holder.refresh() is False
    assert holder.current.version == "1"
    assert holder.last_error == "ValueError: cannot score the canary user"


def test_the_api_docs_load_their_assets_from_the_service_not_a_cdn() -> None:
    with TestClient(make_app(FakeSource())) as client:
        assert client.get("/redoc").status_code == 404, "ReDoc is not offline: left out"
        html = client.get("/docs")
        assert html.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', html.text)
        sources += re.findall(r"url: '([^']+)'", html.text)
        assert sources, "the page names no script or stylesheet"
        assert not [url for url in sources if "://" in url], "an asset from another host"
        assets = [url for url in sources if url.endswith((".js", ".css"))]
        assert assets
        for url in assets:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 10_000, url
