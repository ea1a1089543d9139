"""Receiving scans end to end: how long until a dock worker's scan is recorded, beside a bare UPDATE.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python bench/receiving.py
    DATABASE_URL=... .venv/bin/python bench/receiving.py --cartons 400 --pallet-cartons 20 --workers 2

In a throw-away database (test_<name>, migrated, dropped at the end) it builds submitted ASNs through the
services (a confirmed PO of 4 lines, cartons of 6, `--pallet-cartons` cartons a pallet), one per way of
scanning, then times each request end to end:

- test Client (the whole Django stack in this process): POST /shipments/receiving/<pk>/scan/ for every
  carton, each with a new scan id as the page sends it; the same scans again with their ids (the
  idempotent replay a page makes when an answer was lost); then a scan of every pallet;
- live server: the same through gunicorn (the production settings on plain HTTP, bench/load/settings.py,
  `--workers` processes) with `requests` keeping its connection open, signed in through the login form;
- baseline, in the same run and both ways: POST /bench/carton-update/<pk>/ (bench/baseline.py), a bare
  Django view doing one UPDATE of a carton row: the same middleware, no portal decorator, service, lock,
  audit row or event.

It prints median / p95 ms per request, the ratio to the baseline and the queries one scan makes.
Celery tasks the scans queue (the 3-way match after a receipt) go to the configured broker, as in
production; nothing consumes them here. Target: a carton scan recorded in under 150 ms median.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendor_portal.settings.local")
os.environ.setdefault("DEBUG", "false")  # as in production: no query log kept in memory

import django  # noqa: E402

django.setup()

PYTHON = sys.executable
BIN = Path(PYTHON).parent
PASSWORD = "bench-receiving-password"
CASE_PACK = 6
LINES = 4
WARM_UP = 5


# Data ------------------------------------------------------------------------------------------------
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


def build_asn(foundation, number: int, name: str, cartons: int, per_pallet: int):
    """A confirmed PO filling `cartons` cartons and its submitted ASN, through the services."""
    from django.utils import timezone

    from purchase_orders.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderState
    from shipments.services.asn import shipment_submit
    from shipments.services.plans import ShipPlanInput, ShipPlanLine, shipment_create
    from vendor_portal.models import Product
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import Scope

    marketplace, vendor, warehouse, now = foundation
    po = PurchaseOrder.objects.create(
        vendor=vendor,
        marketplace=marketplace,
        number=f"RCV-{name}",
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
    for sequence in range(1, LINES + 1):
        line_cartons = cartons // LINES + (1 if sequence <= cartons % LINES else 0)
        product = Product.objects.create(
            vendor=vendor,
            asin=f"B0RCV{number:03d}{sequence:02d}",
            vendor_sku=f"RCV-{name}-{sequence}",
            title=f"Receiving bench product {name} {sequence}",
            case_pack=CASE_PACK,
            minimum_order_quantity=CASE_PACK,
        )
        PurchaseOrderLine.objects.create(
            purchase_order=po,
            sequence=sequence,
            product=product,
            asin=product.asin,
            vendor_sku=product.vendor_sku,
            title=product.title,
            ordered_quantity=line_cartons * CASE_PACK,
            accepted_quantity=line_cartons * CASE_PACK,
            net_cost=Decimal("10.00"),
        )
    scope = Scope(vendor=vendor)
    data = ShipPlanInput(
        ship_to=warehouse.code,
        shipment_identifier=f"RCV-{name}",
        ship_date=timezone.localdate(),
        transport_mode="ltl",
        carrier_scac="ABFS",
        bol_number=f"BOL-{name}",
        cartons_per_pallet=per_pallet,
        lines=[ShipPlanLine(line.pk, line.open_to_ship) for line in po.lines.order_by("sequence")],
    )
    shipment = shipment_create(scope=scope, data=data, actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    return shipment


def build_world(cartons: int, per_pallet: int) -> dict:
    from vendor_portal.models import Membership, User
    from vendor_portal.roles import Role

    started = time.perf_counter()
    foundation = build_foundation()
    names = ("client", "client-pallets", "live", "live-pallets")
    world = {name: build_asn(foundation, number, name.upper(), cartons, per_pallet) for number, name in enumerate(names)}
    dock = User.objects.create(username="bench-dock")
    dock.set_password(PASSWORD)
    dock.save(update_fields=["password"])
    Membership.objects.create(user=dock, vendor=None, role=Role.RECEIVING)
    world["dock"] = dock
    print(f"Built 4 ASNs of {cartons} cartons ({per_pallet} a pallet) through the services in {time.perf_counter() - started:.1f} s", flush=True)
    return world


def scans_of(shipment, pallets: bool = False) -> list[tuple[str, str]]:
    """(scan id, SSCC as a wedge scanner sends it) for every carton or pallet of the shipment."""
    rows = (shipment.pallets if pallets else shipment.cartons).order_by("index").values_list("sscc", flat=True)
    return [(str(uuid.uuid4()), "00" + sscc) for sscc in rows]


# Timing ----------------------------------------------------------------------------------------------
def timed(send, items) -> list[float]:
    times = []
    for item in items:
        started = time.perf_counter()
        send(item)
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median": statistics.median(ordered), "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)], "n": len(ordered)}


def expect_recorded(response, replayed: bool = False) -> None:
    answer = response.json()
    assert answer["status"] == "recorded" and answer["replayed"] is replayed, answer


def run_client(world: dict) -> tuple[dict, int]:
    from django.db import connection
    from django.test import Client, override_settings

    client = Client(HTTP_HOST="localhost")
    client.force_login(world["dock"])
    shipment, pallet_shipment = world["client"], world["client-pallets"]
    url = f"/shipments/receiving/{shipment.pk}/scan/"

    def scan(item, into=shipment, replayed=False):
        scan_id, code = item
        response = client.post(f"/shipments/receiving/{into.pk}/scan/", {"scan_id": scan_id, "sscc": code}, HTTP_ACCEPT="application/json")
        expect_recorded(response, replayed)

    def update(pk):
        assert client.post(f"/bench/carton-update/{pk}/", {"tracking": "1Z999"}).json() == {"updated": 1}

    results = {}
    with override_settings(ROOT_URLCONF="bench.load.urls"):
        for _ in range(WARM_UP):
            client.post(url, {"scan_id": str(uuid.uuid4()), "sscc": "12345"}, HTTP_ACCEPT="application/json")
            update(shipment.cartons.values_list("pk", flat=True).first())
        cartons = scans_of(shipment)
        queries = []
        with connection.execute_wrapper(lambda execute, sql, params, many, context: queries.append(sql) or execute(sql, params, many, context)):
            scan(cartons[0])
        results["scan a carton"] = summary(timed(scan, cartons[1:]))
        results["same scan again (replay)"] = summary(timed(lambda item: scan(item, replayed=True), cartons))
        pallets = scans_of(pallet_shipment, pallets=True)
        results["scan a pallet"] = summary(timed(lambda item: scan(item, into=pallet_shipment), pallets))
        carton_ids = list(shipment.cartons.order_by("index").values_list("pk", flat=True))
        results["baseline: one UPDATE"] = summary(timed(update, carton_ids))
    return results, len(queries)


# Live server -----------------------------------------------------------------------------------------
def _test_database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


class Gunicorn:
    def __init__(self, database_url: str, port: int, workers: int):
        self.work = Path(tempfile.mkdtemp(prefix="bench-receiving-"))
        self.host = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.load.settings",
            "SECRET_KEY": "bench-receiving-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_ROOT": str(self.work / "static"),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(workers),
            "PYTHONPATH": str(REPO),
        }
        env.pop("DEBUG", None)
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
        self.log = self.work / "gunicorn.log"
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:vendor_portal.gunicorn", "vendor_portal.wsgi:application", "--access-logfile", "/dev/null"],
            env=env,
            cwd=REPO,
            stderr=open(self.log, "w"),
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{self.host}/healthz", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def run_live(world: dict, server: Gunicorn, workers: int) -> dict:
    import requests

    session = requests.Session()
    login_page = session.get(f"{server.host}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    signed_in = session.post(
        f"{server.host}/accounts/login/",
        {"username": world["dock"].username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{server.host}/accounts/login/"},
    )
    assert "/accounts/login/" not in signed_in.url, "the bench's dock user could not sign in"
    shipment, pallet_shipment = world["live"], world["live-pallets"]
    headers = {"Accept": "application/json", "X-CSRFToken": session.cookies["csrftoken"], "Referer": server.host}

    def scan(item, into=shipment, replayed=False):
        scan_id, code = item
        response = session.post(f"{server.host}/shipments/receiving/{into.pk}/scan/", {"scan_id": scan_id, "sscc": code}, headers=headers)
        expect_recorded(response, replayed)

    def update(pk):
        response = session.post(f"{server.host}/bench/carton-update/{pk}/", {"tracking": "1Z999"}, headers=headers)
        assert response.json() == {"updated": 1}, response.text[:300]

    for _ in range(WARM_UP * workers):  # every worker process imports and connects
        session.post(f"{server.host}/shipments/receiving/{shipment.pk}/scan/", {"scan_id": str(uuid.uuid4()), "sscc": "12345"}, headers=headers)
        update(shipment.cartons.values_list("pk", flat=True).first())
    cartons = scans_of(shipment)
    results = {"scan a carton": summary(timed(scan, cartons))}
    results["same scan again (replay)"] = summary(timed(lambda item: scan(item, replayed=True), cartons))
    results["scan a pallet"] = summary(timed(lambda item: scan(item, into=pallet_shipment), scans_of(pallet_shipment, pallets=True)))
    carton_ids = list(shipment.cartons.order_by("index").values_list("pk", flat=True))
    results["baseline: one UPDATE"] = summary(timed(update, carton_ids))
    return results


# Report ----------------------------------------------------------------------------------------------
def report(client: dict, live: dict, queries: int, cartons: int, per_pallet: int) -> None:
    print(f"\nReceiving scans, ms per request, median / p95 ({cartons} cartons, pallets of {per_pallet}; one carton scan = {queries} queries)")
    print(f"{'request':<28} | {'test Client':>17} {'x base':>7} | {'live (gunicorn)':>17} {'x base':>7}")
    base_client, base_live = client["baseline: one UPDATE"]["median"], live["baseline: one UPDATE"]["median"]
    for name in client:
        c, v = client[name], live[name]
        label = f"{name} ({per_pallet} cartons)" if name == "scan a pallet" else name
        print(
            f"{label:<28} | {c['median']:>7.1f} / {c['p95']:>7.1f} {c['median'] / base_client:>6.1f}x"
            f" | {v['median']:>7.1f} / {v['p95']:>7.1f} {v['median'] / base_live:>6.1f}x"
        )
    verdict = "met" if max(client["scan a carton"]["median"], live["scan a carton"]["median"]) < 150 else "MISSED"
    print(f"\nTarget (a carton scan recorded in under 150 ms median): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cartons", type=int, default=200, help="cartons of each ASN (one carton scan each)")
    parser.add_argument("--pallet-cartons", type=int, default=20, help="cartons a pallet")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=18911)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the bench works in a throw-away test_<name> database there.")

    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    server = None
    try:
        world = build_world(args.cartons, args.pallet_cartons)
        client, queries = run_client(world)
        server = Gunicorn(_test_database_url(connection.settings_dict["NAME"]), args.port, args.workers)
        live = run_live(world, server, args.workers)
        report(client, live, queries, args.cartons, args.pallet_cartons)
    finally:
        if server is not None:
            server.stop()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
