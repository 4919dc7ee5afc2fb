"""Run one submission in a kernel and report each question's outcome (the grader's child process).

Started by `mlplatform.grading.grader` as `python -m mlplatform.grading.runner` in the submission's own
temporary directory, with limits set by the parent. The job (notebook path, lab, hidden checks, a nonce)
arrives on stdin, so the hidden checks are never on disk where the submission runs. The learner's code
cells run first, all of them, errors allowed; then, per question, the public check and the hidden check
run in the same kernel. Each outcome is printed as one line `<nonce> <json>` as soon as it is known, so a
parent that has to kill this process still has the results reached so far.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

MAX_MESSAGE = 400


class CappedClient(NotebookClient):
    """A notebook client that stops keeping outputs after `output_cap` bytes (prints megabytes)."""

    output_cap = 1_000_000
    _kept = 0

    def output(self, outs, msg, display_id, cell_index):  # noqa: D102 - nbclient's hook
        size = len(json.dumps(msg.get("content", {}), default=str))
        self._kept += size
        if self._kept > self.output_cap:
            return None
        return super().output(outs, msg, display_id, cell_index)


def _emit(nonce: str, event: dict[str, Any]) -> None:
    sys.stdout.write(f"{nonce} {json.dumps(event)}\n")
    sys.stdout.flush()


def _error_of(cell: nbformat.NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue', '')}"[:MAX_MESSAGE]
    return None


def _run(client: CappedClient, cell: nbformat.NotebookNode, index: int) -> str | None:
    """Execute one cell; return its error (or None). A dead kernel propagates."""
    try:
        client.execute_cell(cell, index)
    except CellTimeoutError:
        return f"the cell took longer than {client.timeout} s"
    return _error_of(cell)


def public_check_source(lab: str, question: str) -> str:
    """Cell that runs a public check from the package (not the learner's possibly redefined `check`)."""
    return (
        "from mlplatform.grading.public import checker as __grader_checker\n"
        f"__grader_checker({lab!r})({question!r})"
    )


def run_job(job: dict[str, Any]) -> int:
    """Execute the job; returns the process exit code."""
    nonce = job["nonce"]
    submission = nbformat.read(job["notebook"], as_version=4)
    learner_cells = [
        nbformat.v4.new_code_cell(c.source) for c in submission.cells if c.cell_type == "code"
    ]
    grading_cells = []
    for question in job["questions"]:
        grading_cells.append(
            nbformat.v4.new_code_cell(public_check_source(job["lab"], question["id"]))
        )
        grading_cells.append(nbformat.v4.new_code_cell(question.get("hidden") or "pass"))
    notebook = nbformat.v4.new_notebook(cells=learner_cells + grading_cells)
    client = CappedClient(
        notebook,
        timeout=job["cell_timeout"],
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": job["workdir"]}},
    )
    client.output_cap = job["output_cap"]
    try:
        with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            errors = []
            for index, cell in enumerate(learner_cells):
                if error := _run(client, cell, index):
                    errors.append(f"cell {index + 1}: {error}")
            _emit(nonce, {"event": "learner", "errors": errors})
            offset = len(learner_cells)
            for number, question in enumerate(job["questions"]):
                public = _run(client, grading_cells[2 * number], offset + 2 * number)
                hidden = _run(client, grading_cells[2 * number + 1], offset + 2 * number + 1)
                _emit(nonce, {"event": "question", "id": question["id"], "public_error": public,
                              "public_passed": public is None, "hidden_passed": hidden is None})  # fmt: skip
    except DeadKernelError:
        _emit(nonce, {"event": "dead"})
        return 3
    _emit(nonce, {"event": "done"})
    return 0


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space; the kernel started after this inherits the cap."""
    size = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def main() -> None:
    """Read the job from stdin, cap memory, and run it."""
    job = json.loads(sys.stdin.read())
    limit_memory(job["memory_mb"])
    sys.exit(run_job(job))


if __name__ == "__main__":
    main()
