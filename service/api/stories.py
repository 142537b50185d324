"""Stories and summaries over HTTP."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, model_validator

from service.api.deps import Authorized, State, with_model
from service.stories import Story, StoryConflict
from service.summarize import NotFound, Summary, TooLong, summarize_article, summarize_story

router = APIRouter(tags=["stories"], dependencies=[Authorized])


class StoryDetail(Story):
    conflict_details: list[StoryConflict] = []


class SummaryBody(BaseModel):
    article_id: str | None = Field(None, max_length=200, examples=["tech-tribune-lumenix-plant"])
    story_id: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def one_of(self):
        if bool(self.article_id) == bool(self.story_id):
            raise ValueError("give exactly one of article_id or story_id")
        return self


@router.get("/v1/stories", response_model=list[Story], summary="Stories across outlets")
def list_stories(state: State) -> list[Story]:
    return state.story_book().stories()


@router.get("/v1/stories/{story_id}", response_model=StoryDetail, summary="One story with its conflicts")
def get_story(story_id: str, state: State) -> StoryDetail:
    book = state.story_book()
    story = book.get(story_id)
    if story is None:
        raise HTTPException(404, f"no story with id {story_id}")
    return StoryDetail(**story.model_dump(), conflict_details=book.conflicts_of(story))


@router.post("/v1/summaries", response_model=Summary, summary="Summarise an article or a story, cited and checked")
async def summaries(body: SummaryBody, state: State) -> Summary:
    ctx = await run_in_threadpool(state.context)

    def work():
        if body.story_id:
            return summarize_story(ctx, body.story_id)
        return summarize_article(ctx, body.article_id)

    try:
        return await run_in_threadpool(with_model, state, work)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except TooLong as exc:
        raise HTTPException(413, str(exc)) from None
