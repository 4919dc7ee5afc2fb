"""Recommend with whatever model the registry serves as champion, for known and brand-new users.

The champion is loaded as an MLflow pyfunc (`registry.load_by_alias`), so this works for any
registered rating model: the tuned SVD of chapter 12 or the torch model with side features. A
model predicts a rating for every movie the user has not rated; the top `k` are the list. A new user
has rated nothing; their age, gender and occupation (when given) reach models whose signature
accepts them (the torch model), and are ignored by the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd


def recommend_for_user(
    model: Any,
    user_id: int,
    catalogue: Iterable[int],
    rated: Iterable[int] = (),
    k: int = 10,
    attributes: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """The `k` unrated movies with the highest predicted rating for one user.

    Args:
        model: anything with `.predict(frame)` (a loaded pyfunc or a fitted course model).
        user_id: the user; an id the model never saw is a cold-start user.
        catalogue: candidate movie ids.
        rated: movies the user already rated (never recommended).
        k: list length.
        attributes: optional `age`, `gender`, `occupation` of the user.

    Returns:
        `rank`, `item_id`, `predicted_rating`, best first (ties: smaller id first).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    candidates = np.setdiff1d(np.asarray(list(catalogue), dtype=np.int64), list(rated))
    pairs = pd.DataFrame({"user_id": np.full(len(candidates), user_id, np.int64),
                          "item_id": candidates})  # fmt: skip
    for key, value in (attributes or {}).items():
        pairs[key] = np.int64(value) if key == "age" else str(value)  # the pyfunc's column types
    predicted = np.asarray(model.predict(_as_signature(pairs, model)), dtype=float).ravel()
    order = np.lexsort((candidates, -predicted))[:k]
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "item_id": candidates[order],
            "predicted_rating": predicted[order],
        }
    )


def _as_signature(pairs: pd.DataFrame, model: Any) -> pd.DataFrame:
    """Cast id and age columns to the types a pyfunc's signature declares (int32 vs int64 matters)."""
    metadata = getattr(model, "metadata", None)
    schema = metadata.get_input_schema() if metadata is not None else None
    if schema is None:
        return pairs
    out = pairs.copy()
    for spec in schema.inputs:
        if spec.name in out and spec.type.name in ("integer", "long", "double", "float"):
            out[spec.name] = out[spec.name].astype(spec.type.to_numpy())
    return out
