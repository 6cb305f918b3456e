"""Speed of the add-in's 校验 through a real `xlmon serve` process, measured in one run.

Run with `make bench` (or `.venv/bin/python benchmarks/bench_server.py`). Budget (the add-in
issue): a 校验 round trip for one workbook holding 3 forms answered in under 100 ms, and 20
concurrent 校验 requests served on 2 cores without errors. The payload is what the Office.js
client sends for a demo unit's workbook; the timings include HTTP, JSON, building xlwings'
remote Book, every rule, and the returned actions.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from payloads import payload_from_file  # noqa: E402

from xlmon import demo  # noqa: E402

BUDGET_MS = 100
CONCURRENT = 20
ROUNDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "xlmon", "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/info", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("xlmon serve did not start: " + proc.stderr.read().decode(errors="replace"))


async def concurrent(url: str, payload: dict) -> tuple[list[int], float]:
    async with httpx.AsyncClient(timeout=60) as client:
        start = time.perf_counter()
        responses = await asyncio.gather(*(client.post(url, json=payload) for _ in range(CONCURRENT)))
        return [r.status_code for r in responses], time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        built = demo.build(tmp)
        path = next(p for p, u in zip(built.paths, built.department.units)
                    if u.style == "template" and len(u.projects) + bool(u.overall) >= 3)
        payload = payload_from_file(path, client="Office.js")
    forms = len(payload["sheets"])
    port = free_port()
    proc = start_server(port)
    url = f"http://127.0.0.1:{port}/xlwings/custom-scripts-call/validate"
    try:
        with httpx.Client(timeout=30) as client:
            client.post(url, json=payload).raise_for_status()  # warm-up: imports, caches
            times = []
            for _ in range(ROUNDS):
                start = time.perf_counter()
                response = client.post(url, json=payload)
                times.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
            actions = len(response.json()["actions"])
        statuses, wall = asyncio.run(concurrent(url, payload))
    finally:
        proc.terminate()
        proc.wait(10)
    median = statistics.median(times)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    ok = sum(1 for s in statuses if s == 200)
    print(f"| 校验 round trip, {forms} form sheets, {actions} actions back (median of {ROUNDS}) "
          f"| {median:.0f} ms (p95 {p95:.0f} ms) | {BUDGET_MS} ms |")
    print(f"| {CONCURRENT} concurrent 校验 requests | {ok}/{CONCURRENT} answered 200 in {wall:.2f} s | all |")
    if median > BUDGET_MS or ok != CONCURRENT:
        print("budget NOT met")


if __name__ == "__main__":
    main()
