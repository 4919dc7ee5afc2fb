"""The assistant's corpus: markdown split into sections with stable ids, chunking, the version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlplatform.assistant.chunking import chunk_sections
from mlplatform.assistant.corpus import (
    Section,
    corpus_version,
    load_corpus,
    log_corpus,
    split_markdown,
)

DOC = """Intro line.

# Guide
Top text.
## Install
Run make.
```bash
# not a heading
```
## Use
Call it.
# Other
## Install
Again.
"""


def test_sections_follow_headings_and_ids_carry_the_heading_path() -> None:
    sections = split_markdown(DOC, "docs/g.md")
    assert [s.id for s in sections] == [
        "docs/g.md#intro",
        "docs/g.md#guide",
        "docs/g.md#guide/install",
        "docs/g.md#guide/use",
        "docs/g.md#other/install",
    ]
    install = sections[2]
    assert install.title == "Guide > Install"
    assert "# not a heading" in install.text  # a comment in a code fence is not a heading
    assert install.source == "docs/g.md"


def test_a_repeated_heading_path_gets_a_numbered_id() -> None:
    ids = [s.id for s in split_markdown("# A\none\n# A\ntwo\n", "x.md")]
    assert ids == ["x.md#a", "x.md#a-2"]


def _tiny_course(root: Path) -> None:
    (root / "docs").mkdir()
    (root / "chapters").mkdir()
    (root / "README.md").write_text("# Course\nRead me.\n")
    (root / "docs" / "a.md").write_text("# Serving\nPorts and health.\n")
    cells = [
        {"cell_type": "markdown", "source": ["# Chapter 1\n", "Words.\n"]},
        {"cell_type": "code", "source": ["# Not corpus\nprint(1)\n"]},
    ]
    (root / "chapters" / "ch01_x.ipynb").write_text(json.dumps({"cells": cells}))
    package = root / "src" / "mlplatform"
    package.mkdir(parents=True)
    (package / "mod.py").write_text('"""What the module holds."""\n')


def test_the_corpus_reads_readme_docs_markdown_cells_and_docstrings(tmp_path: Path) -> None:
    _tiny_course(tmp_path)
    sections = load_corpus(tmp_path)
    assert [s.id for s in sections] == [
        "README.md#course",
        "docs/a.md#serving",
        "chapters/ch01_x.ipynb#chapter-1",
        "src/mlplatform/mod.py#module",
    ]
    assert "Not corpus" not in " ".join(s.text for s in sections)  # code cells are left out


def test_the_version_changes_with_the_text_and_only_then(tmp_path: Path) -> None:
    _tiny_course(tmp_path)
    first = corpus_version(load_corpus(tmp_path))
    assert corpus_version(load_corpus(tmp_path)) == first
    (tmp_path / "docs" / "a.md").write_text("# Serving\nPorts, health and metrics.\n")
    assert corpus_version(load_corpus(tmp_path)).digest != first.digest


def test_the_corpus_is_logged_as_a_dataset_input(tmp_path: Path) -> None:
    import mlflow

    from mlplatform.tracking import temporary_tracking_uri

    _tiny_course(tmp_path)
    sections = load_corpus(tmp_path)
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        mlflow.set_experiment("corpus-test")
        with mlflow.start_run() as run:
            version = log_corpus(sections)
        logged = mlflow.get_run(run.info.run_id).inputs.dataset_inputs
    assert [(d.dataset.name, d.dataset.digest) for d in logged] == [
        ("course-corpus", version.digest)
    ]


def test_the_course_corpus_has_unique_ids() -> None:
    sections = load_corpus()
    assert len(sections) > 100
    assert len({s.id for s in sections}) == len(sections)


SECTION = Section("f.md#s", "S", " ".join(f"w{i}" for i in range(25)), "f.md")


def test_chunks_are_windows_with_overlap_inside_one_section() -> None:
    chunks = chunk_sections([SECTION], size=10, overlap=3)
    assert [c.id for c in chunks] == [f"f.md#s:{n}" for n in range(4)]  # starts 0, 7, 14, 21
    words = [c.text.split("\n", 1)[1].split() for c in chunks]
    assert words[0][-3:] == words[1][:3]  # the overlap
    assert words[-1][-1] == "w24"  # nothing is lost at the end
    assert all(c.section_id == "f.md#s" and c.text.startswith("S\n") for c in chunks)


def test_chunking_across_headings_attributes_a_chunk_to_its_first_word() -> None:
    other = Section("f.md#t", "T", "x y z", "f.md")
    chunks = chunk_sections([SECTION, other], size=20, overlap=0, by_heading=False)
    assert [c.section_id for c in chunks] == ["f.md#s", "f.md#s"]
    assert chunks[1].text.split()[-1] == "z"


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (10, 10), (10, -1)])
def test_bad_chunk_parameters_are_refused(size: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="size"):
        chunk_sections([SECTION], size=size, overlap=overlap)
