"""Tests of mlplatform.recommender.model_card: rendering, slice names and reading an MLflow run."""

from pathlib import Path

import mlflow
import pandas as pd
import pytest

from mlplatform.recommender.evaluation import ACTIVITY_LABELS, AGE_LABELS
from mlplatform.recommender.model_card import (
    CardFacts,
    DataFacts,
    facts_from_run,
    log_card,
    metric_safe,
    render,
    render_from_mapping,
    slice_metric_keys,
    split_slice_metrics,
)
from mlplatform.tracking import dataset_version, log_dataset, temporary_tracking_uri


def tidy_slices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": ["ease", "ease", "pop"],
            "slice": ["gender", "age_group", "gender"],
            "group": ["F", "18-24", "F"],
            "users": [10, 5, 10],
            "precision": [0.2, 0.1, 0.05],
            "recall": [0.3, 0.2, 0.1],
            "ndcg": [0.25, 0.15, 0.07],
            "map": [0.1, 0.05, 0.02],
        }
    )


def test_slice_metric_keys_round_trip_through_split() -> None:
    keys = slice_metric_keys(tidy_slices(), "ease")
    assert keys["slice.gender.F.ndcg"] == pytest.approx(0.25)
    assert len(keys) == 8  # two slices x four metrics, no rows of the other model
    overall, slices = split_slice_metrics({**keys, "rmse": 0.9})
    assert overall == {"rmse": 0.9}
    assert slices[("age_group", "18-24")]["recall"] == pytest.approx(0.2)


def test_slice_metric_keys_names_the_models_it_has() -> None:
    with pytest.raises(ValueError, match="has: ease, pop"):
        slice_metric_keys(tidy_slices(), "svd")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (CardFacts(name="m"), "_No data set was recorded"),
        (CardFacts(name="m"), "_No metrics per slice were recorded._"),
        (CardFacts(name="m"), "Popularity bias"),
        (CardFacts(name="m", version="3"), "# Model card: m (version 3)"),
        (CardFacts(name="m", params={"k": "a|b"}), "| k | a\\|b |"),
        (CardFacts(name="m", metrics={"rmse": 0.91}), "| rmse | 0.9100 |"),
        (
            CardFacts(name="m", data=[DataFacts("training", "r", "abc", 7)]),
            "| training | r | `abc` | 7 |",
        ),
        (CardFacts(name="m", limitations=["Cold start"]), "- Cold start"),
        (
            CardFacts(name="m", slice_metrics={("gender", "F"): {"ndcg": 0.5}}),
            "| gender | F | 0.5000 |",
        ),
    ],
)
def test_render_states_each_fact(facts: CardFacts, expected: str) -> None:
    assert expected in render(facts)


def test_render_keeps_sections_in_order() -> None:
    text = render(CardFacts(name="m", intended_use="Suggest movies."))
    order = [
        "## Training",
        "## Parameters",
        "## Metrics\n",
        "## Metrics per slice",
        "## Intended",
        "## Limit",
        "## Ethical",
    ]
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)
    assert "Suggest movies." in text


def test_render_from_mapping_accepts_plain_dicts() -> None:
    text = render_from_mapping(
        {"name": "m", "data": [{"context": "training", "name": "r", "digest": "d"}]}
    )
    assert "| training | r | `d` |  |" in text


def test_render_from_mapping_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError, match=r"Unknown model card fields \['rmse'\]"):
        render_from_mapping({"name": "m", "rmse": 0.9})


def test_facts_from_run_reads_params_metrics_slices_and_data(tmp_path: Path) -> None:
    train = pd.DataFrame({"user_id": [1, 2, 3], "item_id": [4, 5, 6], "rating": [3.0, 4.0, 5.0]})
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        mlflow.set_experiment("cards")
        with mlflow.start_run(description="An EASE ranker.") as run:
            mlflow.log_params({"lambda": 250})
            mlflow.log_metrics({"ndcg": 0.3, **slice_metric_keys(tidy_slices(), "ease")})
            log_dataset(train, dataset_version(train, "ratings"), "training")
        facts = facts_from_run(
            run.info.run_id, "movie-recommender", "2", limitations=["No cold start."]
        )
    assert facts.params == {"lambda": "250"}
    assert facts.metrics == {"ndcg": pytest.approx(0.3)}
    assert facts.slice_metrics[("gender", "F")]["ndcg"] == pytest.approx(0.25)
    assert facts.data == [
        DataFacts("training", "ratings", dataset_version(train, "ratings").digest, 3)
    ]
    assert facts.description == "An EASE ranker."
    text = render(facts)
    assert f"Trained in MLflow run `{run.info.run_id}`" in text
    assert "- No cold start." in text


def test_facts_from_run_rejects_unknown_fields(tmp_path: Path) -> None:
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        with mlflow.start_run() as run:
            pass
        with pytest.raises(TypeError, match="unexpected keyword argument 'owner'"):
            facts_from_run(run.info.run_id, "m", owner="me")


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("<18", "under 18"),
        ("55+", "55 plus"),
        ("cold (0)", "cold 0"),
        ("light (1-49)", "light 1-49"),
        ("a.b", "a_b"),
        ("F", "F"),
    ],
)
def test_metric_safe_spells_out_what_mlflow_refuses(group: str, expected: str) -> None:
    assert metric_safe(group) == expected


def test_every_evaluation_slice_label_is_a_valid_mlflow_metric(tmp_path: Path) -> None:
    groups = [*AGE_LABELS, *ACTIVITY_LABELS, "M", "F"]
    tidy = pd.DataFrame({"model": "m", "slice": "s", "group": groups, "users": 1, "ndcg": 0.5})
    keys = slice_metric_keys(tidy, "m")
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        with mlflow.start_run() as run:
            mlflow.log_metrics(keys)
        facts = facts_from_run(run.info.run_id, "m")
    assert len(facts.slice_metrics) == len(groups)
    assert facts.slice_metrics[("s", "under 18")] == {"ndcg": 0.5}


def test_log_card_attaches_the_card_to_the_run(tmp_path: Path) -> None:
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        with mlflow.start_run() as run:
            text = log_card(CardFacts(name="m"))
        stored = mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/model_card.md")
    assert stored == text
    assert stored.startswith("# Model card: m")


def test_log_card_needs_an_active_run() -> None:
    with pytest.raises(RuntimeError, match=r"mlflow\.start_run"):
        log_card(CardFacts(name="m"))
