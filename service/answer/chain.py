"""The answer chain: retrieve → prompt → generate → verify every citation → surface conflicts.

Free of CLI/HTTP concerns: the CLI, the API, Slack and batch all call `answer_question`.
The small local model is not trusted to cite or to decline (issue 12 measured both), so abstention is
decided from retrieval scores and verification, and citations are attached or repaired in code.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Literal

from index.retrieve import Filters
from index.sentences import sentence_spans
from index.store import ArticleStore
from index.tokens import count_tokens
from service.answer.abstain import (
    KIND_WORDING, about_the_question, age_of_the_asked, asked_for, close_to_the_question, gives, on_topic,
)
from service.container import Context
from service.answer.claims import Claim, as_statement, is_abstention, normalize_markers, parse_claims
from service.answer.sources import Source, untrusted
from service.answer.verify import Support, VerifiedSentence, verify
from service.facts.conflicts import Difference, compare_sentences, relation, short_name, shown
from service.facts.extract import names, quantities
from service.answer.passages import EmbedCache, format_selected, select_passages
from service.prompts import render
from service.schemas import ABSTAIN_TEXT, Answer, Citation, Conflict, ConflictVersion
from service.search import search_chunks

Policy = Literal["drop", "mark", "keep"]
OnToken = Callable[[str], None]


def build_sources(store: ArticleStore, hits) -> list[Source]:
    texts: dict[str, str] = {}
    sources = []
    for n, hit in enumerate(hits, start=1):
        if hit.article_id not in texts:
            article = store.get_article(hit.article_id)
            texts[hit.article_id] = article.text if article else hit.text
        sources.append(Source(n, hit, texts[hit.article_id]))
    return sources


def format_sources(sources: list[Source]) -> str:
    """Numbered passages for the prompt; instruction-like sentences are withheld from the model."""
    blocks = []
    for s in sources:
        chunk = s.article_text[s.hit.start:s.hit.end]
        kept = [chunk[a:b] if chunk[a:b].strip() and not untrusted(chunk[a:b]) else "[text withheld]"
                for a, b in sentence_spans(chunk)]
        blocks.append(f"[{s.n}] {s.label()}\n{' '.join(kept)}")
    return "\n\n".join(blocks)


class CitationBook:
    """Final citation ids: one per distinct supporting span, numbered in order of first use."""

    def __init__(self):
        self.items: list[Citation] = []
        self._ids: dict[tuple, int] = {}

    def cite(self, source: Source, start: int, end: int) -> int:
        key = (source.hit.chunk_id, start, end)
        if key not in self._ids:
            self._ids[key] = len(self.items) + 1
            h = source.hit
            self.items.append(Citation(id=self._ids[key], article_id=h.article_id, **h.ref(),
                                       chunk_id=h.chunk_id, quote=source.article_text[start:end],
                                       start=start, end=end, supported=True))
        return self._ids[key]

    def cite_support(self, sup: Support) -> int:
        return self.cite(sup.source, sup.start, sup.end)

    def forget_after(self, n: int) -> None:
        """Withdraw the citations numbered after `n` (given to sentences that were then not shown)."""
        del self.items[n:]
        self._ids = {key: i for key, i in self._ids.items() if i <= n}


def _states(claim: str, d: Difference, mine: str) -> bool:
    """Is the differing fact one the answer itself states? Only those are worth a reader's time:
    the answer to "who leads the union?" must not end on a pay-offer percentage it never gave."""
    if d.kind == "number":
        left = {q.value for q in quantities(d.left)}
        return any(q.value in left for q in quantities(claim))
    if d.kind in ("name", "spelling"):
        return d.left.split()[-1].lower() in claim.lower()
    return bool(set(names(claim)) & set(names(mine)))  # a role or weekday of someone the answer names


def _same_subject(claim: str, theirs: str, title: str) -> bool:
    """A figure differs only about the same someone: "The Olympic champion set a personal best of
    22.38 seconds" (in "Holmes back on form") is not another report of McIlroy's 46.68. A sentence
    is about its headline's names too."""
    there = names(theirs) + names(title)
    return not there or bool({w.lower() for n in names(claim) for w in n.split()}
                             & {w.lower() for n in there for w in n.split()})


def find_conflicts(verified: list[VerifiedSentence], sources: list[Source],
                   book: CitationBook) -> list[Conflict]:
    """Facts the answer states that another retrieved article tells differently. Between two dated
    reports where the later one speaks of a change ("improved its offer to 5 percent"), it is an
    update, not a disagreement."""
    conflicts: list[Conflict] = []
    seen: set[str] = set()
    for vs in verified:
        if not vs.supported:
            continue
        sup = vs.support
        for a_start, a_end in sentence_spans(sup.quote):
            mine = sup.quote[a_start:a_end]
            for other in sources:
                if other.hit.article_id == sup.source.hit.article_id:
                    continue
                for b_start, b_end in other.spans:
                    theirs = other.article_text[b_start:b_end]
                    for d in compare_sentences(mine, theirs, sup.source.article_text, other.article_text):
                        key = (d.kind, frozenset((short_name(d.left), short_name(d.right))))
                        if key in seen or not _states(vs.text, d, mine) or (
                                d.kind == "number" and not _same_subject(vs.text, theirs, other.hit.title)):
                            continue
                        seen.add(key)
                        left = ConflictVersion(text=mine, published=sup.source.hit.published,
                                               citation=book.cite(sup.source, sup.start + a_start, sup.start + a_end))
                        right = ConflictVersion(text=theirs, published=other.hit.published,
                                                citation=book.cite(other, b_start, b_end))
                        kind, versions = relation([left, right])
                        d = shown(d, swapped=versions[0] is not left)
                        conflicts.append(Conflict(about=d.about, fact=d.kind, left=d.left, right=d.right,
                                                  versions=versions, kind=kind))
    return conflicts


def probe_other_versions(ctx: Context, verified: list[VerifiedSentence], sources: list[Source],
                         filters: Filters | None, embed: EmbedCache) -> list[Source]:
    """Search again with each supporting sentence, so another outlet's version of the same
    statement is compared even when it did not make the top k for the question."""
    known = {s.hit.chunk_id for s in sources}
    extra: list[Source] = []
    for vs in verified:
        if not vs.supported:
            continue
        sentence = vs.support.best_sentence
        for hit in search_chunks(ctx.store, ctx.settings, sentence, k=3, filters=filters,
                                 query_vector=embed.vector(sentence)):
            if hit.chunk_id in known or hit.article_id == vs.support.source.hit.article_id:
                continue
            known.add(hit.chunk_id)
            extra.extend(build_sources(ctx.store, [hit]))
    for n, source in enumerate(extra, start=len(sources) + 1):
        source.n = n
    return extra



def with_marker(sentence: str, marker: str) -> str:
    """Put a citation marker before the sentence's closing punctuation: "… Friday [1]." """
    m = re.search(r"[.!?…]+[\"'”’)]*$", sentence)
    if not m:
        return f"{sentence} {marker}"
    return f"{sentence[:m.start()].rstrip()} {marker}{sentence[m.start():]}"


def _abstain(question: str, model: str, timings: dict[str, float], unsupported=None, usage=None) -> Answer:
    return Answer(question=question, answer=ABSTAIN_TEXT, abstained=True, citations=[],
                  unsupported_sentences=unsupported or [], conflicts=[], timings_ms=timings, model=model,
                  usage=usage or {})


def conflict_sentence(c: Conflict) -> str:
    """The one way a conflict is told in text (answers and summaries)."""
    a, b = c.versions
    if c.kind == "update":
        return f'Update on the {c.fact}: "{c.left}" on {a.published} [{a.citation}], "{c.right}" by {b.published} [{b.citation}].'
    return f'Outlets differ on the {c.fact}: "{c.left}" [{a.citation}] vs "{c.right}" [{b.citation}].'


class _SentenceStream:
    """Verifies sentences as soon as the model finishes them, so surfaces can stream checked text."""

    def __init__(self, ctx: Context, sources: list[Source], book: CitationBook, policy: Policy,
                 on_sentence: OnToken | None, embed: EmbedCache, question: str = ""):
        self.ctx, self.sources, self.book, self.policy, self.embed = ctx, sources, book, policy, embed
        self.question = question
        self.on_sentence = on_sentence
        self.raw = ""
        self.done = 0  # complete sentences already verified
        self.verified: list[VerifiedSentence] = []
        self.parts: list[str] = []
        self.unsupported: list[str] = []
        self.verify_s = 0.0

    def feed(self, piece: str, final: bool = False) -> None:
        self.raw += piece
        text = normalize_markers(self.raw)
        spans = sentence_spans(text)
        complete = spans if final else spans[:-1]
        for start, end in complete[self.done:]:
            self._check(text[start:end])
        self.done = max(self.done, len(complete))

    def _check(self, sentence: str) -> None:
        t = time.perf_counter()
        claims = parse_claims(sentence)
        claims = [c for c in claims if not is_abstention(c.text)]
        checked = [Claim(as_statement(c.text, self.question), c.cited) for c in claims]
        s = self.ctx.settings
        for claim, asked, vs in zip(claims, checked, verify(checked, self.sources, self.embed, s.verify_min_similarity,
                                                             s.verify_min_overlap, self.question)):
            if asked.text != claim.text:
                vs.text = claim.text  # checked as the question's statement, shown as the model wrote it
            self.verified.append(vs)
            if vs.supported:
                out = with_marker(vs.text, f"[{self.book.cite_support(vs.support)}]")
            else:
                self.unsupported.append(vs.text)
                out = {"mark": with_marker(vs.text, "[unsupported]"), "keep": vs.text}.get(self.policy)
            if out:
                self.parts.append(out)
                if self.on_sentence:
                    self.on_sentence(out)
        self.verify_s += time.perf_counter() - t


_FIGURES = ("quantity", "date")  # kinds a sentence can be picked by, unlike a name
FOCUS_TOKENS = 120


def _cited_articles(verified: list[VerifiedSentence]) -> list[str]:
    return [f"{vs.support.source.hit.title}\n{vs.support.source.article_text}" for vs in verified if vs.supported]


def _answers(stream: _SentenceStream, kind: str, question: str) -> bool:
    """Whether what was verified so far gives the kind of fact asked, from an article about it."""
    said = " ".join(vs.text for vs in stream.verified if vs.supported)
    return gives(kind, said, question) and about_the_question(question, _cited_articles(stream.verified))


def _generate(ctx: Context, messages: list[dict], stream: _SentenceStream, on_token: OnToken | None) -> dict:
    """One model call fed through the sentence verifier; returns its usage."""
    settings = ctx.settings
    generation = ctx.llm.stream(messages, settings.llm_max_tokens, settings.llm_temperature,
                                stop=["\nQuestion:", "\nSources:"])
    for piece in generation:
        if on_token:
            on_token(piece)
        stream.feed(piece)
    stream.feed("", final=True)
    return generation.usage.as_dict()


def answer_question(ctx: Context, question: str, k: int | None = None, filters: Filters | None = None,
                    on_token: OnToken | None = None, policy: Policy | None = None,
                    on_sentence: OnToken | None = None) -> Answer:
    """Answer from the index. `on_token` gets raw model text as generated; `on_sentence` gets
    each sentence once verified (with its final citation marker), which is what users should see."""
    settings, started = ctx.settings, time.perf_counter()
    policy = policy or settings.unsupported_policy
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round((now - since) * 1000, 1)
        return now

    embed = EmbedCache(ctx.store.embeddings.embed_documents)
    hits = search_chunks(ctx.store, settings, question, k=k, filters=filters,
                         query_vector=embed.vector(question.strip()))
    t = lap("retrieve", started)
    if not hits:
        timings.update(generate=0.0, verify=0.0)
        lap("total", started)
        return _abstain(question, ctx.llm.name, timings)
    sources = build_sources(ctx.store, hits)
    if settings.llm_source_tokens:
        selected = select_passages(question.strip(), sources, embed, settings.llm_source_tokens, count_tokens)
        shown = format_selected(sources, selected)
    else:
        shown = format_sources(sources)
    messages = render("answer", sources=shown, question=question.strip())
    t = lap("select", t)
    book = CitationBook()
    stream = _SentenceStream(ctx, sources, book, policy, on_sentence, embed, question.strip())
    usage = _generate(ctx, messages, stream, on_token)
    verify_s = stream.verify_s
    retried = settings.answer_retry and not stream.parts
    if retried:
        # The model declined, or nothing it said is in the sources, although they were retrieved
        # for the question: ask once more, to copy the sentence that answers (issue 12: the 1.5B
        # declined "opening weekend" questions whose source says "debut weekend").
        retry = _SentenceStream(ctx, sources, book, policy, on_sentence, embed, question.strip())
        again = _generate(ctx, render("extract", sources=shown, question=question.strip()), retry, on_token)
        usage = {k: v if k == "first_token_s" else v + again[k] for k, v in usage.items()}
        retry.unsupported[:0] = stream.unsupported
        stream, verify_s = retry, verify_s + retry.verify_s
        timings["retry"] = round(again["total_s"] * 1000, 1)
    kind = asked_for(question)
    if settings.answer_retry and kind in _FIGURES and not _answers(stream, kind, question):
        # Still no figure of the kind asked for: show only the sentences that hold one, so that the
        # one answering is not lost among the rest (issue 12: "The 34-year-old… won in two minutes,
        # 35.39 seconds" — the model twice invented a time from the full selection).
        focused = select_passages(question.strip(), sources, embed, FOCUS_TOKENS, count_tokens,
                                  keep=lambda text: gives(kind, text, question))
        if focused:
            typed, cited_before = _SentenceStream(ctx, sources, book, policy, None, embed, question.strip()), len(book.items)
            again = _generate(ctx, render("extract", sources=format_selected(sources, focused),
                                          question=question.strip()), typed, on_token)
            usage = {k: v if k == "first_token_s" else v + again[k] for k, v in usage.items()}
            verify_s += typed.verify_s
            timings["focused"] = round(again["total_s"] * 1000, 1)
            stream.unsupported += typed.unsupported
            # A figure picked from sentences chosen for holding one needs two of the question's words
            # beside it, names apart: "could cut up to 45,000 jobs" does not say the workforce is
            # "reduced to what size", nor does "the show's highest audience came at Christmas 1986"
            # give the "peak audience for the episode in which Den was killed off". Every figure it
            # gives, or none is kept.
            figures = [vs for vs in typed.verified if vs.supported and gives(kind, vs.text, question)]
            if figures and all(on_topic(question, [vs.support.quote], words=2) or age_of_the_asked(question, vs.text)
                               for vs in figures):
                stream.parts += typed.parts
                stream.verified += typed.verified
                for part in typed.parts if on_sentence else ():
                    on_sentence(part)
            else:
                book.forget_after(cited_before)
    timings["generate"] = round((time.perf_counter() - t) * 1000 - verify_s * 1000, 1)
    timings["verify"] = round(verify_s * 1000, 1)  # the citation checks, sentence by sentence
    t = time.perf_counter()
    verified, parts = stream.verified, stream.parts
    supported = [vs.text for vs in verified if vs.supported]
    if not supported:
        lap("total", started)
        return _abstain(question, ctx.llm.name, timings, stream.unsupported, usage)
    cited = _cited_articles(verified)
    # A copied sentence answers an untyped question ("Where are the secret beaches?") only if its
    # quote says something the question asks about, not just a place or person it names.
    copied_off_topic = retried and kind is None and not on_topic(
        question, [vs.support.quote for vs in verified if vs.supported])
    if copied_off_topic or not about_the_question(question, cited):
        lap("total", started)
        return _abstain(question, ctx.llm.name, timings, stream.unsupported, usage)
    quotes = " ".join(vs.support.quote for vs in verified if vs.supported)
    if not gives(kind, " ".join(supported), question, quotes=quotes) or not close_to_the_question(
            question, supported, kind, embed.vector, settings.answer_min_relevance):
        # What the sources say is true but is not the answer: say so instead of implying it is.
        parts.append(f"The sources do not give {KIND_WORDING[kind]}.")
        if on_sentence:
            on_sentence(parts[-1])
        lap("total", started)
        return Answer(question=question, answer=" ".join(parts), abstained=True, citations=book.items,
                      unsupported_sentences=stream.unsupported, conflicts=[], timings_ms=timings,
                      model=ctx.llm.name, usage=usage)
    conflicts = find_conflicts(verified, sources + probe_other_versions(ctx, verified, sources, filters, embed),
                               book)
    for c in conflicts:
        parts.append(conflict_sentence(c))
        if on_sentence:
            on_sentence(parts[-1])
    lap("conflicts", t)
    lap("total", started)
    return Answer(question=question, answer=" ".join(parts), abstained=False, citations=book.items,
                  unsupported_sentences=stream.unsupported, conflicts=conflicts, timings_ms=timings,
                  model=ctx.llm.name, usage=usage)


def warm_instructions(ctx: Context) -> tuple[int, int]:
    """Read the answer prompt's fixed instructions once, so that their saved state (kept on disk
    for every later process, `llm_state_files`) spares the first question that wait. Returns the
    instruction tokens and how many of them had to be read now (0: already warm)."""
    generation = ctx.llm.stream(render("answer", sources="", question=""), 1, 0.0)
    generation.text()
    return generation.usage.prompt_tokens, generation.usage.prompt_tokens_read
