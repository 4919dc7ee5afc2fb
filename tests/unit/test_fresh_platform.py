from pathlib import Path

import mlflow
import pytest

from mlplatform import services
from mlplatform.config import load_settings
from mlplatform.fresh_platform import free_port, fresh_platform, replacements, shadow_home
from mlplatform.tracking import temporary_tracking_uri


def test_shadow_home_links_everything_but_the_platform(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "ratings.csv").write_text("1,2,3\n")
    (project / ".platform" / "mlflow").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\n")
    home = shadow_home(project, tmp_path / "fresh")
    assert sorted(p.name for p in home.iterdir()) == ["data", "pyproject.toml"]
    assert (home / "data" / "ratings.csv").read_text() == "1,2,3\n", "data is shared"
    (home / ".platform").mkdir()
    assert not (project / ".platform" / "kfp").exists()
    assert (project / ".platform" / "mlflow").is_dir(), "the learner's platform is untouched"


def test_replacements_show_a_learners_paths_and_ports() -> None:
    home = Path("/tmp/mlplatform-fresh-x/home")
    mapping = replacements(home, {"MLFLOW_PORT": 41234, "FEAST_PORT": 41235})
    text = f"{home}/.platform/logs/feast.log http://127.0.0.1:41234 http://127.0.0.1:41235"
    for old, new in mapping.items():
        text = text.replace(old, new)
    assert text == "./.platform/logs/feast.log http://127.0.0.1:5000 http://127.0.0.1:6566"


def test_free_ports_are_distinct_numbers() -> None:
    assert all(1024 < free_port() < 65536 for _ in range(3))


@pytest.mark.slow
def test_a_fresh_platform_starts_empty_and_leaves_nothing_behind() -> None:
    project = load_settings().home
    with fresh_platform(project) as fresh:
        settings = fresh.settings
        assert settings.home != project and settings.platform_dir.is_relative_to(settings.home)
        assert settings.mlflow_port != load_settings({}).mlflow_port
        assert services.is_answering(settings.mlflow_tracking_uri + "/health")
        with temporary_tracking_uri(settings.mlflow_tracking_uri):
            names = [e.name for e in mlflow.MlflowClient().search_experiments()]
            assert names == ["Default"], "a fresh platform has no runs of earlier chapters"
        assert (settings.data_dir / "ml-100k").is_dir(), "the data is shared"
        root = settings.home.parent
    assert not root.exists()
    assert not services.is_answering(settings.mlflow_tracking_uri + "/health")
