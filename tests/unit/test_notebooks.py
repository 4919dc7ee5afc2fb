from pathlib import Path

import nbformat
import pytest

from mlplatform.notebooks import (
    clean_notebook,
    course_notebooks,
    find_problems,
    parameters_cell,
    scrub_text,
)


def executed_notebook(home: Path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3"}, "papermill": {"duration": 3.2}, "widgets": {}}
    params = nbformat.v4.new_code_cell(
        'import os\nFAST = os.environ.get("MLPLATFORM_FAST", "0") == "1"',
        metadata={"tags": ["parameters"], "papermill": {"duration": 0.1}, "execution": {}},
    )
    params.execution_count = 7
    shows = nbformat.v4.new_code_cell("print(path)")
    shows.execution_count = 9
    shows.outputs = [
        nbformat.v4.new_output("stream", text=f"data in {home}/data/ml-100k\n"),
        nbformat.v4.new_output("stream", text="runs/0f22376365d842ec9df55ea67c4f8987\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "<Model at 0x7f3a2b1c9d40>"}),
    ]
    title = nbformat.v4.new_markdown_cell("# Chapter 99", metadata={"tags": []})
    nb.cells = [title, params, shows]
    return nb


def test_clean_keeps_outputs_without_paths_and_renumbers(tmp_path: Path) -> None:
    nb = clean_notebook(executed_notebook(tmp_path), tmp_path, keep_outputs=True)
    assert set(nb.metadata) == {"kernelspec"}
    assert nb.cells[1].metadata == {"tags": ["parameters"]}
    assert nb.cells[0].metadata == {}, "empty tag lists are dropped"
    assert [c.execution_count for c in nb.cells[1:]] == [1, 2]
    assert nb.cells[2].outputs[0]["text"] == "data in ./data/ml-100k\n"
    assert nb.cells[2].outputs[1]["text"] == "runs/<run_id>\n"
    assert nb.cells[2].outputs[2]["data"]["text/plain"] == "<Model>"


def test_clean_without_outputs(tmp_path: Path) -> None:
    nb = clean_notebook(executed_notebook(tmp_path), tmp_path, keep_outputs=False)
    assert all(
        c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code"
    )


def test_problems_are_found(tmp_path: Path) -> None:
    nb = executed_notebook(Path("/home/alice/course"))
    nb.cells[2].outputs.append(
        nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[])
    )
    path = tmp_path / "ch99.ipynb"
    nbformat.write(nb, path)
    found = [p.what for p in find_problems(path, expect_outputs=True)]
    assert any("machine path" in w and "/home/alice" in w for w in found)
    assert any("memory address" in w for w in found)
    assert any("error output: ValueError" in w for w in found)
    assert any("has outputs" in p.what for p in find_problems(path, expect_outputs=False))


def test_missing_parameters_and_missing_outputs(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    assert parameters_cell(nb) is None
    path = tmp_path / "ch98.ipynb"
    nbformat.write(nb, path)
    found = [p.what for p in find_problems(path, expect_outputs=True)]
    assert "no cell tagged 'parameters'" in found
    assert any("make chapters" in w for w in found)


def test_course_notebooks_are_found_in_order(tmp_path: Path) -> None:
    for name in ("chapters/ch01_b.ipynb", "chapters/ch00_a.ipynb", "solutions/lab01_c.ipynb"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = [p.relative_to(tmp_path).as_posix() for p in course_notebooks(tmp_path)]
    assert found == ["chapters/ch00_a.ipynb", "chapters/ch01_b.ipynb", "solutions/lab01_c.ipynb"]


def notebook_with(tmp_path: Path, *outputs: nbformat.NotebookNode) -> Path:
    """A committed chapter whose second code cell has `outputs`."""
    nb = clean_notebook(executed_notebook(Path("/nowhere")), Path("/nowhere"), keep_outputs=True)
    nb.cells[2].outputs = list(outputs)
    path = tmp_path / "ch98.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_warning_on_stderr_is_a_problem(tmp_path: Path) -> None:
    warning = "2026/11/26 WARNING mlflow.pyfunc: Passing a Python object ...\n"
    path = notebook_with(tmp_path, nbformat.v4.new_output("stream", name="stderr", text=warning))
    assert [p.what for p in find_problems(path, expect_outputs=True)] == [
        "stderr output (a warning?): '2026/11/26 WARNING mlflow.pyfunc: Passing a Python object ...'"
    ]


def test_a_saved_widget_is_a_problem(tmp_path: Path) -> None:
    bar = nbformat.v4.new_output(
        "display_data",
        data={
            "text/plain": "epoch 1:   0%|          | 0/30 [00:00<?, ?it/s]",
            "application/vnd.jupyter.widget-view+json": {"model_id": "f00", "version_major": 2},
        },
    )
    found = [p.what for p in find_problems(notebook_with(tmp_path, bar), expect_outputs=True)]
    assert len(found) == 1 and "widget" in found[0] and "text progress bar" in found[0]


@pytest.mark.parametrize(
    "line",
    [
        "🏃 View run svd_tuned at: http://127.0.0.1:5000/#/experiments/9/runs/<run_id>\n",
        "🧪 View experiment at: http://127.0.0.1:5000/#/experiments/9\n",
    ],
)
def test_an_mlflow_ui_link_is_a_problem(tmp_path: Path, line: str) -> None:
    path = notebook_with(tmp_path, nbformat.v4.new_output("stream", text=line))
    found = [p.what for p in find_problems(path, expect_outputs=True)]
    assert len(found) == 1 and "MLflow UI link" in found[0]


def test_clean_output_has_no_problem(tmp_path: Path) -> None:
    text = nbformat.v4.new_output("stream", text="MLflow UI: http://127.0.0.1:5000\n")
    assert find_problems(notebook_with(tmp_path, text), expect_outputs=True) == []


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("runs/0f22376365d842ec9df55ea67c4f8987", "runs/<run_id>"),
        ("runs:/0f22376365d842ec9df55ea67c4f8987/model", "runs:/<run_id>/model"),
        ("run_id='0f22376365d842ec9df55ea67c4f8987'", "run_id='<run_id>'"),
        (
            "Trained in MLflow run `0f22376365d842ec9df55ea67c4f8987`.",
            "Trained in MLflow run `<run_id>`.",
        ),
        # a dataset digest is data, not a run id: it must survive
        ("| training | movielens-train | `b288b3023ccb4d1f9a0e2c3b4d5e6f70` |", None),
        ("digest 0f22376365d842ec9df55ea67c4f8987", None),
    ],
)
def test_scrub_replaces_run_ids_only(text: str, scrubbed: str | None) -> None:
    assert scrub_text(text, Path("/nowhere")) == (scrubbed or text)


def test_scrub_maps_a_throwaway_platform_to_what_a_learner_sees() -> None:
    also = {"/tmp/fresh/home/.platform": "./.platform", "/tmp/fresh/home": "."}
    text = "log: /tmp/fresh/home/.platform/logs/mlflow.log, data: /tmp/fresh/home/data"
    got = scrub_text(text, Path("/work/course"), also)
    assert got == "log: ./.platform/logs/mlflow.log, data: ./data"
