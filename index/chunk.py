"""Token-aware, sentence-aligned chunks with exact offsets into the cleaned text.

LangChain's splitters measure tokens but lose exact offsets when they merge and strip pieces;
citations need `text[start:end]` to be the chunk, so this packs sentence spans directly.
"""
from __future__ import annotations

import hashlib

from index.models import Article, Chunk
from index.sentences import sentence_spans
from index.tokens import count_tokens


_SOFT_BREAKS = " \n\t。！？，、；：,;"


def _split_long(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    """A sentence longer than a chunk is cut every `max_tokens` tokens: at the last space or CJK
    punctuation in the second half of the window, or at a token boundary when there is none
    (a run of base64, a paragraph of Chinese). One tokenisation, so linear in the sentence."""
    from bisect import bisect_left

    from index.tokens import encoding

    piece = text[start:end]
    enc = encoding()
    tokens = enc.encode(piece, disallowed_special=())
    if not tokens:
        return [(start, end)]
    _, offsets = enc.decode_with_offsets(tokens)
    pieces, i = [], 0
    while i < len(tokens):
        j = i + max_tokens
        a = offsets[i]
        if j >= len(tokens):
            pieces.append((a, len(piece)))
            break
        b = offsets[j]
        soft = max(piece.rfind(ch, a, b) for ch in _SOFT_BREAKS)
        if soft > a + (b - a) // 2:
            b = soft + 1
        nxt = bisect_left(offsets, b, i + 1)
        if nxt <= i or b <= a:  # a token inside one character: cut at the token, always move on
            nxt, b = j, offsets[j]
        pieces.append((a, b))
        i = nxt
    out = []
    for a, b in pieces:
        while a < b and piece[a].isspace():
            a += 1
        while b > a and piece[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((start + a, start + b))
    return out


def chunk_spans(text: str, max_tokens: int, overlap_tokens: int) -> list[tuple[int, int, int]]:
    """(start, end, tokens) per chunk; consecutive chunks share up to `overlap_tokens` of sentences."""
    sents: list[tuple[int, int, int]] = []
    for s, e in sentence_spans(text):
        n = count_tokens(text[s:e])
        if n > max_tokens:
            sents.extend((a, b, count_tokens(text[a:b])) for a, b in _split_long(text, s, e, max_tokens))
        else:
            sents.append((s, e, n))
    chunks: list[tuple[int, int, int]] = []
    i = 0
    while i < len(sents):
        j, total = i, 0
        while j < len(sents) and (j == i or total + sents[j][2] <= max_tokens):
            total += sents[j][2]
            j += 1
        chunks.append((sents[i][0], sents[j - 1][1], total))
        if j >= len(sents):
            break
        # Step back over trailing sentences that fit in the overlap, but always move forward.
        back, k = 0, j
        while k - 1 > i and back + sents[k - 1][2] <= overlap_tokens:
            back += sents[k - 1][2]
            k -= 1
        i = k
    return chunks


def chunk_article(article: Article, max_tokens: int = 180, overlap_tokens: int = 40) -> list[Chunk]:
    out = []
    for n, (start, end, tokens) in enumerate(chunk_spans(article.text, max_tokens, overlap_tokens)):
        body = article.text[start:end]
        # The title is embedded with the body: a new title is a new vector, so a new id.
        digest = hashlib.sha1(f"{article.title}\n{body}".encode()).hexdigest()[:10]
        out.append(Chunk(id=f"{article.id}:{n}:{digest}", article_id=article.id, index=n,
                         start=start, end=end, text=body, tokens=tokens))
    return out
