"""Web CPU per API page: the portal's PO list beside a bare DRF and a bare Django view of the same page.

    psql -h 127.0.0.1 -U postgres -c 'create database vp_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python bench/api_cpu.py --pos 1000
    DATABASE_URL=... .venv/bin/python bench/api_cpu.py --profile     # where the portal page's CPU goes

Loads vendor BENCH's POs as bench/po_list.py does (rows already there are kept), then requests, through the
portal's whole middleware stack and Django's test Client, the same first page of 100 POs three ways:

- portal: GET /api/v1/purchase-orders/?page_size=100 with an API token (authentication, scope, throttle,
  filters, keyset cursor, the list serializer);
- bare DRF: a ListAPIView with a ModelSerializer of the same fields, DRF's CursorPagination, no
  authentication or permission classes;
- bare Django: the same rows as values() in a JsonResponse.

It prints the CPU time of this process per request (time.process_time: the database's own time is not in
it, and a busy machine changes it far less than wall time), the wall time, and the ratios. Target: the
portal page at most 1.2x the bare DRF view's CPU.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vendor_portal.settings.local")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("API_RATE", "1000000/min")

import django  # noqa: E402

django.setup()

from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from bench.baseline import BareDrfList, bare_django_list  # noqa: E402
from bench.po_list import HOST, load, setup_world  # noqa: E402

urlpatterns = [
    path("bench/drf/", BareDrfList.as_view()),
    path("bench/django/", bare_django_list),
    path("", include("vendor_portal.urls")),
]


def measure(client: Client, url: str, repeat: int) -> dict:
    for _ in range(5):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get(url)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    rows = len(response.json()["results"])
    return {"cpu": statistics.median(cpu), "wall": statistics.median(wall), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pos", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print the portal page's top functions by own CPU time")
    args = parser.parse_args()

    world = setup_world()
    load(world, args.pos, args.lines)
    token = Client(HTTP_AUTHORIZATION=f"Bearer {world['token']}", **HOST)
    anonymous = Client(**HOST)
    portal_url = "/api/v1/purchase-orders/?page_size=100"
    with override_settings(ROOT_URLCONF=__name__):
        if args.profile:
            measure(token, portal_url, 5)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(50):
                token.get(portal_url)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
            return
        results = {
            "portal (token)": measure(token, portal_url, args.repeat),
            "bare DRF": measure(anonymous, "/bench/drf/", args.repeat),
            "bare Django": measure(anonymous, "/bench/django/", args.repeat),
        }
    drf = results["bare DRF"]["cpu"]
    print(f"First page of 100 POs, {args.repeat} requests each, medians (vendor BENCH has {args.pos:,}+ POs)")
    print(f"{'view':<16} {'CPU ms':>8} {'wall ms':>8} {'rows':>5} {'CPU / bare DRF':>15}")
    for name, r in results.items():
        print(f"{name:<16} {r['cpu']:>8.1f} {r['wall']:>8.1f} {r['rows']:>5} {r['cpu'] / drf:>14.2f}x")


if __name__ == "__main__":
    main()
