"""The recommender's data contract for MovieLens 100K, built from the platform's data checks."""

from __future__ import annotations

import pandas as pd

from mlplatform.quality.data_checks import (
    check_not_null,
    check_ranges,
    check_references,
    check_schema,
    check_unique,
)
from mlplatform.recommender.movielens import RATING_SCALE

# The course's contract for the three MovieLens frames (see mlplatform.recommender.movielens).
RATINGS_SCHEMA = {
    "user_id": "int32",
    "item_id": "int32",
    "rating": "float32",
    "timestamp": "datetime64[ns, UTC]",
}
USERS_SCHEMA = {
    "user_id": "int32",
    "age": "int16",
    "gender": "category",
    "occupation": "category",
    "zip_code": "object",
}
ITEMS_SCHEMA = {"item_id": "int32", "title": "object", "release_year": "Int16", "genres": "object"}
RATINGS_RANGES = {"rating": RATING_SCALE, "user_id": (1, None), "item_id": (1, None)}
USERS_RANGES = {"age": (1, 120)}


def check_movielens(ratings: pd.DataFrame, users: pd.DataFrame, items: pd.DataFrame) -> list[str]:
    """The course's data contract for MovieLens 100K: schema, ranges, keys, nulls, references."""
    schema = (
        [f"ratings: {p}" for p in check_schema(ratings, RATINGS_SCHEMA)]
        + [f"users: {p}" for p in check_schema(users, USERS_SCHEMA)]
        + [f"items: {p}" for p in check_schema(items, ITEMS_SCHEMA)]
    )
    if schema:  # the checks below assume the columns exist
        return schema
    return [
        *[f"ratings: {p}" for p in check_ranges(ratings, RATINGS_RANGES)],
        *[f"ratings: {p}" for p in check_unique(ratings, ["user_id", "item_id"])],
        *[f"ratings: {p}" for p in check_not_null(ratings, RATINGS_SCHEMA)],
        *[f"users: {p}" for p in check_ranges(users, USERS_RANGES)],
        *[f"users: {p}" for p in check_unique(users, ["user_id"])],
        *[f"items: {p}" for p in check_unique(items, ["item_id"])],
        *[f"ratings: {p}" for p in check_references(ratings, users, "user_id", "users")],
        *[f"ratings: {p}" for p in check_references(ratings, items, "item_id", "items")],
    ]
