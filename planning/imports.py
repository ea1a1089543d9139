"""Forecast upload: a CSV or XLSX file with one row per product, marketplace and week, checked as a dry
run, then published all at once. The file reading (size, type, header, row limits) is the core's
(`vendor_portal.tables.read_table`); each cell problem becomes a row-level error, and the service's
checks (`forecast_check`) are mapped back to the file's rows and columns.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from vendor_portal.errors import FieldError
from vendor_portal.tables import (
    UPLOAD_MAX_BYTES,
    UPLOAD_MAX_ROWS,
    CellError,
    RowError,
    UploadError,
    cell_day,
    cell_text,
    read_table,
    require_product_columns,
)

from .models import current_week_start
from .services.forecasts import ForecastCheck, ForecastRow, forecast_check

__all__ = ["UPLOAD_MAX_BYTES", "UploadError", "RowError", "ForecastImport", "parse_forecasts", "row_error", "template_csv"]

COLUMNS = ["vendor_sku", "asin", "marketplace", "week_start", "mean", "p70", "p80", "p90"]
ALIASES = {"sku": "vendor_sku", "week": "week_start", "week_starting": "week_start", "mean_units": "mean"}
REQUIRED_COLUMNS = ["marketplace", "week_start", "mean", "p70", "p80", "p90"]
# Where the service's error fields live in the file.
SERVICE_FIELD_COLUMNS = {name: name for name in COLUMNS}


@dataclass
class ForecastImport:
    rows: list[ForecastRow] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)  # the file's row of each entry of `rows`
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    check: ForecastCheck | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def product_count(self) -> int:
        return len({row.product.pk for row in self.check.rows}) if self.check else 0

    @property
    def marketplaces(self) -> list[str]:
        return sorted({row.marketplace.code for row in self.check.rows}) if self.check else []

    @property
    def weeks(self) -> tuple[datetime.date, datetime.date] | None:
        if not self.check or not self.check.rows:
            return None
        days = [row.week_start for row in self.check.rows]
        return min(days), max(days)


def _units(value):
    text = cell_text(value)
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(_("'%(value)s' is not a number (use a dot for decimals, no thousands separator).") % {"value": text}) from None
    if not amount.is_finite():
        raise CellError(_("'%(value)s' is not a number.") % {"value": text})
    if isinstance(value, float):
        amount = amount.quantize(Decimal("0.01"))  # a spreadsheet's binary float, e.g. 12.300000000000001
    return amount


def _check_header(header: list[str]) -> None:
    require_product_columns([ALIASES.get(column, column) for column in header], REQUIRED_COLUMNS)


def parse_forecasts(name: str, content: bytes, *, vendor, now=None) -> ForecastImport:
    """Read and check a whole file for one vendor without saving anything."""
    header, table = read_table(name, content, max_bytes=UPLOAD_MAX_BYTES, max_rows=UPLOAD_MAX_ROWS, check_header=_check_header)
    header = [ALIASES.get(column, column) for column in header]
    if not table:
        raise UploadError(_("The file has a header row but no lines."))
    result = ForecastImport(row_count=len(table), ignored_columns=[c for c in header if c and c not in COLUMNS])
    for number, cells in table:
        row = {column: (cells[i] if i < len(cells) else None) for i, column in enumerate(header) if column}
        problems = len(result.errors)

        def cell(column, convert, row=row, number=number):
            try:
                return convert(row.get(column))
            except CellError as error:
                result.errors.append(RowError(number, column, str(error)))
                return None

        values = {column: cell(column, _units) for column in ("mean", "p70", "p80", "p90")}
        week_start = cell("week_start", cell_day)
        if len(result.errors) > problems:
            continue
        result.rows.append(
            ForecastRow(
                marketplace=cell_text(row.get("marketplace")),
                week_start=week_start,
                vendor_sku=cell_text(row.get("vendor_sku")),
                asin=cell_text(row.get("asin")).upper(),
                ref=number,
                **values,
            )
        )
        result.row_numbers.append(number)
    if result.rows:
        result.check = forecast_check(vendor=vendor, rows=result.rows, now=now)
        result.errors.extend(row_error(result.row_numbers, error) for error in result.check.errors)
    result.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 99))
    return result


def row_error(row_numbers: list[int], error: FieldError) -> RowError:
    """A service error on the file's row it names (a row's ref is its row number), else the first row."""
    row = error.ref if error.ref is not None else row_numbers[0]
    return RowError(row, SERVICE_FIELD_COLUMNS.get(error.field or "", "vendor_sku"), error.message)


def template_csv(marketplace=None) -> str:
    """A template with two example weeks starting next week (in the marketplace's time zone when given)."""
    first = current_week_start(marketplace) if marketplace else datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for offset, numbers in ((1, ("120", "135", "150", "170")), (2, ("95.5", "110", "122", "140"))):
        writer.writerow(
            ["SKU-00001", "", marketplace.code if marketplace else "US", (first + datetime.timedelta(weeks=offset)).isoformat(), *numbers]
        )
    return buffer.getvalue()
