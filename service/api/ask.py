"""POST /v1/ask and the chat endpoints with sessions and Server-Sent Events."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator

from index.retrieve import Filters
from service.api.deps import Authorized, Owner, State, check_length, with_model
from service.api.streaming import EventPump, sse
from service.answer.chain import answer_question
from service.chat import converse
from index.models import Hit
from service.schemas import Answer
from service.search import search_chunks

router = APIRouter(tags=["ask"], dependencies=[Authorized])


def _require_text(value: str, name: str) -> str:
    if not value.strip():
        raise ValueError(f"{name} is blank")
    return value


class FilterBody(BaseModel):
    source: str | None = Field(None, max_length=200, examples=["Coastline Post"])
    since: date | None = Field(None, examples=["2026-06-01"])
    until: date | None = None
    article_ids: list[str] | None = Field(None, max_length=100)

    def to_filters(self) -> Filters:
        return Filters(source=self.source, since=self.since.isoformat() if self.since else None,
                       until=self.until.isoformat() if self.until else None, article_ids=self.article_ids)


class AskBody(BaseModel):
    question: str = Field(min_length=1, max_length=2000, examples=["How much will Lumenix invest in Brennick?"])
    k: int | None = Field(None, ge=1, le=20)
    filters: FilterBody | None = None

    @field_validator("question")
    @classmethod
    def not_blank(cls, v: str) -> str:
        return _require_text(v, "question")


class ChatBody(BaseModel):
    session_id: str | None = Field(None, max_length=100, pattern=r"^[\w-]+$")
    message: str = Field(min_length=1, max_length=2000, examples=["and how many jobs will it create?"])
    filters: FilterBody | None = None
    stream: bool = False

    @field_validator("message")
    @classmethod
    def not_blank(cls, v: str) -> str:
        return _require_text(v, "message")


class ChatResponse(BaseModel):
    session_id: str
    answer: Answer


class HistoryResponse(BaseModel):
    session_id: str
    turns: list[dict]


class SearchBody(BaseModel):
    query: str = Field(min_length=1, max_length=2000, examples=["Kestrel Dam spillway crack"])
    k: int | None = Field(None, ge=1, le=50)
    filters: FilterBody | None = None


@router.post("/v1/search", response_model=list[Hit], summary="Hybrid retrieval only (no LLM)")
def search(body: SearchBody, state: State) -> list[Hit]:
    filters = body.filters.to_filters() if body.filters else None
    return search_chunks(state.store, state.settings, body.query, k=body.k, filters=filters)


@router.post("/v1/ask", response_model=Answer, summary="Answer one question with checked citations")
async def ask(body: AskBody, state: State) -> Answer:
    check_length(state, body.question)
    filters = body.filters.to_filters() if body.filters else None
    ctx = await run_in_threadpool(state.context)
    answer = await run_in_threadpool(with_model, state, lambda: answer_question(
        ctx, body.question, k=body.k, filters=filters))
    state.metrics.observe_answer(answer)
    return answer


@router.post("/v1/chat", response_model=ChatResponse,
             summary="Chat turn; with stream=true, Server-Sent Events: meta, token*, sentence*, final")
async def chat(body: ChatBody, request: Request, state: State, owner: Owner):
    check_length(state, body.message)
    session_id = state.sessions.open(owner, body.session_id)
    if session_id is None:
        raise HTTPException(404, f"no session {body.session_id}")
    filters = body.filters.to_filters() if body.filters else None
    ctx = await run_in_threadpool(state.context)

    def work(pump: EventPump | None = None) -> dict:
        emit = pump.emit if pump else (lambda *_: None)
        answer = converse(ctx, state.sessions, owner, session_id, body.message, filters=filters,
                          on_token=lambda t: emit("token", {"text": t}),
                          on_sentence=lambda s: emit("sentence", {"text": s}))
        state.metrics.observe_answer(answer)
        return {"session_id": session_id, "answer": answer.model_dump()}

    if not body.stream:
        return await run_in_threadpool(with_model, state, work)
    pump = EventPump()
    pump.run(state.gate, work)

    async def events():
        yield sse("meta", {"session_id": session_id})
        async for event, data in pump.events(request):
            yield sse(event, data)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/v1/chat/{session_id}", response_model=HistoryResponse, summary="A session's history")
def chat_history(session_id: str, state: State, owner: Owner) -> HistoryResponse:
    if not state.sessions.owns(owner, session_id):
        raise HTTPException(404, f"no session {session_id}")
    return HistoryResponse(session_id=session_id, turns=state.sessions.history(session_id))


@router.delete("/v1/chat/{session_id}", summary="Forget a session")
def chat_forget(session_id: str, state: State, owner: Owner) -> dict:
    if not state.sessions.delete(owner, session_id):
        raise HTTPException(404, f"no session {session_id}")
    return {"session_id": session_id, "deleted": True}
