"""Code 128 barcodes as inline SVG for the HTML documents WeasyPrint renders (packing list, invoice).

python-barcode draws the bars; the documents print the human-readable value themselves, so there is
no text under them. Carton labels draw theirs with ReportLab (shipments/labels.py).

- `code128_svg(value)` — an identifier (invoice number, shipment id) as Code 128.
- `sscc_svg(sscc)` — an SSCC as GS1-128 with Application Identifier (00), the same symbol as its label.
"""

from __future__ import annotations

from barcode.codex import Code128, Gs1_128
from barcode.writer import SVGWriter

MODULE_WIDTH_MM = 0.3  # the narrowest bar: wide enough for a hand scanner reading a laser print
BAR_HEIGHT_MM = 8
QUIET_ZONE_MM = 10 * MODULE_WIDTH_MM  # Code 128 wants 10 modules of white either side
SSCC_AI = "00"


class _InlineSVGWriter(SVGWriter):
    """The <svg> element alone, for an HTML page: no XML declaration, no id shared by every barcode."""

    def _finish(self) -> str:
        self._group.removeAttribute("id")
        self._root.setAttribute("class", "barcode")
        return self._root.toxml()


def _render(symbology, value: str) -> str:
    options = {
        "write_text": False,
        "module_width": MODULE_WIDTH_MM,
        "module_height": BAR_HEIGHT_MM,
        "quiet_zone": QUIET_ZONE_MM,
        "margin_top": 0,
        "margin_bottom": 0,
    }
    return symbology(value, writer=_InlineSVGWriter()).render(options)


def code128_svg(value) -> str:
    """The bars of `value` as an <svg> element; "" when there is nothing to encode or it is not printable
    ASCII (Code 128 has no other characters, and the value printed beside it is enough)."""
    value = "" if value is None else str(value)
    if not value or not value.isascii() or not value.isprintable():
        return ""
    return _render(Code128, value)


def sscc_svg(sscc) -> str:
    """An SSCC (18 digits) as GS1-128 `(00)` + SSCC; "" for anything else."""
    sscc = "" if sscc is None else str(sscc)
    if len(sscc) != 18 or not sscc.isdigit():
        return ""
    return _render(Gs1_128, SSCC_AI + sscc)
