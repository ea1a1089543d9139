"""The 3-way match engine: PO cost <-> receipt quantity <-> invoice quantity x cost, set-based.

`match_invoices(invoice_ids=None)` matches every line of the given invoices (None: every invoice that
can still be matched) with a fixed number of queries whatever the number of lines:

1. lock the invoices (SELECT ... FOR UPDATE),
2. one SQL statement computes every line's variances (a window function gives each line the units
   earlier invoices of the same PO line already took), applies the most specific `MatchTolerance`,
   upserts the `MatchResult` rows whose numbers changed (INSERT ... ON CONFLICT) and returns only the
   lines there is something to do about (changed numbers, a claim not raised yet, an invoice whose state
   may move) — a re-run over unchanged data returns nothing — plus one count of results by status,
3. the existing claims of those lines, then bulk create / update / reverse `Deduction`s,
4. bulk audit rows (handed to the webhooks mapping), set-based invoice state changes, one notification
   per vendor.

That statement is PostgreSQL's (LATERAL, jsonb, ON CONFLICT ... RETURNING). On any other database (SQLite,
the embedded default of `make run` and `make test`) `engine_portable` computes the same rows with a few
ORM queries and Decimal, and writes the results with bulk_create/bulk_update; steps 1, 3 and 4 are shared.
`match_invoices_via(path, ...)` runs either path (tests/reconciliation/test_engine_parity.py compares them).

Rules (see DOMAIN.md):
- shortage claim (PQV) = units invoiced beyond those received (less what earlier invoices took) x the
  invoiced cost; price claim (PPV) = (invoiced cost - PO cost) x invoiced units. Claims are raised only
  when over-billing is beyond tolerance; under-billing only warns (`under_billed`).
- Nothing received yet on the PO line: `pending_receipt`, no claim; the invoice goes on hold.
- Idempotent: one claim per (invoice line, kind) (a unique constraint); re-running raises nothing new.
- When the needed claim shrinks (late receipts, a corrected PO cost) the engine does not edit the
  claim: it adds a `reversal` deduction pointing at it (`reverses`), so the vendor sees the claim and
  its reversal on the remittance, as Vendor Central shows them. An open, never-reversed claim that must
  grow is updated in place.
- Invoice state: submitted invoices only get results (what AP will see before accepting). Accepted
  invoices become approved for payment (claims are netted at payment) or on hold while a line waits
  for its receipt; an invoice the engine put on hold is released when the goods arrive. Invoices the
  retailer put on hold by hand stay on hold.
  State changes are written set-based here (one UPDATE per transition, the same audit action names as
  `invoicing.services.invoice_decide`) so a nightly sweep over 100,000 lines stays a few queries.
"""
from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicing.models import SENT_STATES, Invoice, InvoiceLine, InvoiceState, InvoiceType
from purchase_orders.models import PurchaseOrderLine
from vendor_portal.models import AuditEvent
from vendor_portal.services.audit import Actor, to_jsonable

from .models import (
    CLAIM_KINDS,
    ZERO,
    Deduction,
    DeductionKind,
    DeductionReason,
    DeductionStatus,
    DisputeWindow,
    MatchResult,
    MatchTolerance,
    VarianceType,
    money,
    terms_due_date,
)

# Invoices the engine looks at; claims and state changes only for the ones AP accepted.
MATCHABLE_STATES = (InvoiceState.SUBMITTED, InvoiceState.ACCEPTED, InvoiceState.ON_HOLD, InvoiceState.APPROVED_FOR_PAYMENT)
CLAIMABLE_STATES = (InvoiceState.ACCEPTED, InvoiceState.ON_HOLD, InvoiceState.APPROVED_FOR_PAYMENT)
BATCH = 2000

MATCH_SQL = """
WITH target AS (
    SELECT il.id, il.purchase_order_line_id
    FROM {line} il JOIN {invoice} i ON i.id = il.invoice_id
    WHERE i.invoice_type = %(invoice_type)s AND i.state = ANY(%(matchable)s) AND il.purchase_order_line_id IS NOT NULL
      AND (%(all)s OR il.invoice_id = ANY(%(ids)s))
),
prior AS (
    SELECT il.id,
           COALESCE(SUM(il.quantity) OVER (
               PARTITION BY il.purchase_order_line_id ORDER BY i.submitted_at NULLS LAST, i.id, il.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::int AS prior_quantity
    FROM {line} il JOIN {invoice} i ON i.id = il.invoice_id
    WHERE i.invoice_type = %(invoice_type)s AND i.state = ANY(%(sent)s)
      AND il.purchase_order_line_id IN (SELECT purchase_order_line_id FROM target)
),
numbers AS (
    SELECT il.id AS invoice_line_id, il.invoice_id, i.vendor_id, i.marketplace_id, i.currency, i.state AS invoice_state,
           i.shipment_id, i.due_date, i.invoice_date, i.payment_terms, m.time_zone, pol.purchase_order_id,
           il.quantity AS invoiced_quantity, il.unit_cost AS invoiced_cost, pol.net_cost AS po_cost,
           pol.ordered_quantity, pol.shipped_quantity, pol.received_quantity, p.prior_quantity,
           GREATEST(0, il.quantity - GREATEST(0, pol.received_quantity - p.prior_quantity))::int AS shortage_units,
           tol.id AS tolerance_id,
           COALESCE(tol.over_percent, 0) AS over_percent, COALESCE(tol.over_absolute, 0) AS over_absolute,
           COALESCE(tol.under_percent, 0) AS under_percent, COALESCE(tol.under_absolute, 0) AS under_absolute,
           prev.status AS previous_status,
           COALESCE(dc.has_price_claim, FALSE) AS has_price_claim, COALESCE(dc.has_shortage_claim, FALSE) AS has_shortage_claim,
           ROW(prev.status::text, prev.po_cost, prev.invoiced_cost, prev.ordered_quantity, prev.received_quantity, prev.invoiced_quantity,
               prev.previously_invoiced_quantity, prev.price_claim, prev.shortage_claim, prev.currency::text) AS previous_numbers
    FROM target t
    JOIN {line} il ON il.id = t.id
    JOIN prior p ON p.id = t.id
    JOIN {invoice} i ON i.id = il.invoice_id
    JOIN {marketplace} m ON m.id = i.marketplace_id
    JOIN {po_line} pol ON pol.id = il.purchase_order_line_id
    LEFT JOIN {result} prev ON prev.invoice_line_id = il.id
    LEFT JOIN (
        SELECT d.invoice_line_id, bool_or(d.kind = 'price_claim') AS has_price_claim, bool_or(d.kind = 'shortage_claim') AS has_shortage_claim
        FROM {deduction} d WHERE d.kind IN ('price_claim', 'shortage_claim') AND d.invoice_line_id IN (SELECT id FROM target)
        GROUP BY d.invoice_line_id
    ) dc ON dc.invoice_line_id = il.id
    LEFT JOIN LATERAL (
        SELECT mt.id, mt.over_percent, mt.over_absolute, mt.under_percent, mt.under_absolute
        FROM {tolerance} mt
        WHERE (mt.vendor_id = i.vendor_id OR mt.vendor_id IS NULL) AND (mt.marketplace_id = i.marketplace_id OR mt.marketplace_id IS NULL)
        ORDER BY mt.vendor_id IS NULL, mt.marketplace_id IS NULL
        LIMIT 1
    ) tol ON TRUE
),
computed AS (
    SELECT n.*,
           ROUND(GREATEST(n.invoiced_cost - n.po_cost, 0) * n.invoiced_quantity, 2) AS price_amount,
           ROUND(n.shortage_units * n.invoiced_cost, 2) AS shortage_amount,
           GREATEST(n.invoiced_cost - n.po_cost, 0) * n.invoiced_quantity + n.shortage_units * n.invoiced_cost AS over_amount,
           GREATEST(n.po_cost - n.invoiced_cost, 0) * n.invoiced_quantity AS under_amount,
           n.po_cost * n.invoiced_quantity AS po_value
    FROM numbers n
),
judged AS (
    SELECT c.*,
           CASE
               WHEN c.received_quantity = 0 THEN 'pending_receipt'
               WHEN c.over_amount > 0 AND (c.over_amount > c.over_absolute OR c.over_amount * 100 > c.over_percent * c.po_value) THEN 'over_tolerance'
               WHEN c.under_amount > 0 AND (c.under_amount > c.under_absolute OR c.under_amount * 100 > c.under_percent * c.po_value) THEN 'under_billed'
               ELSE 'matched'
           END AS status,
           CASE WHEN c.shipped_quantity >= c.prior_quantity + c.invoiced_quantity THEN 'SHORTAGES_IN_TRANSIT' ELSE 'OVERBILLING' END AS shortage_reason,
           CASE WHEN c.invoiced_cost - c.po_cost <= 0.01 THEN 'ROUNDING_ISSUES' ELSE 'PRODUCT_COST_NOT_REGISTERED' END AS price_reason
    FROM computed c
),
claimed AS (
    SELECT j.*,
           CASE WHEN j.status = 'over_tolerance' THEN j.price_amount ELSE 0 END AS price_claim,
           CASE WHEN j.status = 'over_tolerance' THEN j.shortage_amount ELSE 0 END AS shortage_claim
    FROM judged j
),
compared AS (
    SELECT c.*,
           c.previous_numbers IS DISTINCT FROM ROW(c.status::text, c.po_cost, c.invoiced_cost, c.ordered_quantity, c.received_quantity,
               c.invoiced_quantity, c.prior_quantity, c.price_claim, c.shortage_claim, c.currency::text) AS changed
    FROM claimed c
),
final AS (
    SELECT j.*,
           (CASE WHEN j.shortage_units > 0 THEN jsonb_build_array(jsonb_build_object('variance_type', 'PQV', 'defect_types', jsonb_build_array(j.shortage_reason))) ELSE '[]'::jsonb END)
           || (CASE WHEN j.invoiced_cost > j.po_cost THEN jsonb_build_array(jsonb_build_object('variance_type', 'PPV', 'defect_types', jsonb_build_array(j.price_reason))) ELSE '[]'::jsonb END)
               AS variance_reasons,
           -- built only where it is written or a claim needs it
           CASE WHEN j.changed OR j.price_claim > 0 OR j.shortage_claim > 0 OR j.previous_status = 'over_tolerance' THEN jsonb_build_object(
               'po_cost', j.po_cost::text, 'invoiced_cost', j.invoiced_cost::text, 'price_variance', (j.invoiced_cost - j.po_cost)::text,
               'ordered_quantity', j.ordered_quantity, 'shipped_quantity', j.shipped_quantity, 'received_quantity', j.received_quantity,
               'invoiced_quantity', j.invoiced_quantity, 'previously_invoiced_quantity', j.prior_quantity, 'shortage_units', j.shortage_units,
               'price_claim', j.price_amount::text, 'shortage_claim', j.shortage_amount::text,
               'over_amount', ROUND(j.over_amount, 2)::text, 'under_amount', ROUND(j.under_amount, 2)::text, 'po_value', ROUND(j.po_value, 2)::text,
               'tolerance', jsonb_build_object('id', j.tolerance_id, 'over_percent', j.over_percent::text, 'over_absolute', j.over_absolute::text,
                                               'under_percent', j.under_percent::text, 'under_absolute', j.under_absolute::text),
               'currency', j.currency, 'computed_at', %(now_text)s) END AS evidence
    FROM compared j
),
upserted AS (
    INSERT INTO {result} AS mr (invoice_id, invoice_line_id, status, currency, po_cost, invoiced_cost, ordered_quantity, received_quantity,
                                invoiced_quantity, previously_invoiced_quantity, shortage_units, price_claim, shortage_claim,
                                variance_reasons, evidence, computed_at)
    SELECT f.invoice_id, f.invoice_line_id, f.status, f.currency, f.po_cost, f.invoiced_cost, f.ordered_quantity, f.received_quantity,
           f.invoiced_quantity, f.prior_quantity, f.shortage_units, f.price_claim, f.shortage_claim, f.variance_reasons, f.evidence, %(now)s
    FROM final f
    WHERE f.changed  -- an unchanged line is not rewritten: its evidence and computed_at stay those of when its numbers last changed
    ON CONFLICT (invoice_line_id) DO UPDATE SET
        status = EXCLUDED.status, currency = EXCLUDED.currency, po_cost = EXCLUDED.po_cost, invoiced_cost = EXCLUDED.invoiced_cost,
        ordered_quantity = EXCLUDED.ordered_quantity, received_quantity = EXCLUDED.received_quantity,
        invoiced_quantity = EXCLUDED.invoiced_quantity, previously_invoiced_quantity = EXCLUDED.previously_invoiced_quantity,
        shortage_units = EXCLUDED.shortage_units, price_claim = EXCLUDED.price_claim, shortage_claim = EXCLUDED.shortage_claim,
        variance_reasons = EXCLUDED.variance_reasons, evidence = EXCLUDED.evidence, computed_at = EXCLUDED.computed_at
    RETURNING mr.invoice_line_id
),
flagged AS (
    SELECT f.*,
           bool_or(f.status = 'pending_receipt') OVER w AS invoice_waiting,
           bool_or(f.previous_status = 'pending_receipt') OVER w AS invoice_engine_hold
    FROM final f
    WINDOW w AS (PARTITION BY f.invoice_id)
)
-- Only the lines there is something to do about come back: changed numbers, a claim not raised yet, or an
-- invoice whose state may move. A re-run over unchanged data returns nothing.
SELECT f.invoice_line_id, f.invoice_id, f.vendor_id, f.marketplace_id, f.currency, f.shipment_id, f.due_date,
       f.invoice_date, f.payment_terms, f.time_zone, f.purchase_order_id, f.status, f.price_claim, f.shortage_claim,
       f.shortage_reason, f.price_reason, f.previous_status, f.changed, f.has_price_claim, f.has_shortage_claim,
       f.invoice_waiting, f.invoice_engine_hold,
       CASE WHEN f.price_claim > 0 OR f.shortage_claim > 0 OR f.previous_status = 'over_tolerance' THEN f.evidence END AS evidence
FROM flagged f
WHERE f.changed
   OR (f.price_claim > 0 AND NOT f.has_price_claim) OR (f.shortage_claim > 0 AND NOT f.has_shortage_claim)
   OR f.invoice_state = 'accepted'
   OR (f.invoice_state = 'on_hold' AND f.invoice_engine_hold AND NOT f.invoice_waiting)
"""


def _tables() -> dict:
    from vendor_portal.models import Marketplace

    return {
        "line": InvoiceLine._meta.db_table, "invoice": Invoice._meta.db_table, "po_line": PurchaseOrderLine._meta.db_table,
        "tolerance": MatchTolerance._meta.db_table, "result": MatchResult._meta.db_table, "marketplace": Marketplace._meta.db_table,
        "deduction": Deduction._meta.db_table,
    }


@dataclass
class MatchSummary:
    lines: int = 0
    by_status: dict = field(default_factory=lambda: defaultdict(int))
    claims_raised: list = field(default_factory=list)
    claims_updated: list = field(default_factory=list)
    reversals: list = field(default_factory=list)
    approved: list = field(default_factory=list)
    on_hold: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "lines": self.lines, "by_status": dict(self.by_status), "claims_raised": len(self.claims_raised),
            "claims_updated": len(self.claims_updated), "reversals": len(self.reversals),
            "approved_for_payment": len(self.approved), "on_hold": len(self.on_hold),
        }


def _row_dicts(cursor) -> list[dict]:
    names = [column.name for column in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    for row in rows:  # Django's cursor hands jsonb back as text
        if isinstance(row.get("evidence"), str):
            row["evidence"] = json.loads(row["evidence"])
    return rows


def dispute_windows() -> dict:
    """{(marketplace_id or None, kind): (days, max_disputes)} — one query."""
    return {(w.marketplace_id, w.kind): (w.days, w.max_disputes) for w in DisputeWindow.objects.all()}


def window_for(windows: dict, marketplace_id, kind: str) -> tuple[int, int]:
    return windows.get((marketplace_id, kind)) or windows.get((None, kind)) or (DisputeWindow.DEFAULT_DAYS, DisputeWindow.DEFAULT_MAX)


def _local_date(now: datetime.datetime, zone_name: str) -> datetime.date:
    import zoneinfo

    try:
        return timezone.localtime(now, zoneinfo.ZoneInfo(zone_name)).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return now.date()


def _audit(actor: Actor, *, action: str, object_type: str, object_id, vendor_id, repr_: str, before=None, after=None) -> AuditEvent:
    return AuditEvent(
        actor=actor.user, actor_token=actor.token, actor_label=actor.label, channel=actor.channel, vendor_id=vendor_id,
        action=action, object_type=object_type, object_id=str(object_id), object_repr=str(repr_)[:200],
        before=to_jsonable(before) if before is not None else None, after=to_jsonable(after) if after is not None else None,
        request_id=actor.request_id,
    )


def match_invoices(*, invoice_ids=None, actor: Actor | None = None, now: datetime.datetime | None = None) -> MatchSummary:
    """Match the lines of `invoice_ids` (None: every matchable invoice). Safe to run again at any time."""
    path = "sql" if connection.vendor == "postgresql" else "portable"
    return match_invoices_via(path, invoice_ids=invoice_ids, actor=actor, now=now)


def match_invoices_via(path: str, *, invoice_ids=None, actor: Actor | None = None, now: datetime.datetime | None = None) -> MatchSummary:
    """`match_invoices` computing the numbers with `path`: "sql" (one PostgreSQL statement, the fast one)
    or "portable" (the ORM and Decimal, any database; see engine_portable). Both give the same results."""
    if path not in ("sql", "portable"):
        raise ValueError(f"Unknown match path {path!r}")
    actor = actor or Actor.system()
    now = now or timezone.now()
    summary = MatchSummary()
    ids = [int(pk) for pk in invoice_ids] if invoice_ids is not None else []
    if invoice_ids is not None and not ids:
        return summary
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().filter(invoice_type=InvoiceType.INVOICE, state__in=MATCHABLE_STATES)
        if invoice_ids is not None:
            locked = locked.filter(pk__in=ids)
        states = dict(locked.order_by("pk").values_list("pk", "state"))
        if not states:
            return summary
        if path == "sql":
            rows, by_status = _sql_match_rows(states=states, ids=ids, every=invoice_ids is None, now=now)
        else:
            from .engine_portable import match_rows

            rows, by_status = match_rows(states=states, invoice_ids=ids if invoice_ids is not None else None, now=now)
        summary.by_status.update(by_status)
        summary.lines = sum(summary.by_status.values())
        claimable = [row for row in rows if states.get(row["invoice_id"]) in CLAIMABLE_STATES]
        audits: list[AuditEvent] = []
        _apply_claims(claimable, summary, audits, actor, now)
        _apply_invoice_states(claimable, states, summary, audits, actor, now)
        _audit_results(rows, audits, actor)
        AuditEvent.objects.bulk_create(audits, batch_size=BATCH)
        _emit_webhooks(audits)
        _notify(summary)
    return summary


def _sql_match_rows(*, states: dict, ids: list[int], every: bool, now: datetime.datetime) -> tuple[list[dict], dict]:
    """PostgreSQL: MATCH_SQL computes and upserts the results and returns the rows to act on; then the count by status."""
    with connection.cursor() as cursor:
        # JIT compiling this many expressions costs seconds and saves nothing at this size.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            MATCH_SQL.format(**_tables()),
            {
                "invoice_type": InvoiceType.INVOICE, "matchable": list(MATCHABLE_STATES), "sent": list(SENT_STATES),
                "all": every, "ids": ids, "now": now, "now_text": now.isoformat(),
            },
        )
        rows = _row_dicts(cursor)
        cursor.execute(
            f"SELECT status, COUNT(*) FROM {MatchResult._meta.db_table} WHERE invoice_id = ANY(%s) GROUP BY status", [list(states)]
        )
        by_status = dict(cursor.fetchall())
    return rows, by_status


def _emit_webhooks(audits: list[AuditEvent]) -> None:
    """Webhooks follow the audit trail through post_save (webhooks/events.py), which bulk-created rows
    bypass: hand those rows to the same mapping, for the vendors that subscribe (one query otherwise)."""
    try:
        from webhooks.events import event_data, event_for
        from webhooks.models import WebhookSubscription
        from webhooks.services import webhook_emit
    except ImportError:  # the webhooks app is optional
        return
    vendor_ids = {audit.vendor_id for audit in audits if audit.vendor_id}
    listening: dict[int, set] = defaultdict(set)
    for vendor_id, events in WebhookSubscription.objects.filter(vendor_id__in=vendor_ids, is_active=True).values_list("vendor_id", "events"):
        listening[vendor_id] |= set(events or [])
    if not listening:
        return
    from vendor_portal.models import Vendor

    vendors = Vendor.objects.in_bulk(list(listening))
    for audit in audits:
        event = event_for(audit) if audit.vendor_id in listening else None
        if event and event in listening[audit.vendor_id]:
            webhook_emit(vendor=vendors[audit.vendor_id], event=event, data=event_data(audit))


def _apply_claims(rows: list[dict], summary: MatchSummary, audits: list, actor: Actor, now) -> None:
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
        if claim is None:
            days, _max = window_for(windows, row["marketplace_id"], kind)
            is_price = kind == DeductionKind.PRICE_CLAIM
            new_claims.append(Deduction(
                vendor_id=row["vendor_id"], marketplace_id=row["marketplace_id"], kind=kind,
                reason=row["price_reason"] if is_price else row["shortage_reason"],
                variance_type=VarianceType.PPV if is_price else VarianceType.PQV, amount=amount, currency=row["currency"],
                invoice_id=row["invoice_id"], invoice_line_id=line_id, purchase_order_id=row["purchase_order_id"],
                shipment_id=row["shipment_id"], evidence=evidence, created_at=now,
                dispute_deadline=_local_date(now, row["time_zone"]) + datetime.timedelta(days=days),
                description=_claim_description(kind, row),
            ))
            continue
        remaining = claim.amount - claim.reversed_total
        if amount == remaining:
            continue
        if amount > remaining:
            if claim.reversed_total == 0 and claim.remittance_id is None and claim.status == DeductionStatus.OPEN:
                before = {"amount": claim.amount}
                claim.amount, claim.evidence, claim.updated_at = amount, evidence, now
                changed.append((claim, before))
                grown.append(claim)
            continue
        if remaining <= 0:
            continue
        back = remaining - amount
        reversals.append(Deduction(
            vendor_id=claim.vendor_id, marketplace_id=claim.marketplace_id, kind=DeductionKind.REVERSAL,
            reason=DeductionReason.LATE_RECEIPT if kind == DeductionKind.SHORTAGE_CLAIM else DeductionReason.PRICE_CORRECTED,
            variance_type=claim.variance_type, amount=back, currency=claim.currency, invoice_id=claim.invoice_id,
            invoice_line_id=claim.invoice_line_id, purchase_order_id=claim.purchase_order_id, shipment_id=claim.shipment_id,
            reverses=claim, evidence=evidence, created_at=now,
            description=_("Reverses %(ref)s: %(why)s") % {
                "ref": claim.reference,
                "why": _("units received later") if kind == DeductionKind.SHORTAGE_CLAIM else _("PO cost corrected"),
            },
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
                             vendor_id=claim.vendor_id, repr_=claim.reference, after=_deduction_state(claim)))
    for reversal in reversals:
        audits.append(_audit(actor, action="deduction.reverse", object_type="reconciliation.deduction", object_id=reversal.pk,
                             vendor_id=reversal.vendor_id, repr_=reversal.reference, after=_deduction_state(reversal)))
    for claim, before in changed:
        audits.append(_audit(actor, action="deduction.update", object_type="reconciliation.deduction", object_id=claim.pk,
                             vendor_id=claim.vendor_id, repr_=claim.reference, before=before, after=_deduction_state(claim)))
    summary.claims_raised.extend(new_claims)
    summary.reversals.extend(reversals)
    summary.claims_updated.extend(c for c, _b in changed)


def _claim_description(kind: str, row: dict) -> str:
    evidence = row["evidence"]
    if kind == DeductionKind.PRICE_CLAIM:
        return _("Invoiced at %(inv)s, PO cost %(po)s, %(qty)s units") % {
            "inv": evidence["invoiced_cost"], "po": evidence["po_cost"], "qty": evidence["invoiced_quantity"]}
    return _("%(short)s units invoiced beyond those received, at %(inv)s") % {
        "short": evidence["shortage_units"], "inv": evidence["invoiced_cost"]}


def _deduction_state(deduction: Deduction) -> dict:
    return {
        "kind": deduction.kind, "reason": deduction.reason, "variance_type": deduction.variance_type, "amount": deduction.amount,
        "currency": deduction.currency, "status": deduction.status, "invoice_id": deduction.invoice_id,
        "invoice_line_id": deduction.invoice_line_id, "reverses_id": deduction.reverses_id,
        "dispute_deadline": deduction.dispute_deadline,
    }


def _apply_invoice_states(rows: list[dict], states: dict, summary: MatchSummary, audits: list, actor: Actor, now) -> None:
    per_invoice: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        per_invoice[row["invoice_id"]].append(row)
    moves: dict[tuple[str, str], list[int]] = defaultdict(list)
    due_dates: dict[int, datetime.date] = {}
    vendor_of = {}
    for invoice_id, lines in per_invoice.items():
        current = states[invoice_id]
        vendor_of[invoice_id] = lines[0]["vendor_id"]
        waiting, engine_hold = lines[0]["invoice_waiting"], lines[0]["invoice_engine_hold"]  # over all its lines
        target = InvoiceState.ON_HOLD if waiting else InvoiceState.APPROVED_FOR_PAYMENT
        if current == target or (current == InvoiceState.ON_HOLD and not engine_hold) or current == InvoiceState.APPROVED_FOR_PAYMENT:
            continue
        moves[(current, target)].append(invoice_id)
        if target == InvoiceState.APPROVED_FOR_PAYMENT and lines[0]["due_date"] is None:
            due_dates[invoice_id] = terms_due_date(lines[0]["invoice_date"], lines[0]["payment_terms"])
    for (current, target), invoice_ids in moves.items():
        Invoice.objects.filter(pk__in=invoice_ids, state=current).update(state=target, state_changed_at=now, updated_at=now)
        for invoice_id in invoice_ids:
            after = {"state": target, "note": _("3-way match")}
            if invoice_id in due_dates:
                after["due_date"] = due_dates[invoice_id]
            audits.append(_audit(actor, action=f"invoice.{target}", object_type="invoicing.invoice", object_id=invoice_id,
                                 vendor_id=vendor_of[invoice_id], repr_=str(invoice_id), before={"state": current}, after=after))
        (summary.approved if target == InvoiceState.APPROVED_FOR_PAYMENT else summary.on_hold).extend(invoice_ids)
    if due_dates:
        invoices = [Invoice(pk=pk, due_date=due) for pk, due in due_dates.items()]
        Invoice.objects.bulk_update(invoices, ["due_date"], batch_size=BATCH)


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


def _notify(summary: MatchSummary) -> None:
    """One message per vendor (not one per line), and the webhooks of vendors that subscribe."""
    from vendor_portal.models import Vendor
    from vendor_portal.services.notifications import notify_vendor_roles

    from .services import FINANCE_ROLES

    raised: dict[int, list[Deduction]] = defaultdict(list)
    for deduction in [*summary.claims_raised, *summary.reversals]:
        raised[deduction.vendor_id].append(deduction)
    if not raised:
        return
    vendors = Vendor.objects.in_bulk(list(raised))
    for vendor_id, deductions in raised.items():
        claims = [d for d in deductions if d.kind != DeductionKind.REVERSAL]
        reversals = [d for d in deductions if d.kind == DeductionKind.REVERSAL]
        if claims:
            notify_vendor_roles(
                vendor=vendors[vendor_id], roles=FINANCE_ROLES, kind="deduction_raised",
                title=_("%(n)s new deduction(s) from the 3-way match") % {"n": len(claims)}, url="/payments/deductions/",
            )
        if reversals:
            notify_vendor_roles(
                vendor=vendors[vendor_id], roles=FINANCE_ROLES, kind="deduction_reversed",
                title=_("%(n)s deduction(s) reversed") % {"n": len(reversals)}, url="/payments/deductions/",
            )


def match_purchase_order_lines(*, po_line_ids, actor: Actor | None = None) -> MatchSummary:
    """After a receipt: match the invoices that bill these PO lines."""
    invoice_ids = list(
        InvoiceLine.objects.filter(purchase_order_line_id__in=list(po_line_ids), invoice__state__in=MATCHABLE_STATES)
        .values_list("invoice_id", flat=True).distinct()
    )
    return match_invoices(invoice_ids=invoice_ids, actor=actor)


def chargebacks_raise(*, actor: Actor | None = None, now: datetime.datetime | None = None) -> list[Deduction]:
    """A chargeback deduction per shipments.ComplianceEvent whose category has a rate in its marketplace.
    Idempotent: an event already charged is skipped (and a unique constraint guards the race)."""
    from shipments.models import ComplianceEvent

    from .models import COMPLIANCE_CATEGORY, ChargebackRate

    actor = actor or Actor.system()
    now = now or timezone.now()
    rates = {(rate.marketplace_id, rate.category): rate for rate in ChargebackRate.objects.all()}
    if not rates:
        return []
    with transaction.atomic():
        events = list(
            ComplianceEvent.objects.filter(shipment__isnull=False, kind__in=list(COMPLIANCE_CATEGORY))
            .exclude(deductions__kind=DeductionKind.CHARGEBACK)
            .select_related("shipment__marketplace")
            .order_by("pk")
        )
        windows = dispute_windows()
        created = []
        for event in events:
            category = COMPLIANCE_CATEGORY[event.kind]
            rate = rates.get((event.shipment.marketplace_id, category))
            if rate is None:
                continue
            days, _max = window_for(windows, event.shipment.marketplace_id, DeductionKind.CHARGEBACK)
            created.append(Deduction(
                vendor_id=event.vendor_id, marketplace_id=event.shipment.marketplace_id, kind=DeductionKind.CHARGEBACK,
                reason=category, amount=rate.amount, currency=rate.currency, shipment_id=event.shipment_id, compliance_event=event,
                evidence={"compliance_event": event.pk, "kind": event.kind, "occurred_at": event.occurred_at.isoformat(), **event.details},
                dispute_deadline=_local_date(now, event.shipment.marketplace.time_zone) + datetime.timedelta(days=days),
                description=_("%(category)s, shipment %(id)s") % {"category": DeductionReason(category).label, "id": event.shipment.shipment_identifier},
                created_at=now,
            ))
        if not created:
            return []
        Deduction.objects.bulk_create(created)
        audits = AuditEvent.objects.bulk_create([
            _audit(actor, action="deduction.raise", object_type="reconciliation.deduction", object_id=d.pk, vendor_id=d.vendor_id,
                   repr_=d.reference, after=_deduction_state(d))
            for d in created
        ])
        _emit_webhooks(audits)
        summary = MatchSummary(claims_raised=created)
        _notify(summary)
    return created
