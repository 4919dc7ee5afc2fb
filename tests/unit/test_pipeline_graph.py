from pathlib import Path

import pytest
import yaml

from mlplatform.pipeline_graph import Edge, draw_pipeline, layers, pipeline_edges
from mlplatform.pipelines import compile_pipeline
from mlplatform.recommender import pipeline as rec


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ir")
    return compile_pipeline(rec.training_pipeline, folder / "training.yaml")


def test_edges_follow_the_artefacts(package: Path) -> None:
    tasks, edges = pipeline_edges(yaml.safe_load(package.read_text()))
    assert set(tasks) == {
        "load-ratings-op", "split-ratings-op", "train-baseline-op", "evaluate-op",
        "condition-1", "approve-op",
    }  # fmt: skip
    assert Edge("load-ratings-op", "split-ratings-op", "ratings") in edges
    assert Edge("split-ratings-op", "evaluate-op", "test") in edges
    assert Edge("train-baseline-op", "evaluate-op", "model") in edges
    assert Edge("condition-1", "approve-op", inside=True) in edges


def test_columns_are_the_longest_chain(package: Path) -> None:
    columns = layers(*pipeline_edges(yaml.safe_load(package.read_text())))
    order = ["load-ratings-op", "split-ratings-op", "train-baseline-op", "evaluate-op"]
    assert [columns[t] for t in order] == [0, 1, 2, 3]
    assert columns["approve-op"] > columns["condition-1"] > columns["evaluate-op"]


def test_a_cycle_is_refused() -> None:
    with pytest.raises(ValueError, match="cycle"):
        layers(["a", "b"], [Edge("a", "b"), Edge("b", "a")])


def test_the_drawing_has_one_box_per_task_and_the_condition(package: Path) -> None:
    figure = draw_pipeline(package)
    texts = [t.get_text() for t in figure.axes[0].texts]
    for task in ("load-ratings-op", "evaluate-op", "condition-1", "approve-op"):
        assert texts.count(task) == 1
    assert "runs if evaluate-op-Output < rmse_threshold" in texts
    assert {"ratings", "train", "test", "model"} <= set(texts)
    assert figure.axes[0].get_title() == "recommender-training"
