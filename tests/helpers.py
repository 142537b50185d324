"""Test helpers: the real CLI in a subprocess (optionally offline-guarded), a scripted model."""
from __future__ import annotations

from pathlib import Path

from bench.support import REPO, free_port, generated_articles, write_jsonl_files
from bench.support import cli_env as _cli_env, run_cli as _run_cli

__all__ = ["REPO", "ScriptedModel", "cli_env", "free_port", "generated_articles", "run_cli", "write_jsonl_files"]

TESTS = Path(__file__).resolve().parent


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return _cli_env(data_dir, (TESTS,), **extra)


def run_cli(args: list[str], data_dir: Path, offline: bool = False, timeout: float = 600, **extra: str):
    """`newsdesk ARGS` in a fresh process; with offline=True, non-loopback sockets raise."""
    return _run_cli(args, data_dir, "import offline_guard; " if offline else "", (TESTS,), timeout, **extra)


class ScriptedModel:
    """Replays a hand-written model output: tests a chain's logic with exact inputs."""

    name = "scripted"

    def __init__(self, text):
        self.text = text  # or a function of the prompt (a reply that cites what the prompt shows), or one per call
        self.seen: list[list[dict]] = []

    @property
    def calls(self) -> int:
        return len(self.seen)

    def stream(self, messages, max_tokens, temperature, stop=None):
        from service.models.llm import Generation, timed

        self.seen.append(messages)
        text = self.text[min(self.calls, len(self.text)) - 1] if isinstance(self.text, list) else self.text
        text = text(messages[-1]["content"]) if callable(text) else text
        return Generation(lambda usage: timed((word + " " for word in text.split(" ")), usage))

