"""The QR code of a case's link decodes to exactly that link (read back with zxing-cpp, an independent reader)."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from ui.lib.qr import qr_png, qr_svg

LINKS = [
    "http://192.168.1.20:8501/?age_years=4&wbc_10e9_per_l=12",
    "http://127.0.0.1:8501/?age_years=15.5&wbc_10e9_per_l=60&genetics=bcr_abl1,ikzf1_plus"
    "&cns_status=CNS3&testicular_involvement=true&mrd_day8_pb_percent=0.5&mrd_eoi_percent=0.05&present=1",
]


@pytest.mark.parametrize("link", LINKS)
def test_qr_png_decodes_to_the_link(link: str) -> None:
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(link, scale=4))))
    assert [result.text for result in decoded] == [link]


def test_qr_svg_is_one_standalone_svg_with_its_title() -> None:
    svg = qr_svg(LINKS[0], title="QR code of this case's link")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title>QR code of this case's link</title>" in svg
