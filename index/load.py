"""Files in, `Article`s out. Every failure names the input (and line) and never stops the batch."""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from index.clean import clean_article_text, normalize_text
from index.models import Article, LoadError

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
_TEXT_FIELDS = ("text", "body", "content")
_DATE_FIELDS = ("published", "date", "published_at", "pubDate")
_KNOWN_FIELDS = {"id", "title", "source", "url", "author", "raw_text", *_TEXT_FIELDS, *_DATE_FIELDS}
MAX_ID_CHARS = 200


class InputError(ValueError):
    """An input that cannot become an article; the message is shown to the user as is."""


def stable_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def parse_date(value: Any) -> str | None:
    """ISO date (YYYY-MM-DD) from the many ways feeds write dates, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    try:
        from dateutil import parser as dateparser

        return dateparser.parse(text, fuzzy=False, dayfirst=True).date().isoformat()
    except (ValueError, OverflowError, ImportError):
        return None


def _literal_base(item: str) -> Path:
    """The folder a path or pattern starts from as typed: below it, no component may be a link."""
    parts = Path(item).parts
    literal = []
    for part in parts:
        if glob.has_magic(part):
            break
        literal.append(part)
    if len(literal) == len(parts):  # a plain path: relative ones are checked from here; an absolute one
        return Path(item).parent if Path(item).is_absolute() else Path(".")  # was typed in full on purpose
    return Path(*literal) if literal else Path(".")


def _through_link(path: Path, base: Path) -> bool:
    """Does the path reach its file through a symbolic link below `base` ("feeds/linked_dir/x.txt",
    or a `**` glob that descended into a linked folder)?"""
    try:
        rel = path.relative_to(base)
    except ValueError:
        return False
    cur = base
    for part in rel.parts[:-1]:
        cur = cur / part
        if cur.is_symlink():
            return True
    return False


def expand_paths(inputs: list[str]) -> Iterator[Path | LoadError]:
    """Files, folders (recursive, no symlinks followed) and globs, in a stable order."""
    for item in inputs:
        matches = sorted(glob.glob(item, recursive=True)) if glob.has_magic(item) else [item]
        if not matches:
            yield LoadError(where=item, reason="no file matches this pattern")
        base = _literal_base(item)
        for match in matches:
            path = Path(match)
            if path.is_symlink() or _through_link(path, base):
                yield LoadError(where=str(path), reason="symbolic links are not followed")
            elif path.is_dir():
                for root, dirs, files in os.walk(path, followlinks=False):
                    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                    for name in sorted(files):
                        child = Path(root) / name
                        if name.startswith(".") or child.suffix.lower() not in SUPPORTED:
                            continue
                        yield child if not child.is_symlink() else LoadError(
                            where=str(child), reason="symbolic links are not followed")
            elif path.is_file():
                yield path
            else:
                yield LoadError(where=str(path), reason="no such file or folder")


def read_text(path: Path, max_bytes: int) -> str:
    size = path.stat().st_size
    if size == 0:
        raise InputError("empty file")
    if size > max_bytes:
        raise InputError(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit")
    data = path.read_bytes()
    return decode_bytes(data, html=path.suffix.lower() in {".html", ".htm"})


def decode_bytes(data: bytes, html: bool = False) -> str:
    if b"\x00" in data[:8192]:
        raise InputError("binary file (contains NUL bytes), not a text article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if html:
            m = re.search(rb"charset=[\"']?([\w-]+)", data[:4096], re.IGNORECASE)
            if m:
                try:
                    return data.decode(m[1].decode())
                except (LookupError, UnicodeDecodeError):
                    pass
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8") from None


def load_paths(inputs: list[str], max_bytes: int) -> Iterator[Article | LoadError]:
    for item in expand_paths(inputs):
        if isinstance(item, LoadError):
            yield item
        else:
            yield from load_file(item, max_bytes)


def load_file(path: Path, max_bytes: int) -> Iterator[Article | LoadError]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        yield LoadError(where=str(path), reason=f"unsupported file type '{suffix or path.name}'"
                        f" (supported: {', '.join(sorted(SUPPORTED))})")
        return
    try:
        text = read_text(path, max_bytes)
    except (InputError, OSError) as exc:
        yield LoadError(where=str(path), reason=str(exc))
        return
    yield from load_text(text, str(path), suffix)


def load_text(text: str, where: str, suffix: str, key: str | None = None) -> Iterator[Article | LoadError]:
    """Parse one file's decoded text according to its format. Articles without an id or url are
    named by `key` (default: the file's resolved path)."""
    key = key or str(Path(where).resolve())
    try:
        if suffix == ".jsonl":
            yield from _load_jsonl(text, where, key)
            return
        if suffix == ".json":
            yield from _load_json(text, where, key)
            return
        loader = {".txt": _txt_fields, ".md": _md_fields, ".markdown": _md_fields,
                  ".html": _html_fields, ".htm": _html_fields}[suffix]
        fields = loader(text)
        fields["raw"] = text
        yield finish_article(fields, where, default_id=stable_id("path", key))
    except InputError as exc:
        yield LoadError(where=where, reason=str(exc))


def parse_json(text: str, what: str = "JSON") -> Any:
    """json.loads, with every way hostile JSON fails turned into a reason a person can act on."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = f" at column {exc.colno}" if what == "JSON line" else f" at line {exc.lineno} column {exc.colno}"
        raise InputError(f"malformed {what}: {exc.msg}{at}") from None
    except RecursionError:
        raise InputError(f"{what} nested too deeply (over ~1,000 levels)") from None
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise InputError(f"{what} holds a number with too many digits ({exc})") from None


def _load_json(text: str, where: str, key: str) -> Iterator[Article | LoadError]:
    data = parse_json(text, "JSON")
    items = data if isinstance(data, list) else [data]
    for i, obj in enumerate(items):
        label = where if len(items) == 1 else f"{where}[{i}]"
        yield _article_from_object(obj, label, fallback_key=f"{key}#{i}")


def _load_jsonl(text: str, where: str, key: str) -> Iterator[Article | LoadError]:
    any_line = False
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        any_line = True
        label = f"{where}:{lineno}"
        try:
            obj = parse_json(line, "JSON line")
        except InputError as exc:
            yield LoadError(where=label, reason=str(exc))
            continue
        yield _article_from_object(obj, label, fallback_key=f"{key}:{lineno}")
    if not any_line:
        yield LoadError(where=where, reason="no JSON lines in file")


def _article_from_object(obj: Any, where: str, fallback_key: str) -> Article | LoadError:
    try:
        return article_from_mapping(obj, where, fallback_key)
    except InputError as exc:
        return LoadError(where=where, reason=str(exc))


def article_from_mapping(obj: Any, where: str, fallback_key: str) -> Article:
    """The JSON article shape shared by files and the HTTP API."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, got {type(obj).__name__}")
    body = next((obj[f] for f in _TEXT_FIELDS if obj.get(f) not in (None, "")), None)
    if body is None:
        raise InputError("no article text (expected a non-empty 'text', 'body' or 'content' field)")
    if not isinstance(body, str):
        raise InputError("article text must be a string")
    fields = {
        "id": obj.get("id"), "title": obj.get("title"), "source": obj.get("source"),
        "url": obj.get("url"), "author": obj.get("author"), "text": body,
        "published": next((obj[f] for f in _DATE_FIELDS if obj.get(f)), None),
        "metadata": {k: v for k, v in obj.items() if k not in _KNOWN_FIELDS},
    }
    for key in ("title", "source", "url", "author"):
        if fields[key] is not None and not isinstance(fields[key], str):
            raise InputError(f"field '{key}' must be a string")
    return finish_article(fields, where, default_id=stable_id("item", fallback_key))


def finish_article(fields: dict[str, Any], where: str, default_id: str) -> Article:
    """Common tail of every format: ids, dates, title fallback, cleaning, emptiness check."""
    body = normalize_text(fields.get("text") or "")
    title = given_title = (fields.get("title") or "").strip()
    if not title:
        title = next((ln.strip().lstrip("#").strip() for ln in body.split("\n") if ln.strip()), "")
        title = title[:200]
    source = (fields.get("source") or None) and str(fields["source"]).strip() or None
    url = (fields.get("url") or None) and str(fields["url"]).strip() or None
    given_id = fields.get("id")
    if given_id not in (None, ""):
        article_id = str(given_id).strip()
        if len(article_id) > MAX_ID_CHARS or ".." in article_id or not re.fullmatch(r"[\w.:@+-]+", article_id):
            raise InputError("field 'id' must be 1-200 characters of letters, digits and ._:@+- (no '..')")
    elif url:
        article_id = stable_id("url", url)
    else:
        article_id = default_id
    cleaned = clean_article_text(body, given_title)
    if not cleaned.strip():
        raise InputError("no article text left after removing page boilerplate")
    metadata = dict(fields.get("metadata") or {})
    published = parse_date(fields.get("published"))
    if fields.get("published") and not published:
        metadata["published_raw"] = str(fields["published"])
    return Article(id=article_id, title=title, source=source, url=url, published=published,
                   author=(fields.get("author") or None), path=where, raw_text=fields.get("raw") or body, text=cleaned,
                   metadata=_jsonable(metadata))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


# --- per-format field extraction -------------------------------------------------------------

_BYLINE_SPLIT = re.compile(r"(?<!\s)\s++[|—–]\s+|(?<!\s)\s++-\s+")  # a run of spaces is scanned once


def _txt_fields(text: str) -> dict[str, Any]:
    """First non-empty line is the title; a short byline/dateline right after it is metadata."""
    lines = normalize_text(text).split("\n")
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonempty:
        raise InputError("empty file (only whitespace)")
    title = lines[nonempty[0]].strip()
    fields: dict[str, Any] = {"title": title}
    drop = {nonempty[0]}
    for i in nonempty[1:3]:
        line = lines[i].strip()
        if len(line.split()) > 12 or line.endswith("."):
            continue
        parts = [p.strip() for p in _BYLINE_SPLIT.split(line) if p.strip()]
        dates = [parse_date(p) for p in parts]
        if not any(dates) and not line.lower().startswith("by "):
            continue
        for part, parsed in zip(parts, dates):
            if parsed:
                fields["published"] = part
            elif part.lower().startswith("by "):
                fields["author"] = part[3:].strip()
            else:
                fields.setdefault("source", part)
        drop.add(i)
    fields["text"] = "\n".join(ln for i, ln in enumerate(lines) if i not in drop)
    return fields


MAX_FRONT_MATTER = 20_000


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without aliases (a few hundred bytes of "billion laughs" expand to gigabytes) and
    without timestamps (a date such as 2026-02-30 stays text; parse_date decides, and a wrong
    date costs the article its date, not its place in the index)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise InputError("YAML front matter uses aliases (*name), which are not accepted")
        return super().compose_node(parent, index)


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _md_fields(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    m = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, re.DOTALL)
    if m:
        if len(m[1]) > MAX_FRONT_MATTER:
            raise InputError(f"YAML front matter over {MAX_FRONT_MATTER:,} characters")
        try:
            meta = yaml.load(m[1], Loader=_FrontMatterLoader) or {}
        except yaml.YAMLError as exc:
            raise InputError(f"malformed YAML front matter: {str(exc).splitlines()[0]}") from None
        except RecursionError:
            raise InputError("YAML front matter nested too deeply") from None
        if not isinstance(meta, dict):
            raise InputError("YAML front matter must be a mapping of fields")
        text = text[m.end():]
        fields["metadata"] = {k: v for k, v in meta.items() if k not in _KNOWN_FIELDS}
        for key in ("id", "title", "source", "url", "author"):
            if meta.get(key) is not None:
                fields[key] = str(meta[key])
        fields["published"] = next((meta[f] for f in _DATE_FIELDS if meta.get(f)), None)
    if not fields.get("title"):
        heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
        if heading:
            fields["title"] = heading[1].strip()
    fields["text"] = text
    return fields


def _html_fields(text: str) -> dict[str, Any]:
    import trafilatura

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True)
    if doc is None:
        raise InputError("no main text found in the HTML page")
    get = doc.get if isinstance(doc, dict) else lambda k: getattr(doc, k, None)
    body = get("text") or ""
    if not body.strip():
        raise InputError("no main text found in the HTML page")
    return {"title": get("title"), "author": get("author"), "published": get("date"),
            "url": get("url"), "source": get("sitename"),
            "text": re.sub(r"\n+", "\n\n", body)}  # trafilatura separates paragraphs by one newline
