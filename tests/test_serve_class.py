"""scripts/serve-class (python -m serve): its command line, the balancer's configuration, its processes (a
dead worker restarted, nothing left behind after Ctrl-C or after the supervisor itself is killed), and a
class through it: 40 students on loopback with two workers, one killed halfway (the `load` marker); the
same across two hosts made as network namespaces.

HAProxy comes from Debian's packages; `scripts/serve-class --setup-only` installs it where it is missing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from bench.harness.app_server import free_port
from bench.harness.class_server import ClassServer, children, command_line, serve_class
from serve.__main__ import main
from serve.balancer import COOKIE, Backend, haproxy_config, parse_backend
from tests.conftest import ROOT

if TYPE_CHECKING:  # the hall client imports Streamlit: only where a class runs
    from bench.harness.hall_client import HallRun

slow = pytest.mark.slow
load = pytest.mark.load


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout_s:.0f} s: {what}"
        time.sleep(0.2)


def _says(log: Path, text: str) -> Callable[[], bool]:
    return lambda: text in log.read_text(errors="replace")


@pytest.fixture(scope="module")
def haproxy() -> str:
    """HAProxy's path, installed by serve-class's own set-up step if it is missing."""
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
    if not found:
        done = subprocess.run([str(ROOT / "scripts" / "serve-class"), "--setup-only"], capture_output=True, text=True)
        found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
        assert found, f"scripts/serve-class --setup-only did not install HAProxy:\n{done.stdout}\n{done.stderr}"
    return found


# ------------------------------------------------------------------------------------------ command line
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.2:8501", ("10.0.0.2", 8501)),
        ("lab-3.local:8601", ("lab-3.local", 8601)),
        ("[fd00::2]:80", ("fd00::2", 80)),
    ],
)
def test_a_backend_is_host_and_port(text: str, expected: tuple[str, int]) -> None:
    assert parse_backend(text) == expected


@pytest.mark.parametrize("text", ["10.0.0.2", ":8501", "host:", "host:0", "host:65536", "host:80a"])
def test_a_backend_without_a_usable_port_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected host:port"):
        parse_backend(text)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "0"], "at least one worker is needed"),
        (["--backend", "10.0.0.2"], "--backend: expected host:port, got '10.0.0.2'"),
        (["--no-balancer", "--backend", "10.0.0.2:8501"], "--no-balancer runs local workers only"),
    ],
)
def test_the_command_line_refuses_a_class_it_cannot_serve(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_the_balancer_sends_each_student_back_to_its_worker_and_checks_their_health() -> None:
    config = haproxy_config([Backend("w1", "127.0.0.1", 9001), Backend("h1", "10.0.0.2", 8501)], "127.0.0.1", 8501)
    assert "    bind 127.0.0.1:8501\n" in config
    assert f"    cookie {COOKIE} insert indirect nocache httponly" in config
    assert "    server w1 127.0.0.1:9001 cookie w1\n" in config
    assert "    server h1 10.0.0.2:8501 cookie h1\n" in config
    assert "    http-check send meth GET uri /_stcore/health\n" in config
    assert "    option redispatch\n" in config
    assert "\n    log " not in config and "option httplog" not in config  # links carry cases: no request log


@slow
def test_haproxy_accepts_the_configuration(haproxy: str, tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    backends = [Backend("w1", "127.0.0.1", 9001), Backend("w2", "127.0.0.1", 9002), Backend("h1", "10.0.0.2", 8501)]
    path.write_text(haproxy_config(backends, "0.0.0.0", 8501), encoding="utf-8")
    done = subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration file is valid" in done.stdout


# --------------------------------------------------------------------------------------------- processes
@pytest.fixture
def two_workers(haproxy: str, tmp_path: Path) -> Iterator[ClassServer]:
    with serve_class(tmp_path, workers=2) as server:
        yield server


@slow
def test_a_killed_worker_is_started_again_on_its_port(two_workers: ClassServer) -> None:
    first, second = two_workers.workers()
    os.kill(first.pid, signal.SIGKILL)
    _wait(
        lambda: (
            [w.port for w in two_workers.workers()] == [first.port, second.port]
            and first.pid not in [w.pid for w in two_workers.workers()]
        ),
        30,
        "a new worker on the killed one's port",
    )
    name = two_workers.names()[first.port]
    assert f"{name} ended (exit code -9); starting it again" in two_workers.log.read_text()
    _wait(lambda: _shows_the_class_case(f"http://127.0.0.1:{first.port}"), 60, "the restarted worker serving")


def _shows_the_class_case(url: str) -> bool:
    from bench.harness.hall_client import first_visit

    try:
        update, _ = first_visit(url, 3)
    except (OSError, httpx.HTTPError):
        return False
    return update.group == "Favorable" and not update.errors


@slow
def test_ctrl_c_stops_every_process_serve_class_started(haproxy: str, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve-class.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "serve", "--workers", "2", "--port", str(port)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: b"riskcalc for a class at" in log.read_bytes(), 120, "serve-class ready")
        started = children(process.pid)
        assert len(started) == 3  # two workers and the balancer
        assert sum("haproxy" in " ".join(command_line(pid)) for pid in started) == 1
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    _wait(lambda: not any(_alive(pid) for pid in started), 10, "every child gone")
    assert log.read_text().rstrip().endswith("stopped")


@slow
def test_killing_the_supervisor_itself_leaves_no_worker_serving(haproxy: str, tmp_path: Path) -> None:
    """Even SIGKILL, which no handler sees: each child asked the kernel to end it with its parent."""
    with serve_class(tmp_path, workers=1) as server:
        started = children(server.process.pid)
        server.process.kill()
        server.process.wait()
        _wait(lambda: not any(_alive(pid) for pid in started), 20, "every child gone after its parent")


@slow
def test_lan_prints_the_address_and_its_qr_code(haproxy: str, tmp_path: Path) -> None:
    import io

    import segno

    with serve_class(tmp_path, workers=1, extra=["--lan"]) as server:
        port = server.base_url.rsplit(":", 1)[1]
        printed = server.log.read_text()
    first = printed.splitlines()[0]
    url = first.split(" at ", 1)[1].split()[0]
    assert url.startswith("http://") and url.endswith(f":{port}") and "127.0.0.1" not in url
    expected = io.StringIO()
    segno.make(url, error="m", micro=False).terminal(out=expected, compact=True, border=2)
    assert expected.getvalue() in printed


# --------------------------------------------------------------------------------------------- a class
def _kill_the_busiest_worker(server: ClassServer, hall: HallRun, after_s: float, killed: list[str]) -> threading.Thread:
    """After `after_s`, SIGKILL the worker that the most students were sent to (so that students lose it)."""

    def kill() -> None:
        time.sleep(after_s)
        ports = {name: port for port, name in server.names().items()}
        name = max(ports, key=lambda worker: hall.workers_seen.get(worker, 0))
        victim = next(worker for worker in server.workers() if worker.port == ports[name])
        killed.append(name)
        os.kill(victim.pid, signal.SIGKILL)

    thread = threading.Thread(target=kill)
    thread.start()
    return thread


@load
def test_40_students_two_workers_one_killed_halfway_see_only_right_groups(haproxy: str, tmp_path: Path) -> None:
    from bench.harness.hall_client import HallRun, run_hall, warm_up

    with serve_class(tmp_path, workers=2) as server:
        for worker in server.workers():
            assert warm_up(f"http://127.0.0.1:{worker.port}") == []
        killed: list[str] = []
        hall = HallRun(40)
        killer = _kill_the_busiest_worker(server, hall, after_s=25, killed=killed)
        run_hall(server.base_url, clients=40, arrival_s=10, seconds=40, think_s=(2.0, 4.0), hall=hall)
        killer.join()
        _wait(lambda: len(server.workers()) == 2, 30, "the killed worker started again")
        log = server.log.read_text()
    print(
        f"\n40 students, 2 workers, {killed[0]} killed: {len(hall.updates)} updates, {len(hall.reconnect_s)} "
        f"reconnected (longest {max(hall.reconnect_s, default=0):.1f} s), students per worker {hall.workers_seen}"
    )
    assert f"{killed[0]} ended (exit code -9); starting it again" in log
    assert hall.wrong_groups == []
    assert hall.problems == []
    assert len(hall.page_ready) == 40
    # Every student of the killed worker (all had arrived, none had left) lost its connection once and was
    # shown its case again (a wrong group or address after reconnecting would be in the lists above); the
    # other worker's students never noticed.
    assert len(hall.reconnect_s) == hall.workers_seen[killed[0]] > 0
    assert len(hall.updates) >= 40 * 5


@load
def test_the_hall_client_notices_a_wrong_group(haproxy: str, tmp_path: Path) -> None:
    """The checker is not blind: told that riskcalc gives "no group" for every case, each page is wrong."""
    from bench.harness.hall_client import run_hall

    with serve_class(tmp_path, workers=1) as server:
        hall = run_hall(
            server.base_url, clients=2, arrival_s=0, seconds=4, think_s=(1, 1.5), expect=lambda _: "no group"
        )
    assert hall.problems == []
    assert len(hall.wrong_groups) == 2 + len(hall.updates)
    assert hall.wrong_groups[0].endswith("first page: page showed favorable, riskcalc gives no group")


# ------------------------------------------------------------------------------ two hosts (namespaces)
def _ip(*args: str, namespace: str | None = None) -> None:
    command = ["ip", *args] if namespace is None else ["ip", "netns", "exec", namespace, "ip", *args]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command)}: {done.stderr.strip()}"


@pytest.fixture
def two_hosts() -> Iterator[list[tuple[str, str]]]:
    """Two hosts on this machine, each a network namespace joined to this one by a virtual cable:
    [(namespace, its address)]. This machine is the lecturer's, with the balancer."""
    tag = uuid.uuid4().hex[:6]
    hosts: list[tuple[str, str]] = []
    try:
        for number in (1, 2):
            namespace, subnet = f"rc{tag}h{number}", f"10.{200 + number}.{int(tag[:2], 16)}"
            _ip("netns", "add", namespace)
            hosts.append((namespace, f"{subnet}.2"))
            outside, inside = f"rc{tag}o{number}", f"rc{tag}i{number}"
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", namespace)
            _ip("addr", "add", f"{subnet}.1/24", "dev", outside)
            _ip("link", "set", outside, "up")
            _ip("addr", "add", f"{subnet}.2/24", "dev", inside, namespace=namespace)
            _ip("link", "set", inside, "up", namespace=namespace)
            _ip("link", "set", "lo", "up", namespace=namespace)
            _ip("route", "add", "default", "via", f"{subnet}.1", namespace=namespace)  # as a host on a LAN has
        yield hosts
    finally:
        for namespace, _ in hosts:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)  # its end of the cable goes too


@load
def test_a_class_across_two_hosts_survives_one_hosts_worker_dying(
    haproxy: str, two_hosts: list[tuple[str, str]], tmp_path: Path
) -> None:
    from bench.harness.hall_client import run_hall, warm_up

    hosts: list[subprocess.Popen[bytes]] = []
    try:
        for number, (namespace, _) in enumerate(two_hosts, 1):
            with (tmp_path / f"host{number}.log").open("wb") as output:
                command = ["ip", "netns", "exec", namespace, sys.executable, "-m", "serve", "--no-balancer", "--lan"]
                command += ["--workers", "1", "--port", "8501"]
                hosts.append(subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT))
        for number, (_, address) in enumerate(two_hosts, 1):
            log = tmp_path / f"host{number}.log"
            _wait(_says(log, "--backend"), 120, f"host {number}'s worker ready")
            assert f"--backend {address}:8501" in log.read_text()
            assert warm_up(f"http://{address}:8501") == []
        backends = [argument for _, address in two_hosts for argument in ("--backend", f"{address}:8501")]
        with serve_class(tmp_path, workers=0, extra=backends) as balancer:
            assert balancer.workers() == []  # the lecturer's machine runs only the balancer

            def kill_host_ones_worker() -> None:
                time.sleep(20)
                worker = next(pid for pid in children(hosts[0].pid) if "streamlit" in command_line(pid))
                os.kill(worker, signal.SIGKILL)

            killer = threading.Thread(target=kill_host_ones_worker)
            killer.start()
            hall = run_hall(balancer.base_url, clients=20, arrival_s=5, seconds=35, think_s=(2.0, 4.0))
            killer.join()
        print(
            f"\n20 students on two hosts, one worker killed: {len(hall.updates)} updates, {len(hall.reconnect_s)} reconnected"
        )
        assert hall.wrong_groups == []
        assert hall.problems == []
        assert sorted(hall.workers_seen) == ["h1", "h2"]
        assert 1 <= len(hall.reconnect_s) <= hall.workers_seen["h1"]
        assert "ended (exit code -9); starting it again" in (tmp_path / "host1.log").read_text()
    finally:
        for host in hosts:
            host.send_signal(signal.SIGINT)
        for host in hosts:
            try:
                host.wait(timeout=30)
            except subprocess.TimeoutExpired:
                host.kill()
                host.wait()
