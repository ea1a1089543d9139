"""CSV and XLSX downloads of the filtered forecasts, one row per product, marketplace and week.

The columns start with the upload's own (vendor_sku, asin, marketplace, week_start, mean, p70, p80, p90),
so a buyer can download, adjust and upload again; the extra columns are ignored by the upload.
"""

import csv
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.exports import XLSX_CONTENT_TYPE

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
PUBLISHED_AT = COLUMNS.index("published_at")


def _rows(queryset):
    for values in queryset.values_list(*FIELDS).iterator(chunk_size=2000):
        values = list(values)
        values[PUBLISHED_AT] = timezone.localtime(values[PUBLISHED_AT]).replace(tzinfo=None)  # spreadsheets have no time zones
        yield values


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    text = str(value)
    # A spreadsheet would run a cell starting with these as a formula (titles are free text).
    if text[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return text


def csv_response(queryset, filename: str) -> HttpResponse:
    """The caller checks the row count against CSV_MAX_ROWS first."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for values in _rows(queryset):
        writer.writerow([_csv_cell(value) for value in values])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(queryset, filename: str) -> HttpResponse:
    """The caller checks the row count against XLSX_MAX_ROWS first."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Forecasts")[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    # Plain values: openpyxl gives dates and date-times their own number formats.
    for values in _rows(queryset):
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
