"""The 3-way match's numbers without PostgreSQL: the same rules as `engine.MATCH_SQL`, in Python.

SQLite (the embedded default of `make run` and `make test`) has no LATERAL join, jsonb or
INSERT ... ON CONFLICT ... RETURNING. This path reads the batch in five set-based queries (the target
lines with their invoice, marketplace and PO line; the quantities every sent invoice took from those
PO lines; the tolerances; the previous results; the claims already raised), computes each line with
Decimal exactly as the SQL does, writes the changed results with bulk_create/bulk_update and returns
rows of the same shape as the SQL's, which `engine` turns into claims, audit rows and state changes.

Where the arithmetic is subtle it follows PostgreSQL's numeric: ROUND(x, 2) rounds half away from
zero (ROUND_HALF_UP in `decimal`), a difference keeps the larger scale, COALESCE(tolerance, 0) prints
as "0" and a claim of 0 is the integer 0 of the SQL's CASE (it shows as "0" in the audit rows).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from invoicing.models import SENT_STATES, InvoiceLine, InvoiceState, InvoiceType

from .engine import BATCH, MATCHABLE_STATES
from .models import CENT, CLAIM_KINDS, Deduction, DeductionKind, MatchResult, MatchStatus, MatchTolerance

NOTHING = Decimal(0)  # the SQL's integer 0 (COALESCE(..., 0), CASE ... ELSE 0): prints as "0"
RESULT_FIELDS = [
    "status", "currency", "po_cost", "invoiced_cost", "ordered_quantity", "received_quantity", "invoiced_quantity",
    "previously_invoiced_quantity", "shortage_units", "price_claim", "shortage_claim", "variance_reasons", "evidence", "computed_at",
]
COMPARED = ["status", "po_cost", "invoiced_cost", "ordered_quantity", "received_quantity", "invoiced_quantity",
            "previously_invoiced_quantity", "price_claim", "shortage_claim", "currency"]


def _round2(value) -> Decimal:
    """PostgreSQL's ROUND(numeric, 2): half away from zero, always two places."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _text(value: Decimal) -> str:
    """numeric::text: plain notation, the value's own scale."""
    return format(value, "f")


def _target_lines(invoice_ids):
    lines = InvoiceLine.objects.filter(
        invoice__invoice_type=InvoiceType.INVOICE, invoice__state__in=list(MATCHABLE_STATES), purchase_order_line__isnull=False,
    )
    if invoice_ids is not None:
        lines = lines.filter(invoice_id__in=invoice_ids)
    return lines


def _prior_quantities(target) -> dict[int, int]:
    """Units earlier sent invoices already took from each line's PO line (the SQL's window function):
    invoices ordered by submission (never-submitted last), then invoice id, then line id."""
    taken = (
        InvoiceLine.objects.filter(
            invoice__invoice_type=InvoiceType.INVOICE, invoice__state__in=list(SENT_STATES),
            purchase_order_line_id__in=target.values("purchase_order_line_id"),
        )
        .order_by()
        .values_list("id", "purchase_order_line_id", "quantity", "invoice__submitted_at", "invoice_id")
    )
    oldest = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    ordered = sorted(taken, key=lambda t: (t[1], t[3] is None, t[3] or oldest, t[4], t[0]))
    prior, running, current_po_line = {}, 0, None
    for line_id, po_line_id, quantity, _submitted, _invoice in ordered:
        if po_line_id != current_po_line:
            current_po_line, running = po_line_id, 0
        prior[line_id] = running
        running += quantity
    return prior


def _tolerance_for(tolerances: dict, vendor_id, marketplace_id):
    """The most specific tolerance: vendor and marketplace, vendor, marketplace, then the default."""
    for key in ((vendor_id, marketplace_id), (vendor_id, None), (None, marketplace_id), (None, None)):
        if key in tolerances:
            return tolerances[key]
    return None


def match_rows(*, states: dict, invoice_ids, now: datetime.datetime) -> tuple[list[dict], dict]:
    """Compute and store the results of the target lines; return (the rows to act on, results by status).
    `states` is {invoice id: state} of the locked invoices; `invoice_ids` None means every matchable invoice."""
    target = _target_lines(invoice_ids)
    lines = list(
        target.order_by("invoice_id", "id").values(
            "id", "invoice_id", "quantity", "unit_cost", "purchase_order_line_id",
            "invoice__vendor_id", "invoice__marketplace_id", "invoice__currency", "invoice__state", "invoice__shipment_id",
            "invoice__due_date", "invoice__invoice_date", "invoice__payment_terms", "invoice__marketplace__time_zone",
            "purchase_order_line__purchase_order_id", "purchase_order_line__net_cost", "purchase_order_line__ordered_quantity",
            "purchase_order_line__shipped_quantity", "purchase_order_line__received_quantity",
        )
    )
    if not lines:
        return [], _by_status(states, invoice_ids)
    prior = _prior_quantities(target)
    vendor_ids = {line["invoice__vendor_id"] for line in lines}
    tolerances = {
        (t["vendor_id"], t["marketplace_id"]): t
        for t in MatchTolerance.objects.filter(Q(vendor_id__in=vendor_ids) | Q(vendor__isnull=True)).values(
            "id", "vendor_id", "marketplace_id", "over_percent", "over_absolute", "under_percent", "under_absolute")
    }
    target_ids = target.values("id")
    previous = {r["invoice_line_id"]: r for r in MatchResult.objects.filter(invoice_line_id__in=target_ids).values("pk", "invoice_line_id", *COMPARED)}
    claimed = set(
        Deduction.objects.filter(kind__in=CLAIM_KINDS, invoice_line_id__in=target_ids).order_by().values_list("invoice_line_id", "kind").distinct()
    )
    now_text = now.isoformat()

    computed = []
    for line in lines:
        if line["id"] not in prior:  # the SQL joins the line to its own running total
            continue
        computed.append(_compute(line, prior[line["id"]], tolerances, previous.get(line["id"]), claimed, now_text))

    waiting, engine_hold = defaultdict(bool), defaultdict(bool)
    for row in computed:
        waiting[row["invoice_id"]] |= row["status"] == MatchStatus.PENDING_RECEIPT
        engine_hold[row["invoice_id"]] |= row["previous_status"] == MatchStatus.PENDING_RECEIPT

    new_results, updated_results, rows = [], [], []
    for row in computed:
        result_fields, previous_pk, invoice_state = row.pop("result"), row.pop("previous_pk"), row.pop("invoice_state")
        if row["changed"]:  # an unchanged line is not rewritten: its evidence and computed_at stay those of its last change
            result = MatchResult(pk=previous_pk, invoice_id=row["invoice_id"], invoice_line_id=row["invoice_line_id"], computed_at=now, **result_fields)
            (new_results if previous_pk is None else updated_results).append(result)
        row["invoice_waiting"], row["invoice_engine_hold"] = waiting[row["invoice_id"]], engine_hold[row["invoice_id"]]
        # Only the lines there is something to do about, as the SQL's final WHERE.
        if (
            row["changed"]
            or (row["price_claim"] > 0 and not row["has_price_claim"]) or (row["shortage_claim"] > 0 and not row["has_shortage_claim"])
            or invoice_state == InvoiceState.ACCEPTED
            or (invoice_state == InvoiceState.ON_HOLD and row["invoice_engine_hold"] and not row["invoice_waiting"])
        ):
            if not (row["price_claim"] > 0 or row["shortage_claim"] > 0 or row["previous_status"] == MatchStatus.OVER_TOLERANCE):
                row["evidence"] = None  # the rows carry evidence only where a claim may need it
            rows.append(row)
    if new_results:
        MatchResult.objects.bulk_create(new_results, batch_size=BATCH)
    if updated_results:
        MatchResult.objects.bulk_update(updated_results, RESULT_FIELDS, batch_size=BATCH)
    return rows, _by_status(states, invoice_ids)


def _by_status(states: dict, invoice_ids) -> dict:
    results = MatchResult.objects.order_by()
    if invoice_ids is None:  # every matchable invoice: filter by state rather than by a list of every id
        results = results.filter(invoice__invoice_type=InvoiceType.INVOICE, invoice__state__in=list(MATCHABLE_STATES))
    else:
        results = results.filter(invoice_id__in=list(states))
    return {r["status"]: r["n"] for r in results.values("status").annotate(n=Count("pk"))}


def _compute(line: dict, prior_quantity: int, tolerances: dict, previous: dict | None, claimed: set, now_text: str) -> dict:
    quantity, invoiced_cost, po_cost = line["quantity"], line["unit_cost"], line["purchase_order_line__net_cost"]
    ordered, shipped, received = (line["purchase_order_line__ordered_quantity"], line["purchase_order_line__shipped_quantity"],
                                  line["purchase_order_line__received_quantity"])
    vendor_id, marketplace_id, currency = line["invoice__vendor_id"], line["invoice__marketplace_id"], line["invoice__currency"]
    tolerance = _tolerance_for(tolerances, vendor_id, marketplace_id)
    over_percent, over_absolute, under_percent, under_absolute = (
        (tolerance["over_percent"], tolerance["over_absolute"], tolerance["under_percent"], tolerance["under_absolute"])
        if tolerance else (NOTHING, NOTHING, NOTHING, NOTHING)
    )

    shortage_units = max(0, quantity - max(0, received - prior_quantity))
    price_gap = max(invoiced_cost - po_cost, NOTHING)
    price_amount = _round2(price_gap * quantity)
    shortage_amount = _round2(shortage_units * invoiced_cost)
    over_amount = price_gap * quantity + shortage_units * invoiced_cost
    under_amount = max(po_cost - invoiced_cost, NOTHING) * quantity
    po_value = po_cost * quantity

    if received == 0:
        status = MatchStatus.PENDING_RECEIPT
    elif over_amount > 0 and (over_amount > over_absolute or over_amount * 100 > over_percent * po_value):
        status = MatchStatus.OVER_TOLERANCE
    elif under_amount > 0 and (under_amount > under_absolute or under_amount * 100 > under_percent * po_value):
        status = MatchStatus.UNDER_BILLED
    else:
        status = MatchStatus.MATCHED
    status = str(status.value)
    shortage_reason = "SHORTAGES_IN_TRANSIT" if shipped >= prior_quantity + quantity else "OVERBILLING"
    price_reason = "ROUNDING_ISSUES" if invoiced_cost - po_cost <= CENT else "PRODUCT_COST_NOT_REGISTERED"
    price_claim = price_amount if status == MatchStatus.OVER_TOLERANCE else NOTHING
    shortage_claim = shortage_amount if status == MatchStatus.OVER_TOLERANCE else NOTHING

    numbers = {
        "status": status, "po_cost": po_cost, "invoiced_cost": invoiced_cost, "ordered_quantity": ordered, "received_quantity": received,
        "invoiced_quantity": quantity, "previously_invoiced_quantity": prior_quantity, "price_claim": price_claim,
        "shortage_claim": shortage_claim, "currency": currency,
    }
    changed = previous is None or any(previous[name] != numbers[name] for name in COMPARED)
    previous_status = previous["status"] if previous else None

    variance_reasons = []
    if shortage_units > 0:
        variance_reasons.append({"variance_type": "PQV", "defect_types": [shortage_reason]})
    if invoiced_cost > po_cost:
        variance_reasons.append({"variance_type": "PPV", "defect_types": [price_reason]})
    evidence = None
    if changed or price_claim > 0 or shortage_claim > 0 or previous_status == MatchStatus.OVER_TOLERANCE:
        evidence = {
            "po_cost": _text(po_cost), "invoiced_cost": _text(invoiced_cost), "price_variance": _text(invoiced_cost - po_cost),
            "ordered_quantity": ordered, "shipped_quantity": shipped, "received_quantity": received, "invoiced_quantity": quantity,
            "previously_invoiced_quantity": prior_quantity, "shortage_units": shortage_units,
            "price_claim": _text(price_amount), "shortage_claim": _text(shortage_amount),
            "over_amount": _text(_round2(over_amount)), "under_amount": _text(_round2(under_amount)), "po_value": _text(_round2(po_value)),
            "tolerance": {
                "id": tolerance["id"] if tolerance else None, "over_percent": _text(over_percent), "over_absolute": _text(over_absolute),
                "under_percent": _text(under_percent), "under_absolute": _text(under_absolute),
            },
            "currency": currency, "computed_at": now_text,
        }
    return {
        "invoice_line_id": line["id"], "invoice_id": line["invoice_id"], "vendor_id": vendor_id, "marketplace_id": marketplace_id,
        "currency": currency, "shipment_id": line["invoice__shipment_id"], "due_date": line["invoice__due_date"],
        "invoice_date": line["invoice__invoice_date"], "payment_terms": line["invoice__payment_terms"],
        "time_zone": line["invoice__marketplace__time_zone"], "purchase_order_id": line["purchase_order_line__purchase_order_id"],
        "status": status, "price_claim": price_claim, "shortage_claim": shortage_claim, "shortage_reason": shortage_reason,
        "price_reason": price_reason, "previous_status": previous_status, "changed": changed,
        "has_price_claim": (line["id"], DeductionKind.PRICE_CLAIM) in claimed,
        "has_shortage_claim": (line["id"], DeductionKind.SHORTAGE_CLAIM) in claimed,
        "evidence": evidence, "invoice_state": line["invoice__state"], "previous_pk": previous["pk"] if previous else None,
        "result": {
            "status": status, "currency": currency, "po_cost": po_cost, "invoiced_cost": invoiced_cost, "ordered_quantity": ordered,
            "received_quantity": received, "invoiced_quantity": quantity, "previously_invoiced_quantity": prior_quantity,
            "shortage_units": shortage_units, "price_claim": price_claim, "shortage_claim": shortage_claim,
            "variance_reasons": variance_reasons, "evidence": evidence,
        },
    }
