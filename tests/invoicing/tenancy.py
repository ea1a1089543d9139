"""Invoicing objects of vendor A for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py)."""

from invoicing.models import EInvoiceReceipt
from invoicing.services.flips import invoice_from_purchase_order
from tests.audit_check import audit_exempt
from tests.invoicing.factories import shipped_po
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope


def build(world, vendor):
    po = shipped_po(vendor, quantity=10, number="ACMESECRETINV")
    world["invoice"] = invoice_from_purchase_order(
        scope=Scope(vendor=vendor, roles=frozenset({"vendor_admin"})),
        po_number=po.number,
        number="ACME-SECRET-INV-1",
        actor=Actor(user=world["admin"]),
    )
    with audit_exempt():
        world["einvoice_receipt"] = EInvoiceReceipt.objects.create(vendor=vendor, filename="ACME-SECRET.xml", content=b"<x/>")


def _invoice(world):
    return {"pk": world["invoice"].pk}


URL_KWARGS: dict = {
    name: _invoice
    for name in (
        "invoice_detail",
        "invoice_edit",
        "invoice_submit",
        "invoice_return_to_draft",
        "invoice_credit_note",
        "invoice_delete",
        "invoice_decide",
        "invoice_pdf",
        "invoice_ubl",
        "invoice-detail",
        "invoice-submit",
        "invoice-approve",
        "invoice-decision",
        "invoice-credit-note",
        "invoice-document",
        "invoice-back-to-draft",
        "invoice_facturx",
        "invoice-einvoice",
    )
}


def _receipt(world):
    return {"pk": world["einvoice_receipt"].pk}


URL_KWARGS |= {name: _receipt for name in ("einvoice_receipt", "einvoice_receipt_progress", "einvoice-detail")}
