"""Lab 11's public checks: right answers pass, typical wrong answers fail with a useful message."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from check_contract import assert_check_separates


def top_share(ratings: pd.DataFrame, fraction: float) -> float:
    counts = ratings.groupby("item_id").size().sort_values(ascending=False)
    n_top = max(1, int(np.ceil(fraction * len(counts))))
    return counts.iloc[:n_top].sum() / counts.sum()


def top_share_of_users(ratings: pd.DataFrame, fraction: float) -> float:
    counts = ratings.groupby("user_id").size().sort_values(ascending=False)
    return counts.iloc[: max(1, int(np.ceil(fraction * len(counts))))].sum() / counts.sum()


def top_share_unsorted(ratings: pd.DataFrame, fraction: float) -> float:
    counts = ratings.groupby("item_id").size()  # by item id, not by popularity
    return counts.iloc[: max(1, int(np.ceil(fraction * len(counts))))].sum() / counts.sum()


def top_share_rounded_down(ratings: pd.DataFrame, fraction: float) -> float:
    counts = ratings.groupby("item_id").size().sort_values(ascending=False)
    return counts.iloc[: max(1, int(fraction * len(counts)))].sum() / counts.sum()


def mean_before(ratings: pd.DataFrame) -> pd.Series:
    per_time = ratings.groupby(["user_id", "timestamp"])["rating"].agg(["sum", "count"])
    running = per_time.groupby(level="user_id").cumsum()
    before = running.groupby(level="user_id").shift(1)
    mean = before["sum"] / before["count"]
    keys = pd.MultiIndex.from_frame(ratings[["user_id", "timestamp"]])
    return pd.Series(mean.reindex(keys).to_numpy(), index=ratings.index)


def mean_including_itself(ratings: pd.DataFrame) -> pd.Series:
    ordered = ratings.sort_values("timestamp", kind="stable")
    mean = ordered.groupby("user_id")["rating"].expanding().mean().droplevel(0)
    return mean.reindex(ratings.index)


def mean_ignoring_ties(ratings: pd.DataFrame) -> pd.Series:
    ordered = ratings.sort_values("timestamp", kind="stable")
    grouped = ordered.groupby("user_id")["rating"]
    mean = (grouped.cumsum() - ordered["rating"]) / (grouped.cumcount())
    return mean.replace([np.inf, -np.inf], np.nan).reindex(ratings.index)


def mean_reset_index(ratings: pd.DataFrame) -> pd.Series:
    return mean_before(ratings).reset_index(drop=True)


def unknown_items(ratings: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    return ratings[~ratings["item_id"].isin(items["item_id"])]


def unrated_items(ratings: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    return items[~items["item_id"].isin(ratings["item_id"])]


def unknown_item_ids(ratings: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    orphans = ratings[~ratings["item_id"].isin(items["item_id"])]
    return orphans[["item_id"]]


@pytest.mark.parametrize(
    ("question", "name", "right", "wrong", "message"),
    [
        ("q1", "top_share", top_share, top_share_of_users, "most active \\*users\\*"),
        ("q1", "top_share", top_share, top_share_unsorted, "descending order"),
        ("q1", "top_share", top_share, top_share_rounded_down, "round up"),
        ("q2", "user_mean_before", mean_before, mean_including_itself, "label leaking"),
        ("q2", "user_mean_before", mean_before, mean_ignoring_ties, "same time"),
        ("q2", "user_mean_before", mean_before, mean_reset_index, "same index"),
        ("q3", "unknown_item_ratings", unknown_items, unrated_items, "other way round"),
        ("q3", "unknown_item_ratings", unknown_items, unknown_item_ids, "all the columns"),
    ],
)
def test_lab11_checks(
    question: str, name: str, right: Callable, wrong: Callable, message: str
) -> None:
    assert_check_separates("lab11", question, name, right, wrong, message)
