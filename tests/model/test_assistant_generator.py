"""The assistant's generator with the real SmolLM2-135M GGUF (llama.cpp loads it in well under 1 s)."""

from __future__ import annotations

import pytest

from mlplatform.assistant.generator import backend_from_env, generate, gguf_path, load_generator

PROMPT = "What is a feature store? Answer in one sentence."


def test_the_model_file_comes_from_the_wheel() -> None:
    path = gguf_path()
    assert path.is_file() and path.stat().st_size > 50_000_000


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_streaming_yields_pieces_that_add_up_to_the_greedy_answer() -> None:
    pieces = list(generate(PROMPT, max_tokens=24, stream=True, backend="llama_cpp"))
    answer = generate(PROMPT, max_tokens=24, backend="llama_cpp")
    assert len(pieces) > 3
    assert "".join(pieces) == answer  # greedy decoding: the same text both ways
    assert 3 < load_generator("llama_cpp").count_tokens(answer) <= 24


def test_bad_arguments_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        generate(PROMPT, max_tokens=0)
    monkeypatch.setenv("MLPLATFORM_LLM_BACKEND", "gpt-4")
    with pytest.raises(ValueError, match="MLPLATFORM_LLM_BACKEND"):
        backend_from_env()
