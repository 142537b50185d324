"""Answers under load (issue 17, item 5): may several sequences decoding together in one llama.cpp
context (continuous batching, as llama-server's parallel slots do) answer more per minute than
today's one request at a time?

Measured on the model alone with llama.cpp's low-level API, so that nothing else differs: N
clients send a question at once; each needs `prompt` new tokens read (the answer instructions are a
saved state, so a question plus its ~250 source tokens is what is new) and `gen` tokens written.
One at a time: each request reads and writes in turn (today's model gate). Together: each prompt is
read, then every sequence decodes one token per step in one shared batch. Greedy decoding, the
same prompts in both runs.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from eval.metrics import percentile


class _Runner:
    def __init__(self, model_path: Path, sequences: int, ctx_per_seq: int, threads: int):
        import llama_cpp as L

        self.L = L
        L.llama_backend_init()
        params = L.llama_model_default_params()
        self.model = L.llama_model_load_from_file(str(model_path).encode(), params)
        self.vocab = L.llama_model_get_vocab(self.model)
        self.n_vocab = L.llama_vocab_n_tokens(self.vocab)
        cp = L.llama_context_default_params()
        cp.n_ctx, cp.n_batch, cp.n_ubatch = ctx_per_seq * sequences, 512, 512
        cp.n_seq_max, cp.kv_unified = sequences, True
        cp.n_threads = cp.n_threads_batch = threads
        self.ctx = L.llama_init_from_model(self.model, cp)
        self.memory = L.llama_get_memory(self.ctx)
        self.batch = L.llama_batch_init(512, 0, sequences)

    def close(self) -> None:
        self.L.llama_batch_free(self.batch)
        self.L.llama_free(self.ctx)
        self.L.llama_model_free(self.model)

    def tokens(self, text: str, limit: int) -> list[int]:
        raw = text.encode()
        buf = (self.L.llama_token * 8192)()
        n = self.L.llama_tokenize(self.vocab, raw, len(raw), buf, 8192, True, False)
        return list(buf[:n])[:limit]

    def _decode(self, items: list[tuple[int, int, int, bool]]) -> None:
        b = self.batch
        b.n_tokens = len(items)
        for j, (token, pos, seq, logits) in enumerate(items):
            b.token[j], b.pos[j], b.n_seq_id[j], b.logits[j] = token, pos, 1, logits
            b.seq_id[j][0] = seq
        if self.L.llama_decode(self.ctx, b) != 0:
            raise RuntimeError("llama_decode failed")

    def _argmax(self, j: int) -> int:
        logits = self.L.llama_get_logits_ith(self.ctx, j)
        return int(np.argmax(np.ctypeslib.as_array(logits, shape=(self.n_vocab,))))

    def read(self, seq: int, prompt: list[int]) -> int:
        """Read a prompt into sequence `seq`; the first generated token."""
        for start in range(0, len(prompt), 512):
            part = prompt[start:start + 512]
            self._decode([(t, start + k, seq, start + k == len(prompt) - 1) for k, t in enumerate(part)])
        return self._argmax(len(prompt) - 1 - (len(prompt) - 1) // 512 * 512)

    def one_at_a_time(self, prompts: list[list[int]], gen: int) -> list[float]:
        """Seconds from the common start until each request is done."""
        self.L.llama_memory_clear(self.memory, True)
        start, done = time.perf_counter(), []
        for prompt in prompts:
            token = self.read(0, prompt)
            for g in range(gen):
                self._decode([(token, len(prompt) + g, 0, True)])
                token = self._argmax(0)
            done.append(time.perf_counter() - start)
            self.L.llama_memory_clear(self.memory, True)
        return done

    def together(self, prompts: list[list[int]], gen: int) -> list[float]:
        self.L.llama_memory_clear(self.memory, True)
        start = time.perf_counter()
        last = [self.read(i, p) for i, p in enumerate(prompts)]
        for g in range(gen):
            self._decode([(last[i], len(p) + g, i, True) for i, p in enumerate(prompts)])
            last = [self._argmax(i) for i in range(len(prompts))]
        end = time.perf_counter() - start
        self.L.llama_memory_clear(self.memory, True)
        return [end] * len(prompts)


def bench_parallel(model_path: Path, article: str, clients=(1, 4, 10), prompt: int = 300, gen: int = 96,
                   threads: int = 2) -> None:
    runner = _Runner(model_path, max(clients), prompt + gen + 8, threads)
    try:
        prompts = [runner.tokens(f"Question {i}: what does the article say?\n{article}", prompt)
                   for i in range(max(clients))]
        runner.one_at_a_time(prompts[:1], 8)  # warm up
        print(f"answers under load, {model_path.name} alone, {threads} threads, each request {prompt} prompt "
              f"tokens + {gen} generated, all clients at once:")
        for n in clients:
            rows = {}
            for name, run in (("one at a time (today)", runner.one_at_a_time), ("together (one batch)", runner.together)):
                done = run(prompts[:n], gen)
                rows[name] = (n / max(done) * 60, percentile(done, .5), percentile(done, .95))
                print(f"  {n:2d} client(s), {name:22s} {rows[name][0]:5.1f} answers/min, "
                      f"p50 {rows[name][1]:5.1f}s p95 {rows[name][2]:5.1f}s")
            today, batched = rows.values()
            print(f"  {n:2d} client(s): throughput {batched[0] / today[0]:.2f}x, p50 {batched[1] / today[1]:.2f}x")
    finally:
        runner.close()
