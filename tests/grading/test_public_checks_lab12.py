"""Lab 12's public checks: right answers pass, typical wrong answers fail with a useful message."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from check_contract import assert_check_separates


def ndcg_at_k(recommended: list[int], relevant: set[int], k: int) -> float:
    dcg = sum(1 / np.log2(r + 2) for r, item in enumerate(recommended[:k]) if item in relevant)
    idcg = sum(1 / np.log2(r + 2) for r in range(min(k, len(relevant))))
    return float(dcg / idcg) if idcg else 0.0


def ndcg_uncapped_ideal(recommended: list[int], relevant: set[int], k: int) -> float:
    dcg = sum(1 / np.log2(r + 2) for r, item in enumerate(recommended[:k]) if item in relevant)
    idcg = sum(1 / np.log2(r + 2) for r in range(len(relevant)))
    return float(dcg / idcg) if idcg else 0.0


def ndcg_not_truncated(recommended: list[int], relevant: set[int], k: int) -> float:
    dcg = sum(1 / np.log2(r + 2) for r, item in enumerate(recommended) if item in relevant)
    idcg = sum(1 / np.log2(r + 2) for r in range(min(k, len(relevant))))
    return float(dcg / idcg) if idcg else 0.0


def dcg_only(recommended: list[int], relevant: set[int], k: int) -> float:
    return float(sum(1 / np.log2(r + 2) for r, i in enumerate(recommended[:k]) if i in relevant))


def ndcg_nan_without_relevant(recommended: list[int], relevant: set[int], k: int) -> float:
    dcg = sum(1 / np.log2(r + 2) for r, item in enumerate(recommended[:k]) if item in relevant)
    idcg = sum(1 / np.log2(r + 2) for r in range(min(k, len(relevant))))
    return float(np.divide(dcg, idcg)) if idcg else float("nan")


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (ndcg_uncapped_ideal, "ideal list is also cut at k"),
        (ndcg_not_truncated, "only the first k"),
        (dcg_only, "divide the DCG by the ideal DCG"),
        (ndcg_nan_without_relevant, "no relevant item has NDCG 0"),
    ],
)
def test_q1_ndcg(wrong: Callable, message: str) -> None:
    assert_check_separates("lab12", "q1", "ndcg_at_k", ndcg_at_k, wrong, message)


def top_k_unrated(scores: pd.Series, rated: set[int], k: int) -> list[int]:
    return scores.drop(list(rated), errors="ignore").nlargest(k).index.tolist()


def top_k_with_rated(scores: pd.Series, rated: set[int], k: int) -> list[int]:
    return scores.nlargest(k).index.tolist()


def top_k_ascending(scores: pd.Series, rated: set[int], k: int) -> list[int]:
    return scores.drop(list(rated), errors="ignore").nsmallest(k).index.tolist()


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(top_k_with_rated, "never return it"), (top_k_ascending, "descending order")],
)
def test_q2_top_k(wrong: Callable, message: str) -> None:
    assert_check_separates("lab12", "q2", "top_k_unrated", top_k_unrated, wrong, message)


def genre_share(recommended: list[int], items: pd.DataFrame, genre: str) -> float:
    ids = [i for i in recommended if i != -1]
    if not ids:
        return 0.0
    genres = items.set_index("item_id").loc[ids, "genres"].str.split("|")
    return float(np.mean([genre in g for g in genres]))


def genre_share_exact(recommended: list[int], items: pd.DataFrame, genre: str) -> float:
    ids = [i for i in recommended if i != -1]
    return float(np.mean(items.set_index("item_id").loc[ids, "genres"] == genre)) if ids else 0.0


def genre_share_with_padding(recommended: list[int], items: pd.DataFrame, genre: str) -> float:
    if not recommended:
        return 0.0
    genres = items.set_index("item_id")["genres"].str.split("|")
    return float(np.mean([i in genres.index and genre in genres[i] for i in recommended]))


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(genre_share_exact, "split the genres"), (genre_share_with_padding, "-1 pads a short list")],
)
def test_q3_genre_share(wrong: Callable, message: str) -> None:
    assert_check_separates("lab12", "q3", "genre_share", genre_share, wrong, message)
