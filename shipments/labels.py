"""Carton marks and pallet labels: 4 x 6 in GS1 logistic labels, one per page, PDF/A-2b.

Pure rendering, no Django: the shipments services turn cartons and pallets into `LabelData`
and call `render_labels`. Layout and barcode rules: shared/LABELS.md.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from vendor_portal.gs1 import gtin_is_valid, sscc_human_readable, sscc_is_valid
from vendor_portal.pdfa import BOLD_FONT_NAME, BOLD_FONT_PATH, REGULAR_FONT_NAME, REGULAR_FONT_PATH, make_pdfa

from .pdfa_concat import concatenate_pdfa

LabelKind = Literal["carton", "pallet"]

LABEL_WIDTH = 4 * inch
LABEL_HEIGHT = 6 * inch

# Thermal label printers print at 203 dpi; bar and space widths that are a whole number of
# dots print exactly, anything else gets rounded bar by bar and distorts the symbol.
PRINTER_DPI = 203
PRINTER_DOT = inch / PRINTER_DPI
SSCC_MODULE_DOTS = 4  # 0.50 mm, inside GS1's 0.495-1.016 mm
SSCC_BAR_HEIGHT = 272 * PRINTER_DOT  # 34.0 mm, GS1 asks for at least 32 mm
QUIET_ZONE_MODULES = 10
PO_MODULE_DOTS = (3, 2)  # widest that fits the label wins
# Labels per ReportLab document: ReportLab holds a document's pages in memory until it saves, and
# pikepdf holds every object of the document it converts and validates.
CHUNK_PAGES = 100

MARGIN = 8.0
AB_BOTTOM = 340.0  # zone A/B: ship from | ship to
CD_BOTTOM = 290.0  # zone C/D: carrier
E_BOTTOM = 144.0  # zone E: contents; below it zone F: SSCC
SHIP_FROM_WIDTH = 112.0

CAPTION_SIZE = 6.5

# Captions only: the data on a label (names, addresses, numbers) is never translated.
CAPTIONS: dict[str, dict[str, str]] = {
    "en": {
        "ship_from": "Ship from",
        "ship_to": "Ship to",
        "carrier": "Carrier",
        "pro_number": "PRO no.",
        "bol_number": "BOL no.",
        "po_numbers": "PO no.",
        "gtin": "GTIN",
        "mixed_skus": "Mixed SKUs",
        "quantity": "Qty",
        "quantity_eaches": "{eaches} eaches",
        "quantity_cases": "{cases} cases × {size} = {eaches} eaches",
        "weight": "Gross weight",
        "carton_n_of_n": "CARTON {index} of {count}",
        "pallet_n_of_n": "PALLET {index} of {count}",
        "carton_count": "Cartons",
        "pallet_level_sscc": "Pallet level SSCC",
        "sscc": "SSCC",
    },
    "de": {
        "ship_from": "Versand von",
        "ship_to": "Versand an",
        "carrier": "Frachtführer",
        "pro_number": "PRO-Nr.",
        "bol_number": "Frachtbrief-Nr.",
        "po_numbers": "Bestell-Nr.",
        "gtin": "GTIN",
        "mixed_skus": "Gemischte Artikel",
        "quantity": "Menge",
        "quantity_eaches": "{eaches} Stück",
        "quantity_cases": "{cases} Gebinde × {size} = {eaches} Stück",
        "weight": "Bruttogewicht",
        "carton_n_of_n": "KARTON {index} von {count}",
        "pallet_n_of_n": "PALETTE {index} von {count}",
        "carton_count": "Kartons",
        "pallet_level_sscc": "SSCC der Palette",
        "sscc": "SSCC",
    },
    "fr": {
        "ship_from": "Expéditeur",
        "ship_to": "Destinataire",
        "carrier": "Transporteur",
        "pro_number": "N° PRO",
        "bol_number": "N° connaissement",
        "po_numbers": "N° commande",
        "gtin": "GTIN",
        "mixed_skus": "Articles mixtes",
        "quantity": "Qté",
        "quantity_eaches": "{eaches} unités",
        "quantity_cases": "{cases} colis × {size} = {eaches} unités",
        "weight": "Poids brut",
        "carton_n_of_n": "COLIS {index} sur {count}",
        "pallet_n_of_n": "PALETTE {index} sur {count}",
        "carton_count": "Colis",
        "pallet_level_sscc": "SSCC niveau palette",
        "sscc": "SSCC",
    },
    "es": {
        "ship_from": "Remitente",
        "ship_to": "Destinatario",
        "carrier": "Transportista",
        "pro_number": "N.º PRO",
        "bol_number": "N.º conocimiento",
        "po_numbers": "N.º pedido",
        "gtin": "GTIN",
        "mixed_skus": "SKU mixtos",
        "quantity": "Cant.",
        "quantity_eaches": "{eaches} unidades",
        "quantity_cases": "{cases} cajas × {size} = {eaches} unidades",
        "weight": "Peso bruto",
        "carton_n_of_n": "CAJA {index} de {count}",
        "pallet_n_of_n": "PALÉ {index} de {count}",
        "carton_count": "Cajas",
        "pallet_level_sscc": "SSCC nivel palé",
        "sscc": "SSCC",
    },
    "it": {
        "ship_from": "Mittente",
        "ship_to": "Destinatario",
        "carrier": "Vettore",
        "pro_number": "N. PRO",
        "bol_number": "N. polizza di carico",
        "po_numbers": "N. ordine",
        "gtin": "GTIN",
        "mixed_skus": "Articoli misti",
        "quantity": "Qtà",
        "quantity_eaches": "{eaches} pezzi",
        "quantity_cases": "{cases} colli × {size} = {eaches} pezzi",
        "weight": "Peso lordo",
        "carton_n_of_n": "COLLO {index} di {count}",
        "pallet_n_of_n": "PALLET {index} di {count}",
        "carton_count": "Colli",
        "pallet_level_sscc": "SSCC livello pallet",
        "sscc": "SSCC",
    },
    "nl": {
        "ship_from": "Afzender",
        "ship_to": "Verzenden naar",
        "carrier": "Vervoerder",
        "pro_number": "PRO-nr.",
        "bol_number": "Vrachtbrief-nr.",
        "po_numbers": "Bestelnr.",
        "gtin": "GTIN",
        "mixed_skus": "Gemengde artikelen",
        "quantity": "Aantal",
        "quantity_eaches": "{eaches} stuks",
        "quantity_cases": "{cases} dozen × {size} = {eaches} stuks",
        "weight": "Brutogewicht",
        "carton_n_of_n": "DOOS {index} van {count}",
        "pallet_n_of_n": "PALLET {index} van {count}",
        "carton_count": "Dozen",
        "pallet_level_sscc": "SSCC palletniveau",
        "sscc": "SSCC",
    },
}
# The bundled DejaVu fonts have no CJK glyphs, so e.g. "zh-hans" falls back to English
# captions until a CJK font ships with the project.
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class LabelParty:
    name: str
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LabelData:
    """What one carton mark or pallet label shows; `gtin=None` means a mixed-SKU carton. The quantity is in
    eaches, with the cases it makes when the lines inside are ordered in cases of one size."""

    kind: LabelKind
    sscc: str
    company_prefix_length: int
    ship_from: LabelParty
    ship_to_code: str
    ship_to: LabelParty
    carrier_name: str
    pro_number: str | None
    bol_number: str | None
    po_numbers: list[str]
    gtin: str | None
    quantity: int  # eaches
    index: int
    count: int
    carton_count: int | None = None
    cases: int | None = None  # when everything inside is counted in cases of `case_size` eaches
    case_size: int | None = None
    weight: str | None = None  # gross weight with its unit, "7.2 kg"

    def __post_init__(self) -> None:
        if self.kind not in ("carton", "pallet"):
            raise ValueError(f"label kind must be carton or pallet, got {self.kind!r}")
        if not sscc_is_valid(self.sscc):
            raise ValueError(f"not a valid SSCC: {self.sscc!r}")
        if self.gtin is not None and not gtin_is_valid(self.gtin):
            raise ValueError(f"not a valid GTIN: {self.gtin!r}")
        if not 1 <= self.index <= self.count:
            raise ValueError(f"label {self.index} of {self.count} is out of range")


def label_captions(language: str) -> dict[str, str]:
    """Captions for a marketplace language code ("de", "de-DE", "fr_CA"); English if unknown."""
    code = language.lower().replace("_", "-")
    return CAPTIONS.get(code) or CAPTIONS.get(code.split("-")[0]) or CAPTIONS[FALLBACK_LANGUAGE]


@functools.cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR_FONT_NAME, str(REGULAR_FONT_PATH)))
    pdfmetrics.registerFont(TTFont(BOLD_FONT_NAME, str(BOLD_FONT_PATH)))


def _snap_to_dots(x: float) -> float:
    return round(x / PRINTER_DOT) * PRINTER_DOT


def _draw_text(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    *,
    max_width: float,
    size: float,
    bold: bool = False,
    min_size: float = 5.0,
    align: Literal["left", "right"] = "left",
) -> None:
    """Draw one line, shrinking it (then cutting it short) so it never runs into the next zone."""
    font = BOLD_FONT_NAME if bold else REGULAR_FONT_NAME
    width = pdfmetrics.stringWidth(text, font, size)
    if width > max_width:
        size = max(min_size, size * max_width / width)
        while len(text) > 1 and pdfmetrics.stringWidth(text, font, size) > max_width:
            text = text[:-2] + "…"
    canvas.setFont(font, size)
    if align == "right":
        canvas.drawRightString(x, y, text)
    else:
        canvas.drawString(x, y, text)


def _draw_caption(canvas: Canvas, text: str, x: float, y: float, *, max_width: float) -> None:
    _draw_text(canvas, text, x, y, max_width=max_width, size=CAPTION_SIZE)


def _draw_party(canvas: Canvas, party: LabelParty, x: float, top: float, bottom: float, *, width: float) -> None:
    _draw_text(canvas, party.name, x, top, max_width=width, size=8.5, bold=True)
    y = top - 9.5
    for line in party.lines:
        if y < bottom:
            break
        _draw_text(canvas, line, x, y, max_width=width, size=7.5)
        y -= 8.5


def _draw_ship_from_and_to(canvas: Canvas, label: LabelData, captions: dict[str, str]) -> None:
    top = LABEL_HEIGHT - MARGIN - CAPTION_SIZE
    from_width = SHIP_FROM_WIDTH - 2 * MARGIN
    _draw_caption(canvas, captions["ship_from"], MARGIN, top, max_width=from_width)
    _draw_party(canvas, label.ship_from, MARGIN, top - 11, AB_BOTTOM + 4, width=from_width)

    to_x = SHIP_FROM_WIDTH + MARGIN
    to_width = LABEL_WIDTH - to_x - MARGIN
    _draw_caption(canvas, captions["ship_to"], to_x, top, max_width=to_width)
    _draw_text(canvas, label.ship_to_code, to_x, top - 26, max_width=to_width, size=26, bold=True)
    _draw_party(canvas, label.ship_to, to_x, top - 40, AB_BOTTOM + 4, width=to_width)
    canvas.line(SHIP_FROM_WIDTH, AB_BOTTOM, SHIP_FROM_WIDTH, LABEL_HEIGHT)


def _draw_carrier(canvas: Canvas, label: LabelData, captions: dict[str, str]) -> None:
    half = LABEL_WIDTH / 2
    top = AB_BOTTOM - 4 - CAPTION_SIZE
    _draw_caption(canvas, captions["carrier"], MARGIN, top, max_width=half - MARGIN)
    _draw_text(canvas, label.carrier_name, MARGIN, top - 16, max_width=half - 2 * MARGIN, size=12, bold=True)
    number_width = half - MARGIN
    for row, (caption, number) in enumerate(((captions["pro_number"], label.pro_number), (captions["bol_number"], label.bol_number))):
        y = top - 3 - row * 22
        _draw_caption(canvas, caption, half, y, max_width=number_width)
        _draw_text(canvas, number or "–", half, y - 11, max_width=number_width, size=10, bold=True)


def _code128(value: str, *, module_dots: int, bar_height: float) -> Code128:
    return Code128(value, barWidth=module_dots * PRINTER_DOT, barHeight=bar_height, quiet=0, humanReadable=0)


def _po_module_dots(po_number: str) -> int | None:
    """The widest module that fits the label with its quiet zones; None if none does."""
    modules = Code128(po_number, barWidth=1, quiet=0, humanReadable=0).width
    available_dots = (LABEL_WIDTH - 2 * MARGIN) / PRINTER_DOT
    for module_dots in PO_MODULE_DOTS:
        if (modules + 2 * QUIET_ZONE_MODULES) * module_dots <= available_dots:
            return module_dots
    return None


def _draw_po_barcodes(canvas: Canvas, po_numbers: Sequence[str], *, top: float, bottom: float) -> None:
    """A Code 128 for each of the first two PO numbers short enough to scan; the text lists all."""
    rows: list[tuple[str, int]] = []
    for po_number in po_numbers:
        module_dots = _po_module_dots(po_number)
        if module_dots is not None:
            rows.append((po_number, module_dots))
        if len(rows) == 2:
            break
    if not rows:
        return
    gap = 8.0  # keeps a scan line meant for one symbol off the other
    bar_height = (top - bottom - gap * (len(rows) - 1)) / len(rows)
    for row, (po_number, module_dots) in enumerate(rows):
        barcode = _code128(po_number, module_dots=module_dots, bar_height=bar_height)
        x = _snap_to_dots((LABEL_WIDTH - barcode.width) / 2)
        barcode.drawOn(canvas, x, top - (row + 1) * bar_height - row * gap)


def _draw_contents(canvas: Canvas, label: LabelData, captions: dict[str, str]) -> None:
    width = LABEL_WIDTH - 2 * MARGIN
    top = CD_BOTTOM - 4 - CAPTION_SIZE
    _draw_caption(canvas, captions["po_numbers"], MARGIN, top, max_width=width)
    _draw_text(canvas, ", ".join(label.po_numbers), MARGIN, top - 13, max_width=width, size=11, bold=True)
    _draw_po_barcodes(canvas, label.po_numbers, top=top - 18, bottom=top - 68)

    left_width = LABEL_WIDTH / 2 - MARGIN
    y = top - 80
    _draw_caption(canvas, captions["gtin"], MARGIN, y, max_width=left_width)
    gtin_text = label.gtin if label.gtin is not None else captions["mixed_skus"]
    _draw_text(canvas, gtin_text, MARGIN, y - 12, max_width=left_width, size=11, bold=True)
    _draw_caption(canvas, captions["quantity"], MARGIN, y - 26, max_width=left_width)
    _draw_text(canvas, quantity_text(label, captions), MARGIN, y - 38, max_width=left_width, size=11, bold=True)
    if label.weight:
        _draw_text(canvas, f"{captions['weight']}: {label.weight}", MARGIN, y - 49, max_width=left_width, size=7.5, bold=True)

    right = LABEL_WIDTH - MARGIN
    n_of_n = captions["pallet_n_of_n" if label.kind == "pallet" else "carton_n_of_n"]
    n_of_n_text = n_of_n.format(index=label.index, count=label.count)
    _draw_text(canvas, n_of_n_text, right, y - 14, max_width=left_width, size=16, bold=True, align="right")
    if label.kind == "pallet":
        if label.carton_count is not None:
            cartons = f"{captions['carton_count']}: {label.carton_count}"
            _draw_text(canvas, cartons, right, y - 30, max_width=left_width, size=11, bold=True, align="right")
        box_bottom, box_height = E_BOTTOM + 4, 14.0
        canvas.rect(LABEL_WIDTH / 2, box_bottom, left_width, box_height, stroke=0, fill=1)
        canvas.setFillGray(1)
        _draw_text(
            canvas,
            captions["pallet_level_sscc"],
            right - 4,
            box_bottom + 4,
            max_width=left_width - 8,
            size=9,
            bold=True,
            align="right",
        )
        canvas.setFillGray(0)


def quantity_text(label: LabelData, captions: dict[str, str]) -> str:
    """The quantity with its unit: "24 eaches", or "13 cases × 12 = 156 eaches"."""
    if label.cases and label.case_size:
        return captions["quantity_cases"].format(cases=label.cases, size=label.case_size, eaches=label.quantity)
    return captions["quantity_eaches"].format(eaches=label.quantity)


def _draw_sscc(canvas: Canvas, label: LabelData, captions: dict[str, str]) -> None:
    # FNC1 right after the start character makes it GS1-128. The symbol is always 156 modules
    # (624 dots), which centred on the 812-dot label leaves 94 dots, over 23 modules, each side.
    barcode = _code128("\xf1" + "00" + label.sscc, module_dots=SSCC_MODULE_DOTS, bar_height=SSCC_BAR_HEIGHT)
    left_dots = (round(LABEL_WIDTH / PRINTER_DOT) - round(barcode.width / PRINTER_DOT)) // 2
    hri_baseline = 12.0
    bars_bottom = hri_baseline + 13
    _draw_caption(canvas, captions["sscc"], MARGIN, bars_bottom + SSCC_BAR_HEIGHT + 5, max_width=100)
    barcode.drawOn(canvas, left_dots * PRINTER_DOT, bars_bottom)
    human_readable = sscc_human_readable(label.sscc, label.company_prefix_length)
    canvas.setFont(BOLD_FONT_NAME, 11)
    canvas.drawCentredString(LABEL_WIDTH / 2, hri_baseline, human_readable)


def _draw_label(canvas: Canvas, label: LabelData, captions: dict[str, str]) -> None:
    canvas.setLineWidth(1)
    for zone_bottom in (AB_BOTTOM, CD_BOTTOM, E_BOTTOM):
        canvas.line(0, zone_bottom, LABEL_WIDTH, zone_bottom)
    _draw_ship_from_and_to(canvas, label, captions)
    _draw_carrier(canvas, label, captions)
    _draw_contents(canvas, label, captions)
    _draw_sscc(canvas, label, captions)


def render_labels(
    labels: Iterable[LabelData],
    dest_path: str | os.PathLike[str],
    *,
    language: str,
    progress: Callable[[int], None] | None = None,
    title: str = "Shipping labels",
) -> int:
    """Write one 4 x 6 in PDF/A-2b page per label to `dest_path`; return the pages written.

    Labels are drawn as they are iterated (pass a generator for large shipments), CHUNK_PAGES to a
    ReportLab document, and each chunk is made PDF/A and validated on its own before the chunks are
    joined, so memory stays flat however many labels there are.
    `progress(pages_done)` is called as each chunk is done, and with the total once the PDF/A file
    is in place. `dest_path` is only replaced once the whole file is written.
    """
    _register_fonts()
    captions = label_captions(language)
    fonts = _SharedFontSubsets((REGULAR_FONT_NAME, BOLD_FONT_NAME))
    pages = 0
    with tempfile.TemporaryDirectory(prefix="labels-") as workdir, _garbage_collected_per_chunk():
        parts: list[Path] = []
        chunk: _Chunk | None = None
        for label in labels:
            if chunk is None:
                if parts and progress is not None:
                    progress(pages)
                chunk = _Chunk(Path(workdir) / f"chunk-{len(parts):05d}.pdf", fonts)
            _draw_label(chunk.canvas, label, captions)
            chunk.canvas.showPage()
            pages += 1
            if pages % CHUNK_PAGES == 0:
                parts.append(chunk.finish(title=title))
                chunk = None
        if chunk is not None:
            parts.append(chunk.finish(title=title))
        if pages == 0:
            raise ValueError("no labels to render")
        concatenate_pdfa(parts, dest_path)
    if progress is not None:
        progress(pages)
    return pages


@contextlib.contextmanager
def _garbage_collected_per_chunk() -> Iterator[None]:
    """pikepdf's PDF/A validator leaves reference cycles behind that hold on to each chunk's PDF
    (about 1 MiB a chunk). In a worker with Django loaded, Python's cyclic garbage collector gets
    round to them only after many chunks, so memory would grow with the labels: `_Chunk.finish`
    collects after each chunk. Freezing the objects that existed before (Django, the app) keeps
    those collections to what the rendering made: about 1 ms each instead of about 90 ms."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _SharedFontSubsets:
    """One glyph numbering per TrueType font across the chunk documents of one label file.

    ReportLab numbers a font's glyphs per document, in order of first use, and embeds the subset
    when the document is saved. Carrying the numbering from chunk to chunk makes every chunk's
    subset a superset of the earlier ones with the same codes, so the joined file embeds each font
    once (from the last chunk) instead of once per chunk."""

    def __init__(self, font_names: Sequence[str]):
        self._fonts = [pdfmetrics.getFont(name) for name in font_names]
        self._states: dict[str, object] = {}

    def attach(self, canvas: Canvas) -> None:
        doc = canvas._doc
        for font in self._fonts:
            state = self._states.get(font.fontName)
            if state is None:
                self._states[font.fontName] = font._assignState(doc)
            else:
                state.frozen = 0  # saving the previous chunk froze it
                state.internalName = None  # the resource name belongs to each document
                font.state[doc] = state


class _Chunk:
    def __init__(self, path: Path, fonts: _SharedFontSubsets):
        self.path = path
        self.canvas = Canvas(
            str(path),
            pagesize=(LABEL_WIDTH, LABEL_HEIGHT),
            initialFontName=REGULAR_FONT_NAME,
            initialFontSize=8,
            pageCompression=1,
        )
        fonts.attach(self.canvas)

    def finish(self, *, title: str) -> Path:
        """Save the chunk and make it PDF/A (validated); return the PDF/A file."""
        self.canvas.save()
        pdfa_path = self.path.with_suffix(".pdfa.pdf")
        make_pdfa(self.path, pdfa_path, title=title)
        self.path.unlink()
        gc.collect()  # see _garbage_collected_per_chunk
        return pdfa_path
