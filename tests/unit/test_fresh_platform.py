from pathlib import Path

from mlplatform.fresh_platform import free_port, replacements, shadow_home


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
