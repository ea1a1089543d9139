"""Mixed load against gunicorn with the production settings, at several sizes of a vendor's history.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench_lists .venv/bin/python bench/load/run.py
    DATABASE_URL=... .venv/bin/python bench/load/run.py --sizes 1000 100000 --users 24 --run-time 60

It loads bench/scale.py's vendors (one per size, with their history: POs, shipments, invoices, deductions,
remittances; kept when already there, so DATABASE_URL may be scale.py's database), then for each size
serves the portal with gunicorn (bench/load/settings.py: the production settings on plain HTTP, rate
limits lifted, plus the bare DRF baseline page over that size's vendor), and runs bench/load/locustfile.py headless with Locust: vendor ops
browsing and confirming, vendor finance, an ERP paging the API and an Amazon client paging the Amazon door,
beside a bare DRF page of the same POs. It prints requests/s, p50/p95 and errors per endpoint and size, the
ratios between sizes, and the gunicorn workers' CPU per request.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PASSWORD = "bench-load-password"


def prepare(sizes: list[int]) -> None:
    """Run in a child process: bench/scale.py's world (a vendor per size, with its history: POs, shipments,
    invoices, deductions, remittances...), plus a vendor ops person, a finance person and an API token per
    vendor; printed as JSON."""
    sys.path.insert(0, str(REPO))
    from bench import scale  # sets Django up
    from purchase_orders.models import PurchaseOrder, PurchaseOrderState
    from vendor_portal.models import ApiToken
    from vendor_portal.roles import Role

    world = scale.setup_world(sizes)
    answer = {}
    for size in sizes:
        entry = world["vendors"][size]
        scale.load(world, entry)
        vendor = entry["vendor"]
        people = {}
        for kind, role in (("ops", Role.VENDOR_OPS), ("finance", Role.VENDOR_FINANCE)):
            person = scale._user(f"load-{scale.tag(size).lower()}-{kind}", role, vendor)
            person.set_password(PASSWORD)
            person.save(update_fields=["password"])
            people[kind] = person.username
        raw, prefix, key_hash = ApiToken.generate()
        ApiToken.objects.create(vendor=vendor, name=f"load {prefix}", key_prefix=prefix, key_hash=key_hash, scopes=["orders:read", "orders:write"])
        pos = PurchaseOrder.objects.filter(vendor=vendor)
        answer[size] = {
            "vendor": vendor.code,
            "people": people,
            "token": raw,
            "skus": [p.vendor_sku for p in entry["products"][:50]],
            "numbers": list(pos.order_by("?").values_list("number", flat=True)[:500]),
            "to_confirm": list(pos.filter(state=PurchaseOrderState.NEW).values_list("number", flat=True)[:3000]),
        }
    print(json.dumps(answer))


def _worker_cpu_seconds(master_pid: int) -> float:
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == master_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run_size(size: int, data: dict, args, static_root: str) -> dict:
    serve_env = {
        **os.environ,
        "BENCH_BASELINE_VENDOR": data["vendor"],
        "DJANGO_SETTINGS_MODULE": "bench.load.settings",
        "SECRET_KEY": "bench-load-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": static_root,
        "API_RATE": "100000000/min",
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
        "WEB_CONCURRENCY": str(args.workers),
        "PYTHONPATH": str(REPO),
    }
    work = tempfile.mkdtemp(prefix="load-")
    gunicorn = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:vendor_portal.gunicorn", "vendor_portal.wsgi:application", "--access-logfile", "/dev/null"],
        env=serve_env,
        cwd=REPO,
        stderr=open(Path(work) / "gunicorn.log", "w"),
    )
    try:
        host = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{host}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        load_env = {
            **os.environ,
            "LOAD_PASSWORD": PASSWORD,
            "LOAD_THINK": str(args.think),
            "LOAD_OPS": data["people"]["ops"],
            "LOAD_FINANCE": data["people"]["finance"],
            "LOAD_TOKEN": data["token"],
            "LOAD_SKUS": ",".join(data["skus"]),
            "LOAD_NUMBERS": ",".join(data["numbers"]),
            "LOAD_TO_CONFIRM": ",".join(data["to_confirm"]),
        }
        prefix = str(Path(work) / "stats")
        cpu_before = _worker_cpu_seconds(gunicorn.pid)
        print(f"== {size:,} POs: {args.users} users for {args.run_time} s", flush=True)
        subprocess.run(
            [str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless", "--only-summary",
             "-u", str(args.users), "-r", str(args.users), "--run-time", f"{args.run_time}s", "--host", host, "--csv", prefix,
             "--loglevel", "WARNING"],
            env=load_env, check=False, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        cpu = _worker_cpu_seconds(gunicorn.pid) - cpu_before
        with open(f"{prefix}_stats.csv") as handle:
            rows = {row["Name"]: row for row in csv.DictReader(handle)}
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    total = rows.pop("Aggregated")
    return {"rows": rows, "total": total, "cpu_per_request_ms": 1000 * cpu / max(1, int(total["Request Count"]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--run-time", type=int, default=60, help="seconds per size")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time in seconds between a user's requests (0: saturate)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=18901)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.sizes)
        return
    os.environ.get("DATABASE_URL") or sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    print("== loading bench/scale.py's vendors (kept when already there)", flush=True)
    prepared = subprocess.run([PYTHON, __file__, "--prepare", "--sizes", *map(str, args.sizes)], check=True, capture_output=True, text=True, cwd=REPO)
    data = {int(size): value for size, value in json.loads(prepared.stdout.strip().splitlines()[-1]).items()}

    static_root = tempfile.mkdtemp(prefix="load-static-")
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.load.settings", "SECRET_KEY": "x" * 50, "STATIC_ROOT": static_root},
    )
    results = {size: run_size(size, data[size], args, static_root) for size in args.sizes}

    names = sorted({name for r in results.values() for name in r["rows"]})
    print(f"\n{args.users} users, think time {args.think} s, {args.run_time} s per size, gunicorn {args.workers} workers (production settings)")
    header = f"{'endpoint':<36}" + "".join(f" | {size:>7,} POs: req/s   p50   p95 err" for size in args.sizes)
    print(header)
    for name in names:
        line = f"{name[:36]:<36}"
        for size in args.sizes:
            row = results[size]["rows"].get(name)
            if row is None:
                line += " | " + " " * 35
                continue
            line += (
                f" | {'':>9}{float(row['Requests/s']):>6.1f} {float(row['Median Response Time']):>5.0f} "
                f"{float(row['95%']):>5.0f} {int(row['Failure Count']):>3}"
            )
        print(line)
    for size in args.sizes:
        total = results[size]["total"]
        print(
            f"{size:>7,} POs: {float(total['Requests/s']):.1f} req/s, {int(total['Failure Count'])} errors of {int(total['Request Count'])}, "
            f"p50 {float(total['Median Response Time']):.0f} ms, p95 {float(total['95%']):.0f} ms, "
            f"web CPU {results[size]['cpu_per_request_ms']:.1f} ms per request"
        )
    first, last = args.sizes[0], args.sizes[-1]
    ratio = float(results[last]["total"]["Requests/s"]) / max(0.001, float(results[first]["total"]["Requests/s"]))
    print(f"throughput at {last:,} POs = {ratio:.0%} of the same mix at {first:,} POs")
    for size in args.sizes:
        rows = results[size]["rows"]
        api, bare = rows.get("api: PO page of 100"), rows.get("baseline: bare DRF page of 100")
        if api and bare:
            print(
                f"{size:>7,} POs: API page p50 {float(api['Median Response Time']):.0f} ms vs bare DRF "
                f"{float(bare['Median Response Time']):.0f} ms ({float(api['Median Response Time']) / max(1.0, float(bare['Median Response Time'])):.2f}x)"
            )


if __name__ == "__main__":
    main()
