"""A child process of scripts/serve-class: a Streamlit worker or the balancer, started, watched and stopped.

Children are tied to the supervisor's life: each is started with the kernel's parent-death signal set, so
that even if the supervisor itself is killed (not only stopped with Ctrl-C), no worker is left serving.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "ui" / "app.py"
STOP_GRACE_S = 10.0
_PR_SET_PDEATHSIG = 1  # prctl(2)

# How long a student's session is kept after its browser went away (tab closed, laptop lid shut, phone
# locked, Wi-Fi lost), for the browser to come back to it; then it is dropped. Streamlit's default is 120 s.
# Five minutes cover a locked phone during a stretch of lecture, so that the student's comparisons and quiz
# answers are still there; later, the tab opens a new session from its address, which carries the case.
# Streamlit keeps at most 128 such sessions per worker whatever the time, so memory stays bounded either way.
SESSION_TTL_S = 300


def die_with_parent() -> None:
    """Run in the child between fork and exec: ask the kernel for SIGTERM when the supervisor dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def worker_command(port: int, address: str, session_ttl_s: int) -> list[str]:
    """`streamlit run` of the app, as scripts/run-app runs it, on one port and address."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--server.disconnectedSessionTTL",
        str(session_ttl_s),
    ]


def is_healthy(host: str, port: int, timeout_s: float = 2.0) -> bool:
    """Does a Streamlit server answer its health check with "ok"?"""
    url_host = f"[{host}]" if ":" in host else host
    try:
        with urllib.request.urlopen(f"http://{url_host}:{port}/_stcore/health", timeout=timeout_s) as answer:
            return bool(answer.read().decode().strip() == "ok")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass
class Child:
    """One command the supervisor keeps running: its process, restarted when it ends unasked."""

    name: str
    command: Sequence[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                list(self.command),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                preexec_fn=die_with_parent,
                process_group=0,  # Ctrl-C reaches the supervisor only, which stops the children in order
            )
        self.starts += 1

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exit_code(self) -> int | None:
        """None while running; the exit code (negative: the signal) once it has ended."""
        return None if self.process is None else self.process.poll()

    def stop(self) -> None:
        """Politely (SIGTERM), then by force after STOP_GRACE_S."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
