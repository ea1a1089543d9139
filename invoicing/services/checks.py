"""The hard checks (every reason the retailer would refuse an invoice, one error each) and the pre-flight:
the claims the retailer's 3-way match would raise, shown before submission."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from purchase_orders.models import PurchaseOrder
from vendor_portal.errors import FieldError, NotFoundError, error_list, field_error, with_refs
from vendor_portal.money import ZERO, round_money

from ..models import CREDIT_COUNTED_STATES, SENT_STATES, CreditNoteReason, Invoice, InvoiceLine, InvoiceType
from ._common import _duplicate_number_error, _refuse, _require_vendor
from .document import InvoiceDocument, computed_totals
from .inputs import InvoiceInput
from .payload import build_document

# Stated totals may differ from the sum of their parts by a rounding cent, no more.
ROUNDING_TOLERANCE = Decimal("0.01")


# Hard checks -----------------------------------------------------------------------------------------
def _line_error(ref, line: InvoiceLine, field: str, message, code: str = "invalid") -> FieldError:
    return field_error(ref, field, message, code, sequence=line.sequence)


def _sent_quantities(po_line_ids, *, exclude_invoice_id) -> dict[int, int]:
    """Units the sent invoices bill per PO line, less the units accepted credit notes took back (quantity
    corrections): what the 3-way match counts as already invoiced."""
    rows = (
        InvoiceLine.objects.filter(purchase_order_line_id__in=po_line_ids, invoice__state__in=SENT_STATES, invoice__invoice_type=InvoiceType.INVOICE)
        .exclude(invoice_id=exclude_invoice_id)
        .values("purchase_order_line_id")
        .annotate(total=Sum("quantity"))
    )
    sent = {row["purchase_order_line_id"]: row["total"] for row in rows}
    credited = (
        InvoiceLine.objects.filter(
            credited_line__purchase_order_line_id__in=po_line_ids,
            credited_line__invoice__state__in=SENT_STATES,
            credited_line__invoice__invoice_type=InvoiceType.INVOICE,
            invoice__invoice_type=InvoiceType.CREDIT_NOTE,
            invoice__state__in=CREDIT_COUNTED_STATES,
            invoice__credit_reason=CreditNoteReason.QUANTITY_CORRECTION,
        )
        .exclude(credited_line__invoice_id=exclude_invoice_id)
        .values("credited_line__purchase_order_line_id")
        .annotate(total=Sum("quantity"))
    )
    for row in credited:
        po_line_id = row["credited_line__purchase_order_line_id"]
        sent[po_line_id] = max(0, sent.get(po_line_id, 0) - row["total"])
    return sent


def invoice_check(document: InvoiceDocument, *, today: datetime.date | None = None) -> list[FieldError]:
    """The hard checks: every reason the retailer would refuse this invoice, one error each. A line's
    error names it by its position (`lines[2]`) and carries its `sequence`, for doors that number lines."""
    invoice = document.invoice
    errors: list[FieldError] = []
    is_invoice = invoice.invoice_type == InvoiceType.INVOICE
    if not invoice.number:
        errors.append(field_error(None, "number", _("Give the invoice number."), "required"))
    elif Invoice.objects.filter(vendor_id=invoice.vendor_id, number=invoice.number).exclude(pk=invoice.pk).exists():
        errors.append(_duplicate_number_error(invoice))
    if invoice.invoice_date:
        # The vendor dates the invoice in its own time zone: a date is in the future only if it is
        # tomorrow everywhere on earth (UTC+14).
        today = today or (timezone.now() + datetime.timedelta(hours=14)).date()
        if invoice.invoice_date > today:
            errors.append(
                field_error(
                    None,
                    "invoice_date",
                    _("The invoice date %(date)s is in the future.") % {"date": date_format(invoice.invoice_date, "DATE_FORMAT")},
                    "future_date",
                )
            )
    if not document.lines:
        errors.append(field_error(None, "lines", _("An invoice needs at least one line."), "required"))

    # Purchase orders: the vendor's own, in the invoice's currency.
    numbers = {line.purchase_order_number for line in document.lines if line.purchase_order_number}
    purchase_orders = {po.number: po for po in PurchaseOrder.objects.filter(vendor_id=invoice.vendor_id, number__in=numbers)}
    wrong_currency = set()
    for ref, line in with_refs(document.lines, "lines"):
        if line.quantity <= 0:
            errors.append(_line_error(ref, line, "quantity", _("The quantity must be above zero."), "invalid"))
        if line.credited_line_id and is_invoice:
            errors.append(
                _line_error(ref, line, "credited_line", _("Credit note details belong only on a credit note."), "credit_details_on_invoice")
            )
        if not line.purchase_order_number:
            if is_invoice:
                errors.append(_line_error(ref, line, "purchase_order_number", _("Every line of an invoice names its purchase order."), "required"))
            continue
        po = purchase_orders.get(line.purchase_order_number)
        if po is None:
            errors.append(
                _line_error(ref, line, "purchase_order_number", _("Purchase order %(n)s not found.") % {"n": line.purchase_order_number}, "not_found")
            )
            continue
        if line.purchase_order_line_id is None or line.purchase_order_line.purchase_order_id != po.pk:
            errors.append(_line_error(ref, line, "vendor_sku", _("This item is not on purchase order %(n)s.") % {"n": po.number}, "not_on_po"))
        if po.currency != invoice.currency and po.number not in wrong_currency:
            wrong_currency.add(po.number)
            errors.append(
                field_error(
                    None,
                    "currency",
                    _("Purchase order %(n)s is in %(po)s; the invoice is in %(inv)s.") % {"n": po.number, "po": po.currency, "inv": invoice.currency},
                    "currency_mismatch",
                )
            )

    # Arithmetic: each line, then the header.
    for ref, line in with_refs(document.lines, "lines"):
        if line.line_amount != round_money(line.quantity * line.unit_cost):
            errors.append(
                _line_error(
                    ref,
                    line,
                    "line_amount",
                    _("%(q)s × %(c)s is %(t)s, not %(a)s.")
                    % {"q": line.quantity, "c": line.unit_cost, "t": round_money(line.quantity * line.unit_cost), "a": line.line_amount},
                    "arithmetic",
                )
            )
    totals = computed_totals(document)
    for name in ("items_subtotal", "charges_total", "allowances_total"):
        if abs(getattr(invoice, name) - totals[name]) > ROUNDING_TOLERANCE:
            errors.append(
                field_error(
                    None,
                    name,
                    _("%(field)s is %(stated)s but its rows add up to %(sum)s.")
                    % {"field": name, "stated": getattr(invoice, name), "sum": totals[name]},
                    "arithmetic",
                )
            )
    if abs(totals["row_tax"] - totals["header_tax"]) > ROUNDING_TOLERANCE:
        errors.append(
            field_error(
                None,
                "taxes",
                _("The line and charge taxes add up to %(rows)s but the invoice's taxes are %(header)s.")
                % {"rows": totals["row_tax"], "header": totals["header_tax"]},
                "tax_mismatch",
            )
        )
    if abs(invoice.tax_total - totals["header_tax"]) > ROUNDING_TOLERANCE:
        errors.append(
            field_error(
                None,
                "tax_total",
                _("The tax total is %(stated)s but the taxes add up to %(sum)s.") % {"stated": invoice.tax_total, "sum": totals["header_tax"]},
                "arithmetic",
            )
        )
    expected = round_money(invoice.items_subtotal + invoice.charges_total - invoice.allowances_total + invoice.tax_total)
    if abs(invoice.grand_total - expected) > ROUNDING_TOLERANCE:
        errors.append(
            field_error(
                None,
                "grand_total",
                _("Items + charges − allowances + tax is %(sum)s, not %(stated)s.") % {"sum": expected, "stated": invoice.grand_total},
                "arithmetic",
            )
        )
    if invoice.grand_total <= 0:
        errors.append(field_error(None, "grand_total", _("The total is zero."), "zero_total"))

    if is_invoice:
        if invoice.reference_invoice_id or invoice.credit_reason:
            errors.append(
                field_error(None, "reference_invoice_number", _("Credit note details belong only on a credit note."), "credit_details_on_invoice")
            )
        errors.extend(_over_invoicing_errors(document))
    else:
        errors.extend(_credit_limit_errors(document))
    return errors


def _over_invoicing_errors(document: InvoiceDocument) -> list[FieldError]:
    """A PO line is invoiced at most up to what was shipped (or accepted, before anything shipped)."""
    errors = []
    wanted: dict[int, int] = {}
    for line in document.lines:
        if line.purchase_order_line_id:
            wanted[line.purchase_order_line_id] = wanted.get(line.purchase_order_line_id, 0) + line.quantity
    already = _sent_quantities(list(wanted), exclude_invoice_id=document.invoice.pk)
    reported = set()
    for ref, line in with_refs(document.lines, "lines"):
        po_line = line.purchase_order_line
        if po_line is None or po_line.pk in reported:
            continue
        limit = po_line.shipped_quantity or po_line.accepted_quantity
        if already.get(po_line.pk, 0) + wanted[po_line.pk] > limit:
            reported.add(po_line.pk)
            errors.append(
                _line_error(
                    ref,
                    line,
                    "quantity",
                    _("PO %(n)s line %(s)s: %(limit)s units were shipped/accepted, %(before)s are already invoiced and this invoice adds %(now)s.")
                    % {
                        "n": line.purchase_order_number,
                        "s": po_line.sequence,
                        "limit": limit,
                        "before": already.get(po_line.pk, 0),
                        "now": wanted[po_line.pk],
                    },
                    "over_invoiced",
                )
            )
    return errors


def _credit_limit_errors(document: InvoiceDocument) -> list[FieldError]:
    invoice = document.invoice
    reference = invoice.reference_invoice
    if reference is None:
        return [field_error(None, "reference_invoice_number", _("A credit note names the invoice it credits."), "required")]
    errors = []
    if reference.invoice_type != InvoiceType.INVOICE or reference.state not in SENT_STATES:
        errors.append(
            field_error(
                None,
                "reference_invoice_number",
                _("Invoice %(n)s was never submitted; it cannot be credited.") % {"n": reference.number},
                "invalid_reference",
            )
        )
    if reference.currency != invoice.currency:
        errors.append(field_error(None, "currency", _("The credited invoice is in %(c)s.") % {"c": reference.currency}, "currency_mismatch"))
    earlier = (
        InvoiceLine.objects.filter(credited_line__invoice=reference, invoice__state__in=SENT_STATES, invoice__invoice_type=InvoiceType.CREDIT_NOTE)
        .exclude(invoice_id=invoice.pk)
        .values("credited_line_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("line_amount"))
    )
    earlier = {row["credited_line_id"]: row for row in earlier}
    for ref, line in with_refs(document.lines, "lines"):
        original = line.credited_line
        if original is None:
            errors.append(_line_error(ref, line, "credited_line", _("Each credit note line names the invoice line it credits."), "required"))
            continue
        before = earlier.get(original.pk, {"quantity": 0, "amount": ZERO})
        if before["quantity"] + line.quantity > original.quantity:
            errors.append(
                _line_error(
                    ref,
                    line,
                    "quantity",
                    _("Line %(s)s of %(n)s had %(q)s units; %(before)s are already credited.")
                    % {"s": original.sequence, "n": reference.number, "q": original.quantity, "before": before["quantity"]},
                    "over_credited",
                )
            )
        if line.unit_cost > original.unit_cost:
            errors.append(
                _line_error(
                    ref, line, "unit_cost", _("The credited cost cannot be above the invoiced %(c)s.") % {"c": original.unit_cost}, "over_credited"
                )
            )
        elif before["amount"] + line.line_amount > original.line_amount:
            errors.append(
                _line_error(
                    ref,
                    line,
                    "line_amount",
                    _("Line %(s)s of %(n)s was %(a)s; %(before)s is already credited.")
                    % {"s": original.sequence, "n": reference.number, "a": original.line_amount, "before": before["amount"]},
                    "over_credited",
                )
            )
    credited_before = (
        Invoice.objects.filter(reference_invoice=reference, state__in=SENT_STATES).exclude(pk=invoice.pk).aggregate(total=Sum("grand_total"))["total"]
        or ZERO
    )
    if credited_before + invoice.grand_total > reference.grand_total:
        errors.append(
            field_error(
                None,
                "grand_total",
                _("Invoice %(n)s totalled %(t)s and %(before)s is already credited.")
                % {"n": reference.number, "t": reference.grand_total, "before": credited_before},
                "over_credited",
            )
        )
    return errors


# Pre-flight match ------------------------------------------------------------------------------------
def invoice_preflight(*, scope, invoice: Invoice | InvoiceDocument) -> dict:
    """The claims the retailer's 3-way match would raise, line by line, and the hard-check errors.

    Price claim (PPV): (invoiced cost − PO cost) × quantity when the invoice asks more than the PO.
    Shortage claim (PQV): units invoiced beyond those received (less what earlier invoices took) × invoiced cost.
    """
    document = invoice if isinstance(invoice, InvoiceDocument) else InvoiceDocument.load(invoice)
    problems = invoice_check(document)
    if document.invoice.vendor_id != getattr(scope.vendor, "pk", document.invoice.vendor_id) and not scope.is_retailer:
        raise NotFoundError(_("Invoice not found."))
    po_line_ids = [line.purchase_order_line_id for line in document.lines if line.purchase_order_line_id]
    earlier = _sent_quantities(po_line_ids, exclude_invoice_id=document.invoice.pk)
    rows, used = [], {}
    price_total = shortage_total = ZERO
    awaiting_units = 0
    is_invoice = document.invoice.invoice_type == InvoiceType.INVOICE
    for index, line in enumerate(document.lines):
        po_line = line.purchase_order_line
        row = {
            "index": index,
            "sequence": line.sequence,
            "purchase_order_number": line.purchase_order_number,
            "asin": line.asin,
            "vendor_sku": line.vendor_sku,
            "invoiced_quantity": line.quantity,
            "invoiced_cost": line.unit_cost,
            "po_cost": None,
            "received_quantity": None,
            "previously_invoiced_quantity": None,
            "price_claim": ZERO,
            "shortage_claim": ZERO,
            "shortage_units": 0,
            "awaiting_receipt": False,
            "awaiting_units": 0,
            "warnings": [],
        }
        if po_line is not None and is_invoice:
            prior = earlier.get(po_line.pk, 0) + used.get(po_line.pk, 0)
            used[po_line.pk] = used.get(po_line.pk, 0) + line.quantity
            row.update(po_cost=po_line.net_cost, received_quantity=po_line.received_quantity, previously_invoiced_quantity=prior)
            if line.unit_cost > po_line.net_cost:
                row["price_claim"] = round_money((line.unit_cost - po_line.net_cost) * line.quantity)
                row["warnings"].append(
                    _("Unit cost %(inv)s is above the PO cost %(po)s: a price claim (PPV) of %(claim)s.")
                    % {"inv": line.unit_cost, "po": po_line.net_cost, "claim": row["price_claim"]}
                )
            received_left = max(0, po_line.received_quantity - prior)
            if po_line.received_quantity == 0:
                # As the match does: nothing received on the PO line yet is no shortage but a wait (the invoice
                # goes on hold until the DC books the receipt), so no claim is predicted.
                row["awaiting_receipt"] = True
                row["awaiting_units"] = line.quantity
                awaiting_units += line.quantity
                row["warnings"].append(
                    ngettext(
                        "Awaiting receipt: the DC has not received this item yet; the invoice waits on hold for its %(units)s unit.",
                        "Awaiting receipt: the DC has not received this item yet; the invoice waits on hold for its %(units)s units.",
                        line.quantity,
                    )
                    % {"units": line.quantity}
                )
            elif line.quantity > received_left:
                row["shortage_units"] = line.quantity - received_left
                row["shortage_claim"] = round_money(row["shortage_units"] * line.unit_cost)
                row["warnings"].append(
                    _("%(units)s units more than received: a shortage claim (PQV) of %(claim)s.")
                    % {"units": row["shortage_units"], "claim": row["shortage_claim"]}
                )
            price_total += row["price_claim"]
            shortage_total += row["shortage_claim"]
        rows.append(row)
    claims = round_money(price_total + shortage_total)
    return {
        "lines": rows,
        "price_claim_total": round_money(price_total),
        "shortage_claim_total": round_money(shortage_total),
        "claims_total": claims,
        "awaiting_receipt_units": awaiting_units,
        "grand_total": document.invoice.grand_total,
        "expected_payment": round_money(document.invoice.grand_total - claims) if is_invoice else document.invoice.grand_total,
        "currency": document.invoice.currency,
        # As the API and the pages show them; `problems` keep each one's ref for a form to place it.
        "errors": error_list(problems),
        "problems": problems,
    }


def invoice_preflight_draft(*, scope, data: InvoiceInput, invoice: Invoice | None = None) -> dict:
    """The pre-flight of a draft as a door states it (a new one, or changes to `invoice`) without saving anything."""
    _require_vendor(scope)
    if invoice is not None:
        invoice = Invoice.objects.visible_to(scope).get(pk=invoice.pk)
    document, errors = build_document(scope=scope, data=data, invoice=invoice)
    if errors:
        _refuse(errors, _("The draft cannot be read."))
    return invoice_preflight(scope=scope, invoice=document)
