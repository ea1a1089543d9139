"""The 3-way match's numbers without PostgreSQL: the same rules as `engine.MATCH_SQL`, in Python.

SQLite (the embedded default of `make run` and `make test`) has no LATERAL join, jsonb or
INSERT ... ON CONFLICT ... RETURNING. This path reads the batch in five set-based queries (the target
lines with their invoice, marketplace and PO line; the quantities every sent invoice took from those
PO lines; the tolerances; the previous results; the claims already raised), computes each line with
Decimal exactly as the SQL does, writes the changed results with bulk_create/bulk_update and keeps
the rows `engine.MATCH_SQL` stages (the lines there is something to do about).

Where the arithmetic is subtle it follows PostgreSQL's numeric: ROUND(x, 2) rounds half away from
zero (ROUND_HALF_UP in `decimal`), a difference keeps the larger scale, COALESCE(tolerance, 0) prints
as "0" and a claim of 0 is the integer 0 of the SQL's CASE (it shows as "0" in the audit rows).

`match_and_apply` then does in Python what `engine.APPLY_SQL` does in SQL: claims, reversals and their
audit rows, and the invoice state changes for `engine` to hand to invoicing.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from invoicing.models import CREDIT_COUNTED_STATES, SENT_STATES, CreditNoteReason, Invoice, InvoiceLine, InvoiceState, InvoiceType
from invoicing.services.matching import MatchStateChange
from vendor_portal.models import AuditEvent
from vendor_portal.services.audit import Actor

from .engine import (
    BATCH,
    CLAIMABLE_STATES,
    MATCHABLE_STATES,
    MOVABLE_STATES,
    PAID_STATES,
    REMATCHABLE_STATES,
    Applied,
    MatchSummary,
    _audit,
    _local_date,
    claim_description,
    deduction_state,
    dispute_windows,
    reversal_description,
    reversal_reason,
    window_for,
)
from .models import (
    CENT,
    CLAIM_KINDS,
    ZERO,
    Deduction,
    DeductionKind,
    DeductionStatus,
    MatchResult,
    MatchStatus,
    MatchTolerance,
    VarianceType,
    money,
    terms_due_date,
)
from .models import price_reason as model_price_reason
from .models import shortage_reason as model_shortage_reason

NOTHING = Decimal(0)  # the SQL's integer 0 (COALESCE(..., 0), CASE ... ELSE 0): prints as "0"
RESULT_FIELDS = [
    "status", "currency", "po_cost", "invoiced_cost", "ordered_quantity", "received_quantity", "invoiced_quantity",
    "previously_invoiced_quantity", "shortage_units", "price_claim", "shortage_claim", "credited_quantity", "credited_amount",
    "shipped_quantity", "tolerance", "computed_at",
]
COMPARED = ["status", "po_cost", "invoiced_cost", "ordered_quantity", "received_quantity", "invoiced_quantity",
            "previously_invoiced_quantity", "price_claim", "shortage_claim", "currency", "credited_quantity", "credited_amount",
            "shipped_quantity"]


def _round2(value) -> Decimal:
    """PostgreSQL's ROUND(numeric, 2): half away from zero, always two places."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _text(value: Decimal) -> str:
    """numeric::text: plain notation, the value's own scale."""
    return format(value, "f")


def _target_lines(invoice_ids):
    lines = InvoiceLine.objects.filter(
        invoice__invoice_type=InvoiceType.INVOICE, purchase_order_line__isnull=False,
        invoice__state__in=list(MATCHABLE_STATES if invoice_ids is None else REMATCHABLE_STATES),
    )
    if invoice_ids is not None:
        lines = lines.filter(invoice_id__in=invoice_ids)
    return lines


def _credits(credited_line_ids) -> dict[int, tuple[int, Decimal]]:
    """{invoice line id: (units credited by quantity corrections, amount credited by price corrections)} from
    the credit notes the match counts (the SQL's `cr` join)."""
    credits: dict[int, tuple[int, Decimal]] = {}
    rows = (
        InvoiceLine.objects.filter(
            credited_line_id__in=credited_line_ids, invoice__invoice_type=InvoiceType.CREDIT_NOTE,
            invoice__state__in=list(CREDIT_COUNTED_STATES),
            invoice__credit_reason__in=[CreditNoteReason.QUANTITY_CORRECTION, CreditNoteReason.PRICE_CORRECTION],
        )
        .order_by()
        .values_list("credited_line_id", "invoice__credit_reason", "quantity", "line_amount")
    )
    for line_id, reason, quantity, amount in rows:
        units, money_back = credits.get(line_id, (0, NOTHING))
        if reason == CreditNoteReason.QUANTITY_CORRECTION:
            units += quantity
        else:
            money_back += amount
        credits[line_id] = (units, money_back)
    return credits


def _prior_quantities(target, credits: dict) -> dict[int, int]:
    """Units earlier sent invoices already took from each line's PO line (the SQL's window function), net of
    the units credit notes gave back: invoices ordered by submission (never-submitted last), then invoice
    id, then line id."""
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
        running += max(0, quantity - credits.get(line_id, (0, NOTHING))[0])
    return prior


def _tolerance_for(tolerances: dict, vendor_id, marketplace_id):
    """The most specific tolerance: vendor and marketplace, vendor, marketplace, then the default."""
    for key in ((vendor_id, marketplace_id), (vendor_id, None), (None, marketplace_id), (None, None)):
        if key in tolerances:
            return tolerances[key]
    return None


def match_rows(*, invoice_ids, now: datetime.datetime) -> tuple[list[dict], dict]:
    """Compute and store the results of the target lines; return (the rows to act on, the lines by status).
    `invoice_ids` None means every matchable invoice (locked by the caller)."""
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
        return [], {}
    credits = _credits(
        InvoiceLine.objects.filter(
            invoice__invoice_type=InvoiceType.INVOICE, invoice__state__in=list(SENT_STATES),
            purchase_order_line_id__in=target.values("purchase_order_line_id"),
        ).values("id")
    )
    prior = _prior_quantities(target, credits)
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
        computed.append(_compute(line, prior[line["id"]], credits.get(line["id"], (0, NOTHING)), tolerances, previous.get(line["id"]),
                                 claimed, now_text))

    waiting, engine_hold = defaultdict(bool), defaultdict(bool)
    for row in computed:
        waiting[row["invoice_id"]] |= row["status"] == MatchStatus.PENDING_RECEIPT
        engine_hold[row["invoice_id"]] |= row["previous_status"] == MatchStatus.PENDING_RECEIPT

    new_results, updated_results, rows = [], [], []
    for row in computed:
        result_fields, previous_pk, invoice_state = row.pop("result"), row.pop("previous_pk"), row.pop("invoice_state")
        row["invoice_paid"] = invoice_state in PAID_STATES
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
    by_status: dict[str, int] = defaultdict(int)
    for row in computed:
        by_status[row["status"]] += 1
    return rows, dict(by_status)


def _compute(line: dict, prior_quantity: int, credit: tuple[int, Decimal], tolerances: dict, previous: dict | None, claimed: set,
             now_text: str) -> dict:
    quantity, invoiced_cost, po_cost = line["quantity"], line["unit_cost"], line["purchase_order_line__net_cost"]
    credited_quantity, credited_amount = credit
    net_quantity = max(0, quantity - credited_quantity)
    ordered, shipped, received = (line["purchase_order_line__ordered_quantity"], line["purchase_order_line__shipped_quantity"],
                                  line["purchase_order_line__received_quantity"])
    vendor_id, marketplace_id, currency = line["invoice__vendor_id"], line["invoice__marketplace_id"], line["invoice__currency"]
    tolerance = _tolerance_for(tolerances, vendor_id, marketplace_id)
    over_percent, over_absolute, under_percent, under_absolute = (
        (tolerance["over_percent"], tolerance["over_absolute"], tolerance["under_percent"], tolerance["under_absolute"])
        if tolerance else (NOTHING, NOTHING, NOTHING, NOTHING)
    )

    shortage_units = max(0, net_quantity - max(0, received - prior_quantity))
    price_over = max(max(invoiced_cost - po_cost, NOTHING) * net_quantity - credited_amount, NOTHING)
    price_amount = _round2(price_over)
    shortage_amount = _round2(shortage_units * invoiced_cost)
    over_amount = price_over + shortage_units * invoiced_cost
    under_amount = max(po_cost - invoiced_cost, NOTHING) * net_quantity
    po_value = po_cost * net_quantity

    if received == 0 and net_quantity > 0:
        status = MatchStatus.PENDING_RECEIPT
    elif over_amount > 0 and (over_amount > over_absolute or over_amount * 100 > over_percent * po_value):
        status = MatchStatus.OVER_TOLERANCE
    elif under_amount > 0 and (under_amount > under_absolute or under_amount * 100 > under_percent * po_value):
        status = MatchStatus.UNDER_BILLED
    else:
        status = MatchStatus.MATCHED
    status = str(status.value)
    shortage_reason = model_shortage_reason(shipped_quantity=shipped, previously_invoiced_quantity=prior_quantity, invoiced_quantity=quantity)
    price_reason = model_price_reason(invoiced_cost=invoiced_cost, po_cost=po_cost)
    price_claim = price_amount if status == MatchStatus.OVER_TOLERANCE else NOTHING
    shortage_claim = shortage_amount if status == MatchStatus.OVER_TOLERANCE else NOTHING

    numbers = {
        "status": status, "po_cost": po_cost, "invoiced_cost": invoiced_cost, "ordered_quantity": ordered, "received_quantity": received,
        "invoiced_quantity": quantity, "previously_invoiced_quantity": prior_quantity, "price_claim": price_claim,
        "shortage_claim": shortage_claim, "currency": currency, "credited_quantity": credited_quantity, "credited_amount": credited_amount,
        "shipped_quantity": shipped,
    }
    changed = previous is None or any(previous[name] != numbers[name] for name in COMPARED)
    previous_status = previous["status"] if previous else None

    tolerance_applied = {
        "id": tolerance["id"] if tolerance else None, "over_percent": _text(over_percent), "over_absolute": _text(over_absolute),
        "under_percent": _text(under_percent), "under_absolute": _text(under_absolute),
    }
    evidence = None
    if changed or price_claim > 0 or shortage_claim > 0 or previous_status == MatchStatus.OVER_TOLERANCE:
        evidence = {
            "po_cost": _text(po_cost), "invoiced_cost": _text(invoiced_cost), "price_variance": _text(invoiced_cost - po_cost),
            "ordered_quantity": ordered, "shipped_quantity": shipped, "received_quantity": received, "invoiced_quantity": quantity,
            "previously_invoiced_quantity": prior_quantity, "shortage_units": shortage_units,
            "price_claim": _text(price_amount), "shortage_claim": _text(shortage_amount),
            "credited_quantity": credited_quantity, "credited_amount": _text(credited_amount),
            "over_amount": _text(_round2(over_amount)), "under_amount": _text(_round2(under_amount)), "po_value": _text(_round2(po_value)),
            "tolerance": tolerance_applied, "currency": currency, "computed_at": now_text,
        }
    return {
        "invoice_line_id": line["id"], "invoice_id": line["invoice_id"], "vendor_id": vendor_id, "marketplace_id": marketplace_id,
        "currency": currency, "shipment_id": line["invoice__shipment_id"], "due_date": line["invoice__due_date"],
        "invoice_date": line["invoice__invoice_date"], "payment_terms": line["invoice__payment_terms"],
        "time_zone": line["invoice__marketplace__time_zone"], "purchase_order_id": line["purchase_order_line__purchase_order_id"],
        "status": status, "price_claim": price_claim, "shortage_claim": shortage_claim, "shortage_reason": shortage_reason,
        "price_reason": price_reason, "previous_status": previous_status, "changed": changed,
        "credited_more_units": credited_quantity > (previous["credited_quantity"] if previous else 0),
        "credited_more_amount": credited_amount > (previous["credited_amount"] if previous else 0),
        "has_price_claim": (line["id"], DeductionKind.PRICE_CLAIM) in claimed,
        "has_shortage_claim": (line["id"], DeductionKind.SHORTAGE_CLAIM) in claimed,
        "evidence": evidence, "invoice_state": line["invoice__state"], "previous_pk": previous["pk"] if previous else None,
        "result": {
            "status": status, "currency": currency, "po_cost": po_cost, "invoiced_cost": invoiced_cost, "ordered_quantity": ordered,
            "received_quantity": received, "invoiced_quantity": quantity, "previously_invoiced_quantity": prior_quantity,
            "shortage_units": shortage_units, "price_claim": price_claim, "shortage_claim": shortage_claim,
            "credited_quantity": credited_quantity, "credited_amount": credited_amount, "shipped_quantity": shipped,
            "tolerance": tolerance_applied,
        },
    }


def match_and_apply(*, states: dict, invoice_ids, actor: Actor, now: datetime.datetime, summary: MatchSummary) -> Applied:
    """The whole match on the locked invoices `states` ({id: state}): results, claims, reversals, audit rows.
    Returns, as `engine._sql_match` does, the deductions raised, the counts per vendor and the states to move."""
    from .services._common import deduction_raised

    rows, by_status = match_rows(invoice_ids=invoice_ids, now=now)
    summary.by_status.update(by_status)
    summary.lines = sum(summary.by_status.values())
    claimable = [row for row in rows if states.get(row["invoice_id"]) in CLAIMABLE_STATES]
    audits: list[AuditEvent] = []
    new_claims, reversals = _apply_claims(claimable, summary, audits, actor, now)
    moves = _invoice_moves([row for row in claimable if states[row["invoice_id"]] in MOVABLE_STATES], states)
    _audit_results(rows, audits, actor)
    AuditEvent.objects.bulk_create(audits, batch_size=BATCH)
    raised: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for claim in new_claims:
        raised[claim.vendor_id][0] += 1
    for reversal in reversals:
        raised[reversal.vendor_id][1] += 1
    numbers = dict(Invoice.objects.filter(pk__in={d.invoice_id for d in new_claims + reversals}).values_list("pk", "number"))
    return Applied(
        deductions=[deduction_raised(d, channel=actor.channel, invoice_number=numbers.get(d.invoice_id, "")) for d in new_claims + reversals],
        raised={vendor_id: tuple(counts) for vendor_id, counts in raised.items()},
        moves=moves,
    )


def _apply_claims(rows: list[dict], summary: MatchSummary, audits: list, actor: Actor, now) -> tuple[list, list]:
    wanted: dict[tuple[int, str], tuple[Decimal, dict]] = {}
    candidates = set()
    for row in rows:
        if row["price_claim"] > 0:
            wanted[(row["invoice_line_id"], DeductionKind.PRICE_CLAIM)] = (row["price_claim"], row)
        if row["shortage_claim"] > 0:
            wanted[(row["invoice_line_id"], DeductionKind.SHORTAGE_CLAIM)] = (row["shortage_claim"], row)
        if row["has_price_claim"] or row["has_shortage_claim"]:
            candidates.add(row["invoice_line_id"])
    by_line = {row["invoice_line_id"]: row for row in rows}
    claims = Deduction.objects.filter(kind__in=CLAIM_KINDS, invoice_line_id__in=sorted(candidates))
    # Lock first (FOR UPDATE cannot carry the aggregate), so a dispute answer cannot reverse at the same time.
    if candidates:
        list(claims.select_for_update().order_by("pk").values_list("pk", flat=True))
    else:
        claims = claims.none()
    fields = ["pk", "vendor_id", "marketplace_id", "kind", "reason", "dispute_deadline", "reverses_id", "variance_type", "amount", "currency", "status", "invoice_id", "invoice_line_id",
              "purchase_order_id", "shipment_id", "remittance_id"]
    existing = {}
    for values in claims.annotate(reversed_total=Coalesce(Sum("reversals__amount"), Value(ZERO), output_field=DecimalField())).values(*fields, "reversed_total"):
        reversed_total = money(values.pop("reversed_total"))  # SQLite sums as floats; PostgreSQL's numeric is already cents
        claim = Deduction(**values)  # the evidence JSON is not read back: it is only replaced
        claim.reversed_total = reversed_total
        existing[(claim.invoice_line_id, claim.kind)] = claim
    windows = dispute_windows()
    new_claims, changed, reversals, grown, statused = [], [], [], [], []
    for key in sorted(set(wanted) | set(existing), key=lambda k: (k[0], k[1])):
        line_id, kind = key
        amount, row = wanted.get(key, (ZERO, by_line.get(line_id)))
        claim = existing.get(key)
        evidence = (row or {}).get("evidence") or {}
        paid = bool(row and row["invoice_paid"])  # nothing new is taken from a paid invoice
        if claim is None:
            if paid:
                continue
            days, _max = window_for(windows, row["marketplace_id"], kind)
            is_price = kind == DeductionKind.PRICE_CLAIM
            new_claims.append(Deduction(
                vendor_id=row["vendor_id"], marketplace_id=row["marketplace_id"], kind=kind,
                reason=row["price_reason"] if is_price else row["shortage_reason"],
                variance_type=VarianceType.PPV if is_price else VarianceType.PQV, amount=amount, currency=row["currency"],
                invoice_id=row["invoice_id"], invoice_line_id=line_id, purchase_order_id=row["purchase_order_id"],
                shipment_id=row["shipment_id"], evidence=evidence, created_at=now,
                dispute_deadline=_local_date(now, row["time_zone"]) + datetime.timedelta(days=days),
                description=claim_description(kind, invoiced_cost=evidence["invoiced_cost"], po_cost=evidence["po_cost"],
                                              invoiced_quantity=evidence["invoiced_quantity"], shortage_units=evidence["shortage_units"]),
            ))
            continue
        remaining = claim.amount - claim.reversed_total
        if amount == remaining:
            continue
        if amount > remaining:
            if claim.reversed_total == 0 and claim.remittance_id is None and claim.status == DeductionStatus.OPEN and not paid:
                before = {"amount": claim.amount}
                claim.amount, claim.evidence, claim.updated_at = amount, evidence, now
                changed.append((claim, before))
                grown.append(claim)
            continue
        if remaining <= 0:
            continue
        back = remaining - amount
        # units credited back shrink both claims; a price correction only the price claim
        credited = bool(row) and (row["credited_more_units"] or (kind == DeductionKind.PRICE_CLAIM and row["credited_more_amount"]))
        reversals.append(Deduction(
            vendor_id=claim.vendor_id, marketplace_id=claim.marketplace_id, kind=DeductionKind.REVERSAL,
            reason=reversal_reason(kind, credited=credited),
            variance_type=claim.variance_type, amount=back, currency=claim.currency, invoice_id=claim.invoice_id,
            invoice_line_id=claim.invoice_line_id, purchase_order_id=claim.purchase_order_id, shipment_id=claim.shipment_id,
            reverses=claim, evidence=evidence, created_at=now, description=reversal_description(kind, claim.reference, credited=credited),
        ))
        before = {"status": claim.status}
        if claim.status in (DeductionStatus.OPEN, DeductionStatus.SETTLED, DeductionStatus.UPHELD, DeductionStatus.PARTLY_REVERSED):
            claim.status = DeductionStatus.REVERSED if amount == 0 else DeductionStatus.PARTLY_REVERSED
        claim.updated_at = now
        changed.append((claim, before))
        statused.append(claim)
    if new_claims:
        Deduction.objects.bulk_create(new_claims, batch_size=BATCH)
    if reversals:
        Deduction.objects.bulk_create(reversals, batch_size=BATCH)
    if grown:
        Deduction.objects.bulk_update(grown, ["amount", "evidence", "updated_at"], batch_size=BATCH)
    if statused:
        Deduction.objects.bulk_update(statused, ["status", "updated_at"], batch_size=BATCH)
    for claim in new_claims:
        audits.append(_audit(actor, action="deduction.raise", object_type="reconciliation.deduction", object_id=claim.pk,
                             vendor_id=claim.vendor_id, repr_=claim.reference, after=deduction_state(claim)))
    for reversal in reversals:
        audits.append(_audit(actor, action="deduction.reverse", object_type="reconciliation.deduction", object_id=reversal.pk,
                             vendor_id=reversal.vendor_id, repr_=reversal.reference, after=deduction_state(reversal)))
    for claim, before in changed:
        audits.append(_audit(actor, action="deduction.update", object_type="reconciliation.deduction", object_id=claim.pk,
                             vendor_id=claim.vendor_id, repr_=claim.reference, before=before, after=deduction_state(claim)))
    summary.claims_raised.extend(claim.pk for claim in new_claims)
    summary.reversals.extend(reversal.pk for reversal in reversals)
    summary.claims_updated.extend(claim.pk for claim, _before in changed)
    return new_claims, reversals


def _invoice_moves(rows: list[dict], states: dict) -> list[MatchStateChange]:
    """The invoice states `engine.APPLY_SQL`'s invoice_moves computes: on hold while a line waits for its
    receipt, else approved for payment (due by its terms when it has no due date); a hold by hand stays."""
    per_invoice: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        per_invoice[row["invoice_id"]].append(row)
    moves = []
    for invoice_id, lines in sorted(per_invoice.items()):
        current = states[invoice_id]
        waiting, engine_hold = lines[0]["invoice_waiting"], lines[0]["invoice_engine_hold"]  # over all its lines
        target = InvoiceState.ON_HOLD if waiting else InvoiceState.APPROVED_FOR_PAYMENT
        if current == target or (current == InvoiceState.ON_HOLD and not engine_hold) or current == InvoiceState.APPROVED_FOR_PAYMENT:
            continue
        due = None
        if target == InvoiceState.APPROVED_FOR_PAYMENT and lines[0]["due_date"] is None:
            due = terms_due_date(lines[0]["invoice_date"], lines[0]["payment_terms"])
        moves.append(MatchStateChange(invoice_id=invoice_id, from_state=current, to_state=target, due_date=due))
    return moves


def _audit_results(rows: list[dict], audits: list, actor: Actor) -> None:
    """One audit row per invoice whose lines' results changed (the numbers are on the results)."""
    per_invoice: dict[int, dict] = {}
    for row in rows:
        entry = per_invoice.setdefault(row["invoice_id"], {"vendor_id": row["vendor_id"], "lines": {}, "changed": False})
        entry["lines"][str(row["invoice_line_id"])] = {"status": row["status"], "price_claim": row["price_claim"], "shortage_claim": row["shortage_claim"]}
        entry["changed"] |= row["changed"]
    for invoice_id, entry in per_invoice.items():
        if not entry["changed"]:
            continue
        audits.append(_audit(actor, action="invoice.match", object_type="invoicing.invoice", object_id=invoice_id,
                             vendor_id=entry["vendor_id"], repr_=str(invoice_id), after={"lines": entry["lines"]}))
