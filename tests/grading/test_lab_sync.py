"""The committed labs are exactly what `make labs` writes, leak nothing, and fail every public check."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mlplatform.grading.labgen import BEGIN, END, HIDDEN_TAG, check_labs, lab_path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "solutions").glob("lab*.ipynb"))
IDS = [p.name for p in SOLUTIONS]


def test_labs_are_in_sync_with_solutions() -> None:
    sync = check_labs(ROOT / "solutions", ROOT / "labs")
    assert sync.in_sync, (
        f"run `make labs`: stale {sync.stale}, missing {sync.missing}, orphaned {sync.orphaned}"
    )


def _secrets(solution: nbformat.NotebookNode) -> list[str]:
    """Solution lines and hidden-check lines that must never reach a lab."""
    secrets = []
    for cell in solution.cells:
        if HIDDEN_TAG in cell.metadata.get("tags", []):
            secrets += cell.source.splitlines()
            continue
        inside = False
        for line in cell.source.splitlines():
            if line.strip() in (BEGIN, END):
                inside = line.strip() == BEGIN
            elif inside:
                secrets.append(line)
    # Short or generic lines (`return df`, `)`) can rightly appear elsewhere; test the telling ones.
    return [s.strip() for s in secrets if len(s.strip()) > 25 and not s.strip().startswith("#")]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_no_solution_or_hidden_check_leaks(solution: Path) -> None:
    source = nbformat.read(solution, as_version=4)
    lab = nbformat.read(lab_path(solution, ROOT / "labs"), as_version=4)
    lab_text = "\n".join(c.source for c in lab.cells)
    assert BEGIN not in lab_text and END not in lab_text
    assert not any(HIDDEN_TAG in c.metadata.get("tags", []) for c in lab.cells)
    secrets = _secrets(source)
    assert secrets, "the solution has no solution region"
    for secret in secrets:
        assert secret not in lab_text, f"leaked into the lab: {secret!r}"


@pytest.mark.notebooks
@pytest.mark.timeout(600)
@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_untouched_lab_fails_every_public_check(
    solution: Path, tmp_path: Path, monkeypatch, platform
) -> None:
    monkeypatch.setenv("MLPLATFORM_FAST", "1")
    lab = nbformat.read(lab_path(solution, ROOT / "labs"), as_version=4)
    NotebookClient(
        lab, timeout=300, allow_errors=True, resources={"metadata": {"path": str(ROOT / "labs")}}
    ).execute()
    checks = [
        c
        for c in lab.cells
        if c.cell_type == "code" and re.search(r'^check\("q\d+"\)', c.source, re.M)
    ]
    assert checks, "the lab calls no public check"
    for cell in checks:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors and errors[0].ename == "CheckFailed", (
            f"{cell.source!r} did not fail: {cell.outputs}"
        )
