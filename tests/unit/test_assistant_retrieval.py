"""Retrieval: BM25, dense (the real bundled encoder) and hybrid on a tiny corpus; the index; metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlplatform.assistant.chunking import chunk_sections
from mlplatform.assistant.corpus import Section, load_corpus
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

TEXTS = {
    "feast": "Feast keeps feature definitions; materialisation copies values to the online store.",
    "mlflow": "MLflow records parameters, metrics and artefacts of each run and registers models.",
    "kind": "kind runs a Kubernetes node as a Docker container on your laptop.",
    "kfp": "Kubeflow Pipelines compiles a pipeline function to YAML and runs each step in a pod.",
}
SECTIONS = [Section(f"d.md#{k}", k, v, "d.md") for k, v in TEXTS.items()]


@pytest.fixture(scope="module")
def retrievers(tmp_path_factory: pytest.TempPathFactory) -> dict:
    chunks = chunk_sections(SECTIONS)
    bm25 = BM25Retriever(chunks)
    dense = DenseRetriever(chunks, tmp_path_factory.mktemp("index"))
    return {"bm25": bm25, "dense": dense, "hybrid": HybridRetriever(bm25, dense)}


@pytest.mark.parametrize("name", ["bm25", "dense", "hybrid"])
@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("Which tool registers models and records run metrics?", "d.md#mlflow"),
        ("How do feature values get into the online store?", "d.md#feast"),
    ],
)
def test_each_retriever_ranks_the_answering_section_first(
    retrievers: dict, name: str, question: str, section: str
) -> None:
    assert top_sections(retrievers[name].search(question, 4), 1) == [section]


def test_dense_finds_a_paraphrase_that_shares_no_word(retrievers: dict) -> None:
    question = "local cluster inside containers"  # no word in common with the kind section
    assert retrievers["bm25"].search(question, 4) == []
    assert top_sections(retrievers["dense"].search(question, 4), 1) == ["d.md#kind"]


def test_metrics() -> None:
    ranked = ["a", "b", "c"]
    assert hit_at_k(ranked, ["c"], k=3) == 1.0
    assert hit_at_k(ranked, ["c"], k=2) == 0.0
    assert reciprocal_rank(ranked, ["b"]) == 0.5
    assert reciprocal_rank(ranked, ["z"]) == 0.0


def test_the_index_matches_exact_search_and_refuses_bad_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"c{i}" for i in range(300)]
    index = VectorIndex(tmp_path / "flat")
    with pytest.raises(RuntimeError, match="build"):
        index.search(vectors[0])
    with pytest.raises(ValueError, match="ids"):
        index.build(ids[:2], vectors)
    index.build(ids, vectors)
    assert len(index) == 300
    for v in vectors[:20]:
        assert [h.id for h in index.search(v, 5)] == [
            h.id for h in exact_search(vectors, ids, v, 5)
        ]
    assert len(VectorIndex(tmp_path / "flat")) == 300  # reopened from its folder


def test_the_evaluation_set_is_complete_and_each_gold_section_holds_its_fact() -> None:
    questions = load_questions()
    assert len(questions.in_scope) >= 60
    assert len(questions.out_of_scope) >= 10
    assert len(questions.injection) >= 5
    assert {q.split for q in questions.in_scope} == {"dev", "test"}
    texts = {s.id: s.text.lower() for s in load_corpus()}
    missing = [q.section for q in questions.in_scope if q.section not in texts]
    assert missing == []
    wrong = [q.question for q in questions.in_scope if q.fact.lower() not in texts[q.section]]
    assert wrong == []
