"""The rating statistics a model may know, recomputed from its own training ratings only.

The Feast sources (`mlplatform.recommender.feature_sources`) hold each user's and movie's running rating count
and mean over *all* MovieLens ratings. On a temporal split that is harmless: every rating before a
training row's time is itself in train. On a random split (k-fold CV) or on each user's last 20%,
it is target leakage: a training row's statistics would include held-out ratings made before it,
and the newest statistics of a user could include the very rating the model is asked to predict.

`point_in_time_aggregates` therefore recomputes the four statistics with the same definitions and
lag as the store (per key: count and mean of its ratings strictly before the rating's time minus
`REQUEST_LAG`), from the ratings it is given; `final_aggregates` gives each key's statistics over
all of them (what a model frozen at the end of training knows). On a temporal prefix of the
ratings the first equals Feast's point-in-time answer for the same rows.

| column | meaning |
|---|---|
| `user_rating_count`, `user_mean_rating` | the user's earlier ratings in the given frame |
| `item_rating_count`, `item_mean_rating` | the movie's earlier ratings in the given frame |
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.recommender.feature_sources import REQUEST_LAG, running_stats

AGGREGATE_COLUMNS = [
    "user_rating_count",
    "user_mean_rating",
    "item_rating_count",
    "item_mean_rating",
]
SIDES = (("user_id", "user"), ("item_id", "item"))


def rating_times(frame: pd.DataFrame, lag: pd.Timedelta = REQUEST_LAG) -> pd.Series:
    """When each rating was made: `timestamp`, else the Feast request time `event_timestamp` + lag.

    Raises:
        ValueError: the frame has neither column.
    """
    if "timestamp" in frame:
        times = frame["timestamp"]
    elif "event_timestamp" in frame:
        times = pd.to_datetime(frame["event_timestamp"], utc=True) + lag
    else:
        raise ValueError(
            "The ratings need a `timestamp` (or Feast `event_timestamp`) column to compute "
            "point-in-time statistics: pass the rating frame as movielens.load_ratings() gives it."
        )
    return pd.to_datetime(times, utc=True).astype("datetime64[ns, UTC]").reset_index(drop=True)


def _ratings(frame: pd.DataFrame, lag: pd.Timedelta) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": frame["user_id"].astype(np.int64).to_numpy(),
            "item_id": frame["item_id"].astype(np.int64).to_numpy(),
            "rating": frame["rating"].astype(float).to_numpy(),
            "timestamp": rating_times(frame, lag),
        }
    )


def point_in_time_aggregates(frame: pd.DataFrame, lag: pd.Timedelta = REQUEST_LAG) -> pd.DataFrame:
    """Each row's four statistics from the frame's ratings made before its time minus `lag`.

    Args:
        frame: ratings with `user_id`, `item_id`, `rating` and `timestamp` (or `event_timestamp`).
        lag: how long before the rating the model is asked (the store's `REQUEST_LAG`).

    Returns:
        The `AGGREGATE_COLUMNS`, one row per row of `frame` in its order (missing before a key's
        first rating, as in Feast).
    """
    ratings = _ratings(frame, lag)
    request = ratings["timestamp"] - lag
    out = pd.DataFrame(index=pd.RangeIndex(len(ratings)))
    for key, prefix in SIDES:
        stats = running_stats(ratings, key, prefix).sort_values("event_timestamp", kind="stable")
        asked = pd.DataFrame({key: ratings[key], "event_timestamp": request, "row": out.index})
        joined = pd.merge_asof(
            asked.sort_values("event_timestamp", kind="stable"),
            stats.astype({"event_timestamp": "datetime64[ns, UTC]"}),
            on="event_timestamp",
            by=key,
            direction="backward",
        ).set_index("row").sort_index()  # fmt: skip
        for column in (f"{prefix}_rating_count", f"{prefix}_mean_rating"):
            out[column] = joined[column].to_numpy()
    return out[AGGREGATE_COLUMNS]


def final_aggregates(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Count and mean of all of the frame's ratings per `key` (`user_id` or `item_id`)."""
    prefix = dict(SIDES)[key]
    grouped = frame.groupby(frame[key].astype(np.int64))["rating"]
    return pd.DataFrame(
        {
            f"{prefix}_rating_count": grouped.count().astype(np.int64),
            f"{prefix}_mean_rating": grouped.mean().astype(np.float32),
        }
    ).reset_index()


def with_training_aggregates(frame: pd.DataFrame, lag: pd.Timedelta = REQUEST_LAG) -> pd.DataFrame:
    """`frame` with its four statistics replaced by `point_in_time_aggregates(frame)`."""
    aggregates = point_in_time_aggregates(frame, lag)
    out = frame.drop(columns=[c for c in AGGREGATE_COLUMNS if c in frame]).reset_index(drop=True)
    return pd.concat([out, aggregates], axis=1)
