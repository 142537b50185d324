"""What the benchmarks (and the tests) build on: settings for a scratch data dir, generated
corpora, free ports, the real CLI in a subprocess. Nothing here imports the tests."""
from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL_CACHE = REPO / "data" / "models"
SMALL_MODEL = "qwen2.5-coder-0.5b"


def scratch_settings(data_dir: Path, **overrides):
    """Settings on `data_dir` with the bundled models and the small test model unless overridden."""
    from service.settings import Settings

    values = {"data_dir": data_dir, "model_cache": MODEL_CACHE, "llm_model": SMALL_MODEL}
    values.update(overrides)
    return Settings(**values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(data_dir: Path, pythonpath: tuple[Path, ...] = (), **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"NEWSDESK_DATA_DIR": str(data_dir), "NEWSDESK_MODEL_CACHE": str(MODEL_CACHE),
                "NEWSDESK_LLM_MODEL": SMALL_MODEL, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                "PYTHONPATH": os.pathsep.join(str(p) for p in (*pythonpath, REPO))})
    env.update(extra)
    return env


def run_cli(args: list[str], data_dir: Path, prelude: str = "", pythonpath: tuple[Path, ...] = (),
            timeout: float = 600, **extra: str) -> subprocess.CompletedProcess:
    """`newsdesk ARGS` in a fresh process (`prelude`: Python run first, e.g. an import)."""
    code = f"{prelude}import sys; from service.cli import main; sys.argv = ['newsdesk'] + {args!r}; main()"
    return subprocess.run([sys.executable, "-c", code], env=cli_env(data_dir, pythonpath, **extra), cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


_TOPICS = ["harbour", "election", "wildfire", "railway", "hospital", "museum", "bridge", "festival",
           "factory", "university", "drought", "airport"]
_TOWNS = ["Alder", "Brisk", "Cotton", "Dunmore", "Elvaston", "Fairholm", "Glenrock", "Hollis"]


def generated_articles(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        topic, town = rng.choice(_TOPICS), rng.choice(_TOWNS)
        sentences = [f"Officials in {town} said on Monday that the {topic} project number {i} would "
                     f"cost {rng.randint(2, 900)} million euros."]
        for _ in range(rng.randint(6, 14)):
            sentences.append(f"Residents of {town} were told that the {topic} plan involves "
                             f"{rng.randint(10, 5000)} workers and {rng.choice(_TOPICS)} upgrades over "
                             f"{rng.randint(2, 12)} years, according to spokesperson {rng.choice(_TOWNS)}son.")
        out.append({"id": f"gen-{i:05d}", "title": f"{town} {topic} update {i}", "source": f"Outlet {i % 7}",
                    "published": f"2026-0{1 + i % 9}-{1 + i % 27:02d}", "text": " ".join(sentences)})
    return out


def write_jsonl_files(folder: Path, articles: list[dict], per_file: int = 10) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(0, len(articles), per_file):
        p = folder / f"batch_{i // per_file:04d}.jsonl"
        p.write_text("\n".join(json.dumps(a) for a in articles[i:i + per_file]) + "\n")
        paths.append(p)
    return paths
