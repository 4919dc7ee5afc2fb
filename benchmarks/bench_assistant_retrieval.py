"""The assistant's retrieval: hit@5 and MRR per retriever, the index against exact search.

Retrieval: the course corpus (`mlplatform.assistant.corpus`) chunked with the default parameters,
scored on the in-scope questions of `datasets/assistant/questions.yaml` (dev and held-out test
halves reported apart; chunking was chosen on dev only). BM25 is the in-run baseline of dense and
hybrid. The vector index (LanceDB, flat scan and HNSW) is compared with exact numpy dot products:
recall@10, build time, query latency p50.
The generator is not in the environment yet (see docs/assistant.md).

Run: `.venv/bin/python benchmarks/bench_assistant_retrieval.py`
(writes benchmarks/results/assistant_retrieval.json).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mlplatform.assistant.chunking import chunk_sections
from mlplatform.assistant.corpus import corpus_version, load_corpus
from mlplatform.assistant.embeddings import embed
from mlplatform.assistant.index import VectorIndex, exact_search
from mlplatform.assistant.questions import load_questions
from mlplatform.assistant.retrieval import (
    BM25Retriever,
    DenseRetriever,
    HybridRetriever,
    hit_at_k,
    reciprocal_rank,
    top_sections,
)
from mlplatform.benchmarking import machine_info, median, print_table, write_result


def retrieval_rows() -> tuple[list[dict], dict]:
    """hit@5 and MRR per retriever and split, and the index against exact search."""
    sections = load_corpus()
    chunks = chunk_sections(sections)
    questions = load_questions()
    start = time.perf_counter()
    vectors = embed([c.text for c in chunks])
    embed_seconds = time.perf_counter() - start
    folder = Path(tempfile.mkdtemp())
    bm25 = BM25Retriever(chunks)
    dense = DenseRetriever(chunks, folder / "dense", vectors=vectors)
    retrievers = {"bm25": bm25, "dense": dense, "hybrid": HybridRetriever(bm25, dense)}
    rows, result = (
        [],
        {
            "corpus_digest": corpus_version(sections).digest,
            "sections": len(sections),
            "chunks": len(chunks),
            "embed_seconds": round(embed_seconds, 2),
        },
    )
    for split in ("dev", "test", "all"):
        items = questions.in_scope if split == "all" else questions.split(split)
        for name, retriever in retrievers.items():
            ranked = [top_sections(retriever.search(q.question, 50), 10) for q in items]
            hit5 = float(
                np.mean([hit_at_k(r, [q.section]) for r, q in zip(ranked, items, strict=True)])
            )
            mrr = float(
                np.mean(
                    [reciprocal_rank(r, [q.section]) for r, q in zip(ranked, items, strict=True)]
                )
            )
            rows.append(
                {"split": split, "retriever": name, "n": len(items), "hit@5": hit5, "mrr": mrr}
            )
            result[f"{split}_{name}_hit5"] = round(hit5, 4)
            result[f"{split}_{name}_mrr"] = round(mrr, 4)
    ids = [c.id for c in chunks]
    queries = embed([q.question for q in questions.in_scope])
    exact = [exact_search(vectors, ids, v, 10) for v in queries]
    result["exact_query_ms_p50"] = round(
        median([_timed(lambda v=v: exact_search(vectors, ids, v, 10)) for v in queries]) * 1000, 3
    )
    for kind in ("flat", "hnsw"):
        index = VectorIndex(folder / kind, kind)
        start = time.perf_counter()
        index.build(ids, vectors)
        result[f"{kind}_build_seconds"] = round(time.perf_counter() - start, 3)
        found = [index.search(v, 10) for v in queries]
        recall = np.mean(
            [
                len({h.id for h in f} & {h.id for h in e}) / 10
                for f, e in zip(found, exact, strict=True)
            ]
        )
        result[f"{kind}_recall10"] = round(float(recall), 4)
        result[f"{kind}_query_ms_p50"] = round(
            median([_timed(lambda v=v, index=index: index.search(v, 10)) for v in queries]) * 1000,
            3,
        )
    return rows, result


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    """Print the tables and write the JSON."""
    rows, result = retrieval_rows()
    print_table(rows)
    print_table(
        [{k: v for k, v in result.items() if k.endswith(("recall10", "ms_p50", "build_seconds"))}]
    )
    result.update(
        machine_info(
            [
                "lancedb",
                "bm25s",
                "sentence-transformers",
                "transformers",
                "torch",
            ]
        )
    )
    print(f"wrote {write_result('assistant_retrieval', result)}")


if __name__ == "__main__":
    main()
