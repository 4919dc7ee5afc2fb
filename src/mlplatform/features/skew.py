"""Training/serving skew: where the features a model trained on and the ones it is served differ."""

from __future__ import annotations

import numpy as np
import pandas as pd


def find_skew(
    offline: pd.DataFrame,
    online: pd.DataFrame,
    keys: list[str],
    columns: list[str],
    tolerance: float = 1e-5,
) -> pd.DataFrame:
    """Where two frames disagree on a feature for the same keys (training/serving skew).

    Args:
        offline: features as the model was trained on them, one row per key.
        online: features as they are served, one row per key.
        keys: columns that identify a row in both frames, e.g. `["user_id"]`.
        columns: feature columns to compare; numbers within `tolerance` count as equal, and two
            missing values are equal.
        tolerance: absolute tolerance for numeric columns.

    Returns:
        One row per disagreement: the keys, `feature`, `offline` and `online` values (empty: no skew).
    """
    merged = offline[[*keys, *columns]].merge(
        online[[*keys, *columns]], on=keys, suffixes=("_offline", "_online"), validate="one_to_one"
    )
    found = []
    for column in columns:
        left, right = merged[f"{column}_offline"], merged[f"{column}_online"]
        if pd.api.types.is_numeric_dtype(left) and pd.api.types.is_numeric_dtype(right):
            same = np.isclose(
                left.astype(float), right.astype(float), atol=tolerance, rtol=0, equal_nan=True
            )
        else:
            same = (left.astype(str) == right.astype(str)).to_numpy()
        rows = merged.loc[~same, keys].assign(
            feature=column, offline=left[~same], online=right[~same]
        )
        found.append(rows)
    return pd.concat(found, ignore_index=True)
