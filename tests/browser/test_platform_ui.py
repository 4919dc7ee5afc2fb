"""What a learner sees of the platform in a browser: JupyterLab as `make lab` starts it, the MLflow UI.

JupyterLab is started with the command `make -n lab` prints, plus a free port, a token and no browser
of its own, so the test follows the Makefile. It serves a copy of chapter 00 with its outputs removed
(JupyterLab saves what it runs: the committed chapter must not change, and a status table seen in the
page must come from this run, not from the committed outputs); the kernel's MLPLATFORM_HOME is the
project, so the chapter sees the test platform. The model services' /docs page is tested in
`test_service_docs.py`.
"""

from __future__ import annotations

import os
import secrets
import shlex
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import nbformat
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from mlplatform.config import Settings

ROOT = Path(__file__).resolve().parents[2]
CHAPTER_00 = "chapters/ch00_setup_and_tour.ipynb"
STATUS_CELL = 9  # the cell that shows `platform_status()` as a table
STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'

pytestmark = pytest.mark.services


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_command() -> list[str]:
    """The `jupyter lab ...` command of `make lab`, as make would run it."""
    dry_run = subprocess.run(
        ["make", "-n", "--no-print-directory", "lab"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = dry_run.stdout.replace("\\\n", " ").splitlines()
    [line] = [line for line in lines if " lab " in f"{line} " and "jupyter" in line]
    return shlex.split(line)


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"jupyter lab did not answer {url} within 240 s:\n{log.read_text()[-2000:]}")


def _copy_without_outputs(source: Path, target: Path) -> None:
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    target.parent.mkdir(parents=True)
    nbformat.write(notebook, target)


@pytest.fixture
def jupyter_lab(platform: Settings, tmp_path: Path) -> Iterator[str]:
    port, token = _free_port(), secrets.token_hex(16)
    served = tmp_path / "served"
    _copy_without_outputs(ROOT / CHAPTER_00, served / CHAPTER_00)
    program, *arguments = lab_command()
    root = [a for a in arguments if a.startswith("--ServerApp.root_dir=")]
    assert root == [f"--ServerApp.root_dir={ROOT}"], f"make lab serves {root}, not the project"
    command = [
        str(ROOT / program),  # make's relative `.venv/bin/jupyter`, run from the served folder
        *(f"--ServerApp.root_dir={served}" if a in root else a for a in arguments),
        "--no-browser",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
    ]
    log = tmp_path / "jupyter.log"
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "MLPLATFORM_HOME": str(ROOT),
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=served,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}/api/status?token={token}", process, log)
        yield f"{base}/lab/tree/{CHAPTER_00}?token={token}"
    finally:
        _stop(process, f"{base}/api/shutdown?token={token}")


def _stop(process: subprocess.Popen, shutdown_url: str) -> None:
    """Ask the server to shut down (it stops its kernels); kill its process group if it lingers."""
    try:
        httpx.post(shutdown_url, timeout=10)
        process.wait(timeout=30)
    except (httpx.HTTPError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _page_errors(browser) -> list[str]:
    """Errors the page logged to the browser console."""
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _shift_enter(browser, times: int) -> None:
    for _ in range(times):
        ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(
            Keys.SHIFT
        ).perform()
        time.sleep(0.3)


def test_jupyterlab_runs_chapter_00_and_shows_the_platform_status(
    browser, jupyter_lab: str, screenshots: Path
) -> None:
    browser.get(jupyter_lab)
    wait = WebDriverWait(browser, 240, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(
        lambda d: d.find_elements(
            By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']"
        )
    )
    # The notebook re-renders while it loads: click the first cell once it stays put.
    wait.until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-Cell").click() or True
    )
    _shift_enter(browser, STATUS_CELL + 1)
    status = wait.until(
        lambda d: [
            o
            for o in d.find_elements(By.CSS_SELECTOR, ".jp-Cell .jp-OutputArea-output")
            if "healthy" in o.text
        ]
    )
    assert "mlflow" in status[0].text
    assert "feast" in status[0].text
    assert browser.find_elements(By.CSS_SELECTOR, f".jp-OutputArea-output{STDERR}") == []
    assert browser.find_elements(By.CSS_SELECTOR, ".jp-Dialog") == []
    assert _page_errors(browser) == []
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", status[0])
    browser.save_screenshot(str(screenshots / "jupyterlab-ch00.png"))


@pytest.fixture
def champion_model(platform: Settings) -> Iterator[tuple[str, str]]:
    """A test-only experiment and registered model whose version 1 carries the `champion` alias."""
    import mlflow

    client = mlflow.MlflowClient(platform.mlflow_tracking_uri)
    suffix = uuid.uuid4().hex[:8]
    experiment, model = f"browser-test-{suffix}", f"browser-test-model-{suffix}"
    experiment_id = client.create_experiment(experiment)
    run = client.create_run(experiment_id)
    client.log_metric(run.info.run_id, "rmse", 0.93)
    client.set_terminated(run.info.run_id)
    client.create_registered_model(model)
    version = client.create_model_version(
        model, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id
    )
    client.set_registered_model_alias(model, "champion", version.version)
    yield experiment, model
    client.delete_registered_model(model)
    client.delete_experiment(experiment_id)


def _wait_for_text(browser, text: str, timeout: float = 120) -> None:
    WebDriverWait(browser, timeout).until(
        lambda d: text in d.find_element(By.TAG_NAME, "body").text
    )


def test_the_mlflow_ui_lists_the_experiment_and_shows_the_champion_alias(
    browser, platform: Settings, champion_model: tuple[str, str], screenshots: Path
) -> None:
    experiment, model = champion_model
    browser.get(f"{platform.mlflow_tracking_uri}/#/experiments")
    _wait_for_text(browser, experiment)
    browser.save_screenshot(str(screenshots / "mlflow-experiments.png"))
    browser.get(f"{platform.mlflow_tracking_uri}/#/models/{model}")
    _wait_for_text(browser, "champion")
    browser.save_screenshot(str(screenshots / "mlflow-champion.png"))
