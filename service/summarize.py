"""Summaries of an article or a whole story, every sentence cited and checked like an answer.

When the passages do not fit the prompt budget, summaries are map-reduced: each group of
passages is summarised, then the partial summaries are combined. Citations survive because the
final sentences are verified against the original chunks, not against the partial summaries.
"""
from __future__ import annotations

import time

from pydantic import BaseModel

from index.models import Hit
from index.tokens import count_tokens
from service.answer.chain import CitationBook, build_sources, conflict_sentence, format_sources, with_marker
from service.answer.claims import is_abstention, parse_claims
from service.answer.sources import Source
from service.answer.verify import verify
from service.container import Context
from service.prompts import render
from service.schemas import Citation, Conflict, ConflictVersion


class SummarySentence(BaseModel):
    text: str
    citations: list[int]
    supported: bool


class Summary(BaseModel):
    summary: str
    sentences: list[SummarySentence]
    citations: list[Citation]
    conflicts: list[Conflict]
    articles: list[str]
    timings_ms: dict[str, float]
    model: str


class NotFound(LookupError):
    pass


class TooLong(ValueError):
    """The text needs more model calls than one request may make (`summary_max_calls`)."""


def _groups(hits: list[Hit], budget: int) -> list[list[Hit]]:
    groups, current, used = [], [], 0
    for h in hits:
        n = count_tokens(h.text) + 20
        if current and used + n > budget:
            groups.append(current)
            current, used = [], 0
        current.append(h)
        used += n
    if current:
        groups.append(current)
    return groups


def planned_calls(groups: int, budget: int, max_sentences: int) -> int:
    """Model calls a map-reduce over `groups` passage groups will make: the maps, then reduce levels
    of as many partial summaries as fit the budget (about 40 tokens a sentence), then the last."""
    if groups <= 1:
        return 1
    per_reduce = max(2, budget // (max_sentences * 40 + 20))
    calls, level = groups, groups
    while level > per_reduce:
        level = -(-level // per_reduce)
        calls += level
    return calls + 1


def _generate(ctx: Context, prompt: str, sources: list[Source], max_sentences: int) -> str:
    messages = render(prompt, sources=format_sources(sources), max_sentences=str(max_sentences))
    pieces = ctx.llm.stream(messages, ctx.settings.llm_max_tokens, ctx.settings.llm_temperature,
                            stop=["\nPassages:"])
    return "".join(pieces).strip()


def summarize(ctx: Context, article_ids: list[str], story_conflicts=None, prompt: str = "summarize_article",
              max_sentences: int | None = None) -> Summary:
    started = time.perf_counter()
    settings = ctx.settings
    max_sentences = max_sentences or settings.summary_sentences
    hits = ctx.store.article_hits(article_ids)
    if not hits:
        raise NotFound(f"no indexed text for {', '.join(article_ids)}")
    sources = build_sources(ctx.store, hits)
    groups = _groups(hits, settings.summary_prompt_tokens)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    planned = planned_calls(len(groups), settings.summary_prompt_tokens, max_sentences)
    if planned > settings.summary_max_calls:
        raise TooLong(f"summarising this needs about {planned} model calls ({len(hits)} passages); the limit "
                      f"per request is {settings.summary_max_calls} (NEWSDESK_SUMMARY_MAX_CALLS)")
    if len(groups) == 1:
        raw = _generate(ctx, prompt, sources, max_sentences)
    else:  # map: one partial summary per group; reduce the partials, level by level, within the budget
        level = [_generate(ctx, prompt, build_sources(ctx.store, group), max_sentences) for group in groups]
        calls = len(level)
        while True:
            partial_hits = [Hit(article_id="partial", title=f"Partial summary {i}", chunk_id=f"partial:{i}",
                                start=0, end=len(p), score=1.0, text=p) for i, p in enumerate(level, start=1)]
            parts = _groups(partial_hits, settings.summary_prompt_tokens)
            if len(parts) * 2 > len(level) + 1:  # long partials: still combine at least two per call
                parts = [partial_hits[i:i + 2] for i in range(0, len(partial_hits), 2)]
            if len(parts) == 1:
                break
            if calls + len(parts) + 1 > settings.summary_max_calls:  # the plan was an estimate
                raise TooLong(f"summarising this needs more than {settings.summary_max_calls} model calls "
                              "(NEWSDESK_SUMMARY_MAX_CALLS)")
            level = [_generate(ctx, prompt, [Source(i, h, h.text) for i, h in enumerate(part, start=1)],
                               max_sentences) for part in parts]
            calls += len(level)
        partial_sources = [Source(i, h, h.text) for i, h in enumerate(partial_hits, start=1)]
        raw = _generate(ctx, prompt, partial_sources, max_sentences)
        timings["map_calls"] = float(len(groups))
        timings["model_calls"] = float(calls + 1)
    timings["generate"] = round((time.perf_counter() - t) * 1000, 1)
    t = time.perf_counter()
    claims = [c for c in parse_claims(raw) if not is_abstention(c.text)][: max_sentences + 2]
    verified = verify(claims, sources, ctx.store.embeddings.embed_documents,
                      settings.verify_min_similarity, settings.verify_min_overlap)
    book = CitationBook()
    sentences, parts = [], []
    for vs in verified:
        if vs.supported:
            cid = book.cite_support(vs.support)
            sentences.append(SummarySentence(text=vs.text, citations=[cid], supported=True))
            parts.append(with_marker(vs.text, f"[{cid}]"))
        else:
            sentences.append(SummarySentence(text=vs.text, citations=[], supported=False))
            if settings.unsupported_policy == "mark":
                parts.append(with_marker(vs.text, "[unsupported]"))
            elif settings.unsupported_policy == "keep":
                parts.append(vs.text)
    conflicts = []
    by_article = {s.hit.article_id: s for s in sources}
    for sc in story_conflicts or []:
        ids = []
        for side in sc.versions:
            src = by_article.get(side.article_id)
            if src is not None:
                ids.append(book.cite(src, side.start, side.end))
        if len(ids) != 2:
            continue
        conflicts.append(Conflict(about=sc.about, kind=sc.relation, fact=sc.kind, left=sc.left, right=sc.right, versions=[
            ConflictVersion(text=side.text, citation=i, published=side.published) for side, i in zip(sc.versions, ids)]))
        sentence = conflict_sentence(conflicts[-1])
        sentences.append(SummarySentence(text=sentence, citations=ids, supported=True))
        parts.append(sentence)
    timings["verify"] = round((time.perf_counter() - t) * 1000, 1)
    timings["total"] = round((time.perf_counter() - started) * 1000, 1)
    return Summary(summary=" ".join(parts), sentences=sentences, citations=book.items, conflicts=conflicts,
                   articles=article_ids, timings_ms=timings, model=ctx.llm.name)


def summarize_article(ctx: Context, article_id: str) -> Summary:
    if ctx.store.get_article(article_id) is None:
        raise NotFound(f"no article with id {article_id}")
    return summarize(ctx, [article_id])


def summarize_id(ctx: Context, item_id: str) -> Summary:
    """A story's id or an article's: the one place that tells them apart."""
    if ctx.stories.get(item_id) is not None:
        return summarize_story(ctx, item_id)
    return summarize_article(ctx, item_id)


def summarize_story(ctx: Context, story_id: str) -> Summary:
    book = ctx.stories
    story = book.get(story_id)
    if story is None:
        raise NotFound(f"no story with id {story_id}")
    return summarize(ctx, [a.id for a in story.articles], story_conflicts=book.conflicts_of(story),
                     prompt="summarize_story")
