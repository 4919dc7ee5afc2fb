"""Saved recommenders load back without pickle and predict exactly what the fitted ones did."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.model_files import load_model, save_model
from mlplatform.recommender.models import ALGORITHMS, make_model


def ratings(seed: int = 0, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "user_id": rng.integers(1, 40, n),
            "item_id": rng.integers(1, 60, n),
            "rating": rng.integers(1, 6, n).astype(float),
        }
    ).drop_duplicates(["user_id", "item_id"], ignore_index=True)


def pairs() -> pd.DataFrame:
    """Known and unknown users and items (ids 90+ were never seen)."""
    return pd.DataFrame({"user_id": [1, 2, 3, 95, 5, 96], "item_id": [1, 2, 91, 4, 92, 93]})


@pytest.mark.parametrize("name", [n for n in ALGORITHMS if n != "svdpp"] + ["svdpp"])
def test_a_saved_surprise_model_predicts_like_the_fitted_one(name: str, tmp_path: Path) -> None:
    params = {"n_epochs": 3} if name in ("svd", "svdpp", "nmf") else {}
    fitted = make_model(name, **params).fit(ratings())
    loaded = load_model(save_model(fitted, tmp_path / name))
    assert loaded.algo is not fitted.algo  # rebuilt, not the same object
    np.testing.assert_array_equal(loaded.predict(pairs()), fitted.predict(pairs()))
    users, items = np.array([1, 2, 95]), np.array([1, 5, 91])
    np.testing.assert_array_equal(loaded.score(users, items), fitted.score(users, items))


def test_the_saved_state_holds_no_pickle(tmp_path: Path) -> None:
    folder = save_model(make_model("knn_baseline").fit(ratings()), tmp_path / "knn")
    with np.load(folder / "state.npz", allow_pickle=False) as stored:
        assert {"sim", "bu", "bi", "ratings_data"} <= set(stored.files)


def test_a_saved_bias_baseline_predicts_like_the_fitted_one(tmp_path: Path) -> None:
    fitted = BiasBaseline(reg_user=3.0).fit(ratings())
    loaded = load_model(save_model(fitted, tmp_path / "bias"))
    assert loaded.reg_user == 3.0
    np.testing.assert_array_equal(loaded.predict(pairs()), fitted.predict(pairs()))


def test_an_unfitted_model_is_not_saved(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        save_model(make_model("svd"), tmp_path / "svd")


def test_an_unknown_model_type_is_named(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="not object"):
        save_model(object(), tmp_path / "x")  # type: ignore[arg-type]
