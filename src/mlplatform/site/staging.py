"""Stage the site's sources: the committed chapters, the learner labs and the docs, each with its box.

Nothing is executed: chapters keep the outputs of their committed full-mode run. The staged copies
live under `_build/site-src/`; the committed files are never touched.
"""

from __future__ import annotations

import html
import importlib
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from nbformat import NotebookNode

from mlplatform.grading.labspec import hidden_checks
from mlplatform.grading.public import load_checks
from mlplatform.site import notes

# Markdown pages of the repository that the site shows, with their place in the navigation.
DOC_PAGES = {
    "docs/syllabus.md": "Syllabus",
    "docs/architecture.md": "Architecture",
    "docs/serving.md": "Serving the models",
    "docs/monitoring.md": "Monitoring and SLOs",
    "docs/drift.md": "Monitoring drift",
    "docs/assistant.md": "The documentation assistant",
    "docs/instructors.md": "For instructors",
    "docs/dependencies.md": "Dependencies",
    "datasets/README.md": "Data and licences",
}
_NOTEBOOK_LINK = re.compile(r"(\]\(|href=\")([^)\"#\s]+\.ipynb)(#[^)\"\s]*)?")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_NUMBER = re.compile(r"^(?:ch|lab)(\d\d)_")


@dataclass(frozen=True)
class Page:
    """One page of the site: its staged source (relative to the docs folder) and its title."""

    source: str
    title: str


@dataclass(frozen=True)
class StagedSite:
    """What `stage_site` wrote: the pages in navigation order, by section."""

    chapters: list[Page]
    labs: list[Page]
    docs: list[Page]


def _title(notebook: NotebookNode, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _insert_after_title(notebook: NotebookNode, box: str) -> None:
    cell = nbformat.v4.new_markdown_cell(box)
    if (notebook.nbformat, notebook.nbformat_minor) < (4, 5):
        del cell["id"]  # cell ids arrived in nbformat 4.5; older notebooks must not have them
    notebook.cells.insert(1, cell)


def html_code_in_headings(source: str) -> str:
    """Write a heading's `code` spans as <code> elements.

    mkdocs-jupyter drops backtick spans before it builds a page's table of contents, so a heading
    with code gets a TOC anchor that matches no heading id; with <code> both agree.
    """
    lines = source.splitlines(keepends=True)
    fenced = False  # inside a ``` block a leading # is a comment, not a heading
    for index, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif line.startswith("#") and not fenced:
            lines[index] = _CODE_SPAN.sub(lambda m: f"<code>{html.escape(m[1])}</code>", line)
    return "".join(lines)


def rewrite_notebook_links(notebook: NotebookNode, staged: set[str], folder: str) -> None:
    """Point markdown links to other staged notebooks at their pages (`x.ipynb` -> `x.html`).

    `folder` is the notebook's folder relative to the docs root; `staged` holds the staged notebooks'
    paths relative to the same root. Other links are left alone (the site checks report them).
    """

    def replace(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(folder, match[2]))
        if target not in staged:
            return match[0]
        return f"{match[1]}{match[2].removesuffix('.ipynb')}.html{match[3] or ''}"

    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = _NOTEBOOK_LINK.sub(replace, cell.source)


def _prepare(notebook: NotebookNode, box: str, staged: set[str], folder: str) -> None:
    _insert_after_title(notebook, box)
    rewrite_notebook_links(notebook, staged, folder)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = html_code_in_headings(cell.source)


def _lab_for(chapter: Path, labs_dir: Path) -> Path | None:
    number = _NUMBER.match(chapter.name)
    found = sorted(labs_dir.glob(f"lab{number[1]}_*.ipynb")) if number else []
    return found[0] if found else None


def _explanation(lab: str) -> str:
    doc = importlib.import_module(f"mlplatform.grading.checks.{lab}").__doc__ or ""
    return doc.strip()


def lab_box(lab_path: Path, notebook: NotebookNode, solutions_dir: Path) -> str:
    """The "how this lab is checked" box for the lab at `lab_path`."""
    lab = lab_path.name.split("_")[0]
    points = {q: check.points for q, check in load_checks(lab).items()}
    solutions = sorted(solutions_dir.glob(f"{lab}_*.ipynb"))
    hidden = set(hidden_checks(solutions[0])) if solutions else set()
    prompts = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    summaries = notes.question_summaries(prompts, points, hidden)
    return notes.lab_checks_note(lab, _explanation(lab), summaries)


def _write(notebook: NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


def _stage_notebooks(home: Path, out: Path) -> tuple[list[Page], list[Page]]:
    chapters = sorted((home / "chapters").glob("ch*.ipynb"))
    labs = sorted((home / "labs").glob("lab*.ipynb"))
    staged = {f"chapters/{p.name}" for p in chapters} | {f"labs/{p.name}" for p in labs}
    chapter_pages, lab_pages = [], []
    for path in chapters:
        notebook = nbformat.read(path, as_version=4)
        lab = _lab_for(path, home / "labs")
        link = f"../labs/{lab.stem}.html" if lab else None
        _prepare(
            notebook, notes.run_chapter_note(f"chapters/{path.name}", link), staged, "chapters"
        )
        _write(notebook, out / "chapters" / path.name)
        chapter_pages.append(Page(f"chapters/{path.name}", _title(notebook, path.stem)))
    for path in labs:
        notebook = nbformat.read(path, as_version=4)
        _prepare(notebook, lab_box(path, notebook, home / "solutions"), staged, "labs")
        _write(notebook, out / "labs" / path.name)
        lab_pages.append(Page(f"labs/{path.name}", _title(notebook, path.stem)))
    return chapter_pages, lab_pages


def stage_site(home: Path, out: Path) -> StagedSite:
    """Copy what the site shows from the repository at `home` into `out` (emptied first)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copyfile(home / "README.md", out / "index.md")
    docs = []
    for source, title in DOC_PAGES.items():
        if (home / source).is_file():
            (out / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(home / source, out / source)
            docs.append(Page(source, title))
    chapters, labs = _stage_notebooks(home, out)
    return StagedSite(chapters, labs, docs)


def write_config(
    site: StagedSite, base: Path, config: Path, docs_dir: Path, site_dir: Path
) -> None:
    """Write the MkDocs config: the committed `base` settings plus the paths and the navigation."""

    def section(pages: list[Page]) -> list[dict[str, str]]:
        return [{page.title: page.source} for page in pages]

    settings = {
        "INHERIT": str(base.resolve()),
        "docs_dir": str(docs_dir.resolve()),
        "site_dir": str(site_dir.resolve()),
        "nav": [
            {"Home": "index.md"},
            {"Chapters": section(site.chapters)},
            {"Labs": section(site.labs)},
            {"Reference": section(site.docs)},
        ],
    }
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
