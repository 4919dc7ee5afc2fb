"""Lab 06's public checks: right answers pass, typical wrong answers fail with a useful message."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from check_contract import assert_check_separates


def count_as_of(ratings: pd.DataFrame, events: pd.DataFrame) -> list[int]:
    return [
        int(((ratings.user_id == e.user_id) & (ratings.timestamp <= e.event_timestamp)).sum())
        for e in events.itertuples()
    ]


def count_strictly_before(ratings: pd.DataFrame, events: pd.DataFrame) -> list[int]:
    return [
        int(((ratings.user_id == e.user_id) & (ratings.timestamp < e.event_timestamp)).sum())
        for e in events.itertuples()
    ]


def count_all_time(ratings: pd.DataFrame, events: pd.DataFrame) -> list[int]:
    totals = ratings.groupby("user_id").size()
    return [int(totals.get(u, 0)) for u in events["user_id"]]


def entity_df(ratings: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ratings["user_id"].to_numpy(),
            "item_id": ratings["item_id"].to_numpy(),
            "event_timestamp": ratings["timestamp"].to_numpy(),
            "rating": ratings["rating"].to_numpy(),
        }
    ).assign(event_timestamp=lambda f: pd.to_datetime(f["event_timestamp"], utc=True))


def good_entity_df(ratings: pd.DataFrame) -> pd.DataFrame:
    frame = entity_df(ratings)
    return frame.assign(event_timestamp=frame["event_timestamp"] - pd.Timedelta(seconds=1))


def sorted_entity_df(ratings: pd.DataFrame) -> pd.DataFrame:
    return good_entity_df(ratings.sort_values("timestamp"))


def naive_entity_df(ratings: pd.DataFrame) -> pd.DataFrame:
    frame = good_entity_df(ratings)
    return frame.assign(event_timestamp=frame["event_timestamp"].dt.tz_localize(None))


def good_skew(offline: pd.DataFrame, online: pd.DataFrame, key: str, tol: float) -> list[str]:
    merged = offline.merge(online, on=key, suffixes=("_a", "_b"))
    out = []
    for col in (c for c in offline.columns if c != key):
        a, b = merged[f"{col}_a"], merged[f"{col}_b"]
        if pd.api.types.is_numeric_dtype(a):
            same = np.isclose(a, b, atol=tol, rtol=0, equal_nan=True)
        else:
            same = a == b
        if not same.all():
            out.append(col)
    return sorted(out)


def positional_skew(offline: pd.DataFrame, online: pd.DataFrame, key: str, tol: float) -> list[str]:
    return sorted(
        c for c in offline.columns if c != key and not offline[c].equals(online[c])
    )  # by position: every reordered column looks skewed


@pytest.mark.parametrize(
    ("question", "name", "right", "wrong", "message"),
    [
        ("q1", "rating_count_as_of", count_as_of, count_all_time, "sees the future"),
        ("q1", "rating_count_as_of", count_as_of, count_strictly_before, "exactly the event"),
        ("q2", "build_entity_df", good_entity_df, entity_df, "minus one second"),
        ("q2", "build_entity_df", good_entity_df, sorted_entity_df, "same order"),
        ("q2", "build_entity_df", good_entity_df, naive_entity_df, "timezone-aware"),
        ("q3", "skewed_features", good_skew, positional_skew, "match rows by the key"),
    ],
)
def test_lab06_checks(
    question: str, name: str, right: Callable, wrong: Callable, message: str
) -> None:
    assert_check_separates("lab06", question, name, right, wrong, message)
