"""Step bodies that both recommender pipelines share (`pipeline` and `champion_pipeline`).

A KFP component's body travels alone into its process or pod, so a body can only share code that
lives in an installed module: this one.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import pandas as pd

from mlplatform.recommender.metrics import mae, rmse


def score_saved_model(model_path: str, test_path: str, metrics: Any) -> float:
    """Score a pickled rating model on Parquet test ratings; log RMSE, MAE and rows; return RMSE.

    Only `user_id` and `item_id` are passed to the model, so a model with side features predicts
    from the features it knew at the end of training, as it would when served.

    Args:
        model_path: the pickled model (our own artefact from the training step).
        test_path: Parquet with `user_id`, `item_id` and `rating`.
        metrics: the step's `Output[Metrics]`; its metadata is also written to its file, because
            `kfp.local` caches only real files.
    """
    with open(model_path, "rb") as handle:
        fitted = pickle.load(handle)  # our own artefact from the previous step
    frame = pd.read_parquet(test_path)
    predicted = fitted.predict(frame[["user_id", "item_id"]])
    score = rmse(frame["rating"], predicted)
    metrics.log_metric("rmse", round(score, 4))
    metrics.log_metric("mae", round(mae(frame["rating"], predicted), 4))
    metrics.log_metric("test_rows", len(frame))
    with open(metrics.path, "w") as handle:
        json.dump(metrics.metadata, handle)
    return score
