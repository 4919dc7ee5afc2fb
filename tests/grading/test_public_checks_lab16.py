"""Lab 16's public checks: right answers pass, typical wrong answers fail with a useful message."""

import numpy as np
import pandas as pd
import pytest
from check_contract import assert_check_separates

from mlplatform.grading import CheckFailed
from mlplatform.grading.public import load_checks, run_check


def good_range(ratings, low=1.0, high=5.0):
    values = ratings["rating"].dropna()
    n = int(((values < low) | (values > high)).sum())
    return [f"{n} ratings outside [{low}, {high}]"] if n else []


def only_too_high(ratings, low=1.0, high=5.0):
    n = int((ratings["rating"] > high).sum())  # forgets the lower bound
    return [f"{n} ratings above {high}"] if n else []


def good_invariance(model, pairs, seed=0):
    expected = pd.Series(model.predict(pairs), index=pairs.index)
    shuffled = pairs.sample(frac=1.0, random_state=seed)
    got = pd.Series(model.predict(shuffled), index=shuffled.index)
    return [] if np.allclose(got.loc[pairs.index], expected) else ["order matters"]


def positional_invariance(model, pairs, seed=0):
    shuffled = pairs.sample(frac=1.0, random_state=seed)
    # Compares by position: a model that reads the row position passes.
    same = np.allclose(model.predict(shuffled), model.predict(pairs))
    return [] if same else ["order matters"]


def good_gate(candidate, champion, tolerance):
    if not champion:
        return True, "no champion yet"
    worse = [k for k, v in champion.items() if k not in candidate or candidate[k] > v + tolerance]
    return (False, f"regressed: {worse}") if worse else (True, "ok")


def gate_without_tolerance(candidate, champion, tolerance):
    if not champion:
        return True, "no champion yet"
    worse = [k for k, v in champion.items() if candidate[k] > v]
    return (False, f"regressed: {worse}") if worse else (True, "ok")


@pytest.mark.parametrize(
    ("question", "name", "right", "wrong", "message"),
    [
        ("q1", "check_rating_range", good_range, only_too_high, "say how many ratings"),
        (
            "q2",
            "check_row_order_invariance",
            good_invariance,
            lambda model, pairs, seed=0: [],  # a test that can never fail
            "row position",
        ),
        ("q3", "gate", good_gate, gate_without_tolerance, "within tolerance"),
    ],
)
def test_lab16_checks(question, name, right, wrong, message) -> None:
    assert_check_separates("lab16", question, name, right, wrong, message)


@pytest.mark.parametrize(
    ("question", "name", "answer", "message"),
    [
        ("q1", "check_rating_range", lambda ratings: None, "should return a list of problems"),
        ("q1", "check_rating_range", lambda ratings: ["always wrong"], "you reported"),
        ("q1", "check_rating_range", lambda ratings: [], "you found none"),
        ("q2", "check_row_order_invariance", lambda m, p, s: ["x"], "you reported"),
        ("q2", "check_row_order_invariance", positional_invariance, "you reported"),
        ("q3", "gate", lambda c, ch, t: True, "pair \\(passed, reason\\)"),
        ("q3", "gate", lambda c, ch, t: (False, "never"), "a better model"),
    ],
)
def test_lab16_wrong_shapes_are_explained(question, name, answer, message) -> None:
    with pytest.raises(CheckFailed, match=message):
        run_check(load_checks("lab16")[question], {name: answer})


def test_lab16_points_add_up_to_ten() -> None:
    assert sum(check.points for check in load_checks("lab16").values()) == 10
