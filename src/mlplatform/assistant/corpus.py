"""The course's own text as sections: README, docs/, chapter markdown cells, module docstrings.

Each section has a stable id (`file#heading/path`), so an evaluation question can name the section
that answers it and keep naming it when other files change. The corpus is versioned like the other
data sets: `corpus_version` hashes the sections' frame with `tracking.dataset_version`, and
`log_corpus` logs it to the active MLflow run as a dataset input.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from mlplatform.tracking import DatasetVersion, dataset_version, log_dataset

ROOT = Path(__file__).resolve().parents[3]
CORPUS_NAME = "course-corpus"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Section:
    """One titled piece of course text."""

    id: str  # "<relative file>#<heading path>", unique in a corpus
    title: str  # the heading path, "Chapter 6 > Point-in-time joins"
    text: str
    source: str  # relative file path (a link a learner can open)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def split_markdown(text: str, source: str, prefix: tuple[str, ...] = ()) -> list[Section]:
    """Split markdown into one section per heading; text before the first heading is `intro`.

    Headings inside fenced code blocks are not headings. The heading path (the titles of the
    enclosing headings) makes the id, so two "Exercises" headings in different chapters differ.
    """
    path: list[tuple[int, str]] = [(0, p) for p in prefix]
    sections: list[Section] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            titles = [t for _, t in path] or ["intro"]
            sections.append(
                Section(
                    id=f"{source}#{'/'.join(_slug(t) for t in titles)}",
                    title=" > ".join(titles),
                    text=body,
                    source=source,
                )
            )
        lines.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lv, t) for lv, t in path if lv < level]
            path.append((level, match.group(2).strip()))
        else:
            lines.append(line)
    flush()
    return _unique(sections)


def _unique(sections: Iterable[Section]) -> list[Section]:
    """Number repeated ids (`...#faq`, `...#faq-2`) so every id stays unique and stable."""
    seen: dict[str, int] = {}
    out = []
    for s in sections:
        seen[s.id] = seen.get(s.id, 0) + 1
        out.append(
            s if seen[s.id] == 1 else Section(f"{s.id}-{seen[s.id]}", s.title, s.text, s.source)
        )
    return out


def notebook_markdown(path: Path) -> str:
    """The markdown cells of a notebook, joined in order (code and outputs are left out)."""
    cells = json.loads(Path(path).read_text())["cells"]
    return "\n\n".join(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if c.get("cell_type") == "markdown"
    )


def module_docstrings(package: Path, root: Path) -> Iterator[Section]:
    """One section per module of the package that has a docstring."""
    for path in sorted(package.rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text()))
        if doc:
            source = path.relative_to(root).as_posix()
            module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            yield Section(f"{source}#module", f"module {module}", doc.strip(), source)


def load_corpus(root: Path = ROOT) -> list[Section]:
    """Every section of the course text under `root`, in a fixed order (README, docs, chapters, code)."""
    sections: list[Section] = []
    files = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    for path in files:
        if path.exists():
            sections += split_markdown(path.read_text(), path.relative_to(root).as_posix())
    for path in sorted((root / "chapters").glob("*.ipynb")):
        sections += split_markdown(notebook_markdown(path), path.relative_to(root).as_posix())
    package = root / "src" / "mlplatform"
    if package.exists():
        sections += module_docstrings(package, root)
    return sections


def corpus_frame(sections: Iterable[Section]) -> pd.DataFrame:
    """The sections as a frame with columns id, title, text, source."""
    return pd.DataFrame([asdict(s) for s in sections], columns=["id", "title", "text", "source"])


def corpus_version(sections: Iterable[Section]) -> DatasetVersion:
    """The corpus's content hash: the data sets' one digest (`tracking.dataset_version`)."""
    return dataset_version(corpus_frame(sections), CORPUS_NAME)


def log_corpus(sections: Iterable[Section], context: str = "training") -> DatasetVersion:
    """Log the corpus to the active MLflow run as a dataset input; returns its version."""
    frame = corpus_frame(sections)
    version = dataset_version(frame, CORPUS_NAME)
    log_dataset(frame, version, context)
    return version
