"""Tests of mlplatform.recommender.champion: top-k lists from any model's predicted ratings."""

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.champion import recommend_for_user


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


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        recommend_for_user(ByItem(), 1, [1, 2], k=0)


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
