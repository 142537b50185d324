"""The same store against a real `chroma run` server process."""
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from helpers import free_port
from service.components import build_store
from service.container import reset_containers
from service.ingest import ingest_paths
from service.search import search_chunks


@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert exe, "the chroma CLI should come with chromadb"
    port = free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield url
    proc.terminate()
    proc.wait(10)


def test_ingest_and_search_against_chroma_server(tmp_path, chroma_server, demo_dir):
    from conftest import make_settings

    settings = make_settings(tmp_path / "data", chroma_url=chroma_server)
    store = build_store(settings)
    try:
        report = ingest_paths(store, [str(demo_dir)], 5_000_000)
        assert not report.failed and len(report.added) >= 12
        assert not (tmp_path / "data" / "chroma").exists()  # vectors went to the server
        hits = search_chunks(store, settings, "comet discovered by a research student", k=3)
        assert hits and "Okonkwo" in " ".join(h.text for h in hits)
        again = ingest_paths(store, [str(demo_dir)], 5_000_000)
        assert again.added == [] and again.updated == []
        assert store.vectors._collection.count() == store.count()[1]
    finally:
        reset_containers()
