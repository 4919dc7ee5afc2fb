"""Committed notebooks: parameters cell, outputs only in chapters/, no errors, no machine paths."""

from pathlib import Path

import nbformat
import pytest

from mlplatform.notebooks import course_notebooks, find_problems

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = course_notebooks(ROOT, ("chapters",))
OUTPUT_FREE = course_notebooks(ROOT, ("solutions", "labs"))


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapter_is_committed_with_clean_outputs(path: Path) -> None:
    assert [str(p) for p in find_problems(path, expect_outputs=True)] == []


@pytest.mark.parametrize(
    "path", OUTPUT_FREE, ids=[f"{p.parent.name}/{p.name}" for p in OUTPUT_FREE]
)
def test_solutions_and_labs_have_no_outputs(path: Path) -> None:
    assert [str(p) for p in find_problems(path, expect_outputs=False)] == []


def test_chapters_follow_the_naming_scheme() -> None:
    for path in CHAPTERS:
        assert path.name[:2] == "ch" and path.name[2:4].isdigit(), path.name
    for path in OUTPUT_FREE:
        assert path.name[:3] == "lab" and path.name[3:5].isdigit(), path.name


SESSION_PLUMBING = (
    "use_tracking_server(",
    "set_tracking_uri(",
    "logging.getLogger(",
    "filterwarnings(",
)


@pytest.mark.parametrize(
    "path", CHAPTERS + OUTPUT_FREE, ids=[p.name for p in CHAPTERS + OUTPUT_FREE]
)
def test_start_notebook_is_the_only_session_setup(path: Path) -> None:
    """Tracking server, quiet libraries and display options come from `start_notebook`, once."""
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert sum("start_notebook(" in source for source in cells) == 1
    found = [p for source in cells for p in SESSION_PLUMBING if p in source]
    assert not found, f"{path.name} sets up the session itself ({found}): start_notebook does it"
