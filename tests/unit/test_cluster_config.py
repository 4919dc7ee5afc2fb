"""The cluster mode's pinned files are read correctly, and malformed ones are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlplatform.cluster.config import UIS, ClusterPaths, load_cluster_config, read_env_file

ROOT = Path(__file__).resolve().parents[2]


def test_reads_the_committed_config() -> None:
    config = load_cluster_config(ClusterPaths(ROOT))
    assert (config.name, config.context) == ("mlplatform", "kind-mlplatform")
    assert (config.kind_version, config.kfp_version) == ("v0.32.0", "2.17.0")
    assert "@sha256:" in config.node_image


def test_env_file_skips_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "versions.env"
    path.write_text("# pinned\n\nKIND_VERSION=v0.32.0\n KFP_VERSION = 2.17.0 \n")
    assert read_env_file(path) == {"KIND_VERSION": "v0.32.0", "KFP_VERSION": "2.17.0"}


@pytest.mark.parametrize("line", ["KIND_VERSION v0.32.0", "=v0.32.0"])
def test_env_file_refuses_a_line_without_key_and_value(tmp_path: Path, line: str) -> None:
    path = tmp_path / "versions.env"
    path.write_text(f"{line}\n")
    with pytest.raises(ValueError, match="line 1: expected KEY=VALUE"):
        read_env_file(path)


def test_local_kustomizations_leave_out_the_upstream_kfp_parts() -> None:
    found = [
        p.relative_to(ROOT / "platform" / "k8s") for p in ClusterPaths(ROOT).local_kustomizations()
    ]
    assert Path("overlays/kind") in found and Path("base/mlflow") in found
    assert not any(p.parts[0] == "kfp" for p in found)


def test_ui_urls_are_on_localhost_and_ports_are_unique() -> None:
    assert all(ui.url.startswith("http://127.0.0.1:") for ui in UIS)
    assert len({ui.host_port for ui in UIS}) == len({ui.node_port for ui in UIS}) == len(UIS)
