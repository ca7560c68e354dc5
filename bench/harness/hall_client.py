"""Students of a lecture hall: browser-like visitors of the class link through the balancer, each changing
inputs of its own case and checking every group the page shows against `riskcalc.assess`.

A student does what a browser does on a first visit, minus the drawing: it opens the link (HTML), fetches
the page's entry script, asks the health and host-config endpoints, and opens the websocket, carrying the
balancer's cookie on every request, as a browser would. The page's other 60 files (2.3 MB in all) come from
the balancer's memory once one visitor fetched them (`first_visit` does, as the lecturer's own look at the
page) and never reach a worker; 200 students fetching them through Python's HTTP client would measure the
students' own process (in a hall, 200 devices) instead of the server, so only the first visit fetches all. Page-ready is
the time from the link's request to the first page's "script finished". Then, every `think` seconds, it
sets one of age, white count, end-of-induction MRD or testicular involvement to a new value and checks the
group on the page and the case in the page's address. If its connection is lost (its worker was killed), it
does what Streamlit's page does: waits for the health check to answer, opens a new websocket and reloads its
address; the page must show its case again, from the address alone.

Used by bench/hall.py and tests/test_serve_class.py.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.harness.streamlit_client import RECEIVE_TIMEOUT_S, STREAM, AppSession, Update
from riskcalc import Patient, assess

ASSETS = re.compile(r'(?:src|href)="\./(static/[^"]+\.(?:js|css))"')
COOKIE = "riskcalc_worker"
RECONNECT_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 60.0

# What a student may change: the Patient field, the widget's key, the values it may set. MRD is a text box
# (the value as typed); the others are a number box (float) and a checkbox (bool).
CHOICES: dict[str, tuple[str, tuple[str | float | bool, ...]]] = {
    "age_years": ("in_age", (0.5, 4.0, 7.0, 12.0, 16.0)),
    "wbc_10e9_per_l": ("in_wbc", (5.0, 12.0, 49.0, 60.0)),
    "mrd_eoi_percent": ("in_mrd_eoi_percent", ("0", "0.005", "0.05", "1")),
    "testicular_involvement": ("in_testis", (False, True)),
}

Case = dict[str, Any]


def first_case(index: int) -> Case:
    """Student `index`'s case as its link gives it: bench/harness/class_case.py's class case, its own age."""
    return {
        "age_years": float(2 + index % 8),
        "wbc_10e9_per_l": 12.0,
        "genetics": ["etv6_runx1"],
        "cns_status": "CNS1",
        "mrd_eoi_percent": 0.0,
        "testicular_involvement": False,
    }


def link_query(case: Case) -> str:
    fields = {name: value for name, value in case.items() if name != "testicular_involvement"}
    fields["genetics"] = ",".join(case["genetics"])
    for name in ("age_years", "wbc_10e9_per_l", "mrd_eoi_percent"):
        fields[name] = f"{case[name]:g}"
    if case["testicular_involvement"]:
        fields["testicular_involvement"] = "true"
    return urlencode(fields)


def case_in_address(query: str) -> Case:
    """The inputs a student changes, as the page's address gives them."""
    found = {name: values[-1] for name, values in parse_qs(query).items()}
    return {
        "age_years": float(found.get("age_years", "nan")),
        "wbc_10e9_per_l": float(found.get("wbc_10e9_per_l", "nan")),
        "mrd_eoi_percent": float(found.get("mrd_eoi_percent", "nan")),
        "testicular_involvement": found.get("testicular_involvement") == "true",
    }


def assessed_group(case: Case) -> str:
    """The group riskcalc gives the case: what the badge must say."""
    assessment = assess(Patient(**case))
    return "provisional" if assessment.provisional else assessment.group.value


@dataclass
class HallRun:
    """Everything the students saw."""

    clients: int
    page_ready: list[float] = field(default_factory=list)
    page_files: list[float] = field(default_factory=list)  # the part of page-ready spent on HTTP requests
    updates: list[float] = field(default_factory=list)
    reconnect_s: list[float] = field(default_factory=list)  # lost connection -> the case shown again
    problems: list[str] = field(default_factory=list)  # errors: failures, error elements, bad reruns
    wrong_groups: list[str] = field(default_factory=list)
    workers_seen: dict[str, int] = field(default_factory=dict)  # balancer cookie -> students first sent there

    def add(self, **lists: list[Any]) -> None:
        for name, values in lists.items():
            getattr(self, name).extend(values)


def quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        "max": ordered[-1],
    }


class Student:
    """One student's tab: its own cookies, its own websocket, its own case."""

    def __init__(
        self, base_url: str, index: int, expect: Callable[[Case], str] = assessed_group, all_files: bool = False
    ) -> None:
        self.base_url = base_url
        self.all_files = all_files  # every file the page loads first, or only its entry script (see below)
        self.index = index
        self.expect = expect
        self.rng = random.Random(1000 + index)
        self.case = first_case(index)  # the case as last confirmed by the page
        self._http: httpx.AsyncClient | None = None  # made when the student arrives (13 ms of CPU each)
        self.socket: ClientConnection | None = None
        self.page = Page(query=link_query(self.case))
        self.problems: list[str] = []
        self.wrong: list[str] = []
        self.files_s = 0.0

    # ------------------------------------------------------------------------------------------- visiting
    @property
    def http(self) -> httpx.AsyncClient:
        """The student's browser: its own cookies. Plain HTTP, so no TLS context and no proxy."""
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.base_url, timeout=HTTP_TIMEOUT_S, verify=False, trust_env=False
            )
        return self._http

    async def _get(self, path: str) -> bytes:
        answer = await self.http.get(path)
        answer.raise_for_status()
        return answer.content

    def worker(self) -> str:
        return str(self.http.cookies.get(COOKIE, ""))

    async def open(self, first_visit: bool) -> Update:
        """A first visit (the page and its files) or a reconnect (the health check), then the websocket
        and the page's first run of its address."""
        began = time.perf_counter()
        if first_visit:
            page = (await self._get(f"/?{self.page.query}")).decode()
            assets = ASSETS.findall(page)
            for asset in assets if self.all_files else assets[:1]:
                await self._get(f"/{asset}")
            await self._get("/_stcore/host-config")
        await self._get("/_stcore/health")
        self.files_s = time.perf_counter() - began
        cookies = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        await self.close_socket()
        self.socket = await connect(
            self.base_url.replace("http", "ws", 1) + STREAM,
            subprotocols=["streamlit"],  # type: ignore[list-item]  # a str is a Subprotocol
            additional_headers={"Cookie": cookies} if cookies else None,
            max_size=None,
            open_timeout=HTTP_TIMEOUT_S,
        )
        return await self.page.rerun(self.socket, WidgetStates())

    async def set(self, key: str, value: str | float | bool) -> Update:
        assert self.socket is not None
        return await self.page.rerun(self.socket, widget_states(self.page.widgets[key], value))

    async def close_socket(self) -> None:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None

    async def close(self) -> None:
        await self.close_socket()
        if self._http is not None:
            await self._http.aclose()

    # ------------------------------------------------------------------------------------------ checking
    def check(self, update: Update, what: str) -> None:
        self.problems += [f"student {self.index}: {what}: {error}" for error in update.errors]
        if update.status != "FINISHED_SUCCESSFULLY":
            self.problems.append(f"student {self.index}: {what}: the run ended {update.status}")
        expected = self.expect(self.case)
        shown = (update.group or "none").lower()
        if shown != expected:
            self.wrong.append(f"student {self.index}: {what}: page showed {shown}, riskcalc gives {expected}")
        address = case_in_address(self.page.query)
        wanted = {name: self.case[name] for name in address}
        if address != wanted:
            self.problems.append(f"student {self.index}: {what}: the address holds {address}, not {wanted}")

    # ------------------------------------------------------------------------------------------ the class
    async def attend(self, hall: HallRun, arrive_at: float, seconds: float, think_s: tuple[float, float]) -> None:
        timings: list[float] = []
        reconnects: list[float] = []
        ready: list[float] = []
        files: list[float] = []
        try:
            await asyncio.sleep(max(0.0, arrive_at - time.monotonic()))
            began = time.perf_counter()
            first = await self.open(first_visit=True)
            ready.append(time.perf_counter() - began)
            files.append(self.files_s)
            hall.workers_seen[self.worker()] = hall.workers_seen.get(self.worker(), 0) + 1
            self.check(first, "first page")
            end = time.monotonic() + seconds
            while True:
                pause = self.rng.uniform(*think_s)
                if time.monotonic() + pause > end:
                    break
                await asyncio.sleep(pause)
                name = self.rng.choice(list(CHOICES))
                key, values = CHOICES[name]
                value = self.rng.choice([v for v in values if v != self._shown(name)])
                changed = float(value) if isinstance(value, str) else value
                try:
                    update = await self.set(key, value)
                except (ConnectionClosed, OSError, TimeoutError):
                    reconnects.append(await self.reconnect(name, changed))
                    continue
                self.case[name] = changed
                timings.append(update.seconds)
                self.check(update, f"set {name}={value}")
        except Exception as error:  # a student that fails is a problem to report, not a task to lose
            where = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == __file__]
            at = f" (hall_client.py line {where[-1].lineno}, {where[-1].name})" if where else ""
            self.problems.append(f"student {self.index}: {type(error).__name__}: {error}"[:300] + at)
        finally:
            await self.close()
            hall.add(updates=timings, reconnect_s=reconnects, page_ready=ready, page_files=files)
            hall.add(problems=self.problems, wrong_groups=self.wrong)

    def _shown(self, name: str) -> str | float | bool:
        value = self.case[name]
        return f"{value:g}" if name == "mrd_eoi_percent" else value

    async def reconnect(self, name: str, value: Any) -> float:
        """As Streamlit's page does when its connection drops: retry until a worker answers, then reload
        the address. The address holds the last case the page confirmed, or that case with the change in
        flight (name=value) when the lost worker had already rewritten the address; nothing else."""
        began = time.perf_counter()
        if case_in_address(self.page.query)[name] == value and self.case[name] != value:
            self.case[name] = value
        deadline = time.monotonic() + RECONNECT_TIMEOUT_S
        while True:
            try:
                update = await self.open(first_visit=False)
                break
            except (ConnectionClosed, OSError, TimeoutError, httpx.HTTPError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
        self.check(update, "the page again after its connection was lost")
        return time.perf_counter() - began


class Page(AppSession):
    """The page's side of a session (its address, its widgets' ids, reading its elements) over an asyncio
    websocket: AppSession's reading, without a thread per student."""

    def __init__(self, query: str) -> None:
        super().__init__(None, query)  # type: ignore[arg-type]  # the socket is passed to each rerun

    @property
    def query(self) -> str:
        """The page's address (its query string) as the address bar would show it now."""
        return self._query

    @property
    def widgets(self) -> dict[str, str]:
        return self._widgets

    async def rerun(self, socket: ClientConnection, states: WidgetStates) -> Update:
        message = BackMsg()
        message.rerun_script.query_string = self._query
        message.rerun_script.widget_states.CopyFrom(states)
        began = time.perf_counter()
        await socket.send(message.SerializeToString())
        group: str | None = None
        errors: list[str] = []
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await asyncio.wait_for(socket.recv(), RECEIVE_TIMEOUT_S))
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                group = self._read_element(forward.delta.new_element, errors) or group
            elif kind == "page_info_changed":
                self._query = forward.page_info_changed.query_string
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
                return Update(group, errors, status, time.perf_counter() - began)


def widget_states(widget_id: str, value: str | float | bool) -> WidgetStates:
    """One widget's new value, as the browser sends it: a text box's str, a number box's float, a
    checkbox's bool."""
    states = WidgetStates()
    widget = states.widgets.add()
    widget.id = widget_id
    if isinstance(value, bool):
        widget.bool_value = value
    elif isinstance(value, float):
        widget.double_value = value
    else:
        widget.string_value = value
    return states


async def _warm_up(worker_url: str) -> list[str]:
    student = Student(worker_url, 0)
    try:
        student.check(await student.open(first_visit=False), "warm-up page")
        for name, (key, values) in CHOICES.items():
            value = values[-1]
            student.case[name] = float(value) if isinstance(value, str) else value
            student.check(await student.set(key, value), f"warm-up {name}")
    finally:
        await student.close()
    return student.problems + student.wrong


def warm_up(worker_url: str) -> list[str]:
    """One student straight to a worker (not through the balancer): the first page and one change of each
    input, so that the worker's first-use costs (imports, the rule files) are paid before the class, as
    the lecturer's own first look at the page pays them. Returns the problems it saw."""
    return asyncio.run(_warm_up(worker_url))


async def _first_visit(base_url: str, index: int) -> tuple[Update, float]:
    student = Student(base_url, index, all_files=True)
    try:
        update = await student.open(first_visit=True)
    finally:
        await student.close()
    return update, student.files_s


def first_visit(base_url: str, index: int = 0) -> tuple[Update, float]:
    """Student `index`'s first visit of its link and nothing more: every file the page loads first (which
    the balancer then keeps) and its first page; returns the page and the seconds its files took."""
    return asyncio.run(_first_visit(base_url, index))


async def _run_hall(
    base_url: str,
    clients: int,
    arrival_s: float,
    seconds: float,
    think_s: tuple[float, float],
    expect: Callable[[Case], str],
    given: HallRun | None,
) -> HallRun:
    hall = given or HallRun(clients)
    rng = random.Random(200)
    students = [Student(base_url, index, expect) for index in range(clients)]
    start = time.monotonic()  # after the students are made, so that none arrives late
    await asyncio.gather(
        *(student.attend(hall, start + rng.uniform(0, arrival_s), seconds, think_s) for student in students)
    )
    return hall


def run_hall(
    base_url: str,
    clients: int,
    arrival_s: float,
    seconds: float,
    think_s: tuple[float, float] = (5.0, 10.0),
    expect: Callable[[Case], str] = assessed_group,
    hall: HallRun | None = None,
) -> HallRun:
    """`clients` students arriving at random within `arrival_s`, each changing inputs for `seconds` after
    it arrived, `think_s` apart; returns when the last has left. All of them run in one thread on one event
    loop, so that the students cost this machine as little as they can: in a real hall each has its own
    computer. `hall` (a new one if not given) is filled as the class goes on."""
    return asyncio.run(_run_hall(base_url, clients, arrival_s, seconds, think_s, expect, hall))
