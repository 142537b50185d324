"""Stories: the same event told by several reports, and where those reports disagree."""
from service.stories.book import ConflictSide, Story, StoryArticle, StoryBook, StoryConflict, StoryParams

__all__ = ["ConflictSide", "Story", "StoryArticle", "StoryBook", "StoryConflict", "StoryParams"]
