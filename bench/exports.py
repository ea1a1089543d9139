"""List exports at size: the streamed CSV and the export job, beside a bare PostgreSQL COPY of the same rows.

    psql -h 127.0.0.1 -U postgres -c 'create database vp_bench_exports'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench_exports .venv/bin/python bench/exports.py --pos 100000 --deductions 200000

Loads vendor BENCH's POs with bench/po_list.py's loader (COPY; rows already there are kept) and about two
deductions per PO (COPY the same way), then, in this one process:
- streams GET /purchase-orders/export.csv and GET /payments/deductions/export.csv through Django's test
  Client, reading `streaming_content` chunk by chunk and counting bytes: time to the first byte (the
  header), to the first rows, to the end, and the growth of the process's peak RSS (VmHWM, reset before
  each case through /proc/self/clear_refs, against VmRSS before it);
- for contrast, the same PO CSV joined in memory, as the former `csv_response` held it;
- runs the export job in-process (Celery eager) for the PO list as XLSX and as CSV, and for the deductions
  as XLSX: time, file size, peak RSS growth;
- baseline: `COPY (<the export's own SELECT>) TO STDOUT WITH CSV HEADER` through psycopg2's copy_expert
  into a sink that only counts bytes.
Use a small --pos (e.g. 5000) for a quick check.
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

os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")  # the export job runs in this process, on commit

from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from bench.po_list import HOST, VENDOR_CODE, _insert, load, setup_world  # noqa: E402  (sets Django up)
from purchase_orders import exports as po_exports  # noqa: E402
from purchase_orders.models import PurchaseOrder, PurchaseOrderLine  # noqa: E402
from reconciliation import exports as recon_exports  # noqa: E402
from reconciliation.models import Deduction, DeductionKind, DeductionReason, DeductionStatus  # noqa: E402
from vendor_portal.models import Job, JobStatus, Membership  # noqa: E402
from vendor_portal.roles import Role  # noqa: E402
from vendor_portal.services.audit import Actor  # noqa: E402
from vendor_portal.services.exports import export_request  # noqa: E402
from vendor_portal.tenancy import scope_for_user  # noqa: E402

MB = 1024 * 1024
KINDS = [
    (DeductionKind.SHORTAGE_CLAIM, DeductionReason.OVERBILLING),
    (DeductionKind.PRICE_CLAIM, DeductionReason.ROUNDING_ISSUES),
    (DeductionKind.CHARGEBACK, DeductionReason.ASN_LATE),
    (DeductionKind.CHARGEBACK, DeductionReason.ASN_MISSING),
]


# Loading -----------------------------------------------------------------------------------------
def load_deductions(world: dict, count: int) -> tuple[int, float]:
    vendor = world["vendor"]
    have = Deduction.objects.filter(vendor=vendor).count()
    if have >= count:
        return have, 0.0
    started = time.perf_counter()
    rng = random.Random(20261203)
    pos = list(PurchaseOrder.objects.filter(vendor=vendor).order_by("id").values_list("id", "marketplace_id", "currency", "order_date"))
    now = timezone.now()
    chunk = []
    for index in range(have, count):
        po_id, marketplace_id, currency, order_date = pos[index // 2 % len(pos)]
        kind, reason = KINDS[rng.randrange(len(KINDS))]
        raised = order_date + datetime.timedelta(days=rng.randint(20, 60))
        chunk.append(
            {
                "vendor_id": vendor.pk,
                "marketplace_id": marketplace_id,
                "kind": kind,
                "reason": reason,
                "variance_type": "PQV" if kind == DeductionKind.SHORTAGE_CLAIM else "PPV" if kind == DeductionKind.PRICE_CLAIM else "OTHER",
                "amount": Decimal(rng.randint(100, 50_000)) / 100,
                "currency": currency,
                "description": f"Bench deduction {index}",
                "purchase_order_id": po_id,
                "status": DeductionStatus.OPEN,
                "dispute_deadline": (raised + datetime.timedelta(days=30)).date(),
                "created_at": min(raised, now),
                "updated_at": min(raised, now),
            }
        )
        if len(chunk) == 20_000:
            _insert(Deduction, chunk)
            chunk = []
            print(f"  loaded {index + 1:,} deductions ({time.perf_counter() - started:.0f} s)", flush=True)
    if chunk:
        _insert(Deduction, chunk)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Deduction._meta.db_table}")
    return count, time.perf_counter() - started


# Measuring ---------------------------------------------------------------------------------------
def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


RSS_BEFORE: list[float] = []  # MB, at the start of each case


def start_measuring() -> tuple[int, float]:
    """Reset the peak RSS to the current RSS (Linux: clear_refs 5) and return (RSS before, start time)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    RSS_BEFORE.append(_status_kb("VmRSS") / 1024)
    return _status_kb("VmRSS"), time.perf_counter()


def peak_growth_mb(rss_before_kb: int) -> float:
    return (_status_kb("VmHWM") - rss_before_kb) / 1024


def stream(client: Client, url: str, *, hold: bool = False) -> dict:
    """GET a streamed export and read it chunk by chunk (or, with `hold`, keep every chunk, as a response
    built in memory would)."""
    rss_before, started = start_measuring()
    response = client.get(url)
    if response.status_code != 200 or not response.streaming:
        raise SystemExit(f"{url} answered {response.status_code}")
    first_byte = first_rows = None
    size = lines = 0
    held = []
    for chunk in response.streaming_content:
        now = time.perf_counter() - started
        if first_byte is None:
            first_byte = now
        elif first_rows is None:
            first_rows = now
        size += len(chunk)
        lines += chunk.count(b"\n")
        if hold:
            held.append(chunk)
    if hold:
        body = b"".join(held)
        body.decode("utf-8")  # as the former HttpResponse had it: the text and its bytes
    seconds = time.perf_counter() - started
    response.close()
    return {
        "rows": lines - 1,
        "mb": size / MB,
        "seconds": seconds,
        "first_byte": first_byte,
        "first_rows": first_rows,
        "peak": peak_growth_mb(rss_before),
    }


def run_job(user, export, file_format: str) -> dict:
    rss_before, started = start_measuring()
    with translation.override("en"):
        job = export_request(scope=scope_for_user(user), export=export, params=QueryDict(), file_format=file_format, actor=Actor(user=user))
    job = Job.objects.select_related("result").get(pk=job.pk)  # sent on commit (autocommit: at once), run eagerly
    seconds = time.perf_counter() - started
    if job.status != JobStatus.SUCCEEDED:
        raise SystemExit(f"export job {job.pk} {job.status}: {job.message}")
    return {
        "rows": job.progress_done,
        "mb": job.result.size / MB,
        "seconds": seconds,
        "first_byte": None,
        "first_rows": None,
        "peak": peak_growth_mb(rss_before),
    }


class CountingSink:
    def __init__(self, started: float):
        self.size, self.first, self.started = 0, None, started

    def write(self, data) -> int:
        if self.first is None:
            self.first = time.perf_counter() - self.started
        self.size += len(data)
        return len(data)


def copy_baseline(queryset) -> dict:
    """The export's own SELECT (same rows and columns, same joins and aggregates) through COPY ... TO STDOUT."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        select = cursor.cursor.mogrify(sql, params).decode()
        rss_before, started = start_measuring()
        sink = CountingSink(started)
        cursor.copy_expert(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)", sink)
    seconds = time.perf_counter() - started
    return {
        "rows": queryset.count(),
        "mb": sink.size / MB,
        "seconds": seconds,
        "first_byte": sink.first,
        "first_rows": sink.first,
        "peak": peak_growth_mb(rss_before),
    }


def _ms(value) -> str:
    return "-" if value is None else f"{value * 1000:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pos", type=int, default=100_000, help="POs of vendor BENCH to have (default 100000)")
    parser.add_argument("--lines", type=int, default=10, help="lines per loaded PO (default 10)")
    parser.add_argument("--deductions", type=int, default=200_000, help="deductions of vendor BENCH to have (default 200000)")
    args = parser.parse_args()

    print(f"Database: PostgreSQL {connection.pg_version // 10000}, {connection.settings_dict['NAME']}")
    world = setup_world()
    load(world, args.pos, args.lines)
    load_deductions(world, args.deductions)
    vendor = world["vendor"]
    print(
        f"Vendor {VENDOR_CODE}: {PurchaseOrder.objects.filter(vendor=vendor).count():,} POs, "
        f"{PurchaseOrderLine.objects.filter(purchase_order__vendor=vendor).count():,} lines, "
        f"{Deduction.objects.filter(vendor=vendor).count():,} deductions"
    )
    finance = world["ops"].__class__.objects.get_or_create(username="bench-finance")[0]
    Membership.objects.get_or_create(user=finance, vendor=vendor, role=Role.VENDOR_FINANCE)
    ops_client = Client(**HOST)
    ops_client.force_login(world["ops"])
    finance_client = Client(**HOST)
    finance_client.force_login(finance)
    ops_scope, finance_scope = scope_for_user(world["ops"]), scope_for_user(finance)
    print(f"Process RSS after setup: {_status_kb('VmRSS') / 1024:.0f} MB")

    # What the exports read: the list's query, as plain values of their columns.
    po_rows = po_exports.purchase_order_rows(scope=ops_scope, params=QueryDict()).values_list(*po_exports.SOURCES.values())
    deduction_rows = recon_exports.deduction_rows(scope=finance_scope, params=QueryDict()).values_list(*recon_exports.DEDUCTION_FIELDS)
    stream(ops_client, "/purchase-orders/export.csv")  # warm-up: caches, the first connection, imports
    cases = [
        ("PO list: COPY baseline (the same SELECT)", lambda: copy_baseline(po_rows)),
        ("PO list: CSV streamed (GET export.csv)", lambda: stream(ops_client, "/purchase-orders/export.csv")),
        ("PO list: CSV held in memory (former way)", lambda: stream(ops_client, "/purchase-orders/export.csv", hold=True)),
        ("PO list: XLSX job (openpyxl write-only)", lambda: run_job(world["ops"], po_exports.PURCHASE_ORDERS, "xlsx")),
        ("PO list: CSV job", lambda: run_job(world["ops"], po_exports.PURCHASE_ORDERS, "csv")),
        ("Deductions: COPY baseline (the same SELECT)", lambda: copy_baseline(deduction_rows)),
        ("Deductions: CSV streamed (GET export.csv)", lambda: stream(finance_client, "/payments/deductions/export.csv")),
        ("Deductions: XLSX job (openpyxl write-only)", lambda: run_job(finance, recon_exports.DEDUCTIONS, "xlsx")),
    ]
    results = []
    for label, measure in cases:
        result = measure()
        results.append((label, result, RSS_BEFORE[-1]))
    load_average = os.getloadavg()

    print(f"\nLoad average at the end: {load_average[0]:.1f} {load_average[1]:.1f} {load_average[2]:.1f} ({os.cpu_count()} CPUs)")
    print("| case | rows | MB | total s | first byte ms | first rows ms | RSS before MB | peak RSS growth MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, r, rss in results:
        print(
            f"| {label} | {r['rows']:,} | {r['mb']:.1f} | {r['seconds']:.1f} | {_ms(r['first_byte'])} | {_ms(r['first_rows'])} "
            f"| {rss:.0f} | {r['peak']:.1f} |"
        )


if __name__ == "__main__":
    main()
