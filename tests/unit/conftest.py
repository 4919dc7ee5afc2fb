"""Fixtures shared by the unit tests: settings for a temporary home, in each platform mode."""

from pathlib import Path

import pytest

from mlplatform.config import Settings, load_settings


@pytest.fixture
def local(tmp_path: Path) -> Settings:
    return load_settings({"MLPLATFORM_HOME": str(tmp_path)})


@pytest.fixture
def cluster(tmp_path: Path) -> Settings:
    env = {
        "MLPLATFORM_HOME": str(tmp_path),
        "MLPLATFORM_MODE": "cluster",
        "KFP_HOST": "http://kfp:8888",
    }
    return load_settings(env)
