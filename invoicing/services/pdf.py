"""The invoice's PDF/A-3b, its data attached as JSON: rendered and stored under a deterministic key, served
while current."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vendor_portal.errors import NotFoundError
from vendor_portal.services.audit import Actor
from vendor_portal.services.documents import document_store

from ..models import Invoice
from ..taxes import taxes_for
from .document import InvoiceDocument, computed_totals


def invoice_pdf_content(invoice: Invoice, *, data_attachment: bool = True) -> bytes:
    """The invoice as PDF/A-3b bytes, its data attached as JSON unless `data_attachment` is False (the
    Factur-X rendering attaches its CII XML instead)."""
    import json
    import os
    import tempfile

    from django.template.loader import render_to_string
    from weasyprint import Attachment

    from vendor_portal.pdfa import render_html_pdfa

    from ..selectors import invoice_data_json

    document = InvoiceDocument.load(invoice)
    with tempfile.TemporaryDirectory() as directory:
        attachments = []
        if data_attachment:
            data = json.dumps(invoice_data_json(document), indent=2, sort_keys=True).encode()
            data_path = os.path.join(directory, f"{invoice.invoice_type.lower()}-{invoice.pk}.json")
            with open(data_path, "wb") as handle:
                handle.write(data)
            attachments.append(Attachment(filename=data_path, description="Invoice data (Amazon vendorInvoices shape)", relationship="Data"))
        context = {
            "doc": document,
            "invoice": invoice,
            "totals": computed_totals(document),
            "tax_id_label": taxes_for(invoice.marketplace.code).registration_label,
        }
        html = render_to_string("invoicing/invoice_pdf.html", context)
        return render_html_pdfa(html, variant="pdf/a-3b", attachments=attachments)


def invoice_document_render(*, invoice: Invoice, actor: Actor):
    """Render the invoice as PDF/A-3b with its data attached as JSON; stored under a deterministic key."""
    return document_store(
        vendor=invoice.vendor,
        kind="invoice",
        key=invoice.document_key,
        title=_("%(type)s %(n)s") % {"type": invoice.get_invoice_type_display(), "n": invoice.number},
        content=invoice_pdf_content(invoice),
        target=invoice,
        uploaded_by=actor.user,
    )


def invoice_document(*, scope, invoice_id, actor: Actor):
    """The stored PDF/A, rendered first when missing or older than the invoice's last change."""
    from vendor_portal.models import Document

    invoice = Invoice.objects.visible_to(scope).filter(pk=invoice_id).first() if str(invoice_id).isdigit() else None
    if invoice is None:
        raise NotFoundError(_("Invoice not found."))
    stored = Document.objects.filter(vendor=invoice.vendor, kind="invoice", key=invoice.document_key).first()
    if stored is None or stored.created_at < invoice.updated_at or not stored.file or not stored.file.storage.exists(stored.file.name):
        stored = invoice_document_render(invoice=invoice, actor=actor)
    return stored
