"""Generate learner labs from solution notebooks (the single source).

In `solutions/labNN_<topic>.ipynb`, solution code sits between `### BEGIN SOLUTION` and
`### END SOLUTION` lines in code cells. The lab gets, in place of each region, a stub that raises
`NotImplementedError` at the region's indentation. Cells tagged `hidden` (the grader's hidden checks)
are dropped, and so are all outputs, execution counts and metadata other than tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HIDDEN_TAG = "hidden"
STUB = 'raise NotImplementedError("Replace this line with your answer.")'
NB_VERSION = 4
_MARKER = re.compile(r"^(?P<indent>\s*)(?P<marker>### (BEGIN|END) SOLUTION)\s*$")
_KEEP_NB_METADATA = ("kernelspec", "language_info")


class SolutionMarkerError(ValueError):
    """A solution notebook's markers are malformed; the message names the notebook and cell."""


@dataclass(frozen=True)
class LabSync:
    """Result of comparing generated labs with the committed ones."""

    stale: list[Path]
    missing: list[Path]
    orphaned: list[Path]

    @property
    def in_sync(self) -> bool:
        """True when every lab is exactly what `make labs` would write."""
        return not (self.stale or self.missing or self.orphaned)


def strip_solution(source: str, where: str) -> str:
    """Replace each marked region in one cell's source with a stub.

    Raises:
        SolutionMarkerError: an unclosed, nested or unopened region.
    """
    out: list[str] = []
    indent: str | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        match = _MARKER.match(line)
        if match is None:
            if BEGIN in line or END in line:
                raise SolutionMarkerError(
                    f"{where}, line {number}: a marker must stand alone on its line"
                )
            if indent is None:
                out.append(line)
            continue
        if match["marker"] == BEGIN:
            if indent is not None:
                raise SolutionMarkerError(f"{where}, line {number}: nested {BEGIN}")
            indent = match["indent"]
            out.append(indent + STUB)
        else:
            if indent is None:
                raise SolutionMarkerError(f"{where}, line {number}: {END} without {BEGIN}")
            indent = None
    if indent is not None:
        raise SolutionMarkerError(f"{where}: {BEGIN} has no {END}")
    return "\n".join(out)


def _tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def generate_lab(solution: NotebookNode, name: str = "notebook") -> NotebookNode:
    """Return the learner version of a solution notebook (the input is not modified)."""
    lab = nbformat.v4.new_notebook()
    lab.metadata = {k: solution.metadata[k] for k in _KEEP_NB_METADATA if k in solution.metadata}
    for index, cell in enumerate(solution.cells):
        tags = _tags(cell)
        if HIDDEN_TAG in tags:
            continue
        where = f"{name}, cell {index}"
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(strip_solution(cell.source, where))
        else:
            if BEGIN in cell.source or END in cell.source:
                raise SolutionMarkerError(f"{where}: solution markers belong in code cells only")
            new = (
                nbformat.v4.new_markdown_cell(cell.source)
                if cell.cell_type == "markdown"
                else nbformat.v4.new_raw_cell(cell.source)
            )
        new.pop("id", None)
        if tags:
            new.metadata["tags"] = tags
        lab.cells.append(new)
    lab.nbformat, lab.nbformat_minor = NB_VERSION, 4  # no cell ids: stable diffs
    return lab


def render(notebook: NotebookNode) -> str:
    """Serialise a notebook the same way every time (what is compared and committed)."""
    return nbformat.writes(notebook, version=NB_VERSION) + "\n"


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook, turning a parse failure into a message that names the file."""
    try:
        return nbformat.read(path, as_version=NB_VERSION)
    except Exception as error:  # nbformat raises several unrelated types for bad files
        raise SolutionMarkerError(f"{path} is not a readable notebook: {error}") from error


def lab_path(solution: Path, labs_dir: Path) -> Path:
    """Where the lab generated from `solution` goes."""
    return labs_dir / solution.name


def generate_labs(solutions_dir: Path, labs_dir: Path) -> list[Path]:
    """Write every lab from its solution; remove labs whose solution is gone. Returns written paths."""
    labs_dir.mkdir(parents=True, exist_ok=True)
    written = []
    solutions = sorted(solutions_dir.glob("lab*.ipynb"))
    for solution in solutions:
        target = lab_path(solution, labs_dir)
        target.write_text(render(generate_lab(read_notebook(solution), solution.name)))
        written.append(target)
    expected = {lab_path(s, labs_dir) for s in solutions}
    for orphan in set(labs_dir.glob("lab*.ipynb")) - expected:
        orphan.unlink()
    return written


def check_labs(solutions_dir: Path, labs_dir: Path) -> LabSync:
    """Compare the committed labs with what generation would write, without writing anything."""
    stale, missing = [], []
    solutions = sorted(solutions_dir.glob("lab*.ipynb"))
    for solution in solutions:
        target = lab_path(solution, labs_dir)
        expected = render(generate_lab(read_notebook(solution), solution.name))
        if not target.exists():
            missing.append(target)
        elif target.read_text() != expected:
            stale.append(target)
    expected_paths = {lab_path(s, labs_dir) for s in solutions}
    orphaned = sorted(set(labs_dir.glob("lab*.ipynb")) - expected_paths)
    return LabSync(stale, missing, orphaned)
