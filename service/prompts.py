"""Prompts are files in `prompts/`, one per task, loaded by name; no prompt text lives in code.

A file holds `<!-- system -->` and `<!-- user -->` sections; `{name}` placeholders are filled with
LangChain's prompt templates, so values (article text!) are never parsed as templates themselves.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
_SECTION = re.compile(r"^<!--\s*(system|user|assistant)\s*-->\s*$", re.MULTILINE)
# Chat-template control text (ChatML's <|im_start|>, Llama's [INST] / <<SYS>> / </s>, and their
# full-width look-alikes): llama.cpp reads the formatted prompt with special tokens enabled, so
# in a value this would become a real turn boundary.
_CONTROL = re.compile(r"<\s*[|｜][^<>\n]{0,40}?[|｜]\s*>|\[/?INST\]|<</?SYS>>|</?s>", re.IGNORECASE)


@lru_cache(maxsize=None)
def load_prompt(name: str) -> ChatPromptTemplate:
    path = PROMPTS_DIR / f"{name}.md"
    if not path.is_file():
        raise FileNotFoundError(f"no prompt named '{name}' in {PROMPTS_DIR}")
    text = path.read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    messages = [(role, body.strip()) for role, body in zip(parts[1::2], parts[2::2])]
    if not messages:
        raise ValueError(f"prompt {path} has no <!-- system --> / <!-- user --> sections")
    return ChatPromptTemplate.from_messages(
        [(role if role != "assistant" else "ai", body) for role, body in messages])


def data_text(value: str) -> str:
    """A value that goes into a prompt (article text, titles, questions) with every chat-template
    control sequence removed: it can only ever be read as text."""
    previous = None
    while previous != value:  # "<|im_<|x|>start|>" must not reassemble into a marker
        previous, value = value, _CONTROL.sub(" ", value)
    return value


def render(name: str, **values: str) -> list[dict]:
    """Prompt as OpenAI-style chat messages, ready for either LLM backend; every value is data."""
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    return [{"role": roles[m.type], "content": m.content}
            for m in load_prompt(name).format_messages(**{k: data_text(v) for k, v in values.items()})]
