"""Batch scoring: the champion's top-k for every known user, as one long table (then Parquet).

Each user's list is made by `champion.recommend_for_user`, the function the service calls, with
the same catalogue, the same rated movies left out and the same side features (age, gender,
occupation), so a precomputed list is exactly what the service would have answered online.

| column | meaning |
|---|---|
| `user_id` | a user with ratings in the history (cold-start users are the service's job) |
| `rank` | 1 = best |
| `item_id`, `title` | the movie |
| `score` | the predicted rating |
| `model_version` | the registered version that scored it (the service compares it to its own) |

Example:
    >>> from mlplatform.registry import load_by_alias  # doctest: +SKIP
    >>> champion = load_by_alias("movie-recommender", "champion")  # doctest: +SKIP
    >>> table = score_all_users(champion, ServiceData.from_movielens(), load_users(), k=100,
    ...                         model_version=str(champion.version))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlplatform.progress import progress_bar
from mlplatform.recommender.champion import check_k, recommend_for_user
from mlplatform.recommender.service_data import ServiceData

COLUMNS = ["user_id", "rank", "item_id", "title", "score", "model_version"]
ATTRIBUTES = ("age", "gender", "occupation")  # what the service passes to the model, from Feast


def user_attributes(users: pd.DataFrame) -> dict[int, dict[str, object]]:
    """User id -> age, gender and occupation as the service sends them (int, str, str)."""
    return {
        int(row.user_id): {"age": int(row.age), "gender": str(row.gender),
                           "occupation": str(row.occupation)}
        for row in users[["user_id", *ATTRIBUTES]].itertuples(index=False)
    }  # fmt: skip


def score_all_users(
    model: Any,
    data: ServiceData,
    users: pd.DataFrame | None,
    k: int,
    model_version: str,
    user_ids: Iterable[int] | None = None,
    show_progress: bool = False,
) -> pd.DataFrame:
    """The top-k of every user the history knows (or of `user_ids`), best first per user.

    Args:
        model: the champion (a loaded pyfunc, or anything with `.predict`).
        data: catalogue, titles and each user's rated movies (what the service holds).
        users: MovieLens users (`user_id`, `age`, `gender`, `occupation`); None: no side features.
        k: list length per user, 1 to `champion.MAX_K`.
        model_version: written on every row.
        user_ids: a subset of the known users; default all of them.
        show_progress: draw a progress bar (one step per user).

    Returns:
        The `COLUMNS` table, sorted by user and rank.

    Raises:
        InvalidRequestError: `k` is out of range.
        ValueError: a user in `user_ids` has no ratings in the history.
    """
    k = check_k(k)
    chosen = sorted(data.rated) if user_ids is None else sorted(set(map(int, user_ids)))
    unknown = [user for user in chosen if not data.knows(user)]
    if unknown:
        raise ValueError(f"users {unknown[:5]} have no ratings in the history: nothing to score.")
    attributes = user_attributes(users) if users is not None else {}
    parts = []
    for user in progress_bar(chosen, desc="scoring users", disable=not show_progress):
        top = recommend_for_user(
            model, user, data.catalogue, data.rated[user], k, attributes.get(user)
        )
        parts.append(top.assign(user_id=np.int64(user)))
    if not parts:
        return pd.DataFrame({column: [] for column in COLUMNS})
    table = pd.concat(parts, ignore_index=True).rename(columns={"predicted_rating": "score"})
    table["title"] = [data.titles[int(item)] for item in table["item_id"]]
    table["model_version"] = str(model_version)
    table["rank"] = table["rank"].astype(np.int64)
    return table[COLUMNS]


def write_scores(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the scores table to Parquet (no index) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(target, index=False)
    return target
