"""`newsdesk`: a small CLI over the same service functions HTTP, Slack and batch use.

Every command that prints has `--json` for scripts. One module per group of commands.
"""
from importlib import import_module

from service.cli.main import main

for _commands in ("articles", "answers", "servers", "batch", "evaluate"):
    import_module(f"service.cli.{_commands}")  # each registers its commands on `main`

__all__ = ["main"]
