"""Tests of mlplatform.recommender.training_features: rating statistics from training ratings only."""

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.training_features import (
    AGGREGATE_COLUMNS,
    final_aggregates,
    point_in_time_aggregates,
    with_training_aggregates,
)

START = pd.Timestamp("1998-01-01", tz="UTC")


def ratings() -> pd.DataFrame:
    """User 1 rates at 0 s, 10 s, 10 s (two movies in one second) and 20 s; user 2 once at 10 s."""
    return pd.DataFrame(
        {
            "user_id": [1, 1, 1, 1, 2],
            "item_id": [7, 8, 9, 7, 7],
            "rating": [4.0, 2.0, 5.0, 1.0, 3.0],
            "timestamp": START + pd.to_timedelta([0, 10, 10, 20, 10], unit="s"),
        }
    )


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("user_rating_count", [np.nan, 1, 1, 3, np.nan]),
        ("user_mean_rating", [np.nan, 4.0, 4.0, 11 / 3, np.nan]),
        ("item_rating_count", [np.nan, np.nan, np.nan, 2, 1]),
        ("item_mean_rating", [np.nan, np.nan, np.nan, 3.5, 4.0]),
    ],
)
def test_each_row_sees_only_ratings_made_before_it(column, expected) -> None:
    got = point_in_time_aggregates(ratings())[column].to_numpy(dtype=float)
    np.testing.assert_allclose(got, expected, rtol=1e-6, equal_nan=True)


def test_rows_keep_their_order_when_the_frame_is_not_sorted_by_time() -> None:
    shuffled = ratings().iloc[[3, 0, 4, 2, 1]].reset_index(drop=True)
    got = point_in_time_aggregates(shuffled)["user_rating_count"].to_numpy(dtype=float)
    np.testing.assert_allclose(got, [3, np.nan, np.nan, 1, 1], equal_nan=True)


def test_a_feast_request_time_stands_in_for_the_rating_time() -> None:
    frame = ratings()
    asked = frame.drop(columns="timestamp").assign(
        event_timestamp=frame["timestamp"] - pd.Timedelta(seconds=1)
    )
    pd.testing.assert_frame_equal(point_in_time_aggregates(asked), point_in_time_aggregates(frame))


def test_ratings_without_any_time_say_which_column_is_missing() -> None:
    with pytest.raises(ValueError, match="`timestamp`"):
        point_in_time_aggregates(ratings().drop(columns="timestamp"))


def test_final_aggregates_count_every_rating_of_the_key() -> None:
    got = final_aggregates(ratings(), "item_id").set_index("item_id")
    assert got.loc[7, "item_rating_count"] == 3
    assert got.loc[7, "item_mean_rating"] == pytest.approx(8 / 3)


def test_given_statistics_are_replaced_not_duplicated() -> None:
    frame = ratings().assign(**{column: 99.0 for column in AGGREGATE_COLUMNS})
    out = with_training_aggregates(frame)
    assert list(out.columns).count("user_rating_count") == 1
    assert np.isnan(out.loc[0, "user_rating_count"]) and out.loc[3, "user_rating_count"] == 3
