"""What a lab is graded on: its questions, their points and hints, and the hidden checks.

Public checks come from `mlplatform.grading.checks.labNN`; hidden checks are the cells tagged
`hidden` in `solutions/labNN_*.ipynb`, each starting with `# hidden check: qN`. The grader reads them
into memory once, before any submission runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlplatform.grading.labgen import HIDDEN_TAG, read_notebook
from mlplatform.grading.public import load_checks

_HIDDEN_HEADER = re.compile(r"^#\s*hidden check:\s*(q\d+)\s*$", re.IGNORECASE)
_LAB_NAME = re.compile(r"^lab\d\d$")


class LabSpecError(ValueError):
    """A lab cannot be graded as it stands; the message says what is missing."""


@dataclass(frozen=True)
class Question:
    """One graded question."""

    id: str
    points: int
    hint: str
    hidden_source: str | None


@dataclass(frozen=True)
class LabSpec:
    """Everything the grader needs to know about one lab."""

    lab: str
    questions: tuple[Question, ...]

    @property
    def max_points(self) -> int:
        """Points of a perfect submission."""
        return sum(q.points for q in self.questions)


def normalise_lab(lab: str) -> str:
    """Accept `1`, `01` or `lab01` and return `lab01`."""
    name = lab.strip().lower()
    if name.isdigit():
        name = f"lab{int(name):02d}"
    if not _LAB_NAME.match(name):
        raise LabSpecError(f"{lab!r} is not a lab number; use for example --lab 01.")
    return name


def hidden_checks(solution: Path) -> dict[str, str]:
    """The hidden-check cells of a solution notebook, by question id."""
    found: dict[str, str] = {}
    for index, cell in enumerate(read_notebook(solution).cells):
        if HIDDEN_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        first = cell.source.splitlines()[0] if cell.source else ""
        match = _HIDDEN_HEADER.match(first.strip())
        if match is None:
            raise LabSpecError(
                f"{solution.name}, cell {index}: a hidden cell must start with '# hidden check: qN'"
            )
        question = match[1].lower()
        found[question] = f"{found[question]}\n{cell.source}" if question in found else cell.source
    return found


def load_lab_spec(lab: str, solutions_dir: Path) -> LabSpec:
    """Read a lab's public checks and hidden checks.

    Raises:
        LabSpecError: no solution notebook or no checks for the lab.
    """
    lab = normalise_lab(lab)
    solutions = sorted(solutions_dir.glob(f"{lab}_*.ipynb"))
    if len(solutions) != 1:
        raise LabSpecError(f"expected one {solutions_dir}/{lab}_*.ipynb, found {len(solutions)}.")
    try:
        checks = load_checks(lab)
    except KeyError as error:
        raise LabSpecError(str(error)) from None
    hidden = hidden_checks(solutions[0])
    unknown = sorted(set(hidden) - set(checks))
    if unknown:
        raise LabSpecError(
            f"{solutions[0].name} has hidden checks for unknown questions {unknown}."
        )
    questions = tuple(Question(q, c.points, c.hint, hidden.get(q)) for q, c in checks.items())
    return LabSpec(lab, questions)
