"""The recommender service through FastAPI's test client: every route and every bad input."""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient
from recommender_fakes import down_lookup, frames, make_app

from mlplatform.config import load_settings
from mlplatform.recommender.champion import MAX_K
from mlplatform.recommender.service import feature_server_check
from mlplatform.recommender.service_data import feast_lookup
from mlplatform.recommender.service_schemas import MAX_BATCH


@pytest.fixture(scope="module")
def client():
    with TestClient(make_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_known_user_gets_k_unrated_movies_from_the_model(client: TestClient) -> None:
    answer = client.post("/recommendations", json={"user_id": 3, "k": 5})
    assert answer.status_code == 200
    body = answer.json()
    ratings = frames()[0]
    rated = set(ratings.loc[ratings["user_id"] == 3, "item_id"])
    assert body["cold_start"] is False and body["strategy"] == "model"
    assert [m["rank"] for m in body["items"]] == [1, 2, 3, 4, 5]
    assert not {m["item_id"] for m in body["items"]} & rated
    assert all(m["title"] == f"Movie {m['item_id']}" for m in body["items"])
    scores = [m["score"] for m in body["items"]]
    assert scores == sorted(scores, reverse=True) and 1 <= scores[-1] <= 5
    assert body["model"] == {"name": "movie-recommender-test", "version": "1", "alias": "champion"}
    assert body["features"]["occupation"] == "student"


def test_a_user_in_the_feature_store_without_ratings_is_cold_start(client: TestClient) -> None:
    body = client.post("/recommendations", json={"user_id": 35}).json()
    assert body["cold_start"] is True and body["strategy"] == "recently_liked"
    assert len(body["items"]) == 10 and body["features"]["age"] is not None


def test_a_new_user_who_gives_attributes_is_cold_start(client: TestClient) -> None:
    body = client.post("/recommendations", json={"user_id": 5000, "age": 25, "gender": "F"}).json()
    assert body["cold_start"] is True and body["features"] is None
    assert len(body["items"]) == 10


def test_an_unknown_user_who_says_nothing_is_422_with_what_to_send(client: TestClient) -> None:
    answer = client.post("/recommendations", json={"user_id": 5000})
    assert answer.status_code == 422
    assert "User 5000 is unknown" in answer.json()["detail"]
    assert "age and gender" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_id": 1, "k": 0}, "k"),
        ({"user_id": 1, "k": MAX_K + 1}, "k"),
        ({"user_id": 1, "k": 10_000}, "k"),
        ({"user_id": 1, "k": "10"}, "k"),
        ({"user_id": 1, "k": 2.5}, "k"),
        ({"user_id": "1"}, "user_id"),
        ({"user_id": 1.7}, "user_id"),
        ({"user_id": 1.0}, "user_id"),
        ({"user_id": True}, "user_id"),
        ({"user_id": None}, "user_id"),
        ({"user_id": 0}, "user_id"),
        ({"user_id": -1}, "user_id"),
        ({"user_id": 2**40}, "user_id"),
        ({}, "user_id"),
        ({"user_id": 1, "gender": "X"}, "gender"),
        ({"user_id": 1, "age": 500}, "age"),
        ({"user_id": 1, "colour": "red"}, "colour"),
    ],
)
def test_bad_fields_are_422_naming_the_field(client: TestClient, body: dict, field: str) -> None:
    answer = client.post("/recommendations", json=body)
    assert answer.status_code == 422
    assert f"body.{field}" in answer.json()["detail"]


def test_a_nan_user_id_is_422(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    answer = client.post("/recommendations", content=b'{"user_id": NaN}', headers=headers)
    assert answer.status_code == 422
    assert "body.user_id" in answer.json()["detail"]


@pytest.mark.parametrize("body", [b"[1, 2]", b'"user"', b"{oops", b""])
def test_bodies_that_are_not_an_object_are_422(client: TestClient, body: bytes) -> None:
    answer = client.post(
        "/recommendations", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422


def test_wrong_content_type_is_415_and_a_huge_body_413(client: TestClient) -> None:
    form = client.post("/recommendations", data={"user_id": "1"})
    huge = client.post("/recommendations", json={"user_id": 1, "pad": "x" * 100_000})
    assert form.status_code == 415 and huge.status_code == 413


def test_the_batch_route_answers_each_request_in_order(client: TestClient) -> None:
    requests = [{"user_id": 3, "k": 2}, {"user_id": 35, "k": 3}, {"user_id": 9000, "age": 40}]
    body = client.post("/recommendations/batch", json={"requests": requests}).json()
    assert [r["user_id"] for r in body["results"]] == [3, 35, 9000]
    assert [len(r["items"]) for r in body["results"]] == [2, 3, 10]
    assert [r["cold_start"] for r in body["results"]] == [False, True, True]


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        ([], "body.requests: List should have at least 1 item"),
        ([{"user_id": 1}] * (MAX_BATCH + 1), f"List should have at most {MAX_BATCH} items"),
        ([{"user_id": 1}, {"user_id": 7777}], "requests[1]: User 7777 is unknown"),
        ([{"user_id": 1}, {"user_id": 1, "k": 0}], "body.requests.1.k"),
    ],
)
def test_bad_batches_are_422_naming_the_request(client: TestClient, requests, message) -> None:
    answer = client.post("/recommendations/batch", json={"requests": requests})
    assert answer.status_code == 422
    assert message in answer.json()["detail"]


def test_a_feature_server_that_is_down_is_503_with_a_message() -> None:
    with TestClient(make_app(lookup=down_lookup)) as client:
        answer = client.post("/recommendations", json={"user_id": 3})
        batch = client.post("/recommendations/batch", json={"requests": [{"user_id": 3}]})
    assert answer.status_code == batch.status_code == 503
    assert "the server is down" in answer.json()["detail"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_real_feast_lookup_and_readiness_say_how_to_start_the_server(tmp_path) -> None:
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path), "FEAST_PORT": str(_free_port())})
    app = make_app(lookup=feast_lookup(settings))
    check = {"feature_server": feature_server_check(settings)}
    with TestClient(app) as client, TestClient(make_app(checks=check)) as probed:
        answer = client.post("/recommendations", json={"user_id": 3})
        ready = probed.get("/ready")
    assert answer.status_code == 503
    assert "make platform-up" in answer.json()["detail"]
    assert ready.status_code == 503
    assert ready.json()["checks"]["feature_server"].startswith("failing: no answer at")


def test_health_ready_and_metrics(client: TestClient) -> None:
    client.post("/recommendations", json={"user_id": 3})
    assert client.get("/health").status_code == 200
    assert client.get("/ready").json()["model"]["version"] == "1"
    metrics = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/recommendations",status="200"}' in metrics
    assert 'model_version_served{alias="champion",name="movie-recommender-test"} 1.0' in metrics


def test_the_openapi_schema_has_examples_and_the_error_model(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/recommendations"]["post"]
    assert {"413", "415", "422", "503"} <= set(operation["responses"])
    request = schema["components"]["schemas"]["RecommendationRequest"]
    assert request["examples"][0] == {"user_id": 196, "k": 10}
