"""Project 3: a retrieval-augmented assistant that answers questions about the course.

- `corpus`: the course's own text as sections (stable id, title, text, source) and its version.
- `chunking`: `chunk_sections` (size, overlap, by heading).
- `embeddings`: the bundled all-MiniLM-L6-v2 sentence encoder (offline).
- `index`: `VectorIndex`, the embedded vector store (LanceDB) behind one interface.
- `retrieval`: BM25, dense and hybrid (reciprocal rank fusion) retrievers; hit@k and MRR.
- `questions`: the evaluation set in `datasets/assistant/questions.yaml`.
"""
