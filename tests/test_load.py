"""Load and concurrency: the shared engine under 16 threads, a million assessments in one process, a class.

- 16 threads x 5,000 random patients (seeded) through the one shared engine: every result equals the same
  patient assessed alone, nothing crashes, and no durable_rules session is left behind (the used session ids
  are gone from the engine, and 1,100 further assessments, more than the 1,024 live sessions a ruleset can
  hold, still work).
- 1,000,000 assessments in one fresh process (100,000 with assess(), one session each, then 900,000 with
  assess_many() in chunks of 100; a subprocess started when this module starts, so that it runs
  on the second core while the thread test runs): RSS growth <= 20 MB after a 10,000-call warm-up, and the
  last results still equal the first. RISKCALC_LOAD_ASSESSMENTS=N runs N instead (the default is the full
  million; docs/reliability.md records the figures of a full run).
- A class, twice, against the running app over loopback for 60 s each: 30 clients speaking Streamlit's websocket
  protocol (bench/harness/streamlit_client.py; they render nothing, so the machine's two cores serve the app), and
  30 headless Chromium pages (marked `browser`; the browsers then take most of the CPU). Every client changes
  end-of-induction MRD over and over and must see the right group; no error may appear. Update times printed.

Nothing here asserts a time: timings are reported (pytest -s shows them), the benchmarks are in bench/.
The load generators (random patients, the websocket client, the server start-up) are in bench/harness/.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bench.harness.app_server import serve_app
from bench.harness.class_case import CLASS_QUERY, CLASS_STEPS, MRD_KEY, MRD_LABEL
from bench.harness.patients import random_patient
from riskcalc import Patient, assess
from riskcalc.api import get_engine

# Minutes of load: run by the full suite (and CI), left out of ./scripts/run-tests --quick.
pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parent.parent
COMPARED = {"group", "possible_groups", "pending", "fired_rules"}
THREADS, PER_THREAD = 16, 5_000
MILLION = int(os.environ.get("RISKCALC_LOAD_ASSESSMENTS", "1000000"))
RSS_GROWTH_LIMIT_KB = 20 * 1024


def summary(patient: Patient) -> dict[str, Any]:
    return assess(patient).model_dump(include=COMPARED)


# ------------------------------------------------------------------------ the million, in its own process
MILLION_SCRIPT = r"""
import gc, json, random, sys, time
sys.path.insert(0, ".")
from riskcalc import assess, assess_many
from bench.harness.patients import random_patient

def rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

total = int(sys.argv[1])
rng = random.Random(1_000_000)
pool = [random_patient(rng, complete_share=0.9) for _ in range(1000)]  # mostly complete: the common, cheap case
first = [assess(p).model_dump(include={"group", "possible_groups", "pending", "fired_rules"}) for p in pool]
for i in range(10_000):
    assess(pool[i % len(pool)])
gc.collect()
before = rss_kb()
checkpoints = []
start = time.perf_counter()
# The first 100,000 one at a time with assess() (one engine session each, as the app does); the rest in chunks
# of 100 with assess_many() (as batch files do), so the million fits in a few minutes on two cores.
single = min(total, 100_000)
step = max(total // 10, 1)
done = 0
while done < total:
    if done < single:
        assess(pool[done % len(pool)])
        done += 1
    else:
        size = min(100, total - done)
        assess_many([pool[(done + k) % len(pool)] for k in range(size)])
        done += size
    if done % step == 0:
        checkpoints.append(rss_kb())
seconds = time.perf_counter() - start
gc.collect()
after = rss_kb()
last = [assess(p).model_dump(include={"group", "possible_groups", "pending", "fired_rules"}) for p in pool]
print(json.dumps({"assessments": total, "seconds": seconds, "rss_before_kb": before, "rss_after_kb": after,
                  "rss_checkpoints_kb": checkpoints, "same_results": first == last}))
"""


@pytest.fixture(scope="module", autouse=True)
def million_process(request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[str] | None]:
    """Starts the million-assessment process with the module (when its test is selected), so that it runs
    alongside the other tests here; the test at the end of the module collects its result."""
    selected = any(item.name == "test_a_million_assessments_in_one_process" for item in request.session.items)
    if not selected:
        yield None
        return
    process = subprocess.Popen(
        [sys.executable, "-c", MILLION_SCRIPT, str(MILLION)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


# ----------------------------------------------------------------------------------------------- threads
def test_16_threads_agree_with_each_patient_alone_and_leave_no_sessions() -> None:
    rngs = [random.Random(1000 + t) for t in range(THREADS)]
    batches = [[random_patient(rngs[t]) for _ in range(PER_THREAD)] for t in range(THREADS)]
    assert len({patient for batch in batches for patient in batch}) > 0.95 * THREADS * PER_THREAD  # all different
    engine = get_engine()
    first_sid = next(engine._sessions)
    alone = [[summary(patient) for patient in batch] for batch in batches]
    groups = {row["group"] for batch in alone for row in batch}
    assert groups == {"favorable", "standard", "high"}  # the sample reaches every group
    assert any(row["pending"] for batch in alone for row in batch)  # and pending cases

    barrier = threading.Barrier(THREADS)

    def run(batch: list[Patient]) -> list[dict[str, Any]]:
        barrier.wait()  # all 16 start together
        return [summary(patient) for patient in batch]

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        together = list(pool.map(run, batches))
    seconds = time.perf_counter() - start
    last_sid = next(engine._sessions)

    for t in range(THREADS):
        mismatches = [i for i in range(PER_THREAD) if together[t][i] != alone[t][i]]
        assert not mismatches, f"thread {t}: {len(mismatches)} results differ, first {batches[t][mismatches[0]]!r}"
    assert last_sid - first_sid >= 2 * THREADS * PER_THREAD  # one session per assessment

    # No session is left: every used session id is gone from durable_rules ...
    for sid in (first_sid + 1, (first_sid + last_sid) // 2, last_sid - 1):
        with pytest.raises(Exception, match="309"):  # ERR_SID_NOT_FOUND
            engine._host.get_state(engine._ruleset, str(sid))
    # ... and more assessments than a ruleset's 1,024 live sessions still work.
    rng = random.Random(1100)
    for _ in range(1100):
        assert assess(random_patient(rng)).group
    print(
        f"\n16 threads x {PER_THREAD}: {THREADS * PER_THREAD} assessments in {seconds:.1f} s "
        f"({THREADS * PER_THREAD / seconds:.0f}/s), all equal to the sequential results"
    )


def test_what_if_from_threads_matches_sequential() -> None:
    """what_if() (a validated copy, then assess) from 8 threads on shared base patients."""
    rng = random.Random(8)
    bases = [random_patient(rng, complete_share=1.0) for _ in range(50)]
    changes = [{"mrd_eoi_percent": 0.05}, {"cns_status": "CNS3"}, {"genetics": ["b_other"]}, {"wbc_10e9_per_l": 60.0}]
    from riskcalc import what_if

    expected = [[what_if(base, **change).model_dump(include=COMPARED) for change in changes] for base in bases]

    def run(_: int) -> list[list[dict[str, Any]]]:
        return [[what_if(base, **change).model_dump(include=COMPARED) for change in changes] for base in bases]

    with ThreadPoolExecutor(max_workers=8) as pool:
        for result in pool.map(run, range(8)):
            assert result == expected


def test_the_rulebook_memos_stay_bounded_and_correct(monkeypatch: pytest.MonkeyPatch) -> None:
    """signals() and decide() memoise; past the limit a memo starts afresh, and the answers never change."""
    from riskcalc import rulebook as rulebook_module
    from riskcalc.api import get_rulebook

    rng = random.Random(11)
    patients = [random_patient(rng) for _ in range(300)]
    expected = [summary(patient) for patient in patients]
    book = get_rulebook()
    monkeypatch.setattr(rulebook_module, "_MEMO_LIMIT", 8)
    book._signals_of.clear()
    book._decisions.clear()
    assert [summary(patient) for patient in patients] == expected
    assert 0 < len(book._signals_of) <= 8 and 0 < len(book._decisions) <= 8


# ------------------------------------------------------------------------------------------- the million
def test_a_million_assessments_in_one_process(million_process: subprocess.Popen[str] | None) -> None:
    assert million_process is not None
    out, err = million_process.communicate(timeout=1800)
    assert million_process.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    growth = result["rss_after_kb"] - result["rss_before_kb"]
    peak_growth = max(result["rss_checkpoints_kb"] + [result["rss_after_kb"]]) - result["rss_before_kb"]
    print(
        f"\n{result['assessments']:,} assessments in {result['seconds']:.0f} s "
        f"({result['assessments'] / result['seconds']:.0f}/s); RSS {result['rss_before_kb'] / 1024:.1f} MB -> "
        f"{result['rss_after_kb'] / 1024:.1f} MB (growth {growth / 1024:+.2f} MB, largest {peak_growth / 1024:+.2f} MB); "
        f"checkpoints (MB): {[round(kb / 1024, 1) for kb in result['rss_checkpoints_kb']]}"
    )
    assert result["assessments"] == MILLION
    assert result["same_results"]
    assert "MemoryError" not in err
    assert peak_growth <= RSS_GROWTH_LIMIT_KB


# ------------------------------------------------------------------------------------------------ a class
CLIENTS, CLASS_SECONDS = 30, 60
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
LINK = "/?" + CLASS_QUERY
STEPS = tuple((value, f"Risk group: {group}") for value, group in CLASS_STEPS)
SHOWS = """expected => [...document.querySelectorAll('.rc-badge')].some(b => b.textContent.includes(expected))"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The shared server helper: free loopback port, health check, log file, clean stop.
    with serve_app(tmp_path_factory.mktemp("class")) as base:
        yield base


@pytest.mark.browser
def test_a_class_of_30_clients_for_a_minute(app_url: str) -> None:
    from playwright.sync_api import sync_playwright

    from bench.harness.browser import IDLE, launch_chromium

    timings: list[float] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            pages = []
            for index in range(CLIENTS):
                page = browser.new_context().new_page()
                page.set_default_timeout(300_000)  # 30 clients share two cores with the server
                page.goto(app_url + LINK.format(age=2 + index % 8))  # each client its own complete case
                pages.append(page)
            for page in pages:
                page.wait_for_function(SHOWS, arg="Risk group: Favorable")
            # Playwright's sync API is single-threaded: each round issues the change in all 30 pages before
            # awaiting any, so the server sees 30 concurrent reruns; each client's time runs from its own
            # change to its own badge showing the new group.
            end = time.monotonic() + CLASS_SECONDS
            round_number = 0
            while time.monotonic() < end:
                value, expected = STEPS[round_number % 2]
                round_number += 1
                started = []
                for page in pages:
                    field = page.get_by_label(MRD_LABEL)
                    field.fill(value)
                    field.press("Enter")
                    started.append(time.perf_counter())
                for page, began in zip(pages, started):
                    page.wait_for_function(SHOWS, arg=expected)
                    timings.append(time.perf_counter() - began)
                for page in pages:
                    page.locator(IDLE).wait_for(state="attached")
                    if page.locator(ERRORS).count():
                        problems.append(page.locator(ERRORS).first.inner_text()[:300])
        finally:
            browser.close()
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"\na class of {CLIENTS} clients for {CLASS_SECONDS} s: {len(timings)} updates, "
        f"median {timings[len(timings) // 2] * 1e3:.0f} ms, p95 {p95 * 1e3:.0f} ms"
    )
    assert not problems, problems[:3]
    assert len(timings) >= CLIENTS


def test_the_server_skips_streamlits_full_collection_after_each_rerun() -> None:
    """A full gc.collect() after every rerun was three quarters of the server's time (docs/performance.md)."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False


def test_a_class_of_30_websocket_clients_for_a_minute(app_url: str) -> None:
    """The server a class shares: 30 clients speaking the browser's websocket protocol (no rendering, so the
    test machine's two cores go to the server), each changing MRD and checking the new group, for a minute."""
    from bench.harness.streamlit_client import run_class  # imports streamlit: only where a class runs

    queries = [CLASS_QUERY.format(age=2 + index % 8) for index in range(CLIENTS)]
    run = run_class(app_url, queries, MRD_KEY, CLASS_STEPS, CLASS_SECONDS)
    print(f"\na class of {run.summary()}")
    assert not run.problems, run.problems[:3]
    assert len(run.timings) >= 2 * CLIENTS  # every client changed its case and saw the right group, twice


def test_the_websocket_client_notices_a_wrong_group(app_url: str) -> None:
    """The class test's checker is not blind: a client told to expect the wrong group reports each update."""
    from bench.harness.streamlit_client import run_class  # imports streamlit: only where a class runs

    wrong = tuple((value, "Standard") for value, _ in CLASS_STEPS)
    run = run_class(app_url, [CLASS_QUERY.format(age=4)], MRD_KEY, wrong, seconds=1.0)
    assert run.timings and len(run.problems) == len(run.timings)
    assert run.problems[0].endswith(f"set {MRD_KEY}=0.05, page showed High (FINISHED_SUCCESSFULLY)")
