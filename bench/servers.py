"""Real servers on free loopback ports, for the tests and the benchmarks: PostgreSQL and Redis from
Debian's packages (`make setup` installs them), Chroma from the chromadb package. Each is a context
manager that yields the server's URL and stops it afterwards."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.support import free_port


class ServerMissing(RuntimeError):
    """The server's program is not installed here."""


def wait_until_up(url: str, proc: subprocess.Popen | None = None, timeout: float = 180,
                  headers: dict | None = None) -> None:
    """Until GET `url` answers 200; fails at once if `proc` exits meanwhile."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process serving {url} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2, headers=headers).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} never answered within {timeout:.0f}s")


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the package's `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres():
    """A private cluster (trust auth on 127.0.0.1, no fsync); yields `postgresql://newsdesk@host:port`."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not bins:
        raise ServerMissing("PostgreSQL (Debian package postgresql) is required: make setup installs it")
    bindir = Path(bins[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "newsdesk",
                                     "--no-sync"]), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
                                     str(folder / "log"), "start"]), check=True, stdout=subprocess.DEVNULL)
        yield f"postgresql://newsdesk@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@contextmanager
def redis_server(folder: Path):
    exe = shutil.which("redis-server")
    if not exe:
        raise ServerMissing("redis-server (Debian package) is required: make setup installs it")
    import redis

    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def chroma_server(folder: Path):
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if not exe:
        raise ServerMissing("the chroma CLI should come with chromadb")
    port = free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(folder / "chroma-server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/api/v2/heartbeat", proc, timeout=60)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
