"""Invoice reads for the screens, the API and the invoice document. Every read starts at `visible_to(scope)`."""

from __future__ import annotations

from django.db.models import Count, DecimalField, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from purchase_orders.models import PurchaseOrder, PurchaseOrderState
from vendor_portal.errors import DomainValidationError, NotFoundError, field_error
from vendor_portal.models import AuditEvent
from vendor_portal.money import per_each, round_money

from .filters import InvoiceFilter
from .models import Invoice, InvoiceLine, InvoiceState, InvoiceType
from .taxes import taxes_for


def with_line_count(queryset):
    lines = InvoiceLine.objects.filter(invoice=OuterRef("pk")).order_by().values("invoice").annotate(n=Count("pk")).values("n")
    return queryset.annotate(line_count=Coalesce(Subquery(lines, output_field=IntegerField()), Value(0)))


def invoice_list(*, scope, params, filterset=None):
    """The invoices the scope may see, filtered (by InvoiceFilter's parameters, or the screen's `filterset`
    over invoice_filterset); one query per page whatever its length."""
    queryset = Invoice.objects.visible_to(scope).select_related("vendor", "marketplace", "purchase_order")
    if filterset is not None:
        return with_line_count(filterset.qs.select_related("vendor", "marketplace", "purchase_order")).order_by("-invoice_date", "-id")
    filterset = InvoiceFilter(data=params, queryset=queryset)
    if not filterset.is_valid():
        errors = [field_error(None, name, message) for name, messages in filterset.errors.items() for message in messages]
        raise DomainValidationError(_("The filters are not valid."), errors=errors)
    return with_line_count(filterset.qs).order_by("-invoice_date", "-id")


def invoice_detail(*, scope, invoice_id) -> Invoice:
    invoice = (
        Invoice.objects.visible_to(scope)
        .select_related("vendor", "marketplace", "purchase_order", "reference_invoice", "approval_request", "submitted_by", "created_by")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.select_related("purchase_order_line", "credited_line").order_by("sequence")),
            "charges",
            "taxes",
        )
        .filter(pk=invoice_id)
        .first()
        if str(invoice_id).isdigit()
        else None
    )
    if invoice is None:
        raise NotFoundError(_("Invoice not found."))
    return invoice


def invoice_audit_trail(invoice: Invoice):
    return AuditEvent.objects.for_object(invoice).order_by("-occurred_at", "-id")[:200]


def purchase_orders_to_invoice(*, scope):
    """POs with something shipped, received or accepted that is not fully invoiced yet, newest first."""
    return (
        PurchaseOrder.objects.visible_to(scope)
        .exclude(state__in=[PurchaseOrderState.NEW, PurchaseOrderState.CANCELLED])
        .select_related("marketplace")
        .order_by("-order_date", "-id")
    )


def shipments_to_invoice(*, scope, search: str = ""):
    """Submitted ASNs with units still to invoice and no invoice of their own yet (a draft counts: it is in
    hand), newest first, each with its `value` at the PO's net cost and its `currency`. `search`: a part of
    the ASN's identifier or of a PO number on it."""
    from shipments.models import Shipment, ShipmentLine, ShipmentState

    lines = ShipmentLine.objects.filter(shipment=OuterRef("pk")).order_by().values("shipment")
    value = lines.annotate(total=Sum(F("quantity") * F("purchase_order_line__net_cost"))).values("total")
    currency = lines.values("purchase_order_line__purchase_order__currency")[:1]
    left_to_invoice = ShipmentLine.objects.filter(
        shipment=OuterRef("pk"), purchase_order_line__shipped_quantity__gt=F("purchase_order_line__invoiced_quantity")
    )
    invoiced = Invoice.objects.filter(shipment_id=OuterRef("pk"), invoice_type=InvoiceType.INVOICE).exclude(state=InvoiceState.REJECTED)
    queryset = (
        Shipment.objects.visible_to(scope)
        .filter(state__in=[ShipmentState.SUBMITTED, ShipmentState.RECEIVING, ShipmentState.RECEIVED])
        .filter(Exists(left_to_invoice))
        .exclude(Exists(invoiced))
    )
    search = (search or "").strip()
    if search:
        on_po = ShipmentLine.objects.filter(purchase_order_line__purchase_order__number__icontains=search).values("shipment_id")
        queryset = queryset.filter(Q(shipment_identifier__icontains=search) | Q(pk__in=on_po))
    return (
        queryset.annotate(value=Subquery(value, output_field=DecimalField(max_digits=14, decimal_places=2)), currency=Subquery(currency))
        .select_related("marketplace", "ship_to")
        .order_by("-created_at", "-id")
    )


def invoices_needing_attention(*, scope) -> int:
    return Invoice.objects.visible_to(scope).filter(state__in=[InvoiceState.DRAFT, InvoiceState.REJECTED]).count()


# Amazon's vendorInvoices shape -----------------------------------------------------------------------
def _money(amount, currency) -> dict:
    return {"currencyCode": currency, "amount": str(round_money(amount))}


def _rate(value) -> str:
    text = format(value.normalize(), "f")
    return text


def _party(party_id, address, tax_id: str = "", tax_type: str = "") -> dict:
    party = {"partyId": party_id or "UNKNOWN"}
    if address and address.get("name") and address.get("addressLine1") and address.get("countryCode"):
        party["address"] = {key: value for key, value in address.items() if value not in (None, "")}
    if tax_id and tax_type:
        party["taxRegistrationDetails"] = [{"taxRegistrationType": tax_type, "taxRegistrationNumber": tax_id}]
    return party


def _tax_details(tax_type, rate, amount, taxable, currency) -> dict:
    details = {"taxType": tax_type, "taxAmount": _money(amount, currency)}
    if rate:
        details["taxRate"] = _rate(rate)
    if taxable is not None:
        details["taxableAmount"] = _money(taxable, currency)
    return details


TERMS = {"net30": ("Basic", 30), "net60": ("Basic", 60), "net90": ("Basic", 90), "eom": ("EndOfMonth", 0), "2/10net30": ("Basic", 30)}


def invoice_amazon_payload(document) -> dict:
    """One invoice as an Amazon SubmitInvoicesRequest `Invoice` object."""
    invoice = document.invoice
    currency = invoice.currency
    terms_type, net_days = TERMS.get(invoice.payment_terms, ("Basic", 60))
    tax_type = taxes_for(invoice.marketplace.code).registration_type
    terms = {"type": terms_type}
    if net_days:
        terms["netDueDays"] = net_days
    if invoice.discount_percent:
        terms.update(discountPercent=_rate(invoice.discount_percent), discountDueDays=invoice.discount_due_days)
    result = {
        "invoiceType": invoice.invoice_type,
        "id": invoice.number,
        "date": f"{invoice.invoice_date.isoformat()}T00:00:00Z",
        "remitToParty": _party(invoice.remit_to_party_id, invoice.remit_to_address, invoice.remit_to_tax_id, tax_type),
        "paymentTerms": terms,
        "invoiceTotal": _money(invoice.grand_total, currency),
        "items": [],
    }
    if invoice.ship_from_party_id:
        result["shipFromParty"] = _party(invoice.ship_from_party_id, invoice.ship_from_address)
    if invoice.bill_to_party_id:
        result["billToParty"] = _party(invoice.bill_to_party_id, invoice.bill_to_address, invoice.bill_to_tax_id, tax_type)
    if invoice.ship_to_party_id:
        result["shipToParty"] = _party(invoice.ship_to_party_id, {})
    if document.taxes:
        result["taxDetails"] = [_tax_details(t.tax_type, t.rate, t.amount, t.taxable_amount, currency) for t in document.taxes]
    charges = [c for c in document.charges if c.kind == "charge"]
    allowances = [c for c in document.charges if c.kind == "allowance"]
    if charges:
        result["chargeDetails"] = [_charge(c, "chargeAmount", currency) for c in charges]
    if allowances:
        result["allowanceDetails"] = [_charge(c, "allowanceAmount", currency) for c in allowances]
    for line in document.lines:
        item = {
            "itemSequenceNumber": line.sequence,
            "invoicedQuantity": {"amount": line.quantity, "unitOfMeasure": line.unit_of_measure},
            "netCost": _money(line.unit_cost, currency),
        }
        if line.unit_of_measure == "Cases":
            # Amazon's netCost is per each: the portal's cost per case over the case size.
            item["invoicedQuantity"]["unitSize"] = line.unit_size
            item["netCost"] = {"currencyCode": currency, "amount": str(per_each(line.unit_cost, line.unit_size))}
        if line.asin:
            item["amazonProductIdentifier"] = line.asin
        if line.vendor_sku:
            item["vendorProductIdentifier"] = line.vendor_sku
        if line.purchase_order_number:
            item["purchaseOrderNumber"] = line.purchase_order_number
        if line.tax_amount or line.tax_rate:
            item["taxDetails"] = [_tax_details(line.tax_type or "VAT", line.tax_rate, line.tax_amount, line.line_amount, currency)]
        if invoice.invoice_type == InvoiceType.CREDIT_NOTE and invoice.reference_invoice_id:
            details = {"referenceInvoiceNumber": invoice.reference_invoice.number}
            if invoice.credit_reference:
                details["rmaId"] = invoice.credit_reference
            item["creditNoteDetails"] = details
        result["items"].append(item)
    return result


def _charge(charge, amount_key: str, currency: str) -> dict:
    details = {"type": charge.charge_type, amount_key: _money(charge.amount, currency)}
    if charge.description:
        details["description"] = charge.description
    if charge.tax_amount or charge.tax_rate:
        details["taxDetails"] = [_tax_details(charge.tax_type or "VAT", charge.tax_rate, charge.tax_amount, charge.amount, currency)]
    return details


def invoice_data_json(document) -> dict:
    """The data attached to the PDF/A-3 invoice: Amazon's shape plus the portal's own totals and state."""
    invoice = document.invoice
    return {
        "invoice": invoice_amazon_payload(document),
        "portal": {
            "id": invoice.pk,
            "vendor": invoice.vendor.code,
            "marketplace": invoice.marketplace.code,
            "state": invoice.state,
            "items_subtotal": str(invoice.items_subtotal),
            "charges_total": str(invoice.charges_total),
            "allowances_total": str(invoice.allowances_total),
            "tax_total": str(invoice.tax_total),
            "grand_total": str(invoice.grand_total),
            "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        },
    }
