"""Raw label baseline: ReportLab + pikepdf as the libraries come, no Django, no chunks.

    .venv/bin/python bench/labels_raw.py [N]              N sample carton labels (default 1000)
    .venv/bin/python bench/labels_raw.py --labels FILE    the labels bench/labels.py pickled

The labels are drawn with the portal's own layout code onto one ReportLab document, which is then
made PDF/A-2b and validated by pikepdf (`make_pdfa`). Prints labels per second and the process's
peak RSS, which grows with the labels: ReportLab keeps a document's pages in memory until it
saves, and pikepdf every object of the document it converts and validates. bench/labels.py runs
this script once per shipment size (`--json`) to print it beside the portal's numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from shipments import labels as portal_labels  # noqa: E402
from shipments.labels import LabelData, LabelParty  # noqa: E402
from vendor_portal.gs1 import sscc_build  # noqa: E402
from vendor_portal.pdfa import make_pdfa  # noqa: E402

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


def render_raw(labels: Iterable[LabelData], dest: str | os.PathLike[str], *, language: str = "en") -> int:
    """One ReportLab document for all labels, then pikepdf PDF/A-2b (validated); the pages written."""
    portal_labels._register_fonts()
    captions = portal_labels.label_captions(language)
    pages = 0
    with tempfile.TemporaryDirectory(prefix="bench-raw-") as workdir:
        reportlab_path = Path(workdir) / "labels.pdf"
        canvas = Canvas(
            str(reportlab_path),
            pagesize=(portal_labels.LABEL_WIDTH, portal_labels.LABEL_HEIGHT),
            initialFontName=portal_labels.REGULAR_FONT_NAME,
            initialFontSize=8,
            pageCompression=1,
        )
        for label in labels:
            portal_labels._draw_label(canvas, label, captions)
            canvas.showPage()
            pages += 1
        canvas.save()
        make_pdfa(reportlab_path, dest, title="Shipping labels")
    return pages


def _peak_rss_mib() -> float:
    # VmHWM, not getrusage's ru_maxrss: that one survives exec, so a process started by
    # bench/labels.py would report the parent's size.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_raw(labels: Iterable[LabelData]) -> dict[str, float]:
    """Render the labels into one PDF/A file and time it."""
    rss_before = _peak_rss_mib()
    with tempfile.TemporaryDirectory(prefix="bench-labels-") as workdir:
        dest = Path(workdir) / "labels.pdf"
        started = time.perf_counter()
        pages = render_raw(labels, dest)
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
    parser.add_argument("n", type=int, nargs="?", default=1000, help="sample carton labels to render (default 1000)")
    parser.add_argument("--labels", type=Path, help="a pickled list of LabelData to render instead")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    if args.labels:
        labels = pickle.loads(args.labels.read_bytes())
    else:
        labels = list(sample_carton_labels(args.n))
    result = bench_raw(labels)
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"raw ReportLab+pikepdf: {result['labels']:.0f} labels in {result['seconds']:.2f} s = "
        f"{result['labels_per_second']:.0f} labels/s, file {result['file_mib']:.1f} MiB, "
        f"peak RSS {result['peak_rss_mib']:.0f} MiB (before rendering {result['peak_rss_before_mib']:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
