"""Public checks: what a learner runs in a lab with `check("q1")`.

The checks live in this package (`mlplatform.grading.checks.labNN`), not in the notebook, so a learner
cannot edit them by accident. A check reads the learner's answer from the notebook's namespace, calls
it on small data of its own, and raises `CheckFailed` with a hint when something is off.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Namespace = dict[str, Any]


class CheckFailed(AssertionError):
    """A public check did not pass; the message says what was expected and gives a hint."""


class ChecksUnavailableError(KeyError):
    """A lab's checks exist but cannot be imported: a module they need is missing."""

    def __str__(self) -> str:  # KeyError's own str() would wrap the message in quotes
        return str(self.args[0])


@dataclass(frozen=True)
class Check:
    """One question's public check.

    The hint is shown with every failure, including an untouched stub, so it names the idea and
    where the chapter shows it, never the code to write (tests/grading/test_hints.py checks this).
    """

    question: str
    points: int
    hint: str
    run: Callable[[Namespace], None]  # raises AssertionError (or anything) when the answer is wrong


def answer(namespace: Namespace, name: str) -> Any:
    """Fetch the learner's `name` from the notebook, or fail with a clear message."""
    if name not in namespace:
        raise CheckFailed(
            f"`{name}` is not defined yet: run the answer cell above this check first."
        )
    return namespace[name]


def load_checks(lab: str) -> dict[str, Check]:
    """The public checks of a lab, by question id (`lab` like "lab01").

    Raises:
        KeyError: there are no checks for `lab`.
        ChecksUnavailableError: the checks need a module that is not installed; it is named.
    """
    module_name = f"mlplatform.grading.checks.{lab}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is not None and module_name.startswith(error.name):
            raise KeyError(f"There are no checks for {lab!r}; is the lab name right?") from None
        raise ChecksUnavailableError(
            f"The checks for {lab!r} need the module {error.name!r}, which is not installed in "
            "this kernel's environment. Run `make setup` (it installs requirements.lock), then "
            "restart the kernel."
        ) from error
    return {check.question: check for check in module.CHECKS}


def run_check(check: Check, namespace: Namespace) -> None:
    """Run one check; re-raise any failure as `CheckFailed` with the hint attached."""
    try:
        check.run(namespace)
    except NotImplementedError:
        raise CheckFailed(
            f"{check.question}: not answered yet. Replace the `raise NotImplementedError(...)` line "
            f"with your code. Hint: {check.hint}"
        ) from None
    except CheckFailed as failure:
        raise CheckFailed(f"{check.question}: {failure} Hint: {check.hint}") from None
    except Exception as error:  # the learner's code raised: show where, briefly
        where = traceback.extract_tb(error.__traceback__)[-1]
        raise CheckFailed(
            f"{check.question}: your code raised {type(error).__name__}: {error} "
            f"(line {where.lineno}). Hint: {check.hint}"
        ) from None


def checker(lab: str) -> Callable[[str], None]:
    """Return the `check` function for a lab's notebook.

    Example:
        >>> check = checker("lab01")  # doctest: +SKIP
        >>> check("q1")  # doctest: +SKIP
        q1 passed (2 points)
    """
    checks = load_checks(lab)

    def check(question: str) -> None:
        if question not in checks:
            raise KeyError(f"{lab} has no question {question!r}; it has {', '.join(checks)}.")
        caller = sys._getframe(1).f_globals  # the notebook's namespace
        run_check(checks[question], caller)
        print(f"{question} passed ({checks[question].points} points)")  # noqa: T201

    return check
