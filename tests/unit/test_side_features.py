"""Tests of mlplatform.recommender.side_features: Feast feature columns to embedding indices."""

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.movielens import GENRES
from mlplatform.recommender.side_features import (
    SHRINK,
    Vocabulary,
    encode_items,
    encode_users,
    genre_matrix,
    latest_per_key,
)


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [3, 1, 3],
            "item_id": [10, 20, 30],
            "age": [17, 30, np.nan],
            "gender": ["F", "M", None],
            "occupation": ["student", "writer", None],
            "user_rating_count": [0, 10, np.nan],
            "user_mean_rating": [np.nan, 4.5, np.nan],
            "genres": ["Comedy|Drama", "Horror", None],
            "release_year": [1995, 1940, None],
            "item_rating_count": [5, 0, 1],
            "item_mean_rating": [3.0, np.nan, 5.0],
        }
    )


def test_vocabulary_gives_known_ids_positive_indices_and_unknown_zero() -> None:
    vocab = Vocabulary.from_frame(frame())
    users = encode_users(pd.DataFrame({"user_id": [1, 3, 99]}), vocab, 3.5)
    assert users["user"].tolist() == [1, 2, 0]
    assert vocab.sizes["users"] == 3 and vocab.sizes["occupations"] == 3


@pytest.mark.parametrize(
    ("column", "expected"),
    [("gender", [2, 1, 0]), ("occupation", [1, 2, 0]), ("age", [1, 3, 0])],
)
def test_user_categories_map_missing_values_to_zero(column: str, expected: list[int]) -> None:
    vocab = Vocabulary.from_frame(frame())
    assert encode_users(frame(), vocab, 3.5)[column].tolist() == expected


def test_user_numeric_shrinks_the_mean_and_treats_missing_as_no_ratings() -> None:
    vocab = Vocabulary.from_frame(frame())
    numeric = encode_users(frame(), vocab, 3.5)["numeric"]
    assert numeric[1, 1] == pytest.approx(1.0 * 10 / (10 + SHRINK))
    np.testing.assert_array_equal(numeric[[0, 2]], np.zeros((2, 2)))


def test_items_get_year_buckets_and_normalised_genres() -> None:
    vocab = Vocabulary.from_frame(frame())
    items = encode_items(frame(), vocab, 3.5)
    assert items["year"].tolist() == [8, 1, 0]  # [1995, 1996) is the 8th bucket
    assert items["genres"].shape == (3, len(GENRES))
    np.testing.assert_allclose(items["genres"].sum(axis=1), [1.0, 1.0, 0.0])
    assert items["genres"][0, GENRES.index("Drama")] == 0.5


def test_frames_without_feature_columns_encode_as_unknown() -> None:
    vocab = Vocabulary.from_frame(frame())
    bare = pd.DataFrame({"user_id": [1], "item_id": [20]})
    users, items = encode_users(bare, vocab, 3.5), encode_items(bare, vocab, 3.5)
    assert (users["gender"][0], users["age"][0], items["year"][0]) == (0, 0, 0)
    assert genre_matrix(pd.Series(["Nonsense"])).sum() == 0.0


def test_latest_per_key_takes_the_newest_known_value() -> None:
    rows = pd.DataFrame(
        {
            "user_id": [1, 1, 1],
            "event_timestamp": pd.to_datetime(["2020-01-03", "2020-01-01", "2020-01-02"]),
            "user_rating_count": [3, 1, np.nan],
        }
    )
    latest = latest_per_key(rows, "user_id", ["user_rating_count", "not_there"])
    assert latest.to_dict("records") == [{"user_id": 1, "user_rating_count": 3.0}]
