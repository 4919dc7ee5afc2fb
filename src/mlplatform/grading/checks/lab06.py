"""Public checks for lab 06, the feature store: point-in-time features, entity frames, skew."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer

T0 = pd.Timestamp("1998-01-01", tz="UTC")


def toy_ratings() -> pd.DataFrame:
    """Two users; user 1 rates at hours 0, 2, 2 and 5, user 2 at hour 1; shuffled on purpose."""
    frame = pd.DataFrame(
        {
            "user_id": np.array([1, 1, 2, 1, 1], dtype=np.int32),
            "item_id": np.array([10, 11, 10, 12, 13], dtype=np.int32),
            "rating": np.array([4, 2, 5, 3, 1], dtype=np.float32),
            "timestamp": T0 + pd.to_timedelta([0, 2, 1, 2, 5], unit="h"),
        }
    )
    return frame.iloc[[3, 0, 4, 2, 1]]


def _check_count_as_of(ns: Namespace) -> None:
    rating_count_as_of = answer(ns, "rating_count_as_of")
    events = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2],
            "event_timestamp": T0 + pd.to_timedelta([1, 2, 6, 1], unit="h"),
        }
    )
    got = rating_count_as_of(toy_ratings(), events)
    values = np.asarray(got, dtype=float).ravel()
    if len(values) != len(events):
        raise CheckFailed(f"expected one count per event row ({len(events)}), got {len(values)}.")
    expected = [1, 3, 4, 1]
    if values[0] > 1 or values[2] > 4:
        raise CheckFailed(
            "a count is larger than the ratings that existed at the event time: it sees the future."
        )
    if values[1] != 3:
        raise CheckFailed(
            f"user 1 at hour 2 should count 3 ratings (hours 0, 2 and 2: ratings at exactly the event "
            f"time count), got {values[1]:g}."
        )
    if list(values) != expected:
        raise CheckFailed(f"expected counts {expected}, got {[float(v) for v in values]}.")


def _check_entity_df(ns: Namespace) -> None:
    build_entity_df = answer(ns, "build_entity_df")
    ratings = toy_ratings()
    got = build_entity_df(ratings)
    if not isinstance(got, pd.DataFrame):
        raise CheckFailed(f"build_entity_df should return a DataFrame, not {type(got).__name__}.")
    missing = {"user_id", "item_id", "event_timestamp", "rating"} - set(got.columns)
    if missing:
        raise CheckFailed(f"the entity DataFrame lacks the columns {sorted(missing)}.")
    if len(got) != len(ratings):
        raise CheckFailed(f"expected one row per rating ({len(ratings)}), got {len(got)}.")
    stamps = pd.to_datetime(got["event_timestamp"])
    if stamps.dt.tz is None:
        raise CheckFailed("event_timestamp must be timezone-aware (UTC), as Feast compares in UTC.")
    expected = (ratings["timestamp"] - pd.Timedelta(seconds=1)).to_numpy()
    if not np.array_equal(stamps.to_numpy(), expected):
        raise CheckFailed(
            "row by row, event_timestamp should be the rating's timestamp minus one second, in "
            "the same order as `ratings`."
        )


def _check_skewed_features(ns: Namespace) -> None:
    skewed_features = answer(ns, "skewed_features")
    offline = pd.DataFrame(
        {
            "user_id": [1, 2, 3],
            "count": [5, 7, 9],
            "mean": [3.5, 4.0, np.nan],
            "gender": list("FMF"),
        }
    )
    online = offline.iloc[[2, 0, 1]].reset_index(drop=True)  # same values, other order
    got = skewed_features(offline, online, "user_id", 1e-6)
    if list(got) != []:
        raise CheckFailed(
            f"identical values in another row order (and NaN on both sides) are not skew, got {got}; "
            "match rows by the key, not by position."
        )
    online.loc[online["user_id"] == 2, "mean"] = 4.2
    got = skewed_features(offline, online, "user_id", 1e-6)
    if list(got) != ["mean"]:
        raise CheckFailed(
            f"user 2's mean differs (4.0 offline, 4.2 online): expected ['mean'], got {got}."
        )


CHECKS = [
    Check(
        "q1",
        3,
        (
            "point in time: for each event, only the ratings that existed at that moment count (a"
            " rating at exactly the event time does); chapter 06 shows how a join can respect "
            "time."
        ),
        _check_count_as_of,
    ),
    Check(
        "q2",
        3,
        (
            "Feast joins on keys and an event time; the features of a rating must be those known "
            "just before it (chapter 06), in UTC, one row per rating in the original order."
        ),
        _check_entity_df,
    ),
    Check(
        "q3",
        3,
        (
            "line the two frames up by the key, not by position, then compare feature by feature;"
            " two missing values agree, and numbers may differ by the tolerance."
        ),
        _check_skewed_features,
    ),
]
