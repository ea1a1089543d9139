"""Purchase-order list latency and API create rate on a large database.

    psql -h 127.0.0.1 -U postgres -c 'create database vp_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python bench/po_list.py --pos 100000 --lines 10

Migrates the database, loads vendor BENCH's POs (COPY on PostgreSQL, bulk_create elsewhere; rows already
there are kept, so a second run only measures), then times GET /api/v1/purchase-orders/?page_size=100 through
Django's test Client for a signed-in vendor ops person and for an API token: the first page, a filtered
page, a deep cursor page, a search, and the retailer's all-vendor list. Last, it issues POs through
POST /api/v1/purchase-orders/ as a buyer. Target: under 100 ms per page of 100.

The bulk-loaded rows bypass the services (no audit rows): they exist to be read, not to tell a story.
Use a small --pos (e.g. 2000) for a quick check.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendor_portal.settings.local")
os.environ.setdefault("DEBUG", "false")  # as in production: no query log kept in memory
os.environ.setdefault("API_RATE", "1000000/min")  # measure the list, not the throttle

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from purchase_orders.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderState  # noqa: E402
from vendor_portal.api.pagination import cursor_for  # noqa: E402
from vendor_portal.demo import demo_gtin, seed_foundation  # noqa: E402
from vendor_portal.models import ApiToken, Membership, Product, User, Vendor, Warehouse  # noqa: E402
from vendor_portal.roles import Role  # noqa: E402

VENDOR_CODE = "BENCH"
PREFIX = "BEN"
PRODUCTS = 200
DCS = ["ABE2", "ABE2", "ONT8", "YYZ4", "FRA3"]
STATES = (
    [PurchaseOrderState.NEW] * 25
    + [PurchaseOrderState.ACKNOWLEDGED] * 40
    + [PurchaseOrderState.PARTIALLY_SHIPPED] * 5
    + [PurchaseOrderState.SHIPPED] * 5
    + [PurchaseOrderState.RECEIVED] * 5
    + [PurchaseOrderState.CLOSED] * 12
    + [PurchaseOrderState.CANCELLED] * 8
)
CHUNK = 20_000
HOST = {"HTTP_HOST": "localhost"}


# Setup -------------------------------------------------------------------------------------------
def setup_world() -> dict:
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        world = seed_foundation()
        vendor, _ = Vendor.objects.get_or_create(code=VENDOR_CODE, defaults={"name": "Bench Wholesale Ltd", "gs1_company_prefix": "0999999"})
        existing = set(Product.objects.filter(vendor=vendor).values_list("vendor_sku", flat=True))
        Product.objects.bulk_create(
            [
                Product(
                    vendor=vendor,
                    asin=f"B0Z{n:07d}",
                    vendor_sku=f"BEN-{n:05d}",
                    gtin=demo_gtin(vendor.gs1_company_prefix, n),
                    title=f"Bench product {n}",
                    case_pack=1 if n % 3 else 6,
                    minimum_order_quantity=1,
                )
                for n in range(1, PRODUCTS + 1)
                if f"BEN-{n:05d}" not in existing
            ]
        )
        ops = _user("bench-ops")
        Membership.objects.get_or_create(user=ops, vendor=vendor, role=Role.VENDOR_OPS)
        buyer = _user("bench-buyer")
        Membership.objects.get_or_create(user=buyer, vendor=None, role=Role.BUYER)
        raw, prefix, key_hash = ApiToken.generate()
        ApiToken.objects.create(vendor=vendor, name="bench", key_prefix=prefix, key_hash=key_hash, scopes=["orders:read", "orders:write"])
    return {
        "vendor": vendor,
        "ops": ops,
        "buyer": buyer,
        "token": raw,
        "products": list(Product.objects.filter(vendor=vendor).order_by("vendor_sku")),
        "warehouses": {w.code: w for w in Warehouse.objects.filter(code__in=DCS).select_related("marketplace")},
        "marketplaces": world["marketplaces"],
    }


def _user(username: str) -> User:
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
    return user


# Loading -----------------------------------------------------------------------------------------
def load(world: dict, pos: int, lines: int) -> tuple[int, float]:
    vendor = world["vendor"]
    have = PurchaseOrder.objects.filter(vendor=vendor, number__startswith=PREFIX).count()
    if have >= pos:
        return have, 0.0
    started = time.perf_counter()
    rng = random.Random(20261127)
    now = timezone.now()
    for first in range(have, pos, CHUNK):
        indexes = range(first, min(first + CHUNK, pos))
        headers = [_po_row(world, index, rng, now) for index in indexes]
        _insert(PurchaseOrder, headers)
        ids = dict(PurchaseOrder.objects.filter(number__in=[h["number"] for h in headers]).values_list("number", "id"))
        line_rows = []
        for header in headers:
            line_rows.extend(_line_rows(world, header, ids[header["number"]], lines, rng))
        _insert(PurchaseOrderLine, line_rows)
        print(f"  loaded {indexes[-1] + 1:,} POs ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {PurchaseOrder._meta.db_table}")
        cursor.execute(f"ANALYZE {PurchaseOrderLine._meta.db_table}")
    return pos, time.perf_counter() - started


def _po_row(world: dict, index: int, rng: random.Random, now) -> dict:
    dc = world["warehouses"][DCS[index % len(DCS)]]
    state = STATES[rng.randrange(len(STATES))]
    # Distinct order dates 30 seconds apart, the highest number the newest.
    order_date = now - datetime.timedelta(seconds=(2_000_000 - index) * 30 + rng.randrange(30))
    ship_start = order_date + datetime.timedelta(days=rng.randint(3, 14))
    ship_end = ship_start + datetime.timedelta(days=7)
    confirmed = state != PurchaseOrderState.NEW and state != PurchaseOrderState.CANCELLED
    promised = (ship_start + datetime.timedelta(days=1)).date() if confirmed else None
    return {
        "vendor_id": world["vendor"].pk,
        "marketplace_id": dc.marketplace_id,
        "number": f"{PREFIX}{index:09d}",
        "order_type": "RegularOrder" if index % 10 else "RushOrder",
        "order_date": order_date,
        "state": state,
        "state_changed_at": order_date + datetime.timedelta(days=1),
        "has_unconfirmed_changes": state == PurchaseOrderState.NEW and index % 17 == 0,
        "ship_to_id": dc.pk,
        "ship_window_start": ship_start,
        "ship_window_end": ship_end,
        "delivery_window_start": ship_start + datetime.timedelta(days=3),
        "delivery_window_end": ship_end + datetime.timedelta(days=7),
        "currency": dc.marketplace.currency,
        "payment_terms": "net60",
        "payment_method": "Invoice",
        "confirmation_due_at": order_date + datetime.timedelta(hours=48),
        "acknowledged_at": order_date + datetime.timedelta(hours=20) if confirmed else None,
        "promised_ship_date": promised,
        "estimated_ship_date": promised,
        "created_at": order_date,
        "updated_at": order_date,
    }


def _line_rows(world: dict, header: dict, po_id: int, lines: int, rng: random.Random) -> list[dict]:
    state = header["state"]
    rows = []
    for sequence, product in enumerate(rng.sample(world["products"], k=min(lines, len(world["products"]))), start=1):
        ordered = product.case_pack * rng.randint(1, 40)
        accepted = backordered = rejected = shipped = received = 0
        if state not in (PurchaseOrderState.NEW, PurchaseOrderState.CANCELLED):
            rejected = product.case_pack if rng.random() < 0.05 and ordered > product.case_pack else 0
            accepted = ordered - rejected
            if state == PurchaseOrderState.PARTIALLY_SHIPPED:
                shipped = accepted // 2
            elif state in (PurchaseOrderState.SHIPPED, PurchaseOrderState.RECEIVED, PurchaseOrderState.CLOSED):
                shipped = accepted
            received = shipped if state in (PurchaseOrderState.RECEIVED, PurchaseOrderState.CLOSED) else 0
        rows.append(
            {
                "purchase_order_id": po_id,
                "sequence": sequence,
                "product_id": product.pk,
                "asin": product.asin,
                "vendor_sku": product.vendor_sku,
                "title": product.title,
                "ordered_quantity": ordered,
                "unit_of_measure": "Eaches",
                "unit_size": 1,
                "backorder_allowed": sequence % 2 == 0,
                "net_cost": Decimal(rng.randint(100, 9000)) / 100,
                "list_price": None,
                "accepted_quantity": accepted,
                "backordered_quantity": backordered,
                "rejected_quantity": rejected,
                "rejection_reason": "TemporarilyUnavailable" if rejected else "",
                "shipped_quantity": shipped,
                "received_quantity": received,
                "invoiced_quantity": received,
                "acknowledged_at": header["acknowledged_at"],
            }
        )
    return rows


def _insert(model, rows: list[dict]) -> None:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(row[f.attname] if f.attname in row else _default(f)) for f in fields))
        buffer.write("\n")
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN", buffer)


def _default(field):
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if field.blank:
        return ""
    raise ValueError(f"bench loader gives no value for {field.model.__name__}.{field.name}")


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if value is True or value is False:
        return "t" if value else "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


# Measuring ---------------------------------------------------------------------------------------
def time_get(client: Client, url: str, repeat: int) -> dict:
    for _ in range(3):
        _expect(client.get(url), 200)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        _expect(response, 200)
    with CaptureQueriesContext(connection) as queries:
        rows = len(client.get(url).json()["results"])
    samples.sort()
    return {"median": statistics.median(samples), "p95": samples[max(0, int(len(samples) * 0.95) - 1)], "queries": len(queries), "rows": rows}


def _expect(response, status):
    if response.status_code != status:
        raise SystemExit(f"{response.request['PATH_INFO']} answered {response.status_code}: {response.content[:400]!r}")


def deep_cursor(vendor, fraction: float = 0.9) -> tuple[str, int]:
    queryset = PurchaseOrder.objects.filter(vendor=vendor).order_by("-order_date", "-id")
    offset = int(queryset.count() * fraction)
    order_date, pk = queryset.values_list("order_date", "id")[offset]
    return cursor_for(["-order_date", "-id"], [order_date, pk]), offset


def time_creates(client: Client, world: dict, count: int, lines: int) -> dict:
    rng = random.Random()
    run = int(time.time()) % 10**8
    now = timezone.now()
    samples = []
    started = time.perf_counter()
    for index in range(count):
        products = rng.sample(world["products"], k=min(lines, len(world["products"])))
        body = {
            "vendor": VENDOR_CODE,
            "marketplace": "US",
            "number": f"BC{run:08d}{index:04d}",
            "ship_to": "ABE2",
            "ship_window_start": (now + datetime.timedelta(days=3)).isoformat(),
            "ship_window_end": (now + datetime.timedelta(days=10)).isoformat(),
            "lines": [
                {"sequence": n, "vendor_sku": p.vendor_sku, "ordered_quantity": p.case_pack * 10, "net_cost": "12.34"}
                for n, p in enumerate(products, start=1)
            ],
        }
        t0 = time.perf_counter()
        response = client.post("/api/v1/purchase-orders/", body, content_type="application/json")
        samples.append((time.perf_counter() - t0) * 1000)
        _expect(response, 201)
    seconds = time.perf_counter() - started
    return {"count": count, "seconds": seconds, "per_second": count / seconds, "median": statistics.median(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pos", type=int, default=100_000, help="POs of vendor BENCH to have (default 100000)")
    parser.add_argument("--lines", type=int, default=10, help="lines per loaded PO (default 10)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per case (default 30)")
    parser.add_argument("--creates", type=int, default=200, help="POs to issue through the POST API (default 200)")
    args = parser.parse_args()

    print(f"Database: PostgreSQL {connection.pg_version // 10000}, {connection.settings_dict['NAME']}")
    world = setup_world()
    _, load_seconds = load(world, args.pos, args.lines)
    total = PurchaseOrder.objects.filter(vendor=world["vendor"]).count()
    line_count = PurchaseOrderLine.objects.filter(purchase_order__vendor=world["vendor"]).count()
    print(
        f"Vendor {VENDOR_CODE}: {total:,} POs, {line_count:,} lines" + (f" (loaded in {load_seconds:.0f} s)" if load_seconds else " (already loaded)")
    )

    session = Client(**HOST)
    session.force_login(world["ops"])
    token = Client(HTTP_AUTHORIZATION=f"Bearer {world['token']}", **HOST)
    retailer = Client(**HOST)
    retailer.force_login(world["buyer"])
    cursor, offset = deep_cursor(world["vendor"])
    sku = world["products"][17].vendor_sku
    base = "/api/v1/purchase-orders/?page_size=100"
    cases = [
        ("first page", base),
        ("filtered: state=acknowledged&marketplace=US", f"{base}&state=acknowledged&marketplace=US"),
        (f"deep cursor (row {offset:,})", f"{base}&cursor={cursor}"),
        ("ordering=ship_window_start", f"{base}&ordering=ship_window_start"),
        (f"search q={sku}", f"{base}&q={sku}"),
    ]
    results = []
    for label, url in cases:
        for auth, client in (("session", session), ("token", token)):
            results.append((label, auth, time_get(client, url, args.repeat)))
    results.append(("retailer, all vendors, first page", "session", time_get(retailer, base, args.repeat)))

    print(f"\nGET /api/v1/purchase-orders/ ({args.repeat} requests per row after 3 warm-ups; target < 100 ms per page of 100)")
    print(f"{'case':<46} {'auth':<8} {'median ms':>9} {'p95 ms':>8} {'queries':>8} {'rows':>5}")
    for label, auth, r in results:
        flag = "" if r["median"] < 100 else "  over target"
        print(f"{label:<46} {auth:<8} {r['median']:>9.1f} {r['p95']:>8.1f} {r['queries']:>8} {r['rows']:>5}{flag}")

    created = time_creates(retailer, world, args.creates, args.lines)
    print(
        f"\nPOST /api/v1/purchase-orders/ as a buyer: {created['count']} POs of {args.lines} lines in {created['seconds']:.1f} s = "
        f"{created['per_second']:.1f} POs/s ({created['per_second'] * args.lines:.0f} lines/s), median {created['median']:.1f} ms per PO"
    )


if __name__ == "__main__":
    main()
