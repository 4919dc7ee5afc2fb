"""The pip lock, the conda file and the direct requirements must describe one environment."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)", line.strip()):
            pins[match[1].lower().split("[")[0]] = match[2]
    return pins


def test_environment_yml_installs_exactly_the_lock() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip_section == ["-r requirements.lock", "-e ."]
    conda_pins = [d for d in deps if isinstance(d, str)]
    assert conda_pins == ["python=3.11", "pip"], "pin packages in requirements.lock, not here"


def test_every_direct_pin_is_the_locked_version() -> None:
    direct = _pins(ROOT / "requirements.in")
    locked = _pins(ROOT / "requirements.lock")
    assert direct, "requirements.in pins nothing"
    for name, version in direct.items():
        assert locked.get(name) == version, (
            f"{name}: requirements.in {version}, lock {locked.get(name)}"
        )


def test_every_direct_requirement_is_locked() -> None:
    locked = _pins(ROOT / "requirements.lock")
    for line in (ROOT / "requirements.in").read_text().splitlines():
        name = re.split(r"[=<>\[ ]", line.strip())[0].lower()
        if name and not name.startswith("#"):
            assert name.replace("_", "-") in {k.replace("_", "-") for k in locked}, name


def test_python_version_agrees() -> None:
    assert 'requires-python = "==3.11.*"' in (ROOT / "pyproject.toml").read_text()
