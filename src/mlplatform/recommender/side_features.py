"""Turn the Feast features of users and movies into the integer and float arrays a torch model eats.

The feature columns are the ones `mlplatform.features.training_set` returns (see
`platform/feast/feature_definitions.py`). Categorical values become indices into an embedding table,
where index 0 always means *unknown* (a user or movie never seen, or a feature Feast had no value for
yet); rating statistics become two numbers per side: the rating count on a log scale, and the mean
rating's deviation from the global mean, shrunk towards zero when it rests on few ratings.

| side | categorical (embedding index) | numeric |
|---|---|---|
| user | `gender`, `occupation`, `age` (7 buckets) | `user_rating_count`, `user_mean_rating` |
| item | `genres` (multi-hot over 19 genres), `release_year` (11 buckets) | `item_rating_count`, `item_mean_rating` |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlplatform.recommender.movielens import GENRES

USER_COLUMNS = ["age", "gender", "occupation", "user_rating_count", "user_mean_rating"]
ITEM_COLUMNS = ["genres", "release_year", "item_rating_count", "item_mean_rating"]
FEATURE_COLUMNS = USER_COLUMNS + ITEM_COLUMNS
AGE_EDGES = [18, 25, 35, 45, 50, 56]  # MovieLens-1M's age groups: 7 buckets, 1..7
YEAR_EDGES = [1950, 1960, 1970, 1980, 1990, 1993, 1995, 1996, 1997, 1998]  # 11 buckets, 1..11
GENDERS = ("M", "F")
SHRINK = 10.0  # a mean over n ratings counts n / (n + SHRINK) of its deviation from the global mean
COUNT_SCALE = np.log1p(500.0)  # log1p(count) / COUNT_SCALE is about 1 for a very active user


@dataclass(frozen=True)
class Vocabulary:
    """The index of every id and occupation seen in training; anything else maps to 0."""

    users: pd.Index
    items: pd.Index
    occupations: pd.Index

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Vocabulary:
        """Build the vocabulary from a training frame (ids sorted, so the same data gives the same)."""
        occupations = (
            frame["occupation"].dropna().astype(str).unique() if "occupation" in frame else []
        )
        return cls(
            pd.Index(np.sort(frame["user_id"].unique())),
            pd.Index(np.sort(frame["item_id"].unique())),
            pd.Index(np.sort(np.asarray(occupations, dtype=str))),
        )

    @property
    def sizes(self) -> dict[str, int]:
        """Embedding table sizes, each including the unknown index 0."""
        return {
            "users": len(self.users) + 1,
            "items": len(self.items) + 1,
            "occupations": len(self.occupations) + 1,
            "genders": len(GENDERS) + 1,
            "ages": len(AGE_EDGES) + 2,
            "years": len(YEAR_EDGES) + 2,
            "genres": len(GENRES),
        }


def _lookup(index: pd.Index, values: pd.Series | np.ndarray) -> np.ndarray:
    """1-based position in `index`, 0 where the value is unknown."""
    return index.get_indexer(np.asarray(values)) + 1


def _bucket(values: pd.Series, edges: Sequence[float]) -> np.ndarray:
    """1-based bucket of each value between `edges`, 0 where the value is missing."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    buckets = np.searchsorted(np.asarray(edges, dtype=float), numbers, side="right") + 1
    return np.where(np.isnan(numbers), 0, buckets)


def _numeric(frame: pd.DataFrame, prefix: str, global_mean: float) -> np.ndarray:
    """[log count, shrunk mean deviation] per row; a missing count or mean counts as zero ratings."""
    count = pd.to_numeric(_column(frame, f"{prefix}_rating_count"), errors="coerce")
    mean = pd.to_numeric(_column(frame, f"{prefix}_mean_rating"), errors="coerce")
    n = np.nan_to_num(np.asarray(count, dtype=float), nan=0.0)
    deviation = np.nan_to_num(np.asarray(mean, dtype=float) - global_mean, nan=0.0)
    return np.stack([np.log1p(n) / COUNT_SCALE, deviation * n / (n + SHRINK)], axis=1)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The column, or all-missing when the frame does not have it (e.g. a bare user_id, item_id)."""
    if name in frame:
        return frame[name].reset_index(drop=True)
    return pd.Series([None] * len(frame), dtype=object)


def encode_users(
    frame: pd.DataFrame, vocab: Vocabulary, global_mean: float
) -> dict[str, np.ndarray]:
    """Index arrays (`user`, `gender`, `occupation`, `age`) and `numeric` (n x 2) for the user side."""
    gender = _column(frame, "gender").astype(object)
    return {
        "user": _lookup(vocab.users, frame["user_id"].to_numpy()),
        "gender": _lookup(pd.Index(GENDERS), gender.where(gender.notna(), "?").astype(str)),
        "occupation": _lookup(vocab.occupations, _column(frame, "occupation").astype(str)),
        "age": _bucket(_column(frame, "age"), AGE_EDGES),
        "numeric": _numeric(frame, "user", global_mean),
    }


def genre_matrix(genres: pd.Series) -> np.ndarray:
    """Multi-hot genres (n x 19), each row normalised to sum 1 (all zeros when unknown)."""
    hot = np.zeros((len(genres), len(GENRES)))
    position = {genre: j for j, genre in enumerate(GENRES)}
    for row, value in enumerate(genres.tolist()):
        if isinstance(value, str) and value:
            for genre in value.split("|"):
                if genre in position:
                    hot[row, position[genre]] = 1.0
    total = hot.sum(axis=1, keepdims=True)
    return np.divide(hot, total, out=hot, where=total > 0)


def encode_items(
    frame: pd.DataFrame, vocab: Vocabulary, global_mean: float
) -> dict[str, np.ndarray]:
    """Index arrays (`item`, `year`), `genres` (n x 19) and `numeric` (n x 2) for the item side."""
    return {
        "item": _lookup(vocab.items, frame["item_id"].to_numpy()),
        "year": _bucket(_column(frame, "release_year"), YEAR_EDGES),
        "genres": genre_matrix(_column(frame, "genres")),
        "numeric": _numeric(frame, "item", global_mean),
    }


def latest_per_key(frame: pd.DataFrame, key: str, columns: Sequence[str]) -> pd.DataFrame:
    """The newest known value of each column per `key` (by `event_timestamp` when present)."""
    ordered = (
        frame.sort_values("event_timestamp", kind="stable") if "event_timestamp" in frame else frame
    )
    present = [c for c in columns if c in ordered]
    return ordered.groupby(key, sort=True)[present].last().reset_index()
