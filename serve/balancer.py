"""The HAProxy configuration that puts a class's Streamlit workers behind one address.

What each part is for:
- **Sticky sessions by cookie.** A Streamlit session lives in one worker's memory: its websocket, its file
  uploads and its downloads must all reach that worker. The first answer to a browser sets the cookie
  `riskcalc_worker` (the name of a worker, nothing else; it lasts until the browser closes), and every later
  request carrying it goes to the same worker.
- **Websockets.** HAProxy passes an upgraded connection through as a tunnel; `timeout tunnel` is how long an
  open websocket may stay silent. Streamlit pings every browser every 30 s, so only a vanished one goes quiet.
- **Health checks** on `/_stcore/health` every 2 s: a worker that fails three in a row is out, back after
  two good ones. A check may take up to 10 s: a worker busy with a hall arriving at once answers late, and
  must not be taken out for that (with one worker, that would turn every student away). A worker that is
  gone refuses connections at once, and its students are sent to another one on their next request
  (`redispatch`), without waiting for the checks; there the page opens again from its address, which
  carries the case.
- **The app's static files** (Streamlit's JavaScript, 2.3 MB before a first page shows, with names that change when
  their content does) are kept in HAProxy's memory after the first student fetched them, so that a hall
  arriving at once costs the Python workers only their reruns.
- **No log.** A case's link carries the case; nothing HAProxy sees is written anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COOKIE = "riskcalc_worker"
HEALTH_PATH = "/_stcore/health"
CHECK_INTERVAL_MS = 2000
CHECK_TIMEOUT_S = 10
STATIC_CACHE_MB = 64  # Streamlit's /static/ holds 26 MB in all (charts it may never need), the largest 4.7 MB
STATIC_OBJECT_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Backend:
    """One Streamlit worker the balancer sends students to, local or on another host."""

    name: str
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def parse_backend(text: str) -> tuple[str, int]:
    """`host:port` (or `[v6 address]:port`) as given on the command line."""
    host, separator, port = text.rpartition(":")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port, got {text!r}")
    return host.strip("[]"), int(port)


def haproxy_config(backends: Sequence[Backend], bind_host: str, port: int) -> str:
    """The whole configuration file: one frontend on bind_host:port, one backend with every worker."""
    if not backends:
        raise ValueError("a balancer needs at least one worker")
    servers = "\n".join(f"    server {backend.name} {backend.address} cookie {backend.name}" for backend in backends)
    bind = f"[{bind_host}]:{port}" if ":" in bind_host else f"{bind_host}:{port}"
    return f"""\
# Written by scripts/serve-class for one run; see serve/balancer.py for why each line is there.
global
    maxconn 4096
    # No `log` line: the links students open carry their cases.

defaults
    mode http
    timeout connect 2s
    timeout http-request 10s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout client-fin 5s
    option redispatch
    retries 3

cache static_files
    total-max-size {STATIC_CACHE_MB}
    max-object-size {STATIC_OBJECT_MAX_BYTES}
    max-age 86400

frontend hall
    bind {bind}
    default_backend workers

backend workers
    balance leastconn
    cookie {COOKIE} insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk
    http-check send meth GET uri {HEALTH_PATH}
    http-check expect string ok
    timeout check {CHECK_TIMEOUT_S}s
    default-server check inter {CHECK_INTERVAL_MS} fall 3 rise 2
    http-request set-var(txn.static) bool(true) if {{ path_beg /static/ }}
    http-request cache-use static_files if {{ var(txn.static) -m bool }}
    http-response cache-store static_files if {{ var(txn.static) -m bool }}
{servers}
"""
