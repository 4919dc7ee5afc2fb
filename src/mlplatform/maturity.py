"""An MLOps maturity self-assessment: yes/no questions, the level reached, and what to do next.

The levels follow Google Cloud's "MLOps: Continuous delivery and automation pipelines in machine
learning": level 0 is a manual process, level 1 automates the ML pipeline (continuous training),
level 2 automates the pipeline's own CI/CD. Level-0 questions are the foundations a careful manual
team already has; a team is at level N when every question of level N and below is answered yes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LEVELS: dict[int, str] = {
    0: "manual process",
    1: "ML pipeline automation (continuous training)",
    2: "CI/CD pipeline automation",
}
AREAS = ("data", "experiments", "training", "deployment", "monitoring", "collaboration")


@dataclass(frozen=True)
class Question:
    """One yes/no question; a yes is a practice expected of a team at `level`."""

    id: str
    area: str
    text: str
    level: int


# One block per question: id and area, then the text, then the level.
# fmt: off
QUESTIONS: tuple[Question, ...] = (
    # Level 0: the foundations of a careful manual process.
    Question("code_in_git", "collaboration",
             "Is the code that trains the model in version control, not only in someone's "
             "notebook?", 0),
    Question("data_snapshot", "data",
             "Can you name the exact data (a snapshot, version or hash) that the model in "
             "production was trained on?", 0),
    Question("runs_tracked", "experiments",
             "Are training runs recorded with their parameters and metrics outside the notebook, "
             "for example in a tracking server?", 0),
    Question("deploy_repeatable", "deployment",
             "Could someone other than the model's author deploy it again from stored artefacts "
             "and written steps?", 0),
    # Level 1: ML pipeline automation, continuous training.
    Question("data_validated", "data",
             "Does new data pass automatic checks (schema, ranges, missing values) before a model "
             "is trained on it?", 1),
    Question("features_shared", "data",
             "Are features computed by one definition for both training and serving, such as a "
             "feature store?", 1),
    Question("same_code", "experiments",
             "Do experiments run the same pipeline code that production runs, so a good experiment"
             " can be promoted as it is?", 1),
    Question("train_pipeline", "training",
             "Is training an orchestrated pipeline (data, validation, training, evaluation) that "
             "runs without anyone opening a notebook?", 1),
    Question("train_triggers", "training",
             "Does the pipeline retrain by itself, on a schedule, on new data or when monitoring "
             "raises a flag?", 1),
    Question("promotion_gate", "deployment",
             "Is a new model promoted only if it beats the current one on the same held-out data, "
             "with the decision recorded in a registry?", 1),
    Question("drift_monitored", "monitoring",
             "Are the model's inputs and predictions watched for drift, and its accuracy measured "
             "once labels arrive?", 1),
    # Level 2: CI/CD automation of the pipeline itself.
    Question("ci_tests", "collaboration",
             "Does every change to the pipeline code run automated tests (code, data, model) in CI"
             " before it is merged?", 2),
    Question("pipeline_cd", "training",
             "When the pipeline code changes, is the new pipeline built, tested and deployed to "
             "production automatically?", 2),
    Question("progressive_rollout", "deployment",
             "Are new models rolled out gradually (canary, shadow or blue/green), with a "
             "one-command rollback?", 2),
    Question("alerts_owned", "monitoring",
             "Do alerts on service and model metrics reach a named owner who has a runbook?", 2),
)
# fmt: on


@dataclass(frozen=True)
class AreaScore:
    """How many of an area's questions were answered yes."""

    area: str
    yes: int
    total: int

    @property
    def score(self) -> float:
        """Share of the area's questions answered yes, from 0 to 1."""
        return self.yes / self.total


@dataclass(frozen=True)
class Assessment:
    """The result of `assess`: level reached, per-area scores and the next steps."""

    level: int
    area_scores: tuple[AreaScore, ...]
    # The "no" questions of the lowest level not yet complete; empty when everything is yes.
    next_steps: tuple[Question, ...]
    yes_ids: frozenset[str]

    @property
    def level_name(self) -> str:
        """Name of the level reached, for example "manual process"."""
        return LEVELS[self.level]


def _check_answers(answers: Mapping[str, bool], questions: tuple[Question, ...]) -> None:
    known = [q.id for q in questions]
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise ValueError(
            f"Unknown question id(s): {', '.join(unknown)}. Known ids: {', '.join(known)}."
        )
    missing = [qid for qid in known if qid not in answers]
    if missing:
        raise ValueError(
            f"Missing answer(s) for: {', '.join(missing)}. "
            "Answer every question with True or False."
        )
    for qid, value in answers.items():
        if not isinstance(value, bool):
            raise TypeError(f"Answer to {qid!r} is {value!r}; use True or False.")


def assess(answers: Mapping[str, bool], questions: tuple[Question, ...] = QUESTIONS) -> Assessment:
    """Score yes/no answers, keyed by question id, against the maturity levels.

    Raises:
        ValueError: an id is not a question, or a question has no answer; the message names them.
        TypeError: an answer is not a bool (a string such as "yes" would silently count as True).
    """
    _check_answers(answers, questions)
    yes_ids = frozenset(qid for qid, value in answers.items() if value)
    level, next_steps = 0, ()
    for candidate in sorted({q.level for q in questions}):
        gaps = tuple(q for q in questions if q.level == candidate and q.id not in yes_ids)
        if gaps:
            next_steps = gaps
            break
        level = candidate
    areas = [a for a in AREAS if any(q.area == a for q in questions)]
    areas += sorted({q.area for q in questions} - set(areas))
    scores = tuple(
        AreaScore(
            area,
            sum(q.id in yes_ids for q in questions if q.area == area),
            sum(q.area == area for q in questions),
        )
        for area in areas
    )
    return Assessment(level, scores, next_steps, yes_ids)


def area_frame(assessment: Assessment, questions: tuple[Question, ...] = QUESTIONS) -> pd.DataFrame:
    """Tabulate an assessment by area: yes count, score, and "yes/total" for each level.

    A level column is empty for an area that has no question at that level.
    """
    rows = []
    for area_score in assessment.area_scores:
        row: dict[str, object] = {
            "area": area_score.area,
            "yes": area_score.yes,
            "questions": area_score.total,
            "score": round(area_score.score, 2),
        }
        for level in LEVELS:
            asked = [q for q in questions if q.area == area_score.area and q.level == level]
            yes = sum(q.id in assessment.yes_ids for q in asked)
            row[f"level {level}"] = f"{yes}/{len(asked)}" if asked else ""
        rows.append(row)
    return pd.DataFrame(rows).set_index("area")


def questions_frame(questions: tuple[Question, ...] = QUESTIONS) -> pd.DataFrame:
    """The question bank as a table indexed by id, in the order of `questions` (by level)."""
    rows = [vars(q) for q in questions]
    return pd.DataFrame(rows, columns=["id", "level", "area", "text"]).set_index("id")


def next_steps_frame(assessment: Assessment) -> pd.DataFrame:
    """The next steps as a table indexed by id: level, area and the practice to adopt."""
    return questions_frame(assessment.next_steps)


def plot_assessment(assessment: Assessment, ax: Axes | None = None) -> Axes:
    """Draw one horizontal bar per area: the share of its questions answered yes, out of 100%."""
    import matplotlib.pyplot as plt  # heavy import, only when a chart is wanted

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
    scores = list(reversed(assessment.area_scores))  # first area at the top
    areas = [s.area for s in scores]
    ax.barh(areas, [1.0] * len(scores), color="0.9")  # grey track: what a full yes would fill
    bars = ax.barh(areas, [s.score for s in scores], color="tab:blue")
    ax.bar_label(bars, labels=[f"{s.yes}/{s.total}" for s in scores], padding=3)
    ax.set_xlim(0, 1.12)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_xlabel("questions answered yes")
    ax.set_title(f"MLOps maturity: level {assessment.level}\n{assessment.level_name}")
    return ax
