"""Rating metrics (RMSE, MAE, per user) and top-k ranking metrics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def rmse(actual: Sequence[float] | np.ndarray, predicted: Sequence[float] | np.ndarray) -> float:
    """Root mean squared error."""
    a, p = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    if a.shape != p.shape or a.size == 0:
        raise ValueError(f"need two non-empty arrays of one shape, got {a.shape} and {p.shape}")
    return float(np.sqrt(np.mean((a - p) ** 2)))


def mae(actual: Sequence[float] | np.ndarray, predicted: Sequence[float] | np.ndarray) -> float:
    """Mean absolute error."""
    a, p = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    if a.shape != p.shape or a.size == 0:
        raise ValueError(f"need two non-empty arrays of one shape, got {a.shape} and {p.shape}")
    return float(np.mean(np.abs(a - p)))


def rmse_per_user(test: pd.DataFrame, predicted: np.ndarray) -> pd.Series:
    """RMSE of each user's test ratings, indexed by user_id."""
    squared = (test["rating"].to_numpy(dtype=float) - np.asarray(predicted, dtype=float)) ** 2
    index = pd.Index(test["user_id"].to_numpy(), name="user_id")
    return pd.Series(squared, index=index).groupby(level=0).mean().pow(0.5).rename("rmse")


def precision_at_k(recommended: Sequence[int], relevant: set[int], k: int = 10) -> float:
    """Share of the top `k` recommendations that are relevant."""
    return len(set(list(recommended)[:k]) & relevant) / k


def ndcg_at_k(recommended: Sequence[int], relevant: set[int], k: int = 10) -> float:
    """Normalised discounted cumulative gain with binary relevance; 0 when nothing is relevant."""
    gains = [1.0 if item in relevant else 0.0 for item in list(recommended)[:k]]
    dcg = sum(g / np.log2(rank + 2) for rank, g in enumerate(gains))
    ideal = sum(1.0 / np.log2(rank + 2) for rank in range(min(len(relevant), k)))
    return float(dcg / ideal) if ideal else 0.0
