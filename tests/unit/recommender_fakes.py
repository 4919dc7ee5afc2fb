"""A small synthetic MovieLens and fake platform pieces for the recommender service's tests.

Users 1-30 rated movies (the model knows them); users 31-40 are in the feature store but rated
nothing (cold start); any other id is in neither. The model is a real fitted `BiasBaseline`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.config import ServingSettings, load_settings
from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.service import create_recommender_app
from mlplatform.recommender.service_data import FEATURE_COLUMNS, ServiceData
from mlplatform.serving import DependencyUnavailableError, ModelHolder, ServedModel

RATED_USERS, FEATURE_USERS, N_ITEMS = range(1, 31), range(1, 41), 50


def frames(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 600
    users = rng.choice(list(RATED_USERS), n)
    items = rng.integers(1, N_ITEMS + 1, n)
    stars = np.clip(np.round(3 + (items % 5 - 2) * 0.6 + rng.normal(0, 0.6, n)), 1, 5)
    start = pd.Timestamp("1998-01-01", tz="UTC")
    ratings = pd.DataFrame(
        {
            "user_id": users.astype(np.int32),
            "item_id": items.astype(np.int32),
            "rating": stars.astype(np.float32),
            "timestamp": start + pd.to_timedelta(rng.integers(0, 90 * 86_400, n), unit="s"),
        }
    ).drop_duplicates(["user_id", "item_id"])
    people = pd.DataFrame(
        {
            "user_id": np.array(FEATURE_USERS, dtype=np.int32),
            "age": rng.integers(15, 70, len(FEATURE_USERS)).astype(np.int16),
            "gender": rng.choice(["M", "F"], len(FEATURE_USERS)),
            "occupation": "student",
        }
    )
    movies = pd.DataFrame(
        {"item_id": np.arange(1, N_ITEMS + 1), "title": [f"Movie {i}" for i in range(1, 51)]}
    )
    return ratings, people, movies


class FakeSource:
    """A registry with BiasBaselines fitted on different seeds; `version` is where the alias is."""

    def __init__(self) -> None:
        self.version = "1"
        self.ratings = frames()[0]

    def resolve(self, name: str, alias: str) -> str:
        return self.version

    def load(self, name: str, alias: str, version: str) -> ServedModel:
        return ServedModel(BiasBaseline().fit(self.ratings), name, version, alias)


def feature_lookup(user_ids: list[int]) -> pd.DataFrame:
    """Like the feature server: one row per id, nulls for ids it does not know."""
    people = frames()[1].assign(user_rating_count=20, user_mean_rating=3.5)
    found = people.set_index("user_id").reindex(user_ids).reset_index()
    return found[["user_id", *FEATURE_COLUMNS]]


def down_lookup(user_ids: list[int]) -> pd.DataFrame:
    raise DependencyUnavailableError("User features are unavailable: the server is down.")


def make_app(lookup=feature_lookup, checks=None, max_body_bytes: int = 64 * 1024):
    ratings, people, movies = frames()
    holder = ModelHolder("movie-recommender-test", source=FakeSource())
    holder.refresh()  # loaded before the app starts, for clients that skip the lifespan
    return create_recommender_app(
        data=ServiceData.from_frames(ratings, people, movies),
        holder=holder,
        lookup=lookup,
        settings=load_settings(),
        serving=ServingSettings(max_body_bytes=max_body_bytes, model_poll_seconds=0),
        checks={} if checks is None else checks,
    )
