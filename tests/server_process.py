"""A real `xlmon serve` process for end-to-end tests.

In-process TestClient tests cannot show that the command starts, that uvicorn's own limits and
error handling behave, or that a browser can use the page; these tests talk to the real thing.
Use it from a test module with `pytest_plugins = ("server_process",)` and the `xlmon_server`
fixture: `xlmon_server()`, `xlmon_server(XLMON_TOKEN="…")` or `xlmon_server("--profile", path)` returns a running
`ServerProcess`, shared by every test of the session that asks for the same environment and options.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.unlink(missing_ok=True)


def start_server(env: dict[str, str] | None = None, *, timeout: float = START_TIMEOUT,
                 attempts: int = 3, args: tuple[str, ...] = ()) -> ServerProcess:
    """Start `python -m xlmon serve` on a free port and wait until /api/info answers.

    A port found free can be taken before the server binds it, so a server that exits while
    starting is retried on another port."""
    problem = ""
    for _ in range(attempts):
        server = _spawn(env or {}, args)
        problem = _wait_ready(server, timeout)
        if not problem:
            return server
        server.stop()
        if "address already in use" not in problem.lower():
            break
    raise RuntimeError(problem)


def _spawn(extra: dict[str, str], args: tuple[str, ...] = ()) -> ServerProcess:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "XLMON_TOKEN"}
    env.update(extra, PYTHONUNBUFFERED="1")
    fd, name = tempfile.mkstemp(prefix="xlmon-serve-", suffix=".log")
    with os.fdopen(fd, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "xlmon", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
    return ServerProcess(f"http://127.0.0.1:{port}", process, Path(name))


def _wait_ready(server: ServerProcess, timeout: float) -> str:
    """'' once the server answers, else why it did not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            return f"xlmon serve exited with {server.process.returncode}:\n{server.output()}"
        try:
            if httpx.get(server.url + "/api/info", timeout=2).status_code == 200:
                return ""
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return f"xlmon serve did not answer within {timeout:g} s:\n{server.output()}"


@pytest.fixture(scope="session")
def xlmon_server():
    """Factory: a running server for the given environment, started once per session."""
    running: dict[tuple, ServerProcess] = {}

    def get(*args: str, **env: str) -> ServerProcess:
        key = (args, tuple(sorted(env.items())))
        server = running.get(key)
        if server is None or not server.alive():
            if server is not None:
                server.stop()
            server = running[key] = start_server(env, args=args)
        return server

    yield get
    for server in running.values():
        server.stop()


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory) -> Path:
    """The sample department's unit workbooks (demo.generate), the files a department receives."""
    from xlmon import demo

    folder = tmp_path_factory.mktemp("demo")
    demo.generate(folder)
    return folder
