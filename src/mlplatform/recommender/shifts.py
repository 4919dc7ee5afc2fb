"""The recommender's request log from MovieLens' own timestamps, and graded shifts of it.

Each rating is replayed as a request: "predict user u's rating of movie i at time t". Its
per-request features are the user's `age`, `gender` and `occupation`, how many ratings the user
and the movie had before that moment (`user_ratings_before`, `item_ratings_before`), and the
prediction of a `BiasBaseline`; the rating is the label, which arrives `label_delay` later (an
exponential delay with a mean of `LABEL_DELAY_DAYS` days, drawn per request and seeded: people rate
a movie some days after it was recommended).

The timeline is cut at the median timestamp. Before it: half the ratings train the baseline, a
sample is the monitoring reference, and the rest is the unshifted pool. After it come the shifts,
each a share `strength` of a current window's requests (0 = no shift, 1 = all shifted):

- `later_window`: requests from the last fifth of the timeline (a later season, older users);
- `new_users`: a burst of users never seen before the cut (no rating history, the baseline knows
  only the movie's bias).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlplatform.config import Settings, load_settings
from mlplatform.monitoring.windows import MonitorSpec
from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.movielens import load_ratings, load_users

SHIFTS = ("later_window", "new_users")
LABEL_DELAY_DAYS = 3.0
REFERENCE_CUT = 0.5  # quantile of timestamps: the monitored model's world ends here
LATE_CUT = 0.8  # the `later_window` shift draws from after this quantile
REQUEST_SPEC = MonitorSpec(
    numerical=("age", "user_ratings_before", "item_ratings_before"),
    categorical=("gender", "occupation"),
    prediction="prediction",
    target="rating",
)


@dataclass(frozen=True)
class RequestLog:
    """The replayed requests, split into the parts the shifts draw from."""

    reference: pd.DataFrame
    pool: pd.DataFrame  # unshifted requests from the reference period, not in `reference`
    late: pd.DataFrame  # requests after LATE_CUT
    new_users: pd.DataFrame  # requests after REFERENCE_CUT by users first seen after it


def request_features(ratings: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Ratings in time order with the per-request features (counts of earlier ratings)."""
    ordered = ratings.sort_values(["timestamp", "user_id", "item_id"], ignore_index=True)
    ordered["user_ratings_before"] = ordered.groupby("user_id").cumcount().astype(float)
    ordered["item_ratings_before"] = ordered.groupby("item_id").cumcount().astype(float)
    joined = ordered.merge(users[["user_id", "age", "gender", "occupation"]], on="user_id")
    joined["age"] = joined["age"].astype(float)
    for column in ("gender", "occupation"):
        joined[column] = joined[column].astype(str)
    return joined.rename(columns={"timestamp": "served_at"})


def build_request_log(
    settings: Settings | None = None, reference_size: int = 5000, seed: int = 0
) -> RequestLog:
    """Replay MovieLens as requests, train the baseline before the cut, predict every request."""
    settings = settings or load_settings()
    rng = np.random.default_rng(seed)
    log = request_features(load_ratings(settings), load_users(settings))
    delay = rng.exponential(LABEL_DELAY_DAYS, len(log))
    log["label_time"] = log["served_at"] + pd.to_timedelta(delay, unit="D")
    cut, late_cut = log["served_at"].quantile([REFERENCE_CUT, LATE_CUT])
    before = log[log["served_at"] < cut].sample(frac=1.0, random_state=seed)
    train, rest = before.iloc[: len(before) // 2], before.iloc[len(before) // 2 :]
    model = BiasBaseline().fit(train)
    log["prediction"] = model.predict(log).astype(float)
    rest, after = log.loc[rest.index], log[log["served_at"] >= cut]
    known_users = set(before["user_id"])
    return RequestLog(
        reference=rest.iloc[:reference_size].reset_index(drop=True),
        pool=rest.iloc[reference_size:].reset_index(drop=True),
        late=after[after["served_at"] >= late_cut].reset_index(drop=True),
        new_users=after[~after["user_id"].isin(known_users)].reset_index(drop=True),
    )


def shifted_window(
    log: RequestLog, shift: str, strength: float, n: int, seed: int = 0
) -> pd.DataFrame:
    """`n` requests, a share `strength` of them from `shift`'s part of the log, in time order.

    The same seed gives the same unshifted rows whatever the shift, so strength 0 is exactly the
    unshifted window.

    Raises:
        ValueError: unknown shift, strength outside [0, 1], or more rows asked than there are.
    """
    if shift not in SHIFTS:
        raise ValueError(f"unknown shift {shift!r}; choose one of {', '.join(SHIFTS)}.")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must lie in [0, 1] (0 = no shift), got {strength}.")
    source = log.late if shift == "later_window" else log.new_users
    n_shifted = round(strength * n)
    if n - n_shifted > len(log.pool) or n_shifted > len(source):
        raise ValueError(f"asked for {n} requests; the log has {len(log.pool)} unshifted ones.")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(log.pool))[: n - n_shifted]
    shifted_rows = np.random.default_rng([seed, 1]).permutation(len(source))[:n_shifted]
    window = pd.concat([log.pool.iloc[order], source.iloc[shifted_rows]], ignore_index=True)
    # Replayed as one day of traffic in random order; each label keeps its own delay.
    delay = (window["label_time"] - window["served_at"]).to_numpy()
    mixed = rng.permutation(len(window))
    window = window.iloc[mixed].reset_index(drop=True)
    served = window["served_at"].min() + pd.to_timedelta(np.sort(rng.uniform(0, 1, n)), unit="D")
    return window.assign(served_at=served, label_time=served + pd.to_timedelta(delay[mixed]))
