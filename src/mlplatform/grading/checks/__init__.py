"""Public checks, one module per lab (`labNN.py`, with a `CHECKS` list)."""
