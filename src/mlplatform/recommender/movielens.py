"""Load MovieLens 100K (as extracted by `make data`) into typed DataFrames.

| frame | columns |
|---|---|
| ratings | `user_id` int32, `item_id` int32, `rating` float32 (1-5), `timestamp` datetime64 UTC |
| users | `user_id` int32, `age` int16, `gender` category, `occupation` category, `zip_code` str |
| items | `item_id` int32, `title` str, `release_year` Int16 (nullable), `genres` str (`|`-joined) |
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.config import Settings, load_settings
from mlplatform.recommender.movielens_files import verify_movielens

N_RATINGS = 100_000
N_USERS = 943
N_ITEMS = 1_682
RATING_SCALE = (1.0, 5.0)
GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
    "Western", "unknown",
)  # fmt: skip


def _read_atomic(settings: Settings, name: str) -> pd.DataFrame:
    """Read a RecBole atomic file; its header is `name:type` per column."""
    folder = verify_movielens(settings)
    frame = pd.read_csv(folder / name, sep="\t", dtype=str, keep_default_na=False)
    frame.columns = [column.split(":")[0] for column in frame.columns]
    return frame


def load_ratings(settings: Settings | None = None) -> pd.DataFrame:
    """All 100,000 ratings, oldest first (ties broken by user and item)."""
    raw = _read_atomic(settings or load_settings(), "ml-100k.inter")
    ratings = pd.DataFrame(
        {
            "user_id": raw["user_id"].astype(np.int32),
            "item_id": raw["item_id"].astype(np.int32),
            "rating": raw["rating"].astype(np.float32),
            "timestamp": pd.to_datetime(
                raw["timestamp"].astype(float).astype(np.int64), unit="s", utc=True
            ),
        }
    )
    return ratings.sort_values(["timestamp", "user_id", "item_id"], ignore_index=True)


def load_users(settings: Settings | None = None) -> pd.DataFrame:
    """The 943 users with their demographic attributes."""
    raw = _read_atomic(settings or load_settings(), "ml-100k.user")
    return pd.DataFrame(
        {
            "user_id": raw["user_id"].astype(np.int32),
            "age": raw["age"].astype(np.int16),
            "gender": raw["gender"].astype("category"),
            "occupation": raw["occupation"].astype("category"),
            "zip_code": raw["zip_code"].astype(str),
        }
    )


def load_items(settings: Settings | None = None) -> pd.DataFrame:
    """The 1,682 movies with title, release year (missing for a few) and genres."""
    raw = _read_atomic(settings or load_settings(), "ml-100k.item")
    return pd.DataFrame(
        {
            "item_id": raw["item_id"].astype(np.int32),
            "title": raw["movie_title"].astype(str),
            "release_year": pd.to_numeric(raw["release_year"], errors="coerce").astype("Int16"),
            "genres": raw["class"].str.split().str.join("|"),
        }
    )


def sample_users(ratings: pd.DataFrame, n_users: int, seed: int = 0) -> pd.DataFrame:
    """Keep every rating of `n_users` users drawn at random: fast mode's smaller data, same shape."""
    users = ratings["user_id"].drop_duplicates()
    if n_users >= len(users):
        return ratings
    chosen = users.sample(n=n_users, random_state=seed)
    return ratings[ratings["user_id"].isin(chosen)].reset_index(drop=True)
