import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def rows() -> list[list[str]]:
    table = [
        line
        for line in (ROOT / "docs" / "syllabus.md").read_text().splitlines()
        if line.startswith("| ")
    ]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table[1:]]


def test_every_chapter_of_the_syllabus_is_mapped() -> None:
    assert [row[0] for row in rows()] == [f"{n:02d}" for n in range(18)]


def test_done_rows_name_notebooks_that_exist_and_planned_rows_name_an_owner() -> None:
    for chapter, _topics, where, status in rows():
        paths = [p.strip() for p in where.split(",")]
        assert all(re.fullmatch(r"(chapters/ch|solutions/lab)\d\d_\w+\.ipynb", p) for p in paths), (
            where
        )
        assert all(Path(p).name[2 + p.startswith("sol") :][:2] == chapter for p in paths), where
        if status == "done":
            missing = [p for p in paths if not (ROOT / p).exists()]
            assert not missing, f"chapter {chapter} is marked done but {missing} do not exist"
        else:
            assert status.startswith("planned"), status


def test_every_existing_chapter_is_marked_done() -> None:
    done = {p for row in rows() if row[3] == "done" for p in row[2].split(", ")}
    for path in sorted((ROOT / "chapters").glob("ch*.ipynb")):
        assert f"chapters/{path.name}" in done, (
            f"{path.name} exists: mark it done in docs/syllabus.md"
        )
