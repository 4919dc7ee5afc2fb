"""Tests of mlplatform.recommender.champion: top-k lists from any model's predicted ratings."""

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.champion import (
    MAX_K,
    InvalidRequestError,
    UnknownItemError,
    item_ids,
    recommend_for_user,
)


class ByItem:
    """Predicts item_id / 10 (ties for equal ids), and records the last input it saw."""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        self.seen = pairs
        return pairs["item_id"].to_numpy() / 10


def test_the_list_is_best_first_and_skips_rated_movies() -> None:
    recs = recommend_for_user(ByItem(), 1, catalogue=range(1, 21), rated=[20, 18], k=3)
    assert recs["item_id"].tolist() == [19, 17, 16]
    assert recs["rank"].tolist() == [1, 2, 3]


def test_ties_are_broken_by_the_smaller_id() -> None:
    class Flat(ByItem):
        def predict(self, pairs: pd.DataFrame) -> np.ndarray:
            return np.ones(len(pairs))

    assert recommend_for_user(Flat(), 1, catalogue=[5, 3, 9], k=2)["item_id"].tolist() == [3, 5]


def test_attributes_of_a_new_user_reach_the_model_with_the_pyfunc_types() -> None:
    model = ByItem()
    recommend_for_user(model, 0, [1, 2], attributes={"age": 30.0, "gender": "F"})
    assert model.seen["age"].dtype == np.int64 and set(model.seen["gender"]) == {"F"}


@pytest.mark.parametrize("k", [0, -3, MAX_K + 1, 10_000])
def test_k_out_of_range_is_refused(k: int) -> None:
    with pytest.raises(InvalidRequestError, match=f"k must be from 1 to {MAX_K}, got {k}"):
        recommend_for_user(ByItem(), 1, [1, 2], k=k)


@pytest.mark.parametrize("k", [2.0, "3", True, None])
def test_k_of_another_type_is_refused(k: object) -> None:
    with pytest.raises(InvalidRequestError, match="k must be a whole number"):
        recommend_for_user(ByItem(), 1, [1, 2], k=k)


def test_a_k_above_the_candidates_gives_every_candidate() -> None:
    assert len(recommend_for_user(ByItem(), 1, [1, 2, 3], rated=[3], k=MAX_K)) == 2


@pytest.mark.parametrize("user_id", [float("nan"), 1.7, 1.0, "1", True, None])
def test_a_user_id_that_is_not_an_int_is_refused_not_cast(user_id: object) -> None:
    model = ByItem()
    with pytest.raises(InvalidRequestError, match="user_id must be a whole number"):
        recommend_for_user(model, user_id, [1, 2])
    assert not hasattr(model, "seen")  # the model was never asked


def test_numpy_integer_ids_are_accepted() -> None:
    recs = recommend_for_user(
        ByItem(), np.int32(4), np.array([1, 2], dtype=np.int32), k=np.int64(1)
    )
    assert recs["item_id"].tolist() == [2]


def test_an_item_outside_the_known_movies_is_refused() -> None:
    with pytest.raises(UnknownItemError, match=r"not known movies: \[99999\]"):
        recommend_for_user(ByItem(), 1, [1, 99999], known_items=range(1, 1683))


@pytest.mark.parametrize("catalogue", [[], [0, 1], [1, 2.5], [1, float("nan")], ["7"]])
def test_a_bad_catalogue_is_refused(catalogue: list) -> None:
    with pytest.raises(InvalidRequestError, match="catalogue"):
        recommend_for_user(ByItem(), 1, catalogue)


def test_rated_ids_outside_the_catalogue_are_ignored_and_duplicates_dropped() -> None:
    recs = recommend_for_user(ByItem(), 1, [3, 3, 2, 1], rated=[2, 500], k=5)
    assert recs["item_id"].tolist() == [3, 1]


def test_ids_are_cast_to_the_types_the_signature_declares() -> None:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    class Metadata:
        def get_input_schema(self) -> Schema:
            return ModelSignature(Schema([ColSpec("integer", "user_id")])).inputs

    model = ByItem()
    model.metadata = Metadata()
    recommend_for_user(model, 1, [1, 2])
    assert model.seen["user_id"].dtype == np.int32 and model.seen["item_id"].dtype == np.int64


def test_attributes_the_signature_does_not_declare_are_dropped() -> None:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    class Metadata:
        def get_input_schema(self) -> Schema:
            columns = [
                ColSpec("long", "user_id"),
                ColSpec("long", "item_id"),
                ColSpec("long", "age"),
            ]
            return ModelSignature(Schema(columns)).inputs

    model = ByItem()
    model.metadata = Metadata()
    recommend_for_user(model, 1, [1, 2], attributes={"age": 30, "gender": "F"})
    assert list(model.seen.columns) == ["user_id", "item_id", "age"]


def test_an_integer_array_takes_the_fast_path_and_other_arrays_are_still_checked() -> None:
    assert item_ids(np.array([3, 1, 3], dtype=np.int32), "catalogue").tolist() == [1, 3]
    assert item_ids([3, 1, 3], "catalogue").tolist() == [1, 3]
    with pytest.raises(InvalidRequestError, match="not whole numbers"):
        item_ids(np.array([1.5, 2.0]), "catalogue")
    with pytest.raises(InvalidRequestError, match="not whole numbers"):
        item_ids(np.array([True, False]), "catalogue")
    with pytest.raises(InvalidRequestError, match=">= 1"):
        item_ids(np.array([0, 2]), "catalogue")
