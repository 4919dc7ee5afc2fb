"""Execute the course notebooks with papermill, and keep committed notebooks clean.

Committed chapters keep the outputs of a seeded full-mode run, with no machine paths, no papermill
timing metadata and no metadata beyond what Jupyter needs. Solutions and labs keep no outputs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

PARAMETERS_TAG = "parameters"
ALLOWED_CELL_METADATA = ("tags",)
ALLOWED_NB_METADATA = ("kernelspec", "language_info")
# Absolute paths that reveal a machine: home folders, temp dirs and this sandbox's work tree.
MACHINE_PATH = re.compile(r"(/home/[\w.-]+|/Users/[\w.-]+|/root/|/tmp/|/work/|[A-Z]:\\\\Users\\\\)")
MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-f]{6,16}")
# MLflow run ids (32 hex digits) differ on every run and machine; committed outputs show a placeholder.
RUN_ID = re.compile(r"\b[0-9a-f]{32}\b")


@dataclass(frozen=True)
class Problem:
    """Something wrong with a committed notebook."""

    notebook: Path
    cell: int
    what: str

    def __str__(self) -> str:
        return f"{self.notebook}, cell {self.cell}: {self.what}"


def course_notebooks(
    home: Path, folders: tuple[str, ...] = ("chapters", "solutions")
) -> list[Path]:
    """Every notebook under the given folders, in order (new ones are picked up automatically)."""
    return sorted(p for folder in folders for p in (home / folder).glob("*.ipynb"))


def parameters_cell(notebook: NotebookNode) -> NotebookNode | None:
    """The cell tagged `parameters`, if there is one."""
    for cell in notebook.cells:
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def _output_texts(cell: NotebookNode) -> list[str]:
    texts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            texts.append(output["text"])
        for key in ("text/plain", "text/html", "text/markdown"):
            if key in output.get("data", {}):
                value = output["data"][key]
                texts.append(value if isinstance(value, str) else "".join(value))
        if output.get("output_type") == "error":
            texts.append("\n".join(output.get("traceback", [])))
    return texts


def find_problems(path: Path, expect_outputs: bool) -> list[Problem]:
    """List what is wrong with a committed notebook.

    Checks: a tagged `parameters` cell that reads MLPLATFORM_FAST; no error outputs; no machine paths
    or memory addresses in outputs; outputs present (chapters) or absent (solutions, labs).
    """
    notebook = nbformat.read(path, as_version=4)
    problems = []
    params = parameters_cell(notebook)
    if params is None:
        problems.append(Problem(path, -1, "no cell tagged 'parameters'"))
    elif "MLPLATFORM_FAST" not in params.source:
        problems.append(Problem(path, -1, "the parameters cell does not read MLPLATFORM_FAST"))
    has_outputs = False
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        has_outputs |= bool(cell.get("outputs"))
        if not expect_outputs and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(
                Problem(path, index, "has outputs; this folder is committed without them")
            )
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(Problem(path, index, f"error output: {output.get('ename')}"))
        for text in _output_texts(cell):
            if match := MACHINE_PATH.search(text):
                problems.append(Problem(path, index, f"machine path in output: {match.group(0)!r}"))
            if MEMORY_ADDRESS.search(text):
                problems.append(Problem(path, index, "memory address in output"))
    if expect_outputs and not has_outputs:
        problems.append(Problem(path, -1, "no outputs: run `make chapters` to execute it"))
    return problems


def scrub_text(text: str, home: Path) -> str:
    """Replace this machine's project path, memory addresses and run ids in an output text."""
    text = text.replace(str(home), ".")
    return RUN_ID.sub("<run_id>", MEMORY_ADDRESS.sub("", text))


def clean_notebook(notebook: NotebookNode, home: Path, keep_outputs: bool) -> NotebookNode:
    """Strip metadata to the allowed keys, renumber executions and scrub paths from outputs."""
    notebook.metadata = {
        k: notebook.metadata[k] for k in ALLOWED_NB_METADATA if k in notebook.metadata
    }
    count = 0
    for cell in notebook.cells:
        # Keep only allowed keys, and drop the empty tag lists papermill adds to every cell.
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ALLOWED_CELL_METADATA and v}
        if cell.cell_type != "code":
            continue
        if not keep_outputs:
            cell.outputs, cell.execution_count = [], None
            continue
        count += 1
        cell.execution_count = count
        for output in cell.outputs:
            if "execution_count" in output:
                output["execution_count"] = count
            if "text" in output:
                output["text"] = scrub_text(output["text"], home)
            for key, value in output.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, str):
                    output["data"][key] = scrub_text(value, home)
    return notebook


def execute(
    source: Path,
    output: Path,
    fast: bool,
    cell_timeout: int = 600,
    cwd: Path | None = None,
) -> NotebookNode:
    """Run a notebook top to bottom with papermill; raise on the first failing cell.

    `fast` is passed through the environment (MLPLATFORM_FAST) so the parameters cell, papermill
    and a learner all see the same switch.
    """
    import papermill  # heavy import, only needed here

    previous = os.environ.get("MLPLATFORM_FAST")
    os.environ["MLPLATFORM_FAST"] = "1" if fast else "0"  # the kernel inherits this process's env
    try:
        return papermill.execute_notebook(
            str(source),
            str(output),
            cwd=str(cwd or source.parent),
            kernel_name="python3",
            execution_timeout=cell_timeout,
            progress_bar=False,
        )
    finally:
        if previous is None:
            os.environ.pop("MLPLATFORM_FAST", None)
        else:
            os.environ["MLPLATFORM_FAST"] = previous
