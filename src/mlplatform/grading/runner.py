"""Run one submission in a kernel and report each question's outcome (the grader's child process).

Started by `mlplatform.grading.grader` as `python -m mlplatform.grading.runner` inside the sandbox,
in the submission's own scratch folder. The job (notebook path, lab, hidden checks, tokens) arrives
on stdin, so the hidden checks are never on disk where the submission runs. The learner's code cells
run first, all of them, errors allowed; then, per question, the public check and the hidden check run
in the same kernel.

A check passes only on a positive, explicit result: its cell finished with status `ok` AND showed,
as its result, a token the learner's cells never saw. The output cap applies to learner cells only;
the grader's cells keep their result and their error and nothing else (a learner's thread that
prints cannot drown them). Each outcome is printed as one line `<nonce> <json>` on this process's
stdout, which the kernel cannot reach: the kernel's own output goes to /dev/null, and this process
makes itself non-dumpable, so the kernel cannot open its file descriptors or read its memory.
"""

from __future__ import annotations

import ctypes
import json
import resource
import subprocess
import sys
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from mlplatform.grading.probes import probe_finding, probe_source

MAX_MESSAGE = 400
_PR_SET_DUMPABLE = 4


class GradingClient(NotebookClient):
    """A notebook client that caps learner output and keeps only results and errors of its own cells."""

    output_cap = 1_000_000
    grading = False  # True while the grader's own cells run
    _kept = 0

    def output(self, outs, msg, display_id, cell_index):  # noqa: D102 - nbclient's hook
        if self.grading:
            if msg["msg_type"] not in ("execute_result", "error"):
                return None
            return super().output(outs, msg, display_id, cell_index)
        self._kept += len(json.dumps(msg.get("content", {}), default=str))
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


def _shown(cell: nbformat.NotebookNode) -> str | None:
    """The text of the cell's result (its last expression), if it showed one."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "execute_result":
            return str(output.get("data", {}).get("text/plain", ""))
    return None


def _execute(client: GradingClient, source: str) -> tuple[bool, nbformat.NotebookNode]:
    """Run one cell; returns (finished with status ok, the cell). A dead kernel propagates."""
    cell = nbformat.v4.new_code_cell(source)
    index = len(client.nb.cells)
    client.nb.cells.append(cell)
    replies: list[str] = []
    client.on_cell_executed = lambda **kw: replies.append(kw["execute_reply"]["content"]["status"])
    try:
        client.execute_cell(cell, index)
    except CellTimeoutError:
        cell.outputs = [nbformat.v4.new_output("error", ename="Timeout", evalue=(
            f"the cell took longer than {client.timeout} s"), traceback=[])]  # fmt: skip
        return False, cell
    return replies == ["ok"], cell


def run_learner_cell(client: GradingClient, source: str) -> str | None:
    """Run one of the learner's cells; returns its error (or None)."""
    client.grading = False
    ok, cell = _execute(client, source)
    return None if ok else (_error_of(cell) or "the cell failed")


def run_grading_cell(client: GradingClient, source: str, token: str) -> str | None:
    """Run a grader cell that must end by showing `token`; returns why it did not pass, or None."""
    client.grading = True
    ok, cell = _execute(client, f"{source}\n{token!r}\n")
    if not ok:
        return _error_of(cell) or "the check did not finish"
    if _shown(cell) != repr(token):
        return "the check gave no explicit result"
    return None


def run_probe(client: GradingClient, token: str) -> str | None:
    """Run the hook probe; returns what it showed, or None."""
    client.grading = True
    _, cell = _execute(client, probe_source(token))
    shown = _shown(cell)
    return shown.strip("'\"") if shown else None


def public_check_source(lab: str, question: str) -> str:
    """Cell that runs a public check from the package (not the learner's possibly redefined `check`)."""
    return (
        "from mlplatform.grading.public import checker as __grader_checker\n"
        f"__grader_checker({lab!r})({question!r})"
    )


def _grade_questions(client: GradingClient, job: dict[str, Any]) -> None:
    for question in job["questions"]:
        tokens = job["tokens"][question["id"]]
        public = run_grading_cell(
            client, public_check_source(job["lab"], question["id"]), tokens[0]
        )
        hidden = run_grading_cell(client, question.get("hidden") or "pass", tokens[1])
        _emit(job["nonce"], {"event": "question", "id": question["id"], "public_error": public,
                             "public_passed": public is None, "hidden_passed": hidden is None})  # fmt: skip


def run_job(job: dict[str, Any]) -> int:
    """Execute the job; returns the process exit code."""
    nonce, probe_token = job["nonce"], job["probe_token"]
    submission = nbformat.read(job["notebook"], as_version=4)
    sources = [c.source for c in submission.cells if c.cell_type == "code"]
    client = GradingClient(nbformat.v4.new_notebook(), timeout=job["cell_timeout"],
                           allow_errors=True, kernel_name="python3",
                           resources={"metadata": {"path": job["workdir"]}})  # fmt: skip
    client.output_cap = job["output_cap"]
    try:
        with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            before = run_probe(client, probe_token)
            errors = []
            for number, source in enumerate(sources, start=1):
                if error := run_learner_cell(client, source):
                    errors.append(f"cell {number}: {error}")
            _emit(nonce, {"event": "learner", "errors": errors})
            after = run_probe(client, probe_token)
            if finding := probe_finding(before, after, probe_token):
                _emit(nonce, {"event": "flag", "reason": finding})
            _grade_questions(client, job)
    except DeadKernelError:
        _emit(nonce, {"event": "dead"})
        return 3
    _emit(nonce, {"event": "done"})
    return 0


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space; the kernel started after this inherits the cap."""
    size = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def make_undumpable() -> None:
    """Keep the kernel (same uid, a child of this process) out of this process's memory and fds."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def main() -> None:
    """Read the job from stdin, protect this process, cap memory, and run it."""
    make_undumpable()
    job = json.loads(sys.stdin.read())
    limit_memory(job["memory_mb"])
    sys.exit(run_job(job))


if __name__ == "__main__":
    main()
