"""Draft invoices flipped from a purchase order or a submitted ASN: what is left to invoice, at the PO's cost."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from purchase_orders.models import PaymentTerms, PurchaseOrder, PurchaseOrderLine
from vendor_portal.errors import DomainValidationError, InvalidTransitionError, NotFoundError
from vendor_portal.models import marketplace_today
from vendor_portal.services.audit import Actor

from ..models import Invoice, InvoiceSource, InvoiceType, TaxType
from ._common import _refuse, _require_vendor
from .document import default_parties
from .drafts import _fill_party_defaults, _next_number, _store_new
from .inputs import InvoiceInput, InvoiceLineInput
from .payload import build_document

# VAT a flipped invoice starts with, by marketplace (the vendor can change it on the draft).
DEFAULT_VAT_RATE = {"UK": Decimal("20"), "DE": Decimal("19"), "FR": Decimal("20")}


def invoiceable_quantity(line: PurchaseOrderLine) -> int:
    """Units a flip proposes: received when known, else shipped, else accepted; minus what was invoiced."""
    basis = line.received_quantity or line.shipped_quantity or line.accepted_quantity
    return max(0, basis - line.invoiced_quantity)


def _line_input(po_line: PurchaseOrderLine, quantity: int, vat_rate, sequence: int) -> InvoiceLineInput:
    return InvoiceLineInput(
        sequence=sequence,
        purchase_order_number=po_line.purchase_order.number,
        po_line_sequence=po_line.sequence,
        asin=po_line.asin,
        vendor_sku=po_line.vendor_sku,
        title=po_line.title,
        quantity=quantity,
        unit_cost=po_line.net_cost,
        unit_of_measure=po_line.unit_of_measure,
        unit_size=po_line.unit_size,
        tax_type=TaxType.VAT if vat_rate else "",
        tax_rate=Decimal(vat_rate) if vat_rate else None,
    )


def invoice_from_purchase_order(*, scope, po_number: str, actor: Actor, number: str = "", invoice_date=None) -> Invoice:
    """Flip a PO into a draft invoice: every line still to invoice, at the PO's net cost."""
    _require_vendor(scope)
    po = PurchaseOrder.objects.visible_to(scope).select_related("marketplace", "ship_to").filter(number=str(po_number or "").strip()).first()
    if po is None:
        raise NotFoundError(_("Purchase order %(number)s not found.") % {"number": po_number}, field="po_number")
    vat = DEFAULT_VAT_RATE.get(po.marketplace.code)
    to_invoice = [(line, invoiceable_quantity(line)) for line in po.lines.order_by("sequence")]
    rows = [
        _line_input(line, quantity, vat, sequence) for sequence, (line, quantity) in enumerate([pair for pair in to_invoice if pair[1] > 0], start=1)
    ]
    if not rows:
        raise DomainValidationError(_("Nothing on PO %(number)s is left to invoice.") % {"number": po.number}, field="po_number")
    data = InvoiceInput(
        number=number or _next_number(po.vendor, f"INV-{po.number}"),
        invoice_type=InvoiceType.INVOICE,
        invoice_date=invoice_date or marketplace_today(po.marketplace),
        marketplace=po.marketplace.code,
        currency=po.currency,
        payment_terms=po.payment_terms,
        lines=rows,
    )
    if po.payment_terms == PaymentTerms.NET_30_2_10:
        data.discount_percent, data.discount_due_days = Decimal("2"), 10
    document, errors = build_document(scope=scope, data=data)
    if errors:
        _refuse(errors)
    document.invoice.purchase_order = po
    document.invoice.source = InvoiceSource.PURCHASE_ORDER
    document.invoice.created_by = actor.user
    _fill_party_defaults(document.invoice)
    return _store_new(document, actor)


def invoice_from_shipment(*, scope, shipment_id, actor: Actor, number: str = "", invoice_date=None) -> Invoice:
    """Flip a submitted ASN into a draft invoice: its lines and quantities (less anything already invoiced)."""
    from shipments.models import Shipment, ShipmentState

    _require_vendor(scope)
    try:
        shipment = Shipment.objects.visible_to(scope).select_related("marketplace", "ship_from").filter(pk=int(shipment_id)).first()
    except (TypeError, ValueError):
        shipment = None
    if shipment is None:
        raise NotFoundError(_("Shipment not found."), field="shipment_id")
    if shipment.state in (ShipmentState.DRAFT, ShipmentState.CANCELLED):
        raise InvalidTransitionError(
            _("Only a submitted ASN can be invoiced; %(id)s is %(state)s.")
            % {"id": shipment.shipment_identifier, "state": shipment.get_state_display().lower()}
        )
    vat = DEFAULT_VAT_RATE.get(shipment.marketplace.code)
    rows = []
    purchase_orders = []
    for shipment_line in shipment.lines.select_related("purchase_order_line__purchase_order").order_by(
        "purchase_order_line__purchase_order__number", "purchase_order_line__sequence"
    ):
        po_line = shipment_line.purchase_order_line
        # This ASN's units, unless the PO line's shipped units were already invoiced (e.g. from the PO or another ASN).
        quantity = min(shipment_line.quantity, max(0, po_line.shipped_quantity - po_line.invoiced_quantity))
        if quantity > 0:
            rows.append(_line_input(po_line, quantity, vat, len(rows) + 1))
            purchase_orders.append(po_line.purchase_order)
    if not rows:
        raise DomainValidationError(_("Nothing on ASN %(id)s is left to invoice.") % {"id": shipment.shipment_identifier}, field="shipment_id")
    first_po = purchase_orders[0]
    data = InvoiceInput(
        number=number or _next_number(shipment.vendor, f"INV-{shipment.shipment_identifier}"[:40]),
        invoice_type=InvoiceType.INVOICE,
        invoice_date=invoice_date or marketplace_today(shipment.marketplace),
        marketplace=shipment.marketplace.code,
        currency=first_po.currency,
        payment_terms=first_po.payment_terms,
        lines=rows,
    )
    document, errors = build_document(scope=scope, data=data)
    if errors:
        _refuse(errors)
    invoice = document.invoice
    invoice.purchase_order = first_po
    invoice.source = InvoiceSource.SHIPMENT
    invoice.shipment_id = shipment.pk
    invoice.shipment_identifier = shipment.shipment_identifier[:40]
    invoice.created_by = actor.user
    parties = default_parties(vendor=shipment.vendor, marketplace=shipment.marketplace, purchase_order=first_po, ship_from=shipment.ship_from)
    for name, value in parties.items():
        setattr(invoice, name, value)
    return _store_new(document, actor)
