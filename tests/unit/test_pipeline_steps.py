"""The evaluation step body shared by both recommender pipelines."""

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.pipeline_steps import score_saved_model


class ConstantModel:
    """Predicts 4 for everyone and remembers which columns it was given."""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        self.columns = list(pairs.columns)
        assert self.columns == ["user_id", "item_id"]  # no side features from the test frame
        return np.full(len(pairs), 4.0)


class FakeMetrics:
    def __init__(self, path: Path) -> None:
        self.path, self.metadata = str(path), {}

    def log_metric(self, name: str, value: float) -> None:
        self.metadata[name] = value


def test_score_saved_model_logs_and_writes_the_scores(tmp_path: Path) -> None:
    model_path, test_path = tmp_path / "model.pkl", tmp_path / "test.parquet"
    model_path.write_bytes(pickle.dumps(ConstantModel()))
    pd.DataFrame(
        {"user_id": [1, 2], "item_id": [3, 4], "rating": [5.0, 2.0], "age": [30, 40]}
    ).to_parquet(test_path)
    metrics = FakeMetrics(tmp_path / "metrics.json")
    score = score_saved_model(str(model_path), str(test_path), metrics)
    assert score == pytest.approx(np.sqrt((1 + 4) / 2))
    assert metrics.metadata == {"rmse": round(score, 4), "mae": 1.5, "test_rows": 2}
    assert json.loads(Path(metrics.path).read_text()) == metrics.metadata
