"""Build the feature store's offline sources from MovieLens, point-in-time correct, with pandas.

The feature repository `platform/feast/` declares its sources with `build_sources.py`, which calls
`build_sources` here: the platform's `mlplatform.features.prepare` loads that file by path and never
imports the recommender.

Each source row describes one user (or movie) at one event time, with the values as they were known
at that moment: static attributes plus running statistics over the ratings up to and including that
time. A point-in-time join can therefore only ever see the past. `latest_values` and `naive_join` build
the opposite on purpose (today's values joined onto every past event) so the course can show what leaks.

| file in `data/feast/` | key | features (besides `event_timestamp`) |
|---|---|---|
| `user_features.parquet` | `user_id` | `age`, `gender`, `occupation`, `user_rating_count`, `user_mean_rating` |
| `item_features.parquet` | `item_id` | `genres`, `release_year`, `item_rating_count`, `item_mean_rating` |
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mlplatform.config import Settings, load_settings
from mlplatform.recommender import movielens

SOURCE_FILES = {"user": "user_features.parquet", "item": "item_features.parquet"}
USER_FEATURES = [
    "user_features:age",
    "user_features:gender",
    "user_features:occupation",
    "user_features:user_rating_count",
    "user_features:user_mean_rating",
]
ITEM_FEATURES = [
    "item_features:genres",
    "item_features:release_year",
    "item_features:item_rating_count",
    "item_features:item_mean_rating",
]
FEATURES = USER_FEATURES + ITEM_FEATURES
REQUEST_LAG = pd.Timedelta(seconds=1)


def sources_dir(settings: Settings) -> Path:
    """Folder of the generated parquet sources (`data/feast/`)."""
    return settings.data_dir / "feast"


def running_stats(ratings: pd.DataFrame, key: str, prefix: str) -> pd.DataFrame:
    """Rating count and mean per `key`, as known at each of its event times (inclusive).

    Ratings sharing a key and a timestamp become one row, so each (key, time) has one value.

    Args:
        ratings: columns `key`, `rating`, `timestamp`.
        key: `user_id` or `item_id`.
        prefix: `user` or `item`, for the column names `<prefix>_rating_count` and `_mean_rating`.

    Returns:
        Columns `key`, `event_timestamp`, `<prefix>_rating_count` (int64), `<prefix>_mean_rating`
        (float32), sorted by key and time.
    """
    per_time = (
        ratings.groupby([key, "timestamp"], observed=True)["rating"]
        .agg(["count", "sum"])
        .sort_index()
        .reset_index()
    )
    running = per_time.groupby(key)[["count", "sum"]].cumsum()
    return pd.DataFrame(
        {
            key: per_time[key].astype(np.int64),
            "event_timestamp": per_time["timestamp"],
            f"{prefix}_rating_count": running["count"].astype(np.int64),
            f"{prefix}_mean_rating": (running["sum"] / running["count"]).astype(np.float32),
        }
    )


def user_feature_rows(ratings: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """The user source: static attributes and running rating statistics per user and event time."""
    stats = running_stats(ratings, "user_id", "user")
    static = pd.DataFrame(
        {
            "user_id": users["user_id"].astype(np.int64),
            "age": users["age"].astype(np.int64),
            "gender": users["gender"].astype(str),
            "occupation": users["occupation"].astype(str),
        }
    )
    rows = stats.merge(static, on="user_id", how="left", validate="many_to_one")
    columns = ["user_id", "event_timestamp", "age", "gender", "occupation"]
    return rows[[*columns, "user_rating_count", "user_mean_rating"]]


def item_feature_rows(ratings: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """The item source: genres, release year and running popularity per movie and event time."""
    stats = running_stats(ratings, "item_id", "item")
    static = pd.DataFrame(
        {
            "item_id": items["item_id"].astype(np.int64),
            "genres": items["genres"].astype(str),
            "release_year": items["release_year"].astype("Int64"),
        }
    )
    rows = stats.merge(static, on="item_id", how="left", validate="many_to_one")
    columns = ["item_id", "event_timestamp", "genres", "release_year"]
    return rows[[*columns, "item_rating_count", "item_mean_rating"]]


def build_sources(
    settings: Settings | None = None,
    ratings: pd.DataFrame | None = None,
    users: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write the two parquet sources into `data/feast/`; the same input gives the same bytes.

    Args:
        settings: where to write; default `load_settings()`.
        ratings: ratings in the schema of `mlplatform.recommender.movielens`; default: MovieLens
            (which needs `make data`).
        users: users in that schema; default: MovieLens.
        items: movies in that schema; default: MovieLens.

    Returns:
        `{"user": path, "item": path}`.
    """
    settings = settings or load_settings()
    ratings = movielens.load_ratings(settings) if ratings is None else ratings
    users = movielens.load_users(settings) if users is None else users
    items = movielens.load_items(settings) if items is None else items
    folder = sources_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    frames = {"user": user_feature_rows(ratings, users), "item": item_feature_rows(ratings, items)}
    paths = {}
    for name, frame in frames.items():
        paths[name] = folder / SOURCE_FILES[name]
        frame.to_parquet(paths[name], index=False, compression="snappy")
    return paths


def entity_frame(ratings: pd.DataFrame, lag: pd.Timedelta = REQUEST_LAG) -> pd.DataFrame:
    """The entity DataFrame for a training set: one row per rating, timestamped just before it.

    The model is asked for a prediction before the user rates, so the features must be those known
    `lag` before the rating; otherwise the rating itself (the label) would be inside its own features.

    Returns:
        Columns `user_id`, `item_id` (int64), `event_timestamp` (rating time - lag), `rating` (label).
    """
    return pd.DataFrame(
        {
            "user_id": ratings["user_id"].astype(np.int64).to_numpy(),
            "item_id": ratings["item_id"].astype(np.int64).to_numpy(),
            "event_timestamp": (ratings["timestamp"] - lag).to_numpy(),
            "rating": ratings["rating"].astype(np.float32).to_numpy(),
        }
    ).assign(event_timestamp=lambda f: pd.to_datetime(f["event_timestamp"], utc=True))


def latest_values(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """The newest row per key, without its timestamp: what the online store holds today."""
    newest = rows.sort_values([key, "event_timestamp"]).groupby(key, sort=True).tail(1)
    return newest.drop(columns="event_timestamp").reset_index(drop=True)


def naive_join(
    entity_df: pd.DataFrame, user_rows: pd.DataFrame, item_rows: pd.DataFrame
) -> pd.DataFrame:
    """Join today's feature values onto every event, ignoring time: the leak the store prevents.

    For demonstration only: each past rating gets statistics that include itself and every later
    rating, so a model trained on it looks better offline than it can be in production.
    """
    joined = entity_df.merge(latest_values(user_rows, "user_id"), on="user_id", how="left")
    return joined.merge(latest_values(item_rows, "item_id"), on="item_id", how="left")


def naive_training_set(entity_df: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Today's values joined onto every row, ignoring time: the leaky join, for demonstration."""
    folder = sources_dir(settings or load_settings())
    users = pd.read_parquet(folder / SOURCE_FILES["user"])
    items = pd.read_parquet(folder / SOURCE_FILES["item"])
    return naive_join(entity_df.reset_index(drop=True), users, items)
