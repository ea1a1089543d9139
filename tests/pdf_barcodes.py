"""Barcodes on a PDF as a scanner reads them: each page rasterized with pypdfium2, decoded with zxing-cpp."""

import pypdfium2
import zxingcpp

SCAN_DPI = 300


def pdf_barcodes(path) -> list[list[zxingcpp.Barcode]]:
    """The Code 128 symbols of each page, top to bottom."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        pages = []
        for page in document:
            image = page.render(scale=SCAN_DPI / 72, grayscale=True).to_pil()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128, text_mode=zxingcpp.TextMode.Plain)
            pages.append(sorted(found, key=lambda barcode: barcode.position.top_left.y))
        return pages
    finally:
        document.close()
