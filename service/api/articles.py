"""Articles over HTTP: ingest (JSON or file upload) with the CLI's rules and errors; list, get, delete."""
from __future__ import annotations

import hashlib
import json

from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from index.load import SUPPORTED, InputError, article_from_mapping, decode_bytes, load_text, parse_json
from index.models import Article, ArticleSummary, LoadError
from service.api.deps import Authorized, State
from service.ingest import ingest_items

router = APIRouter(tags=["articles"], dependencies=[Authorized])


class IngestResult(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    duplicate: list[str]
    failed: list[LoadError]
    chunks: int
    seconds: float
    interrupted: bool = False


class ArticleOut(ArticleSummary):
    author: str | None = None
    text: str
    metadata: dict[str, Any] = {}


def _from_json(payload: Any) -> list[Article | LoadError]:
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise HTTPException(422, "empty list: send one article object or a non-empty list")
    if len(items) > 1000:
        raise HTTPException(413, "at most 1000 articles per request")
    out: list[Article | LoadError] = []
    for i, obj in enumerate(items):
        where = f"body[{i}]" if isinstance(payload, list) else "body"
        try:
            # No id and no url: the whole object names it (two articles that start alike stay two).
            key = hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()
            out.append(article_from_mapping(obj, where, fallback_key=f"http:{key}"))
        except InputError as exc:
            out.append(LoadError(where=where, reason=str(exc)))
    return out


async def _from_upload(file: UploadFile, max_bytes: int) -> list[Article | LoadError]:
    # The client's filename is only used for its extension and in messages: never as a path.
    name = PurePath((file.filename or "upload").replace("\\", "/")).name or "upload"
    suffix = PurePath(name).suffix.lower()
    if suffix not in SUPPORTED:
        return [LoadError(where=name, reason=f"unsupported file type '{suffix or name}'")]
    data = await file.read(max_bytes + 1)
    if not data:
        return [LoadError(where=name, reason="empty file")]
    if len(data) > max_bytes:
        return [LoadError(where=name, reason=f"file is over the {max_bytes / 1e6:.1f} MB limit")]
    return await run_in_threadpool(_parse_upload, data, name, suffix)


def _parse_upload(data: bytes, name: str, suffix: str) -> list[Article | LoadError]:
    """Decoding, parsing and cleaning are CPU work: off the event loop, so /healthz stays quick."""
    try:
        text = decode_bytes(data, html=suffix in {".html", ".htm"})
    except InputError as exc:
        return [LoadError(where=name, reason=str(exc))]
    # Identified by name *and* content: another file that happens to be called news.txt is
    # another article; the same file sent again is the same one.
    return list(load_text(text, f"upload:{name}", suffix, key=f"upload:{name}:{hashlib.sha256(data).hexdigest()}"))


@router.post("/v1/articles", response_model=IngestResult, status_code=200,
             summary="Ingest a JSON article, a JSON list, or a multipart file upload ('file')",
             openapi_extra={"requestBody": {"content": {
                 "application/json": {"schema": {"type": "object"}, "example": {
                     "id": "example-1", "title": "Harbour wall repaired", "source": "Dunmore Times",
                     "published": "2026-06-01", "text": "The harbour wall in Dunmore was repaired on Monday."}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}}})
async def ingest(request: Request, state: State) -> IngestResult:
    max_bytes = int(state.settings.max_file_mb * 1e6)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        files = [v for _, v in form.multi_items() if hasattr(v, "read")]  # every file of every field
        if not files:
            raise HTTPException(422, "multipart body has no file part")
        items: list[Article | LoadError] = []
        for f in files:
            items.extend(await _from_upload(f, max_bytes))
    elif ctype.startswith("application/json"):
        body = await request.body()
        try:
            payload = await run_in_threadpool(parse_json, body.decode("utf-8", errors="replace"), "JSON body")
        except InputError as exc:
            raise HTTPException(400, str(exc)) from None
        items = await run_in_threadpool(_from_json, payload)
    else:
        raise HTTPException(415, "send application/json or multipart/form-data")
    report = await run_in_threadpool(ingest_items, state.store, items)
    if report.added or report.updated:
        state.refresh_stories()
    return IngestResult(**report.as_dict())


@router.get("/v1/articles", response_model=list[ArticleSummary], summary="Indexed articles")
def list_articles(state: State) -> list[ArticleSummary]:
    return state.store.list_articles()


@router.get("/v1/articles/{article_id}", response_model=ArticleOut, summary="One article with its cleaned text")
def get_article(article_id: str, state: State) -> ArticleOut:
    art = state.store.get_article(article_id)
    if art is None:
        raise HTTPException(404, f"no article with id {article_id}")
    chunks = next((a.chunks for a in state.store.list_articles() if a.id == article_id), 0)
    return ArticleOut(id=art.id, title=art.title, source=art.source, url=art.url, published=art.published,
                      chunks=chunks, author=art.author, text=art.text, metadata=art.metadata)


@router.delete("/v1/articles/{article_id}", summary="Remove an article and its chunks")
def delete_article(article_id: str, state: State) -> dict:
    if not state.store.delete(article_id):
        raise HTTPException(404, f"no article with id {article_id}")
    state.refresh_stories()
    return {"id": article_id, "deleted": True}
