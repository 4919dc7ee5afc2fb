"""Simple per-user and per-item features for rating prediction with a generic regressor."""

from __future__ import annotations

import pandas as pd

FEATURES = ("user_mean", "user_count", "item_mean", "item_count")


def rating_features(train: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Mean rating and number of ratings of each pair's user and item, learned from `train` only.

    Users or items not in `train` get the global mean and a count of zero, so the features never
    look at the rows they describe (no leakage from test into its own features).
    """
    mean = float(train["rating"].mean())
    out = {}
    for who in ("user", "item"):
        stats = train.groupby(f"{who}_id")["rating"].agg(["mean", "size"])
        key = pairs[f"{who}_id"]
        out[f"{who}_mean"] = key.map(stats["mean"]).fillna(mean).astype(float).to_numpy()
        out[f"{who}_count"] = key.map(stats["size"]).fillna(0).astype(float).to_numpy()
    return pd.DataFrame(out, columns=list(FEATURES), index=pairs.index)
