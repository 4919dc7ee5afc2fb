"""Tests of mlplatform.recommender.cold_start: recently liked movies, by group, shrunk to everyone."""

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.cold_start import RecentlyLiked, age_band, group_of

DAY = pd.Timedelta(days=1)
END = pd.Timestamp("1998-04-01", tz="UTC")
USERS = pd.DataFrame(
    {"user_id": [1, 2, 3, 4], "age": [20, 22, 60, 61], "gender": ["F", "F", "M", "M"]}
)


def ratings(rows: list[tuple[int, int, float, int]]) -> pd.DataFrame:
    """(user, item, rating, days before the end) rows."""
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "days_ago"])
    frame["timestamp"] = END - frame.pop("days_ago") * DAY
    return frame


@pytest.mark.parametrize(
    ("age", "band"), [(17, "0-17"), (18, "18-24"), (34, "25-34"), (56, "56-199"), (None, "any")]
)
def test_age_bands_follow_movielens_1m(age, band) -> None:
    assert age_band(age) == band


def test_the_group_ignores_what_the_grouping_does_not_use() -> None:
    assert group_of(30, "F", "gender_age") == "F|25-34"
    assert group_of(30, "F", "gender") == "F|any"
    assert group_of(30, "X", "gender_age") == "any|25-34"
    assert group_of(30, "F", "none") == "any|any"


def test_only_likes_count_and_recent_ones_count_more() -> None:
    train = ratings([(1, 10, 5, 0), (2, 20, 5, 28), (3, 20, 5, 28), (4, 30, 2, 0), (1, 30, 1, 0)])
    model = RecentlyLiked(USERS, half_life_days=28).fit(train)
    scores = model.scores_for(None, None, np.array([10, 20, 30]))
    # item 10: one like today (weight 1); item 20: two likes a half-life ago (0.5 each); 30: none.
    assert scores == pytest.approx([0.5, 0.5, 0.0])


def test_a_group_prefers_what_it_liked_and_small_groups_shrink_to_everyone() -> None:
    train = ratings([(1, 10, 5, 0), (2, 10, 5, 0), (3, 20, 5, 0), (4, 20, 5, 0), (4, 30, 5, 0)])
    items = np.array([10, 20, 30])
    young = RecentlyLiked(USERS, grouping="age", strength=0).fit(train).scores_for(21, "M", items)
    assert young == pytest.approx([1.0, 0.0, 0.0])
    shrunk = (
        RecentlyLiked(USERS, grouping="age", strength=1e9).fit(train).scores_for(21, None, items)
    )
    assert shrunk == pytest.approx([0.4, 0.4, 0.2])


def test_a_group_with_no_recent_likes_gets_everyones_list() -> None:
    train = ratings([(1, 10, 5, 0), (3, 20, 5, 0)])
    model = RecentlyLiked(USERS, grouping="gender_age").fit(train)
    assert model.scores_for(40, "F", np.array([10, 20])) == pytest.approx([0.5, 0.5])


def test_score_gives_each_user_their_groups_row() -> None:
    train = ratings([(1, 10, 5, 0), (3, 20, 5, 0)])
    model = RecentlyLiked(USERS, grouping="gender", strength=0).fit(train)
    grid = model.score(np.array([2, 4, 99]), np.array([10, 20]))
    assert grid.tolist() == [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]  # 99: unknown, everyone's


def test_an_unfitted_model_says_so() -> None:
    with pytest.raises(RuntimeError, match=r"not fitted yet: call \.fit\(train\)"):
        RecentlyLiked(USERS).scores_for(30, "F", np.array([1]))
