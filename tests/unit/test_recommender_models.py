"""The surprise models' vectorised scores agree with surprise's own predictions, also for unknowns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.models import ALGORITHMS, SurpriseModel, make_model, to_dataset


def toy_ratings(n_users: int = 25, n_items: int = 15, n: int = 220, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "user_id": rng.integers(1, n_users + 1, n).astype(np.int32),
            "item_id": rng.integers(1, n_items + 1, n).astype(np.int32),
            "rating": rng.integers(1, 6, n).astype(np.float32),
        }
    )
    return frame.drop_duplicates(["user_id", "item_id"], ignore_index=True)


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    return toy_ratings()


FAST = {"svd": {"n_factors": 5}, "svdpp": {"n_factors": 5, "n_epochs": 5}, "nmf": {"n_factors": 4}}


CASES = [(name, FAST.get(name, {})) for name in ALGORITHMS] + [
    ("knn_baseline", {"sim_options": {}}),  # surprise's defaults: user-based, MSD
    ("knn_baseline", {"k": 3, "min_k": 2}),  # fewer neighbours than ratings, and a minimum
    ("nmf", {"n_factors": 4, "biased": True}),
    ("svd", {"n_factors": 3, "biased": False}),
]


@pytest.mark.parametrize(("name", "params"), CASES)
def test_scores_match_surprise_predict(ratings: pd.DataFrame, name: str, params: dict) -> None:
    model = make_model(name, **params).fit(ratings)
    users = np.array([1, 2, 3, 999])  # 999 is unknown
    items = np.array([1, 4, 7, 12, 888])  # 888 is unknown
    grid = model.score(users, items)
    expected = [[model.algo.predict(u, i, clip=False).est for i in items] for u in users]
    np.testing.assert_allclose(grid, np.array(expected), rtol=1e-9, atol=1e-9)


def test_predict_is_clipped_and_one_per_row(ratings: pd.DataFrame) -> None:
    model = make_model("svd", n_factors=5, lr_all=0.05, reg_all=0.0, n_epochs=100).fit(ratings)
    pairs = ratings.sample(40, random_state=0)
    predicted = model.predict(pairs)
    raw = model.score(pairs["user_id"].unique(), pairs["item_id"].unique())
    assert raw.max() > 5.0 or raw.min() < 1.0  # an over-fitted model: clipping has work to do
    assert predicted.shape == (40,)
    assert predicted.min() >= 1.0 and predicted.max() <= 5.0
    expected = [
        model.algo.predict(u, i).est for u, i in zip(pairs.user_id, pairs.item_id, strict=True)
    ]
    np.testing.assert_allclose(predicted, expected)


def test_seeded_models_repeat_exactly(ratings: pd.DataFrame) -> None:
    first = make_model("svd", n_factors=5).fit(ratings).predict(ratings)
    second = make_model("svd", n_factors=5).fit(ratings).predict(ratings)
    np.testing.assert_array_equal(first, second)


def test_defaults_are_item_based_pearson_baseline() -> None:
    model = make_model("knn_baseline")
    assert model.params["sim_options"] == {"name": "pearson_baseline", "user_based": False}
    assert make_model("svd", n_factors=7).params == {"random_state": 0, "n_factors": 7}


def test_unknown_name_and_unfitted_model_say_what_to_do(ratings: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown model 'svg'"):
        make_model("svg")
    with pytest.raises(RuntimeError, match=r"call \.fit\(train\) first"):
        SurpriseModel("svd").score(np.array([1]), np.array([1]))


def test_dataset_keeps_rows_in_order(ratings: pd.DataFrame) -> None:
    raw = to_dataset(ratings).raw_ratings
    assert len(raw) == len(ratings)
    assert raw[0][:3] == tuple(ratings.iloc[0][["user_id", "item_id", "rating"]].tolist())
