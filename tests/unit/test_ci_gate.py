import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlplatform.quality import gate as ci_gate
from mlplatform.recommender.baselines import BiasBaseline, GlobalMean


def toy_ratings(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    users = rng.integers(1, 41, n)
    items = rng.integers(1, 31, n)
    # Ratings depend on the item, so a model with item biases beats the global mean.
    rating = np.clip(np.round(1 + items / 8 + rng.normal(0, 0.5, n)), 1, 5)
    start = pd.Timestamp("1998-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "user_id": users.astype(np.int32),
            "item_id": items.astype(np.int32),
            "rating": rating.astype(np.float32),
            "timestamp": start + pd.to_timedelta(np.arange(n), unit="h"),
        }
    )


def write(path: Path, metrics: dict) -> str:
    path.write_text(json.dumps(metrics))
    return str(path)


def test_train_and_evaluate_is_deterministic_and_ranks_models() -> None:
    ratings = toy_ratings()
    bias = ci_gate.train_and_evaluate(ratings, BiasBaseline, n_users=30, seed=1)
    assert bias == ci_gate.train_and_evaluate(ratings, BiasBaseline, n_users=30, seed=1)
    assert set(bias) == {"rmse", "mae"}
    assert bias["rmse"] < ci_gate.train_and_evaluate(ratings, GlobalMean, 30, seed=1)["rmse"]


def test_read_metrics_from_json(tmp_path: Path) -> None:
    assert ci_gate.read_metrics(write(tmp_path / "m.json", {"rmse": 1, "mae": 0.5})) == {
        "rmse": 1.0,
        "mae": 0.5,
    }
    assert ci_gate.read_metrics(str(tmp_path / "absent.json")) is None


def test_read_metrics_rejects_nested_json(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="flat JSON object of numbers"):
        ci_gate.read_metrics(write(tmp_path / "m.json", {"metrics": {"rmse": 1}}))


def test_registry_uri_needs_an_alias() -> None:
    with pytest.raises(ValueError, match="write it as models:/<name>@champion"):
        ci_gate.read_metrics("models:/movie-recommender")


@pytest.mark.parametrize(
    ("candidate", "champion", "status", "verdict"),
    [
        ({"rmse": 0.95, "mae": 0.75}, {"rmse": 0.97}, 0, "PASS: no regression"),
        ({"rmse": 1.05}, {"rmse": 0.97}, 1, "FAIL: rmse regressed"),
        ({"rmse": 1.05}, None, 0, "PASS: no champion yet"),
    ],
)
def test_main_exit_status(tmp_path: Path, capsys, candidate, champion, status, verdict) -> None:
    champion_path = tmp_path / "champion.json"
    if champion is not None:
        write(champion_path, champion)
    args = ["--candidate", write(tmp_path / "c.json", candidate), "--champion", str(champion_path)]
    assert ci_gate.main([*args, "--tolerance", "0.01"]) == status
    assert capsys.readouterr().out.startswith(verdict)


def test_missing_candidate_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run the training step first"):
        ci_gate.gate(str(tmp_path / "none.json"), str(tmp_path / "champion.json"), 0.0)
