"""Cold start on a time cut: NDCG@10 for users with no ratings before the cut, by strategy.

The recommender service answers a user the model has never seen with `RecentlyLiked`. This
measures its variants against the bars of design.md section 9 (all-time popularity and recent,
28-day popularity) on the global time cut at the 80th percentile of timestamps (the protocol's),
and, to see whether a variant's lead is more than noise, on two earlier cuts (60th and 70th
percentile). Users: those with no train ratings and at least one held-out rating >= 4. Candidates:
every movie rated in train. The service's default is the variant named `default`.

Usage: .venv/bin/python benchmarks/bench_cold_start.py
"""

import time

import pandas as pd

from mlplatform.benchmarking import machine_info, print_table, write_result
from mlplatform.config import load_settings
from mlplatform.recommender import movielens
from mlplatform.recommender.cold_start import RecentlyLiked
from mlplatform.recommender.cold_start_eval import cold_start_ndcg
from mlplatform.recommender.rankers import Popularity
from mlplatform.recommender.splits import split_by_time

CUTS = (0.6, 0.7, 0.8)
GROUPINGS = ("none", "gender", "age", "gender_age")
HALF_LIVES = (14, 28)


def strategies(users: pd.DataFrame) -> dict[str, object]:
    """Every strategy measured, by name; `default` is what the service uses."""
    found = {
        "popularity": Popularity(),
        "recent_popularity_28d": Popularity(days=28),
        "default": RecentlyLiked(users),
    }
    for grouping in GROUPINGS:
        for half_life in HALF_LIVES:
            found[f"liked_{grouping}_{half_life}d"] = RecentlyLiked(
                users, half_life_days=half_life, grouping=grouping
            )
    return found


def main() -> None:
    """Measure, print the table and write results/cold_start.json."""
    settings = load_settings()
    ratings, users = movielens.load_ratings(settings), movielens.load_users(settings)
    start = time.perf_counter()
    rows, result = [], {}
    for cut in CUTS:
        train, test = split_by_time(ratings, cut)
        row: dict[str, object] = {"cut": cut}
        for name, ranker in strategies(users).items():
            row[name], row["cold_users"] = cold_start_ndcg(train, test, ranker)
        row["default_vs_recent"] = row["default"] / row["recent_popularity_28d"]
        rows.append(row)
        tag = f"cut{int(cut * 100)}"
        result |= {
            f"{tag}_{key}_ndcg10": value
            for key, value in row.items()
            if key not in ("cut", "cold_users", "default_vs_recent")
        }
        result[f"{tag}_cold_users"] = row["cold_users"]
        result[f"{tag}_default_vs_recent_popularity"] = row["default_vs_recent"]
    table = [
        {"strategy": name, **{f"cut {r['cut']}": r[name] for r in rows}}
        for name in rows[0]
        if name not in ("cut",)
    ]
    print_table(table)
    default = RecentlyLiked(users)
    result |= {
        "default_strategy": f"likes >= {default.min_rating}, half-life {default.half_life_days} d, "
        f"grouping {default.grouping}, strength {default.strength}",
        "k": 10,
        "seconds": time.perf_counter() - start,
        **machine_info(["pandas", "numpy"]),
    }
    write_result("cold_start", result, settings.home)


if __name__ == "__main__":
    main()
