"""The 3-way match engine on a large database, beside one plain SQL query computing the same variances.

    psql -h 127.0.0.1 -U postgres -c 'create database vp_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python bench/match.py --lines 100000

Migrates, then loads vendor RBENCH's POs, PO lines, accepted invoices and invoice lines with COPY (10 lines
per invoice and PO; rows already there are kept, so a second run only measures). The mix per line: 70%
exact, 10% billed above the PO cost, 10% short-received, 5% under-billed, 5% nothing received yet; every
tenth invoice has an accepted credit note (a quantity correction) for its short units, which the match nets.

Each round first forgets earlier results of RBENCH (match results, deductions, invoice states back to
accepted), then times:
  - the engine: `reconciliation.engine.match_invoices()` over every matchable invoice (results upserted,
    claims raised, invoices approved or put on hold, audit rows), with its query count;
  - the engine again (nothing changes: the idempotent re-run a nightly sweep mostly is);
  - the engine after a day's late receipts (the missing units of 1,000 short PO lines arrive; those are
    then put back as they were): the sweep that reverses their shortage claims;
and, best of three, one SELECT computing the same variances and claims for the same lines (nothing written).
With --rounds N the best of N rounds is printed (the machine is shared: single runs are noisy).
With --webhooks the vendor subscribes to deduction.raised and invoice.state_changed, so the engine's events
also write a webhook delivery per claim and per invoice moved (the outbox, in the match's transaction);
sending them is not measured (they are not queued to Celery). Without it the subscription is paused.
It checks both agree (claims and statuses) and prints the times and the ratio (target: engine within 3x).
The loaded rows bypass the services on purpose (no audit rows): they exist to be matched.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendor_portal.settings.local")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F, Sum  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.po_list import _insert  # noqa: E402
from invoicing.models import Invoice, InvoiceLine, InvoiceState  # noqa: E402
from purchase_orders.models import PurchaseOrder, PurchaseOrderLine  # noqa: E402
from reconciliation.engine import match_invoices  # noqa: E402
from reconciliation.models import Deduction, MatchResult  # noqa: E402
from vendor_portal.demo import seed_foundation  # noqa: E402
from vendor_portal.models import Vendor  # noqa: E402

VENDOR_CODE = "RBENCH"
LINES_PER_INVOICE = 10
CHUNK = 2_000  # invoices (and POs) per COPY batch
LATE_LINES = 1_000  # short-received PO lines whose missing units arrive before the timed sweep

SQL = """
WITH credited AS (
    SELECT cl.credited_line_id,
           SUM(CASE WHEN cn.credit_reason = 'quantity_correction' THEN cl.quantity ELSE 0 END) AS units,
           SUM(CASE WHEN cn.credit_reason = 'price_correction' THEN cl.line_amount ELSE 0 END) AS amount
    FROM invoicing_invoiceline cl JOIN invoicing_invoice cn ON cn.id = cl.invoice_id
    WHERE cn.vendor_id = %(vendor)s AND cn.invoice_type = 'CreditNote' AND cl.credited_line_id IS NOT NULL
      AND cn.state IN ('accepted', 'approved_for_payment', 'paid_partly', 'paid')
      AND cn.credit_reason IN ('quantity_correction', 'price_correction')
    GROUP BY cl.credited_line_id
), prior AS (
    SELECT il.id, GREATEST(0, il.quantity - COALESCE(c.units, 0)) AS net_quantity, COALESCE(c.amount, 0) AS credited_amount,
           COALESCE(SUM(GREATEST(0, il.quantity - COALESCE(c.units, 0))) OVER (
               PARTITION BY il.purchase_order_line_id ORDER BY i.submitted_at NULLS LAST, i.id, il.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS prior_quantity
    FROM invoicing_invoiceline il JOIN invoicing_invoice i ON i.id = il.invoice_id
    LEFT JOIN credited c ON c.credited_line_id = il.id
    WHERE i.vendor_id = %(vendor)s AND i.invoice_type = 'Invoice'
      AND i.state IN ('submitted', 'accepted', 'on_hold', 'approved_for_payment', 'paid_partly', 'paid')
), v AS (
    SELECT il.id, p.net_quantity, il.unit_cost, pol.net_cost, pol.received_quantity,
           GREATEST(0, GREATEST(il.unit_cost - pol.net_cost, 0) * p.net_quantity - p.credited_amount) AS price_over,
           GREATEST(0, p.net_quantity - GREATEST(0, pol.received_quantity - p.prior_quantity)) AS short_units
    FROM invoicing_invoiceline il
    JOIN invoicing_invoice i ON i.id = il.invoice_id
    JOIN prior p ON p.id = il.id
    JOIN purchase_orders_purchaseorderline pol ON pol.id = il.purchase_order_line_id
    WHERE i.vendor_id = %(vendor)s AND i.state IN ('accepted', 'on_hold', 'approved_for_payment')
)
SELECT id,
       CASE WHEN received_quantity = 0 AND net_quantity > 0 THEN 'pending_receipt'
            WHEN price_over > 0 OR short_units > 0 THEN 'over_tolerance'
            WHEN unit_cost < net_cost AND net_quantity > 0 THEN 'under_billed' ELSE 'matched' END AS status,
       CASE WHEN received_quantity > 0 THEN ROUND(price_over, 2) ELSE 0 END AS price_claim,
       CASE WHEN received_quantity > 0 THEN ROUND(short_units * unit_cost, 2) ELSE 0 END AS shortage_claim
FROM v
"""


def setup() -> tuple[Vendor, dict]:
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        world = seed_foundation()
        vendor, _ = Vendor.objects.get_or_create(code=VENDOR_CODE, defaults={"name": "Reconciliation Bench Ltd", "gs1_company_prefix": "0999998"})
    from vendor_portal.models import Warehouse

    return vendor, {"us": world["marketplaces"]["US"], "dc": Warehouse.objects.filter(marketplace=world["marketplaces"]["US"]).first()}


def load(vendor: Vendor, places: dict, lines: int) -> float:
    have = InvoiceLine.objects.filter(invoice__vendor=vendor, invoice__invoice_type="Invoice").count()
    invoices_wanted = lines // LINES_PER_INVOICE
    invoices_have = have // LINES_PER_INVOICE
    if invoices_have >= invoices_wanted:
        return 0.0
    started = time.perf_counter()
    rng = random.Random(42)
    now = timezone.now()
    us, dc = places["us"], places["dc"]
    for start in range(invoices_have, invoices_wanted, CHUNK):
        stop = min(start + CHUNK, invoices_wanted)
        with transaction.atomic():
            _insert(
                PurchaseOrder,
                [
                    {
                        "vendor_id": vendor.pk,
                        "marketplace_id": us.pk,
                        "number": f"RB{n:09d}",
                        "order_type": "RegularOrder",
                        "order_date": now - datetime.timedelta(days=40),
                        "state": "received",
                        "state_changed_at": now,
                        "ship_to_id": dc.pk,
                        "ship_window_start": now - datetime.timedelta(days=35),
                        "ship_window_end": now - datetime.timedelta(days=30),
                        "currency": "USD",
                        "payment_terms": "net30",
                        "payment_method": "Invoice",
                        "confirmation_due_at": now - datetime.timedelta(days=38),
                        "has_unconfirmed_changes": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(start, stop)
                ],
            )
            po_ids = dict(PurchaseOrder.objects.filter(number__gte=f"RB{start:09d}", number__lt=f"RB{stop:09d}").values_list("number", "pk"))
            po_lines, plan = [], {}
            for n in range(start, stop):
                for sequence in range(1, LINES_PER_INVOICE + 1):
                    ordered = rng.randint(1, 50) * 6
                    cost = Decimal(rng.randint(100, 9000)) / 100
                    roll = rng.random()
                    received, billed_cost = ordered, cost
                    if roll < 0.10:
                        billed_cost = cost + Decimal("0.50")
                    elif roll < 0.20:
                        received = ordered - rng.randint(1, 6)
                    elif roll < 0.25:
                        billed_cost = cost - Decimal("0.25") if cost > 1 else cost
                    elif roll < 0.30:
                        received = 0
                    plan[(n, sequence)] = (ordered, billed_cost)
                    po_lines.append(
                        {
                            "purchase_order_id": po_ids[f"RB{n:09d}"],
                            "sequence": sequence,
                            "asin": f"B0R{sequence:07d}",
                            "vendor_sku": f"RB-{sequence}",
                            "title": "",
                            "ordered_quantity": ordered,
                            "unit_of_measure": "Eaches",
                            "unit_size": 1,
                            "backorder_allowed": False,
                            "net_cost": cost,
                            "accepted_quantity": ordered,
                            "shipped_quantity": ordered,
                            "received_quantity": received,
                            "invoiced_quantity": ordered,
                        }
                    )
            _insert(PurchaseOrderLine, po_lines)
            line_ids = {
                (number, sequence): (pk, po_id)
                for pk, po_id, number, sequence in PurchaseOrderLine.objects.filter(purchase_order_id__in=po_ids.values()).values_list(
                    "pk", "purchase_order_id", "purchase_order__number", "sequence"
                )
            }
            invoices = []
            for n in range(start, stop):
                total = sum((plan[(n, s)][0] * plan[(n, s)][1] for s in range(1, LINES_PER_INVOICE + 1)), Decimal("0"))
                invoices.append(
                    {
                        "vendor_id": vendor.pk,
                        "marketplace_id": us.pk,
                        "invoice_type": "Invoice",
                        "number": f"RBI{n:09d}",
                        "invoice_date": now.date() - datetime.timedelta(days=5),
                        "currency": "USD",
                        "state": InvoiceState.ACCEPTED,
                        "state_changed_at": now,
                        "payment_terms": "net30",
                        "due_date": now.date() + datetime.timedelta(days=25),
                        "items_subtotal": total,
                        "grand_total": total,
                        "source": "po",
                        "purchase_order_id": po_ids[f"RB{n:09d}"],
                        "submitted_at": now - datetime.timedelta(minutes=invoices_wanted - n),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            _insert(Invoice, invoices)
            invoice_ids = dict(
                Invoice.objects.filter(vendor=vendor, number__gte=f"RBI{start:09d}", number__lt=f"RBI{stop:09d}").values_list("number", "pk")
            )
            invoice_lines = []
            for n in range(start, stop):
                for sequence in range(1, LINES_PER_INVOICE + 1):
                    ordered, billed_cost = plan[(n, sequence)]
                    invoice_lines.append(
                        {
                            "invoice_id": invoice_ids[f"RBI{n:09d}"],
                            "sequence": sequence,
                            "purchase_order_line_id": line_ids[(f"RB{n:09d}", sequence)][0],
                            "purchase_order_number": f"RB{n:09d}",
                            "asin": f"B0R{sequence:07d}",
                            "vendor_sku": f"RB-{sequence}",
                            "quantity": ordered,
                            "unit_cost": billed_cost,
                            "line_amount": ordered * billed_cost,
                        }
                    )
            _insert(InvoiceLine, invoice_lines)
    analyze()
    return time.perf_counter() - started


def analyze() -> None:
    with connection.cursor() as cursor:
        for table in ("purchase_orders_purchaseorder", "purchase_orders_purchaseorderline", "invoicing_invoice", "invoicing_invoiceline"):
            cursor.execute(f"ANALYZE {table}")


def load_credit_notes(vendor: Vendor) -> int:
    """Every tenth invoice: an accepted credit note for the units its lines billed beyond those received."""
    if Invoice.objects.filter(vendor=vendor, invoice_type="CreditNote").exists():
        return 0
    short = list(
        InvoiceLine.objects.filter(
            invoice__vendor=vendor,
            invoice__invoice_type="Invoice",
            invoice__number__endswith="0",
            purchase_order_line__received_quantity__gt=0,
            purchase_order_line__received_quantity__lt=F("purchase_order_line__ordered_quantity"),
        )
        .order_by("invoice_id", "sequence")
        .values(
            "id",
            "invoice_id",
            "invoice__number",
            "invoice__marketplace_id",
            "invoice__invoice_date",
            "purchase_order_line_id",
            "purchase_order_number",
            "asin",
            "vendor_sku",
            "unit_cost",
            "purchase_order_line__ordered_quantity",
            "purchase_order_line__received_quantity",
        )
    )
    by_invoice: dict[int, list[dict]] = {}
    for line in short:
        line["units"] = line["purchase_order_line__ordered_quantity"] - line["purchase_order_line__received_quantity"]
        by_invoice.setdefault(line["invoice_id"], []).append(line)
    now = timezone.now()
    with transaction.atomic():
        credit_notes = []
        for invoice_id, lines in by_invoice.items():
            total = sum((line["units"] * line["unit_cost"] for line in lines), Decimal("0"))
            first = lines[0]
            credit_notes.append(
                {
                    "vendor_id": vendor.pk,
                    "marketplace_id": first["invoice__marketplace_id"],
                    "invoice_type": "CreditNote",
                    "number": f"CN-{first['invoice__number']}",
                    "invoice_date": first["invoice__invoice_date"],
                    "currency": "USD",
                    "state": InvoiceState.ACCEPTED,
                    "state_changed_at": now,
                    "payment_terms": "net30",
                    "items_subtotal": total,
                    "grand_total": total,
                    "source": "credit",
                    "reference_invoice_id": invoice_id,
                    "credit_reason": "quantity_correction",
                    "submitted_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        _insert(Invoice, credit_notes)
        ids = dict(Invoice.objects.filter(vendor=vendor, invoice_type="CreditNote").values_list("reference_invoice_id", "pk"))
        _insert(
            InvoiceLine,
            [
                {
                    "invoice_id": ids[invoice_id],
                    "sequence": sequence,
                    "credited_line_id": line["id"],
                    "purchase_order_line_id": line["purchase_order_line_id"],
                    "purchase_order_number": line["purchase_order_number"],
                    "asin": line["asin"],
                    "vendor_sku": line["vendor_sku"],
                    "quantity": line["units"],
                    "unit_cost": line["unit_cost"],
                    "line_amount": line["units"] * line["unit_cost"],
                }
                for invoice_id, lines in by_invoice.items()
                for sequence, line in enumerate(lines, 1)
            ],
        )
    analyze()
    return len(by_invoice)


def reset(vendor: Vendor) -> None:
    """Forget earlier matches of the bench vendor, so the engine does its full first pass again. VACUUM so
    that repeated runs do not measure the dead rows of the previous ones (a real table is not emptied and
    refilled like this); the statistics then say the results table is empty, as on a first sweep."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reconciliation_deduction WHERE vendor_id = %s AND reverses_id IS NOT NULL", [vendor.pk])
        cursor.execute("DELETE FROM reconciliation_deduction WHERE vendor_id = %s", [vendor.pk])
        cursor.execute(
            "DELETE FROM reconciliation_matchresult WHERE invoice_id IN (SELECT id FROM invoicing_invoice WHERE vendor_id = %s)", [vendor.pk]
        )
        cursor.execute("UPDATE invoicing_invoice SET state = 'accepted' WHERE vendor_id = %s", [vendor.pk])
        cursor.execute("DELETE FROM webhooks_webhookdelivery WHERE vendor_id = %s", [vendor.pk])
        if not connection.in_atomic_block:  # VACUUM cannot run in a transaction
            cursor.execute("VACUUM ANALYZE reconciliation_matchresult, reconciliation_deduction, invoicing_invoice")
        else:
            cursor.execute("ANALYZE reconciliation_matchresult")


def subscribe_webhooks(vendor: Vendor, active: bool) -> None:
    """--webhooks: the vendor's ERP listens to the match's events; deliveries are written but never queued."""
    from webhooks import services
    from webhooks.models import WebhookSubscription

    WebhookSubscription.objects.update_or_create(
        vendor=vendor,
        url="https://erp.rbench.example/hooks",
        defaults={
            "events": ["deduction.raised", "invoice.state_changed"],
            "secret": "whsec_bench",
            "secret_set_at": timezone.now(),
            "is_active": active,
        },
    )
    if active:
        services._deliver_on_commit = lambda delivery_ids: None  # written in the transaction; sending is not measured


def late_receipts(vendor: Vendor, count: int) -> list[tuple[int, int]]:
    """A day's late deliveries: the missing units of `count` short-received PO lines arrive. Returns what to restore."""
    booked = list(
        PurchaseOrderLine.objects.filter(purchase_order__vendor=vendor, received_quantity__gt=0, received_quantity__lt=F("ordered_quantity"))
        .order_by("pk")
        .values_list("pk", "received_quantity")[:count]
    )
    PurchaseOrderLine.objects.filter(pk__in=[pk for pk, _received in booked]).update(received_quantity=F("ordered_quantity"))
    return booked


def restore_receipts(booked: list[tuple[int, int]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE purchase_orders_purchaseorderline SET received_quantity = %s WHERE id = %s", [(received, pk) for pk, received in booked]
        )


def timed_engine() -> tuple[float, int, dict]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        summary = match_invoices()
        seconds = time.perf_counter() - started
    return seconds, len(queries), summary.as_dict()


def timed_sql(vendor: Vendor) -> tuple[float, list]:
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(SQL, {"vendor": vendor.pk})
        rows = cursor.fetchall()
        return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000, help="invoice lines to load (10 per invoice)")
    parser.add_argument("--rounds", type=int, default=1, help="reset and match this many times; print the best")
    parser.add_argument("--webhooks", action="store_true", help="the vendor subscribes to the match's webhook events (see above)")
    args = parser.parse_args()
    vendor, places = setup()
    subscribe_webhooks(vendor, args.webhooks)
    seconds = load(vendor, places, args.lines)
    total = InvoiceLine.objects.filter(invoice__vendor=vendor, invoice__invoice_type="Invoice").count()
    credit_notes = load_credit_notes(vendor)
    credited = InvoiceLine.objects.filter(invoice__vendor=vendor, invoice__invoice_type="CreditNote").count()
    print(
        f"loaded {total:,} invoice lines of {VENDOR_CODE} ({'already there' if not seconds else f'{seconds:.1f} s'}), "
        f"{credited:,} of them credited back by credit notes{f' ({credit_notes:,} loaded now)' if credit_notes else ''}"
    )

    reset(vendor)
    timed_sql(vendor)  # warms the cache for both
    first_runs, again_runs, late_runs = [], [], []
    for _round in range(max(1, args.rounds)):
        reset(vendor)
        first_runs.append(timed_engine())
        again_runs.append(timed_engine())
        booked = late_receipts(vendor, LATE_LINES)
        late_runs.append(timed_engine())
        restore_receipts(booked)
    engine_seconds, engine_queries, summary = min(first_runs, key=lambda run: run[0])
    again_seconds, again_queries, again = min(again_runs, key=lambda run: run[0])
    late_seconds, late_queries, late = min(late_runs, key=lambda run: run[0])
    reset(vendor)  # the results compared below are those of the data as loaded
    match_invoices()
    sql_seconds, rows = min((timed_sql_after_reset(vendor) for _ in range(3)), key=lambda run: run[0])

    results = MatchResult.objects.filter(invoice__vendor=vendor)
    by_status = dict(results.values_list("status").annotate(n=Count("id")).order_by())
    claims = Deduction.objects.filter(vendor=vendor).values("kind").annotate(total=Sum("amount")).order_by("kind")
    sql_status: dict = {}
    sql_price = sql_short = Decimal("0")
    for _id, status, price, short in rows:
        sql_status[status] = sql_status.get(status, 0) + 1
        sql_price += price
        sql_short += short
    engine_claims = {row["kind"]: row["total"] for row in claims}
    agree = sql_status == by_status and engine_claims.get("price_claim", 0) == sql_price and engine_claims.get("shortage_claim", 0) == sql_short

    print(f"\nmatch of {summary['lines']:,} invoice lines ({total // LINES_PER_INVOICE:,} invoices)")
    print(f"  engine, first pass:   {engine_seconds:8.2f} s  {engine_queries:3d} queries  {summary}")
    if args.webhooks:
        from webhooks.models import WebhookDelivery

        print(f"  (webhook deliveries written by the last first pass: {WebhookDelivery.objects.filter(vendor=vendor).count():,})")
    print(
        f"  engine, re-run:       {again_seconds:8.2f} s  {again_queries:3d} queries  claims raised {again['claims_raised']}, reversals {again['reversals']}"
    )
    print(
        f"  engine, late receipts:{late_seconds:8.2f} s  {late_queries:3d} queries  the sweep after {LATE_LINES:,} short lines were received "
        f"in full: reversals {late['reversals']}, claims marked reversed {late['claims_updated']}"
    )
    print(f"  single SQL (select):  {sql_seconds:8.2f} s    1 query    {len(rows):,} rows")
    print(
        f"  ratio engine / SQL:   {engine_seconds / sql_seconds:8.2f}x first pass, {again_seconds / sql_seconds:.2f}x re-run, "
        f"{late_seconds / sql_seconds:.2f}x after late receipts (target within 3x)"
    )
    print(f"  statuses engine {by_status}")
    print(f"  statuses SQL    {sql_status}")
    print(
        f"  claims engine price {engine_claims.get('price_claim')} shortage {engine_claims.get('shortage_claim')}; SQL price {sql_price} shortage {sql_short}"
    )
    print(f"  engine and SQL agree: {agree}")


def timed_sql_after_reset(vendor: Vendor) -> tuple[float, list]:
    """The SQL reads invoices in the states the engine reads, so it runs on the same (reset) data."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE invoicing_invoice SET state = 'accepted' WHERE vendor_id = %s", [vendor.pk])
        result = timed_sql(vendor)
        transaction.set_rollback(True)
    return result


if __name__ == "__main__":
    main()
