"""An InvoiceInput read into an unsaved InvoiceDocument: every value checked, every problem one field error
at the row the door gave (`lines[2].unit_cost` from the API)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PaymentTerms, PurchaseOrder, PurchaseOrderLine, UnitOfMeasure
from vendor_portal import limits
from vendor_portal.errors import FieldError, field_error, with_refs
from vendor_portal.models import Marketplace
from vendor_portal.money import ZERO, round_money

from ..models import (
    ALLOWANCE_TYPES,
    CHARGE_TYPES,
    MONEY,
    ChargeKind,
    CreditNoteReason,
    Invoice,
    InvoiceCharge,
    InvoiceLine,
    InvoiceSource,
    InvoiceTax,
    InvoiceType,
    TaxType,
)
from .document import InvoiceDocument, apply_totals, derive_taxes, due_date_for
from .inputs import InvoiceChargeInput, InvoiceInput, InvoiceLineInput, InvoiceTaxInput

RATE = {"max_digits": 7, "decimal_places": 4}  # the tax rate columns
PERCENT = {"max_digits": 5, "decimal_places": 2}  # discount_percent


def _amount(value: Decimal | None, ref, name: str, errors: list, *, required=True, default=ZERO, column=MONEY, places=4) -> Decimal | None:
    if value is None:
        if required:
            errors.append(field_error(ref, name, _("This field is required."), "required"))
        return default
    if not value.is_finite() or value < 0:
        errors.append(field_error(ref, name, _("Give a number of zero or more."), "invalid"))
        return default
    too_large = limits.amount_problem(value, **column)
    if too_large:
        errors.append(field_error(ref, name, too_large, "out_of_range"))
        return default
    if value != value.quantize(Decimal(1).scaleb(-places)):
        errors.append(field_error(ref, name, _("At most 4 decimal places.") if places == 4 else _("At most 6 decimal places."), "invalid"))
        return default
    return value


def _count(value: int | None, ref, name: str, errors: list, *, minimum=1) -> int:
    if value is None:
        errors.append(field_error(ref, name, _("This field is required."), "required"))
        return 0
    if value < minimum:
        errors.append(field_error(ref, name, _("Give a number of at least %(n)s.") % {"n": minimum}, "invalid"))
        return minimum
    too_large = limits.quantity_problem(value)
    if too_large:
        errors.append(field_error(ref, name, too_large, "out_of_range"))
        return minimum
    return value


def _date(value, name: str, errors: list):
    """A document date within the portal's range (None when it is not), so its due date can be computed."""
    if value is None:
        return None
    problem = limits.date_problem(value)
    if problem:
        errors.append(field_error(None, name, problem, "out_of_range"))
        return None
    return value


def _choice(value, choices, ref, name: str, errors: list, *, default=""):
    if value in (None, ""):
        return default
    if not isinstance(value, str) or value not in choices:
        errors.append(
            field_error(
                ref, name, _("%(value)s is not one of %(choices)s.") % {"value": value, "choices": ", ".join(sorted(choices))}, "invalid_choice"
            )
        )
        return default
    return value


def _resolve_po_line(purchase_orders: dict, number: str, line: InvoiceLineInput) -> PurchaseOrderLine | None:
    po = purchase_orders.get(number)
    if po is None:
        return None
    lines = list(po.lines.all())
    if line.po_line_sequence is not None:
        return next((po_line for po_line in lines if po_line.sequence == line.po_line_sequence), None)
    asin, sku = (line.asin or "").strip(), (line.vendor_sku or "").strip()
    for po_line in lines:
        if (asin and po_line.asin == asin) or (sku and po_line.vendor_sku == sku):
            return po_line
    return None


def _case_cost(each: Decimal, quantity: int, unit_size: int, ref, errors: list) -> Decimal:
    """The cost of a case from the cost of one each. The door's line amount is cases × case size × each cost
    (Amazon's arithmetic); the portal's is cases × case cost in cents: they must agree to the cent."""
    case_cost = round_money(each * unit_size)
    stated = round_money(quantity * unit_size * each)
    if stated != round_money(quantity * case_cost):
        errors.append(
            field_error(
                ref,
                "unit_cost",
                _(
                    "%(q)s cases × %(size)s × %(each)s is %(stated)s, but a case (%(size)s × %(each)s) costs %(case)s to the cent, "
                    "which makes %(kept)s: give a cost per each that makes a case a whole number of cents."
                )
                % {"q": quantity, "size": unit_size, "each": each, "stated": stated, "case": case_cost, "kept": round_money(quantity * case_cost)},
                "case_cost_not_exact",
            )
        )
    return case_cost


def _in_po_line_unit(
    po_line: PurchaseOrderLine,
    quantity: int,
    unit_of_measure: str,
    unit_size: int,
    unit_cost: Decimal,
    ref,
    errors: list,
    *,
    cost_given: bool,
    size_given: bool,
):
    """A line invoiced in eaches against a PO line ordered in cases, in cases against one ordered in eaches, or
    in cases of another size (Amazon's netCost is per each, and an 810 or an e-invoice may count eaches), is kept
    in the PO line's unit so that the hard checks, the 3-way match and what is left to invoice compare like with
    like. Its amount stays what the vendor stated: a conversion that would move it by a cent is refused, never
    rounded."""
    as_given = (quantity, unit_of_measure, unit_size, unit_cost)
    place = {"n": po_line.purchase_order.number, "s": po_line.sequence, "size": po_line.unit_size}
    po_in_cases = po_line.unit_of_measure == UnitOfMeasure.CASES
    given_in_cases = unit_of_measure == UnitOfMeasure.CASES
    if given_in_cases and not po_in_cases and not size_given:
        message = _("PO %(n)s line %(s)s is ordered in eaches: give the number of eaches in a case (unit size).")
        errors.append(field_error(ref, "unit_size", message % place, "required"))
        return as_given
    given_size = unit_size if given_in_cases else 1
    po_size = po_line.unit_size if po_in_cases else 1
    eaches = quantity * given_size
    if eaches % po_size:
        if given_in_cases:
            message = _(
                "PO %(n)s line %(s)s is ordered in cases of %(size)s: %(q)s cases of %(given)s (%(eaches)s eaches) is not a whole number "
                "of its cases. Invoice whole cases of %(size)s."
            )
        else:
            message = _(
                "PO %(n)s line %(s)s is ordered in cases of %(size)s: %(q)s eaches is not a whole number of cases. "
                "Invoice whole cases, or a multiple of %(size)s eaches."
            )
        errors.append(field_error(ref, "quantity", message % {**place, "q": quantity, "given": given_size, "eaches": eaches}, "not_whole_cases"))
        return as_given
    cost = unit_cost
    if cost_given:
        cost = round_money(unit_cost * po_size / given_size)
        if cost * given_size != unit_cost * po_size:
            if po_in_cases:
                message = _(
                    "PO %(n)s line %(s)s is ordered in cases of %(size)s: a case of %(case)s at %(cost)s is not a whole number of cents "
                    "a case of %(size)s. Invoice in the PO's cases."
                )
            else:
                message = _(
                    "PO %(n)s line %(s)s is ordered in eaches: a case of %(case)s at %(cost)s is not a whole number of cents an each. "
                    "Invoice in eaches."
                )
            errors.append(field_error(ref, "unit_cost", message % {**place, "case": given_size, "cost": unit_cost}, "each_cost_not_exact"))
            return as_given
    return eaches // po_size, po_line.unit_of_measure, po_size, cost


def _build_lines(invoice: Invoice, rows: list[InvoiceLineInput], errors: list, scope) -> list[InvoiceLine]:
    numbers = {(row.purchase_order_number or "").strip() for row in rows} - {""}
    # Only POs the caller may see resolve (another vendor's, or another marketplace's for a limited member, do not).
    purchase_orders = {
        po.number: po
        for po in PurchaseOrder.objects.visible_to(scope).filter(vendor_id=invoice.vendor_id, number__in=numbers).prefetch_related("lines")
    }
    credited = {}
    credited_ids = [row.credited_line for row in rows if row.credited_line]
    if credited_ids and invoice.reference_invoice_id:
        credited = {line.pk: line for line in InvoiceLine.objects.filter(invoice_id=invoice.reference_invoice_id, pk__in=credited_ids)}
    lines = []
    seen = set()
    for index, (ref, row) in enumerate(with_refs(rows, "lines")):
        sequence = _count(row.sequence if row.sequence is not None else index + 1, ref, "sequence", errors)
        if sequence in seen:
            errors.append(field_error(ref, "sequence", _("Line %(n)s appears twice.") % {"n": sequence}, "duplicate"))
        seen.add(sequence)
        number = (row.purchase_order_number or "").strip()
        po_line = _resolve_po_line(purchase_orders, number, row) if number else None
        quantity = _count(row.quantity, ref, "quantity", errors)
        unit_of_measure = _choice(
            row.unit_of_measure,
            UnitOfMeasure.values,
            ref,
            "unit_of_measure",
            errors,
            default=po_line.unit_of_measure if po_line else UnitOfMeasure.EACHES,
        )
        unit_size = _count(row.unit_size, ref, "unit_size", errors) if row.unit_size is not None else (po_line.unit_size if po_line else 1)
        per_each = row.unit_cost_per_each and unit_of_measure == UnitOfMeasure.CASES
        unit_cost = _amount(row.unit_cost, ref, "unit_cost", errors, required=po_line is None, places=6 if per_each else 4)
        if row.unit_cost is None and po_line is not None:
            unit_cost = po_line.net_cost
        elif per_each:
            unit_cost = _case_cost(unit_cost, quantity, unit_size, ref, errors)
        unit_cost = round_money(unit_cost)
        if po_line is not None and (unit_of_measure, unit_size) != (po_line.unit_of_measure, po_line.unit_size):
            quantity, unit_of_measure, unit_size, unit_cost = _in_po_line_unit(
                po_line,
                quantity,
                unit_of_measure,
                unit_size,
                unit_cost,
                ref,
                errors,
                cost_given=row.unit_cost is not None,
                size_given=row.unit_size is not None,
            )
        line_amount = round_money(quantity * unit_cost)
        too_large = limits.amount_problem(line_amount, **MONEY)
        if too_large:
            errors.append(field_error(ref, "quantity", _("Quantity × unit cost: %(problem)s") % {"problem": too_large}, "out_of_range"))
            line_amount = ZERO
        tax_rate = _amount(row.tax_rate, ref, "tax_rate", errors, required=False, column=RATE)
        tax_amount = _amount(row.tax_amount, ref, "tax_amount", errors, required=False, default=None)
        if tax_amount is None:
            tax_amount = round_money(line_amount * tax_rate / 100)
        credited_line = None
        if row.credited_line:
            credited_line = credited.get(row.credited_line)
            if credited_line is None:
                errors.append(field_error(ref, "credited_line", _("This line is not on the credited invoice."), "not_found"))
        line = InvoiceLine(
            invoice=invoice,
            sequence=sequence,
            purchase_order_line=po_line,
            purchase_order_number=number[:20],
            credited_line=credited_line,
            asin=(row.asin or (po_line.asin if po_line else ""))[:10],
            vendor_sku=(row.vendor_sku or (po_line.vendor_sku if po_line else ""))[:40],
            title=(row.title or (po_line.title if po_line else ""))[:300],
            quantity=quantity,
            unit_of_measure=unit_of_measure,
            unit_size=unit_size,
            unit_cost=unit_cost,
            line_amount=line_amount,
            tax_type=_choice(row.tax_type, TaxType.values, ref, "tax_type", errors, default=TaxType.VAT if tax_rate else ""),
            tax_rate=tax_rate,
            tax_amount=round_money(tax_amount),
        )
        line.ref = ref  # the hard checks of an unsaved draft (pre-flight) name the door's row
        lines.append(line)
    return lines


def _build_charges(invoice: Invoice, rows: list[InvoiceChargeInput], errors: list) -> list[InvoiceCharge]:
    charges = []
    for ref, row in with_refs(rows, "charges"):
        kind = _choice(row.kind, ChargeKind.values, ref, "kind", errors, default=ChargeKind.CHARGE)
        allowed = ALLOWANCE_TYPES if kind == ChargeKind.ALLOWANCE else CHARGE_TYPES
        charge_type = _choice(row.charge_type, allowed, ref, "charge_type", errors)
        if not charge_type:
            charge_type = "Special" if kind == ChargeKind.ALLOWANCE else "Service"
        amount = round_money(_amount(row.amount, ref, "amount", errors))
        tax_rate = _amount(row.tax_rate, ref, "tax_rate", errors, required=False, column=RATE)
        tax_amount = _amount(row.tax_amount, ref, "tax_amount", errors, required=False, default=None)
        if tax_amount is None:
            tax_amount = amount * tax_rate / 100
        charges.append(
            InvoiceCharge(
                invoice=invoice,
                kind=kind,
                charge_type=charge_type,
                description=(row.description or "")[:200],
                amount=amount,
                tax_type=_choice(row.tax_type, TaxType.values, ref, "tax_type", errors, default=TaxType.VAT if tax_rate else ""),
                tax_rate=tax_rate,
                tax_amount=round_money(tax_amount),
            )
        )
    return charges


def _build_taxes(invoice: Invoice, rows: list[InvoiceTaxInput], errors: list) -> list[InvoiceTax]:
    taxes = []
    for ref, row in with_refs(rows, "taxes"):
        tax_type = _choice(row.tax_type, TaxType.values, ref, "tax_type", errors) or TaxType.VAT
        taxes.append(
            InvoiceTax(
                invoice=invoice,
                tax_type=tax_type,
                rate=_amount(row.rate, ref, "rate", errors, required=False, column=RATE),
                taxable_amount=round_money(_amount(row.taxable_amount, ref, "taxable_amount", errors, required=False)),
                amount=round_money(_amount(row.amount, ref, "amount", errors)),
            )
        )
    return taxes


def _apply_header(invoice: Invoice, data: InvoiceInput, errors: list, *, scope) -> None:
    if data.given("number"):
        number = (data.number or "").strip()
        if not number or len(number) > 40:
            errors.append(field_error(None, "number", _("An invoice number is 1 to 40 characters."), "invalid"))
        invoice.number = number[:40]
    if data.given("invoice_type"):
        invoice.invoice_type = _choice(data.invoice_type, InvoiceType.values, None, "invoice_type", errors, default=InvoiceType.INVOICE)
    if data.given("invoice_date"):
        invoice.invoice_date = _date(data.invoice_date, "invoice_date", errors) or invoice.invoice_date
    if data.given("marketplace"):
        marketplace = Marketplace.objects.filter(code=(data.marketplace or "").upper()).first()
        if marketplace is None or not scope.sees_marketplace(marketplace.pk):
            errors.append(field_error(None, "marketplace", _("Unknown marketplace."), "not_found"))
        else:
            invoice.marketplace = marketplace
    if data.given("currency"):
        currency = (data.currency or "").upper()
        if len(currency) != 3 or not currency.isalpha():
            errors.append(field_error(None, "currency", _("A currency is a three-letter ISO 4217 code."), "invalid"))
        invoice.currency = currency[:3]
    if data.given("payment_terms"):
        invoice.payment_terms = _choice(data.payment_terms, PaymentTerms.values, None, "payment_terms", errors, default=invoice.payment_terms)
    if data.given("discount_percent"):
        invoice.discount_percent = _amount(data.discount_percent, None, "discount_percent", errors, required=False, column=PERCENT)
    if data.given("discount_due_days"):
        invoice.discount_due_days = _count(data.discount_due_days or 0, None, "discount_due_days", errors, minimum=0)
    for name in ("remit_to_party_id", "ship_from_party_id", "bill_to_party_id", "ship_to_party_id"):
        if data.given(name):
            setattr(invoice, name, (getattr(data, name) or "")[:20])
    for name in ("remit_to_address", "ship_from_address", "bill_to_address"):
        if data.given(name):
            setattr(invoice, name, getattr(data, name) or {})
    if data.given("credit_reason"):
        invoice.credit_reason = _choice(data.credit_reason, CreditNoteReason.values, None, "credit_reason", errors)
    if data.given("credit_reference"):
        invoice.credit_reference = (data.credit_reference or "")[:60]
    if data.given("reference_invoice_number") and data.reference_invoice_number:
        reference = Invoice.objects.for_vendor(invoice.vendor).filter(number=data.reference_invoice_number).first()
        if reference is None:
            errors.append(
                field_error(None, "reference_invoice_number", _("Invoice %(n)s not found.") % {"n": data.reference_invoice_number}, "not_found")
            )
        else:
            invoice.reference_invoice = reference
    if invoice.invoice_type == InvoiceType.INVOICE and (invoice.reference_invoice_id or invoice.credit_reason or invoice.credit_reference):
        errors.append(
            field_error(None, "reference_invoice_number", _("Credit note details belong only on a credit note."), "credit_details_on_invoice")
        )
    due_date = _date(data.due_date, "due_date", errors) if data.given("due_date") else None
    invoice.due_date = due_date if due_date else (due_date_for(invoice.invoice_date, invoice.payment_terms) if invoice.invoice_date else None)


def build_document(*, scope, data: InvoiceInput, invoice: Invoice | None = None) -> tuple[InvoiceDocument, list[FieldError]]:
    """A draft from a door's input, unsaved: used to create, to edit and to pre-flight without saving."""
    errors: list[FieldError] = []
    if invoice is None:
        invoice = Invoice(vendor=scope.vendor, invoice_date=timezone.localdate(), source=InvoiceSource.MANUAL)
    _apply_header(invoice, data, errors, scope=scope)
    existing = InvoiceDocument.load(invoice) if invoice.pk else InvoiceDocument(invoice)
    lines = _build_lines(invoice, data.lines, errors, scope) if data.given("lines") else existing.lines
    charges = _build_charges(invoice, data.charges, errors) if data.given("charges") else existing.charges
    document = InvoiceDocument(invoice, lines, charges, [])
    if data.given("taxes"):
        document.taxes = _build_taxes(invoice, data.taxes, errors)
    elif data.given("lines") or data.given("charges") or not invoice.pk:
        document.taxes = derive_taxes(document)
    else:
        document.taxes = existing.taxes
    # The first PO named is the invoice's marketplace, currency and bill-to, unless the input says.
    first_po = next((line.purchase_order_line.purchase_order for line in lines if line.purchase_order_line_id), None)
    if invoice.marketplace_id is None:
        if first_po is not None:
            invoice.marketplace = first_po.marketplace
        else:
            errors.append(field_error(None, "marketplace", _("Name the marketplace, or a purchase order on a line."), "required"))
    if not invoice.currency:
        invoice.currency = first_po.currency if first_po else (invoice.marketplace.currency if invoice.marketplace_id else "")
    if invoice.purchase_order_id is None and first_po is not None:
        invoice.purchase_order = first_po
    if invoice.invoice_date and not (data.given("due_date") and data.due_date):
        invoice.due_date = due_date_for(invoice.invoice_date, invoice.payment_terms)
    stated = data.grand_total if data.given("grand_total") else None
    stated_total = _amount(stated, None, "grand_total", errors, required=False, default=None) if stated is not None else None
    apply_totals(document, stated_total=stated_total)
    totals = ("items_subtotal", "charges_total", "allowances_total", "tax_total", "grand_total")
    too_large = [name for name in totals if limits.amount_problem(getattr(invoice, name), **MONEY)]
    if too_large:
        problem = limits.amount_problem(getattr(invoice, too_large[0]), **MONEY)
        errors.append(field_error(None, "grand_total", _("The invoice total: %(problem)s") % {"problem": problem}, "out_of_range"))
        for name in too_large:
            setattr(invoice, name, ZERO)
    return document, errors
