"""Grade a folder of submissions: each in its own sandbox, with limits, never losing a row.

Guarantees (each has a test in tests/grading/test_grader.py or test_grader_hostile.py):
- a submission runs in a bubblewrap sandbox (`mlplatform.grading.sandbox`): its own PID namespace
  (every process it starts dies with it), no network, uid 65534, the interpreter, the environment
  and the course's package read-only, a fresh writable home and working folder, and nothing of
  solutions/, the submissions folder, the gradebook or the stored results mounted;
- a wall-clock limit (the sandbox is killed), a per-cell limit, a memory limit (RLIMIT_AS on the
  runner and its kernel) and an output cap on learner cells;
- hidden checks reach the kernel only after the learner's code has run, through a pipe, never a
  file; a check passes only on a positive, explicit result (`mlplatform.grading.runner`);
- a submission that registers cell-rewriting hooks is marked `flagged` with no points;
- the grader snapshots this lab's checks, its solution and the stored results, puts back anything
  changed and marks that submission `tampered` (a second line of defence; the sandbox cannot write
  there);
- results are stored per learner as soon as they are known; a second run skips learners whose
  notebook did not change (unless `force`), and the gradebook is rebuilt from the stored results.

Without bubblewrap (macOS) grading is refused unless the instructor passes `--unsafe-no-sandbox`;
every row graded so says it in its reason. A learner can still subvert checks inside their own
kernel in ways the probe does not see; docs/instructors.md lists what the sandbox does not stop.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from mlplatform.grading import gradebook, sandbox
from mlplatform.grading.lab_data import prepare_lab_data
from mlplatform.grading.labspec import LabSpec
from mlplatform.grading.probes import hooks_named_in
from mlplatform.grading.results import Status, SubmissionResult
from mlplatform.grading.runner_process import kill_group, read_events, start_runner
from mlplatform.grading.scoring import RunOutcome, flag, score
from mlplatform.grading.snapshot import Snapshot
from mlplatform.grading.submissions import Submission, code_of, screen, sha256_of_file

log = logging.getLogger(__name__)


class GradingAborted(RuntimeError):
    """Grading cannot run at all (no sandbox, the grading process does not start); says why."""


@dataclass(frozen=True)
class Limits:
    """Per-submission limits."""

    wall_seconds: float = 600.0
    cell_seconds: float = 120.0
    memory_mb: int = 4096
    output_bytes: int = 1_000_000
    fast: bool = True
    network: bool = (
        False  # True: the sandbox shares the host's network (labs that use the platform)
    )


@dataclass(frozen=True)
class GradeSummary:
    """What a grading run did."""

    graded: int
    skipped: int
    gradebook: Path
    results: list[SubmissionResult]


class Grader:
    """Grades the submissions of one lab into `out_dir`.

    Raises:
        GradingAborted: the sandbox does not work here and `unsafe_no_sandbox` is not set.
        DataError: the data the lab reads is missing and cannot be made.
    """

    def __init__(
        self,
        spec: LabSpec,
        home: Path,
        out_dir: Path,
        limits: Limits | None = None,
        unsafe_no_sandbox: bool = False,
    ) -> None:
        self.spec, self.home, self.out_dir = spec, home, out_dir
        self.limits = limits or Limits()
        self.sandboxed = not unsafe_no_sandbox
        if self.sandboxed:
            try:
                sandbox.check_sandbox(home)
            except sandbox.SandboxUnavailable as error:
                raise GradingAborted(str(error)) from None
        else:
            log.warning("grading WITHOUT a sandbox: submissions run on this host with your rights")
        prepare_lab_data(spec.lab, home, self.limits.fast)  # data/ is read-only in the sandbox
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
    def _job(self, scratch: sandbox.Scratch, nonce: str) -> dict:
        questions = [{"id": q.id, "hidden": q.hidden_source} for q in self.spec.questions]
        tokens = {q.id: [secrets.token_hex(16), secrets.token_hex(16)] for q in self.spec.questions}
        return {"nonce": nonce, "probe_token": secrets.token_hex(16), "tokens": tokens,
                "notebook": str(scratch.work / "submission.ipynb"), "workdir": str(scratch.work),
                "lab": self.spec.lab, "questions": questions, "cell_timeout": self.limits.cell_seconds,
                "output_cap": self.limits.output_bytes, "memory_mb": self.limits.memory_mb}  # fmt: skip

    def _start(self, learner: str, scratch: sandbox.Scratch, private: Path) -> subprocess.Popen:
        try:
            proc = start_runner(scratch, self.home, private, sandboxed=self.sandboxed,
                                network=self.limits.network, fast=self.limits.fast)  # fmt: skip
        except OSError as error:
            raise GradingAborted(
                f"cannot start the grading process ({error}); check the environment"
            ) from error
        with self._lock:
            self._running[learner] = proc
        return proc

    def _run(self, submission: Submission, scratch: sandbox.Scratch, private: Path) -> RunOutcome:
        nonce = secrets.token_hex(16)
        proc = self._start(submission.learner, scratch, private)
        timed_out = False
        try:
            proc.communicate(
                json.dumps(self._job(scratch, nonce)).encode(), timeout=self.limits.wall_seconds
            )
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
        finally:
            with self._lock:
                self._running.pop(submission.learner, None)
        return RunOutcome(read_events(private / "stdout", nonce), timed_out, private / "stderr",
                          self.limits.wall_seconds, self.limits.memory_mb)  # fmt: skip

    def _execute(self, submission: Submission) -> SubmissionResult:
        scratch = sandbox.Scratch(Path(tempfile.mkdtemp(prefix="mlplatform-grade-")))
        private = Path(
            tempfile.mkdtemp(prefix="mlplatform-grader-")
        )  # never mounted in the sandbox
        try:
            scratch.create()
            shutil.copyfile(submission.path, scratch.work / "submission.ipynb")
            result = score(self.spec, submission, self._run(submission, scratch, private))
        finally:
            shutil.rmtree(scratch.root, ignore_errors=True)
            shutil.rmtree(private, ignore_errors=True)
        if hooks := hooks_named_in(code_of(submission.path)):
            result = flag(result, f"it names {', '.join(hooks)}")
        if not self.sandboxed:
            result.reason = "; ".join(filter(None, [sandbox.UNSAFE_REASON, result.reason]))
        return result

    def grade_one(self, submission: Submission) -> SubmissionResult:
        """Screen, run and score one submission. Never raises for a bad submission."""
        started = time.monotonic()
        digest = sha256_of_file(submission.path)
        if problem := screen(submission, self.spec.lab):
            result = SubmissionResult(learner=submission.learner, file=submission.path.name,
                                      lab=self.spec.lab, status=Status(problem[0]), reason=problem[1])  # fmt: skip
        else:
            result = self._execute(submission)
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
            kill_group(proc)
