"""The calculator's charts as PNG pictures, for the printed handout.

vl-convert renders a Vega-Lite spec exactly as the browser draws it, from a wheel that carries its own
renderer: no browser and no system package. It is imported on first use, so only a handout that is
downloaded pays for it (0.3 to 0.9 s a chart once the renderer has started, which takes a few seconds;
bench/handout_latency.py measures it).
"""

from __future__ import annotations

from typing import Any

import altair as alt

# Twice the chart's own pixel size: sharp on paper at the width a handout prints it (about 200 dpi).
SCALE = 2.0


def chart_png(chart: alt.TopLevelMixin | dict[str, Any], *, scale: float = SCALE, font: str | None = None) -> bytes:
    """The chart (or its Vega-Lite spec) as a PNG, `scale` pixels per chart pixel, its text in `font` when given
    (the handout's own, so that a title with ⁹ is not set in a fallback serif)."""
    import vl_convert

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    config = {"font": font} if font else None
    # No external data: the charts carry theirs inline, and nothing about a case leaves the machine.
    png: bytes = vl_convert.vegalite_to_png(spec, scale=scale, config=config, allowed_base_urls=[])
    return png


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
