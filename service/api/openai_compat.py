"""OpenAI-compatible chat completions, so existing clients and chat UIs work unchanged.

The last user message is the question, earlier messages are the history. The content carries
`[n]` markers; the checked citation objects travel in an extra `citations` field (and the
whole answer in `newsdesk`), on the response or on the final stream chunk. Streamed content is
made of verified sentences only, so a client never shows text that failed the check.
"""
from __future__ import annotations

import time
import uuid
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from service.api.deps import Authorized, State, check_length, with_model
from service.api.streaming import EventPump
from service.chat import chat_turn

router = APIRouter(tags=["openai"], dependencies=[Authorized])


class Message(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if isinstance(p, dict))
        return self.content or ""


class CompletionBody(BaseModel):
    model: str | None = Field(None, examples=["newsdesk"])
    messages: list[Message] = Field(min_length=1, max_length=100)
    stream: bool = False
    temperature: float | None = None
    max_tokens: int | None = None


def _split(body: CompletionBody) -> tuple[list[dict], str]:
    users = [i for i, m in enumerate(body.messages) if m.role == "user"]
    if not users:
        raise HTTPException(422, "messages must contain a user message")
    last = users[-1]
    history = [{"role": m.role, "content": m.text()} for m in body.messages[:last] if m.role in ("user", "assistant")]
    question = body.messages[last].text().strip()
    if not question:
        raise HTTPException(422, "the last user message is empty")
    return history, question


@router.get("/v1/models", summary="The model behind the chat endpoints (OpenAI format)")
def models(state: State) -> dict:
    return {"object": "list", "data": [{"id": state.settings.llm_model, "object": "model", "created": 0,
                                        "owned_by": "newsdesk"}]}


@router.post("/v1/chat/completions", summary="OpenAI-compatible chat completion, streaming or not")
async def completions(body: CompletionBody, request: Request, state: State):
    history, question = _split(body)
    check_length(state, question)
    ctx = await run_in_threadpool(state.context)
    cid, created, model = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time()), state.settings.llm_model

    def extra(answer) -> dict:
        return {"citations": [c.model_dump() for c in answer.citations], "newsdesk": answer.model_dump()}

    if not body.stream:
        answer = await run_in_threadpool(with_model, state, lambda: chat_turn(ctx, history, question))
        state.metrics.observe_answer(answer)
        return {"id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.answer},
                             "finish_reason": "stop"}],
                "usage": _usage(answer), **extra(answer)}

    def chunk(delta: dict, finish: str | None = None, **more) -> str:
        import json

        payload = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **more}
        return f"data: {json.dumps(payload, ensure_ascii=False, default=str)}\n\n"

    pump = EventPump()
    pump.run(state.gate, lambda p: chat_turn(ctx, history, question,
                                             on_sentence=lambda s: p.emit("sentence", s)))

    async def events():
        yield chunk({"role": "assistant", "content": ""})
        first = True
        async for event, data in pump.events(request):
            if event == "sentence":
                yield chunk({"content": data if first else " " + data})
                first = False
            elif event == "final":
                if data.abstained:
                    yield chunk({"content": data.answer})
                state.metrics.observe_answer(data)
                yield chunk({}, "stop", usage=_usage(data), **extra(data))
            elif event == "error":
                yield chunk({}, "error", error=data)
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _usage(answer) -> dict[str, int]:
    """The model's own token counts (zero when nothing was generated: no sources were found)."""
    prompt, completion = int(answer.usage.get("prompt_tokens", 0)), int(answer.usage.get("completion_tokens", 0))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

