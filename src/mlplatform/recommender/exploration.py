"""Exploration of a ratings frame: sparsity, long tail, user activity, time, and split leakage.

Every function takes ratings in the schema of `mlplatform.recommender.movielens` (`user_id`,
`item_id`, `rating`, `timestamp`) and returns numbers or frames; the `plot_*` helpers draw one chart
on the Axes they are given (or a new one) and return it, so a notebook can arrange them freely.

Example:
    >>> sparsity(ratings)            # share of the user x item matrix that is empty
    >>> top_share(ratings, 0.1)      # share of ratings that go to the 10% most rated items
    >>> gini(item_counts(ratings))   # 0 = every item equally popular, 1 = one item has everything
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mlplatform.recommender.splits import Split

if TYPE_CHECKING:  # matplotlib is imported only when a chart is drawn
    from matplotlib.axes import Axes


def _require_rows(ratings: pd.DataFrame) -> None:
    if ratings.empty:
        raise ValueError("need at least one rating; got an empty frame (check the filter before).")


def sparsity(ratings: pd.DataFrame) -> float:
    """Share of the (users who rated) x (items rated) matrix with no rating: 1 - ratings / cells."""
    _require_rows(ratings)
    pairs = len(ratings[["user_id", "item_id"]].drop_duplicates())
    cells = ratings["user_id"].nunique() * ratings["item_id"].nunique()
    return 1.0 - pairs / cells


def item_counts(ratings: pd.DataFrame) -> pd.Series:
    """Ratings per item, most rated first (named `n_ratings`, indexed by `item_id`)."""
    counts = ratings.groupby("item_id").size().rename("n_ratings")
    return counts.sort_values(ascending=False, kind="stable")


def user_counts(ratings: pd.DataFrame) -> pd.Series:
    """Ratings per user, most active first (named `n_ratings`, indexed by `user_id`)."""
    counts = ratings.groupby("user_id").size().rename("n_ratings")
    return counts.sort_values(ascending=False, kind="stable")


def top_share(ratings: pd.DataFrame, fraction: float = 0.1) -> float:
    """Share of all ratings that go to the `fraction` most rated items (at least one item).

    Raises:
        ValueError: `fraction` is not in (0, 1].
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}; e.g. 0.1 for the top 10%.")
    _require_rows(ratings)
    counts = item_counts(ratings).to_numpy()
    n_top = max(1, int(np.ceil(fraction * len(counts))))
    return float(counts[:n_top].sum() / counts.sum())


def gini(counts: pd.Series | np.ndarray) -> float:
    """Gini coefficient of non-negative counts: 0 when all are equal, near 1 when one has all.

    Computed as sum((2i - n - 1) * x_i) / (n * sum(x)) over the counts sorted ascending (i = 1..n).
    """
    values = np.sort(np.asarray(counts, dtype=float))
    if values.size == 0 or values.sum() <= 0 or (values < 0).any():
        raise ValueError("gini needs at least one count, all non-negative, with a positive sum.")
    n = values.size
    ranks = np.arange(1, n + 1)
    return float(np.sum((2 * ranks - n - 1) * values) / (n * values.sum()))


def long_tail_curve(ratings: pd.DataFrame) -> pd.DataFrame:
    """Cumulative share of ratings against the share of items, items sorted most rated first.

    Returns:
        Columns `item_share` (k / n_items) and `rating_share` (ratings of the top k / all ratings).
    """
    _require_rows(ratings)
    counts = item_counts(ratings).to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "item_share": np.arange(1, counts.size + 1) / counts.size,
            "rating_share": np.cumsum(counts) / counts.sum(),
        }
    )


def activity_summary(ratings: pd.DataFrame) -> pd.DataFrame:
    """Quantiles of ratings per user and per item (min, 10%, median, 90%, max) and the mean."""
    quantiles = [0.0, 0.1, 0.5, 0.9, 1.0]
    names = ["min", "10%", "median", "90%", "max"]
    rows = {}
    for label, counts in (("per user", user_counts(ratings)), ("per item", item_counts(ratings))):
        values = counts.quantile(quantiles).to_numpy()
        rows[label] = dict(zip(names, values, strict=True)) | {"mean": counts.mean()}
    return pd.DataFrame(rows).T


def ratings_per_week(ratings: pd.DataFrame) -> pd.Series:
    """Number of ratings in each calendar week (weeks start on Monday; empty weeks count 0)."""
    _require_rows(ratings)
    weekly = ratings.set_index("timestamp")["rating"].resample("W-MON", label="left", closed="left")
    return weekly.size().rename("n_ratings")


def newcomers_per_week(ratings: pd.DataFrame, key: str = "user_id") -> pd.Series:
    """How many users (or items, with `key="item_id"`) give or get their first rating each week."""
    first = ratings.groupby(key)["timestamp"].min()
    weeks = ratings_per_week(ratings).index
    counts = pd.Series(1, index=first.to_numpy()).sort_index()
    weekly = counts.resample("W-MON", label="left", closed="left").sum()
    return weekly.reindex(weeks, fill_value=0).rename(f"new {key.removesuffix('_id')}s")


def future_in_train(split: Split) -> float:
    """Share of test ratings whose user has a train rating made later: the model saw their future."""
    train, test = split
    last_train = train.groupby("user_id")["timestamp"].max()
    later = test["user_id"].map(last_train) > test["timestamp"]
    return float(later.mean()) if len(test) else 0.0


def unseen_in_train(split: Split) -> pd.Series:
    """How much of the test set a model has never seen in training (cold start, by construction).

    Returns:
        `test users unseen`, `test items unseen` (shares of the distinct test users and items absent
        from train) and `test ratings with an unseen user or item` (share of test rows).
    """
    train, test = split
    new_user = ~test["user_id"].isin(train["user_id"])
    new_item = ~test["item_id"].isin(train["item_id"])
    users, items = test["user_id"].unique(), test["item_id"].unique()
    return pd.Series(
        {
            "test users unseen": float(np.mean(~np.isin(users, train["user_id"]))),
            "test items unseen": float(np.mean(~np.isin(items, train["item_id"]))),
            "test ratings with an unseen user or item": float((new_user | new_item).mean()),
        }
    )


def leakage_table(splits: dict[str, Split]) -> pd.DataFrame:
    """One row per named split: sizes, how much of the future trains, how much of test is unseen."""
    rows = {}
    for name, split in splits.items():
        train, test = split
        rows[name] = {
            "train ratings": len(train),
            "test ratings": len(test),
            "test older than newest train": float(
                (test["timestamp"] < train["timestamp"].max()).mean()
            ),
            "same user's future in train": future_in_train(split),
            **unseen_in_train(split).to_dict(),
        }
    return pd.DataFrame(rows).T


def _axes(ax: Axes | None) -> Axes:
    import matplotlib.pyplot as plt  # heavy import, only when a chart is wanted

    return ax if ax is not None else plt.subplots(figsize=(5, 3))[1]


def plot_rating_distribution(ratings: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bar chart of how often each star value is given."""
    ax = _axes(ax)
    shares = ratings["rating"].value_counts(normalize=True).sort_index()
    ax.bar(shares.index.astype(int).astype(str), shares.to_numpy(), color="tab:blue")
    ax.set(xlabel="stars", ylabel="share of ratings", title="Ratings lean positive")
    return ax


def plot_long_tail(ratings: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Ratings per item, most rated first, with the top 10% of items shaded."""
    ax = _axes(ax)
    counts = item_counts(ratings).to_numpy()
    ax.plot(np.arange(1, counts.size + 1), counts, color="tab:blue")
    ax.axvspan(1, max(1, int(np.ceil(0.1 * counts.size))), color="tab:orange", alpha=0.3)
    share = top_share(ratings, 0.1)
    ax.set(xlabel="item rank (most rated first)", ylabel="ratings per item")
    ax.set_title(f"Long tail: the top 10% of items get {share:.0%} of ratings")
    return ax


def plot_user_activity(ratings: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Histogram of ratings per user, on a log x-axis."""
    ax = _axes(ax)
    counts = user_counts(ratings).to_numpy()
    bins = np.logspace(np.log10(max(1, counts.min())), np.log10(counts.max() + 1), 30)
    ax.hist(counts, bins=bins, color="tab:blue")
    ax.set_xscale("log")
    ax.set(xlabel="ratings per user (log scale)", ylabel="users", title="User activity")
    return ax


def plot_ratings_per_week(ratings: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Ratings per calendar week over the whole period."""
    ax = _axes(ax)
    weekly = ratings_per_week(ratings)
    ax.plot(weekly.index, weekly.to_numpy(), marker=".", color="tab:blue")
    ax.set(xlabel="week", ylabel="ratings", title="Ratings over time")
    ax.tick_params(axis="x", labelrotation=30)
    return ax
