"""Stories over one store: grouped, titled, persisted with the catalog's generation.

Grouping is deterministic (`grouping`); conflicts come from aligning sentences across outlets
and comparing their facts (`conflicts`); no LLM decides either. Article vectors are the stored
vectors of each article's first chunk (title + lead), so grouping a corpus costs no embedding.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import asdict
from datetime import date

import numpy as np
from pydantic import BaseModel

from index.models import ArticleRef
from index.sentences import sentence_spans
from index.sqlite import connect
from index.store import ArticleStore
from service.facts.conflicts import alignment, compare_sentences, relation, short_name, shown
from service.stories.grouping import Doc, Grouper, GroupingParams, jaccard, lead

StoryParams = GroupingParams
VERSION = "5"  # of grouping and conflicts: a stored result from another version is recomputed
MAX_SENTENCES = 120  # per article, when comparing facts: bounds a story's cost on huge articles
MAX_CONFLICTS_PER_PAIR = 10  # two reports that differ more than this are not two versions of one fact list


class StoryArticle(ArticleRef):
    id: str


class ConflictSide(BaseModel):
    article_id: str
    source: str | None = None
    published: str | None = None
    text: str
    start: int
    end: int


class StoryConflict(BaseModel):
    about: str
    kind: str  # what differs: name, spelling, number, role, weekday
    left: str = ""  # the value in the first version ("€4.2 billion"), and in the second
    right: str = ""
    relation: str = "disagreement"  # or "update": a later report gives a changed fact (earlier side first)
    versions: list[ConflictSide]


class Story(BaseModel):
    id: str
    title: str
    articles: list[StoryArticle]
    conflicts: int = 0
    near_duplicates: list[list[str]] = []


_SCHEMA = """
CREATE TABLE IF NOT EXISTS article_vectors (article_id TEXT PRIMARY KEY, content_hash TEXT, vector BLOB);
CREATE TABLE IF NOT EXISTS stories_state (key TEXT PRIMARY KEY, value TEXT);
"""


def _counterparts(a: list[str], b: list[str]) -> set[tuple[int, int]]:
    """Sentence pairs where one is the other's closest match in the other article: only those can
    tell the same fact (two lists of "phase N costs X" would otherwise all differ from each other)."""
    if not a or not b:
        return set()
    scores = np.array([[alignment(x, y) for y in b] for x in a])
    out = {(i, int(scores[i].argmax())) for i in range(len(a)) if scores[i].max() > 0}
    return out | {(int(scores[:, j].argmax()), j) for j in range(len(b)) if scores[:, j].max() > 0}


def _day(published: str | None) -> int | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


class StoryBook:
    """Stories over one store, persisted next to it and refreshed when the catalog changes."""

    def __init__(self, store: ArticleStore, params: GroupingParams | None = None):
        self.store = store
        self.params = params or GroupingParams()
        # On a read-only data dir the cache is a private in-memory copy: computed, never saved.
        self.db = connect(store.config.data_dir / "stories.sqlite", read_only=store.read_only, scratch=True,
                          schema=_SCHEMA)
        self.lock = threading.RLock()  # one book serves every request of a process: one computation at a time

    def close(self) -> None:
        self.db.close()

    # --- computing -----------------------------------------------------------------------
    def _vectors(self, rows: list[sqlite3.Row]) -> np.ndarray:
        cached = {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT * FROM article_vectors")}
        todo = [r for r in rows if cached.get(r["id"], (None,))[0] != r["content_hash"]]
        if todo:
            found = self._stored_lead_vectors([r["id"] for r in todo])
            missing = [r for r in todo if r["id"] not in found]
            if missing:  # e.g. a Chroma server that does not return embeddings
                vecs = self.store.embeddings.embed_documents([f"{r['title']}\n{lead(r['text'], 4)}" for r in missing])
                found.update({r["id"]: np.asarray(v, np.float32) for r, v in zip(missing, vecs)})
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO article_vectors VALUES (?,?,?)",
                                    [(r["id"], r["content_hash"], found[r["id"]].tobytes()) for r in todo])
            for r in todo:
                cached[r["id"]] = (r["content_hash"], found[r["id"]].tobytes())
        out = np.vstack([np.frombuffer(cached[r["id"]][1], dtype=np.float32) for r in rows])
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def _stored_lead_vectors(self, article_ids: list[str]) -> dict[str, np.ndarray]:
        """The vector of each article's first chunk (embedded as title + lead at ingest)."""
        out: dict[str, np.ndarray] = {}
        owners = list(self.store.first_chunk_ids(article_ids).items())
        for i in range(0, len(owners), 500):
            owner = dict(owners[i:i + 500])
            got = self.store.read_vectors(lambda c: c.get(ids=list(owner), include=["embeddings"]))
            vecs = got.get("embeddings")
            for cid, vec in zip(got.get("ids") or [], vecs if vecs is not None else []):
                if vec is not None and len(vec):
                    out[owner[cid]] = np.asarray(vec, np.float32)
        return out

    def _compute(self) -> tuple[list[Story], dict[str, list[StoryConflict]]]:
        rows = self.store.article_rows()
        if not rows:
            return [], {}
        vectors = self._vectors(rows)
        docs = [Doc(r["id"], r["title"] or "", r["text"] or "", _day(r["published"])) for r in rows]
        grouper = Grouper(docs, vectors, self.params)
        stories = []
        for members in grouper.groups():
            members.sort(key=lambda i: (rows[i]["published"] or "", rows[i]["id"]))
            ids = [rows[i]["id"] for i in members]
            stories.append(Story(
                id="s-" + hashlib.sha1(ids[0].encode()).hexdigest()[:10],
                title=self._title([rows[i] for i in members], vectors[members]),
                articles=[StoryArticle(id=rows[i]["id"], title=rows[i]["title"], source=rows[i]["source"],
                                       url=rows[i]["url"], published=rows[i]["published"]) for i in members],
                near_duplicates=[[rows[i]["id"], rows[j]["id"]] for x, i in enumerate(members)
                                 for j in members[x + 1:]
                                 if jaccard(grouper.shingles(i), grouper.shingles(j)) >= self.params.near_duplicate]))
        conflicts = {s.id: self._conflicts(s) for s in stories if len(s.articles) > 1}
        for story in stories:
            story.conflicts = len(conflicts.get(story.id, []))
        stories.sort(key=lambda s: (-len(s.articles), s.articles[-1].published or "", s.id))
        return stories, conflicts

    @staticmethod
    def _title(rows: list[sqlite3.Row], vecs: np.ndarray) -> str:
        """The headline closest to the story's centre: it says what happened, and is not invented."""
        centre = vecs.mean(axis=0)
        return rows[int(np.argmax(vecs @ centre))]["title"]

    # --- reading -------------------------------------------------------------------------
    def _config(self) -> str:
        """What a stored result depends on besides the catalog: this code's version, the
        parameters, the embedder (vectors of another model are another space)."""
        embedder = getattr(self.store.embeddings, "name", type(self.store.embeddings).__name__)
        return json.dumps({"version": VERSION, "params": asdict(self.params), "embedder": embedder}, sort_keys=True)

    def _state(self) -> dict[str, str] | None:
        """The stored result, when it was computed from this catalog with this code and settings."""
        state = dict(self.db.execute("SELECT key, value FROM stories_state"))
        fresh = state.get("generation") == str(self.store.generation()) and state.get("config") == self._config()
        return state if fresh and "stories" in state and "conflicts" in state else None

    def stories(self) -> list[Story]:
        with self.lock:
            return self._stories()

    def _stories(self) -> list[Story]:
        state = self._state()
        if state is not None:
            return [Story(**s) for s in json.loads(state["stories"])]
        generation, config = str(self.store.generation()), self._config()
        old = dict(self.db.execute("SELECT key, value FROM stories_state WHERE key='config'"))
        if json.loads(old.get("config") or "{}").get("embedder") != json.loads(config)["embedder"]:
            with self.db:
                self.db.execute("DELETE FROM article_vectors")
        stories, conflicts = self._compute()
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO stories_state VALUES (?,?)",
                                [("generation", generation), ("config", config),
                                 ("stories", json.dumps([s.model_dump() for s in stories])),
                                 ("conflicts", json.dumps({k: [c.model_dump() for c in v]
                                                           for k, v in conflicts.items()}))])
        return stories

    def get(self, story_id: str) -> Story | None:
        return next((s for s in self.stories() if s.id == story_id), None)

    def story_of(self, article_id: str) -> Story | None:
        return next((s for s in self.stories() if any(a.id == article_id for a in s.articles)), None)

    def conflicts_of(self, story: Story) -> list[StoryConflict]:
        """Aligned sentences from different outlets (or different reports) that differ on a fact:
        read from the stored result when it is fresh, computed only for a story it does not hold."""
        with self.lock:
            state = self._state()
        if state is not None:
            stored = json.loads(state["conflicts"]).get(story.id)
            if stored is not None or len(story.articles) < 2:
                return [StoryConflict(**c) for c in stored or []]
        return self._conflicts(story)

    def _conflicts(self, story: Story) -> list[StoryConflict]:
        near = {frozenset(p) for p in story.near_duplicates}
        arts = [self.store.get_article(a.id) for a in story.articles]
        arts = [a for a in arts if a is not None]
        sentences = {a.id: [(s, e, a.text[s:e]) for s, e in sentence_spans(a.text)[:MAX_SENTENCES]] for a in arts}
        out: list[StoryConflict] = []
        seen: set[tuple] = set()
        for i, a in enumerate(arts):
            for b in arts[i + 1:]:
                if frozenset((a.id, b.id)) in near:
                    continue
                pairs = _counterparts([t for *_, t in sentences[a.id]], [t for *_, t in sentences[b.id]])
                found = 0
                for x, (sa, ea, ta) in enumerate(sentences[a.id]):
                    for y, (sb, eb, tb) in enumerate(sentences[b.id]):
                        if found >= MAX_CONFLICTS_PER_PAIR:
                            break
                        for d in compare_sentences(ta, tb, a.text, b.text, counterparts=(x, y) in pairs):
                            key = (d.kind, frozenset((short_name(d.left), short_name(d.right))))
                            if key in seen:
                                continue
                            seen.add(key)
                            found += 1
                            sides = [ConflictSide(article_id=a.id, source=a.source, published=a.published,
                                                  text=ta, start=sa, end=ea),
                                     ConflictSide(article_id=b.id, source=b.source, published=b.published,
                                                  text=tb, start=sb, end=eb)]
                            rel, sides = relation(sides)
                            d = shown(d, swapped=sides[0].article_id != a.id)
                            out.append(StoryConflict(about=d.about, kind=d.kind, left=d.left, right=d.right,
                                                     relation=rel, versions=sides))
        return out
