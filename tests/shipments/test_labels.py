"""Labels are judged as a DC judges them: by a barcode reader on the printed page and by a
PDF/A validator (shared/LABELS.md). Pages are rasterised at the printer's 203 dpi."""

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pikepdf
import pypdfium2
import pytest
import zxingcpp

from shipments.labels import (
    CAPTIONS,
    PRINTER_DPI,
    LabelData,
    LabelParty,
    label_captions,
    render_labels,
)
from vendor_portal.gs1 import sscc_build
from vendor_portal.pdfa import make_pdfa, pdfa_declared_flavour, pdfa_validate, render_html_pdfa

CARTONS = 40
PALLETS = 2
COMPANY_PREFIX = "0614141"
MIN_BAR_HEIGHT_DOTS = 32 / 25.4 * PRINTER_DPI
SSCC_MODULES = 156  # start C, FNC1, ten digit pairs, check, stop
SSCC_MODULE_DOTS = 4
QUIET_ZONE_DOTS = 10 * SSCC_MODULE_DOTS

SHIP_FROM = LabelParty("Acme Widgets GmbH", ["Industriestraße 12", "70565 Stuttgart", "Germany"])
SHIP_TO = LabelParty("Example Retail Distribution Center", ["1200 Logistics Parkway", "Bentonville, AR 72712"])


def shipment_labels() -> list[LabelData]:
    """40 carton marks (the last ten mixed-SKU) and 2 pallet labels of one shipment."""
    cartons = [
        LabelData(
            kind="carton",
            sscc=sscc_build(extension_digit=0, company_prefix=COMPANY_PREFIX, serial=1000 + number),
            company_prefix_length=len(COMPANY_PREFIX),
            ship_from=SHIP_FROM,
            ship_to_code="DC 6094",
            ship_to=SHIP_TO,
            carrier_name="Schenker Logistics",
            pro_number="123456789",
            bol_number="BOL-000042",
            po_numbers=["4500012345"] if number <= 20 else ["PO-2024-000123"],
            gtin="00036000291452" if number <= 30 else None,
            quantity=24 if number <= 30 else 7,
            index=number,
            count=CARTONS,
        )
        for number in range(1, CARTONS + 1)
    ]
    pallets = [
        replace(
            cartons[0],
            kind="pallet",
            sscc=sscc_build(extension_digit=1, company_prefix=COMPANY_PREFIX, serial=number),
            po_numbers=["4500012345", "PO-2024-000123"],
            gtin=None,
            quantity=20 * 24,
            index=number,
            count=PALLETS,
            carton_count=20,
        )
        for number in range(1, PALLETS + 1)
    ]
    return cartons + pallets


@dataclass
class RenderedShipment:
    labels: list[LabelData]
    path: str
    progress: list[int]
    pages_written: int


@dataclass
class ScannedPage:
    image_height: int
    barcodes: list[zxingcpp.Barcode]
    pixels: object  # PIL image, greyscale
    text: str


def scan_pages(path) -> Iterator[ScannedPage]:
    document = pypdfium2.PdfDocument(path)
    try:
        for page in document:
            image = page.render(scale=PRINTER_DPI / 72, grayscale=True).to_pil()
            barcodes = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
            text = page.get_textpage().get_text_range()
            yield ScannedPage(image.height, barcodes, image, text)
    finally:
        document.close()


def label_text(labels, tmp_path, *, language: str) -> str:
    path = tmp_path / f"labels-{language}.pdf"
    render_labels(labels, path, language=language)
    return "\n".join(page.text for page in scan_pages(path))


def top(barcode) -> int:
    return min(barcode.position.top_left.y, barcode.position.top_right.y)


def bottom(barcode) -> int:
    return max(barcode.position.bottom_left.y, barcode.position.bottom_right.y)


CHUNK = 16  # labels per ReportLab document here, so the shipment's file is joined from three chunks


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> RenderedShipment:
    labels = shipment_labels()
    path = tmp_path_factory.mktemp("labels") / "shipment-labels.pdf"
    progress: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("shipments.labels.CHUNK_PAGES", CHUNK)
        # a generator, as the shipments service will pass one for a large shipment
        pages = render_labels((label for label in labels), path, language="en", progress=progress.append)
    return RenderedShipment(labels, str(path), progress, pages)


@pytest.fixture(scope="module")
def scanned(rendered) -> list[ScannedPage]:
    return list(scan_pages(rendered.path))


def test_one_page_per_label(rendered, scanned):
    assert rendered.pages_written == CARTONS + PALLETS
    assert len(scanned) == CARTONS + PALLETS


def test_every_page_scans_as_its_sscc_in_gs1_128_lowest_on_the_label(rendered, scanned):
    for number, (label, page) in enumerate(zip(rendered.labels, scanned, strict=True), start=1):
        gs1_symbols = [barcode for barcode in page.barcodes if barcode.symbology_identifier == "]C1"]
        assert [barcode.text for barcode in gs1_symbols] == ["00" + label.sscc], f"page {number}"
        sscc_symbol = gs1_symbols[0]
        assert sscc_symbol.format == zxingcpp.BarcodeFormat.Code128
        others = [barcode for barcode in page.barcodes if barcode is not sscc_symbol]
        assert others, f"page {number} should also carry its PO barcode"
        assert all(top(sscc_symbol) > bottom(other) for other in others), f"page {number}"


def test_po_numbers_scan_as_plain_code_128(rendered, scanned):
    for label, page in zip(rendered.labels, scanned, strict=True):
        po_symbols = [barcode.text for barcode in page.barcodes if barcode.symbology_identifier == "]C0"]
        assert po_symbols == label.po_numbers


def test_sscc_symbol_has_half_millimetre_modules_full_height_and_quiet_zones(scanned):
    page = scanned[0]
    [sscc_symbol] = [barcode for barcode in page.barcodes if barcode.symbology_identifier == "]C1"]
    left = sscc_symbol.position.top_left.x
    right = sscc_symbol.position.top_right.x
    assert abs((right - left + 1) - SSCC_MODULES * SSCC_MODULE_DOTS) <= 2

    pixels = page.pixels.load()
    middle_row = (top(sscc_symbol) + bottom(sscc_symbol)) // 2
    # The start character begins with a bar two modules wide: follow it up and down.
    column = left + SSCC_MODULE_DOTS // 2
    assert pixels[column, middle_row] < 64
    bar_top = bar_bottom = middle_row
    while pixels[column, bar_top - 1] < 128:
        bar_top -= 1
    while pixels[column, bar_bottom + 1] < 128:
        bar_bottom += 1
    assert bar_bottom - bar_top + 1 >= MIN_BAR_HEIGHT_DOTS

    for row in range(bar_top, bar_bottom + 1, 8):
        assert all(pixels[x, row] > 200 for x in range(left - QUIET_ZONE_DOTS, left))
        assert all(pixels[x, row] > 200 for x in range(right + 1, right + 1 + QUIET_ZONE_DOTS))


def test_human_readable_line_is_printed_under_each_sscc(rendered, scanned):
    for label, page in zip(rendered.labels, scanned, strict=True):
        sscc = label.sscc
        assert page.text.splitlines()[-1] == f"(00) {sscc[0]} {sscc[1:8]} {sscc[8:17]} {sscc[17]}"


def test_contents_zone_shows_count_gtin_or_mixed_skus_and_pallet_marks(scanned):
    first_carton, mixed_carton, pallet = scanned[0].text, scanned[CARTONS - 1].text, scanned[CARTONS].text
    assert "CARTON 1 of 40" in first_carton
    assert "00036000291452" in first_carton
    assert "CARTON 40 of 40" in mixed_carton
    assert "Mixed SKUs" in mixed_carton
    assert "PALLET 1 of 2" in pallet
    assert "Cartons: 20" in pallet
    assert "Pallet level SSCC" in pallet
    assert "4500012345, PO-2024-000123" in pallet
    assert "Pallet level SSCC" not in first_carton


def test_progress_is_reported_per_chunk_and_ends_with_the_page_count(rendered):
    assert rendered.progress == [CHUNK, 2 * CHUNK, CARTONS + PALLETS]


def test_a_single_chunk_reports_progress_once_the_file_is_in_place(tmp_path):
    progress: list[int] = []
    render_labels(shipment_labels()[:5], tmp_path / "five.pdf", language="en", progress=progress.append)
    assert progress == [5]
    assert pdfa_validate(tmp_path / "five.pdf") == []


def test_chunks_share_one_embedded_copy_of_each_font(rendered, tmp_path):
    with pikepdf.open(rendered.path) as pdf:
        font_files = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and "/Length1" in obj]
        page_fonts = {font.objgen for page in pdf.pages for font in page.Resources.Font.values()}
        assert pdf.check_pdf_syntax() == [] and pdf.get_warnings() == []
    assert len(font_files) == 2 and len(page_fonts) == 2  # DejaVuSans and DejaVuSans-Bold, once each
    one_document = tmp_path / "one-document.pdf"
    render_labels(shipment_labels(), one_document, language="en")  # fewer labels than a chunk
    assert os.path.getsize(rendered.path) < 1.05 * os.path.getsize(one_document)


def test_glyphs_first_drawn_in_later_chunks_print_and_extract(tmp_path, monkeypatch):
    """Each chunk adds characters no earlier chunk drew, over 256 in all, so the fonts need a
    second subset; every page still validates and reads back as drawn."""
    monkeypatch.setattr("shipments.labels.CHUNK_PAGES", 2)
    alphabets = [
        "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
        "абвгдежзийклмнопрстуфхцчшщъыьэюя",
        "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ",
        "αβγδεζηθικλμνξοπρστυφχψω",
        "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞß",
        "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ",
        "ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğ",
        "ĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĲĳĴĵĶķĸĹĺĻļĽľĿ",
        "ŀŁłŃńŅņŇňŉŊŋŌōŎŏŐőŒœŔŕŖŗŘřŚśŜŝŞş",
        "ŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſ",
    ]
    lines = [[alphabet[i : i + 8] for i in range(0, len(alphabet), 8)] for alphabet in alphabets]
    labels = [
        replace(label, ship_from=LabelParty(f"Sender {number}", party_lines))
        for number, (label, party_lines) in enumerate(zip(shipment_labels(), lines, strict=False))
    ]
    path = tmp_path / "alphabets.pdf"
    render_labels(labels, path, language="en")
    assert len(set("".join(alphabets))) > 256
    assert pdfa_validate(path) == []
    with pikepdf.open(path) as pdf:
        base_fonts = sorted(str(font.BaseFont) for font in pdf.objects if isinstance(font, pikepdf.Dictionary) and font.get("/Type") == "/Font")
    assert base_fonts == ["/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold", "/AAAAAB+DejaVuSans"]
    for page, party_lines in zip(scan_pages(path), lines, strict=True):
        assert all(line in page.text for line in party_lines)


def test_labels_file_is_valid_pdfa_2b(rendered):
    assert pdfa_declared_flavour(rendered.path) == "2b"
    assert pdfa_validate(rendered.path) == []


def test_labels_file_declares_pdfa_in_xmp_with_title_ids_and_srgb_intent(rendered):
    with pikepdf.open(rendered.path) as pdf:
        metadata = pdf.open_metadata()
        assert metadata["pdfaid:part"] == "2"
        assert metadata["pdfaid:conformance"] == "B"
        assert metadata["dc:title"] == "Shipping labels"
        assert metadata["xmpMM:DocumentID"].startswith("uuid:")
        assert len(pdf.trailer.ID) == 2
        assert not pdf.is_encrypted
        [output_intent] = pdf.Root.OutputIntents
        assert output_intent.S == "/GTS_PDFA1"
        assert output_intent.DestOutputProfile.N == 3
        assert "/JavaScript" not in pdf.Root.get("/Names", {})


def test_every_font_is_embedded_and_none_is_base_14(rendered):
    with pikepdf.open(rendered.path) as pdf:
        fonts = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"]
        assert fonts
        for font in fonts:
            assert "Helvetica" not in str(font.BaseFont)
            assert str(font.BaseFont).endswith(("DejaVuSans", "DejaVuSans-Bold"))
            assert "/FontFile2" in font.FontDescriptor


def test_german_label_has_german_captions_and_untranslated_data(tmp_path):
    text = label_text(shipment_labels()[:1], tmp_path, language="de")
    assert "Versand an" in text
    assert "Versand von" in text
    assert "KARTON 1 von 40" in text
    assert "Ship to" not in text
    assert "Industriestraße 12" in text
    assert "Example Retail Distribution Center" in text


def test_french_label_has_french_captions(tmp_path):
    text = label_text(shipment_labels()[-1:], tmp_path, language="fr")
    assert "Destinataire" in text
    assert "Expéditeur" in text
    assert "PALETTE 2 sur 2" in text


def test_caption_language_falls_back_from_region_then_to_english():
    assert label_captions("de-DE") is CAPTIONS["de"]
    assert label_captions("fr_CA") is CAPTIONS["fr"]
    # DejaVu has no CJK glyphs; a CJK marketplace gets English captions, never empty boxes.
    assert label_captions("zh-hans") is CAPTIONS["en"]
    assert all(captions.keys() == CAPTIONS["en"].keys() for captions in CAPTIONS.values())


def test_a_render_that_fails_midway_leaves_the_previous_file_untouched(tmp_path, monkeypatch):
    monkeypatch.setattr("shipments.labels.CHUNK_PAGES", 4)
    dest = tmp_path / "labels.pdf"
    dest.write_bytes(b"%PDF- the previous labels")

    def labels_then_a_database_error():
        yield from shipment_labels()[:10]
        raise ConnectionError("database went away")

    with pytest.raises(ConnectionError):
        render_labels(labels_then_a_database_error(), dest, language="en")
    assert dest.read_bytes() == b"%PDF- the previous labels"
    assert [path.name for path in tmp_path.iterdir()] == ["labels.pdf"]


def test_render_labels_refuses_an_empty_shipment(tmp_path):
    with pytest.raises(ValueError):
        render_labels([], tmp_path / "none.pdf", language="en")
    assert not (tmp_path / "none.pdf").exists()


def test_label_data_refuses_an_sscc_with_a_wrong_check_digit():
    label = shipment_labels()[0]
    with pytest.raises(ValueError):
        replace(label, sscc=label.sscc[:-1] + str((int(label.sscc[-1]) + 1) % 10))


def test_make_pdfa_accepts_pdf_bytes(rendered, tmp_path):
    with open(rendered.path, "rb") as source:
        make_pdfa(source.read(), tmp_path / "again.pdf", title="Again")
    assert pdfa_validate(tmp_path / "again.pdf") == []


def test_pdfa_validate_reports_a_plain_pdf(tmp_path):
    plain = tmp_path / "plain.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(plain)
    assert pdfa_validate(plain) != []
    assert pdfa_validate(plain, flavour="2b") != []


def test_render_html_pdfa_gives_valid_pdfa_with_bundled_fonts(tmp_path):
    html = """<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Packliste SH-1</title>
    <style>table { border-collapse: collapse } td { border: 1px solid #333; background: #eee }</style>
    </head><body><h1>Packliste</h1><p>Lieferung an <b>DC 6094</b> – Größe M</p>
    <table><tr><td>4500012345</td><td>24</td></tr></table>
    <img src="https://example.invalid/logo.png" alt=""></body></html>"""
    path = tmp_path / "packing-list.pdf"
    path.write_bytes(render_html_pdfa(html))
    assert pdfa_declared_flavour(path) == "2b"
    assert pdfa_validate(path) == []
    with pikepdf.open(path) as pdf:
        base_fonts = {str(font.BaseFont) for font in pdf.pages[0].Resources.Font.values()}
    assert all("DejaVu" in name for name in base_fonts)
    assert "Größe M" in next(scan_pages(path)).text


def test_render_html_pdfa_3b_carries_an_attachment(tmp_path):
    invoice_data = tmp_path / "invoice.xml"
    invoice_data.write_text("<Invoice/>")
    path = tmp_path / "invoice.pdf"
    html = "<html><head><title>Invoice</title></head><body>Invoice</body></html>"
    path.write_bytes(render_html_pdfa(html, variant="pdf/a-3b", attachments=[str(invoice_data)]))
    assert pdfa_validate(path) == []
    with pikepdf.open(path) as pdf:
        assert list(pdf.attachments) == ["invoice.xml"]
