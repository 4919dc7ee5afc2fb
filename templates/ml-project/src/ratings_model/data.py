"""Ratings in, a time-ordered train/test split out.

Put your data in `data/ratings.csv` (columns user_id, item_id, rating, timestamp in seconds).
Until it is there, `load_ratings` generates a seeded synthetic data set with the same columns, so
the template runs from the first commit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = {"user_id": "int64", "item_id": "int64", "rating": "float64", "timestamp": "int64"}
RATING_SCALE = (1.0, 5.0)
DATA_FILE = Path("data/ratings.csv")


def synthetic_ratings(n_users: int = 300, n_items: int = 200, seed: int = 0) -> pd.DataFrame:
    """Ratings driven by a user bias and an item bias plus noise, one per (user, item) at most."""
    rng = np.random.default_rng(seed)
    n = n_users * 20
    pairs = pd.DataFrame(
        {"user_id": rng.integers(1, n_users + 1, n), "item_id": rng.integers(1, n_items + 1, n)}
    ).drop_duplicates(ignore_index=True)
    user_bias = rng.normal(0, 0.5, n_users + 1)
    item_bias = rng.normal(0, 0.8, n_items + 1)
    noise = rng.normal(0, 0.7, len(pairs))
    score = 3.5 + user_bias[pairs["user_id"]] + item_bias[pairs["item_id"]] + noise
    pairs["rating"] = np.clip(np.round(score), *RATING_SCALE)
    pairs["timestamp"] = np.sort(rng.integers(880_000_000, 890_000_000, len(pairs)))
    return pairs.astype(COLUMNS)


def load_ratings(path: Path = DATA_FILE) -> pd.DataFrame:
    """The ratings in `path`, or the synthetic ratings when the file does not exist."""
    if not path.exists():
        return synthetic_ratings()
    return pd.read_csv(path, usecols=list(COLUMNS)).astype(COLUMNS)


def sample_users(ratings: pd.DataFrame, n_users: int, seed: int = 0) -> pd.DataFrame:
    """Every rating of `n_users` users drawn at random: CI trains on this smaller sample."""
    users = ratings["user_id"].drop_duplicates()
    if n_users >= len(users):
        return ratings
    chosen = users.sample(n=n_users, random_state=seed)
    return ratings[ratings["user_id"].isin(chosen)].reset_index(drop=True)


def split_by_time(
    ratings: pd.DataFrame, quantile: float = 0.8
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on ratings before the `quantile` of timestamps, test on the rest (never the past)."""
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {quantile}")
    cut = ratings["timestamp"].quantile(quantile, interpolation="lower")
    before = ratings["timestamp"] < cut
    return ratings[before].reset_index(drop=True), ratings[~before].reset_index(drop=True)
