from pathlib import Path

import nbformat

from mlplatform.notebooks import clean_notebook, course_notebooks, find_problems, parameters_cell


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
