"""How well a cold-start strategy ranks for users new after a time cut (design.md section 9).

Users: those with no rating before the cut and at least one held-out rating >= 4. Candidates:
every movie rated before the cut. The bars: all-time and recent (28-day) popularity. The same
functions back `benchmarks/bench_cold_start.py` and chapter 13.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.recommender.cold_start import RecentlyLiked
from mlplatform.recommender.rankers import Popularity
from mlplatform.recommender.ranking import per_user_metrics, recommend, relevant_items
from mlplatform.recommender.splits import split_by_time

RECENT_DAYS = 28


def cold_start_ndcg(
    train: pd.DataFrame, test: pd.DataFrame, ranker: object, k: int = 10
) -> tuple[float, int]:
    """Mean NDCG@k of `ranker`'s lists over the cold-start users of this split, and their number."""
    relevant = relevant_items(test)
    cold = np.setdiff1d(relevant["user_id"].unique(), train["user_id"].unique())
    catalogue = np.sort(train["item_id"].unique())
    fallback = ranker.fit(train)
    recs = recommend(
        Popularity().fit(train), train, cold, k=k, catalogue=catalogue, fallback=fallback
    )
    scored = per_user_metrics(recs, relevant)
    return float(scored["ndcg"].mean()), len(scored)


def compare_cold_start(
    ratings: pd.DataFrame, users: pd.DataFrame, quantile: float = 0.8, k: int = 10
) -> pd.DataFrame:
    """NDCG@k for new users on the time cut at `quantile`: the service's strategy and the bars.

    Returns:
        `strategy`, `ndcg`, `users` and `vs_recent_popularity` (the ratio to the 28-day bar).
    """
    train, test = split_by_time(ratings, quantile)
    strategies = {
        "popularity": Popularity(),
        f"recent_popularity_{RECENT_DAYS}d": Popularity(days=RECENT_DAYS),
        "recently_liked (service)": RecentlyLiked(users),
    }
    rows = []
    for name, ranker in strategies.items():
        ndcg, n_users = cold_start_ndcg(train, test, ranker, k)
        rows.append({"strategy": name, "ndcg": ndcg, "users": n_users})
    table = pd.DataFrame(rows)
    bar = table.loc[table["strategy"] == f"recent_popularity_{RECENT_DAYS}d", "ndcg"].iloc[0]
    return table.assign(vs_recent_popularity=table["ndcg"] / bar)
