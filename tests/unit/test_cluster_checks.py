"""Every prerequisite check, pass and fail, with faked commands, files and ports."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mlplatform.cluster import checks


def fake_run(stdout: str = "", returncode: int = 0):
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        assert kwargs["check"] is False and kwargs["timeout"]
        return subprocess.CompletedProcess(command, returncode, stdout=stdout, stderr="")

    run.calls = calls
    return run


def present(name: str) -> str:
    return f"/usr/bin/{name}"


def absent(name: str) -> None:
    return None


def test_docker_missing() -> None:
    result = checks.check_docker(which=absent, run=fake_run())
    assert result.level == "fail" and "not installed" in result.detail
    assert checks.DOCKER_INSTALL in result.fix


def test_docker_daemon_down() -> None:
    result = checks.check_docker(which=present, run=fake_run(returncode=1))
    assert not result.passed
    assert "daemon is not running" in result.detail and "systemctl start docker" in result.fix


def test_docker_running() -> None:
    run = fake_run("28.2.2\n")
    result = checks.check_docker(which=present, run=run)
    assert result.passed and "28.2.2" in result.detail
    assert run.calls == [["docker", "info", "--format", "{{.ServerVersion}}"]]


@pytest.mark.parametrize(
    ("output", "level", "detail"),
    [
        ("kind v0.32.0 go1.24.4 linux/amd64", "ok", "kind v0.32.0"),
        ("kind v0.33.1 go1.25 darwin/arm64", "ok", "kind v0.33.1"),
        ("kind v0.31.0 go1.24 linux/amd64", "fail", "older than v0.32.0"),
        ("kind v0.9.0 go1.15 linux/amd64", "fail", "older than v0.32.0"),
        ("something odd", "fail", "printed no version"),
    ],
)
def test_kind_version(output: str, level: str, detail: str) -> None:
    result = checks.check_kind("v0.32.0", which=present, run=fake_run(output))
    assert result.level == level and detail in result.detail
    if level == "fail":
        assert checks.KIND_INSTALL in result.fix


def test_kind_missing() -> None:
    result = checks.check_kind("v0.32.0", which=absent, run=fake_run())
    assert not result.passed and "install kind v0.32.0" in result.fix


def _kubectl_json(version: str) -> str:
    return json.dumps({"clientVersion": {"gitVersion": version}})


@pytest.mark.parametrize(
    ("client", "level"),
    [
        ("v1.36.1", "ok"),
        ("v1.35.0", "ok"),
        ("v1.37.2", "ok"),
        ("v1.32.4", "fail"),
        ("v1.38.0", "fail"),
    ],
)
def test_kubectl_skew(client: str, level: str) -> None:
    result = checks.check_kubectl("v1.36.1", which=present, run=fake_run(_kubectl_json(client)))
    assert result.level == level
    if level == "fail":
        assert (
            "more than one minor version" in result.detail and checks.KUBECTL_INSTALL in result.fix
        )


@pytest.mark.parametrize(("which", "stdout"), [(absent, ""), (present, "not json")])
def test_kubectl_missing_or_unreadable(which, stdout: str) -> None:
    result = checks.check_kubectl("v1.36.1", which=which, run=fake_run(stdout))
    assert not result.passed and "install kubectl v1.36.1" in result.fix


def write_inotify(root: Path, watches: int, instances: int) -> Path:
    folder = root / "sys" / "fs" / "inotify"
    folder.mkdir(parents=True)
    (folder / "max_user_watches").write_text(f"{watches}\n")
    (folder / "max_user_instances").write_text(f"{instances}\n")
    return root


@pytest.mark.parametrize(
    ("watches", "instances", "fix"),
    [
        (192536, 128, "sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512"),
        (524288, 128, "sudo sysctl fs.inotify.max_user_instances=512"),
        (100, 1024, "sudo sysctl fs.inotify.max_user_watches=524288"),
    ],
)  # fmt: skip
def test_inotify_too_low(tmp_path: Path, watches: int, instances: int, fix: str) -> None:
    result = checks.check_inotify(write_inotify(tmp_path, watches, instances))
    assert result.level == "fail" and "too many open files" in result.detail
    assert result.fix.startswith(fix + " ") and "/etc/sysctl.d" in result.fix


def test_inotify_enough(tmp_path: Path) -> None:
    assert checks.check_inotify(write_inotify(tmp_path, 1255360, 2280)).level == "ok"


def test_inotify_not_linux(tmp_path: Path) -> None:
    result = checks.check_inotify(tmp_path)
    assert result.passed and "not Linux" in result.detail


@pytest.mark.parametrize(
    ("machine", "level", "text"),
    [
        ("x86_64", "ok", "amd64"),
        ("AMD64", "ok", "amd64"),
        ("arm64", "warn", "kfp-metadata-writer"),
        ("aarch64", "warn", "ml_metadata_store_server"),
        ("riscv64", "fail", "amd64 and arm64 only"),
    ],
)
def test_architecture(machine: str, level: str, text: str) -> None:
    result = checks.check_arch(machine)
    assert result.level == level and text in result.detail
    assert result.passed is (level != "fail")


def test_ports_busy_and_free() -> None:
    busy = checks.check_ports([5000, 8080, 9000], is_free=lambda port: port != 5000)
    assert busy.level == "fail" and "port(s) 5000 " in busy.detail
    assert "make platform-down" in busy.fix
    assert checks.check_ports([5000], is_free=lambda port: True).passed


def test_is_port_free_sees_a_listener() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert not checks.is_port_free(sock.getsockname()[1])


def test_result_text_names_the_fix() -> None:
    text = str(checks.CheckResult("kind", "fail", "kind is not installed", "install kind"))
    assert text == "[fail] kind: kind is not installed\n       fix: install kind"


@pytest.mark.parametrize(
    ("text", "version"),
    [("kind v0.32.0 go", (0, 32, 0)), ("v1.36.1-dispatcher", (1, 36, 1)), ("none", None)],
)
def test_parse_version(text: str, version) -> None:
    assert checks.parse_version(text) == version
