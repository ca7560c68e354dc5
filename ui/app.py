"""riskcalc's teaching app: entry point (`streamlit run ui/app.py`).

Sets up the page, the navigation between the pages and the sidebar switches; each page is a thin script
in ui/views/ over the public riskcalc API. No patient input is logged or stored: cases live only in the
browser session's memory (st.session_state) and in the page's own link.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ on the import path, not the repository root that holds the `ui` and
# `riskcalc` packages; add it so that the app runs from a fresh clone without being installed.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from riskcalc import get_rulebook  # noqa: E402
from riskcalc.rulebook import Rulebook  # noqa: E402
from ui.lib import address, inputs, layout, presentation  # noqa: E402
from ui.lib.vocabulary import load_vocabulary  # noqa: E402

HERE = Path(__file__).resolve().parent
PRESENTATION = address.PRESENTATION
# A local file: a Material icon as page icon makes the browser fetch it from Google's font servers.
ICON = HERE / "assets" / "icon.png"

# Streamlit's caption grey (#828180) is below the WCAG AA contrast of 4.5:1 on white; captions here carry
# real information (disclaimers, "still missing"), so darken them (#5c5b59: about 6.6:1).
_READABLE_CAPTIONS = (
    "<style>[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] p "
    "{ color: #5c5b59 !important; opacity: 1 !important; }</style>"
)


@st.cache_resource(show_spinner="Loading the rules…")
def warm_engine() -> Rulebook:
    """Load and check the rule files once per server process, before the first page needs them."""
    return get_rulebook()


def main() -> None:
    # Presentation mode and the pinned cases come back from the address (a reload, a shared link) before
    # anything is drawn: the sidebar's state is decided by the page configuration below.
    address.restore(
        st.session_state, {name: st.query_params.get_all(name) for name in st.query_params}, load_vocabulary()
    )
    projecting = bool(st.session_state.get(PRESENTATION))
    st.set_page_config(
        page_title="riskcalc: B-ALL risk groups for teaching",
        page_icon=str(ICON),
        layout="wide",
        # Projected, the sidebar would take a fifth of the screen: closed (its arrow still opens it). Otherwise
        # auto: open on a wide screen, closed on a phone, where it would cover the page.
        initial_sidebar_state="collapsed" if projecting else "auto",
    )
    warm_engine()
    inputs.keep_across_pages(st.session_state)

    pages = [
        st.Page(HERE / "views" / "calculator.py", title="Calculator", icon=":material/calculate:", default=True),
        st.Page(HERE / "views" / "compare.py", title="Compare", icon=":material/compare:", url_path="compare"),
    ]
    cases = HERE / "views" / "cases.py"
    if cases.is_file():  # written separately (teaching cases and quiz); the app runs without it
        pages.append(st.Page(cases, title="Teaching cases", icon=":material/menu_book:", url_path="cases"))
    pages.append(st.Page(HERE / "views" / "batch.py", title="Batch", icon=":material/table:", url_path="batch"))
    pages.append(
        st.Page(HERE / "views" / "protocols.py", title="Protocols", icon=":material/rule:", url_path="protocols")
    )
    page = st.navigation(pages)

    with st.sidebar:
        enabled = st.toggle(
            "Presentation mode", key=PRESENTATION, help="Large type and full width, for projecting in a lecture hall."
        )
        st.caption("For teaching only: not a treatment protocol. Nothing you enter is stored or sent anywhere.")
    st.markdown(_READABLE_CAPTIONS, unsafe_allow_html=True)
    layout.apply()
    presentation.apply(enabled)
    page.run()
    address.mirror(st.session_state, st.query_params)


main()
