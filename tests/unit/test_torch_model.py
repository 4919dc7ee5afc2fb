"""Tests of mlplatform.recommender.torch_model on small synthetic ratings with side features."""

import pickle

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.torch_model import TorchConfig, TorchRecommender
from mlplatform.recommender.training_features import AGGREGATE_COLUMNS, with_training_aggregates

FAST = TorchConfig(n_factors=4, epochs=4, batch_size=64, lr=0.01, seed=3)


def training_set(n_users: int = 30, n_items: int = 20, seed: int = 0) -> pd.DataFrame:
    """Women rate Drama 5 and everything else 2; men the other way round."""
    rng = np.random.default_rng(seed)
    rows = [
        (u, i) for u in range(1, n_users + 1) for i in range(1, n_items + 1) if rng.random() < 0.5
    ]
    frame = pd.DataFrame(rows, columns=["user_id", "item_id"])
    female, drama = frame["user_id"] % 2 == 0, frame["item_id"] % 2 == 0
    frame["rating"] = np.where(female == drama, 5.0, 2.0)
    frame["event_timestamp"] = pd.Timestamp("1998-01-01", tz="UTC") + pd.to_timedelta(
        np.arange(len(frame)), unit="s"
    )
    frame["gender"] = np.where(female, "F", "M")
    frame["age"], frame["occupation"] = 30, "student"
    frame["genres"] = np.where(drama, "Drama", "Action")
    frame["release_year"] = 1995
    for side in ("user", "item"):
        frame[f"{side}_rating_count"], frame[f"{side}_mean_rating"] = 5, 3.5
    return frame


def test_predictions_are_one_clipped_rating_per_row_also_for_unknown_ids() -> None:
    model = TorchRecommender(FAST).fit(training_set())
    pairs = pd.DataFrame({"user_id": [1, 999, 2], "item_id": [1, 2, 999]})
    predicted = model.predict(pairs)
    assert predicted.shape == (3,) and np.all((predicted >= 1) & (predicted <= 5))


def test_side_features_let_a_new_user_be_predicted_from_gender() -> None:
    model = TorchRecommender(TorchConfig(n_factors=4, epochs=15, lr=0.02, seed=0)).fit(
        training_set()
    )
    new = pd.DataFrame({"user_id": [999, 999], "item_id": [2, 1], "gender": ["F", "F"]})
    drama, action = model.predict(new)
    assert drama - action > 1.0


def test_the_grid_agrees_with_predict_for_known_pairs() -> None:
    model = TorchRecommender(FAST).fit(training_set())
    users, items = np.array([1, 2, 3]), np.array([4, 5])
    pairs = pd.DataFrame({"user_id": np.repeat(users, 2), "item_id": np.tile(items, 3)})
    grid = np.clip(model.score(users, items), 1, 5).ravel()
    np.testing.assert_allclose(grid, model.predict(pairs), atol=1e-5)


def test_the_same_seed_gives_the_same_model() -> None:
    pairs = pd.DataFrame({"user_id": [1, 2], "item_id": [3, 4]})
    first = TorchRecommender(FAST).fit(training_set()).predict(pairs)
    second = TorchRecommender(FAST).fit(training_set()).predict(pairs)
    other = TorchRecommender(TorchConfig(**{**FAST.__dict__, "seed": 4})).fit(training_set())
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other.predict(pairs))


def test_early_stopping_keeps_the_best_inner_validation_epoch() -> None:
    config = TorchConfig(n_factors=4, epochs=30, lr=0.05, patience=2, valid_fraction=0.2)
    model = TorchRecommender(config).fit(training_set())
    inner = [h["inner_valid_rmse"] for h in model.history]
    assert model.best_epoch_ == int(np.argmin(inner))
    assert len(inner) <= model.best_epoch_ + 1 + config.patience


def test_plain_ratings_get_their_features_from_the_features_frame() -> None:
    full = training_set()
    model = TorchRecommender(FAST, features=full).fit(full[["user_id", "item_id", "rating"]])
    assert model.user_table_.set_index("user_id").loc[2, "gender"] == "F"


def test_fresh_features_use_each_rows_own_point_in_time_values() -> None:
    full = training_set()
    model = TorchRecommender(FAST, features=full).fit(full)
    changed = full.assign(item_mean_rating=5.0, item_rating_count=500)
    pairs = full[["user_id", "item_id"]].head(5)
    frozen = model.predict(pairs)
    model.features, model.fresh_features = changed, True
    assert not np.allclose(frozen, model.predict(pairs))


def test_pickling_drops_the_callback_and_the_features_frame() -> None:
    model = TorchRecommender(FAST, features=training_set(), on_epoch=lambda e, r: None)
    model.fit(training_set())
    restored = pickle.loads(pickle.dumps(model))
    pairs = pd.DataFrame({"user_id": [1], "item_id": [2]})
    assert restored.on_epoch is None and restored.features is None
    np.testing.assert_allclose(restored.predict(pairs), model.predict(pairs))


def test_an_unfitted_model_says_how_to_fit_it() -> None:
    with pytest.raises(RuntimeError, match=r"call \.fit"):
        TorchRecommender(FAST).predict(pd.DataFrame({"user_id": [1], "item_id": [1]}))


def test_the_callback_sees_every_epoch() -> None:
    seen: list[int] = []
    TorchRecommender(FAST, on_epoch=lambda epoch, record: seen.append(epoch)).fit(training_set())
    assert seen == list(range(len(seen))) and len(seen) >= 1


def store_and_split(held_rating: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Feast-like features computed over ALL ratings, a random 80/20 split, one held-out value set."""
    ratings = training_set().drop(columns=AGGREGATE_COLUMNS)
    held = np.random.default_rng(1).random(len(ratings)) < 0.2
    ratings.loc[np.flatnonzero(held)[3], "rating"] = held_rating
    store = with_training_aggregates(ratings)  # what the store holds: statistics of every rating
    return store, ratings[~held][["user_id", "item_id", "rating"]], ratings[held]


def test_a_held_out_rating_cannot_leak_into_training_through_the_statistics() -> None:
    (store_a, train, test), (store_b, _, _) = store_and_split(1.0), store_and_split(5.0)
    model_a = TorchRecommender(FAST, features=store_a).fit(train)
    model_b = TorchRecommender(FAST, features=store_b).fit(train)
    pd.testing.assert_frame_equal(model_a.training_frame(train), model_b.training_frame(train))
    pairs = test[["user_id", "item_id"]]
    np.testing.assert_array_equal(model_a.predict(pairs), model_b.predict(pairs))


def test_frozen_statistics_are_those_of_all_training_ratings() -> None:
    store, train, _ = store_and_split(1.0)
    model = TorchRecommender(FAST, features=store).fit(train)
    user = model.user_table_.set_index("user_id").loc[2]
    mine = train[train["user_id"] == 2]["rating"]
    assert user["user_rating_count"] == len(mine)
    assert user["user_mean_rating"] == pytest.approx(mine.mean())
    assert user["gender"] == "F"
