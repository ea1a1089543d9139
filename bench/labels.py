"""End-to-end label benchmark: a 1,000-carton shipment through the real label job, beside the raw baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python bench/labels.py [N] [--worker]

Creates a throw-away database (test_<name>, migrated, dropped at the end), a vendor, a DC and a
confirmed PO, builds a ship plan of N cartons (default 1000, 50 per pallet) through the services
(cartonization, SSCC allocation), then times the label task in-process: database reads, ReportLab,
PDF/A, storage. With --worker the same job also runs through a real Celery worker process (solo
pool, filesystem broker) and that worker's peak RSS is reported. `bench_raw(N)` from
bench/labels_raw.py gives the library baseline; the ratio shows what the portal adds.
"""
from __future__ import annotations

import argparse
import datetime
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(REPO))
# Before anything imports vendor_portal (whose Celery app defaults to local settings): test settings
# run Celery eagerly, so the in-process run never touches a broker.
os.environ["DJANGO_SETTINGS_MODULE"] = "vendor_portal.settings.test"

CASE_PACK = 6
CARTONS_PER_PALLET = 50
LINES = 10


def _setup_django(media_root: str) -> None:
    os.environ["MEDIA_ROOT"] = media_root
    import django

    django.setup()


def _peak_rss_mib(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return float("nan")


def build_shipment(cartons: int):
    """Vendor, DC, a confirmed PO whose lines fill `cartons` cartons, and the ship plan (via services)."""
    from django.utils import timezone

    from purchase_orders.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderState
    from shipments import services
    from vendor_portal.demo import demo_gtin
    from vendor_portal.models import Marketplace, Product, ShipFromAddress, Vendor, Warehouse
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import Scope

    now = timezone.now()
    marketplace = Marketplace.objects.create(code="US", name="United States", currency="USD", time_zone="America/New_York", language="en", country_code="US")
    vendor = Vendor.objects.create(code="BENCH", name="Bench Widgets Inc.", gs1_company_prefix="0614141")
    ShipFromAddress.objects.create(vendor=vendor, code="MAIN", name="Bench Widgets DC", line1="1 Industrial Way", city="Reno", state_or_region="NV", postal_code="89502", country_code="US")
    warehouse = Warehouse.objects.create(code="ABE2", name="ABE2 Fulfillment Center", marketplace=marketplace, line1="705 Boulder Drive", city="Breinigsville", state_or_region="PA", postal_code="18031", country_code="US", time_zone="America/New_York")
    po = PurchaseOrder.objects.create(
        vendor=vendor, marketplace=marketplace, number="BENCH0001", order_date=now, state=PurchaseOrderState.ACKNOWLEDGED, state_changed_at=now,
        ship_to=warehouse, ship_window_start=now, ship_window_end=now + datetime.timedelta(days=10), currency="USD",
        confirmation_due_at=now, acknowledged_at=now,
    )
    per_line = [cartons // LINES + (1 if i < cartons % LINES else 0) for i in range(LINES)]
    for sequence, line_cartons in enumerate(per_line, start=1):
        product = Product.objects.create(
            vendor=vendor, asin=f"B0BENCH{sequence:03d}", vendor_sku=f"BENCH-{sequence:03d}", gtin=demo_gtin(vendor.gs1_company_prefix, sequence),
            title=f"Bench product {sequence}", case_pack=CASE_PACK, minimum_order_quantity=CASE_PACK,
        )
        quantity = line_cartons * CASE_PACK
        PurchaseOrderLine.objects.create(
            purchase_order=po, sequence=sequence, product=product, asin=product.asin, vendor_sku=product.vendor_sku, title=product.title,
            ordered_quantity=quantity, accepted_quantity=quantity, net_cost=Decimal("10.00"),
        )
    data = services.ShipPlanInput(
        ship_to=warehouse.code, shipment_identifier="BENCH-SHIPMENT", ship_date=timezone.localdate(), transport_mode="ltl",
        carrier_scac="ABFS", carrier_name="ABF Freight", bol_number="BOL-BENCH", pro_number="123456789", cartons_per_pallet=CARTONS_PER_PALLET,
        lines=[services.ShipPlanLine(line.pk, line.open_to_ship) for line in po.lines.order_by("sequence")],
    )
    scope = Scope(vendor=vendor)
    started = time.perf_counter()
    shipment = services.shipment_create(scope=scope, data=data, actor=Actor.system())
    return scope, shipment, time.perf_counter() - started


def run_in_process(scope, shipment) -> dict:
    from shipments import services
    from vendor_portal.models import Job
    from vendor_portal.services.audit import Actor

    # Test settings run Celery eagerly: the request's on_commit runs the task right here.
    started = time.perf_counter()
    job = services.shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    seconds = time.perf_counter() - started
    job = Job.objects.select_related("result").get(pk=job.pk)
    assert job.status == "succeeded", job.message
    return {"labels": job.progress_done, "seconds": seconds, "labels_per_second": job.progress_done / seconds, "file_mib": job.result.size / 2**20}


def run_on_worker(scope, shipment, workdir: Path, media_root: str) -> dict:
    """The same job through `celery worker --pool=solo` on a private filesystem broker."""
    from django.conf import settings

    from shipments import services
    from vendor_portal.celery import app
    from vendor_portal.models import Job
    from vendor_portal.services.audit import Actor

    broker = workdir / "broker"
    broker.mkdir()
    options = {"data_folder_in": str(broker), "data_folder_out": str(broker), "store_processed": False}
    queue = "bench-labels"
    (workdir / "bench_worker_settings.py").write_text(
        textwrap.dedent(
            f"""
            from vendor_portal.settings.test import *  # noqa
            DATABASES["default"]["NAME"] = {settings.DATABASES["default"]["NAME"]!r}
            CELERY_TASK_ALWAYS_EAGER = False
            CELERY_TASK_DEFAULT_QUEUE = {queue!r}
            CELERY_BROKER_URL = "filesystem://"
            CELERY_BROKER_TRANSPORT_OPTIONS = {options!r}
            MEDIA_ROOT = {media_root!r}
            """
        )
    )
    app.conf.update(task_always_eager=False, task_default_queue=queue, broker_url="filesystem://", broker_transport_options=options)
    # Eager runs already opened a producer pool on the settings' broker folder: rebuild it for this one.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_worker_settings", "PYTHONPATH": os.pathsep.join([str(workdir), str(REPO)])}
    log = open(workdir / "worker.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "vendor_portal", "worker", "--pool=solo", "-c", "1", "-Q", queue,
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(5)  # let the worker boot (Django, Celery) before the clock starts
        idle_rss = _peak_rss_mib(worker.pid)
        started = time.perf_counter()
        job = services.shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
        while True:
            job.refresh_from_db()
            if job.is_finished or time.perf_counter() - started > 300:
                break
            if worker.poll() is not None:
                raise RuntimeError((workdir / "worker.log").read_text()[-3000:])
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        if job.status != "succeeded":
            raise RuntimeError(f"job {job.status}: {job.message}")
        peak = _peak_rss_mib(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    job = Job.objects.get(pk=job.pk)
    return {"labels": job.progress_done, "seconds": seconds, "labels_per_second": job.progress_done / seconds, "peak_rss_mib": peak, "idle_rss_mib": idle_rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000, help="cartons (default 1000)")
    parser.add_argument("--worker", action="store_true", help="also run the job on a real Celery worker process")
    args = parser.parse_args()
    if args.worker and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("--worker needs DATABASE_URL pointing at PostgreSQL (the worker is another process)")

    from bench.labels_raw import bench_raw

    with tempfile.TemporaryDirectory(prefix="bench-labels-e2e-") as workdir:
        media_root = str(Path(workdir) / "media")
        _setup_django(media_root)
        from django.db import connection

        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            scope, shipment, plan_seconds = build_shipment(args.n)
            cartons, pallets = shipment.cartons.count(), shipment.pallets.count()
            print(f"ship plan: {cartons} cartons on {pallets} pallets (cartonization + SSCC allocation) in {plan_seconds:.2f} s")
            in_process = run_in_process(scope, shipment)
            worker = run_on_worker(scope, shipment, Path(workdir), media_root) if args.worker else None
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    raw = bench_raw(args.n)
    print(f"raw ReportLab+pikepdf:   {raw['labels']:.0f} labels in {raw['seconds']:.2f} s = {raw['labels_per_second']:.0f} labels/s")
    print(
        f"end to end, in-process:  {in_process['labels']:.0f} labels in {in_process['seconds']:.2f} s = {in_process['labels_per_second']:.0f} labels/s "
        f"(ratio to raw {in_process['labels_per_second'] / raw['labels_per_second']:.2f}), file {in_process['file_mib']:.1f} MiB"
    )
    if worker:
        print(
            f"end to end, Celery worker: {worker['labels']:.0f} labels in {worker['seconds']:.2f} s = {worker['labels_per_second']:.0f} labels/s "
            f"(ratio to raw {worker['labels_per_second'] / raw['labels_per_second']:.2f}, includes broker pickup and polling at 0.1 s), "
            f"worker peak RSS {worker['peak_rss_mib']:.0f} MiB (idle {worker['idle_rss_mib']:.0f} MiB)"
        )
    print(f"this process's peak RSS {_peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
