"""Hints help without giving the answer away, and a missing module is named, not hidden.

A hint is shown with every failed check, including the untouched stub, so it must not be the
solution: no code to copy (no calls), and no line of the solution's code.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from check_contract import solution_lines

from mlplatform.grading.public import CheckFailed, ChecksUnavailableError, load_checks, run_check

ROOT = Path(__file__).resolve().parents[2]
LABS = sorted(p.name.split("_")[0] for p in (ROOT / "solutions").glob("lab*.ipynb"))
CALL = re.compile(r"\w\(|\w\.\w+\(")  # `f(` or `obj.method(`: code, not an idea


@pytest.mark.parametrize("lab", LABS)
def test_hints_are_ideas_not_code(lab: str) -> None:
    code = solution_lines(lab)
    for question, check in load_checks(lab).items():
        assert not CALL.search(check.hint), f"{lab} {question}: the hint shows a call: {check.hint}"
        leaked = [line for line in code if line in check.hint]
        assert not leaked, f"{lab} {question}: the hint contains the solution's {leaked}"


def test_the_stub_message_shows_the_hint() -> None:
    def stub(*args: object, **kwargs: object) -> None:
        raise NotImplementedError("Replace this line with your answer.")

    check = load_checks("lab05")["q3"]
    with pytest.raises(CheckFailed, match="not answered yet") as failure:
        run_check(check, {"promote_if_improved": stub})
    assert "not answered yet" in str(failure.value) and check.hint in str(failure.value)


def test_a_missing_dependency_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "mlplatform.grading.checks.lab05", raising=False)
    monkeypatch.setitem(sys.modules, "mlplatform.tracking", None)  # as if it could not be imported
    with pytest.raises(ChecksUnavailableError, match=r"need the module 'mlplatform\.tracking'"):
        load_checks("lab05")


def test_an_unknown_lab_still_says_so() -> None:
    with pytest.raises(KeyError, match="no checks for 'lab77'"):
        load_checks("lab77")
