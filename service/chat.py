"""Conversations: a follow-up is condensed into a standalone question, then answered as usual."""
from __future__ import annotations

from index.retrieve import Filters
from service.answer.chain import OnToken, answer_question
from service.container import Context
from service.models.llm import complete
from service.prompts import render
from service.schemas import Answer
from service.sessions import SessionStore

MAX_HISTORY_TURNS = 6


def condense_question(ctx: Context, history: list[dict], question: str) -> str:
    """Standalone question from the last turns; the question itself when there is no history."""
    turns = [t for t in history if t["role"] in ("user", "assistant")][-MAX_HISTORY_TURNS:]
    if not turns:
        return question
    lines = "\n".join(f"{'User' if t['role'] == 'user' else 'Assistant'}: {t['content'][:600]}" for t in turns)
    out = complete(ctx.llm, render("condense", history=lines, question=question), max_tokens=60)
    standalone = out.strip().split("\n")[0].strip().strip('"')
    return standalone if 3 <= len(standalone) <= 500 else question


def chat_turn(ctx: Context, history: list[dict], message: str, filters: Filters | None = None,
              on_token: OnToken | None = None, on_sentence: OnToken | None = None) -> Answer:
    standalone = condense_question(ctx, history, message)
    answer = answer_question(ctx, standalone, filters=filters, on_token=on_token, on_sentence=on_sentence)
    answer.question = message
    answer.standalone_question = standalone
    return answer


class NotYours(LookupError):
    """The session id belongs to another owner (reported as unknown)."""


def converse(ctx: Context, sessions: SessionStore, owner: str, session_id: str, message: str,
             filters: Filters | None = None, on_token: OnToken | None = None,
             on_sentence: OnToken | None = None) -> Answer:
    """One turn of `owner`'s stored conversation (an HTTP session, a Slack thread): its history
    condenses the follow-up, and both turns are saved once the answer is checked."""
    if sessions.open(owner, session_id) is None:
        raise NotYours(f"no session {session_id}")
    answer = chat_turn(ctx, sessions.history(session_id), message, filters=filters, on_token=on_token,
                       on_sentence=on_sentence)
    sessions.append(session_id, "user", message)
    sessions.append(session_id, "assistant", answer.answer, answer.model_dump())
    return answer
