"""The alias moves while clients fire requests at a running service: no request may fail.

A real MLflow registry (SQLite, in a temporary folder) holds two versions of a fitted
`BiasBaseline`; the recommender service runs in uvicorn on a free loopback port (`serving.in_process`), following
`champion` by polling every 50 ms and by `/admin/reload`; four client threads send requests while
the alias is moved back and forth.
"""

from __future__ import annotations

import httpx
import mlflow
import pytest
from alias_swap import swap_under_load
from recommender_fakes import feature_lookup, frames

from mlplatform.config import ServingSettings, load_settings
from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.registered import register_fitted
from mlplatform.recommender.service import create_recommender_app
from mlplatform.recommender.service_data import ServiceData
from mlplatform.registry import CHAMPION, set_alias
from mlplatform.serving import ModelHolder
from mlplatform.serving.in_process import running
from mlplatform.tracking import temporary_tracking_uri

NAME = "movie-recommender-swap-test"
MOVES, CLIENTS = 6, 4


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("mlflow")
    with temporary_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}"):
        mlflow.set_experiment(experiment_id=mlflow.MlflowClient().create_experiment(
            "swap", artifact_location=str(folder / "artifacts")))  # fmt: skip
        for seed in (0, 1):  # two versions that predict differently
            ratings = frames(seed)[0]
            model = BiasBaseline().fit(ratings)
            register_fitted(model, ratings, ratings, run_name=f"seed-{seed}", register_as=NAME)
        set_alias(NAME, CHAMPION, 1)
        yield


@pytest.fixture(scope="module")
def service(registry):
    ratings, people, movies = frames()
    app = create_recommender_app(
        data=ServiceData.from_frames(ratings, people, movies),
        holder=ModelHolder(NAME),
        lookup=feature_lookup,
        settings=load_settings(),
        serving=ServingSettings(model_poll_seconds=0.05),
        checks={},
    )
    with running(app) as server:
        yield server.url


BODIES = [{"user_id": 3, "k": 5}, {"user_id": 35}, {"user_id": 12, "k": 3}]  # 35: cold start


def _recommend(client: httpx.Client, sent: int) -> httpx.Response:
    return client.post("/recommendations", json=BODIES[sent % len(BODIES)])


def test_requests_during_alias_moves_never_fail(service: str) -> None:
    # Some moves are picked up by the admin route, the rest by polling.
    run = swap_under_load(service, NAME, _recommend, clients=CLIENTS, moves=MOVES, reload_every=3,
                          timeout=30, poll=0.02, pause=0.2)  # fmt: skip
    served, statuses, versions = run.served, run.statuses, run.versions
    assert served == ["2", "1"] * (MOVES // 2)
    assert set(statuses) == {200}, f"some requests failed: {dict(statuses)}"
    assert sum(statuses.values()) > 50 and set(versions) == {"1", "2"}
