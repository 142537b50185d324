"""The plain-RAG baseline the eval runs beside newsdesk, on the same questions in the same command.

Same retriever and hits, same model, the whole chunks in the prompt, one plain prompt with the
usual "if the sources do not contain it, say so" rule, and no verifier: what "better" is measured
against. Its result has the `Answer` JSON shape so the same scorer reads both.
"""
from __future__ import annotations

import re
import time

from index.models import Hit
from service.answer.claims import is_abstention
from service.models.llm import ChatModel, complete
from service.prompts import render
from service.schemas import ABSTAIN_TEXT

_MARKER = re.compile(r"\[(\d+)\]")
BASELINES = {"plain": "baseline_plain"}  # --baseline NAME → prompt file


def plain_answer(llm: ChatModel, question: str, hits: list[Hit], prompt: str = "baseline_plain",
                 max_tokens: int = 160) -> dict:
    started = time.perf_counter()
    if not hits:  # the shared retriever found nothing relevant: both pipelines stop here
        return {"answer": ABSTAIN_TEXT, "abstained": True, "citations": [], "unsupported_sentences": None,
                "conflicts": [], "timings_ms": {"total": 0.0}}
    sources = "\n\n".join(f"[{n}] {h.title}\n{h.text}" for n, h in enumerate(hits, start=1))
    text = complete(llm, render(prompt, sources=sources, question=question.strip()), max_tokens,
                    stop=["\nQuestion:", "\nSources:"]).strip()
    abstained = is_abstention(text)
    cited = [hits[n - 1] for n in dict.fromkeys(int(m) for m in _MARKER.findall(text)) if 0 < n <= len(hits)]
    return {"answer": text, "abstained": abstained,
            "citations": [] if abstained else [{"id": i, "article_id": h.article_id, "source": h.source,
                                                "quote": h.text} for i, h in enumerate(cited, start=1)],
            "unsupported_sentences": None,  # nothing checks them: the rate is unknown, not zero
            "conflicts": [], "timings_ms": {"total": round((time.perf_counter() - started) * 1000, 1)}}
