"""The invoice's UBL 2.1 Peppol BIS Billing 3.0 document: written, checked once against the Peppol BIS 3 rules
(UBL schema, CEN EN 16931, Peppol) and stored under a deterministic key, like the PDF. The worker does it when
an invoice is submitted; a download serves the stored file while current (and makes it once when missing)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vendor_portal.errors import ConflictError, NotFoundError, field_error
from vendor_portal.services.audit import Actor
from vendor_portal.services.documents import document_store

from ..models import VENDOR_ONLY_STATES, Invoice
from .document import InvoiceDocument

UBL_KIND = "invoice_ubl"
UBL_CONTENT_TYPE = "application/xml"


class EInvoiceRefused(ConflictError):
    """The written e-invoice breaks a rule of its syntax: not issued; each broken rule one error (field = rule id)."""

    code = "einvoice_invalid"


def ubl_document_key(invoice: Invoice) -> str:
    return f"invoices/{invoice.pk}/{invoice.invoice_type.lower()}-{invoice.pk}-ubl.xml"


def ubl_filename(invoice: Invoice) -> str:
    return f"{invoice.number}-ubl.xml"


def invoice_ubl_render(*, invoice: Invoice, actor: Actor):
    """Write the UBL, check it against Peppol BIS 3 (EInvoiceRefused with every fatal problem) and store it."""
    from ..einvoices.ubl import invoice_ubl
    from ..einvoices.validation import PEPPOL_BIS3, fatal_problems

    xml = invoice_ubl(InvoiceDocument.load(invoice))
    problems = fatal_problems(xml, PEPPOL_BIS3)
    if problems:
        raise EInvoiceRefused(
            _("%(type)s %(n)s cannot be issued as UBL: %(count)s Peppol BIS 3 rule(s) broken.")
            % {"type": invoice.get_invoice_type_display(), "n": invoice.number, "count": len(problems)},
            errors=[field_error(None, problem.rule or "XSD", f"{problem.rule}: {problem.message}", "einvoice_rule") for problem in problems],
        )
    return document_store(
        vendor=invoice.vendor,
        kind=UBL_KIND,
        key=ubl_document_key(invoice),
        title=_("%(type)s %(n)s (UBL)") % {"type": invoice.get_invoice_type_display(), "n": invoice.number},
        content=xml,
        content_type=UBL_CONTENT_TYPE,
        target=invoice,
        uploaded_by=actor.user,
    )


def invoice_ubl_document(*, scope, invoice_id, actor: Actor):
    """The stored UBL of a submitted invoice or credit note, made first when missing or older than its last change."""
    from vendor_portal.models import Document

    invoice = Invoice.objects.visible_to(scope).filter(pk=invoice_id).first() if str(invoice_id).isdigit() else None
    if invoice is None:
        raise NotFoundError(_("Invoice not found."))
    if invoice.state in VENDOR_ONLY_STATES:
        raise ConflictError(_("Only a submitted invoice or credit note is issued as UBL."))
    stored = Document.objects.filter(vendor=invoice.vendor, kind=UBL_KIND, key=ubl_document_key(invoice)).first()
    if stored is None or stored.created_at < invoice.updated_at or not stored.file or not stored.file.storage.exists(stored.file.name):
        stored = invoice_ubl_render(invoice=invoice, actor=actor)
    return stored
