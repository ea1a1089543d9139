"""Cost changes in bulk: an XLSX (or CSV) file with one row per item and marketplace, checked as a dry run,
then proposed all at once. The core reads the file (size, type, header, row limits); each cell problem is a
row error, and the service's checks (`cost_changes_check`) come back on the file's rows and columns."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from vendor_portal.errors import FieldError
from vendor_portal.tables import UPLOAD_MAX_BYTES, CellError, RowError, Sheet, UploadError, cell_day, cell_text, read_table, require_product_columns

from .services.costs import MAX_ROWS, CheckedChange, CostChangeInput, cost_changes_check

__all__ = ["UPLOAD_MAX_BYTES", "UploadError", "RowError", "CostImport", "parse_cost_changes", "row_error", "template_sheet"]

COLUMNS = ["vendor_sku", "asin", "marketplace", "new_cost", "effective_from", "reason"]
ALIASES = {"sku": "vendor_sku", "cost": "new_cost", "effective_date": "effective_from"}
REQUIRED_COLUMNS = ["marketplace", "new_cost", "effective_from", "reason"]


@dataclass
class CostImport:
    changes: list[CostChangeInput] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    checked: list[CheckedChange] = field(default_factory=list)
    row_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.changes)


def _amount(value):
    text = cell_text(value)
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(_("'%(value)s' is not a number (use a dot for decimals).") % {"value": text}) from None
    if isinstance(value, float) and amount.is_finite():
        amount = amount.quantize(Decimal("0.01"))  # a spreadsheet's binary float
    return amount


def _check_header(header: list[str]) -> None:
    require_product_columns([ALIASES.get(column, column) for column in header], REQUIRED_COLUMNS)


def parse_cost_changes(name: str, content: bytes, *, scope, now=None) -> CostImport:
    """Read and check a whole file without saving anything."""
    header, table = read_table(name, content, max_bytes=UPLOAD_MAX_BYTES, max_rows=MAX_ROWS, check_header=_check_header)
    header = [ALIASES.get(column, column) for column in header]
    if not table:
        raise UploadError(_("The file has a header row but no lines."))
    result = CostImport(row_count=len(table))
    for number, cells in table:
        row = {column: (cells[i] if i < len(cells) else None) for i, column in enumerate(header) if column}
        problems = len(result.errors)

        def cell(column, convert, row=row, number=number):
            try:
                return convert(row.get(column))
            except CellError as error:
                result.errors.append(RowError(number, column, str(error)))
                return None

        new_cost, effective_from = cell("new_cost", _amount), cell("effective_from", cell_day)
        if len(result.errors) > problems:
            continue
        result.changes.append(
            CostChangeInput(
                marketplace=cell_text(row.get("marketplace")).upper(),
                new_cost=new_cost,
                effective_from=effective_from,
                reason=cell_text(row.get("reason")),
                vendor_sku=cell_text(row.get("vendor_sku")),
                asin=cell_text(row.get("asin")).upper(),
                ref=number,
            )
        )
        result.row_numbers.append(number)
    if result.changes and not result.errors:
        errors, result.checked = cost_changes_check(scope=scope, changes=result.changes, now=now)
        result.errors.extend(row_error(result.row_numbers, error) for error in errors)
    result.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 99))
    return result


def row_error(row_numbers: list[int], error: FieldError) -> RowError:
    row = error.ref if isinstance(error.ref, int) else row_numbers[0]
    return RowError(row, error.field if error.field in COLUMNS else "vendor_sku", error.message)


def template_sheet(products) -> Sheet:
    """The upload template: the columns, and a row per item (up to 50) to fill in."""
    start = datetime.date.today() + datetime.timedelta(days=7)
    rows = [[p.vendor_sku, p.asin, "US", None, start, ""] for p in products[:50]]
    return Sheet(_("Cost changes"), COLUMNS, rows)
