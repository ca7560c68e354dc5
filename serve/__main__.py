"""The command line of scripts/serve-class (`python -m serve`): a class's workers and balancer, until Ctrl-C.

scripts/serve-class                         one worker per core behind HAProxy on http://127.0.0.1:8501
scripts/serve-class --lan                   the same, open to the network; prints the address and its QR code
scripts/serve-class --workers 3 --port 8600
scripts/serve-class --lan --backend 10.0.0.2:8501 --backend 10.0.0.3:8501   other hosts' workers as well
scripts/serve-class --no-balancer --lan --workers 2 --port 8501            on another host: workers only
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
from collections.abc import Sequence
from typing import TextIO

import segno

from serve.balancer import parse_backend
from serve.supervisor import Plan, Supervisor
from serve.workers import SESSION_TTL_S

DEFAULT_PORT = 8501
LOOPBACK = "127.0.0.1"
ANY = "0.0.0.0"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="serve-class",
        description="Serve the teaching app to a class: several Streamlit workers behind HAProxy.",
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="local Streamlit workers (default: one per core)"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the class's port (default 8501)")
    parser.add_argument(
        "--lan",
        action="store_true",
        help="answer the network, not only this computer; prints the address and its QR code",
    )
    parser.add_argument(
        "--backend",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="a worker on another host, started there with --no-balancer (repeat for each)",
    )
    parser.add_argument(
        "--no-balancer",
        action="store_true",
        help="only the workers, on PORT, PORT+1, ...: for the host whose balancer names them with --backend",
    )
    parser.add_argument(
        "--session-ttl",
        type=int,
        default=SESSION_TTL_S,
        metavar="SECONDS",
        help=f"how long a gone browser's session is kept for it to come back (default {SESSION_TTL_S})",
    )
    return parser


def lan_address() -> str:
    """This computer's address on the network its default route leads to (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only selects the outgoing interface
            return str(probe.getsockname()[0])
        except OSError:
            return socket.gethostbyname(socket.gethostname())


def print_qr(url: str, out: TextIO) -> None:
    """The address as a QR code drawn with text blocks, dark on light, for projecting the terminal."""
    segno.make(url, error="m", micro=False).terminal(out=out, compact=True, border=2)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = build_parser().parse_args(argv)
    try:
        remote = [parse_backend(text) for text in args.backend]
    except ValueError as error:
        print(f"serve-class: --backend: {error}", file=sys.stderr)
        return 2
    if args.workers < 0 or (args.workers == 0 and not remote):
        print("serve-class: at least one worker is needed (--workers N, or --backend HOST:PORT)", file=sys.stderr)
        return 2
    if args.no_balancer and (remote or args.workers == 0):
        print("serve-class: --no-balancer runs local workers only (--workers N, no --backend)", file=sys.stderr)
        return 2
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else "")
    if not args.no_balancer and not haproxy:
        print("serve-class: HAProxy is not installed (scripts/serve-class installs it)", file=sys.stderr)
        return 2

    plan = Plan(
        workers=args.workers,
        port=args.port,
        bind_host=ANY if args.lan else LOOPBACK,
        remote=remote,
        balancer=not args.no_balancer,
        session_ttl_s=args.session_ttl,
    )
    supervisor = Supervisor(plan, haproxy, out)
    supervisor.handle_signals()
    try:
        supervisor.start()
        supervisor.wait_until_ready()
        if supervisor.stopping:
            return 0
        host = lan_address() if args.lan else LOOPBACK
        if plan.balancer:
            url = f"http://{host}:{plan.port}"
            where = f"{plan.workers} local worker(s)" + (f" and {len(remote)} on other hosts" if remote else "")
            supervisor.say(f"riskcalc for a class at {url}  ({where} behind HAProxy; Ctrl-C stops everything)")
            if args.lan:
                supervisor.say("Students open this address, or scan:")
                print_qr(url, out)
        else:
            ports = [plan.port + index for index in range(plan.workers)]
            supervisor.say(f"{plan.workers} worker(s) for another host's balancer; Ctrl-C stops them. There, add:")
            supervisor.say("  " + " ".join(f"--backend {host}:{port}" for port in ports))
        supervisor.watch()
        return 0
    except RuntimeError as error:
        print(f"serve-class: {error}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()
        supervisor.say("stopped")


if __name__ == "__main__":
    sys.exit(main())
