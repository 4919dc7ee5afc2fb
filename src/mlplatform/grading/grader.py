"""Grade a folder of submissions: each in its own process, directory and limits, never losing a row.

Guarantees (each has a test in tests/grading/test_grader.py):
- a submission runs in a fresh temporary directory, in its own process group, with a wall-clock limit
  (the group is killed) and a memory limit (RLIMIT_AS on the runner and its kernel);
- hidden checks reach the kernel only after the learner's code has run, through a pipe, never a file;
- when the grader runs as root and `nobody` can run the course's Python, submissions run as `nobody`,
  so they cannot write the gradebook, other learners' results, the checks or the solutions; in any
  case the grader snapshots the checks, the solutions and the stored results, compares them after each
  submission, puts back anything changed and marks that submission `tampered` with no points;
- results are stored per learner as soon as they are known; a second run skips learners whose
  notebook did not change (unless `force`), and the gradebook is rebuilt from the stored results.

Like every notebook grader that runs learner code in a kernel, this does not stop a determined
attacker from subverting the checks inside their own kernel; run grading in a container for exams.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from mlplatform.grading import gradebook
from mlplatform.grading.labspec import LabSpec
from mlplatform.grading.results import QuestionResult, Status, SubmissionResult
from mlplatform.grading.snapshot import Snapshot
from mlplatform.grading.submissions import Submission, screen, sha256_of_file

log = logging.getLogger(__name__)
SANDBOX_USER = "nobody"


class GradingAborted(RuntimeError):
    """Grading cannot run at all (the grading process does not start); the message says why."""


@dataclass(frozen=True)
class Limits:
    """Per-submission limits."""

    wall_seconds: float = 600.0
    cell_seconds: float = 120.0
    memory_mb: int = 4096
    output_bytes: int = 1_000_000
    fast: bool = True


@dataclass(frozen=True)
class GradeSummary:
    """What a grading run did."""

    graded: int
    skipped: int
    gradebook: Path
    results: list[SubmissionResult]


def _sandbox_ids() -> tuple[int, int] | None:
    """Run submissions as `nobody` when we are root and `nobody` can run the course's Python.

    Where the interpreter lives under a private home (pyenv under /root, say), `nobody` cannot run it:
    then submissions run as the grader's own user and the integrity checks are the protection.
    """
    if os.geteuid() != 0:
        return None
    try:
        user = pwd.getpwnam(SANDBOX_USER)
    except KeyError:
        return None
    ids = (user.pw_uid, user.pw_gid)
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import mlplatform.grading.runner"],
            user=ids[0], group=ids[1], extra_groups=[], cwd="/", capture_output=True, timeout=120,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        probe = None
    if probe is None or probe.returncode != 0:
        log.warning("user %r cannot run %s: submissions run as root", SANDBOX_USER, sys.executable)
        return None
    return ids


def _child_env(home: Path, workdir: Path, fast: bool) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "MLFLOW_TRACKING_URI", "MLFLOW_PORT", "MLPLATFORM_MODE")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(
        HOME=str(workdir),
        MLPLATFORM_HOME=str(home),
        MLPLATFORM_FAST="1" if fast else "0",
        JUPYTER_RUNTIME_DIR=str(workdir / ".runtime"),
        IPYTHONDIR=str(workdir / ".ipython"),
        MPLCONFIGDIR=str(workdir / ".matplotlib"),
        OMP_NUM_THREADS="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


class Grader:
    """Grades the submissions of one lab into `out_dir`."""

    def __init__(
        self, spec: LabSpec, home: Path, out_dir: Path, limits: Limits | None = None
    ) -> None:
        self.spec, self.home, self.out_dir = spec, home, out_dir
        self.limits = limits or Limits()
        self.ids = _sandbox_ids()
        # What a submission must not change: this lab's checks and solution, the code that grades,
        # and the stored results.
        package = Path(__file__).resolve().parent
        self.snapshot = Snapshot([
            *sorted((home / "solutions").glob(f"{spec.lab}_*.ipynb")),
            package / "checks" / f"{spec.lab}.py", package / "public.py", package / "runner.py",
            out_dir / "results",
        ])  # fmt: skip
        self._suspects: set[str] = set()
        self._running: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    # -- one submission -------------------------------------------------------------------------
    def _job(self, workdir: Path, nonce: str) -> dict:
        questions = [{"id": q.id, "hidden": q.hidden_source} for q in self.spec.questions]
        return {"nonce": nonce, "notebook": str(workdir / "submission.ipynb"), "workdir": str(workdir),
                "lab": self.spec.lab, "questions": questions, "cell_timeout": self.limits.cell_seconds,
                "output_cap": self.limits.output_bytes, "memory_mb": self.limits.memory_mb}  # fmt: skip

    def _start(self, learner: str, workdir: Path, private: Path) -> subprocess.Popen:
        stdout = (private / "stdout").open("wb")
        stderr = (private / "stderr").open("wb")
        kwargs = {}
        if self.ids:
            kwargs = {"user": self.ids[0], "group": self.ids[1], "extra_groups": []}
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mlplatform.grading.runner"],
                stdin=subprocess.PIPE, stdout=stdout, stderr=stderr, cwd=workdir,
                env=_child_env(self.home, workdir, self.limits.fast), start_new_session=True,
                **kwargs,
            )  # fmt: skip
        except OSError as error:
            raise GradingAborted(
                f"cannot start the grading process ({error}); check the environment"
            ) from error
        finally:
            stdout.close()
            stderr.close()
        with self._lock:
            self._running[learner] = proc
        return proc

    def _collect(self, submission: Submission, workdir: Path, private: Path) -> SubmissionResult:
        nonce = secrets.token_hex(16)
        proc = self._start(submission.learner, workdir, private)
        timed_out = False
        try:
            proc.communicate(
                json.dumps(self._job(workdir, nonce)).encode(), timeout=self.limits.wall_seconds
            )
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
        finally:
            with self._lock:
                self._running.pop(submission.learner, None)
        events = _read_events(private / "stdout", nonce)
        return self._result(submission, events, proc.returncode, timed_out, private / "stderr")

    def _result(self, submission, events, returncode, timed_out, stderr_path) -> SubmissionResult:
        result = SubmissionResult(learner=submission.learner, file=submission.path.name, lab=self.spec.lab,
                                  status=Status.GRADED)  # fmt: skip
        points = {q.id: q for q in self.spec.questions}
        for question in self.spec.questions:
            result.questions[question.id] = QuestionResult(max_points=question.points)
        for event in events:
            if event["event"] == "learner":
                result.learner_errors = event["errors"]
            elif event["event"] == "question":
                outcome = result.questions[event["id"]]
                outcome.public_passed, outcome.hidden_passed = (
                    event["public_passed"],
                    event["hidden_passed"],
                )
                hidden_ok = event["hidden_passed"] or points[event["id"]].hidden_source is None
                outcome.points = outcome.max_points if outcome.public_passed and hidden_ok else 0
                if event["public_error"]:
                    outcome.message = event["public_error"]
                elif not event["hidden_passed"]:
                    outcome.message = "The public check passes, but a hidden check does not."
        if any("MemoryError" in error for error in result.learner_errors):
            result.reason = f"a cell ran out of memory (limit {self.limits.memory_mb} MB)"
        done = any(e["event"] == "done" for e in events)
        if timed_out:
            result.status = Status.TIMEOUT
            result.reason = f"stopped after {self.limits.wall_seconds:.0f} s; points earned before that are kept"
        elif not done:
            result.status = Status.CRASHED
            died = any(e["event"] == "dead" for e in events)
            result.reason = ("the kernel died (out of memory? limit "
                             f"{self.limits.memory_mb} MB)" if died else _tail(stderr_path))  # fmt: skip
        return result

    def grade_one(self, submission: Submission) -> SubmissionResult:
        """Screen, run and score one submission. Never raises for a bad submission."""
        started = time.monotonic()
        digest = sha256_of_file(submission.path)
        problem = screen(submission, self.spec.lab)
        if problem:
            status, reason = problem
            result = SubmissionResult(learner=submission.learner, file=submission.path.name,
                                      lab=self.spec.lab, status=Status(status), reason=reason)  # fmt: skip
        else:
            workdir = Path(tempfile.mkdtemp(prefix="mlplatform-grade-"))
            private = Path(
                tempfile.mkdtemp(prefix="mlplatform-grader-")
            )  # 0700: the sandbox cannot read it
            try:
                shutil.copyfile(submission.path, workdir / "submission.ipynb")
                if self.ids:
                    for path in (workdir, workdir / "submission.ipynb"):
                        os.chown(path, *self.ids)
                result = self._collect(submission, workdir, private)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
                shutil.rmtree(private, ignore_errors=True)
        result.seconds = round(time.monotonic() - started, 2)
        result.notebook_sha256 = digest
        with self._lock:
            changed = self.snapshot.restore()
            if changed:  # this one, or one running beside it, changed them: re-graded alone later
                self._suspects |= {submission.learner, *self._running}
        if changed:
            names = ", ".join(str(p.relative_to(p.parents[1])) for p in changed[:5])
            result = result.model_copy(update={"status": Status.TAMPERED, "questions": {
                q: o.model_copy(update={"points": 0}) for q, o in result.questions.items()},
                "reason": f"files outside the submission's folder changed while it ran ({names}); they "
                "were restored."})  # fmt: skip
        return result

    def _store(self, result: SubmissionResult) -> None:
        with self._lock:
            gradebook.save_result(self.out_dir, result)
            self.snapshot.refresh()

    # -- a folder -------------------------------------------------------------------------------
    def pending(self, submissions: list[Submission], force: bool) -> list[Submission]:
        """Submissions without a stored result for their current content (all of them with force)."""
        if force:
            return list(submissions)
        todo = []
        for submission in submissions:
            stored = gradebook.load_result(self.out_dir, submission.learner)
            if stored is None or stored.notebook_sha256 != sha256_of_file(submission.path):
                todo.append(submission)
        return todo

    def grade_all(
        self, submissions: list[Submission], workers: int = 2, force: bool = False
    ) -> GradeSummary:
        """Grade what is pending in parallel, storing each result as it arrives."""
        todo = self.pending(submissions, force)
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            with tqdm(total=len(todo), desc=self.spec.lab, unit="nb") as bar:
                futures: set[Future] = {pool.submit(self.grade_one, s) for s in todo}
                while futures:
                    finished, futures = wait(futures, return_when=FIRST_COMPLETED)
                    for future in finished:
                        self._store(future.result())
                        bar.update()
            self._regrade_suspects(todo, workers)
        except BaseException:
            # Ctrl-C or a grader failure: drop what has not started, kill what runs, keep what is done.
            pool.shutdown(wait=False, cancel_futures=True)
            self.stop_all()
            raise
        finally:
            pool.shutdown(wait=True)
            results = [
                gradebook.load_result(self.out_dir, s.learner) or self._pending_row(s)
                for s in submissions
            ]
            path = gradebook.write_gradebook(self.out_dir, self.spec, results)
        return GradeSummary(len(todo), len(submissions) - len(todo), path, results)

    def _regrade_suspects(self, todo: list[Submission], workers: int) -> None:
        """Grade alone every submission that ran while files were changed, to find which one did it."""
        if workers <= 1:
            self._suspects.clear()  # graded one at a time: the detection already named the culprit
            return
        suspects = [s for s in todo if s.learner in self._suspects]
        self._suspects.clear()
        for submission in suspects:
            self._store(self.grade_one(submission))
        self._suspects.clear()

    def _pending_row(self, submission: Submission) -> SubmissionResult:
        """The row of a submission not graded yet (interrupted run); it is not stored, so it is redone."""
        return SubmissionResult(learner=submission.learner, file=submission.path.name, lab=self.spec.lab,
                                status=Status.PENDING, reason="grading was interrupted; run it again to finish")  # fmt: skip

    def stop_all(self) -> None:
        """Kill every running submission (on interrupt)."""
        with self._lock:
            running = list(self._running.values())
        for proc in running:
            _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _read_events(path: Path, nonce: str) -> list[dict]:
    events = []
    with path.open("rb") as handle:
        for raw in handle:
            line = raw.decode(errors="replace").strip()
            if line.startswith(nonce + " "):
                try:
                    events.append(json.loads(line[len(nonce) + 1 :]))
                except json.JSONDecodeError:
                    continue
    return events


def _tail(path: Path, size: int = 600) -> str:
    data = path.read_bytes()[-size:].decode(errors="replace").strip()
    last = data.splitlines()[-1] if data else "no output"
    return f"the grading process failed: {last}"
