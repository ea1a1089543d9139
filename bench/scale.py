"""Every list page, the payment summary and the home page at 1,000, 10,000 and 100,000 POs.

    psql -h 127.0.0.1 -U postgres -c 'create database vp_bench_lists'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench_lists .venv/bin/python bench/scale.py
    DATABASE_URL=... .venv/bin/python bench/scale.py --sizes 1000 100000 --repeat 15

Each size is its own vendor (SCALE1K, SCALE10K, SCALE100K) in the same database, loaded once (a vendor whose
POs are all there is kept, so a second run only measures): POs of 10 lines over two years, a shipment per
shipped PO, an invoice (with its lines) per received PO, about two deductions per PO (claims, chargebacks,
co-op allowances, one claim in ten reversed in full or in part, one in twenty disputed), weekly payment runs
and remittances, promotions, an outbound 850 per PO, three audit rows per PO and the admin's messages.
The rows are written by INSERT ... SELECT in the database (like bench/po_list.py's COPY, they bypass the
services: they exist to be read), then VACUUM ANALYZE.

Then, as each size's vendor admin (Django's test Client: middleware, session, scope, templates; settings
`local` with DEBUG off), it times every HTML list (first page, filtered, searched, a page 90% deep by
cursor), the payment summary, the home page and the API's list pages, beside a baseline in the same run: a
bare view (defined here, not in the app) rendering 100 of the vendor's POs from values() with a template.
The sizes take turns request after request, so load from other work on the machine slows them alike.
The retailer's lists (all vendors at once) are timed once, at the end. It prints per page the median and
p95 ms, the queries and the ratio median(largest size) / median(smallest size). Targets: each page's
median at 100k at most 1.5x its median at 1k; the PO list and the deductions under 150 ms at 100k.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendor_portal.settings.local")
os.environ.setdefault("DEBUG", "false")  # as in production: no query log kept in memory
os.environ.setdefault("API_RATE", "1000000/min")  # measure the pages, not the throttle

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from edi.models import Interchange  # noqa: E402
from invoicing.models import Invoice, InvoiceLine  # noqa: E402
from planning.models import Promotion, PromotionLine  # noqa: E402
from purchase_orders.models import PurchaseOrder, PurchaseOrderLine  # noqa: E402
from reconciliation.models import Deduction, Dispute, PaymentRun, Remittance  # noqa: E402
from shipments.models import Shipment  # noqa: E402
from vendor_portal.api.pagination import cursor_for as api_cursor_for  # noqa: E402
from vendor_portal.demo import demo_gtin, seed_foundation  # noqa: E402
from vendor_portal.listing import cursor_for  # noqa: E402
from vendor_portal.models import AuditEvent, Membership, Notification, Product, User, Vendor, Warehouse  # noqa: E402
from vendor_portal.roles import Role  # noqa: E402

PRODUCTS = 200
DCS = ["ABE2", "ABE2", "ONT8", "YYZ4", "FRA3"]
HOST = {"HTTP_HOST": "localhost"}
DAYS = 730  # the history every size spreads over


def tag(size: int) -> str:
    return f"{size // 1000}K" if size % 1000 == 0 else str(size)


def h(expression: str, salt: str) -> str:
    """A deterministic pseudo-random non-negative integer from a SQL expression (so reruns load the same rows)."""
    return f"abs(hashtext(({expression})::text || '{salt}'))"


# Setup -------------------------------------------------------------------------------------------
def setup_world(sizes) -> dict:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a migration rewrote rows
    with transaction.atomic():
        seed_foundation()
        ap = _user("scale-ap", Role.ACCOUNTS_PAYABLE)
        checker = _user("scale-ap-2", Role.ACCOUNTS_PAYABLE)
        Membership.objects.get_or_create(user=ap, vendor=None, role=Role.RETAILER_ADMIN)
        vendors = {size: _vendor(size, index) for index, size in enumerate(sizes, start=1)}
    warehouses = {w.code: w for w in Warehouse.objects.filter(code__in=DCS).select_related("marketplace")}
    return {"ap": ap, "checker": checker, "vendors": vendors, "warehouses": warehouses}


def _user(username: str, role=None, vendor=None) -> User:
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
    if role is not None:
        Membership.objects.get_or_create(user=user, vendor=vendor, role=role)
    return user


def _vendor(size: int, index: int) -> dict:
    code = f"SCALE{tag(size)}"
    vendor, _ = Vendor.objects.get_or_create(code=code, defaults={"name": f"Scale {tag(size)} Ltd", "gs1_company_prefix": f"099990{index}"})
    existing = set(Product.objects.filter(vendor=vendor).values_list("vendor_sku", flat=True))
    Product.objects.bulk_create(
        [
            Product(
                vendor=vendor,
                asin=f"B{index}{n:08d}",
                vendor_sku=f"S{tag(size)}-{n:05d}",
                gtin=demo_gtin(vendor.gs1_company_prefix, n),
                title=f"Scale product {n}",
                case_pack=1 if n % 3 else 6,
                minimum_order_quantity=1,
            )
            for n in range(1, PRODUCTS + 1)
            if f"S{tag(size)}-{n:05d}" not in existing
        ]
    )
    admin = _user(f"scale-{tag(size).lower()}-admin", Role.VENDOR_ADMIN, vendor)
    return {"size": size, "vendor": vendor, "admin": admin, "products": list(Product.objects.filter(vendor=vendor).order_by("pk"))}


# Loading -----------------------------------------------------------------------------------------
def insert_select(model, expressions: dict[str, str], source: str, params: dict) -> int:
    """INSERT INTO model's table (every column) SELECT the given SQL expressions, the field's default for the rest."""
    columns, values, args = [], [], dict(params)
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in expressions:
            values.append(expressions[field.attname])
        else:
            name = f"default_{field.attname}"
            args[name] = field.get_db_prep_save(_default(field), connection)
            values.append(f"%({name})s")
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.rowcount


def _default(field):
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if field.blank:
        return ""
    raise ValueError(f"the loader gives no value for {field.model.__name__}.{field.name}")


def _run(sql: str, params: dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.rowcount


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def load(world: dict, entry: dict) -> float:
    vendor, size = entry["vendor"], entry["size"]
    have = PurchaseOrder.objects.filter(vendor=vendor).count()
    if have >= size:
        return 0.0
    if have:
        raise SystemExit(f"{vendor.code} has {have:,} POs, not {size:,}: drop the database or the vendor's rows and run again")
    started = time.perf_counter()
    dcs = [world["warehouses"][code] for code in DCS]
    products = entry["products"]
    params = {
        "vendor": vendor.pk,
        "n": size,
        "now": timezone.now(),
        "days": DAYS,
        "tag": tag(size),
        "dc_ids": [dc.pk for dc in dcs],
        "dc_markets": [dc.marketplace_id for dc in dcs],
        "dc_currencies": [dc.marketplace.currency for dc in dcs],
        "product_ids": [p.pk for p in products],
        "asins": [p.asin for p in products],
        "skus": [p.vendor_sku for p in products],
        "titles": [p.title for p in products],
        "case_packs": [p.case_pack for p in products],
        "admin": entry["admin"].pk,
        "ap": world["ap"].pk,
        "checker": world["checker"].pk,
    }
    steps = [
        ("POs", _load_purchase_orders),
        ("PO lines", _load_lines),
        ("shipments", _load_shipments),
        ("invoices", _load_invoices),
        ("deductions", _load_deductions),
        ("payment runs and remittances", _load_remittances),
        ("disputes", _load_disputes),
        ("promotions", _load_promotions),
        ("EDI interchanges", _load_interchanges),
        ("audit rows and messages", _load_audit),
    ]
    with transaction.atomic():
        for label, step in steps:
            rows = step(params)
            print(f"  {vendor.code}: {rows:,} {label} ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


PO_SOURCE = f"""
FROM generate_series(0, %(n)s - 1) AS g(i)
CROSS JOIN LATERAL (
    SELECT %(now)s::timestamptz - interval '1 day' * %(days)s * ((%(n)s - g.i)::float8 / %(n)s) - interval '1 second' * ({h("g.i", "t")} %% 3600) AS order_date,
           (%(n)s - g.i)::float8 / %(n)s AS age, 1 + g.i %% 5 AS dc, {h("g.i", "s")} %% 100 AS roll
) x
CROSS JOIN LATERAL (
    SELECT CASE WHEN x.age < 0.015 THEN CASE WHEN x.roll < 50 THEN 'new' ELSE 'acknowledged' END
                WHEN x.age < 0.04 THEN (ARRAY['acknowledged', 'partially_shipped', 'shipped'])[1 + x.roll %% 3]
                WHEN x.age < 0.06 THEN 'received'
                WHEN x.roll < 88 THEN 'closed' ELSE 'cancelled' END AS state,
           x.order_date + interval '1 day' * (3 + x.roll %% 12) AS ship_start
) s
"""


def _load_purchase_orders(p: dict) -> int:
    confirmed = "s.state NOT IN ('new', 'cancelled')"
    return insert_select(
        PurchaseOrder,
        {
            "vendor_id": "%(vendor)s",
            "marketplace_id": "(%(dc_markets)s::bigint[])[x.dc]",
            "number": "'P' || %(tag)s || lpad(g.i::text, 7, '0')",
            "order_type": "CASE WHEN g.i %% 10 = 0 THEN 'RushOrder' ELSE 'RegularOrder' END",
            "order_date": "x.order_date",
            "state": "s.state",
            "state_changed_at": "x.order_date + interval '1 day'",
            "has_unconfirmed_changes": "s.state = 'new' AND g.i %% 17 = 0",
            "ship_to_id": "(%(dc_ids)s::bigint[])[x.dc]",
            "ship_window_start": "s.ship_start",
            "ship_window_end": "s.ship_start + interval '7 days'",
            "delivery_window_start": "s.ship_start + interval '3 days'",
            "delivery_window_end": "s.ship_start + interval '14 days'",
            "currency": "(%(dc_currencies)s::text[])[x.dc]",
            "payment_terms": "'net60'",
            "payment_method": "'Invoice'",
            "confirmation_due_at": "x.order_date + interval '48 hours'",
            "acknowledged_at": f"CASE WHEN {confirmed} THEN x.order_date + interval '20 hours' END",
            "promised_ship_date": f"CASE WHEN {confirmed} THEN (s.ship_start + interval '1 day')::date END",
            "estimated_ship_date": f"CASE WHEN {confirmed} THEN (s.ship_start + interval '1 day')::date END",
            "created_at": "x.order_date",
            "updated_at": "x.order_date",
        },
        PO_SOURCE,
        p,
    )


def _load_lines(p: dict) -> int:
    return insert_select(
        PurchaseOrderLine,
        {
            "purchase_order_id": "po.id",
            "sequence": "s.seq",
            "product_id": "(%(product_ids)s::bigint[])[k.p]",
            "asin": "(%(asins)s::text[])[k.p]",
            "vendor_sku": "(%(skus)s::text[])[k.p]",
            "title": "(%(titles)s::text[])[k.p]",
            "ordered_quantity": "k.ordered",
            "unit_of_measure": "'Eaches'",
            "unit_size": "1",
            "backorder_allowed": "s.seq %% 2 = 0",
            "net_cost": "k.cost",
            "accepted_quantity": "CASE WHEN po.state IN ('new', 'cancelled') THEN 0 ELSE k.ordered END",
            "shipped_quantity": "CASE WHEN po.state = 'partially_shipped' THEN k.ordered / 2 "
            "WHEN po.state IN ('shipped', 'received', 'closed') THEN k.ordered ELSE 0 END",
            "received_quantity": "CASE WHEN po.state IN ('received', 'closed') THEN k.ordered ELSE 0 END",
            "invoiced_quantity": "CASE WHEN po.state IN ('received', 'closed') THEN k.ordered ELSE 0 END",
            "acknowledged_at": "po.acknowledged_at",
        },
        f"""
        FROM {table(PurchaseOrder)} po
        CROSS JOIN generate_series(1, 10) AS s(seq)
        CROSS JOIN LATERAL (
            SELECT 1 + (po.id * 7 + s.seq * 13) %% 200 AS p, ((100 + {h("po.id * 10 + s.seq", "c")} %% 8900) / 100.0)::numeric(12, 2) AS cost
        ) k0
        CROSS JOIN LATERAL (SELECT k0.*, (%(case_packs)s::int[])[k0.p] * (1 + {h("po.id * 10 + s.seq", "q")} %% 40) AS ordered) k
        WHERE po.vendor_id = %(vendor)s
        """,
        p,
    )


def _load_shipments(p: dict) -> int:
    return insert_select(
        Shipment,
        {
            "vendor_id": "po.vendor_id",
            "marketplace_id": "po.marketplace_id",
            "ship_to_id": "po.ship_to_id",
            "shipment_identifier": "'SH' || po.number",
            "state": "CASE WHEN po.state IN ('partially_shipped', 'shipped') THEN 'submitted' ELSE 'received' END",
            "ship_date": "po.ship_window_start::date",
            "asn_type": "'Original'",
            "asn_revision": "1",
            "submitted_at": "po.ship_window_start",
            "received_at": "CASE WHEN po.state IN ('received', 'closed') THEN po.ship_window_start + interval '4 days' END",
            "created_at": "po.order_date + interval '2 days'",
            "updated_at": "po.order_date + interval '2 days'",
        },
        f"FROM {table(PurchaseOrder)} po WHERE po.vendor_id = %(vendor)s AND po.state IN ('partially_shipped', 'shipped', 'received', 'closed')",
        p,
    )


def _load_invoices(p: dict) -> int:
    invoices = insert_select(
        Invoice,
        {
            "vendor_id": "po.vendor_id",
            "marketplace_id": "po.marketplace_id",
            "invoice_type": "'Invoice'",
            "number": "'IN' || po.number",
            "invoice_date": "(po.order_date + interval '12 days')::date",
            "currency": "po.currency",
            "state": "CASE WHEN po.order_date > %(now)s::timestamptz - interval '75 days' THEN "
            "(CASE WHEN po.id %% 3 = 0 THEN 'submitted' ELSE 'approved_for_payment' END) ELSE 'paid' END",
            "state_changed_at": "po.order_date + interval '12 days'",
            "payment_terms": "'net60'",
            "due_date": "(po.order_date + interval '72 days')::date",
            "source": "'po'",
            "purchase_order_id": "po.id",
            "submitted_at": "po.order_date + interval '12 days'",
            "created_at": "po.order_date + interval '12 days'",
            "updated_at": "po.order_date + interval '12 days'",
        },
        f"FROM {table(PurchaseOrder)} po WHERE po.vendor_id = %(vendor)s AND po.state IN ('received', 'closed')",
        p,
    )
    insert_select(
        InvoiceLine,
        {
            "invoice_id": "i.id",
            "sequence": "l.sequence",
            "purchase_order_line_id": "l.id",
            "purchase_order_number": "po.number",
            "asin": "l.asin",
            "vendor_sku": "l.vendor_sku",
            "title": "l.title",
            "quantity": "l.received_quantity",
            "unit_of_measure": "'Eaches'",
            "unit_size": "1",
            "unit_cost": "l.net_cost",
            "line_amount": "l.received_quantity * l.net_cost",
        },
        f"""FROM {table(Invoice)} i JOIN {table(PurchaseOrder)} po ON po.id = i.purchase_order_id
        JOIN {table(PurchaseOrderLine)} l ON l.purchase_order_id = po.id WHERE i.vendor_id = %(vendor)s""",
        p,
    )
    _run(
        f"""UPDATE {table(Invoice)} i SET items_subtotal = t.total, grand_total = t.total
        FROM (SELECT invoice_id, SUM(line_amount) AS total FROM {table(InvoiceLine)} GROUP BY invoice_id) t
        WHERE t.invoice_id = i.id AND i.vendor_id = %(vendor)s""",
        p,
    )
    return invoices


def _load_deductions(p: dict) -> int:
    raised = "LEAST(po.order_date + interval '1 day' * (14 + k.n * 3), %(now)s::timestamptz - interval '1 hour')"
    status = f"CASE WHEN {raised} < %(now)s::timestamptz - interval '21 days' THEN 'settled' ELSE 'open' END"
    claims = insert_select(
        Deduction,
        {
            "vendor_id": "po.vendor_id",
            "marketplace_id": "po.marketplace_id",
            "kind": "d.kind",
            "reason": "CASE d.kind WHEN 'shortage_claim' THEN 'SHORTAGES_IN_TRANSIT' WHEN 'price_claim' THEN 'OVERBILLING' "
            "WHEN 'chargeback' THEN 'asn_late' ELSE 'coop_agreement' END",
            "variance_type": "CASE d.kind WHEN 'shortage_claim' THEN 'PQV' WHEN 'price_claim' THEN 'PPV' ELSE 'OTHER' END",
            "amount": f"((500 + {h('po.id * 2 + k.n', 'a')} %% 50000) / 100.0)::numeric(14, 2)",
            "currency": "po.currency",
            "description": "'Scale deduction'",
            "invoice_id": "CASE WHEN d.kind IN ('shortage_claim', 'price_claim') THEN i.id END",
            "purchase_order_id": "po.id",
            "status": status,
            "dispute_deadline": f"({raised} + interval '30 days')::date",
            "created_at": raised,
            "updated_at": raised,
        },
        f"""
        FROM {table(PurchaseOrder)} po
        CROSS JOIN generate_series(1, 2) AS k(n)
        LEFT JOIN {table(Invoice)} i ON i.purchase_order_id = po.id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN k.n = 1 THEN (CASE WHEN po.id %% 2 = 0 THEN 'shortage_claim' ELSE 'price_claim' END)
                        WHEN po.id %% 4 = 0 THEN 'coop_allowance' ELSE 'chargeback' END AS kind
        ) d
        WHERE po.vendor_id = %(vendor)s
        """,
        p,
    )
    # One shortage claim in five is reversed after a late receipt: in full or half of it.
    reversals = insert_select(
        Deduction,
        {
            "vendor_id": "c.vendor_id",
            "marketplace_id": "c.marketplace_id",
            "kind": "'reversal'",
            "reason": "'late_receipt'",
            "variance_type": "c.variance_type",
            "amount": "CASE WHEN c.id %% 2 = 0 THEN c.amount ELSE round(c.amount / 2, 2) END",
            "currency": "c.currency",
            "description": "'Scale reversal'",
            "invoice_id": "c.invoice_id",
            "purchase_order_id": "c.purchase_order_id",
            "reverses_id": "c.id",
            "status": "c.status",
            "created_at": "LEAST(c.created_at + interval '2 days', %(now)s::timestamptz)",
            "updated_at": "LEAST(c.created_at + interval '2 days', %(now)s::timestamptz)",
        },
        f"FROM {table(Deduction)} c WHERE c.vendor_id = %(vendor)s AND c.kind = 'shortage_claim' AND {h('c.id', 'r')} %% 5 = 0",
        p,
    )
    _run(
        f"""UPDATE {table(Deduction)} c SET reversed_amount = r.amount,
               status = CASE WHEN r.amount = c.amount THEN 'reversed' ELSE 'partly_reversed' END
        FROM {table(Deduction)} r WHERE r.reverses_id = c.id AND c.vendor_id = %(vendor)s""",
        p,
    )
    return claims + reversals


def _load_remittances(p: dict) -> int:
    """A paid run a week, a remittance per marketplace: the deductions of the week settled in it."""
    week = "floor(extract(epoch FROM (%(now)s::timestamptz - d.created_at)) / 604800)::int"
    insert_select(
        PaymentRun,
        {
            "number": "'RUN-' || %(tag)s || '-' || w.n",
            "pay_date": "(%(now)s::timestamptz - interval '7 days' * w.n)::date",
            "status": "'paid'",
            "created_by_id": "%(ap)s",
            "approved_by_id": "%(checker)s",
            "approved_at": "%(now)s::timestamptz - interval '7 days' * w.n",
            "paid_by_id": "%(ap)s",
            "paid_at": "%(now)s::timestamptz - interval '7 days' * w.n",
            "created_at": "%(now)s::timestamptz - interval '7 days' * w.n",
        },
        f"FROM generate_series(3, {DAYS // 7 + 3}) AS w(n)",
        p,
    )
    remittances = insert_select(
        Remittance,
        {
            "run_id": "r.id",
            "vendor_id": "%(vendor)s",
            "marketplace_id": "m.marketplace_id",
            "number": "'RM-' || %(tag)s || '-' || split_part(r.number, '-', 3) || '-' || m.marketplace_id",
            "currency": "m.currency",
            "pay_date": "r.pay_date",
            "paid_at": "r.paid_at",
            "created_at": "r.created_at",
        },
        f"""FROM {table(PaymentRun)} r
        CROSS JOIN (SELECT DISTINCT marketplace_id, currency FROM {table(PurchaseOrder)} WHERE vendor_id = %(vendor)s) m
        WHERE r.number LIKE 'RUN-' || %(tag)s || '-%%'""",
        p,
    )
    _run(
        f"""UPDATE {table(Deduction)} d SET remittance_id = rm.id, settled_at = rm.paid_at
        FROM {table(Remittance)} rm
        WHERE d.vendor_id = %(vendor)s AND d.status <> 'open' AND d.created_at < %(now)s::timestamptz - interval '21 days' AND rm.vendor_id = d.vendor_id AND rm.marketplace_id = d.marketplace_id
          AND rm.number = 'RM-' || %(tag)s || '-' || GREATEST(3, {week}) || '-' || d.marketplace_id""",
        p,
    )
    _run(
        f"""UPDATE {table(Remittance)} rm SET deductions_total = t.taken, reversals_total = t.given,
               gross_paid = t.taken + 1000, net_amount = 1000 + t.given
        FROM (SELECT remittance_id, COALESCE(SUM(amount) FILTER (WHERE kind <> 'reversal'), 0) AS taken,
                     COALESCE(SUM(amount) FILTER (WHERE kind = 'reversal'), 0) AS given
              FROM {table(Deduction)} WHERE vendor_id = %(vendor)s AND remittance_id IS NOT NULL GROUP BY remittance_id) t
        WHERE t.remittance_id = rm.id""",
        p,
    )
    return remittances


def _load_disputes(p: dict) -> int:
    return insert_select(
        Dispute,
        {
            "deduction_id": "d.id",
            "vendor_id": "d.vendor_id",
            "number": "1",
            "reason": "'We shipped every unit: see the signed delivery note.'",
            "status": "CASE WHEN d.created_at > %(now)s::timestamptz - interval '30 days' THEN 'open' ELSE 'upheld' END",
            "answer_note": "CASE WHEN d.created_at > %(now)s::timestamptz - interval '30 days' THEN '' ELSE 'Receipt confirmed short.' END",
            "answered_by_id": "CASE WHEN d.created_at > %(now)s::timestamptz - interval '30 days' THEN NULL ELSE %(ap)s END",
            "answered_at": "CASE WHEN d.created_at > %(now)s::timestamptz - interval '30 days' THEN NULL ELSE d.created_at + interval '9 days' END",
            "created_by_id": "%(admin)s",
            "created_at": "LEAST(d.created_at + interval '2 days', %(now)s::timestamptz)",
        },
        f"FROM {table(Deduction)} d WHERE d.vendor_id = %(vendor)s AND d.kind <> 'reversal' AND {h('d.id', 'd')} %% 20 = 0",
        p,
    )


def _load_promotions(p: dict) -> int:
    p = {**p, "promotions": max(60, p["n"] // 100)}  # at least a full page at every size
    start = "(%(now)s::timestamptz - interval '1 day' * %(days)s * ((%(promotions)s - g.i)::float8 / %(promotions)s) + interval '14 days')::date"
    promotions = insert_select(
        Promotion,
        {
            "vendor_id": "%(vendor)s",
            "marketplace_id": "(%(dc_markets)s::bigint[])[1]",
            "name": "'Scale deal ' || g.i",
            "promotion_type": "(ARRAY['best_deal', 'lightning_deal', 'deal_of_the_day', 'price_discount'])[1 + g.i %% 4]",
            "start_date": start,
            "end_date": f"{start} + 7",
            "currency": "(%(dc_currencies)s::text[])[1]",
            "state": f"CASE WHEN {start} > %(now)s::date THEN 'shared' ELSE 'ended' END",
            "state_changed_at": "%(now)s::timestamptz",
            "shared_at": "%(now)s::timestamptz",
            "created_at": "%(now)s::timestamptz",
            "updated_at": "%(now)s::timestamptz",
        },
        "FROM generate_series(0, %(promotions)s - 1) AS g(i)",
        p,
    )
    insert_select(
        PromotionLine,
        {
            "promotion_id": "pr.id",
            "sequence": "s.seq",
            "product_id": "(%(product_ids)s::bigint[])[1 + (pr.id * 11 + s.seq * 17) %% 200]",
            "promotional_price": "9.99",
            "expected_units": "100",
            "vendor_funding_per_unit": "1.00",
            "committed_units": "CASE WHEN pr.state = 'ended' THEN 100 END",
        },
        f"FROM {table(Promotion)} pr CROSS JOIN generate_series(1, 5) AS s(seq) WHERE pr.vendor_id = %(vendor)s",
        p,
    )
    return promotions


def _load_interchanges(p: dict) -> int:
    return insert_select(
        Interchange,
        {
            "vendor_id": "po.vendor_id",
            "direction": "'outbound'",
            "status": "'sent'",
            "source": "'portal'",
            "control_number": "lpad((po.id %% 1000000000)::text, 9, '0')",
            "set_ids": "'850'",
            "content": "'ISA*00*          *00*          *ZZ*RETAILER       *ZZ*' || rpad(po.number, 15) || '*' || po.number || '~'",
            "size": "120",
            "created_at": "po.order_date",
        },
        f"FROM {table(PurchaseOrder)} po WHERE po.vendor_id = %(vendor)s",
        p,
    )


def _load_audit(p: dict) -> int:
    rows = insert_select(
        AuditEvent,
        {
            "occurred_at": "po.order_date + interval '1 hour' * a.n",
            "actor_label": "'scale loader'",
            "channel": "'web'",
            "vendor_id": "po.vendor_id",
            "action": "(ARRAY['purchase_order.create', 'purchase_order.acknowledge', 'purchase_order_line.confirm'])[a.n]",
            "object_type": "'purchase_orders.purchaseorder'",
            "object_id": "po.id::text",
            "object_repr": "po.number",
            "after": "jsonb_build_object('state', po.state)",
        },
        f"FROM {table(PurchaseOrder)} po CROSS JOIN generate_series(1, 3) AS a(n) WHERE po.vendor_id = %(vendor)s",
        p,
    )
    insert_select(
        Notification,
        {
            "user_id": "%(admin)s",
            "vendor_id": "po.vendor_id",
            "kind": "'purchase_order_created'",
            "title": "'New purchase order ' || po.number",
            "url": "'/purchase-orders/' || po.number || '/'",
            "created_at": "po.order_date",
            "read_at": "CASE WHEN po.order_date < %(now)s::timestamptz - interval '7 days' THEN po.order_date + interval '1 day' END",
        },
        f"FROM {table(PurchaseOrder)} po WHERE po.vendor_id = %(vendor)s AND po.id %% 10 = 0",
        p,
    )
    return rows


# The baseline: a bare view, the same middleware, 100 of the vendor's POs from values() and a template -------
BASELINE_TEMPLATE = engines["django"].from_string(
    """<!doctype html><html><body><table>{% for po in rows %}<tr><td>{{ po.number }}</td><td>{{ po.state }}</td>
<td>{{ po.order_date|date:"Y-m-d" }}</td><td>{{ po.ship_window_start|date:"Y-m-d" }}</td><td>{{ po.currency }}</td></tr>{% endfor %}</table></body></html>"""
)


def baseline_view(request):
    rows = (
        PurchaseOrder.objects.filter(vendor_id=int(request.GET["vendor"]))
        .order_by("-order_date", "-id")
        .values("number", "state", "order_date", "ship_window_start", "currency")[:100]
    )
    return HttpResponse(BASELINE_TEMPLATE.render({"rows": list(rows)}, request))


def install_baseline() -> None:
    from vendor_portal import urls

    urls.urlpatterns.insert(0, path("bench-baseline/", baseline_view))
    clear_url_caches()


# Measuring ---------------------------------------------------------------------------------------
def time_pages(targets: list[tuple[Client, str]], repeat: int) -> list[dict]:
    """Time the same page of each size in turn, request after request, so a machine busy with other work
    slows every size alike and the ratios hold. Returns per target its median, p95 and query count."""
    for client, url in targets:
        for _ in range(3):
            _expect(client.get(url), url)
    samples: list[list[float]] = [[] for _ in targets]
    for _ in range(repeat):
        for index, (client, url) in enumerate(targets):
            started = time.perf_counter()
            response = client.get(url)
            samples[index].append((time.perf_counter() - started) * 1000)
            _expect(response, url)
    results = []
    for (client, url), times in zip(targets, samples, strict=True):
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times.sort()
        results.append({"median": statistics.median(times), "p95": times[max(0, int(round(len(times) * 0.95)) - 1)], "queries": len(queries)})
    return results


def _expect(response, url):
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}: {response.content[:400]!r}")


def deep(queryset, fraction: float = 0.9) -> tuple[str, int]:
    """The cursor of the list's page `fraction` deep (its ordering as the screen applies it)."""
    ordering = [str(name) for name in queryset.query.order_by or queryset.model._meta.ordering]
    offset = int(queryset.count() * fraction)
    row = queryset[offset]
    return cursor_for(ordering, row), offset


def vendor_pages(entry: dict) -> list[tuple[str, str]]:
    from invoicing.selectors import invoice_list
    from purchase_orders.selectors import purchase_order_list
    from reconciliation.selectors import deduction_list
    from shipments.selectors import shipment_list
    from vendor_portal.tenancy import scope_for_user

    vendor = entry["vendor"]
    scope = scope_for_user(entry["admin"])
    sku = entry["products"][17].vendor_sku
    number_part = f"{entry['size'] * 3 // 7:07d}"
    po_cursor, po_offset = deep(purchase_order_list(scope=scope, params={}, ordering=("-order_date", "-id")))
    api_cursor = api_cursor_for(
        ["-order_date", "-id"],
        list(PurchaseOrder.objects.filter(vendor=vendor).order_by("-order_date", "-id").values_list("order_date", "id")[po_offset]),
    )
    deduction_cursor, _ = deep(deduction_list(scope=scope, filters={}))
    shipment_cursor, _ = deep(shipment_list(scope=scope).order_by("-created_at", "-id"))
    invoice_cursor, _ = deep(invoice_list(scope=scope, params={}))
    audit_cursor, _ = deep(AuditEvent.objects.filter(vendor=vendor).order_by("-occurred_at", "-id"))
    edi_cursor, _ = deep(Interchange.objects.filter(vendor=vendor).order_by("-created_at", "-id"))
    some_po = PurchaseOrder.objects.filter(vendor=vendor, state="closed").order_by("id").values_list("number", flat=True)[entry["size"] // 20]
    return [
        ("baseline: bare view, 100 POs", f"/bench-baseline/?vendor={vendor.pk}"),
        ("POs: first page", "/purchase-orders/"),
        ("POs: state=closed&marketplace=US", "/purchase-orders/?state=closed&marketplace=US"),
        ("POs: state=closed&state=cancelled", "/purchase-orders/?state=closed&state=cancelled"),
        ("POs: search a SKU", f"/purchase-orders/?q={sku}"),
        ("POs: search part of a PO number", f"/purchase-orders/?q={number_part}"),
        ("POs: sort=state", "/purchase-orders/?sort=state"),
        ("POs: 90% deep", f"/purchase-orders/?cursor={po_cursor}"),
        ("shipments: first page", "/shipments/"),
        ("shipments: 90% deep", f"/shipments/?cursor={shipment_cursor}"),
        ("invoices: first page", "/invoices/"),
        ("invoices: state=paid", "/invoices/?state=paid"),
        ("invoices: search a PO number", f"/invoices/?q={some_po}"),
        ("invoices: 90% deep", f"/invoices/?cursor={invoice_cursor}"),
        ("deductions: first page", "/payments/deductions/"),
        ("deductions: kind=chargeback", "/payments/deductions/?kind=chargeback"),
        ("deductions: 90% deep", f"/payments/deductions/?cursor={deduction_cursor}"),
        ("remittances: first page", "/payments/remittances/"),
        ("payment summary", "/payments/"),
        ("promotions: first page", "/planning/promotions/"),
        ("EDI: first page", "/edi/"),
        ("EDI: 90% deep", f"/edi/?cursor={edi_cursor}"),
        ("audit: first page", "/audit/"),
        ("audit: 90% deep", f"/audit/?cursor={audit_cursor}"),
        ("messages", "/messages/"),
        ("catalogue", "/catalogue/"),
        ("home (finance and ops counts)", "/"),
        ("API POs: first page of 100", "/api/v1/purchase-orders/?page_size=100"),
        ("API POs: 90% deep", f"/api/v1/purchase-orders/?page_size=100&cursor={api_cursor}"),
        ("API POs: search a SKU", f"/api/v1/purchase-orders/?page_size=100&q={sku}"),
        ("API deductions", "/api/v1/deductions/?page_size=100"),
        ("API invoices", "/api/v1/invoices/?page_size=100"),
        ("API shipments", "/api/v1/shipments/?page_size=100"),
        ("API remittances", "/api/v1/payments/?page_size=100"),
        ("API promotions", "/api/v1/promotions/?page_size=100"),
        ("API EDI interchanges", "/api/v1/edi/interchanges/?page_size=100"),
        ("API audit events", "/api/v1/audit-events/?page_size=100"),
        ("API payment summary", "/api/v1/payment-summary"),
    ]


RETAILER_PAGES = [
    ("POs, all vendors: first page", "/purchase-orders/"),
    ("disputes (AP queue)", "/payments/disputes/"),
    ("disputes: all", "/payments/disputes/?status=all"),
    ("payment runs", "/payments/runs/"),
    ("receiving", "/shipments/receiving/"),
    ("deductions, all vendors", "/payments/deductions/"),
    ("payment summary, all vendors", "/payments/"),
    ("home (AP)", "/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="POs per vendor (default 1000 10000 100000)")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (default 15, after 3 warm-ups)")
    parser.add_argument("--only", default="", help="time only the pages whose label contains this text")
    args = parser.parse_args()
    sizes = sorted(args.sizes)

    print(f"Database: PostgreSQL {connection.pg_version // 10000}, {connection.settings_dict['NAME']}; load average {os.getloadavg()[0]:.1f}")
    world = setup_world(sizes)
    for size in sizes:
        entry = world["vendors"][size]
        seconds = load(world, entry)
        vendor = entry["vendor"]
        counts = {
            "POs": PurchaseOrder.objects.filter(vendor=vendor).count(),
            "lines": PurchaseOrderLine.objects.filter(purchase_order__vendor=vendor).count(),
            "deductions": Deduction.objects.filter(vendor=vendor).count(),
            "invoices": Invoice.objects.filter(vendor=vendor).count(),
            "shipments": Shipment.objects.filter(vendor=vendor).count(),
            "audit rows": AuditEvent.objects.filter(vendor=vendor).count(),
        }
        print(f"{vendor.code}: " + ", ".join(f"{n:,} {label}" for label, n in counts.items()) + (f" (loaded in {seconds:.0f} s)" if seconds else ""))
    install_baseline()

    pages: dict[str, dict[int, tuple[Client, str]]] = {}
    for size in sizes:
        entry = world["vendors"][size]
        client = Client(**HOST)
        client.force_login(entry["admin"])
        for label, url in vendor_pages(entry):
            if not args.only or args.only in label:
                pages.setdefault(label, {})[size] = (client, url)
    results: dict[str, dict[int, dict]] = {}
    for label, by_size in pages.items():
        results[label] = dict(zip(by_size, time_pages(list(by_size.values()), args.repeat), strict=True))
    print(f"  timed (load average {os.getloadavg()[0]:.1f})", flush=True)
    labels = list(pages)

    print(
        f"\nVendor pages ({args.repeat} requests each after 3 warm-ups, the sizes in turn; ms; q = queries; "
        f"ratio = median at {tag(sizes[-1])} / at {tag(sizes[0])})"
    )
    header = f"{'page':<40}" + "".join(f" {tag(size) + ' median/p95':>18} {'q':>3}" for size in sizes) + f" {'ratio':>6}"
    print(header)
    for label in labels:
        row = results[label]
        cells = "".join(
            f" {row[size]['median']:>8.1f} /{row[size]['p95']:>7.1f} {row[size]['queries']:>3}" if size in row else f" {'-':>18} {'':>3}"
            for size in sizes
        )
        ratio = row[sizes[-1]]["median"] / row[sizes[0]]["median"] if sizes[-1] in row and sizes[0] in row else float("nan")
        print(f"{label:<40}{cells} {ratio:>6.2f}")

    retailer = Client(**HOST)
    retailer.force_login(world["ap"])
    total = PurchaseOrder.objects.count()
    print(f"\nRetailer pages (all vendors: {total:,} POs)")
    for label, url in RETAILER_PAGES:
        if args.only and args.only not in label:
            continue
        (r,) = time_pages([(retailer, url)], args.repeat)
        print(f"{label:<40} {r['median']:>8.1f} /{r['p95']:>7.1f} {r['queries']:>3}")
    print(f"\nLoad average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
