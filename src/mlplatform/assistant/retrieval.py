"""Retrievers over chunks: BM25 (bm25s), dense (the vector index) and hybrid (reciprocal rank fusion).

Every retriever answers `search(question, k)` with chunks best first; evaluation scores the
*sections* they come from (a question names the section that answers it), so `top_sections`
folds chunks of one section together before hit@k and MRR are counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from mlplatform.assistant.chunking import Chunk
from mlplatform.assistant.embeddings import embed
from mlplatform.assistant.index import Kind, VectorIndex

RRF_K = 60  # the constant of Cormack et al. (2009): damps the weight of the very top ranks


@dataclass(frozen=True)
class Retrieved:
    """A chunk and the retriever's score for it (comparable within one retriever only)."""

    chunk: Chunk
    score: float


class Retriever(Protocol):
    """Anything that ranks chunks for a question."""

    def search(self, question: str, k: int = 10) -> list[Retrieved]:
        """The `k` best chunks for `question`, best first."""
        ...


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(list(texts), stopwords="en", return_ids=False, show_progress=False)


class BM25Retriever:
    """Lexical ranking with BM25 (bm25s), English stop words removed."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import bm25s

        self.chunks = list(chunks)
        self._bm25 = bm25s.BM25()
        self._bm25.index(_tokens([c.text for c in self.chunks]), show_progress=False)

    def search(self, question: str, k: int = 10) -> list[Retrieved]:
        """The `k` best chunks by BM25 score (chunks sharing no word with the question left out)."""
        query = _tokens([question])
        if not query[0]:
            return []
        docs, scores = self._bm25.retrieve(query, k=min(k, len(self.chunks)), show_progress=False)
        return [
            Retrieved(self.chunks[int(d)], float(s))
            for d, s in zip(docs[0], scores[0], strict=True)
            if s > 0
        ]


class DenseRetriever:
    """Semantic ranking: the question's embedding against the chunks' in the vector index."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        folder: Path,
        kind: Kind = "flat",
        vectors: np.ndarray | None = None,
    ) -> None:
        self.chunks = {c.id: c for c in chunks}
        self.vectors = embed([c.text for c in chunks]) if vectors is None else vectors
        self.index = VectorIndex(folder, kind)
        self.index.build(list(self.chunks), self.vectors)

    def search(self, question: str, k: int = 10) -> list[Retrieved]:
        """The `k` nearest chunks by cosine similarity."""
        hits = self.index.search(embed([question])[0], k)
        return [Retrieved(self.chunks[h.id], h.score) for h in hits]


class HybridRetriever:
    """Reciprocal rank fusion of several retrievers: sum of 1 / (RRF_K + rank) over their lists."""

    def __init__(self, *retrievers: Retriever, depth: int = 50) -> None:
        self.retrievers = retrievers
        self.depth = depth  # how far down each list is fused

    def search(self, question: str, k: int = 10) -> list[Retrieved]:
        """The `k` best chunks by fused score."""
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for retriever in self.retrievers:
            for rank, hit in enumerate(retriever.search(question, self.depth), start=1):
                fused[hit.chunk.id] = fused.get(hit.chunk.id, 0.0) + 1.0 / (RRF_K + rank)
                chunks[hit.chunk.id] = hit.chunk
        best = sorted(fused, key=lambda cid: -fused[cid])[:k]
        return [Retrieved(chunks[cid], fused[cid]) for cid in best]


def top_sections(hits: Iterable[Retrieved], k: int) -> list[str]:
    """The first `k` distinct section ids of a ranked chunk list."""
    sections: list[str] = []
    for hit in hits:
        if hit.chunk.section_id not in sections:
            sections.append(hit.chunk.section_id)
        if len(sections) == k:
            break
    return sections


def hit_at_k(ranked: Sequence[str], gold: Iterable[str], k: int = 5) -> float:
    """1.0 if a gold section is among the first `k` ranked sections, else 0.0."""
    return float(bool(set(ranked[:k]) & set(gold)))


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str]) -> float:
    """1 / rank of the first gold section (0.0 if none is ranked); its mean is the MRR."""
    wanted = set(gold)
    return next((1.0 / r for r, s in enumerate(ranked, start=1) if s in wanted), 0.0)
