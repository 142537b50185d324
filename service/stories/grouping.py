"""Which articles report the same event: evidence per pair, then groups that stay tight.

Closeness of text alone groups a topic (every athletics article, every book prize), so a link
between two articles needs evidence of one event: either a near-duplicate text, or close title+lead
vectors *and* the same specific words in the whole texts — a tf-idf cosine, so the names and
figures few articles share weigh most (sharing "Blair" or "£1bn" says little, "Ebbers" or
"12,575" a lot). Undated articles need stronger evidence than two reports a few days apart.
The team news, preview, report and reactions of one match read far apart as text but name the
same two sides in their leads and a rare player or ground: that counts as evidence too.

Groups grow by average linkage, not by chains: two groups merge only when more than half of their
article pairs are linked, so one article that touches two events cannot glue them together.
Candidates come from each article's nearest neighbours by vector and from rare names and
fixtures shared through inverted indexes, never from all pairs: 2,000 articles group in a few seconds.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from index.sentences import sentence_spans
from service.facts.extract import COMMON_CAPITALISED, TITLE_WORDS, names


@dataclass(frozen=True)
class GroupingParams:
    window_days: int = 7  # dated articles further apart than this are not one event
    neighbours: int = 20  # vector candidates per article
    near_duplicate: float = 0.5  # word 5-gram Jaccard: a rewrite of the same report
    min_cosine: float = 0.45  # below this, no link whatever is shared
    min_evidence: float = 0.40  # tf-idf cosine of the whole texts + cosine_weight × vector cosine (dated, in window)
    min_evidence_undated: float = 0.58  # the same, when a date is missing: strong evidence only
    cosine_weight: float = 0.25
    loose_evidence: float = 0.42  # undated: a weaker link, not enough to join, counts towards a merge's density
    link_density: float = 0.51  # more than half of the cross pairs must be (loosely) linked for two groups to merge
    rare_df: int = 8  # names held by at most this many articles seed candidates directly
    min_docs: int = 500  # document frequencies are read as if the corpus had at least this many
    fixture_evidence: float = 0.2  # the same match (two sides in both leads): weaker word evidence suffices
    fixture_cosine: float = 0.3
    fixture_name_df: int = 30  # ...when both also name someone or somewhere this rare (a player, a ground)
    side_mentions: int = 3  # a name is a side (team, player) once the corpus shows it in this many fixtures
    max_fixture: int = 60  # articles of one fixture compared pairwise: more is a rivalry over years, not one match


@dataclass
class Doc:
    id: str
    title: str
    text: str
    day: int | None  # ordinal date, None when unknown


_GENERIC = COMMON_CAPITALISED | TITLE_WORDS | {
    "mr", "mrs", "ms", "dr", "sir", "bbc", "news", "said", "says", "new", "year", "week", "day", "people",
}


def full_names(title: str, text: str) -> set[str]:
    """Names of two words or more (lower-cased, titles and roles dropped): a rare one shared by two
    articles makes them candidates even when their leads are far apart."""
    out = set()
    for name in names(f"{title}. {text}"):
        words = [w.lower().strip("’'-.") for w in name.split()]
        words = [w for w in words if len(w) > 1 and w not in _GENERIC and not w.isdigit()]
        if len(words) >= 2:
            out.add(" ".join(words))
    return out


def shingles(text: str, k: int = 5) -> frozenset[str]:
    words = re.findall(r"\w+", text.lower())
    return frozenset(" ".join(words[i:i + k]) for i in range(max(1, len(words) - k + 1))) if words else frozenset()


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


_STOP = frozenset("""the a an and or but of to in on at for with by from as is are was were be been being has
have had it its this that these those he she they we you i his her their our not no will would could
should can may might said says say also after before over more than into about up out new one two
three year years last first just there which who what when where while other some all most mr mrs ms
him them us do does did so if then because such only very even still now being per""".split())
_TERM = re.compile(r"[£$€]?\d[\d,.]*\d(?:bn|m|%)?|[£$€]?\d(?:bn|m|%)?|[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")


def _tfidf(texts: list[str], min_docs: int) -> list[dict[str, float]]:
    """Sublinear tf-idf vectors, L2-normalised, as sparse dicts (a corpus needs no vocabulary matrix)."""
    counts = []
    for text in texts:
        c = Counter(t.strip("'’-.,") for t in _TERM.findall(text.lower()))
        counts.append({t: n for t, n in c.items() if len(t) > 2 and t not in _STOP})
    df = Counter(t for c in counts for t in c)
    n = max(len(texts), min_docs)
    out = []
    for c in counts:
        v = {t: (1 + math.log(k)) * math.log((n + 1) / (df[t] + 1)) for t, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out.append({t: x / norm for t, x in v.items()})
    return out


_SIDE = r"([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2})"
# "face Ireland", "19-13 loss to Ireland", "victory over England", "Scotland v Italy"
_FIXTURE = re.compile(r"\b(?:v|vs|versus|against|face[sd]?|facing|play(?:s|ed)?|host(?:s|ed)?|beat(?:s|en)?|"
                      r"(?:defeat|loss|lost|lose)\s+(?:to|by|against)|(?:win|victory|triumph)\s+(?:over|against)|"
                      r"(?:clash|draw|game|match|tie)\s+(?:with|against))\.?\s+" + _SIDE)
_SCORE = re.compile(_SIDE + r"\s+\d{1,3}-\d{1,3}\s+" + _SIDE)


def fixture_sides(title: str, text: str) -> list[str]:
    """Every name an article shows as one side of a match: the corpus learns its teams from these."""
    whole = f"{title}.\n{text}"
    return [m[1] for m in _FIXTURE.finditer(whole)] + [x for m in _SCORE.finditer(whole) for x in (m[1], m[2])]


def fixture(title: str, lead: str, sides: set[str]) -> frozenset[str] | None:
    """The match an article is about, as its two sides, from its headline ("Ireland 19-13 England")
    or its lead ("…added to England's squad to face Ireland": the side named last before the
    fixture word plays the side after it). Previews, team news and reports of one match share it,
    even when their words do not."""
    m = _SCORE.search(title)
    if m and m[1] in sides and m[2] in sides and m[1] != m[2]:
        return frozenset((m[1], m[2]))
    text = f"{title}.\n{lead}"
    for m in _FIXTURE.finditer(text):
        if m[1] not in sides:
            continue
        before = [n for n in names(text[:m.start()]) if n in sides and n != m[1]]
        if before:
            return frozenset((before[-1], m[1]))
    return None


def lead(text: str, sentences: int) -> str:
    """The first sentences of an article: where it says what happened."""
    spans = sentence_spans(text)[:sentences]
    return text[spans[0][0]:spans[-1][1]] if spans else text[:600]


def _within(members: list[int]) -> set[tuple[int, int]]:
    return {(a, b) for x, a in enumerate(members) for b in members[x + 1:]}


@dataclass
class Evidence:
    cosine: float  # title + lead vectors
    words: float  # tf-idf cosine of the whole texts: the same specific words, names and figures
    near_duplicate: float


class Grouper:
    """Pairs → links → groups, over one corpus snapshot."""

    def __init__(self, docs: list[Doc], vectors: np.ndarray, params: GroupingParams | None = None):
        self.docs, self.vectors, self.p = docs, vectors, params or GroupingParams()
        self.names = [full_names(d.title, d.text) for d in docs]
        self.df = Counter(e for ns in self.names for e in ns)
        self.terms = _tfidf([f"{d.title}\n{d.title}\n{d.text}" for d in docs], self.p.min_docs)
        self._shingles: dict[int, frozenset] = {}
        seen = Counter(x for d in docs for x in fixture_sides(d.title, d.text))
        sides = {x for x, k in seen.items() if k >= self.p.side_mentions}
        self.fixtures = [fixture(d.title, lead(d.text, 2), sides) for d in docs]

    def shingles(self, i: int) -> frozenset:
        if i not in self._shingles:
            self._shingles[i] = shingles(self.docs[i].text)
        return self._shingles[i]

    def candidates(self) -> set[tuple[int, int]]:
        n = len(self.docs)
        pairs: set[tuple[int, int]] = set()
        if n < 2:
            return pairs
        k = min(self.p.neighbours, n - 1)
        for lo in range(0, n, 1024):  # blocks keep memory flat at any corpus size
            sims = self.vectors[lo:lo + 1024] @ self.vectors.T
            top = np.argpartition(-sims, k, axis=1)[:, :k + 1]
            for row, js in enumerate(top):
                i = lo + row
                pairs.update((min(i, j), max(i, j)) for j in js if j != i and sims[row, j] >= self.p.min_cosine)
        holders: dict[str, list[int]] = defaultdict(list)
        for i, ns in enumerate(self.names):
            for e in ns:
                if self.df[e] <= self.p.rare_df:
                    holders[e].append(i)
        for members in holders.values():
            pairs |= _within(members)
        matches: dict[frozenset, list[int]] = defaultdict(list)
        for i, key in enumerate(self.fixtures):
            if key:
                matches[key].append(i)
        for members in matches.values():
            if len(members) <= self.p.max_fixture:
                pairs |= _within(members)
        return pairs

    def evidence(self, i: int, j: int) -> Evidence:
        cos = float(self.vectors[i] @ self.vectors[j])
        ta, tb = self.terms[i], self.terms[j]
        if len(ta) > len(tb):
            ta, tb = tb, ta
        words = sum(w * tb.get(t, 0.0) for t, w in ta.items())
        near = jaccard(self.shingles(i), self.shingles(j)) if words >= 0.3 else 0.0
        return Evidence(cos, words, near)

    def linked(self, i: int, j: int, ev: Evidence, loose: bool = False) -> bool:
        p = self.p
        di, dj = self.docs[i].day, self.docs[j].day
        if ev.near_duplicate >= p.near_duplicate:
            return True
        if di is not None and dj is not None and abs(di - dj) > p.window_days:
            return False
        need = p.min_evidence if di is not None and dj is not None else p.min_evidence_undated
        if self.fixtures[i] is not None and self.fixtures[i] == self.fixtures[j] \
                and any(self.df[e] <= p.fixture_name_df for e in self.names[i] & self.names[j]):
            # One match, and a player or a ground both name: team news and a pundit's reaction
            # read far apart as text.
            need, closeness = min(need, p.fixture_evidence), p.fixture_cosine
        else:
            closeness = p.min_cosine
        if ev.cosine < closeness:
            return False
        if loose:
            need = min(need, p.loose_evidence)
        return ev.words + p.cosine_weight * ev.cosine >= need

    def groups(self) -> list[list[int]]:
        links: dict[int, set[int]] = defaultdict(set)
        strength: list[tuple[float, int, int]] = []
        for i, j in self.candidates():
            ev = self.evidence(i, j)
            if self.linked(i, j, ev, loose=True):
                links[i].add(j)
                links[j].add(i)
            if self.linked(i, j, ev):
                strength.append((ev.words + ev.near_duplicate + self.p.cosine_weight * ev.cosine, i, j))
        group_of = list(range(len(self.docs)))
        members: dict[int, list[int]] = {i: [i] for i in range(len(self.docs))}
        for _, i, j in sorted(strength, reverse=True):
            gi, gj = group_of[i], group_of[j]
            if gi == gj:
                continue
            a, b = members[gi], members[gj]
            joined = sum(1 for x in a for y in b if y in links[x])
            if joined < self.p.link_density * len(a) * len(b):
                continue
            for x in b:
                group_of[x] = gi
            a.extend(b)
            del members[gj]
        return [sorted(m) for m in members.values()]
