"""Committed notebooks: parameters cell, outputs only in chapters/, no errors, no machine paths."""

from pathlib import Path

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
