"""The page's layout rules (ui/assets/layout.css): the result kept in view, and no sideways scrolling.

The rules are layout only: nothing is hidden from a screen reader that a sighted user sees, and the phone's
one-line result bar is marked aria-hidden (the badge itself announces the result).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

_CSS = Path(__file__).resolve().parent.parent / "assets" / "layout.css"


@cache
def _style() -> str:
    return f"<style>{_CSS.read_text(encoding='utf-8')}</style>"


def apply() -> None:
    st.html(_style())  # a style-only html element takes no space on the page
