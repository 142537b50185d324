"""Backends by the name a setting selects, registered where they are defined (as `llm` plugins do)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, setting: str):
        self.setting = setting  # the variable that selects, for the error message
        self.builders: dict[str, Callable] = {}

    def register(self, name: str):
        """Decorate a builder `(settings) -> backend` to serve `setting=name`."""
        def add(build: Callable[..., T]) -> Callable[..., T]:
            self.builders[name] = build
            return build
        return add

    def build(self, name: str, settings) -> T:
        if name not in self.builders:
            raise LookupError(f"unknown {self.setting} {name!r}: use one of {', '.join(self.builders)}")
        return self.builders[name](settings)
