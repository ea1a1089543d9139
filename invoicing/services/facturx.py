"""Factur-X issued: a submitted invoice or credit note as a PDF/A-3 (the invoice's own rendering) with its
EN 16931 CII XML embedded as factur-x.xml and the Factur-X XMP, by the `factur-x` library. The worker
renders it after submission, validates the XML once against the Factur-X schema and schematron, and
stores it as the invoice's document; the download serves the stored file while it is current."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from vendor_portal.errors import InvalidTransitionError, NotFoundError
from vendor_portal.services.audit import Actor
from vendor_portal.services.documents import document_store

from ..einvoices.cii import cii_write
from ..models import SENT_STATES, Invoice
from .document import InvoiceDocument
from .pdf import invoice_pdf_content

logger = logging.getLogger(__name__)

FACTURX_KIND = "invoice_facturx"


def facturx_key(invoice: Invoice) -> str:
    return f"invoices/{invoice.pk}/factur-x-{invoice.invoice_type.lower()}-{invoice.pk}.pdf"


def facturx_filename(invoice: Invoice) -> str:
    safe = "".join(ch for ch in invoice.number if ch.isalnum() or ch in "._-") or str(invoice.pk)
    return f"factur-x-{safe}.pdf"


def invoice_cii_xml(invoice: Invoice) -> bytes:
    return cii_write(InvoiceDocument.load(invoice))


def invoice_facturx_content(invoice: Invoice, *, validate: bool = False) -> bytes:
    """The Factur-X PDF bytes. With `validate`, the XML is checked against the Factur-X EN 16931 XSD and
    schematron first and each broken rule is logged (the file is still made: the invoice passed the
    portal's hard checks and the vendor needs its document)."""
    from facturx import generate_from_binary

    xml = invoice_cii_xml(invoice)
    if validate:
        from ..einvoices.validation import FACTUR_X_EN16931, fatal_problems

        for problem in fatal_problems(xml, FACTUR_X_EN16931):
            logger.error("Factur-X of invoice %s breaks %s at %s: %s", invoice.pk, problem.rule, problem.location, problem.message)
    pdf = invoice_pdf_content(invoice, data_attachment=False)
    metadata = {
        "author": invoice.vendor.name,
        "keywords": "Factur-X, Invoice",
        "title": f"{invoice.vendor.name}: {invoice.get_invoice_type_display()} {invoice.number}",
        "subject": f"{invoice.get_invoice_type_display()} {invoice.number}",
    }
    facturx_pdf = generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=False, pdf_metadata=metadata, lang="en-GB", xmp_compression=False
    )
    return _pdfa_tidy(facturx_pdf)


def _pdfa_tidy(pdf: bytes) -> bytes:
    """What the factur-x library writes that PDF/A-3 (as pikepdf checks it) does not take: XMP descriptions
    without rdf:about, and the /UseAttachments page mode."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        xmp = document.Root.Metadata.read_bytes()
        xmp = xmp.replace(b"<rdf:Description>", b'<rdf:Description rdf:about="">')
        document.Root.Metadata.write(xmp)
        if document.Root.get("/PageMode") == pikepdf.Name.UseAttachments:
            del document.Root["/PageMode"]
        output = io.BytesIO()
        document.save(output)
    return output.getvalue()


# The Factur-X XMP declares its fx: properties through a PDF/A extension schema (ISO 19005-3, 6.6.2.3.2);
# pikepdf's validator is an allowlist that does not read extension schemas, so it reports these namespaces.
EXTENSION_SCHEMA_NAMESPACES = (
    "fx=urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    "pdfaExtension=http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema=http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty=http://www.aiim.org/pdfa/ns/property#",
)


def facturx_pdfa_problems(path) -> list[str]:
    """pdfa_validate's findings on a Factur-X file, less the extension schema's namespaces it cannot read."""
    from vendor_portal.pdfa import pdfa_validate

    prefixes = tuple(namespace.split("=")[0] for namespace in EXTENSION_SCHEMA_NAMESPACES)
    return [
        finding
        for finding in pdfa_validate(path)
        if not any(f"XMP namespace {ns} is not permitted" in finding for ns in EXTENSION_SCHEMA_NAMESPACES)
        and not any(f"XMP property {prefix}:" in finding for prefix in prefixes)
    ]


def invoice_facturx_render(*, invoice: Invoice, actor: Actor, validate: bool = True):
    """Render, validate and store the Factur-X PDF under a deterministic key (a second render replaces it)."""
    return document_store(
        vendor=invoice.vendor,
        kind=FACTURX_KIND,
        key=facturx_key(invoice),
        title=_("Factur-X %(type)s %(n)s") % {"type": invoice.get_invoice_type_display(), "n": invoice.number},
        content=invoice_facturx_content(invoice, validate=validate),
        target=invoice,
        uploaded_by=actor.user,
    )


def invoice_facturx(*, scope, invoice_id, actor: Actor):
    """The stored Factur-X PDF of a sent invoice, rendered first when missing or older than the invoice's
    last change (the worker normally made it after submission)."""
    from vendor_portal.models import Document

    invoice = (
        Invoice.objects.visible_to(scope).filter(pk=invoice_id).select_related("vendor", "marketplace").first() if str(invoice_id).isdigit() else None
    )
    if invoice is None:
        raise NotFoundError(_("Invoice not found."))
    if invoice.state not in SENT_STATES:
        raise InvalidTransitionError(_("Invoice %(n)s is not sent yet: submit it first.") % {"n": invoice.number})
    stored = Document.objects.filter(vendor=invoice.vendor, kind=FACTURX_KIND, key=facturx_key(invoice)).first()
    if stored is None or stored.created_at < invoice.updated_at or not stored.file or not stored.file.storage.exists(stored.file.name):
        stored = invoice_facturx_render(invoice=invoice, actor=actor, validate=False)
    return stored
