"""mlplatform.quality.gate and `mlplatform gate`: JSON files or the registry in, a verdict out."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from mlplatform.cli import app
from mlplatform.config import load_settings
from mlplatform.quality import gate
from mlplatform.recommender.baselines import BiasBaseline


def write(path: Path, metrics: dict) -> str:
    path.write_text(json.dumps(metrics))
    return str(path)


def test_read_metrics_from_json(tmp_path: Path) -> None:
    assert gate.read_metrics(write(tmp_path / "m.json", {"rmse": 1, "mae": 0.5})) == {
        "rmse": 1.0,
        "mae": 0.5,
    }
    assert gate.read_metrics(str(tmp_path / "absent.json")) is None


def test_read_metrics_rejects_nested_json(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="flat JSON object of numbers"):
        gate.read_metrics(write(tmp_path / "m.json", {"metrics": {"rmse": 1}}))


def test_registry_uri_needs_an_alias() -> None:
    with pytest.raises(ValueError, match="write it as models:/<name>@champion"):
        gate.read_metrics("models:/movie-recommender")


@pytest.mark.parametrize(
    ("candidate", "champion", "status", "verdict"),
    [
        ({"rmse": 0.95, "mae": 0.75}, {"rmse": 0.97}, 0, "PASS: no regression"),
        ({"rmse": 1.05}, {"rmse": 0.97}, 1, "FAIL: rmse regressed"),
        ({"rmse": 1.05}, None, 0, "PASS: no champion yet"),
    ],
)
def test_the_gate_command_exit_status(tmp_path: Path, candidate, champion, status, verdict) -> None:
    champion_path = tmp_path / "champion.json"
    if champion is not None:
        write(champion_path, champion)
    args = ["--candidate", write(tmp_path / "c.json", candidate), "--champion", str(champion_path)]
    result = CliRunner().invoke(app, ["gate", *args, "--tolerance", "0.01"])
    assert result.exit_code == status
    assert result.stdout.startswith(verdict)


def test_the_gate_command_explains_bad_input(tmp_path: Path) -> None:
    args = ["--candidate", write(tmp_path / "c.json", {"rmse": 1}), "--champion", "models:/m"]
    result = subprocess.run([sys.executable, "-m", "mlplatform", "gate", *args],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 1
    assert "write it as models:/<name>@champion" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_gate_command_has_an_example() -> None:
    result = CliRunner().invoke(app, ["gate", "--help"])
    assert result.exit_code == 0 and "Example: mlplatform gate" in result.stdout


def test_the_champion_is_read_from_the_registry(tmp_path: Path) -> None:
    from mlplatform.recommender.tracked import train_and_log
    from mlplatform.registry import CHAMPION, set_alias
    from mlplatform.tracking import temporary_tracking_uri

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    ratings = pd.DataFrame({"user_id": [1, 1, 2, 2, 3], "item_id": [1, 2, 1, 3, 2],
                            "rating": [5.0, 3.0, 4.0, 2.0, 1.0]})  # fmt: skip
    with temporary_tracking_uri(uri):
        run = train_and_log(BiasBaseline(), ratings, ratings, "champion", register_as="m")
        set_alias("m", CHAMPION, run.version.version)
    settings = load_settings({"MLFLOW_TRACKING_URI": uri})
    assert gate.read_metrics("models:/m@champion", settings)["rmse"] == pytest.approx(
        run.metrics["rmse"]
    )
    assert gate.read_metrics("models:/m@challenger", settings) is None  # no challenger yet


def test_missing_candidate_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run the training step first"):
        gate.gate(str(tmp_path / "none.json"), str(tmp_path / "champion.json"), 0.0)


@pytest.mark.parametrize(
    ("candidate", "champion", "tolerance", "passed", "reason"),
    [
        ({"rmse": 0.95}, {"rmse": 0.97}, 0.0, True, "rmse -0.0200"),
        ({"rmse": 0.975}, {"rmse": 0.97}, 0.01, True, "no regression beyond 0.01"),
        ({"rmse": 0.99}, {"rmse": 0.97}, 0.01, False, "rmse regressed: 0.9900 vs champion 0.9700"),
        ({"ndcg_at_10": 0.10}, {"ndcg_at_10": 0.12}, 0.0, False, "ndcg_at_10 regressed"),
        ({"ndcg_at_10": 0.13}, {"ndcg_at_10": 0.12}, 0.0, True, "ndcg_at_10 +0.0100"),
        ({"mae": 0.7}, {"mae": 0.7, "rmse": 0.9}, 0.0, False, "rmse is missing"),
        ({"rmse": float("nan")}, {"rmse": 0.9}, 0.0, False, "rmse is missing"),
        ({"rmse": 2.0}, None, 0.0, True, "no champion yet"),
        ({"rmse": 2.0}, {}, 0.0, True, "no champion yet"),
    ],
)
def test_compare_to_champion(candidate, champion, tolerance, passed, reason) -> None:
    result = gate.compare_to_champion(candidate, champion, tolerance)
    assert result.passed is passed
    assert reason in result.reason


def test_gate_reports_deltas_and_accepts_custom_directions() -> None:
    result = gate.compare_to_champion(
        {"coverage": 0.5}, {"coverage": 0.4}, directions={"coverage": "higher"}
    )
    assert result.passed
    assert result.deltas == pytest.approx({"coverage": 0.1})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tolerance": -0.1}, "tolerance must be >= 0, got -0.1"),
        ({"directions": {"rmse": "sideways"}}, "no direction for metric 'rmse'"),
    ],
)
def test_gate_refuses_bad_arguments(kwargs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gate.compare_to_champion({"rmse": 1.0}, {"rmse": 1.0}, **kwargs)


def test_unknown_metric_names_its_fix() -> None:
    with pytest.raises(ValueError, match=r"pass directions=\{'recall': 'lower'\}"):
        gate.compare_to_champion({"recall": 1.0}, {"recall": 1.0})
