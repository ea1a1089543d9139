"""Invoices to issue as e-invoices: a German vendor with its VAT id and a ship-from GLN, a PO of two lines
shipped in full, and a submitted invoice of both lines with freight."""

from decimal import Decimal

from django.utils import timezone

from invoicing.services.credit_notes import credit_note_create
from invoicing.services.drafts import invoice_create
from invoicing.services.inputs import CreditLineInput, InvoiceChargeInput, InvoiceInput, InvoiceLineInput
from invoicing.services.submission import invoice_submit
from tests.audit_check import audit_exempt
from tests.factories import VendorAccountFactory, marketplace, vendor_user
from tests.invoicing.factories import shipped_po
from vendor_portal.models import ShipFromAddress
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

VENDOR_VAT = "DE811234567"
VENDOR_GLN = "4012345000009"


def german_vendor_setup(vendor, *, username="acme-finance"):
    """The vendor's DE account (VAT id), a ship-from place with a GLN; its finance user's scope and actor."""
    germany = marketplace("DE")
    with audit_exempt():
        VendorAccountFactory(
            vendor=vendor,
            marketplace=germany,
            vendor_code=f"{vendor.code[:4]}DE",
            tax_registration_number=VENDOR_VAT if vendor.code == "ACME" else "DE822222222",
        )
        ShipFromAddress.objects.get_or_create(
            vendor=vendor,
            code="MAIN",
            defaults={
                "name": f"{vendor.name} warehouse",
                "line1": "Industriestr. 5",
                "city": "Köln",
                "postal_code": "50667",
                "country_code": "DE",
                "gln": VENDOR_GLN if vendor.code == "ACME" else "",
            },
        )
    user = vendor_user(vendor, Role.VENDOR_FINANCE, username=username)
    scope = scope_for_user(user)
    return germany, scope, Actor(user=user)


def german_po(vendor, germany, *, number=None, quantity=10):
    return shipped_po(vendor, lines=2, quantity=quantity, cost="12.50", marketplace=germany, **({"number": number} if number else {}))


def demo_invoice(scope, actor, po, *, number="RE-2026-001", rates=("19", "7"), freight="15.00"):
    """Two lines (10 × 12.50 at 19% and 4 × 12.50 at 7%) and 15.00 freight at 19%, submitted."""
    lines = list(po.lines.order_by("sequence"))
    data = InvoiceInput(
        number=number,
        invoice_date=timezone.localdate(),
        lines=[
            InvoiceLineInput(
                purchase_order_number=po.number, po_line_sequence=lines[0].sequence, quantity=10, tax_type="VAT", tax_rate=Decimal(rates[0])
            ),
            InvoiceLineInput(
                purchase_order_number=po.number, po_line_sequence=lines[1].sequence, quantity=4, tax_type="VAT", tax_rate=Decimal(rates[1])
            ),
        ],
        charges=[InvoiceChargeInput(kind="charge", charge_type="Freight", amount=Decimal(freight), tax_type="VAT", tax_rate=Decimal(rates[0]))]
        if freight
        else [],
    )
    invoice = invoice_create(scope=scope, data=data, actor=actor)
    return invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)


def demo_credit_note(scope, actor, invoice, *, quantity=2):
    line = invoice.lines.order_by("sequence").first()
    credit = credit_note_create(
        scope=scope,
        reference_invoice_id=invoice.pk,
        actor=actor,
        reason="return",
        lines=[CreditLineInput(credited_line=line.pk, quantity=quantity)],
    )
    return invoice_submit(scope=scope, invoice_id=credit.pk, actor=actor)
