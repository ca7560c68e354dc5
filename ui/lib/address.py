"""The app's state in the address bar: presentation mode and the pinned cases, beside the case itself.

A lecturer reloads the page, or opens the projected link on another computer, and expects the same screen:
so presentation mode (`present=1`) and the pinned cases of the Compare page (`compare=`, up to four cases)
live in the address as well as in the browser session. The current page is the address's path
(`/compare`, `/cases`), which Streamlit keeps by itself.

The session is the working copy and the address a mirror of it, written at the end of every run. A value in
the address is read into the session only when it differs from what the app itself last wrote there: that is
a link opened or edited by hand. An address without these parameters never clears the session's state,
because Streamlit drops the query parameters when the sidebar switches pages.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from riskcalc import Patient
from ui.lib import comparison
from ui.lib.query import COMPARE, PRESENT, query_from_patient, read_link
from ui.lib.vocabulary import Vocabulary

PRESENTATION = "presentation_mode"  # the sidebar switch's key
_WRITTEN = "_address_written"  # the app-state parameters as this session last wrote them
_COMPARE_PROBLEMS = "_address_compare_problems"  # messages about a compare= link that could not be read whole

_CASE_SEPARATOR, _FIELD_SEPARATOR, _NAME_SEPARATOR = "|", ";", ":"


def encode_cases(patients: Sequence[Patient]) -> str:
    """'age_years:4;wbc_10e9_per_l:12|age_years:15;...': each case's link parameters, readable in the bar."""
    return _CASE_SEPARATOR.join(
        _FIELD_SEPARATOR.join(f"{name}{_NAME_SEPARATOR}{value}" for name, value in query_from_patient(p).items())
        for p in patients
    )


@dataclass(frozen=True)
class DecodedCases:
    patients: list[Patient]
    messages: list[str]  # one per case that could not be read, naming it by its position


def decode_cases(text: str, words: Vocabulary | None = None) -> DecodedCases:
    """The pinned cases of a `compare=` value; a case that cannot be read is left out and named, the others kept."""
    patients: list[Patient] = []
    messages: list[str] = []
    chunks = [chunk for chunk in text.split(_CASE_SEPARATOR) if chunk.strip()]
    for position, chunk in enumerate(chunks, start=1):
        if position > comparison.PIN_LIMIT:
            messages.append(
                f"The link pins {len(chunks)} cases; the Compare page holds {comparison.PIN_LIMIT}, "
                f"so cases {comparison.PIN_LIMIT + 1} to {len(chunks)} were left out (compare)."
            )
            break
        params: dict[str, list[str]] = {}
        for item in chunk.split(_FIELD_SEPARATOR):
            name, _, value = item.partition(_NAME_SEPARATOR)
            params.setdefault(name.strip(), []).append(value.strip())
        link = read_link(params, words)
        if link.patient is None or link.blocks:
            reasons = " ".join(link.messages) or "it gives no case."
            messages.append(f"Pinned case {position} of the link could not be read, so it is not shown: {reasons}")
        elif link.patient not in patients:
            patients.append(link.patient)
    return DecodedCases(patients, messages)


def app_state(session: Mapping[Any, Any]) -> dict[str, str]:
    """The app-state parameters the address should carry for this session."""
    state: dict[str, str] = {}
    if session.get(PRESENTATION):
        state[PRESENT] = "1"
    pinned = comparison.pinned(session)  # type: ignore[arg-type]
    if pinned:
        state[COMPARE] = encode_cases(pinned)
    return state


def restore(session: MutableMapping[Any, Any], params: Mapping[str, Sequence[str]], words: Vocabulary) -> None:
    """Read presentation mode and pinned cases from the address when it holds values this session did not
    write (a shared or reloaded link). Call before the presentation switch is drawn."""
    written: dict[str, str] = session.get(_WRITTEN, {})
    present = list(params.get(PRESENT, []))
    if present and present[-1] != written.get(PRESENT):
        session[PRESENTATION] = present[-1].strip().lower() in ("1", "true", "yes", "on")
    compare = list(params.get(COMPARE, []))
    if compare and compare[-1] != written.get(COMPARE):
        decoded = decode_cases(compare[-1], words)
        session[comparison.PINNED] = decoded.patients
        session[_COMPARE_PROBLEMS] = decoded.messages
        written = {**written, COMPARE: compare[-1]}  # read once: the messages are not repeated on every run
        session[_WRITTEN] = written


def compare_problems(session: MutableMapping[Any, Any]) -> list[str]:
    """Messages about pinned cases of a link that could not be read (shown once, on the Compare page)."""
    messages: list[str] = session.pop(_COMPARE_PROBLEMS, [])
    return messages


def mirror(session: MutableMapping[Any, Any], params: Any) -> None:
    """Write the app-state parameters into the address (`st.query_params`), changing only what differs."""
    wanted = app_state(session)
    for name in (PRESENT, COMPARE):
        if name in wanted:
            if params.get(name) != wanted[name]:
                params[name] = wanted[name]
        elif name in params:
            del params[name]
    session[_WRITTEN] = wanted


def with_app_state(query: Mapping[str, str], session: Mapping[Any, Any]) -> dict[str, str]:
    """A page's own query parameters plus the app state, for a page that rewrites the whole address."""
    return {**query, **app_state(session)}


def app_root() -> str | None:
    """The address of the app's first page as the browser sees it ('http://192.168.1.20:8501/'), or None
    when it is not known (outside a browser)."""
    url = st.context.url
    if not url:
        return None
    parts = urlsplit(url)
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}/{base + '/' if base else ''}"


def absolute(relative_link: str) -> str:
    """'?age_years=4…' as a full address that works when pasted into an e-mail or a chat."""
    root = app_root()
    return relative_link if root is None else root + relative_link


def only_this_computer(link: str) -> bool:
    """True when the address names this computer itself (localhost), which a student's phone cannot open."""
    host = urlsplit(link).hostname or ""
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")
