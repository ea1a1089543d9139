"""PDF/A for labels (ReportLab + pikepdf) and documents (WeasyPrint).

Pure helpers, no Django. Labels are drawn with ReportLab and turned into PDF/A-2b by
`make_pdfa`; packing lists and invoices are HTML rendered by `render_html_pdfa`. Both embed
the DejaVu fonts shipped in `vendor_portal/fonts`, so nothing depends on system fonts or the
network.
"""

from __future__ import annotations

import functools
import io
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pikepdf
import pikepdf.pdfa
from PIL import ImageCms

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR_FONT_PATH = FONT_DIR / "DejaVuSans.ttf"
BOLD_FONT_PATH = FONT_DIR / "DejaVuSans-Bold.ttf"
REGULAR_FONT_NAME = "DejaVuSans"
BOLD_FONT_NAME = "DejaVuSans-Bold"

SRGB_OUTPUT_CONDITION = "sRGB IEC61966-2.1"

# WeasyPrint resolves @font-face urls itself; user stylesheet, so a template's own CSS wins.
_DOCUMENT_FONTS_CSS = f"""
@font-face {{ font-family: "DejaVu Sans"; font-weight: normal; src: url("{REGULAR_FONT_PATH.as_uri()}"); }}
@font-face {{ font-family: "DejaVu Sans"; font-weight: bold; src: url("{BOLD_FONT_PATH.as_uri()}"); }}
html {{ font-family: "DejaVu Sans"; }}
"""

PdfSource = str | os.PathLike[str] | bytes
PdfDestination = str | os.PathLike[str] | BinaryIO


@functools.cache
def srgb_icc_profile() -> bytes:
    """LittleCMS's built-in sRGB profile (ICC v4), the output intent of every PDF/A we write."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _pdfa_flavour(part: int, conformance: str) -> str:
    # pikepdf.pdfa checks level B only; PDF/A-1 would also need an ICC v2 output profile.
    if part not in (2, 3) or conformance.upper() != "B":
        raise ValueError(f"only PDF/A-2b and PDF/A-3b are supported, got part={part} conformance={conformance!r}")
    return f"{part}b"


def make_pdfa(
    source: PdfSource,
    dest: PdfDestination,
    *,
    title: str,
    part: int = 2,
    conformance: str = "B",
    document_id: uuid.UUID | None = None,
) -> None:
    """Convert a ReportLab-produced PDF (path or bytes) into PDF/A at `dest`.

    pikepdf installs the sRGB output intent, rewrites the XMP metadata with the pdfaid
    declaration, removes document JavaScript, writes a fresh file identifier without
    encryption, then re-reads what it wrote and raises `pikepdf.pdfa.PdfaError` unless it
    passes. qpdf reads objects from the source file on demand and streams the output, so a
    path source keeps memory flat however many pages it has. `document_id` (xmpMM:DocumentID)
    defaults to a new UUID.
    """
    flavour = _pdfa_flavour(part, conformance)
    opened = pikepdf.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    with opened as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as metadata:
            metadata["dc:title"] = title
            metadata["xmpMM:DocumentID"] = f"uuid:{document_id or uuid.uuid4()}"
            metadata["xmpMM:InstanceID"] = f"uuid:{uuid.uuid4()}"
        pdf.docinfo[pikepdf.Name.Title] = title
        for page in pdf.pages:
            # ReportLab writes an empty /Trans (page transition) on every page; it means nothing
            # and pikepdf's allowlist validator does not accept it.
            transition = page.obj.get(pikepdf.Name.Trans)
            if transition is not None and len(transition) == 0:
                del page.obj[pikepdf.Name.Trans]
        pikepdf.pdfa.save(
            pdf,
            dest,
            flavour,
            output_intent=srgb_icc_profile(),
            output_condition_identifier=SRGB_OUTPUT_CONDITION,
        )


def pdfa_declared_flavour(path: str | os.PathLike[str]) -> str | None:
    """The PDF/A flavour a file claims in its XMP metadata, e.g. "2b", or None."""
    with pikepdf.open(path) as pdf:
        status = pdf.open_metadata().pdfa_status
    return status.lower() or None


def pdfa_validate(path: str | os.PathLike[str], *, flavour: str | None = None) -> list[str]:
    """Problems that keep `path` from being the PDF/A it claims to be (or `flavour`); [] if none.

    pikepdf's validator is an allowlist: anything it does not recognise is reported too, so a
    finding may be a false alarm but an empty list should never be.
    """
    flavour = flavour or pdfa_declared_flavour(path)
    if flavour is None:
        return ["no PDF/A part and conformance declared in the XMP metadata"]
    report = pikepdf.pdfa.validate_written(path, flavour)
    return [str(finding) for finding in report.findings]


def _local_url_fetcher() -> URLFetcher:
    from weasyprint.urls import URLFetcher  # WeasyPrint is slow to import; labels never need it

    # Documents render offline: bundled fonts and static files only, never a remote URL.
    return URLFetcher(allowed_protocols={"file", "data"})


_HTML_PDFA_FLAVOURS = {"pdf/a-2b": "2b", "pdf/a-3b": "3b"}


def _drop_empty_resource_dicts(pdf: pikepdf.Pdf) -> None:
    # WeasyPrint writes empty /Pattern and /Shading dictionaries on every page; pikepdf's
    # allowlist validator reports any of them as unchecked, so an empty one would fail the file.
    for page in pdf.pages:
        resources = page.obj.get(pikepdf.Name.Resources)
        if resources is None:
            continue
        for key in (pikepdf.Name.Pattern, pikepdf.Name.Shading):
            entry = resources.get(key)
            if entry is not None and len(entry) == 0:
                del resources[key]


def render_html_pdfa(
    html: str,
    *,
    base_url: str | None = None,
    variant: str = "pdf/a-2b",
    attachments: Sequence[object] | None = None,
) -> bytes:
    """Render an HTML document to validated PDF/A bytes with WeasyPrint and the bundled fonts.

    `attachments` (file paths or `weasyprint.Attachment`s) need `variant="pdf/a-3b"`, e.g. for
    machine-readable invoice data; PDF/A-2 drops non-PDF attachments. Raises
    `pikepdf.pdfa.PdfaError` if the result does not validate, e.g. when a template uses CSS
    gradients (shadings), which pikepdf's validator does not check.
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    flavour = _HTML_PDFA_FLAVOURS.get(variant)
    if flavour is None:
        raise ValueError(f"variant must be one of {sorted(_HTML_PDFA_FLAVOURS)}, got {variant!r}")
    font_config = FontConfiguration()
    url_fetcher = _local_url_fetcher()
    fonts_css = CSS(string=_DOCUMENT_FONTS_CSS, font_config=font_config, url_fetcher=url_fetcher)
    document = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
    weasyprint_pdf = document.write_pdf(
        stylesheets=[fonts_css],
        font_config=font_config,
        pdf_variant=variant,
        attachments=list(attachments) if attachments else None,
    )
    output = io.BytesIO()
    with pikepdf.open(io.BytesIO(weasyprint_pdf)) as pdf:
        _drop_empty_resource_dicts(pdf)
        # WeasyPrint already wrote the output intent and XMP; pikepdf only writes and validates.
        pikepdf.pdfa.save(pdf, output, flavour, output_intent=None, repair=False)
    return output.getvalue()
