"""The contract every public check must keep, shared by the tests of each lab's checks."""

from collections.abc import Callable

import pytest

from mlplatform.grading import CheckFailed
from mlplatform.grading.public import load_checks, run_check


def not_done(*args: object, **kwargs: object) -> None:
    """What the untouched lab's stub does."""
    raise NotImplementedError("Replace this line with your answer.")


def assert_check_separates(
    lab: str,
    question: str,
    name: str,
    right: object,
    wrong: object,
    message: str,
    stub: Callable | None = not_done,
) -> None:
    """A right answer passes; a wrong one, the stub and a missing answer fail with their messages."""
    check = load_checks(lab)[question]
    run_check(check, {name: right})
    with pytest.raises(CheckFailed, match=message):
        run_check(check, {name: wrong})
    if stub is not None:
        with pytest.raises(CheckFailed, match="not answered yet"):
            run_check(check, {name: stub})
    with pytest.raises(CheckFailed, match="run the answer cell"):
        run_check(check, {})
