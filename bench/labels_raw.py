"""Raw label baseline: ReportLab + pikepdf PDF/A for one shipment of N cartons, no Django.

    .venv/bin/python bench/labels_raw.py [N]        (N defaults to 1000)

Prints labels per second and the process's peak RSS. The end-to-end benchmark (worker,
database, storage) imports `bench_raw` to print this baseline beside its own numbers.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shipments.labels import LabelData, LabelParty, render_labels  # noqa: E402
from vendor_portal.gs1 import sscc_build  # noqa: E402

COMPANY_PREFIX = "0614141"


def sample_carton_labels(count: int) -> Iterator[LabelData]:
    ship_from = LabelParty("Acme Widgets GmbH", ["Industriestraße 12", "70565 Stuttgart", "Germany"])
    ship_to = LabelParty("Example Retail Distribution Center", ["1200 Logistics Parkway", "Bentonville, AR 72712"])
    for index in range(1, count + 1):
        yield LabelData(
            kind="carton",
            sscc=sscc_build(extension_digit=0, company_prefix=COMPANY_PREFIX, serial=index),
            company_prefix_length=len(COMPANY_PREFIX),
            ship_from=ship_from,
            ship_to_code="DC 6094",
            ship_to=ship_to,
            carrier_name="Schenker Logistics",
            pro_number="123456789",
            bol_number="BOL-000042",
            po_numbers=["4500012345"],
            gtin="00036000291452" if index % 4 else None,
            quantity=24,
            index=index,
            count=count,
        )


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bench_raw(n: int = 1000) -> dict[str, float]:
    """Render `n` carton labels into one PDF/A file and time it."""
    rss_before = _peak_rss_mib()
    with tempfile.TemporaryDirectory(prefix="bench-labels-") as workdir:
        dest = Path(workdir) / "labels.pdf"
        started = time.perf_counter()
        pages = render_labels(sample_carton_labels(n), dest, language="en")
        seconds = time.perf_counter() - started
        size_bytes = dest.stat().st_size
    return {
        "labels": pages,
        "seconds": seconds,
        "labels_per_second": pages / seconds,
        "file_mib": size_bytes / 2**20,
        "peak_rss_mib": _peak_rss_mib(),
        "peak_rss_before_mib": rss_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000, help="labels to render (default 1000)")
    result = bench_raw(parser.parse_args().n)
    print(
        f"raw ReportLab+pikepdf: {result['labels']:.0f} labels in {result['seconds']:.2f} s = "
        f"{result['labels_per_second']:.0f} labels/s, file {result['file_mib']:.1f} MiB, "
        f"peak RSS {result['peak_rss_mib']:.0f} MiB (before rendering {result['peak_rss_before_mib']:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
