"""The citation verifier: every cited sentence is checked against the text it cites.

This is a rule-based support check, not entailment (no NLI model ships offline): for each
sentence we locate the best supporting span in the cited chunk, then require that the claim's
numbers and names occur in it, that negation/antonyms do not flip, and that the claim and the
span are semantically close (embedding cosine). Sentences the model left uncited, or cited to
the wrong passage, are re-attributed to a retrieved chunk that passes; the rest are unsupported.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from index.sentences import split_sentences
from service.answer.actors import agent_agrees, direction_agrees, roles_bound, speaker_agrees
from service.answer.binding import (
    category_agrees, comparison_agrees, description_agrees, figure_dates_agree, figures_bound, level_or_change,
    money_kind_agrees, names_in_place, outcome_agrees, shares_in_place,
)
from service.answer.abstain import asked_for
from service.answer.claims import Claim
from service.answer.directives import directs_speech
from service.answer.sources import Source
from service.facts.conflicts import is_person
from service.facts.extract import (
    TITLE_WORDS, certainty_agrees, dates_agree, mentions, names, names_agree, numbers_agree, polarity_agrees, quantities, refers_back_to, reversal_agrees,
    roles_agree, sentences_of, stems, words_and_synonyms, words_beyond_names,
)
from service.facts.words import content_words

MAX_WINDOW = 3
EXTRACTIVE_OVERLAP = 0.75
EXTRACTIVE_FLOOR = 0.25



@dataclass
class Support:
    source: Source
    start: int
    end: int
    lexical: float
    best_sentence: str
    similarity: float | None = None
    failures: list[str] = field(default_factory=list)
    referent: str = ""  # the claim's name the quote's opening refers back to ("The 48-year-old actor")
    overlap: float | None = None  # `lexical` with the question's words granted: the overlap floor's measure

    @property
    def quote(self) -> str:
        return self.source.article_text[self.start:self.end]

    @property
    def resolved(self) -> str:
        """The quote as embedded: with the person it refers back to named, as a reader reads it."""
        return f"{self.referent}: {self.quote}" if self.referent else self.quote

    @property
    def ok(self) -> bool:
        return not self.failures


def _recall(claim_words: set[str], text: str, referred: set[str] = frozenset()) -> float:
    """Share of the claim's content words in the text (or in the names it refers back to); its
    numbers count twice, since a window without the claim's figure cannot support it however many
    other words it shares."""
    if not claim_words:
        return 0.0
    have = content_words(text) | referred
    numbers = {w for w in claim_words if w[:1].isdigit()}
    return (len(claim_words & have) + len(numbers & have)) / (len(claim_words) + len(numbers))


def locate_support(claim: str, source: Source) -> Support | None:
    """The window of 1-3 consecutive sentences that covers most of the claim's content words."""
    found = locate_supports(claim, source)
    return found[0] if found else None


def locate_supports(claim: str, source: Source, question: str = "") -> list[Support]:
    """The best window by shared words, and, when it lacks one of the claim's figures, the best
    window that holds most of them: "The 19-year-old striker nodded home the equaliser" shares few
    words with "Danny Graham was 19 when he headed the equaliser", yet it is the support."""
    words = content_words(claim)
    wanted = {q.value for q in quantities(claim)}
    # The figures the answer adds, not the ones it repeats from the question ("…the 1500m…").
    wanted = wanted - {q.value for q in quantities(question)} or wanted
    claim_names = names(claim)
    # Words the claim repeats from the question are the reader's premise: once the article has
    # them, they count towards the overlap floor in every window ("…when he was preparing to host
    # the 77th Academy Awards"). They do not choose the window: that would prefer a short window
    # without the claim's subject ("The developer, who received an OBE in 2002…").
    premise = _premise(claim, question, source.article_text)
    best: Support | None = None
    best_with_figures: Support | None = None
    figures_rank = (0, -1.0)  # most of the claim's figures, then most words
    article = source.article_text
    for i in range(len(source.spans)):
        first = article[source.spans[i][0]:source.spans[i][1]]
        previous = (split_sentences(article[max(0, source.spans[i][0] - 400):source.spans[i][0]]) or [""])[-1]
        referents = [n for n in claim_names if refers_back_to(n, first, previous, article, source.hit.title)]
        referred = {w for n in referents for w in content_words(n)}
        for j in range(i, min(i + MAX_WINDOW, len(source.spans))):
            if j > i and not source.adjacent(j - 1):
                break  # a withheld sentence lies between: no window may carry it
            start, end = source.spans[i][0], source.spans[j][1]
            text = article[start:end]
            score = _recall(words, text, referred) - 0.08 * (j - i)
            new_best = best is None or score > best.lexical
            held = len(wanted & {q.value for q in quantities(text)}) if wanted else 0
            with_figures = held and (held, score) > figures_rank
            if new_best or with_figures:
                sentences = [source.article_text[s:e] for s, e in source.spans[i:j + 1]]
                top = max(sentences, key=lambda t: _recall(words, t))
                sup = Support(source, start, end, score, top, referent=" ".join(referents[:1]),
                              overlap=_recall(words, text, referred | premise) - 0.08 * (j - i))
                if new_best:
                    best = sup
                if with_figures:
                    best_with_figures, figures_rank = sup, (held, score)
    return [sup for sup in (best, best_with_figures) if sup is not None and (sup is best or sup.start != best.start
                                                                           or sup.end != best.end)]


@lru_cache(maxsize=1024)
def _premise(claim: str, question: str, article: str) -> frozenset[str]:
    """The claim's words the question gave and the article holds (worked out once per claim and
    article, for every candidate window)."""
    if not question:
        return frozenset()
    return frozenset(content_words(claim) & content_words(question) & content_words(article))


def _date_numbers(published: str | None) -> tuple[float, ...]:
    """The article's date line supports its own year: "on 6 May" in a 2026 article is 6 May 2026."""
    return (float(published[:4]),) if published and published[:4].isdigit() else ()


def _given(missing: list[str], question: str, article: str) -> list[str]:
    """Facts the claim repeats from the question are the reader's premise: they need only be in
    the cited article ("the deadline under section 404 is 15 July 2006" when 404 is in its lead)."""
    def flat(text: str) -> str:
        return text.lower().replace("-", " ")

    q, art = flat(question), words_and_synonyms(article)  # the article's "MPs" for the question's "Commons"
    return [m for m in missing if not (flat(m) in q and (flat(m) in flat(article) or flat(m) in art))]


_DEMONSTRATIVE = re.compile(r"^\W*(?:That|This|These|Those)\s+(?:is|was|are|were|will|would|has|had)\b")


@lru_cache(maxsize=256)
def _lead_things(article: str) -> str:
    """What the article's lead sentence names, people left out: the story's subject, which a later
    "BBC One's special" means (its EastEnders special). People need a reference ("Woodley
    repeated his view" is not the lead's Gordon Brown)."""
    lead = (split_sentences(article[:600]) or [""])[0]
    return " ".join(n for n in names(lead) if not is_person(n, article))


def _premise_beside_another(claim: str, premise: list[str], question: str, article: str) -> tuple[str, str] | None:
    """A name the claim takes from the question, absent from the quote, stands in the article only
    beside another answer: "Which company shared the Online Vendor award with Crucial?" is not
    answered by "Sony has taken the prize for top innovator" when the article's "Crucial shared
    the award for Online Vendor of the year with Novatech"."""
    asked = {w.lower() for w in re.findall(r"[\w’'-]+", question)}
    answer = [w for n in names(claim) for w in n.split() if w.lower() not in asked and w.lower() not in TITLE_WORDS]
    if not premise or not answer:
        return None
    for word in premise:
        beside = [s for s in sentences_of(article) if mentions(s, word)]
        if beside and not any(mentions(s, w) for s in beside for w in answer):
            for s in beside:
                for n in names(s):
                    if not {w.lower() for w in n.split()} & asked and not any(mentions(claim, w) for w in n.split()):
                        return word, n
    return None


_ASKED_ROLE = re.compile(
    r"^\W*(?:which|what) (?:(?!(?:does|did|do|is|was|were|are|has|have|had|will|would|can)\b)[\w'’-]+ ){0,3}?"
    r"(councillor|mp|chairman|chairwoman|chief executive|director|coach|"
    r"judge|captain|striker|goalkeeper|founder|lawyer|spokesman|spokeswoman|mayor|editor|governor|presenter|"
    r"producer)s?\b", re.IGNORECASE)  # roles news writers rarely swap for another word ("minister": Chancellor)


def _answer_not_in_role(claim: str, question: str, article: str) -> str | None:
    """"Which Highland councillor defended McConnell?" is answered by someone the article calls a
    councillor, not by "SNP Holyrood leader Nicola Sturgeon", whatever the claim calls her."""
    role = _ASKED_ROLE.search(question)
    if not role:
        return None
    asked = {w.lower() for w in re.findall(r"[\w’'-]+", question)}
    word = role[1].lower()
    for name in names(claim):
        words = [w for w in name.split() if w.lower() not in asked and w.lower() not in TITLE_WORDS]
        sents = sentences_of(article)  # with the sentence before: "A Highland councillor … has also
        told = [f"{sents[i - 1] if i else ''} {sent}" for i, sent in enumerate(sents)  # defended him. Margaret
                if any(mentions(sent, w) for w in words)]                          # Davidson, the member for…"
        if words and told and not any(re.search(rf"\b{re.escape(word)}", sent, re.IGNORECASE) for sent in told):
            return name
    return None


def _answer_elsewhere(claim: str, support: Support, question: str) -> str | None:
    """The name that answers "who / which" must be in the cited sentences (or be whom they refer
    back to), not only in the headline: "Sony shared the Online Vendor award with Crucial" is not
    what "Crucial shared the award … with Novatech" says in an article headlined "Sony wares win…"."""
    if not question or asked_for(question) != "name":
        return None
    asked = {w.lower() for w in re.findall(r"[\w’'-]+", question)}
    here = f"{support.quote}\n{support.referent or ''}"
    for name in names(claim):
        words = [w for w in name.split() if w.lower() not in asked and w.lower() not in TITLE_WORDS]
        if words and not any(mentions(here, w) for w in words):
            return name
    return None


def check_rules(claim: str, support: Support, min_lexical: float, question: str = "") -> list[str]:
    failures = []
    hit, article = support.source.hit, support.source.article_text
    before = article[max(0, support.start - 600):support.start]
    ok, missing = numbers_agree(claim, support.quote, known=_date_numbers(hit.published), article=article,
                                before=before, headline=hit.title,
                                premise=frozenset(stems(_premise(claim, question, article))))
    missing = _given(missing, question, article)
    if missing:
        failures.append(f"numbers not in source: {', '.join(missing)}")
    # Not when the quote names someone else the claim does not.
    claim_words = set(re.findall(r"[\w’'-]+", claim))
    # Nor when the quote's subject is a demonstrative: "That is £1,000 cheaper" is the sentence
    # before it (the price of a list of gadgets), not the story's PlayStation.
    demonstrative = bool(_DEMONSTRATIVE.match(support.quote))
    lead = "" if demonstrative or any(
        len(n.split()) >= 2 and not set(n.split()) & claim_words for n in names(support.quote)) \
        else _lead_things(article)
    ok, missing = names_agree(claim, support.quote, extra_context=f"{hit.title}\n{lead}\n{hit.source or ''}",
                              chunk=article[hit.start:hit.end], article=article,
                              before=before, headline=hit.title)
    if not demonstrative:  # nor may the reader's premise stand in for it
        given = _given(missing, question, article)
        rival = _premise_beside_another(claim, [m for m in missing if m not in given], question, article)
        if rival:
            failures.append(f"the source gives the question's {rival[0]} with {rival[1]}, not with the answer")
        missing = given
    if missing:
        failures.append(f"names not in source: {', '.join(missing)}")
    lost = _answer_elsewhere(claim, support, question)
    if lost:
        failures.append(f"the answer {lost} is not in the cited passage")
    elsewhere = _answer_not_in_role(claim, question, article)
    if elsewhere:
        failures.append(f"the article never calls {elsewhere} what the question asks for")
    ok, why = polarity_agrees(claim, support.best_sentence, support.quote)
    if not ok:
        failures.append(why or "polarity differs")
    ok, why = certainty_agrees(claim, support.best_sentence)
    if not ok:
        failures.append(why)
    quote = support.quote
    for ok, why in (dates_agree(claim, quote), roles_agree(claim, quote), figures_bound(claim, quote, question, support.referent),
                    direction_agrees(claim, quote), roles_bound(claim, quote),
                    reversal_agrees(claim, quote, question, article), names_in_place(claim, quote),
                    level_or_change(claim, quote), outcome_agrees(claim, quote), comparison_agrees(claim, quote),
                    description_agrees(claim, quote), category_agrees(claim, quote), speaker_agrees(claim, quote),
                    shares_in_place(claim, quote), agent_agrees(claim, quote), figure_dates_agree(claim, quote),
                    money_kind_agrees(claim, quote)):
        if not ok:
            failures.append(why)
    overlap = support.lexical if support.overlap is None else support.overlap
    if overlap < min_lexical:
        failures.append(f"little overlap with source ({overlap:.2f})")
    if any(directs_speech(article[s:e]) for s, e in support.source.spans if support.start <= s < support.end):
        failures.append("the source tells someone what to say; it does not report it")
    return failures


@dataclass
class VerifiedSentence:
    text: str
    support: Support | None  # None when unsupported
    original_cited: list[int]
    reattributed: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return self.support is not None


def _shortlist(cands: list[Support], size: int = 2) -> list[Support]:
    """Only the best rule-passing spans are embedded: verification must stay in milliseconds."""
    return [sup for sup in cands if sup.ok][:size]


Embed = Callable[[list[str]], list[list[float]]]


_YEAR_ONLY = re.compile(r"^numbers not in source: ((?:19|20)\d\d(?:, (?:19|20)\d\d)*)$")


def without_invented_years(claim: Claim, failures: list[str]) -> Claim | None:
    """The small model likes to add a year no source gives ("on 8 May, 2024"). When a year is all
    that fails, the claim without it is checked instead: the reader gets the sourced part."""
    m = _YEAR_ONLY.match(failures[0]) if len(failures) == 1 else None
    if not m:
        return None
    text = claim.text
    for year in m[1].split(", "):
        text = re.sub(rf",?\s*(?:(?:in|of|since|by) )?{year}\b", "", text)
    text = re.sub(r"\s+([.,;])", r"\1", text).strip()
    return Claim(text, claim.cited) if text != claim.text and len(text) > 10 else None


def _says_more_than_names(claim: str, quote: str) -> bool:
    """The quote shares at least one of the claim's words that is not part of a name."""
    own = words_beyond_names(claim, numbers=False)
    return not own or bool(own & stems(content_words(quote)))


def verify(claims: list[Claim], sources: list[Source], embed: Embed, min_similarity: float = 0.45,
           min_lexical: float = 0.2, question: str = "") -> list[VerifiedSentence]:
    """Check each claim against its cited sources; re-attribute or mark unsupported. Names and
    numbers the claim repeats from `question` need only occur in the cited article. A claim whose
    only fault is a year no source gives is checked, and shown, without that year."""
    out = _verify(claims, sources, embed, min_similarity, min_lexical, question)
    for i, (claim, vs) in enumerate(zip(claims, out)):
        repaired = None if vs.supported else without_invented_years(claim, vs.failures)
        if repaired:
            again = _verify([repaired], sources, embed, min_similarity, min_lexical, question)[0]
            # Invented, not wrong: a source that gives a year of its own contradicts the claim. And
            # what is left must still be said there, not just its names: "El Guerrouj intends to
            # retire" is not "El Guerrouj is set to make a rare appearance".
            if again.supported and not re.search(r"\b(?:19|20)\d\d\b", again.support.quote) \
                    and _says_more_than_names(repaired.text, again.support.quote):
                out[i] = again
    return out


def _verify(claims: list[Claim], sources: list[Source], embed: Embed, min_similarity: float = 0.45,
            min_lexical: float = 0.2, question: str = "") -> list[VerifiedSentence]:
    by_n = {s.n: s for s in sources}
    plans: list[tuple[Claim, list[Support]]] = []
    for claim in claims:
        cited = [by_n[n] for n in claim.cited if n in by_n]  # invented ids are dropped here
        others = [s for s in sources if s not in cited]
        candidates = []
        for group in (cited, others):
            sups = [sup for s in group for sup in locate_supports(claim.text, s, question)]
            sups.sort(key=lambda sup: -sup.lexical)
            candidates.extend(sups)
        for sup in candidates:
            sup.failures = check_rules(claim.text, sup, min_lexical, question)
        plans.append((claim, candidates))
    # One embedding batch for every claim and every rule-passing span: the similarity floor.
    texts: list[str] = []
    for claim, cands in plans:
        texts.append(claim.text)
        texts.extend(sup.resolved for sup in _shortlist(cands))
    vectors = np.asarray(embed(texts), dtype=np.float32) if texts else np.zeros((0, 1))
    out, cursor = [], 0
    for claim, cands in plans:
        cvec = vectors[cursor]
        cursor += 1
        chosen = None
        for sup in _shortlist(cands):
            sup.similarity = float(vectors[cursor] @ cvec)
            cursor += 1
            # A short claim quoting most of its words from a long span embeds far from it: when
            # nearly every content word (names and numbers already checked) is in the span, the
            # floor only has to rule out an unrelated span.
            floor = EXTRACTIVE_FLOOR if sup.lexical >= EXTRACTIVE_OVERLAP else min_similarity
            if sup.similarity < floor:
                sup.failures.append(f"claim and source are not similar (cosine {sup.similarity:.2f})")
            elif chosen is None:
                chosen = sup
        cited_ok = chosen is not None and chosen.source.n in claim.cited
        failures = [] if chosen else [f for sup in cands[:1] for f in sup.failures] or ["no source"]
        out.append(VerifiedSentence(claim.text, chosen, claim.cited,
                                    reattributed=chosen is not None and not cited_ok, failures=failures))
    return out
