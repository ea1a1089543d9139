"""Amazon's submitInvoices (POST /vendor/payments/v1/invoices), over the portal's invoice services.

The POST checks the body against Amazon's vendorInvoices model and stores a transaction; the worker maps
each Invoice onto `invoice_create` + `invoice_submit` in one database transaction, so an invoice is
either submitted (or waiting for its second person) or nothing of it is saved, and getTransaction
names every refused invoice, line and rule.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from amazon_api.errors import amazon_code
from amazon_api.models import TransactionKind
from amazon_api.schema import sp_api_operation
from amazon_api.services import transaction_submit
from amazon_api.spec import VENDOR_INVOICES, request_errors
from amazon_api.views import AmazonDoorView
from invoicing.models import Invoice, InvoiceLine, InvoiceType
from invoicing.services.drafts import invoice_create
from invoicing.services.inputs import InvoiceChargeInput, InvoiceInput, InvoiceLineInput, InvoiceTaxInput
from invoicing.services.submission import invoice_submit
from purchase_orders.models import PurchaseOrder
from vendor_portal.errors import DomainValidationError, FieldError, PortalError, field_error
from vendor_portal.models import Marketplace, VendorAccount
from vendor_portal.roles import Action

ITEMS_KEY = "invoices"
MAX_INVOICES = 100
TERMS_BY_DAYS = {30: "net30", 60: "net60", 90: "net90"}
SUBMIT_EXAMPLE = {
    "invoices": [
        {
            "invoiceType": "Invoice",
            "id": "ACME-2026-0042",
            "date": "2026-11-20T00:00:00Z",
            "remitToParty": {"partyId": "ACMEUS", "address": {"name": "Acme Home Goods", "addressLine1": "1 Main St", "countryCode": "US"}},
            "billToParty": {"partyId": "AMZNUS"},
            "paymentTerms": {"type": "Basic", "netDueDays": 60},
            "invoiceTotal": {"currencyCode": "USD", "amount": "985.00"},
            "chargeDetails": [{"type": "Freight", "chargeAmount": {"currencyCode": "USD", "amount": "25.00"}}],
            "items": [
                {
                    "itemSequenceNumber": 1,
                    "purchaseOrderNumber": "2ZX9QW1A",
                    "vendorProductIdentifier": "ACME-KETTLE-1",
                    # 8 cases of 12 at 10.00 an each (netCost is per each): 960.00.
                    "invoicedQuantity": {"amount": 8, "unitOfMeasure": "Cases", "unitSize": 12},
                    "netCost": {"currencyCode": "USD", "amount": "10.00"},
                }
            ],
        }
    ]
}
# Service error fields -> where they sit in Amazon's Invoice (or, for a line's field, in its item).
HEADER_FIELDS = {
    "number": ".id",
    "invoice_date": ".date",
    "currency": ".invoiceTotal.currencyCode",
    "grand_total": ".invoiceTotal.amount",
    "items_subtotal": ".items",
    "charges_total": ".chargeDetails",
    "allowances_total": ".allowanceDetails",
    "taxes": ".taxDetails",
    "tax_total": ".taxDetails",
    "lines": ".items",
    "payment_terms": ".paymentTerms",
}
# Header fields Amazon carries on each item: an error about them names the first item that gives them (else the first item).
CREDIT_NOTE_FIELDS = {
    "reference_invoice_number": ".creditNoteDetails.referenceInvoiceNumber",
    "credit_reason": ".creditNoteDetails",
}
LINE_FIELDS = {
    "purchase_order_number": ".purchaseOrderNumber",
    "quantity": ".invoicedQuantity.amount",
    "unit_cost": ".netCost.amount",
    "unit_size": ".invoicedQuantity.unitSize",
    "line_amount": ".netCost.amount",
    "vendor_sku": ".vendorProductIdentifier",
    "credited_line": ".creditNoteDetails",
    "tax_amount": ".taxDetails",
    "tax_rate": ".taxDetails",
    "sequence": ".itemSequenceNumber",
}


def parse_datetime(value) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, datetime.UTC)


MAX_TERM_DAYS = 3650


def submit_errors(body) -> list[FieldError]:
    """The request's shape: Amazon's model, 1 to 100 invoices, readable dates, no id twice."""
    errors = request_errors(VENDOR_INVOICES, "SubmitInvoicesRequest", body)
    if errors:
        return errors
    invoices = body.get(ITEMS_KEY) or []
    if not invoices or len(invoices) > MAX_INVOICES:
        return [field_error(None, ITEMS_KEY, _("Send 1 to %(n)s invoices.") % {"n": MAX_INVOICES})]
    seen = set()
    for index, invoice in enumerate(invoices):
        if parse_datetime(invoice.get("date")) is None:
            errors.append(field_error(None, f"invoices[{index}].date", _("The date must be an ISO-8601 date-time.")))
        terms = invoice.get("paymentTerms") or {}
        for days in ("netDueDays", "discountDueDays"):
            if isinstance(terms.get(days), int) and not 0 <= terms[days] <= MAX_TERM_DAYS:
                errors.append(
                    field_error(None, f"invoices[{index}].paymentTerms.{days}", _("Give 0 to %(n)s days.") % {"n": MAX_TERM_DAYS}, "out_of_range")
                )
        if invoice["id"] in seen:
            errors.append(field_error(None, f"invoices[{index}].id", _("Invoice id %(id)s appears twice.") % {"id": invoice["id"]}, "duplicate"))
        seen.add(invoice["id"])
        for i, item in enumerate(invoice.get("items") or []):
            if item.get("netCostUnitOfMeasure"):
                errors.append(
                    field_error(
                        None,
                        f"invoices[{index}].items[{i}].netCostUnitOfMeasure",
                        _("Items priced by weight are not invoiced here: give netCost per each, without netCostUnitOfMeasure."),
                        "priced_by_weight",
                    )
                )
            if item.get("creditNoteDetails") and invoice["invoiceType"] != InvoiceType.CREDIT_NOTE:
                errors.append(
                    field_error(
                        None,
                        f"invoices[{index}].items[{i}].creditNoteDetails",
                        _("creditNoteDetails belong only on a CreditNote."),
                        "credit_details_on_invoice",
                    )
                )
    return errors


# Mapping one Invoice onto the service's input ----------------------------------------------------------
class MappingError(Exception):
    def __init__(self, field: str, message: str, rule: str):
        super().__init__(message)
        self.field, self.message, self.rule = field, message, rule


@dataclass(eq=False)
class _Row:
    """An item, charge or tax of the payload: where it is, and for an item its itemSequenceNumber."""

    path: str
    sequence: object = None
    fields: dict[str, str] = field(default_factory=dict)


def _amount(money: dict | None, currency: str, where: str) -> Decimal:
    if not money:
        return Decimal("0")
    if money.get("currencyCode") != currency:
        raise MappingError(f"{where}.currencyCode", _("Every amount must be in the invoice's currency %(c)s.") % {"c": currency}, "currency_mismatch")
    try:
        return Decimal(str(money.get("amount")))
    except InvalidOperation:
        raise MappingError(f"{where}.amount", _("Not a decimal amount."), "invalid") from None


def _rate(value) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        return Decimal("-1")  # the service refuses a negative rate, naming the row


def _taxes(details, currency: str, where: str) -> tuple[str, Decimal, Decimal]:
    """(type, rate, amount) of a row's taxDetails: amounts summed, the first type and rate kept."""
    if not details:
        return "", Decimal("0"), Decimal("0")
    total = sum((_amount(d.get("taxAmount"), currency, f"{where}[{n}].taxAmount") for n, d in enumerate(details)), Decimal("0"))
    return details[0]["taxType"], _rate(details[0].get("taxRate")), total


def _charge_rows(details, kind: str, amount_key: str, currency: str, where: str) -> list[InvoiceChargeInput]:
    rows = []
    for n, detail in enumerate(details or []):
        tax_type, tax_rate, tax_amount = _taxes(detail.get("taxDetails"), currency, f"{where}[{n}].taxDetails")
        path = f"{where}[{n}]"
        rows.append(
            InvoiceChargeInput(
                kind=kind,
                charge_type=detail["type"],
                description=detail.get("description", ""),
                amount=_amount(detail.get(amount_key), currency, f"{path}.{amount_key}"),
                tax_type=tax_type,
                tax_rate=tax_rate,
                tax_amount=tax_amount,
                ref=_Row(
                    path,
                    fields={
                        "charge_type": f"{path}.type",
                        "amount": f"{path}.{amount_key}",
                        "tax_amount": f"{path}.taxDetails",
                        "tax_rate": f"{path}.taxDetails",
                    },
                ),
            )
        )
    return rows


def map_invoice(item: dict, *, vendor, where: str) -> tuple[InvoiceInput, dict]:
    """The service's input for one Amazon Invoice, and each item's row by its itemSequenceNumber."""
    currency = item["invoiceTotal"].get("currencyCode", "")
    invoice_type = item["invoiceType"]
    date = parse_datetime(item["date"])
    if date > timezone.now() + datetime.timedelta(minutes=5):  # a clock a little fast is not a future invoice
        raise MappingError(f"{where}.date", _("The invoice date %(date)s is in the future.") % {"date": item["date"]}, "future_date")
    data = InvoiceInput(
        number=item["id"],
        invoice_type=invoice_type,
        invoice_date=date.date(),
        currency=currency,
        grand_total=_amount(item["invoiceTotal"], currency, f"{where}.invoiceTotal"),
        remit_to_party_id=item["remitToParty"]["partyId"],
        remit_to_address=item["remitToParty"].get("address") or {},
    )
    for key, prefix in (("shipFromParty", "ship_from"), ("billToParty", "bill_to")):
        if item.get(key):
            setattr(data, f"{prefix}_party_id", item[key]["partyId"])
            setattr(data, f"{prefix}_address", item[key].get("address") or {})
    if item.get("shipToParty"):
        data.ship_to_party_id = item["shipToParty"]["partyId"]
    terms = item.get("paymentTerms") or {}
    if terms.get("type") == "EndOfMonth":
        data.payment_terms = "eom"
    elif terms.get("netDueDays") in TERMS_BY_DAYS:
        data.payment_terms = TERMS_BY_DAYS[terms["netDueDays"]]
    if terms.get("netDueDays") is not None:
        data.due_date = date.date() + datetime.timedelta(days=int(terms["netDueDays"]))
    if terms.get("discountPercent"):
        data.discount_percent = _rate(terms["discountPercent"])
        data.discount_due_days = int(terms.get("discountDueDays") or 0)

    items = sorted(enumerate(item.get("items") or []), key=lambda pair: pair[1]["itemSequenceNumber"])
    header_charges = item.get("chargeDetails")
    header_allowances = item.get("allowanceDetails")
    charges = _charge_rows(header_charges, "charge", "chargeAmount", currency, f"{where}.chargeDetails")
    charges += _charge_rows(header_allowances, "allowance", "allowanceAmount", currency, f"{where}.allowanceDetails")
    # Header charge/allowance details are the totals of the items' ones; only without them do the items' count.
    for index, line in items:
        if not header_charges:
            charges += _charge_rows(line.get("chargeDetails"), "charge", "chargeAmount", currency, f"{where}.items[{index}].chargeDetails")
        if not header_allowances:
            charges += _charge_rows(
                line.get("allowanceDetails"), "allowance", "allowanceAmount", currency, f"{where}.items[{index}].allowanceDetails"
            )
    data.charges = charges

    taxes = [
        InvoiceTaxInput(
            tax_type=t["taxType"],
            rate=_rate(t.get("taxRate")),
            taxable_amount=_amount(t.get("taxableAmount"), currency, f"{where}.taxDetails[{n}].taxableAmount")
            if t.get("taxableAmount")
            else Decimal("0"),
            amount=_amount(t.get("taxAmount"), currency, f"{where}.taxDetails[{n}].taxAmount"),
            ref=_Row(f"{where}.taxDetails[{n}]"),
        )
        for n, t in enumerate(item.get("taxDetails") or [])
    ]
    # Taxes on charges are not in Amazon's header taxDetails, but they are in the total: they join the header.
    for charge in charges:
        if charge.tax_amount:
            if charge.kind == "allowance":
                raise MappingError(
                    f"{charge.ref.path}.taxDetails", _("Taxes on allowances are not accepted; reduce the line taxes instead."), "allowance_tax"
                )
            taxes.append(
                InvoiceTaxInput(
                    tax_type=charge.tax_type or "VAT", rate=charge.tax_rate, taxable_amount=charge.amount, amount=charge.tax_amount, ref=charge.ref
                )
            )
    data.taxes = taxes

    reference = None
    lines, rows = [], {}
    for index, line in items:
        line_where = f"{where}.items[{index}]"
        tax_type, tax_rate, tax_amount = _taxes(line.get("taxDetails"), currency, f"{line_where}.taxDetails")
        quantity = line["invoicedQuantity"]
        at = _Row(line_where, line["itemSequenceNumber"])
        rows[line["itemSequenceNumber"]] = at
        given = InvoiceLineInput(
            sequence=line["itemSequenceNumber"],
            purchase_order_number=line.get("purchaseOrderNumber", ""),
            asin=line.get("amazonProductIdentifier", ""),
            vendor_sku=line.get("vendorProductIdentifier", ""),
            quantity=quantity["amount"],
            unit_of_measure=quantity["unitOfMeasure"],
            unit_size=quantity.get("unitSize"),  # the PO line's when not given
            unit_cost=_amount(line["netCost"], currency, f"{line_where}.netCost"),
            unit_cost_per_each=True,  # "The net cost of an item per each": a case costs unitSize × netCost
            tax_type=tax_type,
            tax_rate=tax_rate,
            tax_amount=tax_amount,
            ref=at,
        )
        credit = line.get("creditNoteDetails") or {}
        if credit.get("referenceInvoiceNumber"):
            if reference is None:
                reference = Invoice.objects.for_vendor(vendor).filter(number=credit["referenceInvoiceNumber"]).first()
                if reference is None:
                    raise MappingError(
                        f"{line_where}.creditNoteDetails.referenceInvoiceNumber",
                        _("Invoice %(n)s not found.") % {"n": credit["referenceInvoiceNumber"]},
                        "not_found",
                    )
                data.reference_invoice_number = reference.number
                data.credit_reason = "return" if credit.get("returnsReferenceNumber") else ("coop" if credit.get("coopReferenceNumber") else "other")
                data.credit_reference = (
                    credit.get("rmaId")
                    or credit.get("returnsReferenceNumber")
                    or credit.get("debitNoteNumber")
                    or credit.get("coopReferenceNumber")
                    or ""
                )[:60]
            credited = _credited_line(reference, given)
            if credited is not None:
                given.credited_line = credited.pk
        lines.append(given)
    data.lines = lines
    marketplace = _fallback_marketplace(vendor, data, currency)
    if marketplace is not None:
        data.marketplace = marketplace.code
    return data, rows


def _fallback_marketplace(vendor, data: InvoiceInput, currency: str):
    """Amazon's invoice names no marketplace: it is the POs'. When no line names one of the vendor's POs
    (the hard checks will say so), take the remit-to party's marketplace, else one in the invoice's currency,
    so the refusal can name the lines instead of the missing marketplace."""
    numbers = {line.purchase_order_number for line in data.lines if line.purchase_order_number}
    if PurchaseOrder.objects.for_vendor(vendor).filter(number__in=numbers).exists():
        return None
    account = VendorAccount.objects.filter(vendor=vendor, vendor_code=data.remit_to_party_id).select_related("marketplace").first()
    if account is None:
        account = VendorAccount.objects.filter(vendor=vendor, marketplace__currency=currency).select_related("marketplace").order_by("pk").first()
    if account is not None:
        return account.marketplace
    return Marketplace.objects.filter(currency=currency).order_by("pk").first()


def _credited_line(reference: Invoice, line: InvoiceLineInput) -> InvoiceLine | None:
    for credited in reference.lines.filter(purchase_order_number=line.purchase_order_number):
        if (line.asin and credited.asin == line.asin) or (line.vendor_sku and credited.vendor_sku == line.vendor_sku):
            return credited
    return None


def _amazon_error(*, code: str, message: str, invoice_id: str, sequence=None, rule: str, field: str) -> dict:
    details = [("invoiceId", invoice_id), ("itemSequenceNumber", sequence), ("rule", rule), ("field", field)]
    return {"code": code, "message": message, "details": "; ".join(f"{key}={value}" for key, value in details if value is not None)}


def _service_errors(error: PortalError, item: dict, rows: dict, where: str) -> list[dict]:
    """The service's refusals, each at its item (by the row the door gave it, or the sequence of the stored line
    the hard checks name), else at the invoice's field."""
    code = amazon_code(error.status)
    out = []
    for problem in error.field_errors():
        at = problem.ref if isinstance(problem.ref, _Row) else rows.get(problem.data.get("sequence"))
        if at is not None:
            path = at.fields.get(problem.field or "") or at.path + LINE_FIELDS.get(problem.field or "", "")
        elif problem.field in CREDIT_NOTE_FIELDS:
            given = [index for index, line in enumerate(item.get("items") or []) if line.get("creditNoteDetails")]
            path = f"{where}.items[{given[0] if given else 0}]{CREDIT_NOTE_FIELDS[problem.field]}"
        else:
            path = where + HEADER_FIELDS.get(problem.field or "", "")
        message = _("Invoice %(id)s: %(problem)s") % {"id": item.get("id"), "problem": problem.message}
        out.append(
            _amazon_error(code=code, message=message, invoice_id=item.get("id"), sequence=at.sequence if at else None, rule=problem.code, field=path)
        )
    return out


def apply_invoice(*, item: dict, index: int, scope, actor) -> list[dict]:
    """The transaction handler for one Invoice: create and submit it, all or nothing, or say why not."""
    where = f"invoices[{index}]"
    try:
        data, rows = map_invoice(item, vendor=scope.vendor, where=where)
    except MappingError as error:
        return [
            _amazon_error(
                code="InvalidInput",
                message=_("Invoice %(id)s: %(problem)s") % {"id": item.get("id"), "problem": error.message},
                invoice_id=item.get("id"),
                rule=error.rule,
                field=error.field,
            )
        ]
    try:
        with transaction.atomic():
            invoice = invoice_create(scope=scope, data=data, actor=actor, source="manual")
            invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    except PortalError as error:
        return _service_errors(error, item, rows, where)
    return []


class SubmitInvoicesView(AmazonDoorView):
    """submitInvoices: mount as `path("payments/v1/invoices", SubmitInvoicesView.as_view(), name="amazon-invoices")` under /vendor/."""

    actions = {"POST": Action.MANAGE_INVOICES}

    @sp_api_operation(
        VENDOR_INVOICES,
        "submitInvoices",
        tag="Amazon vendor invoices",
        description=(
            "Amazon's submitInvoices. Checks the body against the vendorInvoices model, stores it and answers 202 with a "
            "transactionId; a worker creates and submits each invoice all or nothing (the portal's hard checks: PO of the "
            "vendor, id never reused, totals add up, line taxes sum to the header, total not zero, date not in the future, "
            "a PO number on every Invoice line, creditNoteDetails only on a CreditNote). netCost is per each, as in Amazon's model: "
            "a line in Cases amounts to invoicedQuantity.amount × unitSize × netCost (the PO line's case size when unitSize "
            "is left out), to the cent. Items priced by weight (netCostUnitOfMeasure) are refused. getTransaction names every refusal."
        ),
        request_example=SUBMIT_EXAMPLE,
        response_examples={
            "202": {"payload": {"transactionId": "20f6a2b4-bb9f-4a7e-9e8a-1b3f1c1d2e3f"}},
            "400": {
                "errors": [
                    {
                        "code": "InvalidInput",
                        "message": "invoices[0].invoiceTotal: 'amount' is a required property",
                        "details": "field: invoices[0].invoiceTotal.amount",
                    }
                ]
            },
        },
    )
    def post(self, request):
        body = request.data
        # Amazon's own example wraps the request in "payload"; its model does not. Both are read.
        if isinstance(body, dict) and set(body) == {"payload"} and isinstance(body["payload"], dict):
            body = body["payload"]
        errors = submit_errors(body)
        if errors:
            raise DomainValidationError(_("The invoice request is not valid."), errors=errors)
        txn = transaction_submit(scope=request.scope, kind=TransactionKind.INVOICE, payload=body, actor=self.actor)
        return Response({"payload": {"transactionId": txn.transaction_id}}, status=status.HTTP_202_ACCEPTED)
