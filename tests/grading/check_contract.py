"""The contract every public check must keep, shared by the tests of each lab's checks."""

import functools
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from mlplatform.grading import CheckFailed
from mlplatform.grading.labgen import read_notebook
from mlplatform.grading.public import load_checks, run_check

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


@functools.cache
def solution_lines(lab: str) -> frozenset[str]:
    """The distinctive lines of code in a lab's solution regions (what feedback must not show)."""
    (path,) = SOLUTIONS.glob(f"{lab}_*.ipynb")
    lines: set[str] = set()
    for cell in read_notebook(path).cells:
        for region in SOLUTION_REGION.findall(cell.source):
            lines |= {line.strip() for line in region.splitlines() if len(line.strip()) > 12}
    return frozenset(lines)


def assert_gives_nothing_away(lab: str, message: str) -> None:
    """Feedback says what is wrong; it never quotes the solution's code."""
    leaked = [line for line in solution_lines(lab) if line in message]
    assert not leaked, f"{lab}'s feedback quotes its solution {leaked}: {message}"


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
    """A right answer passes; a wrong one, the stub and a missing answer fail with their messages.

    Neither the wrong answer's feedback nor the stub's quotes the solution.
    """
    check = load_checks(lab)[question]
    run_check(check, {name: right})
    with pytest.raises(CheckFailed, match=message) as wrong_failure:
        run_check(check, {name: wrong})
    assert_gives_nothing_away(lab, str(wrong_failure.value))
    if stub is not None:
        with pytest.raises(CheckFailed, match="not answered yet") as stub_failure:
            run_check(check, {name: stub})
        assert_gives_nothing_away(lab, str(stub_failure.value))
    with pytest.raises(CheckFailed, match="run the answer cell"):
        run_check(check, {})
