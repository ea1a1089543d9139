"""The scorecard's weekly evaluation over a year of history for 50 vendors (about 500,000 PO lines), beside a
bare SQL aggregate of the same figures.

    psql -h 127.0.0.1 -U postgres -c 'create database vp_bench_scorecard'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench_scorecard .venv/bin/python bench/scorecard.py
    DATABASE_URL=... .venv/bin/python bench/scorecard.py --vendors 5 --pos 200      # a quick look

Loads `--vendors` vendors (SC01, SC02, ...) of `--pos` POs of 10 lines each over 365 days with bench/scale.py's
loaders (POs, lines, shipments, invoices, deductions, disputes...; rows already there are kept), adds an ASN
line per shipped PO line and a receipt (with its lines; one line in twenty received short) per received
shipment, then VACUUM ANALYZE. It then evaluates every week of the year:

- portal: `scorecards.metrics.compute_week(week)` for every vendor (all eleven measures), and separately its
  five PO and shipment groupings (on-time shipment, OTIF, both fill rates, confirmation on time);
- bare SQL: one hand-written GROUP BY per week for those same five figures, straight from the tables.

It checks that both give the same numbers and prints the totals and the ratio portal / bare. Target: at most 3x.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import scale  # noqa: E402  (sets up Django like every bench script)
from purchase_orders.models import PurchaseOrder, PurchaseOrderLine  # noqa: E402
from scorecards import metrics  # noqa: E402
from shipments.models import Receipt, ReceiptLine, Shipment, ShipmentLine  # noqa: E402
from vendor_portal.models import Product, Vendor  # noqa: E402

BARE_SQL = """
WITH shipped AS (
    SELECT s.vendor_id, s.marketplace_id, s.ship_to_id AS warehouse_id, SUM(sl.quantity * l.unit_size) AS units_shipped,
           COALESCE(SUM(sl.quantity * l.unit_size) FILTER (WHERE s.ship_date <= COALESCE(po.promised_ship_date, po.ship_window_end::date)), 0) AS on_time
    FROM shipments_shipment s JOIN shipments_shipmentline sl ON sl.shipment_id = s.id
    JOIN purchase_orders_purchaseorderline l ON l.id = sl.purchase_order_line_id JOIN purchase_orders_purchaseorder po ON po.id = l.purchase_order_id
    WHERE s.state IN ('submitted', 'receiving', 'received') AND s.ship_date >= %(start)s::date AND s.ship_date < %(end)s::date
    GROUP BY 1, 2, 3
), due AS (
    SELECT po.vendor_id, po.marketplace_id, po.ship_to_id AS warehouse_id, COUNT(*) AS lines_due,
           COUNT(*) FILTER (WHERE COALESCE((SELECT SUM(rl.quantity) FROM shipments_receiptline rl JOIN shipments_shipmentline sl ON sl.id = rl.shipment_line_id
                                             JOIN shipments_receipt r ON r.id = rl.receipt_id
                                             WHERE sl.purchase_order_line_id = l.id AND r.received_at <= po.delivery_window_end
                                               AND r.received_at >= COALESCE(po.delivery_window_start, po.order_date)), 0)
                                   >= l.ordered_quantity - l.cancelled_quantity) AS otif
    FROM purchase_orders_purchaseorderline l JOIN purchase_orders_purchaseorder po ON po.id = l.purchase_order_id
    WHERE po.delivery_window_end >= %(start)s AND po.delivery_window_end < %(end)s AND po.state <> 'cancelled' AND l.ordered_quantity > l.cancelled_quantity
    GROUP BY 1, 2, 3
), confirm_fill AS (
    SELECT po.vendor_id, po.marketplace_id, po.ship_to_id AS warehouse_id, SUM((l.ordered_quantity - l.cancelled_quantity) * l.unit_size) AS ordered,
           SUM(l.accepted_quantity * l.unit_size) AS confirmed
    FROM purchase_orders_purchaseorderline l JOIN purchase_orders_purchaseorder po ON po.id = l.purchase_order_id
    WHERE po.confirmation_due_at >= %(start)s AND po.confirmation_due_at < %(end)s AND NOT (po.state = 'cancelled' AND po.acknowledged_at IS NULL)
    GROUP BY 1, 2, 3
), ship_fill AS (
    SELECT po.vendor_id, po.marketplace_id, po.ship_to_id AS warehouse_id, SUM(l.accepted_quantity * l.unit_size) AS confirmed,
           SUM(l.shipped_quantity * l.unit_size) AS shipped
    FROM purchase_orders_purchaseorderline l JOIN purchase_orders_purchaseorder po ON po.id = l.purchase_order_id
    WHERE po.ship_window_end >= %(start)s AND po.ship_window_end < %(end)s AND NOT (po.state = 'cancelled' AND po.acknowledged_at IS NULL)
    GROUP BY 1, 2, 3
), confirmations AS (
    SELECT vendor_id, marketplace_id, ship_to_id AS warehouse_id, COUNT(*) AS due, COUNT(*) FILTER (WHERE acknowledged_at <= confirmation_due_at) AS on_time
    FROM purchase_orders_purchaseorder
    WHERE confirmation_due_at >= %(start)s AND confirmation_due_at < %(end)s
      AND NOT (state = 'cancelled' AND acknowledged_at IS NULL AND state_changed_at < confirmation_due_at)
    GROUP BY 1, 2, 3
)
SELECT 'shipped', SUM(units_shipped), SUM(on_time) FROM shipped
UNION ALL SELECT 'due', SUM(lines_due), SUM(otif) FROM due
UNION ALL SELECT 'confirm_fill', SUM(ordered), SUM(confirmed) FROM confirm_fill
UNION ALL SELECT 'ship_fill', SUM(confirmed), SUM(shipped) FROM ship_fill
UNION ALL SELECT 'confirmations', SUM(due), SUM(on_time) FROM confirmations
"""
FIVE = [
    ("shipped", "units_shipped", "units_shipped_on_time"),
    ("due", "lines_due", "lines_on_time_in_full"),
    ("confirm_fill", "units_ordered", "units_confirmed"),
    ("ship_fill", "units_confirmed_to_ship", "units_shipped_of_confirmed"),
    ("confirmations", "pos_due_confirmation", "pos_confirmed_on_time"),
]


def setup(vendors: int) -> tuple[dict, list[dict]]:
    world = scale.setup_world([])
    entries = []
    with transaction.atomic():
        for index in range(1, vendors + 1):
            code = f"SC{index:02d}"
            vendor, _ = Vendor.objects.get_or_create(
                code=code, defaults={"name": f"Scorecard bench {index}", "gs1_company_prefix": f"0988{index:03d}"}
            )
            if not Product.objects.filter(vendor=vendor).exists():
                Product.objects.bulk_create(
                    Product(
                        vendor=vendor,
                        asin=f"C{index:02d}{n:07d}",
                        vendor_sku=f"{code}-{n:05d}",
                        gtin=scale.demo_gtin(vendor.gs1_company_prefix, n),
                        title=f"Bench product {n}",
                        case_pack=1,
                        minimum_order_quantity=1,
                    )
                    for n in range(1, scale.PRODUCTS + 1)
                )
            admin = scale._user(f"{code.lower()}-admin", scale.Role.VENDOR_ADMIN, vendor)
            entries.append({"vendor": vendor, "admin": admin, "products": list(Product.objects.filter(vendor=vendor).order_by("pk")), "code": code})
    return world, entries


def load(world: dict, entries: list[dict], pos: int) -> None:
    scale.DAYS = 365
    for entry in entries:
        if PurchaseOrder.objects.filter(vendor=entry["vendor"]).exists():
            continue
        scale.tag = lambda size, code=entry["code"]: code  # the PO numbers' prefix: unique per vendor
        scale.load(world, {**entry, "size": pos})
        with transaction.atomic():
            _load_asn_lines_and_receipts(entry["vendor"].pk)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _load_asn_lines_and_receipts(vendor_id: int) -> None:
    t = scale.table
    scale._run(
        f"""INSERT INTO {t(ShipmentLine)} (shipment_id, purchase_order_line_id, quantity)
        SELECT s.id, l.id, GREATEST(l.shipped_quantity, 1) FROM {t(Shipment)} s JOIN {t(PurchaseOrder)} po ON s.shipment_identifier = 'SH' || po.number
        JOIN {t(PurchaseOrderLine)} l ON l.purchase_order_id = po.id WHERE s.vendor_id = %(v)s AND l.shipped_quantity > 0""",
        {"v": vendor_id},
    )
    scale._run(
        f"""INSERT INTO {t(Receipt)} (shipment_id, warehouse_id, received_at, note)
        SELECT id, ship_to_id, received_at, '' FROM {t(Shipment)} WHERE vendor_id = %(v)s AND state = 'received'""",
        {"v": vendor_id},
    )
    scale._run(
        f"""INSERT INTO {t(ReceiptLine)} (receipt_id, shipment_line_id, quantity, damaged_quantity)
        SELECT r.id, sl.id, CASE WHEN sl.id %% 20 = 0 THEN sl.quantity - 1 ELSE sl.quantity END, 0
        FROM {t(Receipt)} r JOIN {t(ShipmentLine)} sl ON sl.shipment_id = r.shipment_id JOIN {t(Shipment)} s ON s.id = r.shipment_id WHERE s.vendor_id = %(v)s""",
        {"v": vendor_id},
    )


def portal_five(start, end) -> dict:
    sums = {}
    for query in list(metrics._weekly_queries(start, end, None))[:5]:
        for row in query:
            for name, value in row.items():
                if not name.startswith("k_"):
                    sums[name] = sums.get(name, 0) + (value or 0)
    return sums


def bare_five(start, end) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(BARE_SQL, {"start": start, "end": end})
        rows = {name: (a or 0, b or 0) for name, a, b in cursor.fetchall()}
    sums = {}
    for name, denominator, numerator in FIVE:
        sums[denominator], sums[numerator] = rows[name]
    return sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vendors", type=int, default=50)
    parser.add_argument("--pos", type=int, default=1000, help="POs per vendor (10 lines each)")
    args = parser.parse_args()
    world, entries = setup(args.vendors)
    started = time.perf_counter()
    load(world, entries, args.pos)
    lines = PurchaseOrderLine.objects.filter(purchase_order__vendor__code__startswith="SC").count()
    print(f"loaded in {time.perf_counter() - started:.0f} s: {lines:,} PO lines of {len(entries)} vendors")
    this_week = metrics.week_start(timezone.now())
    weeks = metrics.trailing_weeks(this_week, 52)
    timings = {"compute_week (all measures)": [], "portal: five PO/shipment figures": [], "bare SQL: the same five": []}
    for monday in weeks:
        start, end = metrics.week_bounds(monday)
        t0 = time.perf_counter()
        metrics.compute_week(monday)
        t1 = time.perf_counter()
        portal = portal_five(start, end)
        t2 = time.perf_counter()
        bare = bare_five(start, end)
        t3 = time.perf_counter()
        timings["compute_week (all measures)"].append(t1 - t0)
        timings["portal: five PO/shipment figures"].append(t2 - t1)
        timings["bare SQL: the same five"].append(t3 - t2)
        mismatch = {k: (portal.get(k, 0), bare[k]) for k in bare if portal.get(k, 0) != bare[k]}
        if mismatch:
            raise SystemExit(f"week {monday}: the portal and the bare SQL disagree: {mismatch}")
    print("52 weeks, every vendor; figures agree. Per week median / total over the year:")
    for label, values in timings.items():
        print(f"  {label:<36} {statistics.median(values) * 1000:8.1f} ms   {sum(values):7.2f} s")
    ratio = sum(timings["portal: five PO/shipment figures"]) / sum(timings["bare SQL: the same five"])
    print(f"portal / bare SQL (same five figures): {ratio:.2f}x (target at most 3x)")


if __name__ == "__main__":
    main()
