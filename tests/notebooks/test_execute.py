"""Execute every notebook in chapters/ and solutions/ top to bottom, in fast mode, with papermill.

A new notebook is picked up without editing this file. A failing cell fails the test with the
cell's traceback; the per-cell limit is papermill's, the per-notebook limit pytest-timeout's.
"""

from pathlib import Path

import pytest

from mlplatform.notebooks import course_notebooks, execute

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = course_notebooks(ROOT)
CELL_TIMEOUT = 300
NOTEBOOK_TIMEOUT = 900


def test_there_are_notebooks_to_run() -> None:
    assert any(p.parent.name == "chapters" for p in NOTEBOOKS)
    assert any(p.parent.name == "solutions" for p in NOTEBOOKS)


@pytest.mark.notebooks
@pytest.mark.timeout(NOTEBOOK_TIMEOUT)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_notebook_runs_in_fast_mode(path: Path, tmp_path: Path, platform) -> None:
    executed = execute(path, tmp_path / path.name, fast=True, cell_timeout=CELL_TIMEOUT)
    code_cells = [c for c in executed.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count for c in code_cells), "a code cell was not executed"
