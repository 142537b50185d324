"""Sentence spans with exact character offsets, shared by chunking and citation checks."""
from __future__ import annotations

import re

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "col", "lt", "sgt", "gov", "sen",
    "rep", "no", "vs", "etc", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e", "approx",
}
# A candidate boundary: terminal punctuation, optional closing quote/bracket, then whitespace.
# Starting only where a run of stops starts, possessive: a run of dots is one failed match, not one per dot.
# CJK full stops end sentences without a space.
_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+\s++|(?<![。！？])[。！？]++[」』”’)）]*+\s*+")
_PARAGRAPH = re.compile(r"\n\s*\n")


def _is_abbreviation(text: str, dot_at: int) -> bool:
    if text[dot_at] != ".":
        return False
    word_start = dot_at
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot_at].lower()
    if word_start > 0 and text[word_start - 1].isdigit():
        return False  # "£50m." and "3.5bn." end sentences: a unit, not an initial
    # Single capital letters ("J. Smith") and known abbreviations are not sentence ends.
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of sentences; paragraphs always break sentences."""
    spans: list[tuple[int, int]] = []
    para_start = 0
    paragraph_breaks = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    paragraph_breaks.append((len(text), len(text)))
    for para_end, next_start in paragraph_breaks:
        _split_paragraph(text, para_start, para_end, spans)
        para_start = next_start
    return spans


def _split_paragraph(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        following = text[m.end():m.end() + 1]
        cjk = m.group()[0] in "。！？"
        if following and not cjk and not (following.isupper() or following.isdigit() or following in "\"“‘('"):
            continue
        if _is_abbreviation(text, m.start()):
            continue
        sent_end = m.end() - (len(m.group()) - len(m.group().rstrip()))
        _add_span(text, cursor, sent_end, spans)
        cursor = m.end()
    _add_span(text, cursor, end, spans)


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]
