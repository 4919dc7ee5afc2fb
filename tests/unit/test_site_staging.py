"""Staging the site: notes added, links pointed at pages, headings fixed, navigation in order."""

from pathlib import Path

import nbformat
import yaml

from mlplatform.site import notes
from mlplatform.site.staging import (
    StagedSite,
    html_code_in_headings,
    rewrite_notebook_links,
    stage_site,
    write_config,
)

ROOT = Path(__file__).resolve().parents[2]


def _notebook(*markdown: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(m) for m in markdown])


def test_links_to_staged_notebooks_point_at_their_pages() -> None:
    notebook = _notebook(
        "See [chapter 06](ch06_feature_store.ipynb#materialise), [the lab](../labs/lab06_x.ipynb), "
        "[a file](../src/mlplatform/features.py) and [the web](https://example.org/a.ipynb)."
    )
    staged = {"chapters/ch06_feature_store.ipynb", "labs/lab06_x.ipynb"}
    rewrite_notebook_links(notebook, staged, "chapters")
    assert notebook.cells[0].source == (
        "See [chapter 06](ch06_feature_store.html#materialise), [the lab](../labs/lab06_x.html), "
        "[a file](../src/mlplatform/features.py) and [the web](https://example.org/a.ipynb)."
    )


def test_links_to_notebooks_that_are_not_on_the_site_are_left_for_the_checks() -> None:
    notebook = _notebook("[gone](ch99_gone.ipynb)")
    rewrite_notebook_links(notebook, {"chapters/ch01_a.ipynb"}, "chapters")
    assert notebook.cells[0].source == "[gone](ch99_gone.ipynb)"


def test_code_in_headings_becomes_html_code_and_body_text_is_kept() -> None:
    source = "## What `make cluster-up` does, `a<b`\nBody with `code` stays.\n"
    assert html_code_in_headings(source) == (
        "## What <code>make cluster-up</code> does, <code>a&lt;b</code>\nBody with `code` stays.\n"
    )


def test_comments_in_fenced_code_are_not_headings() -> None:
    source = "```bash\n# run `make lab` first\n```\n# A `real` heading\n"
    assert html_code_in_headings(source) == (
        "```bash\n# run `make lab` first\n```\n# A <code>real</code> heading\n"
    )


def test_the_run_note_names_the_chapter_and_links_its_lab() -> None:
    note = notes.run_chapter_note("chapters/ch05_tracking.ipynb", "../labs/lab05_tracking.html")
    assert "Run this chapter" in note
    assert "make lab" in note
    assert "mlplatform execute chapters/ch05_tracking.ipynb --full" in note
    assert 'href="../labs/lab05_tracking.html"' in note
    assert "href" not in notes.run_chapter_note("chapters/ch02_what_is_mlops.ipynb", None)


def test_question_summaries_pair_prompts_with_points_and_hidden_checks() -> None:
    prompts = [
        "## Q1. Title\n\n**Q1 (3 points)** Write `f(x)`. It returns x. More text.",
        "**Q2 (1 point)** Return the\nmean rating.",
    ]
    summaries = notes.question_summaries(prompts, {"q1": 3, "q2": 1, "q3": 2}, {"q2"})
    assert [(s.question, s.points, s.task, s.has_hidden_check) for s in summaries] == [
        ("q1", 3, "Write `f(x)`.", False),
        ("q2", 1, "Return the mean rating.", True),
        ("q3", 2, "see the question in the lab", False),
    ]
    box = notes.lab_checks_note("lab07", "Checks for lab 07.", summaries)
    assert "<code>f(x)</code>" in box
    assert "make grade LAB=07" in box
    assert "6 points in all" in box


def test_staging_the_repository_adds_the_notes_and_keeps_the_outputs(tmp_path: Path) -> None:
    site = stage_site(ROOT, tmp_path)
    chapters = sorted(p.name for p in (ROOT / "chapters").glob("ch*.ipynb"))
    assert [Path(p.source).name for p in site.chapters] == chapters
    assert [Path(p.source).name for p in site.labs] == sorted(
        p.name for p in (ROOT / "labs").glob("lab*.ipynb")
    )
    first = nbformat.read(tmp_path / site.chapters[0].source, as_version=4)
    original = nbformat.read(ROOT / site.chapters[0].source, as_version=4)
    assert "Run this chapter" in first.cells[1].source
    assert len(first.cells) == len(original.cells) + 1
    assert [c.get("outputs") for c in first.cells[2:]] == [
        c.get("outputs") for c in original.cells[1:]
    ]
    lab = nbformat.read(tmp_path / site.labs[0].source, as_version=4)
    assert "How this lab is checked" in lab.cells[1].source
    nbformat.validate(first)
    assert (tmp_path / "index.md").read_text() == (ROOT / "README.md").read_text()


def test_the_config_lists_the_pages_in_order(tmp_path: Path) -> None:
    site = stage_site(ROOT, tmp_path / "src")
    write_config(
        site,
        ROOT / "website" / "mkdocs.yml",
        tmp_path / "mkdocs.yml",
        tmp_path / "src",
        tmp_path / "out",
    )
    config = yaml.safe_load((tmp_path / "mkdocs.yml").read_text())
    nav = config["nav"]
    assert nav[0] == {"Home": "index.md"}
    chapters = [next(iter(entry.values())) for entry in nav[1]["Chapters"]]
    assert chapters == [p.source for p in site.chapters] == sorted(chapters)
    assert config["INHERIT"] == str((ROOT / "website" / "mkdocs.yml").resolve())
    assert isinstance(site, StagedSite)
