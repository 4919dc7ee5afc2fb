"""Chunking: sections cut into overlapping windows of words that remember their section."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mlplatform.assistant.corpus import Section


@dataclass(frozen=True)
class Chunk:
    """A piece of one section; `section_id` is what retrieval is scored on and cited by."""

    id: str  # "<section id>:<n>"
    section_id: str
    title: str
    text: str  # the title is prepended: it carries the topic for BM25 and the encoder
    source: str


def _windows(words: list[str], size: int, overlap: int) -> list[list[str]]:
    step = size - overlap
    starts = range(0, max(len(words) - overlap, 1), step)
    return [words[s : s + size] for s in starts]


def chunk_sections(
    sections: Iterable[Section], size: int = 120, overlap: int = 30, by_heading: bool = True
) -> list[Chunk]:
    """Cut sections into chunks of at most `size` words, consecutive chunks sharing `overlap`.

    With `by_heading` a chunk never crosses a section boundary; without it each file's sections
    are run together first (the baseline a heading-aware split is compared with), and a chunk is
    attributed to the section its first word comes from.

    Raises:
        ValueError: `size` is not positive or `overlap` is not in [0, size).
    """
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError(f"size={size}, overlap={overlap}: need size > 0 and 0 <= overlap < size.")
    sections = list(sections)
    chunks: list[Chunk] = []
    if by_heading:
        for s in sections:
            for n, window in enumerate(_windows(s.text.split(), size, overlap)):
                text = f"{s.title}\n{' '.join(window)}"
                chunks.append(Chunk(f"{s.id}:{n}", s.id, s.title, text, s.source))
        return chunks
    by_file: dict[str, list[Section]] = {}
    for s in sections:
        by_file.setdefault(s.source, []).append(s)
    for source, parts in by_file.items():
        words, owners = [], []
        for s in parts:
            tokens = s.text.split()
            words += tokens
            owners += [s] * len(tokens)
        step = size - overlap
        for n, start in enumerate(range(0, max(len(words) - overlap, 1), step)):
            owner = owners[start]
            text = " ".join(words[start : start + size])
            chunks.append(Chunk(f"{source}:{n}", owner.id, owner.title, text, source))
    return chunks
