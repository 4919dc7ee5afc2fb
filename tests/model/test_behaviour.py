"""Behavioural tests (mlplatform.recommender.model_checks) of BiasBaseline trained on the real training period."""

import pandas as pd
import pytest

from mlplatform.recommender import model_checks, movielens
from mlplatform.recommender.baselines import BiasBaseline, GlobalMean
from mlplatform.recommender.splits import split_by_time


@pytest.fixture(scope="module")
def split(settings):
    return split_by_time(movielens.load_ratings(settings))


@pytest.fixture(scope="module")
def model(split) -> BiasBaseline:
    return BiasBaseline().fit(split.train)


def test_minimum_functionality_and_invariance(model, split) -> None:
    pairs = split.test[["user_id", "item_id"]]
    assert model_checks.check_minimum_functionality(model, pairs) == []
    assert model_checks.check_invariance(model, pairs, seed=1) == []


def test_every_training_user_prefers_the_loved_item(model, split) -> None:
    loved, hated = model_checks.loved_and_hated_items(split.train)
    users = pd.Series(split.train["user_id"].unique())
    assert model_checks.check_directional(model, users, loved, hated) == []


def test_the_global_mean_fails_the_directional_test(split) -> None:
    loved, hated = model_checks.loved_and_hated_items(split.train)
    problems = model_checks.check_directional(
        GlobalMean().fit(split.train), [1, 2, 3], loved, hated
    )
    assert problems and problems[0].startswith("3 of 3 users are not predicted to prefer")
