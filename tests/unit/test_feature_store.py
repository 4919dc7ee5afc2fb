"""mlplatform.features (and the recommender's sources) on a tiny synthetic MovieLens."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlplatform import features, services
from mlplatform.config import Settings, load_settings
from mlplatform.recommender import feature_sources

T0 = pd.Timestamp("1998-01-01", tz="UTC")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tiny_movielens() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two users, two movies; user 1 rates 1, 5, 5 on days 0, 10 and 20; user 2 twice on day 5."""
    ratings = pd.DataFrame(
        {
            "user_id": np.array([1, 2, 2, 1, 1], dtype=np.int32),
            "item_id": np.array([10, 10, 11, 11, 10], dtype=np.int32),
            "rating": np.array([1, 4, 2, 5, 5], dtype=np.float32),
            "timestamp": T0 + pd.to_timedelta([0, 5, 5, 10, 20], unit="D"),
        }
    )
    users = pd.DataFrame(
        {
            "user_id": np.array([1, 2], dtype=np.int32),
            "age": np.array([30, 41], dtype=np.int16),
            "gender": pd.Categorical(["F", "M"]),
            "occupation": pd.Categorical(["writer", "doctor"]),
            "zip_code": ["00000", "11111"],
        }
    )
    items = pd.DataFrame(
        {
            "item_id": np.array([10, 11], dtype=np.int32),
            "title": ["A (1990)", "B"],
            "release_year": pd.array([1990, None], dtype="Int16"),
            "genres": ["Drama|War", "Comedy"],
        }
    )
    return ratings, users, items


def _home(root: Path) -> Settings:
    return load_settings({"MLPLATFORM_HOME": str(root), "FEAST_PORT": str(_free_port())})


@pytest.fixture(scope="module")
def store_home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A tmp home with the tiny sources built, applied and materialized (once for the module)."""
    settings = _home(tmp_path_factory.mktemp("feast"))
    feature_sources.build_sources(settings, *tiny_movielens())
    features.apply(settings)
    features.materialize(settings)
    return settings


@pytest.mark.parametrize(
    ("user_id", "day", "count", "mean"),
    [(1, 0, 1, 1.0), (1, 10, 2, 3.0), (1, 20, 3, 11 / 3), (2, 5, 2, 3.0)],
)
def test_running_stats_hold_what_was_known_at_each_time(
    user_id: int, day: int, count: int, mean: float
) -> None:
    ratings, _, _ = tiny_movielens()
    stats = feature_sources.running_stats(ratings, "user_id", "user")
    row = stats.set_index(["user_id", "event_timestamp"]).loc[
        (user_id, T0 + pd.Timedelta(days=day))
    ]
    assert row["user_rating_count"] == count
    assert row["user_mean_rating"] == pytest.approx(mean, rel=1e-6)


def test_ratings_in_the_same_second_become_one_row() -> None:
    ratings, _, _ = tiny_movielens()
    stats = feature_sources.running_stats(ratings, "user_id", "user")
    assert not stats.duplicated(["user_id", "event_timestamp"]).any()
    assert len(stats[stats["user_id"] == 2]) == 1


def test_training_set_never_sees_the_future(store_home: Settings) -> None:
    ratings, _, _ = tiny_movielens()
    entity_df = feature_sources.entity_frame(ratings)
    pit = features.training_set(entity_df, store_home)
    assert len(pit) == len(ratings), "every entity row must come back, even without a past"
    assert pit["rating"].tolist() == ratings["rating"].tolist()
    # User 1's first rating (day 0) has no past at all; the one on day 20 sees days 0 and 10 only.
    assert pd.isna(pit["user_rating_count"].iloc[0])
    assert pit["user_rating_count"].iloc[4] == 2
    assert pit["user_mean_rating"].iloc[4] == pytest.approx(3.0)
    for row in pit.itertuples():
        mine = ratings[ratings.user_id == row.user_id]
        known = mine[mine.timestamp <= row.event_timestamp]
        assert (known.empty and pd.isna(row.user_rating_count)) or row.user_rating_count == len(
            known
        )


def test_the_naive_join_leaks_the_label_and_the_future(store_home: Settings) -> None:
    ratings, _, _ = tiny_movielens()
    naive = feature_sources.naive_training_set(feature_sources.entity_frame(ratings), store_home)
    # Day 0, user 1: the naive row already counts all three ratings, including this one (a 1).
    assert naive["user_rating_count"].iloc[0] == 3
    assert naive["user_mean_rating"].iloc[0] == pytest.approx(11 / 3)


def test_building_sources_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    digests = []
    for name in ("a", "b"):
        paths = feature_sources.build_sources(_home(tmp_path / name), *tiny_movielens())
        digests.append({k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in paths.items()})
    assert digests[0] == digests[1]


def test_online_lookup_returns_the_latest_values(store_home: Settings) -> None:
    entities = {"user_id": [1, 2], "item_id": [10, 11]}
    frame = features.online_features(entities, store_home, via="sdk")
    assert frame["user_rating_count"].tolist() == [3, 2]
    assert frame["gender"].tolist() == ["F", "M"]
    assert frame["item_rating_count"].tolist() == [3, 2]
    assert frame["genres"].tolist() == ["Drama|War", "Comedy"]


def test_apply_without_sources_says_how_to_build_them(tmp_path: Path) -> None:
    with pytest.raises(features.FeatureStoreError, match="build_sources"):
        features.apply(_home(tmp_path))


def test_online_lookup_before_materializing_says_what_to_run(tmp_path: Path) -> None:
    settings = _home(tmp_path)
    feature_sources.build_sources(settings, *tiny_movielens())
    features.apply(settings)
    with pytest.raises(features.FeatureStoreError, match="materialize"):
        features.online_features({"user_id": [1]}, settings, via="sdk")


def test_http_lookup_without_the_server_says_how_to_start_it(tmp_path: Path) -> None:
    with pytest.raises(services.ServiceNotRunningError, match="make platform-up"):
        features.online_features({"user_id": [1]}, _home(tmp_path), via="http")


@pytest.mark.services
@pytest.mark.slow
def test_the_feature_server_answers_like_the_sdk(tmp_path: Path) -> None:
    settings = _home(tmp_path)
    feature_sources.build_sources(settings, *tiny_movielens())
    try:
        assert services.start_service("feast", settings).is_healthy
        entities = {"user_id": [2, 1], "item_id": [11, 10]}
        online = features.online_features(entities, settings, via="http")
        sdk = features.online_features(entities, settings, via="sdk")
        pd.testing.assert_frame_equal(online, sdk, check_dtype=False)
        assert online["user_rating_count"].tolist() == [2, 3]
    finally:
        assert services.stop_service("feast", settings) is True


@pytest.mark.parametrize(
    ("online_mean", "online_gender", "expected"),
    [
        (3.0, "M", []),
        (3.0 + 1e-7, "M", []),
        (3.5, "M", ["user_mean_rating"]),
        (3.0, "F", ["gender"]),
    ],
)
def test_find_skew_reports_each_disagreement(
    online_mean: float, online_gender: str, expected: list[str]
) -> None:
    offline = pd.DataFrame(
        {"user_id": [1, 2], "user_mean_rating": [2.0, 3.0], "gender": ["F", "M"]}
    )
    online = offline.copy()
    online.loc[1, ["user_mean_rating", "gender"]] = [online_mean, online_gender]
    skew = features.find_skew(offline, online, ["user_id"], ["user_mean_rating", "gender"])
    assert skew["feature"].tolist() == expected
    assert (skew["user_id"] == 2).all()


def test_the_definitions_and_the_recommender_name_the_same_features() -> None:
    assert features.feature_refs() == feature_sources.FEATURES
    assert features.join_keys() == {"user_features": "user_id", "item_features": "item_id"}


def test_sources_are_built_by_the_repositorys_hook(tmp_path: Path, monkeypatch) -> None:
    settings = _home(tmp_path)
    calls = []
    monkeypatch.setattr(feature_sources, "build_sources", lambda s: calls.append(s.home))
    paths = features.build_sources(settings)
    assert calls == [settings.home]  # platform/feast/build_sources.py called the recommender
    assert paths == [settings.home / "data/feast/user_features.parquet",
                     settings.home / "data/feast/item_features.parquet"]  # fmt: skip
