"""A bias model: global mean + user bias + item bias, shrunk towards zero; saved as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ratings_model.data import RATING_SCALE


@dataclass
class BiasModel:
    """Predict mean + user bias + item bias; unknown users and items get a bias of zero."""

    reg: float = 10.0
    mean: float = float("nan")
    user_bias: dict[int, float] = field(default_factory=dict)
    item_bias: dict[int, float] = field(default_factory=dict)

    def fit(self, train: pd.DataFrame) -> BiasModel:
        """Learn the item biases, then the user biases on what the items leave unexplained."""
        self.mean = float(train["rating"].mean())
        residual = train["rating"] - self.mean
        by_item = residual.groupby(train["item_id"])
        item = by_item.sum() / (by_item.count() + self.reg)
        by_user = (residual - train["item_id"].map(item)).groupby(train["user_id"])
        user = by_user.sum() / (by_user.count() + self.reg)
        self.item_bias = {int(k): float(v) for k, v in item.items()}
        self.user_bias = {int(k): float(v) for k, v in user.items()}
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """One rating per (user_id, item_id) row, clipped to the rating scale."""
        user = pairs["user_id"].map(self.user_bias).fillna(0.0).to_numpy(dtype=float)
        item = pairs["item_id"].map(self.item_bias).fillna(0.0).to_numpy(dtype=float)
        return np.clip(self.mean + user + item, *RATING_SCALE)

    def save(self, path: Path) -> None:
        """Write the fitted model as JSON."""
        state = {"reg": self.reg, "mean": self.mean, "user_bias": self.user_bias,
                 "item_bias": self.item_bias}  # fmt: skip
        path.write_text(json.dumps(state))

    @classmethod
    def load(cls, path: Path) -> BiasModel:
        """Read a model written by `save`."""
        state = json.loads(path.read_text())
        return cls(
            reg=state["reg"],
            mean=state["mean"],
            user_bias={int(k): v for k, v in state["user_bias"].items()},
            item_bias={int(k): v for k, v in state["item_bias"].items()},
        )


def rmse(actual: pd.Series | np.ndarray, predicted: np.ndarray) -> float:
    """Root mean squared error."""
    errors = np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float)
    return float(np.sqrt(np.mean(errors**2)))


def evaluate(model: BiasModel, test: pd.DataFrame) -> dict[str, float]:
    """The metrics the gate compares: RMSE and MAE on `test`."""
    predicted = model.predict(test)
    mae = float(np.mean(np.abs(test["rating"].to_numpy(dtype=float) - predicted)))
    return {"rmse": rmse(test["rating"], predicted), "mae": mae}
