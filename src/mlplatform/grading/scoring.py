"""Turn the runner's events into a submission's result: points, status and reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlplatform.grading.labspec import LabSpec
from mlplatform.grading.results import QuestionResult, Status, SubmissionResult
from mlplatform.grading.runner_process import tail
from mlplatform.grading.submissions import Submission


@dataclass(frozen=True)
class RunOutcome:
    """How the runner's process ended, and what it reported."""

    events: list[dict]
    timed_out: bool
    stderr: Path
    wall_seconds: float
    memory_mb: int


def _score_question(result: SubmissionResult, spec: LabSpec, event: dict) -> None:
    outcome = result.questions[event["id"]]
    outcome.public_passed, outcome.hidden_passed = event["public_passed"], event["hidden_passed"]
    question = next(q for q in spec.questions if q.id == event["id"])
    hidden_ok = event["hidden_passed"] or question.hidden_source is None
    outcome.points = outcome.max_points if outcome.public_passed and hidden_ok else 0
    if event["public_error"]:
        outcome.message = event["public_error"]
    elif not event["hidden_passed"]:
        outcome.message = "The public check passes, but a hidden check does not."


def flag(result: SubmissionResult, why: str) -> SubmissionResult:
    """Mark a submission that rewrites the grader's cells: no points, and the reason."""
    earned = result.total
    return result.model_copy(update={
        "status": Status.FLAGGED,
        "questions": {q: o.model_copy(update={"points": 0}) for q, o in result.questions.items()},
        "reason": f"the notebook rewrites the grader's cells ({why}); 0 points, review it by hand "
        f"(its checks reported {earned}/{result.max_total})",
    })  # fmt: skip


def score(spec: LabSpec, submission: Submission, run: RunOutcome) -> SubmissionResult:
    """The result of one run: points from explicit check results only; status and reason."""
    result = SubmissionResult(learner=submission.learner, file=submission.path.name, lab=spec.lab,
                              status=Status.GRADED)  # fmt: skip
    for question in spec.questions:
        result.questions[question.id] = QuestionResult(max_points=question.points)
    known = {q.id for q in spec.questions}
    for event in run.events:
        if event["event"] == "learner":
            result.learner_errors = event["errors"]
        elif event["event"] == "question" and event.get("id") in known:
            _score_question(result, spec, event)
    if any("MemoryError" in error for error in result.learner_errors):
        result.reason = f"a cell ran out of memory (limit {run.memory_mb} MB)"
    if run.timed_out:
        result.status = Status.TIMEOUT
        result.reason = (
            f"stopped after {run.wall_seconds:.0f} s; points earned before that are kept"
        )
    elif not any(e["event"] == "done" for e in run.events):
        result.status = Status.CRASHED
        died = any(e["event"] == "dead" for e in run.events)
        result.reason = (f"the kernel died (out of memory? limit {run.memory_mb} MB)" if died
                         else tail(run.stderr))  # fmt: skip
    flags = [e["reason"] for e in run.events if e["event"] == "flag"]
    return flag(result, "; ".join(flags)) if flags else result
