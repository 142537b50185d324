"""Boilerplate removal: what a web page adds around an article must never be retrieved.

Real pages end with "Comments", "Popular posts from this blog" and unrelated headlines, repeat
their headline inside the body and sometimes repeat whole paragraphs. The rules below are
deliberately conservative: a marker only truncates the page when everything after it is short
page furniture, so an article that merely mentions "comments" keeps its text.
"""
from __future__ import annotations

import re
import unicodedata

# A paragraph that *is* one of these starts the trailing furniture of a page.
_TRAILER_MARKERS = re.compile(
    r"^(comments?( \(\d+\))?|\d+ comments?|popular posts( from this blog)?|related( stories| articles| posts| news)?"
    r"|read more|more from .{0,40}|most (read|popular|viewed)|you may also like|recommended( for you)?"
    r"|share( this( article| story| post)?)?|trending( now)?|sponsored( content)?"
    r"|leave a (comment|reply)|sign up.*|subscribe.*|follow us.*|latest (news|stories))[:.!]?$",
    re.IGNORECASE,
)
# Lines that are page furniture wherever they appear.
_FURNITURE_LINE = re.compile(
    r"^(advertisement|share this( article| story)?|share on (facebook|twitter|x)|accept (all )?cookies"
    r"|cookie (settings|policy|preferences).*|we use cookies.*|.*\bprivacy policy\b.*\bterms\b.*"
    r"|subscribe (to|for|now).{0,120}|sign up (for|to) our newsletter.{0,80}|sign in|log ?in"
    r"|©.{0,120}|copyright ©?.{0,120}|all rights reserved\.?|read more:.{0,160}|skip to (main )?content"
    r"|comments \(\d+\)|click here to .{0,80})$",
    re.IGNORECASE,
)
_SHORT_WORDS = 20


def normalize_text(text: str) -> str:
    """Unify newlines, unicode form and whitespace so offsets are stable across re-ingests."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\ufeff", "").replace("\t", " ")
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def _paragraphs(text: str) -> list[str]:
    """Blank-line paragraphs; a block of short lines (lists, headline lists) splits per line."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        if len(lines) > 1 and all(len(ln.split()) <= _SHORT_WORDS for ln in lines):
            out.extend(lines)
        else:
            out.append(" ".join(lines))
    return out


def _strip_markdown(par: str) -> str:
    par = re.sub(r"^#{1,6}\s+", "", par)
    par = re.sub(r"^[-*+]\s+", "", par)
    # Bounded and excluding "[": a run of brackets costs one pass, not one scan per bracket.
    par = re.sub(r"\[([^\][]{1,500})\]\(([^)(]{0,2000})\)", r"\1", par)  # links keep their text
    par = re.sub(r"(\*\*|__)([^*_]{1,500}?)\1", r"\2", par)
    return par.strip()


def _is_short(par: str) -> bool:
    return len(par.split()) <= _SHORT_WORDS


_FURNITURE_CHARS = 300


def _furniture(pattern: re.Pattern, par: str) -> bool:
    """Page furniture is a short line; a long paragraph is never tested (its `.*`s would backtrack)."""
    return len(par) <= _FURNITURE_CHARS and bool(pattern.match(par))


def clean_article_text(raw: str, title: str = "") -> str:
    """Return the article body with page furniture, repeated headlines and repeats removed."""
    paragraphs = [_strip_markdown(p) for p in _paragraphs(normalize_text(raw))]
    paragraphs = [p for p in paragraphs if p]
    # Trailing furniture: cut at the first marker after which only short lines follow.
    short_after = [True] * (len(paragraphs) + 1)  # one pass from the end, not one scan per marker
    for i in range(len(paragraphs) - 1, -1, -1):
        short_after[i] = short_after[i + 1] and _is_short(paragraphs[i])
    for i, par in enumerate(paragraphs):
        if i > 0 and _furniture(_TRAILER_MARKERS, par) and short_after[i + 1]:
            paragraphs = paragraphs[:i]
            break
    title_key = _key(title)
    seen: set[str] = set()
    kept: list[str] = []
    for par in paragraphs:
        key = _key(par)
        if not key or _furniture(_FURNITURE_LINE, par) or _furniture(_TRAILER_MARKERS, par):
            continue
        if title_key and key == title_key:  # headline repeated inside the body
            continue
        if key in seen:  # paragraph repeated verbatim
            continue
        seen.add(key)
        kept.append(par)
    return "\n\n".join(kept)
