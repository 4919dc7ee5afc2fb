"""`recommender.feature_cache`: rows come back in order, repeats are not looked up again."""

from __future__ import annotations

import time

import pandas as pd
from recommender_fakes import feature_lookup

from mlplatform.recommender.feature_cache import CachedLookup


class Counting:
    def __init__(self) -> None:
        self.asked: list[list[int]] = []

    def __call__(self, user_ids: list[int]) -> pd.DataFrame:
        self.asked.append(list(user_ids))
        return feature_lookup(user_ids)


def test_only_missing_users_are_looked_up_and_rows_keep_the_order() -> None:
    inner = Counting()
    cached = CachedLookup(inner, ttl_seconds=60)
    first = cached([3, 1])
    second = cached([1, 2, 3])
    assert inner.asked == [[3, 1], [2]]
    assert second["user_id"].tolist() == [1, 2, 3]
    expected = feature_lookup([1, 2, 3]).reset_index(drop=True)
    assert second["age"].astype(int).tolist() == expected["age"].astype(int).tolist()
    assert first["user_id"].tolist() == [3, 1]
    assert (cached.hits, cached.misses) == (2, 3) and cached.hit_rate == 0.4


def test_rows_expire_after_the_ttl() -> None:
    inner = Counting()
    cached = CachedLookup(inner, ttl_seconds=0.05)
    cached([1])
    time.sleep(0.1)
    cached([1])
    assert inner.asked == [[1], [1]]


def test_an_unknown_user_row_is_cached_as_the_server_gave_it() -> None:
    cached = CachedLookup(feature_lookup)
    row = cached([999])
    assert row["user_id"].tolist() == [999] and pd.isna(row["age"].iloc[0])
