"""Keeps a class's processes running: the local Streamlit workers and HAProxy in front of them.

A child that ends without being asked to (a crash, the out-of-memory killer, a `kill`) is started again on
the same port, and the balancer's health checks send its students elsewhere until it answers again. Stopping
(Ctrl-C, SIGTERM, SIGHUP) ends the balancer first, so that no student is sent to a worker being stopped, then
every worker.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from serve.balancer import Backend, haproxy_config
from serve.workers import Child, free_port, is_healthy, worker_command

POLL_S = 0.5
RESTART_PAUSE_S = 2.0  # a child that keeps dying is restarted at most this often
START_TIMEOUT_S = 90.0
LOG_TAIL_CHARS = 1500
SECRET = "STREAMLIT_SERVER_COOKIE_SECRET"


@dataclass(frozen=True)
class Plan:
    """What to run: how many local workers and where, the other hosts' workers, the balancer's address."""

    workers: int
    port: int
    bind_host: str  # the balancer's address ("127.0.0.1", or "0.0.0.0" with --lan)
    remote: Sequence[tuple[str, int]] = ()
    balancer: bool = True  # False: only workers, on port, port + 1, ..., for another host's balancer
    session_ttl_s: int = 300


class Supervisor:
    def __init__(self, plan: Plan, haproxy: str, out: TextIO = sys.stdout) -> None:
        self.plan = plan
        self.out = out
        self.stopping = False
        self.folder = Path(tempfile.mkdtemp(prefix="riskcalc-class-"))
        # One secret for every local worker, so that a student moved to another worker keeps a valid
        # upload token (Streamlit signs it with this secret); passed by environment, never on a command line.
        # Set it yourself (the same on every host) to share it with other hosts' workers.
        secret = {SECRET: os.environ.get(SECRET) or secrets.token_hex(32)}
        worker_host = "127.0.0.1" if plan.balancer else plan.bind_host
        ports = (
            [free_port() for _ in range(plan.workers)]
            if plan.balancer
            else [plan.port + i for i in range(plan.workers)]
        )
        self.workers = [
            Child(
                f"w{index + 1}",
                worker_command(port, worker_host, plan.session_ttl_s),
                self.folder / f"worker-{index + 1}.log",
                env=secret,
            )
            for index, port in enumerate(ports)
        ]
        self.worker_ports = ports
        self.backends = [Backend(f"w{index + 1}", "127.0.0.1", port) for index, port in enumerate(ports)] + [
            Backend(f"h{index + 1}", host, port) for index, (host, port) in enumerate(plan.remote)
        ]
        self.balancer: Child | None = None
        if plan.balancer:
            config = self.folder / "haproxy.cfg"
            config.write_text(haproxy_config(self.backends, plan.bind_host, plan.port), encoding="utf-8")
            # -db: stay in the foreground, as a child of this process.
            self.balancer = Child("balancer", [haproxy, "-db", "-f", str(config)], self.folder / "haproxy.log")
        self._last_start: dict[str, float] = {}

    @property
    def children(self) -> list[Child]:
        return [*self.workers, *([self.balancer] if self.balancer else [])]

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def start(self) -> None:
        for child in self.children:
            self._start(child)

    def wait_until_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Until every local worker answers its health check and the balancer answers through a worker."""
        deadline = time.monotonic() + timeout_s
        host = "127.0.0.1" if self.plan.bind_host in ("0.0.0.0", "::") else self.plan.bind_host
        pending = [("127.0.0.1" if self.plan.balancer else host, port) for port in self.worker_ports]
        if self.balancer:
            pending.append((host, self.plan.port))
        while pending and not self.stopping:
            for child in self.children:
                if child.exit_code() is not None:
                    raise RuntimeError(f"{child.name} exited with {child.exit_code()}:\n{self.log_tail(child)}")
            pending = [(h, p) for h, p in pending if not is_healthy(h, p)]
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not healthy after {timeout_s:.0f} s: {pending}")
            if pending:
                time.sleep(0.3)

    def watch(self, until: Callable[[], bool] = lambda: False) -> None:
        """Restart every child that ended unasked, until stopped (or `until()` is true)."""
        while not self.stopping and not until():
            for child in self.children:
                code = child.exit_code()
                if code is None or self.stopping:
                    continue
                pause = self._last_start.get(child.name, 0.0) + RESTART_PAUSE_S - time.monotonic()
                if pause > 0:
                    continue
                self.say(f"{child.name} ended (exit code {code}); starting it again")
                tail = self.log_tail(child) if code > 0 else ""  # a signal leaves no traceback to show
                if tail:
                    print(tail, file=sys.stderr, flush=True)
                self._start(child)
            time.sleep(POLL_S)

    def stop(self) -> None:
        """The balancer first, then every worker at once; wait for all of them; remove the run's folder."""
        self.stopping = True
        if self.balancer:
            self.balancer.stop()
        for child in self.workers:
            if child.process is not None and child.process.poll() is None:
                child.process.terminate()
        for child in self.workers:
            child.stop()  # waits, and kills what did not end in time
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self, child: Child) -> str:
        try:
            return child.log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:].strip()
        except OSError:
            return ""

    def handle_signals(self) -> None:
        """Ctrl-C, SIGTERM and SIGHUP (the terminal closed) stop everything."""

        def request_stop(number: int, frame: FrameType | None) -> None:
            self.stopping = True

        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, request_stop)

    def _start(self, child: Child) -> None:
        self._last_start[child.name] = time.monotonic()
        child.start()
