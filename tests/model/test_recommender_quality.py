"""Quality floors of the recommender's models on the real MovieLens 100K, with tolerances.

Measured with benchmarks/bench_recommender.py (2 cores). Runs in about 30 s: SVD and BaselineOnly on
the full 5-fold CV, the item-based KNNBaseline on one temporal split only (its 5-fold CV takes longer),
SVD++ not at all (minutes; the benchmark covers it).
"""

from __future__ import annotations

import numpy as np
import pytest

from mlplatform.recommender import movielens
from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.evaluation import cross_validate, evaluate_ranking, rating_metrics
from mlplatform.recommender.models import make_model
from mlplatform.recommender.rankers import EASE, ItemKNN
from mlplatform.recommender.ranking import NO_ITEM, recommend
from mlplatform.recommender.splits import split_by_time, split_last_per_user

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ratings(settings):
    return movielens.load_ratings(settings)


@pytest.mark.parametrize(
    ("name", "measured", "published"),
    # 5-fold RMSE measured here / surprise's published table (same folds, default parameters).
    [("svd", 0.9358, 0.934), ("baseline_only", 0.9438, 0.944)],
)
def test_cv_rmse_matches_measured_and_published(ratings, name, measured, published) -> None:
    folds = cross_validate({name: lambda: make_model(name)}, ratings, n_splits=5)
    score = folds["rmse"].mean()
    assert score == pytest.approx(measured, abs=0.01)
    assert score == pytest.approx(published, abs=0.01)
    assert score < 0.95


def test_item_knn_baseline_beats_the_bias_baseline_over_time(ratings) -> None:
    # Measured on each user's last 20%: knn_baseline 0.986, bias_baseline 1.019.
    table = rating_metrics(
        {"knn": lambda: make_model("knn_baseline"), "bias": BiasBaseline},
        split_last_per_user(ratings),
    ).set_index("model")
    assert table.loc["knn", "rmse"] == pytest.approx(0.986, abs=0.01)
    assert table.loc["knn", "rmse"] < table.loc["bias", "rmse"] - 0.02


@pytest.fixture(scope="module")
def per_user_ranking(ratings):
    factories = {"ease": EASE, "item_knn": ItemKNN, "svd": lambda: make_model("svd")}
    summary, _ = evaluate_ranking(factories, split_last_per_user(ratings))
    return summary.set_index("model")


@pytest.mark.parametrize(
    ("model", "measured"),
    # NDCG@10 / all-time popularity's on each user's last 20%: EASE 1.80, item-KNN 1.64.
    [("ease", 1.80), ("item_knn", 1.64)],
)
def test_neighbourhood_models_beat_popularity_per_user(per_user_ranking, model, measured) -> None:
    ratio = per_user_ranking.loc[model, "ndcg_vs_popularity"]
    assert ratio == pytest.approx(measured, abs=0.1)
    assert ratio >= 1.5
    assert (
        per_user_ranking.loc[model, "coverage"] > 3 * per_user_ranking.loc["popularity", "coverage"]
    )


def test_ranking_by_predicted_rating_loses_to_popularity(per_user_ranking) -> None:
    assert per_user_ranking.loc["svd", "ndcg_vs_popularity"] < 0.8  # measured 0.55


def test_global_cut_recent_popularity_is_the_bar(ratings) -> None:
    summary, _ = evaluate_ranking({"ease": EASE}, split_by_time(ratings))
    by_model = summary.set_index("model")
    assert by_model.loc["recent_popularity", "ndcg_vs_popularity"] > 1.05  # measured 1.10
    assert by_model.loc["ease", "ndcg_vs_popularity"] == pytest.approx(1.0, abs=0.1)  # 1.01


def test_no_recommended_item_was_rated_in_train(ratings) -> None:
    train, test = split_last_per_user(ratings)
    users = np.sort(test["user_id"].unique())
    recs = recommend(EASE().fit(train), train, users, k=10).to_frame()
    overlap = recs.merge(train, on=["user_id", "item_id"])
    assert overlap.empty
    assert (recs.groupby("user_id").size() == 10).all() and (recs["item_id"] != NO_ITEM).all()
