"""Tests of mlplatform.recommender.registered: a surprise model logged, registered and loaded back."""

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from mlplatform.recommender.models import make_model
from mlplatform.recommender.registered import log_and_register
from mlplatform.registry import CHAMPION, load_by_alias, promote_if_better
from mlplatform.tracking import dataset_inputs, dataset_version, temporary_tracking_uri


def ratings(seed: int = 0, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "user_id": rng.integers(1, 30, n),
            "item_id": rng.integers(1, 40, n),
            "rating": rng.integers(1, 6, n).astype(float),
        }
    ).drop_duplicates(["user_id", "item_id"], ignore_index=True)


def test_logged_model_predicts_like_the_fitted_one(tmp_path: Path) -> None:
    frame = ratings()
    train, test = frame.iloc[:300], frame.iloc[300:]
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        mlflow.set_experiment("registered")
        run = log_and_register(
            make_model("baseline_only"), "baseline_only", {}, train, test, "m", {"ndcg": 0.2}
        )
        again = log_and_register(make_model("baseline_only"), "baseline_only", {}, train, test, "m")
        promotion = promote_if_better("m", run.version.version, "rmse")
        loaded = load_by_alias("m", CHAMPION)
        inputs = dataset_inputs(run.run_id)
        uri = f"models:/m/{run.version.version}"
        logged = Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(tmp_path / "logged")))
        predicted = loaded.predict(test[["user_id", "item_id"]])
    expected = make_model("baseline_only").fit(train).predict(test)
    np.testing.assert_allclose(np.asarray(predicted), expected)
    assert promotion.promoted
    assert again.version.version == run.version.version  # same fingerprint: not registered twice
    assert inputs["evaluation"].digest == dataset_version(test, "movielens-test").digest
    assert set(run.metrics) == {"rmse", "mae", "ndcg"}
    assert "mlflow.pyfunc.loaders.code_model" in (logged / "MLmodel").read_text()  # from code ...
    assert not list(logged.rglob("*.pkl"))  # ... and no pickled Python object
    assert (loaded.name, loaded.version, loaded.alias) == ("m", run.version.version, CHAMPION)
