"""`ocr.first_champion`: no champion -> the training pipeline runs once; a champion is kept."""

from __future__ import annotations

import mlflow
import pytest

from mlplatform.ocr.first_champion import ensure_champion
from mlplatform.registry import CHAMPION, aliases, set_alias
from mlplatform.tracking import temporary_tracking_uri

NAME = "ocr-id-reader-first-champion-test"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    """One registry for the module (its migrations take seconds); each test uses its own name."""
    database = tmp_path_factory.mktemp("registry") / "mlflow.db"
    with temporary_tracking_uri(f"sqlite:///{database}"):
        yield mlflow.MlflowClient()


class FakePipeline:
    """Registers a version of the model it is asked for, and makes it champion if `promote`."""

    def __init__(self, client: mlflow.MlflowClient, promote: bool = True) -> None:
        self.client, self.promote, self.calls = client, promote, []

    def __call__(self, arguments: dict) -> float:
        self.calls.append(dict(arguments))
        name = arguments["model_name"]
        if not self.client.search_registered_models(f"name='{name}'"):
            self.client.create_registered_model(name)
        version = self.client.create_model_version(name, source="file:///nowhere")
        if self.promote:
            set_alias(name, CHAMPION, version.version)
        return 12.3


def test_without_a_champion_the_pipeline_runs_once_then_the_champion_is_kept(registry) -> None:
    pipeline = FakePipeline(registry)
    first = ensure_champion(NAME, fast=True, seed=7, train=pipeline)
    assert (first.version, first.trained_now) == (1, True)
    assert pipeline.calls == [{"fast": True, "seed": 7, "model_name": NAME}]
    assert first.describe(NAME) == (
        f"{NAME}@champion is v1 (trained by the OCR pipeline just now, in 12 s)"
    )
    again = ensure_champion(NAME, fast=True, train=pipeline)
    assert (again.version, again.trained_now) == (1, False)
    assert len(pipeline.calls) == 1
    assert again.describe(NAME) == f"{NAME}@champion is v1 (already registered)"


def test_a_model_without_the_alias_is_trained_and_an_existing_champion_is_not_moved(
    registry,
) -> None:
    name = NAME + "-no-alias"
    registry.create_registered_model(name)
    registry.create_model_version(name, source="file:///nowhere")  # v1, no alias
    pipeline = FakePipeline(registry)
    assert ensure_champion(name, fast=False, train=pipeline).version == 2
    set_alias(name, CHAMPION, 1)
    assert ensure_champion(name, fast=False, train=pipeline).version == 1
    assert aliases(name) == {CHAMPION: 1} and len(pipeline.calls) == 1


def test_a_pipeline_that_leaves_no_champion_is_an_error_that_says_what_to_do(registry) -> None:
    with pytest.raises(LookupError, match="has no 'champion' alias: read the register step"):
        ensure_champion(NAME + "-never", fast=True, train=FakePipeline(registry, promote=False))
