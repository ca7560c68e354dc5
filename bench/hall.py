"""A lecture hall on loopback: 200 students through scripts/serve-class, with 1 worker and with N workers.

    .venv/bin/python bench/hall.py                # the full hall: 200 students, 2-minute lectures (~13 min)
    .venv/bin/python bench/hall.py --short        # 200 students, 30-second lectures (~8 min)
    .venv/bin/python bench/hall.py --workers 2 --clients 100 --seconds 60 --json hall.json

For each number of workers, serve-class is started on a free loopback port (HAProxy in front, as in a real
class), each worker is warmed by one visit (as the lecturer's own look at the page does), and then two
lectures are held: the students (bench/harness/hall_client.py) open the class link at random moments within
`--arrival` seconds, each changes an input every 5-10 s for `--seconds`, checking every group against
riskcalc.assess and its case in the page's address, and leaves (closes its connection). Between the two,
the bench waits for the workers to drop the gone students' sessions (serve-class --session-ttl, 30 s here
so that the wait is short), so that the second lecture shows whether memory comes back.

Printed: page-ready (link requested -> first page finished) and update (input sent -> page finished)
p50/p95/max, errors, wrong groups and lost connections; each worker's RSS and open sessions over the run;
the CPU time of the workers, the balancer and the students' own process. A benchmark measures and prints;
it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness.class_server import ClassServer, active_sessions, children, command_line, rss_mb, serve_class  # noqa: E402
from bench.harness.hall_client import HallRun, first_visit, quantiles, run_hall, warm_up  # noqa: E402

TARGETS = {"update_p95_s": 1.0, "page_ready_p95_s": 5.0}
SAMPLE_S = 2.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


class Sampler(threading.Thread):
    """Every SAMPLE_S: each worker's RSS (MB) and open sessions, with a label for the phase of the run."""

    def __init__(self, server: ClassServer) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.phase = "idle"
        self.samples: list[dict[str, Any]] = []
        self.done = threading.Event()

    def run(self) -> None:
        began = time.monotonic()
        while not self.done.is_set():
            workers = [
                {"rss_mb": rss_mb(worker.pid), "sessions": active_sessions(worker.port)}
                for worker in self.server.workers()
            ]
            self.samples.append({"t": round(time.monotonic() - began, 1), "phase": self.phase, "workers": workers})
            self.done.wait(SAMPLE_S)

    def per_phase(self) -> dict[str, list[dict[str, float]]]:
        """For each phase, each worker's largest RSS and sessions, and its RSS at the phase's end."""
        out: dict[str, list[dict[str, float]]] = {}
        for phase in dict.fromkeys(sample["phase"] for sample in self.samples):
            rows = [sample["workers"] for sample in self.samples if sample["phase"] == phase]
            count = min(len(row) for row in rows)
            out[phase] = [
                {
                    "rss_max_mb": max(row[i]["rss_mb"] or 0.0 for row in rows),
                    "rss_end_mb": rows[-1][i]["rss_mb"] or 0.0,
                    "sessions_max": max(row[i]["sessions"] or 0 for row in rows),
                    "sessions_end": rows[-1][i]["sessions"] or 0,
                }
                for i in range(count)
            ]
        return out


def summary(hall: HallRun) -> dict[str, Any]:
    return {
        "clients": hall.clients,
        "page_ready_s": quantiles(hall.page_ready),
        "page_files_s": quantiles(hall.page_files),
        "update_s": quantiles(hall.updates),
        "errors": len(hall.problems),
        "wrong_groups": len(hall.wrong_groups),
        "lost_connections": len(hall.reconnect_s),
        "students_per_worker": dict(sorted(hall.workers_seen.items())),
        "first_problems": (hall.problems + hall.wrong_groups)[:5],
    }


def hold_hall(workers: int, args: argparse.Namespace, logs: Path) -> dict[str, Any]:
    with serve_class(logs, workers, session_ttl_s=args.session_ttl) as server:
        problems = [problem for worker in server.workers() for problem in warm_up(f"http://127.0.0.1:{worker.port}")]
        # The lecturer's own first look: every file the page loads, which the balancer then keeps; a second
        # visit shows what they cost once kept.
        files_first_s = first_visit(server.base_url)[1]
        files_kept_s = first_visit(server.base_url, 1)[1]
        sampler = Sampler(server)
        sampler.start()
        time.sleep(SAMPLE_S / 2)  # one sample of the idle workers
        pids = {"workers": [worker.pid for worker in server.workers()]}
        pids["balancer"] = [pid for pid in children(server.process.pid) if "haproxy" in " ".join(command_line(pid))]
        cpu_before = {name: sum(cpu_seconds(pid) for pid in group) for name, group in pids.items()}
        students_before = resource.getrusage(resource.RUSAGE_SELF)
        lectures = []
        for number in (1, 2):
            sampler.phase = f"lecture {number}"
            began = time.monotonic()
            hall = run_hall(server.base_url, args.clients, args.arrival, args.seconds, (args.think_min, args.think_max))
            lecture = summary(hall) | {"wall_s": time.monotonic() - began}
            lectures.append(lecture)
            print(f"  {workers} worker(s), lecture {number}: {line(lecture)}", flush=True)
            if number == 1:
                sampler.phase = "after lecture 1: sessions dropped"
                time.sleep(args.session_ttl + 3 * SAMPLE_S)  # the students closed their connections: the TTL runs
        sampler.phase = "end"
        time.sleep(SAMPLE_S * 1.5)
        students_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = {name: sum(cpu_seconds(pid) for pid in group) - cpu_before[name] for name, group in pids.items()}
        cpu["students (this process)"] = (
            students_after.ru_utime + students_after.ru_stime - students_before.ru_utime - students_before.ru_stime
        )
        sampler.done.set()
        sampler.join()
    return {
        "workers": workers,
        "warm_up_problems": problems,
        "page_files_first_visit_s": {"from the workers": files_first_s, "kept by the balancer": files_kept_s},
        "lectures": lectures,
        "memory": sampler.per_phase(),
        "cpu_s": cpu,
        "samples": sampler.samples,
    }


def ms(value: float) -> str:
    return f"{value * 1e3:.0f}"


def line(lecture: dict[str, Any]) -> str:
    ready, files, update = lecture["page_ready_s"], lecture["page_files_s"], lecture["update_s"]
    return (
        f"page-ready p50/p95/max {ms(ready['p50'])}/{ms(ready['p95'])}/{ms(ready['max'])} ms "
        f"(HTTP files p50 {ms(files['p50'])} ms); {update['n']} updates p50/p95/max "
        f"{ms(update['p50'])}/{ms(update['p95'])}/{ms(update['max'])} ms; {lecture['errors']} errors, "
        f"{lecture['wrong_groups']} wrong groups, {lecture['lost_connections']} lost connections; "
        f"students per worker {lecture['students_per_worker']}"
    )


def report(result: dict[str, Any]) -> None:
    workers = result["workers"]
    print(f"\n{workers} worker(s)")
    files = result["page_files_first_visit_s"]
    print(
        f"  one visitor's page files (HTML, 60 scripts and styles, 2.3 MB): {files['from the workers'] * 1e3:.0f} ms "
        f"from the workers, {files['kept by the balancer'] * 1e3:.0f} ms once kept by the balancer"
    )
    for number, lecture in enumerate(result["lectures"], 1):
        print(f"  lecture {number}: {line(lecture)}")
        for problem in lecture["first_problems"]:
            print(f"    {problem}")
    print("  memory per worker (RSS max / at the end of the phase, MB; open sessions max / at the end):")
    for phase, rows in result["memory"].items():
        cells = "; ".join(
            f"w{i + 1} {r['rss_max_mb']:.0f}/{r['rss_end_mb']:.0f} MB, {r['sessions_max']}/{r['sessions_end']} sessions"
            for i, r in enumerate(rows)
        )
        print(f"    {phase:<36} {cells}")
    cpu = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in result["cpu_s"].items())
    print(f"  CPU time over both lectures: {cpu}")
    last = result["lectures"][0]
    verdicts = [
        f"update p95 {last['update_s']['p95']:.2f} s (target <= {TARGETS['update_p95_s']:g} s)",
        f"page-ready p95 {last['page_ready_s']['p95']:.2f} s (target <= {TARGETS['page_ready_p95_s']:g} s)",
        f"errors {last['errors']}, wrong groups {last['wrong_groups']} (target 0)",
    ]
    print("  lecture 1 against the targets: " + "; ".join(verdicts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="30-second lectures (arrivals still within 30 s)")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--arrival", type=float, help="seconds within which every student opens the link (30)")
    parser.add_argument("--seconds", type=float, help="how long each student changes inputs (120)")
    parser.add_argument("--think-min", type=float, default=5.0)
    parser.add_argument("--think-max", type=float, default=10.0)
    parser.add_argument("--workers", type=int, action="append", help="worker counts to run (default: 1 and cores)")
    parser.add_argument("--session-ttl", type=int, default=30, help="serve-class --session-ttl for the run")
    parser.add_argument("--json", metavar="FILE", help="also write every figure and sample as JSON")
    args = parser.parse_args()
    args.arrival = args.arrival or 30.0
    args.seconds = args.seconds or (30.0 if args.short else 120.0)
    cores = os.cpu_count() or 1
    counts = args.workers or sorted({1, cores})

    print(
        f"a hall of {args.clients} students: arrivals within {args.arrival:g} s, changes every "
        f"{args.think_min:g}-{args.think_max:g} s for {args.seconds:g} s; workers {counts}; {cores} cores, "
        f"load average {os.getloadavg()[0]:.2f} at the start",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="riskcalc-hall-") as logs:
        for workers in counts:
            results.append(hold_hall(workers, args, Path(logs)))
    for result in results:
        report(result)
    print(f"\n(load average at the end {os.getloadavg()[0]:.2f}; other processes on the machine inflate every figure)")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
