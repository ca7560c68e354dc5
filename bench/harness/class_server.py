"""`scripts/serve-class` (python -m serve) as a subprocess on a free loopback port, for bench/hall.py and
tests/test_serve_class.py: its balancer's address, its workers (process ids and ports, re-read after a
restart), each worker's RSS and open sessions, and a clean stop that leaves no process behind."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.harness.app_server import ROOT, free_port, stop
from serve.workers import die_with_parent

START_TIMEOUT_S = 120.0
SERVER = re.compile(r"^    server (\S+) 127\.0\.0\.1:(\d+) ", re.MULTILINE)
ACTIVE_SESSIONS = re.compile(r"^active_sessions(?:\{[^}]*\})? (\d+)", re.MULTILINE)


@dataclass(frozen=True)
class Worker:
    pid: int
    port: int


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def active_sessions(port: int) -> int | None:
    """The worker's open sessions, from Streamlit's own metrics endpoint."""
    url = f"http://127.0.0.1:{port}/_stcore/metrics?families=active_sessions"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            found = ACTIVE_SESSIONS.search(answer.read().decode())
    except OSError:
        return None
    return int(found.group(1)) if found else None


@dataclass
class ClassServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> list[Worker]:
        """The Streamlit workers running now, in port order."""
        found = []
        for pid in children(self.process.pid):
            arguments = command_line(pid)
            if "streamlit" in arguments and "--server.port" in arguments:
                found.append(Worker(pid, int(arguments[arguments.index("--server.port") + 1])))
        return sorted(found, key=lambda worker: worker.port)

    def names(self) -> dict[int, str]:
        """Each local worker's port -> its name in the balancer (the value of its cookie)."""
        for pid in children(self.process.pid):
            arguments = command_line(pid)
            if "-f" in arguments and "haproxy" in " ".join(arguments):
                config = Path(arguments[arguments.index("-f") + 1]).read_text()
                return {int(port): name for name, port in SERVER.findall(config)}
        return {}

    def all_processes(self) -> list[int]:
        """The supervisor and every process below it."""
        pending, seen = [self.process.pid], []
        while pending:
            pid = pending.pop()
            seen.append(pid)
            pending += children(pid)
        return seen


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            return bool(answer.read().decode().strip() == "ok")
    except OSError:
        return False


@contextmanager
def serve_class(
    log_dir: Path, workers: int, session_ttl_s: int = 300, extra: Sequence[str] = ()
) -> Iterator[ClassServer]:
    """Start serve-class with `workers` workers on a free port; yield once every worker and the balancer
    answer; stop it (SIGTERM, as Ctrl-C does) and check that its children are gone."""
    port = free_port()
    log = log_dir / f"serve-class-{port}.log"
    command = [sys.executable, "-m", "serve", "--workers", str(workers), "--port", str(port)]
    command += ["--session-ttl", str(session_ttl_s), *extra]
    with log.open("wb") as output:
        # Tied to this process's life like serve-class's own children: a bench stopped hard leaves nothing.
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
        )
    server = ClassServer(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (b"riskcalc for a class at" in log.read_bytes() and _healthy(server.base_url)):
            if process.poll() is not None:
                raise RuntimeError(f"serve-class exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve-class not ready in {START_TIMEOUT_S:.0f} s:\n{log.read_text()}")
            time.sleep(0.3)
        yield server
    finally:
        stop(process)
