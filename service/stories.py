"""Stories: the same event told by several outlets, and where those outlets disagree.

Grouping is deterministic: two articles belong together when they were published within the
date window and either their text is close (MiniLM cosine of title + lead) or they are close
enough and share named entities. Groups are connected components (single link), recomputed
whenever the catalog's generation moves and persisted with it. Conflicts come from aligning
sentences across outlets and comparing their facts (`service.conflicts`); no LLM decides them.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import date

import numpy as np
from pydantic import BaseModel

from index.sentences import sentence_spans
from index.store import ArticleStore
from service.conflicts import compare_sentences, short_name
from service.facts import name_tokens


class StoryArticle(BaseModel):
    id: str
    title: str
    source: str | None = None
    published: str | None = None


class ConflictSide(BaseModel):
    article_id: str
    source: str | None = None
    text: str
    start: int
    end: int


class StoryConflict(BaseModel):
    about: str
    kind: str
    versions: list[ConflictSide]


class Story(BaseModel):
    id: str
    title: str
    articles: list[StoryArticle]
    conflicts: int = 0
    near_duplicates: list[list[str]] = []


@dataclass(frozen=True)
class StoryParams:
    window_days: int = 7
    min_cosine: float = 0.55  # text alone is enough above this
    min_cosine_with_entities: float = 0.35  # or this much plus shared names
    min_shared_entities: int = 2
    near_duplicate_jaccard: float = 0.8


_SCHEMA = """
CREATE TABLE IF NOT EXISTS article_vectors (article_id TEXT PRIMARY KEY, content_hash TEXT, vector BLOB);
CREATE TABLE IF NOT EXISTS stories_state (key TEXT PRIMARY KEY, value TEXT);
"""


def _lead(text: str, sentences: int = 4) -> str:
    spans = sentence_spans(text)[:sentences]
    return text[spans[0][0]:spans[-1][1]] if spans else text[:600]


def _shingles(text: str, k: int = 5) -> set[str]:
    words = text.lower().split()
    return {" ".join(words[i:i + k]) for i in range(max(1, len(words) - k + 1))}


def _days(published: str | None) -> int | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


class StoryBook:
    """Stories over one store, persisted next to it and refreshed when the catalog changes."""

    def __init__(self, store: ArticleStore, params: StoryParams | None = None):
        self.store = store
        self.params = params or StoryParams()
        self.db = sqlite3.connect(store.config.data_dir / "stories.sqlite", check_same_thread=False, timeout=30)
        self.db.executescript(_SCHEMA)

    # --- computing -----------------------------------------------------------------------
    def _vectors(self, rows: list[sqlite3.Row]) -> np.ndarray:
        cached = {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT * FROM article_vectors")}
        todo = [r for r in rows if cached.get(r["id"], (None,))[0] != r["content_hash"]]
        if todo:
            vecs = self.store.embeddings.embed_documents([f"{r['title']}\n{_lead(r['text'])}" for r in todo])
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO article_vectors VALUES (?,?,?)",
                                    [(r["id"], r["content_hash"], np.asarray(v, np.float32).tobytes())
                                     for r, v in zip(todo, vecs)])
                for r, v in zip(todo, vecs):
                    cached[r["id"]] = (r["content_hash"], np.asarray(v, np.float32).tobytes())
        return np.vstack([np.frombuffer(cached[r["id"]][1], dtype=np.float32) for r in rows])

    def _compute(self) -> list[Story]:
        rows = list(self.store._db().execute(
            "SELECT id, title, source, published, text, content_hash FROM articles ORDER BY published, id"))
        if not rows:
            return []
        vectors = self._vectors(rows)
        sims = vectors @ vectors.T
        days = [_days(r["published"]) for r in rows]
        entities = [name_tokens(f"{r['title']}. {r['text']}") for r in rows]
        parent = list(range(len(rows)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        p = self.params
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if days[i] is not None and days[j] is not None and abs(days[i] - days[j]) > p.window_days:
                    continue
                shared = len(entities[i] & entities[j])
                if sims[i, j] >= p.min_cosine or (sims[i, j] >= p.min_cosine_with_entities
                                                   and shared >= p.min_shared_entities):
                    parent[find(i)] = find(j)
        groups: dict[int, list[int]] = {}
        for i in range(len(rows)):
            groups.setdefault(find(i), []).append(i)
        stories = []
        for members in groups.values():
            members.sort(key=lambda i: (rows[i]["published"] or "", rows[i]["id"]))
            ids = [rows[i]["id"] for i in members]
            story_id = "s-" + hashlib.sha1(ids[0].encode()).hexdigest()[:10]
            near = self._near_duplicates([rows[i] for i in members])
            stories.append(Story(
                id=story_id, title=self._title([rows[i] for i in members], vectors[members]),
                articles=[StoryArticle(id=rows[i]["id"], title=rows[i]["title"], source=rows[i]["source"],
                                       published=rows[i]["published"]) for i in members],
                near_duplicates=near))
        for story in stories:
            story.conflicts = len(self.conflicts_of(story))
        stories.sort(key=lambda s: (-len(s.articles), s.articles[-1].published or "", s.id))
        return stories

    @staticmethod
    def _title(rows: list[sqlite3.Row], vecs: np.ndarray) -> str:
        """The headline closest to the story's centre: generated by selection, not invented."""
        centre = vecs.mean(axis=0)
        return rows[int(np.argmax(vecs @ centre))]["title"]

    def _near_duplicates(self, rows: list[sqlite3.Row]) -> list[list[str]]:
        from datasketch import MinHash

        hashes = []
        for r in rows:
            m = MinHash(num_perm=64, seed=1)
            for sh in _shingles(r["text"]):
                m.update(sh.encode())
            hashes.append(m)
        pairs = []
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if hashes[i].jaccard(hashes[j]) >= self.params.near_duplicate_jaccard:
                    pairs.append([rows[i]["id"], rows[j]["id"]])
        return pairs

    # --- reading -------------------------------------------------------------------------
    def stories(self) -> list[Story]:
        generation = str(self.store.generation())
        state = dict(self.db.execute("SELECT key, value FROM stories_state"))
        if state.get("generation") == generation and "stories" in state:
            return [Story(**s) for s in json.loads(state["stories"])]
        stories = self._compute()
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO stories_state VALUES (?,?)",
                                [("generation", generation),
                                 ("stories", json.dumps([s.model_dump() for s in stories]))])
        return stories

    def get(self, story_id: str) -> Story | None:
        return next((s for s in self.stories() if s.id == story_id), None)

    def story_of(self, article_id: str) -> Story | None:
        return next((s for s in self.stories() if any(a.id == article_id for a in s.articles)), None)

    def conflicts_of(self, story: Story) -> list[StoryConflict]:
        """Aligned sentences from different outlets that differ on a fact."""
        near = {frozenset(p) for p in story.near_duplicates}
        arts = [self.store.get_article(a.id) for a in story.articles]
        arts = [a for a in arts if a is not None]
        sentences = {a.id: [(s, e, a.text[s:e]) for s, e in sentence_spans(a.text)] for a in arts}
        out: list[StoryConflict] = []
        seen: set[tuple] = set()
        for i, a in enumerate(arts):
            for b in arts[i + 1:]:
                if a.source and a.source == b.source or frozenset((a.id, b.id)) in near:
                    continue
                for sa, ea, ta in sentences[a.id]:
                    for sb, eb, tb in sentences[b.id]:
                        for d in compare_sentences(ta, tb):
                            key = (d.kind, frozenset((short_name(d.left), short_name(d.right))))
                            if key in seen:
                                continue
                            seen.add(key)
                            out.append(StoryConflict(
                                about=f"{d.kind}: {short_name(d.left)} vs {short_name(d.right)}", kind=d.kind,
                                versions=[ConflictSide(article_id=a.id, source=a.source, text=ta, start=sa, end=ea),
                                          ConflictSide(article_id=b.id, source=b.source, text=tb, start=sb, end=eb)]))
        return out

