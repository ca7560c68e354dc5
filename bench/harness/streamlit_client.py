"""A browser-like client of a running Streamlit app: it speaks the app's own websocket protocol.

A browser drives a Streamlit app over one websocket (`/_stcore/stream`): it sends a `BackMsg` asking for a
rerun with the page's query string and its widgets' values, and receives `ForwardMsg`s (the page's elements,
then `script_finished`). This client does the same without rendering anything, so 30 of them measure the
server a class shares rather than 30 browsers fighting for the test machine's two cores.

Used by the class test in tests/test_load.py and by bench/run_all.py.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from websockets.sync.client import ClientConnection, connect

BADGE = re.compile(r"Risk group: (\w+)")
STREAM = "/_stcore/stream"
RECEIVE_TIMEOUT_S = 120.0


@dataclass
class Update:
    """What one rerun showed: the risk group of the badge, the errors on the page, how long it took."""

    group: str | None
    errors: list[str]
    status: str
    seconds: float


class AppSession:
    """One browser tab's worth of Streamlit session: one websocket, its widgets' ids, its query string."""

    def __init__(self, socket: ClientConnection, query: str) -> None:
        self._socket = socket
        self._query = query
        self._widgets: dict[str, str] = {}  # the widget key the app gave -> Streamlit's widget id

    def load(self) -> Update:
        """The first page load of the case link."""
        return self._rerun(WidgetStates())

    def change(self, key: str, value: str) -> Update:
        """Set one text input (by the key the app gave it) and wait for the page that follows."""
        states = WidgetStates()
        widget = states.widgets.add()
        widget.id = self._widgets[key]
        widget.string_value = value
        return self._rerun(states)

    def _rerun(self, states: WidgetStates) -> Update:
        message = BackMsg()
        message.rerun_script.query_string = self._query
        message.rerun_script.widget_states.CopyFrom(states)
        began = time.perf_counter()
        self._socket.send(message.SerializeToString())
        group: str | None = None
        errors: list[str] = []
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(self._socket.recv(timeout=RECEIVE_TIMEOUT_S))
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                group = self._read_element(forward.delta.new_element, errors) or group
            elif kind == "page_info_changed":
                self._query = forward.page_info_changed.query_string  # the app keeps the address on the case
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
                return Update(group, errors, status, time.perf_counter() - began)

    def _read_element(self, element: Any, errors: list[str]) -> str | None:
        kind = element.WhichOneof("type")
        body = getattr(element, kind)
        widget_id = getattr(body, "id", "")
        if widget_id.startswith("$$ID-"):
            self._widgets[widget_id.rsplit("-", 1)[-1]] = widget_id
        if kind == "exception":
            errors.append(f"exception: {body.type}: {body.message}"[:300])
        elif kind == "alert" and body.format == Alert.ERROR:
            errors.append(f"error: {body.body}"[:300])
        elif kind == "markdown":
            found = BADGE.search(body.body)
            return found.group(1) if found else None
        return None


@contextmanager
def open_session(base_url: str, query: str) -> Iterator[AppSession]:
    """A new session of the app at base_url, as a browser tab opening the link `?{query}` would get."""
    url = base_url.replace("http", "ws", 1) + STREAM
    with connect(url, subprotocols=["streamlit"], max_size=None) as socket:  # type: ignore[list-item]  # a str is a Subprotocol
        yield AppSession(socket, query)


@dataclass
class ClassRun:
    """What a class of clients saw: every update's time, and every problem (wrong group, error, failure)."""

    clients: int
    seconds: float
    timings: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def summary(self) -> str:
        return (
            f"{self.clients} clients for {self.seconds:.0f} s: {len(self.timings)} updates "
            f"({len(self.timings) / self.seconds:.1f}/s), median {statistics.median(self.timings) * 1e3:.0f} ms, "
            f"p95 {self.percentile(0.95) * 1e3:.0f} ms, max {max(self.timings) * 1e3:.0f} ms, "
            f"{len(self.problems)} problems"
        )


def run_class(
    base_url: str,
    queries: list[str],
    key: str,
    steps: tuple[tuple[str, str], ...],
    seconds: float,
    think_s: float = 0.0,
) -> ClassRun:
    """One client per query, all at once: each loads its case, then for `seconds` sets the text input `key`
    to each step's value in turn and checks that the badge shows that step's group; `think_s` is the pause
    between an update and the client's next change (0: every client changes again at once)."""
    run = ClassRun(clients=len(queries), seconds=seconds)
    lock = threading.Lock()
    start = threading.Barrier(len(queries))

    def student(query: str) -> None:
        timings: list[float] = []
        problems: list[str] = []
        try:
            with open_session(base_url, query) as session:
                first = session.load()
                problems += first.errors
                start.wait()
                end = time.monotonic() + seconds
                step = 0
                while time.monotonic() < end:
                    value, expected = steps[step % len(steps)]
                    step += 1
                    update = session.change(key, value)
                    timings.append(update.seconds)
                    problems += update.errors
                    if update.group != expected or update.status != "FINISHED_SUCCESSFULLY":
                        problems.append(f"{query}: set {key}={value}, page showed {update.group} ({update.status})")
                    if think_s:
                        time.sleep(think_s)
        except Exception as error:  # a client that fails is a problem to report, not a thread to lose
            problems.append(f"{query}: {type(error).__name__}: {error}"[:300])
            start.abort()
        with lock:
            run.timings += timings
            run.problems += problems

    threads = [threading.Thread(target=student, args=(query,)) for query in queries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return run
