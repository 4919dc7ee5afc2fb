"""Model tests of the torch recommender with Feast side features, on 300 real MovieLens users.

The training set comes from the Feast offline store (point in time, no server needed), so these
tests also check that the features reach the model the way the chapter and the pipeline use them.
"""

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender import model_checks, movielens
from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.champion import recommend_for_user
from mlplatform.recommender.metrics import rmse
from mlplatform.recommender.ranking import recommend
from mlplatform.recommender.splits import split_last_per_user
from mlplatform.recommender.torch_model import TorchConfig, TorchRecommender
from mlplatform.recommender.torch_training import feast_training_set
from mlplatform.recommender.training_features import AGGREGATE_COLUMNS

FAN = 100_000  # a user id MovieLens does not have
GENRE = "Horror"
CONFIG = TorchConfig(epochs=20, patience=5, seed=0)  # 300 users: a noisy inner split, more patience


@pytest.fixture(scope="module")
def data(settings) -> dict:
    ratings = movielens.sample_users(movielens.load_ratings(settings), 300, seed=7)
    users, items = movielens.load_users(settings), movielens.load_items(settings)
    features = feast_training_set(ratings, users, items, settings)
    return {"ratings": ratings, "features": features, "items": items}


@pytest.fixture(scope="module")
def with_fan(data) -> tuple[pd.DataFrame, TorchRecommender]:
    """The training set plus a user who rated 40 horror films 5 and 40 other films 1."""
    items, features = data["items"], data["features"]
    rated = set(features["item_id"])
    horror = items[items["genres"].str.contains(GENRE) & items["item_id"].isin(rated)]
    other = items[~items["genres"].str.contains(GENRE) & items["item_id"].isin(rated)]
    chosen = pd.concat([horror.head(40).assign(rating=5.0), other.head(40).assign(rating=1.0)])
    start = features["event_timestamp"].max()
    fan = chosen[["item_id", "rating"]].reset_index(drop=True).assign(user_id=FAN)
    fan["event_timestamp"] = start + pd.to_timedelta(np.arange(len(fan)) + 1, unit="min")
    fan["timestamp"] = fan["event_timestamp"]
    fan[["age", "gender", "occupation"]] = [30, "M", "other"]
    fan["user_rating_count"] = np.arange(len(fan))
    fan["user_mean_rating"] = fan["rating"].expanding().mean().shift(1)
    fan = fan.merge(features.groupby("item_id")[["genres", "release_year"]].last(), on="item_id")
    train = pd.concat([features, fan], ignore_index=True)
    return train, TorchRecommender(CONFIG).fit(train)


def genre_gaps(model: TorchRecommender, train: pd.DataFrame, items: pd.DataFrame) -> pd.Series:
    """Per user: mean predicted rating of unrated horror films minus that of other unrated films."""
    users = np.sort(train["user_id"].unique())
    catalogue = np.sort(train["item_id"].unique())
    scores = model.score(users, catalogue)
    rated = train.pivot_table(index="user_id", columns="item_id", values="rating").notna()
    rated = rated.reindex(index=users, columns=catalogue, fill_value=False).to_numpy()
    genre = items.set_index("item_id").loc[catalogue, "genres"].str.contains(GENRE).to_numpy()
    masked = np.where(rated, np.nan, scores)
    gap = np.nanmean(masked[:, genre], axis=1) - np.nanmean(masked[:, ~genre], axis=1)
    return pd.Series(gap, index=users)


def test_a_fan_of_a_genre_is_predicted_to_like_it_more_than_other_users_do(with_fan, data) -> None:
    # A rating model ranks by movie quality first, so the fan's top 10 need not be horror; what
    # must hold is the direction: the fan's horror-minus-rest gap is above nearly every user's.
    train, model = with_fan
    gaps = genre_gaps(model, train, data["items"])
    others = gaps.drop(FAN)
    assert gaps[FAN] > others.quantile(0.95)
    assert gaps[FAN] - others.median() > 0.3


def test_lists_never_contain_a_rated_movie(with_fan) -> None:
    train, model = with_fan
    table = recommend(model, train, train["user_id"].unique(), k=10).to_frame()
    clash = table.merge(train[["user_id", "item_id"]], on=["user_id", "item_id"])
    assert clash.empty


def test_a_new_user_gets_a_full_list_shaped_by_their_attributes(with_fan, data) -> None:
    _, model = with_fan
    catalogue = data["features"]["item_id"].unique()
    young = recommend_for_user(model, -1, catalogue, attributes={"age": 19, "gender": "F"})
    old = recommend_for_user(model, -1, catalogue, attributes={"age": 60, "gender": "M"})
    assert len(young) == len(old) == 10
    assert np.isfinite(young["predicted_rating"]).all()
    assert young["item_id"].tolist() != old["item_id"].tolist()


def test_minimum_functionality_and_invariance(with_fan, data) -> None:
    _, model = with_fan
    pairs = data["ratings"][["user_id", "item_id"]].head(300)
    assert model_checks.check_minimum_functionality(model, pairs) == []
    assert model_checks.check_invariance(model, pairs, seed=1) == []


def test_the_same_seed_gives_the_same_predictions(data) -> None:
    pairs = data["ratings"][["user_id", "item_id"]].head(50)
    config = TorchConfig(epochs=2, seed=5)
    first = TorchRecommender(config).fit(data["features"]).predict(pairs)
    second = TorchRecommender(config).fit(data["features"]).predict(pairs)
    np.testing.assert_array_equal(first, second)


def test_side_features_beat_the_bias_baseline_on_each_users_future(data) -> None:
    train, test = split_last_per_user(data["ratings"])
    model = TorchRecommender(CONFIG, features=data["features"]).fit(train)
    torch_rmse = rmse(test["rating"], model.predict(test[["user_id", "item_id"]]))
    bias_rmse = rmse(test["rating"], BiasBaseline().fit(train).predict(test))
    assert torch_rmse < bias_rmse - 0.01


def test_on_a_temporal_prefix_the_model_trains_on_feasts_own_statistics(settings) -> None:
    prefix = movielens.load_ratings(settings).head(3000)  # the first 3000 ratings in time
    users, items = movielens.load_users(settings), movielens.load_items(settings)
    feast = feast_training_set(prefix, users, items, settings)
    trained_on = TorchRecommender(CONFIG).training_frame(feast)
    for column in AGGREGATE_COLUMNS:
        np.testing.assert_allclose(
            trained_on[column].to_numpy(dtype=float),
            feast[column].to_numpy(dtype=float),
            rtol=1e-6,
            equal_nan=True,
            err_msg=column,
        )
    assert trained_on["user_rating_count"].notna().mean() > 0.5  # not trivially all missing
