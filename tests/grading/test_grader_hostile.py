"""Hostile submissions, as a careful instructor would write them (issue 15, section 1).

Each one tries to buy points or to leave something behind: drowning the check results in output,
reading the solution, another learner's notebook or the results, writing outside its folder,
leaving processes running, or rewriting the grader's cells with an IPython input transformer.
"""

from __future__ import annotations

import csv
import socket
import sys
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

from mlplatform.grading.grader import Grader, Limits
from mlplatform.grading.labgen import HIDDEN_TAG, generate_lab
from mlplatform.grading.labspec import load_lab_spec
from mlplatform.grading.submissions import find_submissions

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "lab01_ml_life_cycle.ipynb"
# The grader's default output cap (1 MB): the cases are sized against it.
LIMITS = Limits(wall_seconds=60, cell_seconds=45, memory_mb=3072)
MARKER = f"hostile-orphan-{uuid.uuid4().hex}"
SCRIBBLE = f"hostile-{uuid.uuid4().hex}.txt"


def solved() -> nbformat.NotebookNode:
    notebook = nbformat.read(SOLUTION, as_version=4)
    notebook.cells = [c for c in notebook.cells if HIDDEN_TAG not in c.metadata.get("tags", [])]
    return notebook


def untouched_plus(source: str) -> nbformat.NotebookNode:
    """The lab as handed out (every answer a stub), with one cell added at the end."""
    notebook = generate_lab(nbformat.read(SOLUTION, as_version=4))
    cell = nbformat.v4.new_code_cell(source)
    if notebook.nbformat_minor < 5:  # the lab's format version has no cell ids
        del cell["id"]
    notebook.cells.append(cell)
    nbformat.validate(notebook)
    return notebook


def _exec_code_of(path: Path) -> str:
    """A cell that runs every non-hidden code cell of another notebook (the solution, a peer's)."""
    return (
        "import json, pathlib\n"
        f"_nb = json.loads(pathlib.Path({str(path)!r}).read_text())\n"
        "for _c in _nb['cells']:\n"
        "    if _c['cell_type'] == 'code' and 'hidden' not in _c['metadata'].get('tags', []):\n"
        "        exec(''.join(_c['source']), globals())\n"
    )


def _scribble_targets(out: Path) -> list[Path]:
    site = Path(sys.prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    folders = [Path.home(), ROOT / "solutions", ROOT / "src" / "mlplatform", site, out, ROOT]
    return [folder / SCRIBBLE for folder in folders]


def _writer(out: Path) -> str:
    targets = [str(p) for p in _scribble_targets(out)]
    return (
        f"for _p in {targets!r}:\n"
        "    try:\n"
        "        open(_p, 'w').write('written by a submission')\n"
        "    except OSError:\n"
        "        pass\n"
    )


def _orphans() -> str:
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)", MARKER]
    return (
        "import os, subprocess\n"
        f"subprocess.Popen({sleeper!r}, start_new_session=True)\n"
        f"subprocess.Popen(['setsid', *{sleeper!r}])\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        f"    os.execv({sys.executable!r}, {sleeper!r})\n"
    )


def _peeker(subs: Path, out: Path, port: int) -> str:
    paths = {"solution": SOLUTION, "submissions": subs / "alice.ipynb",
             "results": out / "results" / "alice.json", "solutions": ROOT / "solutions"}  # fmt: skip
    listing = {name: str(path) for name, path in paths.items()}
    return (
        "import os, socket\n"
        f"_seen = [n for n, p in {listing!r}.items() if os.path.exists(p)]\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n"
        "    _net = 'open'\n"
        "except OSError:\n"
        "    _net = 'none'\n"
        "raise RuntimeError(f\"READABLE:{','.join(_seen) or 'none'} UID:{os.getuid()} NET:{_net}\")\n"
    )


TRANSFORMER = """
def _skip_the_grader(lines):
    text = ''.join(lines)
    return ['pass\\n'] if '__grader' in text or 'hidden check' in text else lines

get_ipython().input_transformers_cleanup.append(_skip_the_grader)
"""

# The same trick, spelt so that no text search finds it: keeps only a grading cell's last line.
SNEAKY = """
_shell = get_ipython()
_hooks = getattr(_shell, 'input_transformers' + '_post')
_hooks.append(lambda lines: lines[-1:] if '__grader' in ''.join(lines) else lines)
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, platform) -> tuple[Path, Path, dict[str, dict]]:
    subs = tmp_path_factory.mktemp("hostile-submissions")
    out = tmp_path_factory.mktemp("hostile-gradebook")
    nbformat.write(solved(), subs / "alice.ipynb")
    cases = {
        "flood": "print('x' * 1_100_000)",
        "lines": "print('\\n'.join('x' * 3_000_000))",
        "reader": _exec_code_of(SOLUTION),
        "copycat": _exec_code_of(subs / "alice.ipynb"),
        "peeker": _peeker(subs, out, platform.mlflow_port),
        "writer": _writer(out),
        "orphan": _orphans(),
        "transformer": TRANSFORMER,
        "sneaky": SNEAKY,
    }
    for name, source in cases.items():
        nbformat.write(untouched_plus(source), subs / f"{name}.ipynb")
    spec = load_lab_spec("01", ROOT / "solutions")
    grader = Grader(spec, ROOT, out, LIMITS)
    submissions = find_submissions(subs, spec.lab)
    grader.grade_all([s for s in submissions if s.learner == "alice"], workers=1)
    try:
        grader.grade_all(submissions, workers=2)
        time.sleep(1)  # let a leftover process show up in the process table
        with (out / "gradebook.csv").open() as handle:
            rows = {row["learner"]: row for row in csv.DictReader(handle)}
        yield subs, out, rows
    finally:
        for path in _scribble_targets(out):
            path.unlink(missing_ok=True)
        for proc in _marked_processes():
            proc.kill()


def _marked_processes() -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if MARKER in (proc.info["cmdline"] or []):
            found.append(proc)
    return found


@pytest.mark.parametrize("learner", ["flood", "lines"])
def test_output_past_the_cap_does_not_turn_failed_checks_into_points(hostile, learner) -> None:
    row = hostile[2][learner]
    assert (row["status"], row["total"]) == ("graded", "0")


def test_the_solution_cannot_be_read_and_executed(hostile) -> None:
    row = hostile[2]["reader"]
    assert row["total"] == "0"
    feedback = (hostile[1] / "feedback" / "reader.md").read_text()
    assert "FileNotFoundError" in feedback


def test_another_learners_notebook_cannot_be_copied(hostile) -> None:
    assert hostile[2]["copycat"]["total"] == "0"


def test_solutions_results_and_network_are_out_of_reach_and_the_uid_is_unprivileged(
    hostile,
) -> None:
    feedback = (hostile[1] / "feedback" / "peeker.md").read_text()
    assert "READABLE:none UID:65534 NET:none" in feedback


def test_nothing_is_written_outside_the_submissions_folder(hostile) -> None:
    written = [p for p in _scribble_targets(hostile[1]) if p.exists()]
    assert written == []
    assert hostile[2]["writer"]["status"] == "graded"


def test_processes_started_in_a_new_session_die_with_the_submission(hostile) -> None:
    assert _marked_processes() == []


@pytest.mark.parametrize("learner", ["transformer", "sneaky"])
def test_an_input_transformer_is_detected_and_marked(hostile, learner) -> None:
    row = hostile[2][learner]
    assert (row["status"], row["total"]) == ("flagged", "0")
    assert "rewrites" in row["reason"]


def test_the_real_answers_still_earn_full_marks(hostile) -> None:
    assert (hostile[2]["alice"]["status"], hostile[2]["alice"]["total"]) == ("graded", "9")


def test_the_platform_port_was_reachable_from_the_test_itself(platform) -> None:
    # Guards the NET:none assertion above: the port is open on the host, closed in the sandbox.
    with socket.create_connection(("127.0.0.1", platform.mlflow_port), timeout=5):
        pass
