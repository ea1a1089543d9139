"""CSV and XLSX downloads of the filtered forecasts, one row per product, marketplace and week.

The columns start with the upload's own (vendor_sku, asin, marketplace, week_start, mean, p70, p80, p90),
so a buyer can download, adjust and upload again; the extra columns are ignored by the upload.
"""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from vendor_portal import tables

CSV_MAX_ROWS = 100_000
XLSX_MAX_ROWS = 20_000
COLUMNS = ["vendor_sku", "asin", "marketplace", "week_start", "mean", "p70", "p80", "p90", "vendor_code", "title", "version", "published_at"]
# The same columns, read as plain values: a download of thousands of weeks builds no model instances.
FIELDS = [
    "product__vendor_sku",
    "product__asin",
    "marketplace__code",
    "week_start",
    "mean",
    "p70",
    "p80",
    "p90",
    "vendor__code",
    "product__title",
    "publication__version",
    "published_at",
]


def _rows(queryset):
    return queryset.values_list(*FIELDS).iterator(chunk_size=2000)


def csv_response(queryset, filename: str) -> HttpResponse:
    """The caller checks the row count against CSV_MAX_ROWS first."""
    return tables.csv_response(COLUMNS, _rows(queryset), filename)


def xlsx_response(queryset, filename: str) -> HttpResponse:
    """The caller checks the row count against XLSX_MAX_ROWS first."""
    # Plain values: openpyxl gives dates and date-times their own number formats (published_at in local time).
    sheet = tables.Sheet(_("Forecasts"), COLUMNS, _rows(queryset), freeze_panes="A2", number_formats=False)
    return tables.xlsx_response([sheet], filename)
