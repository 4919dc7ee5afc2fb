"""The public checks themselves: right answers pass, wrong answers fail with a hint."""

import numpy as np
import pandas as pd
import pytest
from check_contract import assert_check_separates

from mlplatform.grading import CheckFailed, checker
from mlplatform.grading.public import load_checks, run_check


def good_split(ratings, test_fraction):
    ordered = ratings.sort_values("timestamp")
    cut = round(len(ordered) * (1 - test_fraction))
    return ordered.iloc[:cut], ordered.iloc[cut:]


def leaky_split(ratings, test_fraction):
    cut = round(len(ratings) * (1 - test_fraction))
    return ratings.iloc[:cut], ratings.iloc[cut:]  # not sorted: leaks the future


def good_rmse(train, test):
    return float(np.sqrt(((test["rating"] - train["rating"].mean()) ** 2).mean()))


def mean_of_test_rmse(train, test):
    return float(np.sqrt(((test["rating"] - test["rating"].mean()) ** 2).mean()))


def good_per_user(test, predictions):
    err = (test["rating"].to_numpy() - predictions) ** 2
    return pd.Series(err, index=test["user_id"].to_numpy()).groupby(level=0).mean() ** 0.5


def overall(test, predictions):
    return float(np.sqrt(np.mean((test["rating"].to_numpy() - predictions) ** 2)))


@pytest.mark.parametrize(
    ("question", "name", "right", "wrong", "message"),
    [
        ("q1", "temporal_split", good_split, leaky_split, "leaks the future"),
        ("q2", "global_mean_rmse", good_rmse, mean_of_test_rmse, "your function gave"),
        ("q3", "per_user_rmse", good_per_user, overall, "pandas Series"),
    ],
)
def test_lab01_checks(question, name, right, wrong, message) -> None:
    assert_check_separates("lab01", question, name, right, wrong, message)


def test_a_crash_in_learner_code_is_reported_with_the_hint() -> None:
    def crashes(ratings, test_fraction):
        return ratings["no such column"]

    with pytest.raises(CheckFailed, match=r"raised KeyError.*Hint"):
        run_check(load_checks("lab01")["q1"], {"temporal_split": crashes})


def test_check_reads_the_callers_namespace(capsys) -> None:
    check = checker("lab01")
    global temporal_split
    temporal_split = good_split
    check("q1")
    assert "q1 passed (3 points)" in capsys.readouterr().out
    with pytest.raises(KeyError, match="no question 'q9'"):
        check("q9")


def test_unknown_lab() -> None:
    with pytest.raises(KeyError, match="no checks for 'lab77'"):
        checker("lab77")
