"""QR codes of a case's link, so that students can open the projected case on their phones.

segno is pure Python: no image library or system package is needed to draw the code. Error correction "M"
(about 15 % of the code may be unreadable) survives a projector's glare and a phone camera at an angle;
segno raises it further where that costs no extra size (`boost_error`, its default).
"""

from __future__ import annotations

import io

import segno

_ERROR_CORRECTION = "m"
_QUIET_ZONE = 4  # modules of white border: what the QR standard asks for, so that every reader finds the code


def qr_png(text: str, *, scale: int = 8) -> bytes:
    """The QR code of `text` as a PNG, black on white, `scale` pixels per module."""
    buffer = io.BytesIO()
    segno.make(text, error=_ERROR_CORRECTION, micro=False).save(
        buffer, kind="png", scale=scale, border=_QUIET_ZONE, dark="black", light="white"
    )
    return buffer.getvalue()


def qr_svg(text: str, *, scale: int = 8, title: str = "") -> str:
    """The QR code of `text` as an SVG document (sharp at any size, for the projected page)."""
    buffer = io.BytesIO()
    segno.make(text, error=_ERROR_CORRECTION, micro=False).save(
        buffer,
        kind="svg",
        scale=scale,
        border=_QUIET_ZONE,
        dark="black",
        light="white",
        title=title or None,
        xmldecl=False,
        svgns=True,
        nl=False,
    )
    return buffer.getvalue().decode("utf-8")
