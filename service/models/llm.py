"""Chat models behind one small interface: local llama.cpp (default) or any OpenAI-compatible server."""
from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from service.models.registry import Registry
from service.settings import Settings


class LLMError(RuntimeError):
    """The model could not be loaded or called; the message says what to do."""


@dataclass
class Usage:
    """What one model call cost; filled in when its last piece has been read."""

    first_token_s: float = 0.0
    total_s: float = 0.0
    completion_tokens: int = 0
    prompt_tokens: int = 0
    prompt_tokens_read: int = 0  # the rest came from a cached prompt state

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


class Generation:
    """One model call: iterate it for the text pieces as they come; `usage` belongs to this call
    alone, so two overlapping calls never read each other's figures."""

    def __init__(self, pieces: Callable[[Usage], Iterator[str]]):
        self.usage = Usage()
        self._pieces = pieces(self.usage)

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def text(self) -> str:
        return "".join(self._pieces)


class ChatModel(Protocol):
    name: str

    def stream(self, messages: list[dict], max_tokens: int, temperature: float,
               stop: list[str] | None = None) -> Generation:
        """The call's text pieces as they are generated, and then its usage."""
        ...


def complete(model: ChatModel, messages: list[dict], max_tokens: int, temperature: float = 0.0,
             stop: list[str] | None = None) -> str:
    return model.stream(messages, max_tokens, temperature, stop).text()


def timed(pieces: Iterator[str], usage: Usage) -> Iterator[str]:
    """Time a stream of pieces (one token each) into `usage`, for backends that report nothing else."""
    started = time.perf_counter()
    for piece in pieces:
        if not usage.completion_tokens:
            usage.first_token_s = time.perf_counter() - started
        usage.completion_tokens += 1
        yield piece
    usage.total_s = time.perf_counter() - started


class LocalLlama:
    """llama.cpp in-process. One generation at a time: the model is a single shared resource."""

    def __init__(self, model_path: str, name: str, n_ctx: int, n_threads: int, state_cache_mb: int = 256,
                 state_dir: Path | None = None, state_files: int = 0):
        try:
            from llama_cpp import Llama

            from index.sqlite import writable
            from service.models.states import StateCache, state_folder
        except ImportError as exc:
            raise LLMError("llama-cpp-python is not installed: run `make setup`") from exc
        started = time.perf_counter()
        self.llama = Llama(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads,
                           n_threads_batch=n_threads, n_batch=512, verbose=False, seed=0)
        self.load_seconds = time.perf_counter() - started
        # The KV cache holds one prompt; saved states keep every task's fixed instructions warm
        # (a chat follow-up runs the condense prompt, then the answer prompt: without this each
        # would re-read the other's ~250-token prefix, ~6 s on 2 cores). ~10 MB per state.
        self.state_cache = None
        if state_cache_mb:
            folder = state_folder(state_dir, model_path, n_ctx) if state_dir and state_files else None
            if folder and not writable(folder):  # a read-only data dir: states kept in memory only
                folder = None
            self.state_cache = StateCache(state_cache_mb << 20, folder, state_files)
        self.llama.set_cache(self.state_cache)
        self._evaluated = 0
        evaluate = self.llama.eval

        def counting_eval(tokens):
            self._evaluated += len(tokens)
            return evaluate(tokens)

        self.llama.eval = counting_eval  # tokens actually read: what the caches saved is measurable
        self.name = name
        self.lock = threading.Lock()
        self.cache_prompts = True
        atexit.register(self.close)

    def close(self) -> None:
        """Free the model before interpreter shutdown tears down the bindings it needs."""
        llama, self.llama = getattr(self, "llama", None), None
        if llama is not None:
            llama.close()

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode(), add_bos=False, special=True))

    def stream(self, messages, max_tokens, temperature, stop=None) -> Generation:
        return Generation(lambda usage: self._generate(usage, messages, max_tokens, temperature, stop))

    def _generate(self, usage: Usage, messages, max_tokens, temperature, stop) -> Iterator[str]:
        with self.lock:
            self.llama.cache = self.state_cache if self.cache_prompts else None
            if not self.cache_prompts:
                self.llama.reset()
            self._evaluated = 0
            parts = self.llama.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature, top_k=1 if temperature == 0 else 40,
                stop=stop, stream=True, seed=0)
            deltas = (part["choices"][0].get("delta", {}).get("content") for part in parts)
            yield from timed((d for d in deltas if d), usage)
            # Each streamed delta is one token; the context holds prompt + completion.
            usage.prompt_tokens = max(self.llama.n_tokens - usage.completion_tokens, 0)
            usage.prompt_tokens_read = min(max(self._evaluated - usage.completion_tokens, 0), usage.prompt_tokens)


class OpenAICompatible:
    """Any server that speaks the OpenAI chat API (OpenAI, vLLM, Ollama, llama.cpp's server)."""

    def __init__(self, base_url: str | None, model: str, api_key: str | None, timeout: float = 120):
        from openai import OpenAI

        self.client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
                             max_retries=2)
        self.name = model

    def stream(self, messages, max_tokens, temperature, stop=None) -> Generation:
        return Generation(lambda usage: timed(self._pieces(messages, max_tokens, temperature, stop), usage))

    def _pieces(self, messages, max_tokens, temperature, stop) -> Iterator[str]:
        import openai

        try:
            response = self.client.chat.completions.create(
                model=self.name, messages=messages, max_tokens=max_tokens, temperature=temperature,
                stop=stop, stream=True)
            for part in response:
                if part.choices and part.choices[0].delta and part.choices[0].delta.content:
                    yield part.choices[0].delta.content
        except openai.APIError as exc:
            raise LLMError(f"the LLM endpoint failed: {exc}") from exc


LLM_BACKENDS: Registry[ChatModel] = Registry("NEWSDESK_LLM")


@LLM_BACKENDS.register("local")
def _local(settings: Settings) -> ChatModel:
    from service.models.files import resolve_local_model

    path = resolve_local_model(settings.llm_model, settings.models_dir)
    return LocalLlama(str(path), settings.llm_model, settings.llm_ctx, settings.llm_threads,
                      settings.llm_state_cache_mb, settings.cache_dir, settings.llm_state_files)


@LLM_BACKENDS.register("openai")
def _openai(settings: Settings) -> ChatModel:
    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return OpenAICompatible(settings.llm_base_url, settings.llm_model, api_key)


_lock = threading.Lock()
_models: dict[tuple, ChatModel] = {}


def build_llm(settings: Settings) -> ChatModel:
    """The chat model for these settings, loaded once per process."""
    key = (settings.llm, settings.llm_model, settings.llm_base_url, settings.llm_ctx, settings.llm_threads,
           settings.llm_state_cache_mb, settings.llm_state_files, settings.data_dir)
    with _lock:
        if key not in _models:
            _models[key] = LLM_BACKENDS.build(settings.llm, settings)
        return _models[key]
