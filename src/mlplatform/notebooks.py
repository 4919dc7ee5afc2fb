"""Execute the course notebooks with papermill, and keep committed notebooks clean.

Committed chapters keep the outputs of a seeded full-mode run, with no machine paths, no papermill
timing metadata and no metadata beyond what Jupyter needs. Solutions and labs keep no outputs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
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
# Only where the text says it is a run id (a run URL or URI, "run_id", "MLflow run `...`"): other
# 32-digit hex strings, such as dataset digests, are data and stay.
RUN_ID = re.compile(
    r"(?P<before>runs:?/|\brun[_ ]id\W{0,4}|\bMLflow run\W{1,2})(?P<id>[0-9a-f]{32})\b",
    re.IGNORECASE,
)
# A UI link printed at the end of a run: dead in a committed notebook.
MLFLOW_LINK = re.compile(r"View (run .* at|experiment at): https?://")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# What `execute` sets in the kernel's environment: text progress bars (on stdout) instead of widgets
# that render frozen at 0% once saved, and no "View run ... at: http://..." lines from MLflow.
COMMITTED_RUN_ENV = {"MLPLATFORM_TEXT_PROGRESS": "1", "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "1"}


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


def _output_problems(output: NotebookNode) -> list[str]:
    """What is wrong with one output, whatever its text says."""
    kind = output.get("output_type")
    if kind == "error":
        return [f"error output: {output.get('ename')}"]
    if kind == "stream" and output.get("name") == "stderr":
        first = output.get("text", "").strip().splitlines()[:1]
        return [f"stderr output (a warning?): {first[0][:80] if first else ''!r}"]
    if WIDGET_VIEW in output.get("data", {}):
        return ["a widget (a progress bar?): it renders frozen once saved; use a text progress bar"]
    return []


def _text_problems(text: str) -> list[str]:
    """What is wrong with one output text: machine paths, memory addresses, dead UI links."""
    found = []
    if match := MACHINE_PATH.search(text):
        found.append(f"machine path in output: {match.group(0)!r}")
    if MEMORY_ADDRESS.search(text):
        found.append("memory address in output")
    if match := MLFLOW_LINK.search(text):
        found.append(f"MLflow UI link in output (dead once committed): {match.group(0)!r}")
    return found


def find_problems(path: Path, expect_outputs: bool) -> list[Problem]:
    """List what is wrong with a committed notebook.

    Checks: a tagged `parameters` cell that reads MLPLATFORM_FAST; no error or stderr outputs, no
    widgets, no machine paths, memory addresses or MLflow "View run" links in outputs; outputs
    present (chapters) or absent (solutions, labs).
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
            problems += [Problem(path, index, what) for what in _output_problems(output)]
        for text in _output_texts(cell):
            problems += [Problem(path, index, what) for what in _text_problems(text)]
    if expect_outputs and not has_outputs:
        problems.append(Problem(path, -1, "no outputs: run `make chapters` to execute it"))
    return problems


def scrub_text(text: str, home: Path, also: dict[str, str] | None = None) -> str:
    """Replace this machine's project path, memory addresses and run ids in an output text.

    Args:
        text: an output's text.
        home: the project folder, shown as `.`.
        also: more replacements, applied first (a throwaway platform folder -> `./.platform`).
    """
    for old, new in (also or {}).items():
        text = text.replace(old, new)
    text = text.replace(str(home), ".")
    return RUN_ID.sub(r"\g<before><run_id>", MEMORY_ADDRESS.sub("", text))


def clean_notebook(
    notebook: NotebookNode, home: Path, keep_outputs: bool, also: dict[str, str] | None = None
) -> NotebookNode:
    """Strip metadata to the allowed keys, renumber executions and scrub paths from outputs.

    `also` maps more machine-specific strings to what a learner would see (see `scrub_text`).
    """
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
                output["text"] = scrub_text(output["text"], home, also)
            for key, value in output.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, str):
                    output["data"][key] = scrub_text(value, home, also)
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
    and a learner all see the same switch; `COMMITTED_RUN_ENV` makes the outputs fit to be saved.
    """
    import papermill  # heavy import, only needed here

    # The kernel inherits this process's environment.
    with environment({"MLPLATFORM_FAST": "1" if fast else "0", **COMMITTED_RUN_ENV}):
        return papermill.execute_notebook(
            str(source),
            str(output),
            cwd=str(cwd or source.parent),
            kernel_name="python3",
            execution_timeout=cell_timeout,
            progress_bar=False,
        )


@contextmanager
def environment(values: dict[str, str], unset: tuple[str, ...] = ()) -> Iterator[None]:
    """Set (and `unset`) environment variables for the duration of a block, then restore them."""
    previous = {name: os.environ.get(name) for name in (*values, *unset)}
    for name in unset:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
