"""Arrange reconciliation tests: accepted invoices against POs with receipts, deductions, people."""

import datetime
from decimal import Decimal

from django.utils import timezone

from invoicing.api.inputs import credit_lines, invoice_input
from invoicing.models import Invoice, InvoiceState
from invoicing.services.decisions import invoice_decide
from invoicing.services.drafts import invoice_create
from invoicing.services.submission import invoice_submit
from reconciliation.models import Deduction, DeductionKind, DeductionReason, DeductionStatus, marketplace_today
from tests.audit_check import audit_exempt
from tests.factories import marketplace, retailer_user, vendor_user
from tests.invoicing.factories import shipped_po
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user


def finance_user(vendor):
    from vendor_portal.models import User

    existing = User.objects.filter(username=f"{vendor.code.lower()}-finance").first()
    return existing or vendor_user(vendor, Role.VENDOR_FINANCE, username=f"{vendor.code.lower()}-finance")


def ap_user(username="retail-ap", role=Role.ACCOUNTS_PAYABLE):
    from vendor_portal.models import User

    return User.objects.filter(username=username).first() or retailer_user(role, username=username)


def submitted_invoice(vendor, po, *, number, quantity, cost, lines=None, invoice_date=None, **extra) -> Invoice:
    """A vendor's invoice for `po`, submitted through the invoicing services (the hard checks run)."""
    user = finance_user(vendor)
    scope, actor = scope_for_user(user), Actor(user=user)
    rows = lines or [
        {"purchase_order_number": po.number, "po_line_sequence": line.sequence, "quantity": quantity, "unit_cost": str(cost)}
        for line in po.lines.order_by("sequence")
    ]
    data = {"number": number, "invoice_date": (invoice_date or timezone.localdate()).isoformat(), "lines": rows, **extra}
    invoice = invoice_create(scope=scope, data=invoice_input(data), actor=actor)
    return invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)


def accept(invoice: Invoice, ap=None) -> Invoice:
    ap = ap or ap_user()
    return invoice_decide(scope=scope_for_user(ap), invoice_id=invoice.pk, state=InvoiceState.ACCEPTED, actor=Actor(user=ap))


def accepted_invoice(vendor, *, quantity=100, received=96, po_cost="10.00", invoiced_cost="10.50", number="INV-1", lines=1, po_number=None, **extra):
    """The money walk's arrangement: a PO of `quantity` at `po_cost`, `received` units booked, invoiced at `invoiced_cost`."""
    po = shipped_po(vendor, lines=lines, quantity=quantity, received=received, cost=po_cost, **({"number": po_number} if po_number else {}))
    invoice = submitted_invoice(vendor, po, number=number, quantity=quantity, cost=invoiced_cost, **extra)
    return accept(invoice), po


def deduction(
    vendor, *, kind=DeductionKind.CHARGEBACK, reason=DeductionReason.ASN_LATE, amount="25.00", days_ago=0, window_days=30, **fields
) -> Deduction:
    us = marketplace("US")
    raised = timezone.now() - datetime.timedelta(days=days_ago)
    with audit_exempt():
        return Deduction.objects.create(
            vendor=vendor,
            marketplace=us,
            kind=kind,
            reason=reason,
            amount=Decimal(amount),
            currency=us.currency,
            status=DeductionStatus.OPEN,
            created_at=raised,
            # In the marketplace's calendar, as the screens count the days left (not the server's UTC date).
            dispute_deadline=marketplace_today(us, raised) + datetime.timedelta(days=window_days),
            **fields,
        )


def accepted_credit_note(vendor, invoice: Invoice, *, quantity: int, unit_cost=None, number="", reason="return") -> Invoice:
    """The vendor's credit note of `quantity` units of `invoice`'s first line, submitted and accepted by accounts payable."""
    from invoicing.services.credit_notes import credit_note_create

    user = finance_user(vendor)
    scope, actor = scope_for_user(user), Actor(user=user)
    line = invoice.lines.order_by("sequence").first()
    row = {"credited_line": line.pk, "quantity": quantity, **({"unit_cost": str(unit_cost)} if unit_cost is not None else {})}
    credit_note = credit_note_create(
        scope=scope, reference_invoice_id=invoice.pk, actor=actor, number=number, reason=reason, lines=credit_lines([row])
    )
    credit_note = invoice_submit(scope=scope, invoice_id=credit_note.pk, actor=actor)
    return accept(credit_note)
