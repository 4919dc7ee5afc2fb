"""Write what grading produced: one JSON result per learner, `gradebook.csv` and feedback files.

Every file is written to a temporary name and renamed into place, so an interrupted run never leaves a
half-written gradebook. The gradebook is rebuilt from the stored results each time: one row per
submission, never lost, never duplicated.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from mlplatform.grading.labspec import LabSpec
from mlplatform.grading.results import Status, SubmissionResult


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def result_path(out_dir: Path, learner: str) -> Path:
    """Where a learner's result is stored."""
    return out_dir / "results" / f"{learner}.json"


def load_result(out_dir: Path, learner: str) -> SubmissionResult | None:
    """A stored result, or None when there is none or it is unreadable (then it is graded again)."""
    path = result_path(out_dir, learner)
    try:
        return SubmissionResult.model_validate_json(path.read_text())
    except (OSError, ValidationError):
        return None


def save_result(out_dir: Path, result: SubmissionResult) -> None:
    """Store one learner's result and feedback."""
    write_atomically(result_path(out_dir, result.learner), result.model_dump_json(indent=1))
    write_atomically(out_dir / "feedback" / f"{result.learner}.md", feedback(result))


def gradebook_csv(spec: LabSpec, results: Iterable[SubmissionResult]) -> str:
    """The gradebook: one row per learner, one column per question, total, status and reason."""
    questions = [q.id for q in spec.questions]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["learner", "file", "status", *questions, "total", "max", "reason"])
    for result in sorted(results, key=lambda r: r.learner):
        points = [result.questions[q].points if q in result.questions else 0 for q in questions]
        writer.writerow([result.learner, result.file, result.status.value, *points,
                         sum(points), spec.max_points, result.reason])  # fmt: skip
    return buffer.getvalue()


def write_gradebook(out_dir: Path, spec: LabSpec, results: Iterable[SubmissionResult]) -> Path:
    """Write `gradebook.csv` atomically; returns its path."""
    path = out_dir / "gradebook.csv"
    write_atomically(path, gradebook_csv(spec, results))
    return path


def _mark(passed: bool | None) -> str:
    return {True: "passed", False: "failed", None: "not reached"}[passed]


def feedback(result: SubmissionResult) -> str:
    """A learner's feedback in Markdown: what passed, what failed, and the hint."""
    lines = [f"# {result.lab}: feedback for {result.learner}", ""]
    lines.append(f"**{result.total} / {result.max_total} points** ({result.status.value})")
    if result.reason:
        lines += ["", f"Note: {result.reason}"]
    if result.questions:
        lines += ["", "| question | points | public check | hidden checks |", "|---|---|---|---|"]
        for question, outcome in result.questions.items():
            lines.append(f"| {question} | {outcome.points} / {outcome.max_points} | "
                         f"{_mark(outcome.public_passed)} | {_mark(outcome.hidden_passed)} |")  # fmt: skip
        for question, outcome in result.questions.items():
            if outcome.message:
                lines += ["", f"**{question}**: {outcome.message}"]
    if result.learner_errors:
        lines += ["", "Errors while running your notebook from the top:"]
        lines += [f"- {error}" for error in result.learner_errors[:10]]
    if result.status is Status.GRADED and result.total < result.max_total:
        lines += ["", "Run the public checks in the lab (`check(\"q1\")`...) and read their hints; hidden "
                  "checks try cases the public ones do not, such as ties, empty inputs or unusual users."]  # fmt: skip
    return "\n".join(lines) + "\n"
