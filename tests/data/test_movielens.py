"""Data tests on MovieLens 100K as `make data` delivers it: checksums, schema, ranges, integrity."""

import pandas as pd
import pytest

from mlplatform.recommender import movielens
from mlplatform.recommender.movielens_files import verify_movielens
from mlplatform.recommender.splits import split_by_time, split_kfold, split_last_per_user
from mlplatform.recommender.validation import validate_movielens


@pytest.fixture(scope="module")
def ratings(settings) -> pd.DataFrame:
    return movielens.load_ratings(settings)


def test_checksums_match(settings) -> None:
    verify_movielens(settings)


def test_sizes_are_the_published_ones(settings, ratings) -> None:
    assert len(ratings) == movielens.N_RATINGS
    assert len(movielens.load_users(settings)) == ratings["user_id"].nunique() == movielens.N_USERS
    assert len(movielens.load_items(settings)) == ratings["item_id"].nunique() == movielens.N_ITEMS


def test_schema_and_ranges(settings, ratings) -> None:
    assert list(ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert ratings["rating"].between(*movielens.RATING_SCALE).all()
    assert set(ratings["rating"].unique()) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert ratings["timestamp"].min() >= pd.Timestamp("1997-09-01", tz="UTC")
    assert ratings["timestamp"].max() <= pd.Timestamp("1998-05-01", tz="UTC")
    users = movielens.load_users(settings)
    assert users["age"].between(5, 100).all()
    assert set(users["gender"].unique()) == {"M", "F"}
    items = movielens.load_items(settings)
    genres = set("|".join(items["genres"]).split("|"))
    assert genres == set(movielens.GENRES)


def test_no_duplicate_ratings_and_referential_integrity(settings, ratings) -> None:
    assert not ratings.duplicated(["user_id", "item_id"]).any()
    assert set(ratings["user_id"]) <= set(movielens.load_users(settings)["user_id"])
    assert set(ratings["item_id"]) <= set(movielens.load_items(settings)["item_id"])


@pytest.mark.parametrize("split", [split_by_time, split_last_per_user])
def test_temporal_splits_leak_nothing(ratings, split) -> None:
    train, test = split(ratings)
    assert len(train) + len(test) == len(ratings)
    assert not pd.merge(train, test, on=["user_id", "item_id"]).shape[0], "a rating is in both sets"
    if split is split_by_time:
        assert train["timestamp"].max() < test["timestamp"].min()
    else:
        last_train = train.groupby("user_id")["timestamp"].max()
        first_test = test.groupby("user_id")["timestamp"].min()
        assert (last_train.reindex(first_test.index) <= first_test).all()


def test_fast_mode_sample_keeps_whole_users(ratings) -> None:
    sample = movielens.sample_users(ratings, 50, seed=0)
    assert sample["user_id"].nunique() == 50
    counts = ratings.groupby("user_id").size()
    sampled = sample.groupby("user_id").size()
    assert sampled.equals(counts.loc[sampled.index])


def test_time_split_strictly_separates_past_and_future(ratings) -> None:
    """No test rating is older than any train rating, for several cut points."""
    for quantile in (0.5, 0.8, 0.9):
        train, test = split_by_time(ratings, quantile)
        assert train["timestamp"].max() < test["timestamp"].min()
        assert len(test) >= (1 - quantile) * len(ratings)


def test_kfold_is_what_the_temporal_split_is_not(ratings) -> None:
    """Random folds partition the ratings but train on the future; the temporal split never does."""
    folds = split_kfold(ratings, n_folds=5, seed=0)
    assert sum(len(fold.test) for fold in folds) == len(ratings)
    train, test = folds[0]
    assert (train["timestamp"] > test["timestamp"].min()).any()


def test_movielens_passes_the_validation_contract(settings, ratings) -> None:
    report = validate_movielens(
        ratings, movielens.load_users(settings), movielens.load_items(settings)
    )
    assert report.ok, report.render()
