"""The vector index: an embedded LanceDB table behind one small interface.

LanceDB was chosen by measurement (`benchmarks/bench_assistant_retrieval.py`, `docs/assistant.md`):
it installs as one wheel with no server, stores the vectors as Lance files in a folder, and gives
an exact (flat) scan or an HNSW index from the same table. `exact_search` (numpy dot products) is
the reference the index's recall is measured against, not a second way to search.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa

Kind = Literal["flat", "hnsw"]
TABLE = "chunks"


@dataclass(frozen=True)
class Hit:
    """One search result: the chunk's id and its cosine similarity to the query."""

    id: str
    score: float


@contextmanager
def _without_shadowing_datasets() -> Iterator[None]:
    """Hide a `datasets` namespace package (the repository's `datasets/` folder) from LanceDB.

    Run from the repository root (`python -m pytest`), the folder imports as a namespace package
    named `datasets`; LanceDB (on import and on each write) sees that name in `sys.modules`, takes
    it for Hugging Face's `datasets` and fails to import `Dataset` from it.
    """
    module = sys.modules.get("datasets")
    shadowing = module is not None and getattr(module, "__file__", None) is None
    if shadowing:
        del sys.modules["datasets"]
    try:
        yield
    finally:
        if shadowing:
            sys.modules["datasets"] = module


class VectorIndex:
    """Unit vectors keyed by id in a LanceDB table; `search` returns the nearest by cosine."""

    def __init__(self, folder: Path, kind: Kind = "flat") -> None:
        with _without_shadowing_datasets():
            import lancedb

        self.kind = kind
        self._db = lancedb.connect(str(folder))
        self._table = self._db.open_table(TABLE) if TABLE in self._db.table_names() else None

    def build(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Replace the table's contents with `vectors` (one row per id) and index it.

        Raises:
            ValueError: the number of ids and vectors differ, or there is nothing to index.
        """
        if len(ids) != len(vectors) or not len(ids):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors: need as many, > 0.")
        dim = vectors.shape[1]
        column = pa.FixedSizeListArray.from_arrays(
            pa.array(np.asarray(vectors, np.float32).ravel()), dim
        )
        data = pa.table({"id": pa.array(list(ids)), "vector": column})
        with _without_shadowing_datasets():
            self._table = self._db.create_table(TABLE, data=data, mode="overwrite")
        if self.kind == "hnsw":
            from lancedb.index import HnswSq

            # Few rows: one partition keeps every vector reachable from the graph.
            self._table.create_index(
                "vector", config=HnswSq(distance_type="cosine", num_partitions=1)
            )

    def search(self, vector: np.ndarray, k: int = 10) -> list[Hit]:
        """The `k` nearest ids to `vector`, best first.

        Raises:
            RuntimeError: the index was never built.
        """
        if self._table is None:
            raise RuntimeError("The index is empty: call build(ids, vectors) first.")
        query = self._table.search(np.asarray(vector, np.float32)).distance_type("cosine").limit(k)
        rows = query.select(["id", "_distance"]).to_list()
        return [Hit(row["id"], 1.0 - float(row["_distance"])) for row in rows]

    def __len__(self) -> int:
        return 0 if self._table is None else self._table.count_rows()


def exact_search(vectors: np.ndarray, ids: Sequence[str], vector: np.ndarray, k: int) -> list[Hit]:
    """The reference: the `k` best ids by exact dot product over unit vectors."""
    scores = vectors @ np.asarray(vector, np.float32)
    order = np.argsort(-scores, kind="stable")[:k]
    return [Hit(ids[i], float(scores[i])) for i in order]
