"""Presentation mode: large type and full width, for projecting the app in a lecture hall.

Streamlit sizes its text in rem, so raising the root font size scales headings, labels, widgets and the
result together. The charts keep their pixel size (zooming them clipped their labels). The style is only
layout: nothing is hidden, so the page reads the same to a screen reader in either mode.
"""

from __future__ import annotations

import streamlit as st

# Root size in lecture halls: about 1.4 x the default 16 px, readable from the back of a room at 1080p.
_ROOT_FONT_PX = 22

_CSS = f"""
<style>
  html {{ font-size: {_ROOT_FONT_PX}px; }}
  .stApp .stMainBlockContainer {{ max-width: 100%; padding-left: 3rem; padding-right: 3rem; }}
  .stApp [data-testid="stMarkdownContainer"] p,
  .stApp [data-testid="stMarkdownContainer"] li,
  .stApp [data-testid="stMarkdownContainer"] td,
  .stApp [data-testid="stMarkdownContainer"] th,
  .stApp [data-testid="stWidgetLabel"] p {{ font-size: 1.15rem; line-height: 1.5; }}
  .stApp [data-testid="stCaptionContainer"] p {{ font-size: 1rem; }}
  .stApp .stMainBlockContainer {{ padding-top: 1.5rem; }}
  .stApp h1 {{ font-size: 1.9rem; }}
  .stApp h2 {{ font-size: 2.0rem; }}
  .stApp h3 {{ font-size: 1.6rem; }}
</style>
"""


def apply(enabled: bool) -> None:
    """Inject the large-type style when presentation mode is on; do nothing otherwise."""
    if enabled:
        st.markdown(_CSS, unsafe_allow_html=True)
