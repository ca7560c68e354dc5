"""Batch page: upload a CSV of cases, get the results table back (bad rows reported, good rows kept)."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]  # pandas-stubs is not installed
import streamlit as st

from riskcalc import get_rulebook
from riskcalc.batch import BatchFileError, ignored_message
from ui.lib import batchtable
from ui.lib.wording import first_upper


def page() -> None:
    st.title("Assess a batch of cases")
    st.markdown(
        "Upload a CSV file with one case per row. Columns are named like the fields of the form and of the "
        "shareable links (`age_years`, `wbc_10e9_per_l`, `genetics`, `cns_status`, …; friendly units such as "
        "`age_months` or `wbc_per_ul` work too), plus optional `id`, `label` or `comment` columns that are "
        "copied through. A `name` column is ignored and never shown or downloaded: use `id` for a study "
        "number. An empty cell means *not given* (pending or not measured). Several genetic codes go in one "
        "cell separated by commas or `+`. The file is read in memory and not kept. Each result row has a "
        "`result` (a provisional case shows the groups still possible), the `group` floor (the lowest group "
        "still possible; final only where `provisional` is false) and the disclaimer."
    )
    st.download_button(
        "Empty template (CSV)", batchtable.template_csv(), "riskcalc-template.csv", "text/csv", on_click="ignore"
    )
    upload = st.file_uploader("CSV file of cases (UTF-8, at most 2 MB)", type=["csv"], key="batch_upload")
    disclaimer = get_rulebook().disclaimer
    if upload is None:
        st.caption(disclaimer)
        return
    try:
        with st.spinner("Assessing the cases…"):
            table = batchtable.assess_csv(upload.getvalue())
    except BatchFileError as error:
        st.error(f"The file cannot be used: {error}")
        return

    if table.ignored:
        st.warning(f"{first_upper(ignored_message(table.ignored))}.", icon=":material/visibility_off:")
    summary = f"{len(table.rows)} rows: {table.assessed} assessed, {len(table.errors)} with errors."
    (st.warning if table.errors else st.success)(summary)
    if table.skipped:
        st.warning(
            f"{table.skipped} further rows were not assessed: the page takes at most "
            f"{batchtable.ROW_LIMIT} rows. Use the command line (`riskcalc batch`) for larger files."
        )
    if table.errors:
        with st.expander(f"Rows with errors ({len(table.errors)}); the other rows are kept", expanded=True):
            st.markdown("\n".join(f"- {message}" for message in table.errors[:200]))
    # On screen the outcome comes first, so a row's result or error shows without scrolling sideways; the
    # headline, not the floor, since a provisional row has no single group. The download keeps the command
    # line's column order.
    first = [column for column in ("line", "result", "error") if column in table.columns]
    on_screen = first + [column for column in table.columns if column not in first]
    st.dataframe(pd.DataFrame(table.rows, columns=on_screen), hide_index=True, width="stretch")
    st.download_button("Download results (CSV)", table.to_csv(), "riskcalc-results.csv", "text/csv", on_click="ignore")
    st.warning(disclaimer, icon=":material/school:")


page()
