"""The grading result of one submission, as stored in `results/<learner>.json`."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Status(StrEnum):
    """How grading a submission ended."""

    GRADED = "graded"  # every cell ran (some may have raised: see learner_errors)
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    NOT_A_NOTEBOOK = "not a notebook"
    EMPTY = "empty"
    WRONG_LAB = "wrong lab"
    TAMPERED = "tampered"  # changed files outside its folder (restored); no points
    FLAGGED = "flagged"  # rewrites the grader's cells (an input transformer, say); no points
    PENDING = "not graded yet"  # an interrupted run; the next run grades it


class QuestionResult(BaseModel):
    """Points and check outcomes for one question."""

    points: int = 0
    max_points: int
    public_passed: bool | None = None  # None: not reached
    hidden_passed: bool | None = None
    message: str = ""


class SubmissionResult(BaseModel):
    """Everything the gradebook and the feedback file need for one learner."""

    learner: str
    file: str
    lab: str
    status: Status
    reason: str = ""
    questions: dict[str, QuestionResult] = Field(default_factory=dict)
    learner_errors: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    notebook_sha256: str = ""

    @property
    def total(self) -> int:
        """Points earned."""
        return sum(q.points for q in self.questions.values())

    @property
    def max_total(self) -> int:
        """Points available."""
        return sum(q.max_points for q in self.questions.values())
