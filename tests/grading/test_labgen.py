"""Lab generation: one case per marker failure mode, and a golden lab built from a small solution."""

from pathlib import Path

import nbformat
import pytest

from mlplatform.grading.labgen import (
    STUB,
    SolutionMarkerError,
    check_labs,
    generate_lab,
    generate_labs,
    render,
    strip_solution,
)


def solution_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "papermill": {"duration": 1.0}}  # fmt: skip
    params = nbformat.v4.new_code_cell("FAST = True", metadata={"tags": ["parameters"]})
    answer = nbformat.v4.new_code_cell(
        'def double(x):\n    """Twice x."""\n    ### BEGIN SOLUTION\n    y = 2 * x\n    return y\n'
        "    ### END SOLUTION"
    )
    answer.outputs = [nbformat.v4.new_output("stream", text="noise")]
    answer.execution_count = 3
    hidden = nbformat.v4.new_code_cell("# hidden check: q1\nassert double(21) == 42",
                                       metadata={"tags": ["hidden"]})  # fmt: skip
    nb.cells = [nbformat.v4.new_markdown_cell("# Lab 99"), params, answer,
                nbformat.v4.new_code_cell('check("q1")'), hidden]  # fmt: skip
    return nb


def test_golden_lab() -> None:
    lab = generate_lab(solution_notebook(), "lab99.ipynb")
    assert [c.source for c in lab.cells] == [
        "# Lab 99",
        "FAST = True",
        f'def double(x):\n    """Twice x."""\n    {STUB}',
        'check("q1")',
    ]
    assert lab.cells[1].metadata == {"tags": ["parameters"]}
    assert lab.cells[2].outputs == [] and lab.cells[2].execution_count is None
    assert set(lab.metadata) == {"kernelspec"}


def test_the_stub_runs_starter_code_and_raises_only_when_called() -> None:
    namespace: dict = {}
    exec(generate_lab(solution_notebook()).cells[2].source, namespace)
    with pytest.raises(NotImplementedError, match="your answer"):
        namespace["double"](2)


def test_top_level_region_keeps_no_indent() -> None:
    source = "x = 1\n### BEGIN SOLUTION\ny = x + 1\n### END SOLUTION\nprint(y)"
    assert strip_solution(source, "c") == f"x = 1\n{STUB}\nprint(y)"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "has no ### END SOLUTION"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
        ("x = 1\n### END SOLUTION", "without ### BEGIN SOLUTION"),
        ("x = 1  ### BEGIN SOLUTION", "stand alone"),
    ],
)
def test_malformed_markers_are_refused_with_the_cell_named(source: str, message: str) -> None:
    with pytest.raises(SolutionMarkerError, match=message) as error:
        strip_solution(source, "lab99.ipynb, cell 4")
    assert "lab99.ipynb, cell 4" in str(error.value)


def test_markers_in_markdown_are_refused() -> None:
    nb = solution_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nsecret"))
    with pytest.raises(SolutionMarkerError, match="code cells only"):
        generate_lab(nb, "lab99.ipynb")


def test_generation_is_deterministic_and_sync_is_checked(tmp_path: Path) -> None:
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    solutions.mkdir()
    (solutions / "lab99_demo.ipynb").write_text(render(solution_notebook()))
    assert check_labs(solutions, labs).missing == [labs / "lab99_demo.ipynb"]
    generate_labs(solutions, labs)
    first = (labs / "lab99_demo.ipynb").read_text()
    generate_labs(solutions, labs)
    assert (labs / "lab99_demo.ipynb").read_text() == first
    assert check_labs(solutions, labs).in_sync
    (labs / "lab99_demo.ipynb").write_text(first.replace("Lab 99", "Lab 98"))
    assert check_labs(solutions, labs).stale == [labs / "lab99_demo.ipynb"]
    (labs / "lab98_old.ipynb").write_text(first)
    assert check_labs(solutions, labs).orphaned == [labs / "lab98_old.ipynb"]
    generate_labs(solutions, labs)
    assert not (labs / "lab98_old.ipynb").exists()


def test_a_broken_solution_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "lab97_broken.ipynb").write_text("{not json")
    with pytest.raises(
        SolutionMarkerError, match=r"lab97_broken\.ipynb is not a readable notebook"
    ):
        generate_labs(tmp_path / "solutions", tmp_path / "labs")
