"""One Settings object: `NEWSDESK_*` environment variables, then `newsdesk.toml`, then defaults."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", toml_file="newsdesk.toml",
                                      extra="ignore", validate_default=True)

    data_dir: Path = Field(Path("data"), description="Everything the index persists lives here.")
    max_file_mb: float = Field(5.0, gt=0, description="Inputs larger than this are refused.")
    chunk_tokens: int = Field(110, ge=32, le=1000, description="Chunk size in cl100k tokens.")
    chunk_overlap: int = Field(25, ge=0, le=400, description="Tokens of sentence overlap between chunks.")

    embedder: Literal["local", "openai"] = Field("local", description="local ONNX MiniLM or an OpenAI-compatible endpoint.")
    embed_base_url: str | None = Field(None, description="Embeddings endpoint base URL (embedder=openai).")
    embed_model: str = Field("text-embedding-3-small", description="Embedding model name (embedder=openai).")
    embed_api_key: SecretStr | None = Field(None, description="API key for the embeddings endpoint.")
    embed_threads: int = Field(2, ge=1, description="onnxruntime threads for the local embedder.")
    embed_int8: Literal["per-channel", "shipped"] = Field(
        "per-channel", description="Local embedder file: built once from the packaged fp32 weights with per-channel "
        "int8 scales (about 2x faster, cosine >= 0.99 to fp32, checked when built), or the shipped int8 file.")

    chroma_url: str | None = Field(None, description="Chroma server URL; unset = embedded Chroma in data_dir.")
    database_url: SecretStr | None = Field(
        None, description="postgresql://user:pass@host/db for the catalog, record manager, chat sessions, Slack "
        "ledger and batch checkpoints, shared by every process; unset = SQLite files in data_dir.")

    search_k: int = Field(4, ge=1, le=50, description="Chunks returned by search / given to the LLM.")
    search_candidates: int = Field(30, ge=5, le=500, description="Candidates per retriever before fusion.")
    min_score: float = Field(0.25, ge=-1, le=1, description="Cosine floor below which a chunk is not relevant.")

    llm: Literal["local", "openai"] = Field("local", description="local llama.cpp or an OpenAI-compatible server.")
    llm_model: str = Field("qwen2.5-coder-1.5b", description="Local: a bundled model name or a .gguf path; openai: the model name.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible base URL (llm=openai).")
    llm_api_key: SecretStr | None = Field(None, description="API key for the LLM endpoint.")
    llm_threads: int = Field(2, ge=1, description="llama.cpp threads.")
    llm_ctx: int = Field(4096, ge=512, description="llama.cpp context size in tokens.")
    llm_state_cache_mb: int = Field(256, ge=0, description="RAM for saved llama.cpp prompt states, so each "
                                    "task's fixed instructions stay warm between different tasks (0 = off).")
    llm_state_files: int = Field(4, ge=0, description="Newest prompt states also kept on disk (data_dir/cache), "
                                 "so a new process starts warm (0 = off).")
    llm_source_tokens: int = Field(
        250, ge=0, description="Source text the answer prompt carries, in tokens: the most relevant "
        "sentences of the top-k chunks (0 = the whole chunks). Each token costs time before the first answer token.")
    answer_retry: bool = Field(True, description="When the model declines, or nothing it says is in the sources, ask it "
                               "once more to copy the source sentence that answers (a second model call, only then).")
    llm_max_tokens: int = Field(256, ge=16, description="Cap on generated tokens per answer.")
    llm_temperature: float = Field(0.0, ge=0, le=2)
    unsupported_policy: Literal["drop", "mark", "keep"] = Field(
        "drop", description="What happens to answer sentences no source supports.")
    verify_min_similarity: float = Field(0.45, ge=-1, le=1, description="Cosine floor between a claim and its quote.")
    verify_min_overlap: float = Field(0.2, ge=0, le=1, description="Share of a claim's content words its quote must hold.")
    answer_min_relevance: float = Field(0.35, ge=-1, le=1, description="Cosine floor between the question and the "
                                        "closest verified sentence giving what it asks; below it the answer abstains.")
    summary_sentences: int = Field(4, ge=1, le=12, description="Length of a summary, in sentences.")
    summary_prompt_tokens: int = Field(1200, ge=200, description="Passage tokens per summary call before map-reduce.")
    summary_max_calls: int = Field(24, ge=1, description="Most model calls one summary may make (map-reduce of "
                                                         "long texts); beyond it the request is refused.")
    story_window_days: int = Field(7, ge=0, description="Articles further apart than this are never one story.")
    api_keys: str = Field("", description="Comma-separated bearer keys; empty = no auth (localhost only).")
    allow_unauthenticated: bool = Field(False, description="Let `serve`/`slack` bind beyond loopback without API keys.")
    allowed_hosts: str = Field("", description="Host names clients may use (comma-separated, '*' = any). Default: "
                               "loopback names and the bound address without keys; any host with keys.")
    trusted_proxies: str = Field("", description="Proxy addresses (comma-separated IPs or CIDRs) whose "
                                 "X-Forwarded-For names the client; empty = the peer address is the client.")
    cors_origins: str = Field("", description="Web origins allowed to call the API from a browser (comma-separated); "
                              "empty = CORS off.")
    docs: bool = Field(True, description="Serve /docs and /openapi.json (behind a key when keys are set).")
    auth_failures_per_minute: int = Field(10, ge=1, description="Failed key checks per client address before 429.")
    session_ttl_days: float = Field(30, gt=0, description="Chat sessions unused this long are forgotten.")
    sessions_per_owner: int = Field(200, ge=1, description="Chat sessions one key (or Slack) keeps; the oldest go first.")
    rate_limit_per_minute: int = Field(120, ge=0, description="Requests per minute per client key (0 = off).")
    max_body_mb: float = Field(6.0, gt=0, description="Largest accepted HTTP request body.")
    max_question_chars: int = Field(2000, ge=10, description="Longest accepted question.")
    llm_concurrency: int = Field(1, ge=1, description="Generations at once (1 for the local model).")
    llm_queue: int = Field(8, ge=0, description="Requests that may wait for the model before 503.")
    warm_on_start: bool = Field(True, description="Load the models when the server starts.")
    slack_bot_token: SecretStr | None = Field(None, description="Slack bot token (xoxb-…); the bot is off when unset.")
    slack_signing_secret: SecretStr | None = Field(None, description="Slack signing secret (HTTP mode).")
    slack_app_token: SecretStr | None = Field(None, description="Slack app-level token (xapp-…) for Socket Mode.")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (tests point it at a fake).")
    redis_url: str | None = Field(None, description="Redis: rate limits shared by every API process, and the "
                                  "Celery broker and result backend (unset: per-process limits; Celery uses "
                                  "redis://127.0.0.1:6379/0).")
    celery_visibility_timeout: int = Field(3600, ge=5, description="Seconds before a dead worker's task is re-delivered.")
    model_cache: Path | None = Field(None, description="Where assembled model files go (default data_dir/models).")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings,
                                   env_settings, dotenv_settings, file_secret_settings
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = os.environ.get("NEWSDESK_CONFIG", "newsdesk.toml")
        return (init_settings, env_settings,
                TomlConfigSettingsSource(settings_cls, toml_file=toml), file_secret_settings)

    @property
    def api_key_list(self) -> list[str]:
        return _items(self.api_keys)

    @property
    def allowed_host_list(self) -> list[str]:
        return [h.lower() for h in _items(self.allowed_hosts)]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _items(self.trusted_proxies)

    @property
    def cors_origin_list(self) -> list[str]:
        return _items(self.cors_origins)

    @property
    def database(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def broker_url(self) -> str:
        return self.redis_url or "redis://127.0.0.1:6379/0"

    @property
    def models_dir(self) -> Path:
        return self.model_cache or self.data_dir / "models"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def collection(self) -> str:
        """One collection per embedder, so switching embedders never mixes vector spaces."""
        if self.embedder == "local":
            return "newsdesk_minilm"
        slug = "".join(c if c.isalnum() else "_" for c in self.embed_model.lower())
        return f"newsdesk_{slug}"[:60]


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
