import matplotlib
import pytest

from mlplatform.maturity import (
    AREAS,
    LEVELS,
    QUESTIONS,
    Question,
    area_frame,
    assess,
    next_steps_frame,
    plot_assessment,
    questions_frame,
)

matplotlib.use("Agg")

IDS_BY_LEVEL = {level: {q.id for q in QUESTIONS if q.level == level} for level in LEVELS}


def answers_with_yes(*levels: int, but_no: tuple[str, ...] = ()) -> dict[str, bool]:
    """Yes to every question of `levels`, no to the rest and to the ids in `but_no`."""
    return {q.id: q.level in levels and q.id not in but_no for q in QUESTIONS}


def test_question_bank_is_well_formed() -> None:
    ids = [q.id for q in QUESTIONS]
    assert len(ids) == len(set(ids)), "question ids must be unique"
    assert 12 <= len(QUESTIONS) <= 15
    assert {q.area for q in QUESTIONS} == set(AREAS)
    assert all(IDS_BY_LEVEL[level] for level in LEVELS), "every level needs questions"
    assert all(q.text.endswith("?") for q in QUESTIONS)


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        (answers_with_yes(0, 1, 2), 2),
        (answers_with_yes(), 0),
        (answers_with_yes(0), 0),
        (answers_with_yes(0, 1), 1),
        (answers_with_yes(1, 2), 0),  # automation without the foundations is still level 0
        (answers_with_yes(0, 2), 0),  # CI/CD without a training pipeline does not count
        (answers_with_yes(0, 1, 2, but_no=("alerts_owned",)), 1),
        (answers_with_yes(0, 1, 2, but_no=("train_triggers",)), 0),
        (answers_with_yes(0, 1, 2, but_no=("code_in_git",)), 0),
    ],
)
def test_level_is_the_highest_complete_level(answers: dict[str, bool], level: int) -> None:
    assert assess(answers).level == level


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (answers_with_yes(), IDS_BY_LEVEL[0]),
        (answers_with_yes(0), IDS_BY_LEVEL[1]),
        (answers_with_yes(0, 1), IDS_BY_LEVEL[2]),
        (answers_with_yes(0, 1, 2), set()),
        (answers_with_yes(1, 2, but_no=()), IDS_BY_LEVEL[0]),
        (answers_with_yes(0, 1, but_no=("same_code",)), {"same_code"}),
    ],
)
def test_next_steps_are_the_gaps_of_the_lowest_incomplete_level(
    answers: dict[str, bool], expected: set[str]
) -> None:
    assert {q.id for q in assess(answers).next_steps} == expected


def test_area_scores_count_yes_per_area() -> None:
    result = assess(answers_with_yes(0))
    scores = {s.area: (s.yes, s.total) for s in result.area_scores}
    assert list(scores) == list(AREAS)
    assert scores["data"] == (1, 3)
    assert scores["training"] == (0, 3)
    assert sum(total for _, total in scores.values()) == len(QUESTIONS)


def test_area_frame_has_one_row_per_area_and_level_breakdown() -> None:
    frame = area_frame(assess(answers_with_yes(0, 1)))
    assert list(frame.index) == list(AREAS)
    assert frame.loc["deployment", ["level 0", "level 1", "level 2"]].tolist() == [
        "1/1",
        "1/1",
        "0/1",
    ]
    assert frame.loc["training", "level 0"] == ""
    assert frame.loc["experiments", "score"] == 1.0
    assert frame["questions"].sum() == len(QUESTIONS)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({**answers_with_yes(), "uses_kubernetes": True}, "Unknown question id.*uses_kubernetes"),
        (
            {k: v for k, v in answers_with_yes().items() if k != "drift_monitored"},
            "Missing answer.*drift_monitored",
        ),
        ({}, "Missing answer.*code_in_git"),
    ],
)
def test_bad_answers_name_the_ids(answers: dict[str, bool], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assess(answers)


def test_non_bool_answer_is_rejected() -> None:
    answers = {**answers_with_yes(), "ci_tests": "no"}
    with pytest.raises(TypeError, match="'ci_tests' is 'no'"):
        assess(answers)


def test_custom_question_bank() -> None:
    bank = (Question("a", "data", "A?", 0), Question("b", "data", "B?", 1))
    result = assess({"a": True, "b": True}, bank)
    assert result.level == 1
    assert result.level_name == LEVELS[1]


def test_tables_and_chart() -> None:
    result = assess(answers_with_yes(0))
    assert list(questions_frame().columns) == ["level", "area", "text"]
    assert set(next_steps_frame(result).index) == IDS_BY_LEVEL[1]
    assert next_steps_frame(assess(answers_with_yes(0, 1, 2))).empty
    ax = plot_assessment(result)
    widths = [bar.get_width() for bar in ax.patches[len(AREAS) :]]  # after the grey tracks
    assert widths == [s.score for s in reversed(result.area_scores)]
    assert "level 0" in ax.get_title()
