"""Labelled sets in YAML, validated with clear errors (file, item, field)."""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator


class Item(BaseModel):
    question: str = Field(min_length=3)
    expect: list[str] = []  # any of these must appear
    all: list[str] = []  # every one of these must appear
    regex: bool = False
    sources: list[str] = []  # article ids or file names that hold the fact
    abstain: bool = False
    conflict: bool = False
    kind: str | None = None  # number, money, name, date, outcome, two-fact, coreference, out-of-scope
    note: str | None = None

    @model_validator(mode="after")
    def check(self):
        if not self.abstain and not (self.expect or self.all):
            raise ValueError("an answerable item needs 'expect' or 'all'")
        if self.abstain and (self.expect or self.all or self.conflict):
            raise ValueError("an 'abstain: true' item cannot also expect an answer or a conflict")
        return self


class KeyFact(BaseModel):
    fact: str
    match: list[str] = Field(min_length=1)


class SummaryItem(BaseModel):
    article: str | None = None  # article id or file name
    story_of: str | None = None  # summarise the story that holds this article
    summary_key_facts: list[KeyFact] = Field(min_length=1)
    must_not_mention: list[str] = []

    @model_validator(mode="after")
    def one_target(self):
        if bool(self.article) == bool(self.story_of):
            raise ValueError("give exactly one of 'article' or 'story_of'")
        return self


class EvalSet(BaseModel):
    name: str
    corpus: str  # a folder, relative to the set file
    include: list[str] = []  # globs inside the corpus folder (default: the whole folder)
    optional: bool = False  # the corpus lives outside the repo: skip, don't fail, when it is absent
    thresholds: dict[str, float] = {}
    items: list[Item] = Field(min_length=1)
    summaries: list[SummaryItem] = []
    path: Path | None = None

    @property
    def corpus_path(self) -> Path:
        base = self.path.parent if self.path else Path(".")
        return (base / self.corpus).resolve()

    @property
    def inputs(self) -> list[str]:
        """What to ingest: the corpus folder, or the globs inside it the set names."""
        return [str(self.corpus_path / g) for g in self.include] or [str(self.corpus_path)]


METRICS_HIGHER_IS_BETTER = {
    "answer_correctness", "citation_precision", "citation_recall", "abstention_accuracy", "conflict_surfacing",
    "retrieval_recall_at_k", "summary_key_fact_coverage", "summary_citation_support",
}
METRICS_LOWER_IS_BETTER = {"unsupported_sentence_rate", "wrong_abstention_rate", "summary_leak_rate"}


class SetError(ValueError):
    pass


class CorpusMissing(SetError):
    """An optional set's corpus is not beside this checkout (a user's clone has no ../shared)."""


def load_set(path: Path) -> EvalSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SetError(f"{path}: cannot read YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SetError(f"{path}: expected a mapping with name, corpus, items")
    try:
        eset = EvalSet(**data, path=path)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SetError(f"{path}: {problems}") from None
    unknown = set(eset.thresholds) - METRICS_HIGHER_IS_BETTER - METRICS_LOWER_IS_BETTER
    if unknown:
        raise SetError(f"{path}: unknown threshold metric(s): {', '.join(sorted(unknown))}")
    if not eset.corpus_path.is_dir():
        error = CorpusMissing if eset.optional else SetError
        raise error(f"{path}: corpus folder not found: {eset.corpus_path}")
    return eset


def has_key(path: Path, key: str) -> bool:
    """Is this YAML file a mapping with `key` (which kind of set it is)?"""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and key in data


def load_model(path: Path, model, what: str):
    """A set file read into its pydantic model, with clear errors, and its corpus checked."""
    try:
        loaded = model(**yaml.safe_load(path.read_text(encoding="utf-8")), path=path)
    except (OSError, yaml.YAMLError, TypeError) as exc:
        raise SetError(f"{path}: cannot read {what}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SetError(f"{path}: {problems}") from None
    if not loaded.corpus_path.is_dir():
        error = CorpusMissing if loaded.optional else SetError
        raise error(f"{path}: corpus folder not found: {loaded.corpus_path}")
    return loaded
