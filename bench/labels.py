"""End-to-end label benchmark: shipments through the real label job, beside the raw library baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python bench/labels.py [N ...] [--repeat K] [--no-worker]

For each shipment size N (cartons; default 250, 1000 and 2000, 50 per pallet) the script builds a
ship plan through the services (cartonization, SSCC allocation) in a throw-away database
(test_<name>, migrated, dropped at the end), then:
- raw: the same labels drawn with ReportLab onto one document and made PDF/A by pikepdf, in a
  fresh process (bench/labels_raw.py), with that process's peak RSS;
- end to end in process: the label task run eagerly here (database reads, chunked rendering,
  PDF/A, storage);
- end to end on a worker: the same job taken by a fresh `celery worker --pool=solo` process from a
  filesystem broker, after a 12-carton warm-up job, with that worker's RSS before the job and its
  peak RSS over the job.
It prints the rates, their ratio to raw, and the peak RSS per size, so a reader sees whether memory
grows with the cartons.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pickle
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
DEFAULT_SIZES = (250, 1000, 2000)
WARM_UP_CARTONS = 12


def _setup_django(media_root: str) -> None:
    os.environ["MEDIA_ROOT"] = media_root
    import django

    django.setup()


def _rss_mib(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    return float("nan")


def build_foundation():
    from django.utils import timezone

    from vendor_portal.models import Marketplace, ShipFromAddress, Vendor, Warehouse

    marketplace = Marketplace.objects.create(
        code="US", name="United States", currency="USD", time_zone="America/New_York", language="en", country_code="US"
    )
    vendor = Vendor.objects.create(code="BENCH", name="Bench Widgets Inc.", gs1_company_prefix="0614141")
    ShipFromAddress.objects.create(
        vendor=vendor,
        code="MAIN",
        name="Bench Widgets DC",
        line1="1 Industrial Way",
        city="Reno",
        state_or_region="NV",
        postal_code="89502",
        country_code="US",
    )
    warehouse = Warehouse.objects.create(
        code="ABE2",
        name="ABE2 Fulfillment Center",
        marketplace=marketplace,
        line1="705 Boulder Drive",
        city="Breinigsville",
        state_or_region="PA",
        postal_code="18031",
        country_code="US",
        time_zone="America/New_York",
    )
    return marketplace, vendor, warehouse, timezone.now()


def build_shipment(foundation, cartons: int):
    """A confirmed PO whose lines fill `cartons` cartons, and its ship plan (via services)."""
    from django.utils import timezone

    from purchase_orders.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderState
    from shipments.services.plans import ShipPlanInput, ShipPlanLine, shipment_create
    from vendor_portal.demo import demo_gtin
    from vendor_portal.models import Product
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import Scope

    marketplace, vendor, warehouse, now = foundation
    po = PurchaseOrder.objects.create(
        vendor=vendor,
        marketplace=marketplace,
        number=f"BENCH{cartons:06d}",
        order_date=now,
        state=PurchaseOrderState.ACKNOWLEDGED,
        state_changed_at=now,
        ship_to=warehouse,
        ship_window_start=now,
        ship_window_end=now + datetime.timedelta(days=10),
        currency="USD",
        confirmation_due_at=now,
        acknowledged_at=now,
    )
    per_line = [cartons // LINES + (1 if i < cartons % LINES else 0) for i in range(LINES)]
    for sequence, line_cartons in enumerate(per_line, start=1):
        item = f"{cartons:05d}{sequence:02d}"
        product = Product.objects.create(
            vendor=vendor,
            asin=f"B0{item}",
            vendor_sku=f"BENCH-{item}",
            gtin=demo_gtin(vendor.gs1_company_prefix, int(item)),
            title=f"Bench product {item}",
            case_pack=CASE_PACK,
            minimum_order_quantity=CASE_PACK,
        )
        quantity = line_cartons * CASE_PACK
        PurchaseOrderLine.objects.create(
            purchase_order=po,
            sequence=sequence,
            product=product,
            asin=product.asin,
            vendor_sku=product.vendor_sku,
            title=product.title,
            ordered_quantity=quantity,
            accepted_quantity=quantity,
            net_cost=Decimal("10.00"),
        )
    data = ShipPlanInput(
        ship_to=warehouse.code,
        shipment_identifier=f"BENCH-{cartons}",
        ship_date=timezone.localdate(),
        transport_mode="ltl",
        carrier_scac="ABFS",
        carrier_name="ABF Freight",
        bol_number="BOL-BENCH",
        pro_number="123456789",
        cartons_per_pallet=CARTONS_PER_PALLET,
        lines=[ShipPlanLine(line.pk, line.open_to_ship) for line in po.lines.order_by("sequence")],
    )
    scope = Scope(vendor=vendor)
    started = time.perf_counter()
    shipment = shipment_create(scope=scope, data=data, actor=Actor.system())
    return scope, shipment, time.perf_counter() - started


def run_raw(shipment, workdir: Path) -> dict:
    """bench/labels_raw.py in a fresh process on exactly this shipment's labels."""
    from shipments.selectors import shipment_label_data

    labels_file = workdir / f"labels-{shipment.pk}.pickle"
    labels_file.write_bytes(pickle.dumps(list(shipment_label_data(shipment=shipment))))
    output = subprocess.run(
        [sys.executable, str(REPO / "bench" / "labels_raw.py"), "--labels", str(labels_file), "--json"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_in_process(scope, shipment) -> dict:
    from shipments.services.labels import shipment_labels_request
    from vendor_portal.models import Job
    from vendor_portal.services.audit import Actor

    # Test settings run Celery eagerly: the request's on_commit runs the task right here.
    started = time.perf_counter()
    job = shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    seconds = time.perf_counter() - started
    job = Job.objects.select_related("result").get(pk=job.pk)
    assert job.status == "succeeded", job.message
    return {"labels": job.progress_done, "seconds": seconds, "labels_per_second": job.progress_done / seconds, "file_mib": job.result.size / 2**20}


class Worker:
    """A fresh `celery worker --pool=solo` on a private filesystem broker."""

    queue = "bench-labels"

    def __init__(self, workdir: Path, media_root: str, number: int):
        from django.conf import settings

        from vendor_portal.celery import app

        broker = workdir / "broker"
        broker.mkdir(exist_ok=True)
        # polling_interval: the filesystem broker looks for messages once a second by default
        options = {"data_folder_in": str(broker), "data_folder_out": str(broker), "store_processed": False, "polling_interval": 0.05}
        (workdir / "bench_worker_settings.py").write_text(
            textwrap.dedent(
                f"""
                from vendor_portal.settings.test import *  # noqa
                DATABASES["default"]["NAME"] = {settings.DATABASES["default"]["NAME"]!r}
                CELERY_TASK_ALWAYS_EAGER = False
                CELERY_TASK_DEFAULT_QUEUE = {self.queue!r}
                CELERY_BROKER_URL = "filesystem://"
                CELERY_BROKER_TRANSPORT_OPTIONS = {options!r}
                MEDIA_ROOT = {media_root!r}
                """
            )
        )
        overrides = {"task_always_eager": False, "task_default_queue": self.queue, "broker_url": "filesystem://", "broker_transport_options": options}
        self.saved_conf = {key: app.conf.get(key) for key in overrides}
        self._configure(overrides)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_worker_settings", "PYTHONPATH": os.pathsep.join([str(workdir), str(REPO)])}
        self.log_path = workdir / f"worker-{number}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "vendor_portal",
                    "worker",
                    "--pool=solo",
                    "-c",
                    "1",
                    "-Q",  # the label tasks are routed to the heavy queue (of this private broker)
                    f"{self.queue},{settings.CELERY_HEAVY_QUEUE}",
                    "-n",
                    f"bench{number}@%h",
                    "--loglevel=WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @staticmethod
    def _configure(conf: dict) -> None:
        from kombu import pools

        from vendor_portal.celery import app

        app.conf.update(conf)
        # Producer pools are built from the broker settings on first use: rebuild them for these.
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None
        pools.reset()

    def wait_until_ready(self) -> None:
        # Booted once Django and Celery are imported and RSS stops moving.
        deadline, last = time.monotonic() + 60, -1.0
        time.sleep(2)
        while time.monotonic() < deadline:
            self._check_alive()
            rss = _rss_mib(self.process.pid, "VmRSS")
            if abs(rss - last) < 0.1:
                return
            last = rss
            time.sleep(1)

    def _check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(self.log_path.read_text()[-3000:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._configure(self.saved_conf)  # back to eager for the next in-process run


def _run_job_on(worker: Worker, scope, shipment) -> tuple:
    from shipments.services.labels import shipment_labels_request
    from vendor_portal.services.audit import Actor

    started = time.perf_counter()
    job = shipment_labels_request(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    while True:
        job.refresh_from_db()
        if job.is_finished or time.perf_counter() - started > 600:
            break
        worker._check_alive()
        time.sleep(0.1)
    if job.status != "succeeded":
        raise RuntimeError(f"job {job.status}: {job.message}")
    return job, time.perf_counter() - started


def run_on_worker(scope, shipment, warm_up_shipment, workdir: Path, media_root: str, number: int) -> dict:
    """A fresh worker runs a small job first (importing ReportLab, pikepdf and the fonts, as a worker
    in service already has), then its peak RSS is reset and the measured job runs."""
    worker = Worker(workdir, media_root, number)
    try:
        worker.wait_until_ready()
        _run_job_on(worker, scope, warm_up_shipment)
        Path(f"/proc/{worker.process.pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        rss_before = _rss_mib(worker.process.pid, "VmRSS")
        job, seconds = _run_job_on(worker, scope, shipment)
        peak = _rss_mib(worker.process.pid, "VmHWM")
    finally:
        worker.stop()
    return {
        "labels": job.progress_done,
        "seconds": seconds,
        "labels_per_second": job.progress_done / seconds,
        "peak_rss_mib": peak,
        "rss_before_mib": rss_before,
    }


def _fastest(runs: list[dict]) -> dict:
    return max(runs, key=lambda run: run["labels_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", default=list(DEFAULT_SIZES), help="cartons per shipment (default 250 1000 2000)")
    parser.add_argument("--no-worker", action="store_true", help="skip the runs on a real Celery worker process")
    parser.add_argument("--repeat", type=int, default=2, help="raw and in-process runs per size, taking turns; the best counts (default 2)")
    args = parser.parse_args()
    with_worker = not args.no_worker
    if with_worker and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("the worker runs need DATABASE_URL pointing at PostgreSQL (the worker is another process); or pass --no-worker")

    results = []
    with tempfile.TemporaryDirectory(prefix="bench-labels-e2e-") as workdir:
        media_root = str(Path(workdir) / "media")
        _setup_django(media_root)
        from django.db import connection

        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            foundation = build_foundation()
            _, warm_up_shipment, _ = build_shipment(foundation, WARM_UP_CARTONS)
            for number, cartons in enumerate(args.sizes, start=1):
                scope, shipment, plan_seconds = build_shipment(foundation, cartons)
                pallets = shipment.pallets.count()
                print(f"ship plan: {cartons} cartons on {pallets} pallets (cartonization + SSCC allocation) in {plan_seconds:.2f} s", flush=True)
                # Taking turns and keeping the best of each evens out a machine that is busy with other work.
                raws, in_process_runs = [], []
                for _ in range(max(1, args.repeat)):
                    raws.append(run_raw(shipment, Path(workdir)))
                    in_process_runs.append(run_in_process(scope, shipment))
                raw, in_process = _fastest(raws), _fastest(in_process_runs)
                worker = run_on_worker(scope, shipment, warm_up_shipment, Path(workdir), media_root, number) if with_worker else None
                results.append((cartons, raw, in_process, worker))
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    for cartons, raw, in_process, worker in results:
        print(f"\n{cartons} cartons, {raw['labels']:.0f} labels")
        print(
            f"  raw ReportLab+pikepdf (one document): {raw['labels_per_second']:5.0f} labels/s, peak RSS {raw['peak_rss_mib']:.0f} MiB (before rendering {raw['peak_rss_before_mib']:.0f} MiB), file {raw['file_mib']:.2f} MiB"
        )
        print(
            f"  end to end, in process:               {in_process['labels_per_second']:5.0f} labels/s, ratio to raw {in_process['labels_per_second'] / raw['labels_per_second']:.2f}, "
            f"file {in_process['file_mib']:.2f} MiB"
        )
        if worker:
            print(
                f"  end to end, Celery worker:            {worker['labels_per_second']:5.0f} labels/s, ratio to raw {worker['labels_per_second'] / raw['labels_per_second']:.2f} "
                f"(with broker pickup and this script polling the job), worker RSS {worker['rss_before_mib']:.0f} MiB before the job, peak {worker['peak_rss_mib']:.0f} MiB"
            )
    print(
        "\npeak RSS by labels:  "
        + "  ".join(
            f"{raw['labels']:.0f}: raw {raw['peak_rss_mib']:.0f} MiB" + (f", worker {worker['peak_rss_mib']:.0f} MiB" if worker else "")
            for _, raw, _, worker in results
        )
    )


if __name__ == "__main__":
    main()
