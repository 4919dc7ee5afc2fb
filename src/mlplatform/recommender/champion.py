"""Recommend with whatever model the registry serves as champion, for known and brand-new users.

The champion is loaded as an MLflow pyfunc (`registry.load_by_alias`), so this works for any
registered rating model: the tuned SVD of chapter 12 or the torch model with side features. A
model predicts a rating for every movie the user has not rated; the top `k` are the list. A new user
has rated nothing; their age, gender and occupation (when given) reach models whose signature
accepts them (the torch model), and are ignored by the others.

Inputs are checked before the model sees them, because a pyfunc answers for nearly anything: a
NaN user id used to become int64-min, 1.7 became user 1, the string "1" passed, an id outside the
catalogue got the global mean (3.2-3.4) and k=10000 returned every candidate. Now:

| input | rule |
|---|---|
| `user_id` | a whole number (int or numpy integer; not bool, float or str); any value, -1 for a new user |
| `catalogue` | whole numbers >= 1, at least one; duplicates are dropped |
| `known_items` | when given, every catalogue id must be in it (`UnknownItemError` otherwise) |
| `rated` | whole numbers; ids outside the catalogue are ignored (nothing to exclude) |
| `k` | a whole number from 1 to `MAX_K`; fewer than `k` candidates gives a shorter list |

A violation raises `InvalidRequestError` (a `ValueError`) whose message names the argument.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

MAX_K = 100  # a page of recommendations; a longer list is a batch job, not a request


class InvalidRequestError(ValueError):
    """An argument of `recommend_for_user` cannot be used; the message names it and says why."""


class UnknownItemError(InvalidRequestError):
    """A catalogue id is not a movie the service knows."""


def recommend_for_user(
    model: Any,
    user_id: int,
    catalogue: Iterable[int],
    rated: Iterable[int] = (),
    k: int = 10,
    attributes: Mapping[str, object] | None = None,
    known_items: Iterable[int] | None = None,
) -> pd.DataFrame:
    """The `k` unrated movies with the highest predicted rating for one user.

    Args:
        model: anything with `.predict(frame)` (a loaded pyfunc or a fitted course model).
        user_id: the user; an id the model never saw is a cold-start user.
        catalogue: candidate movie ids.
        rated: movies the user already rated (never recommended).
        k: list length.
        attributes: optional `age`, `gender`, `occupation` of the user.
        known_items: the ids that exist (e.g. every MovieLens movie); None skips that check.

    Returns:
        `rank`, `item_id`, `predicted_rating`, best first (ties: smaller id first).

    Raises:
        InvalidRequestError: an argument breaks a rule of the module table.
    """
    user_id = whole_number(user_id, "user_id")
    k = check_k(k)
    items = item_ids(catalogue, "catalogue", known_items)
    candidates = np.setdiff1d(items, item_ids(rated, "rated", minimum=None))
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
    """Cast id and age columns to the types a pyfunc's signature declares (int32 vs int64 matters).

    Attribute columns the signature does not declare are dropped: MLflow would ignore them anyway,
    with a warning on every call (a service would log one per request).
    """
    metadata = getattr(model, "metadata", None)
    schema = metadata.get_input_schema() if metadata is not None else None
    if schema is None:
        return pairs
    declared = set(schema.input_names())
    out = pairs.drop(columns=[c for c in pairs if c not in declared | {"user_id", "item_id"}])
    for spec in schema.inputs:
        if spec.name in out and spec.type.name in ("integer", "long", "double", "float"):
            out[spec.name] = out[spec.name].astype(spec.type.to_numpy())
    return out


def whole_number(value: object, name: str) -> int:
    """`value` as an int if it is an integer type (bool, float and str are refused, not cast)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidRequestError(
            f"{name} must be a whole number (int), got {value!r} of type {type(value).__name__}."
        )
    return int(value)


def check_k(k: object) -> int:
    """`k` as an int from 1 to `MAX_K`."""
    k = whole_number(k, "k")
    if not 1 <= k <= MAX_K:
        raise InvalidRequestError(f"k must be from 1 to {MAX_K}, got {k}.")
    return k


def item_ids(
    values: Iterable[object],
    name: str,
    known: Iterable[int] | None = None,
    minimum: int | None = 1,
) -> np.ndarray:
    """Unique int64 ids from `values`, refusing non-integers, ids below `minimum` and unknown ids."""
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.integer):
        # An integer array (what a service holds) needs no check per element: that check cost a
        # service about 5 ms a request for the 1,682-movie catalogue and the user's history.
        ids = np.unique(values.astype(np.int64))
    else:
        array = np.asarray(list(values), dtype=object)
        bad = [
            v for v in array.tolist() if isinstance(v, bool) or not isinstance(v, numbers.Integral)
        ]
        if bad:
            raise InvalidRequestError(f"{name} holds ids that are not whole numbers: {bad[:5]!r}.")
        ids = np.unique(array.astype(np.int64)) if len(array) else np.array([], dtype=np.int64)
    if minimum is not None and (len(ids) == 0 or ids.min() < minimum):
        raise InvalidRequestError(f"{name} must hold at least one id, all >= {minimum}.")
    if known is not None:
        unknown = np.setdiff1d(ids, np.asarray(list(known), dtype=np.int64))
        if len(unknown):
            raise UnknownItemError(f"{name} holds ids that are not known movies: "
                                   f"{unknown[:5].tolist()} (of {len(unknown)}).")  # fmt: skip
    return ids
