"""The real servers of `bench.servers` as fixtures (registered by conftest). Outside CI a missing
server program skips the tests that need it, with the reason; in CI it fails them, since
`.ci/run` installs every one."""
from __future__ import annotations

import os
import uuid

import pytest

from bench import servers


def _started(server):
    try:
        return server.__enter__()
    except servers.ServerMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def postgres_server():
    server = servers.postgres()
    yield _started(server)
    server.__exit__(None, None, None)


@pytest.fixture
def database_url(postgres_server):
    """A fresh, empty database on the shared cluster for one test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield servers.create_database(postgres_server, name)
    servers.drop_database(postgres_server, name)


@pytest.fixture
def redis_url(tmp_path):
    server = servers.redis_server(tmp_path)
    yield _started(server)
    server.__exit__(None, None, None)


@pytest.fixture
def chroma_server(tmp_path):
    server = servers.chroma_server(tmp_path)
    yield _started(server)
    server.__exit__(None, None, None)
