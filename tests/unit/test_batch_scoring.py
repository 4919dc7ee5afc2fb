"""Batch scoring, the precomputed lists in the online store, and the service answering from them.

The model is the fakes' fitted `BiasBaseline` on a small synthetic MovieLens (users 1-30 rated
movies, 31-40 are only in the feature store); nothing here needs MLflow or Feast running.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import yaml
from fastapi.testclient import TestClient
from recommender_fakes import FakeSource, feature_lookup, frames, make_app

from mlplatform import features
from mlplatform.config import load_serving_settings, load_settings
from mlplatform.features import FeatureStoreError
from mlplatform.health import ServiceNotRunningError
from mlplatform.pipelines import compile_pipeline
from mlplatform.recommender import precomputed
from mlplatform.recommender.batch_pipeline import batch_scoring_pipeline
from mlplatform.recommender.batch_scoring import COLUMNS, score_all_users, write_scores
from mlplatform.recommender.champion import InvalidRequestError, recommend_for_user
from mlplatform.recommender.precomputed import feast_rows, stored_top_k
from mlplatform.recommender.service_data import ServiceData

MODEL = "movie-recommender-test"  # the name make_app's holder serves


@pytest.fixture(scope="module")
def data() -> ServiceData:
    ratings, people, movies = frames()
    return ServiceData.from_frames(ratings, people, movies)


@pytest.fixture(scope="module")
def model():
    return FakeSource().load(MODEL, "champion", "1").model


@pytest.fixture(scope="module")
def table(data, model) -> pd.DataFrame:
    return score_all_users(model, data, frames()[1], k=5, model_version="1")


def test_every_known_user_gets_k_unrated_movies_best_first(table, data) -> None:
    assert list(table.columns) == COLUMNS
    assert sorted(table["user_id"].unique()) == sorted(data.rated)
    for user, group in table.groupby("user_id"):
        assert group["rank"].tolist() == [1, 2, 3, 4, 5]
        assert not set(group["item_id"]) & set(data.rated[user].tolist())
        assert group["score"].is_monotonic_decreasing
    assert set(table["model_version"]) == {"1"}
    assert (table["title"] == "Movie " + table["item_id"].astype(str)).all()


def test_each_list_is_what_recommend_for_user_answers(table, data, model) -> None:
    users = frames()[1].set_index("user_id")
    for user in (1, 17, 30):
        person = users.loc[user]
        online = recommend_for_user(
            model, user, data.catalogue, data.rated[user], 5,
            {"age": int(person.age), "gender": person.gender, "occupation": person.occupation},
        )  # fmt: skip
        mine = table[table["user_id"] == user]
        assert mine["item_id"].tolist() == online["item_id"].tolist()
        assert np.allclose(mine["score"], online["predicted_rating"])


def test_a_subset_of_users_and_the_rules_on_k_and_unknown_users(data, model) -> None:
    subset = score_all_users(model, data, None, k=3, model_version="7", user_ids=[2, 4, 2])
    assert subset["user_id"].tolist() == [2] * 3 + [4] * 3
    with pytest.raises(InvalidRequestError, match="k must be"):
        score_all_users(model, data, None, k=0, model_version="1")
    with pytest.raises(ValueError, match=r"users \[35\] have no ratings"):
        score_all_users(model, data, None, k=3, model_version="1", user_ids=[1, 35])


def test_the_table_round_trips_through_parquet(table, tmp_path: Path) -> None:
    path = write_scores(table, tmp_path / "out" / "scores.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(path), table)


def test_feast_rows_hold_one_list_per_user_in_rank_order(table) -> None:
    rows = feast_rows(table, MODEL)
    assert len(rows) == table["user_id"].nunique()
    first = rows.iloc[0]
    expected = table[table["user_id"] == first["user_id"]].sort_values("rank")
    assert first["item_ids"] == expected["item_id"].tolist()
    assert first["scores"] == pytest.approx(expected["score"].tolist())
    assert set(rows["model_name"]) == {MODEL} and set(rows["model_version"]) == {"1"}
    mixed = table.copy()
    mixed.loc[mixed.index[0], "model_version"] = "2"
    with pytest.raises(ValueError, match="several versions"):
        feast_rows(mixed, MODEL)


ROW = pd.Series({"item_ids": [5, 3, 9], "scores": [4.5, 4.2, 4.0],
                 "model_name": MODEL, "model_version": "1"})  # fmt: skip


@pytest.mark.parametrize(
    ("row", "name", "version", "k", "expected"),
    [
        (ROW, MODEL, "1", 2, [5, 3]),
        (ROW, MODEL, "1", 3, [5, 3, 9]),
        (ROW, MODEL, "1", 4, None),  # shorter than asked: score online
        (ROW, MODEL, "2", 2, None),  # another version made it
        (ROW, "other-model", "1", 2, None),
        (ROW.drop(["item_ids"]), MODEL, "1", 2, None),  # precomputed lookup off
        (ROW.where(ROW.index != "item_ids"), MODEL, "1", 2, None),
        (None, MODEL, "1", 2, None),
    ],
    ids=["prefix", "all", "too-short", "other-version", "other-model", "no-column", "null-list",
         "no-row"],
)  # fmt: skip
def test_stored_top_k_only_serves_lists_of_the_served_version(row, name, version, k, expected):
    found = stored_top_k(row, name, version, k)
    assert (found if found is None else found[0].tolist()) == expected


def test_stored_lists_with_unknown_or_since_rated_movies_are_not_served() -> None:
    assert stored_top_k(ROW, MODEL, "1", 2, known={5, 3, 9}, rated=np.array([1, 2]))[
        0
    ].tolist() == [5, 3]
    assert stored_top_k(ROW, MODEL, "1", 2, known={5, 9}) is None  # 3 left the catalogue
    assert stored_top_k(ROW, MODEL, "1", 2, rated=np.array([3])) is None  # rated since the batch
    assert stored_top_k(ROW, MODEL, "1", 1, rated=np.array([3]))[0].tolist() == [5]


def precomputed_from(table: pd.DataFrame, version: str = "1"):
    """A lookup like the feature server's with the lists of `table` (made by `version`)."""
    rows = feast_rows(table.assign(model_version=version), MODEL).set_index("user_id")

    def lookup(user_ids: list[int]) -> pd.DataFrame:
        found = feature_lookup(user_ids)
        lists = rows.reindex(user_ids)[list(precomputed.FIELDS)].reset_index(drop=True)
        return pd.concat([found, lists], axis=1)

    return lookup


def test_the_service_answers_from_the_list_exactly_as_the_model_would(table) -> None:
    with (
        TestClient(make_app(lookup=precomputed_from(table))) as fast,
        TestClient(make_app()) as online,
    ):
        for user in (3, 12):
            stored = fast.post("/recommendations", json={"user_id": user, "k": 5}).json()
            scored = online.post("/recommendations", json={"user_id": user, "k": 5}).json()
            assert stored["strategy"] == "precomputed" and scored["strategy"] == "model"
            assert [m["item_id"] for m in stored["items"]] == [
                m["item_id"] for m in scored["items"]
            ]
            assert [m["title"] for m in stored["items"]] == [m["title"] for m in scored["items"]]
            assert stored["features"] == scored["features"]
        longer = fast.post("/recommendations", json={"user_id": 3, "k": 8}).json()
        assert longer["strategy"] == "model" and len(longer["items"]) == 8  # list too short
        cold = fast.post("/recommendations", json={"user_id": 35}).json()
        assert cold["strategy"] == "recently_liked"


def test_lists_of_another_version_are_ignored(table) -> None:
    with TestClient(make_app(lookup=precomputed_from(table, version="0"))) as client:
        body = client.post("/recommendations", json={"user_id": 3, "k": 5}).json()
    assert body["strategy"] == "model" and body["model"]["version"] == "1"


def test_the_precomputed_lookup_falls_back_to_user_features(monkeypatch) -> None:
    asked: list[list[str]] = []

    def server(entities, settings, features, client=None):
        asked.append(features)
        if any(ref.startswith(precomputed.VIEW) for ref in features):
            raise FeatureStoreError("The feature server answered 404: user_recommendations")
        return feature_lookup(entities["user_id"])

    monkeypatch.setattr(precomputed, "online_features_http", server)
    monkeypatch.setattr("mlplatform.recommender.service_data.online_features_http", server)
    frame = precomputed.precomputed_lookup(load_settings())([3, 35])
    assert frame["user_id"].tolist() == [3, 35] and "item_ids" not in frame
    assert len(asked) == 2 and precomputed.REFS[0] in asked[0]


def test_the_switch_and_the_feature_server_address_come_from_the_environment() -> None:
    assert load_serving_settings({}).recommender_precomputed is False
    assert load_serving_settings({"RECOMMENDER_PRECOMPUTED": "1"}).recommender_precomputed
    assert load_settings({"FEAST_PORT": "7001"}).feast_url == "http://127.0.0.1:7001"
    cluster = load_settings({"FEAST_URL": "http://feature-server:6566/"})
    assert cluster.feast_url == "http://feature-server:6566"


def test_the_pipeline_scores_then_pushes_only_when_asked(tmp_path: Path) -> None:
    spec = yaml.safe_load(compile_pipeline(batch_scoring_pipeline, tmp_path / "p.yaml").read_text())
    tasks = spec["root"]["dag"]["tasks"]
    assert tasks["score-op"].get("dependentTasks") is None
    condition = tasks["condition-1"]
    assert condition["dependentTasks"] == ["score-op"]
    assert "push_online'] == true" in condition["triggerPolicy"]["condition"]
    inner = spec["components"]["comp-condition-1"]["dag"]["tasks"]
    assert list(inner) == ["push-op"]
    defaults = spec["root"]["inputDefinitions"]["parameters"]
    assert defaults["push_online"]["defaultValue"] is False
    assert defaults["alias"]["defaultValue"] == "champion"


class FakePost:
    """Stands in for `httpx.post` to the feature server: records the body, answers `status`."""

    def __init__(self, status: int = 200, error: Exception | None = None) -> None:
        self.status, self.error, self.calls = status, error, []

    def __call__(self, url: str, json: dict, timeout: float) -> httpx.Response:
        self.calls.append((url, json))
        if self.error is not None:
            raise self.error
        return httpx.Response(self.status, text="" if self.status == 200 else "no such view")


def test_push_registers_the_view_writes_its_source_and_posts_the_rows(table, tmp_path, monkeypatch):
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path), "FEAST_URL": "http://fs:1"})
    post = FakePost()
    monkeypatch.setattr(httpx, "post", post)
    assert precomputed.push_online(table, MODEL, settings) == table["user_id"].nunique()
    url, body = post.calls[0]
    assert url == "http://fs:1/write-to-online-store"
    assert body["feature_view_name"] == "user_recommendations"
    assert body["allow_registry_cache"] is False
    assert set(body["df"]) == {"user_id", *precomputed.FIELDS, "event_timestamp"}
    assert body["df"]["item_ids"][0] == table[table["user_id"] == 1]["item_id"].tolist()
    source = pd.read_parquet(tmp_path / precomputed.SOURCE)
    assert len(source) == table["user_id"].nunique()
    registered = features.feature_store(settings).get_feature_view(precomputed.VIEW)
    assert [f.name for f in registered.features] == list(precomputed.FIELDS)


@pytest.mark.parametrize(
    ("post", "error"),
    [(FakePost(404), FeatureStoreError), (FakePost(error=httpx.ConnectError("refused")),
                                          ServiceNotRunningError)],
    ids=["refused", "down"],
)  # fmt: skip
def test_push_says_what_went_wrong(table, tmp_path, monkeypatch, post, error) -> None:
    monkeypatch.setattr(httpx, "post", post)
    with pytest.raises(error):
        precomputed.push_online(table, MODEL, load_settings({"MLPLATFORM_HOME": str(tmp_path)}))
