"""The assistant's retrieval and generator: hit@5 and MRR per retriever, the index against exact search.

Retrieval: the course corpus (`mlplatform.assistant.corpus`) chunked with the default parameters,
scored on the in-scope questions of `datasets/assistant/questions.yaml` (dev and held-out test
halves reported apart; chunking was chosen on dev only). BM25 is the in-run baseline of dense and
hybrid. The vector index (LanceDB, flat scan and HNSW) is compared with exact numpy dot products:
recall@10, build time, query latency p50. The generator (SmolLM2-135M-Instruct, Q4_1 GGUF) is
measured in a fresh subprocess per backend on one thread: load time, tokens/s, peak memory and the
answers to a few prompts (greedy), so the two backends can be compared for sameness.

Run: `.venv/bin/python benchmarks/bench_assistant_retrieval.py [--no-generator]`
(writes benchmarks/results/assistant_retrieval.json).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mlplatform.assistant.chunking import chunk_sections
from mlplatform.assistant.corpus import corpus_version, load_corpus
from mlplatform.assistant.embeddings import embed
from mlplatform.assistant.generator import BACKENDS
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

PROMPTS = (
    "What is a feature store? Answer in one sentence.",
    "Name three things MLflow records about a run.",
    "Explain in one sentence what a Kubernetes Deployment does.",
)
MAX_TOKENS = 64


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


def measure_generator(backend: str) -> dict:
    """Load the model with `backend` on one thread and answer PROMPTS (run in a fresh process)."""
    from mlplatform.assistant.generator import generate, load_generator

    start = time.perf_counter()
    model = load_generator(backend)
    load_seconds = time.perf_counter() - start
    answers, tokens, seconds = [], 0, 0.0
    for prompt in PROMPTS:
        start = time.perf_counter()
        answer = "".join(generate(prompt, MAX_TOKENS, stream=True, backend=backend))
        seconds += time.perf_counter() - start
        tokens += model.count_tokens(answer)
        answers.append(answer)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "load_seconds": load_seconds,
        "tokens_per_second": tokens / seconds,
        "peak_mb": peak_mb,
        "answers": answers,
    }


def generator_results() -> dict:
    """Each backend that imports here, measured in its own process with one thread."""
    result = {}
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    for backend in BACKENDS:
        proc = subprocess.run(
            [sys.executable, __file__, "--generator", backend],
            capture_output=True,
            text=True,
            env=env,
        )
        if proc.returncode:
            print(f"{backend}: not measured ({proc.stderr.strip().splitlines()[-1:]})")
            continue
        measured = json.loads(proc.stdout.strip().splitlines()[-1])
        for key in ("load_seconds", "tokens_per_second", "peak_mb"):
            result[f"generator_{backend}_{key}"] = round(measured[key], 2)
        for n, answer in enumerate(measured["answers"]):
            result[f"generator_{backend}_answer{n}"] = answer
    if all(f"generator_{b}_answer0" in result for b in BACKENDS):
        same = [
            result[f"generator_llama_cpp_answer{n}"] == result[f"generator_transformers_answer{n}"]
            for n in range(len(PROMPTS))
        ]
        result["generator_same_answers"] = sum(same)
    return result


def main() -> None:
    """Print the tables and write the JSON."""
    rows, result = retrieval_rows()
    print_table(rows)
    print_table(
        [{k: v for k, v in result.items() if k.endswith(("recall10", "ms_p50", "build_seconds"))}]
    )
    if "--no-generator" not in sys.argv:
        generated = generator_results()
        print_table([{k: v for k, v in generated.items() if "answer" not in k}])
        result.update(generated)
    result.update(
        machine_info(
            [
                "lancedb",
                "bm25s",
                "sentence-transformers",
                "transformers",
                "llama-cpp-python",
                "torch",
            ]
        )
    )
    print(f"wrote {write_result('assistant_retrieval', result)}")


if __name__ == "__main__":
    if "--generator" in sys.argv:
        print(json.dumps(measure_generator(sys.argv[sys.argv.index("--generator") + 1])))
    else:
        main()
