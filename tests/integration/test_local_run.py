"""`make dev` (python -m local.run) tells the truth: it stops with a clear message when its
DynamoDB process dies, instead of serving a platform whose every data route answers 500."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

from local.stack import REPO, free_port

STARTED = "平台已启动"
START_TIMEOUT = 300  # seeding the demo world on a loaded 2-core machine


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:  # a thread that ended since the listing
            continue
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:  # a short-lived child that exited since the listing
        return ""


def test_make_dev_stops_with_a_clear_message_when_its_dynamodb_process_dies(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local.run",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "d"),
            "--site-dir",
            str(tmp_path / "site"),
            "--no-build",
            "--workers",
            "0",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        seen: list[str] = []
        while not any(STARTED in line for line in seen):
            seen.append(lines.get(timeout=START_TIMEOUT))
        assert requests.get(f"http://127.0.0.1:{port}/api/health", timeout=10).status_code == 200

        (ddb,) = [c for c in _children(proc.pid) if "local.ddb" in _cmdline(c)]
        os.kill(ddb, signal.SIGKILL)

        assert proc.wait(timeout=60) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    reader.join(10)  # every line the process wrote
    rest = "".join(seen) + "".join(lines.get() for _ in range(lines.qsize()))
    assert (
        "本地 DynamoDB 服务（local.ddb） 已意外退出（被信号 SIGKILL 终止），平台无法继续运行，已停止。"
        in rest
    )
