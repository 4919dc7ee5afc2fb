from pathlib import Path

import pytest

from mlplatform.config import ConfigError, find_project_root, load_serving_settings, load_settings


def test_defaults_are_local_and_slow(tmp_path: Path) -> None:
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path)})
    assert settings.mode == "local"
    assert settings.fast is False
    assert settings.mlflow_tracking_uri == "http://127.0.0.1:5000"
    assert settings.kfp_host is None
    assert settings.platform_dir == tmp_path / ".platform"
    assert settings.movielens_dir == tmp_path / "data" / "ml-100k"


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("0", False), ("", False), ("off", False)]
)
def test_fast_switch(tmp_path: Path, value: str, expected: bool) -> None:
    assert (
        load_settings({"MLPLATFORM_HOME": str(tmp_path), "MLPLATFORM_FAST": value}).fast is expected
    )


def test_cluster_mode_has_a_kfp_host(tmp_path: Path) -> None:
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path), "MLPLATFORM_MODE": "Cluster"})
    assert settings.mode == "cluster"
    assert settings.kfp_host == "http://localhost:8888"
    assert "KFP" in settings.describe()


def test_port_moves_the_tracking_uri(tmp_path: Path) -> None:
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path), "MLFLOW_PORT": "5123"})
    assert settings.mlflow_tracking_uri == "http://127.0.0.1:5123"


def test_explicit_tracking_uri_wins(tmp_path: Path) -> None:
    env = {"MLPLATFORM_HOME": str(tmp_path), "MLFLOW_TRACKING_URI": "http://mlflow:5000"}
    assert load_settings(env).mlflow_tracking_uri == "http://mlflow:5000"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MLPLATFORM_MODE": "kubernetes"}, "not a mode"),
        ({"MLPLATFORM_FAST": "maybe"}, "not a switch"),
        ({"MLFLOW_PORT": "five"}, "not a whole number"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({"MLPLATFORM_HOME": str(tmp_path), **env})


def test_project_root_is_found_from_a_subfolder() -> None:
    root = Path(__file__).resolve().parents[2]
    assert find_project_root(root / "tests" / "unit") == root


def test_feast_port_moves_the_feature_server(tmp_path: Path) -> None:
    default = load_settings({"MLPLATFORM_HOME": str(tmp_path)})
    moved = load_settings({"MLPLATFORM_HOME": str(tmp_path), "FEAST_PORT": "6600"})
    assert default.feast_url == "http://127.0.0.1:6566"
    assert moved.feast_url == "http://127.0.0.1:6600"
    with pytest.raises(ConfigError, match="FEAST_PORT"):
        load_settings({"MLPLATFORM_HOME": str(tmp_path), "FEAST_PORT": "x"})


def test_serving_settings_default_to_loopback_and_safe_limits() -> None:
    serving = load_serving_settings({})
    assert serving.host == "127.0.0.1"
    assert (serving.recommender_port, serving.ocr_port) == (8101, 8102)
    assert serving.max_body_bytes == 8 * 1024 * 1024 and serving.model_poll_seconds == 30
    assert 8000 * 8000 > serving.max_image_pixels >= 4000 * 3000  # refuses 64 MP, takes 12 MP


def test_serving_settings_read_the_environment() -> None:
    env = {
        "RECOMMENDER_PORT": "9001",
        "MLPLATFORM_MAX_BODY_BYTES": "2048",
        "MLPLATFORM_MODEL_POLL_SECONDS": "0",
        "MLPLATFORM_MAX_IMAGE_PIXELS": "1000000",
        "MLPLATFORM_OCR_CONCURRENT_READS": "4",
    }
    serving = load_serving_settings(env)
    assert (serving.recommender_port, serving.max_body_bytes) == (9001, 2048)
    assert (serving.max_image_pixels, serving.ocr_concurrent_reads) == (1_000_000, 4)
    assert serving.model_poll_seconds == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MLPLATFORM_MAX_BODY_BYTES", "0", "must be above 0"),
        ("MLPLATFORM_MAX_BODY_BYTES", "lots", "is not a number"),
        ("MLPLATFORM_MODEL_POLL_SECONDS", "-1", "must be 0 or more"),
        ("MLPLATFORM_MAX_IMAGE_PIXELS", "0", "must be above 0"),
        ("MLPLATFORM_OCR_CONCURRENT_READS", "0", "must be above 0"),
        ("OCR_PORT", "x", "is not a whole number"),
    ],
)
def test_bad_serving_settings_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}='{value}' {message}"):
        load_serving_settings({name: value})
