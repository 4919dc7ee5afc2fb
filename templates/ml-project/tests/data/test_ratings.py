"""Data tests: the ratings the model trains on keep their contract."""

import pandas as pd
import pytest

from ratings_model.data import COLUMNS, RATING_SCALE, load_ratings


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    return load_ratings()


def test_schema(ratings: pd.DataFrame) -> None:
    assert ratings.dtypes.astype(str).to_dict() == COLUMNS


def test_ratings_are_on_the_scale(ratings: pd.DataFrame) -> None:
    low, high = RATING_SCALE
    assert ratings["rating"].between(low, high).all()


def test_no_missing_values_and_one_rating_per_pair(ratings: pd.DataFrame) -> None:
    assert not ratings.isna().any().any()
    assert not ratings.duplicated(["user_id", "item_id"]).any()


def test_enough_data_to_train(ratings: pd.DataFrame) -> None:
    assert len(ratings) >= 1_000
    assert ratings["user_id"].nunique() >= 100
