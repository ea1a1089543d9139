"""Availability upload: a CSV or XLSX file with one row per product and ship-from warehouse, checked as a dry
run, then saved all at once. The file reading is the core's (`vendor_portal.tables.read_table`); the service's
checks (`availability_check`) are mapped back to the file's rows and columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from vendor_portal.errors import FieldError
from vendor_portal.tables import (
    UPLOAD_MAX_BYTES,
    UPLOAD_MAX_ROWS,
    CellError,
    RowError,
    Sheet,
    UploadError,
    cell_text,
    read_table,
    require_product_columns,
)

from .models import Availability
from .services.availability import AvailabilityCheck, AvailabilityRow, availability_check, usable_ship_froms

__all__ = ["UPLOAD_MAX_BYTES", "UploadError", "AvailabilityImport", "parse_availability", "row_error", "template_sheet"]

COLUMNS = ["vendor_sku", "asin", "ship_from", "on_hand", "available"]
ALIASES = {"sku": "vendor_sku", "warehouse": "ship_from", "ship_from_code": "ship_from", "available_to_ship": "available", "on_hand_units": "on_hand"}
REQUIRED_COLUMNS = ["ship_from", "on_hand", "available"]


@dataclass
class AvailabilityImport:
    rows: list[AvailabilityRow] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    check: AvailabilityCheck | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _eaches(value):
    text = cell_text(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("'%(value)s' is not a number of eaches.") % {"value": text}) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(_("'%(value)s' is not a whole number of eaches.") % {"value": text})
    return int(number)


def _check_header(header: list[str]) -> None:
    require_product_columns([ALIASES.get(column, column) for column in header], REQUIRED_COLUMNS)


def parse_availability(name: str, content: bytes, *, vendor) -> AvailabilityImport:
    """Read and check a whole file for one vendor without saving anything."""
    header, table = read_table(name, content, max_bytes=UPLOAD_MAX_BYTES, max_rows=UPLOAD_MAX_ROWS, check_header=_check_header)
    header = [ALIASES.get(column, column) for column in header]
    if not table:
        raise UploadError(_("The file has a header row but no lines."))
    result = AvailabilityImport(row_count=len(table), ignored_columns=[c for c in header if c and c not in COLUMNS])
    for number, cells in table:
        row = {column: (cells[i] if i < len(cells) else None) for i, column in enumerate(header) if column}
        problems = len(result.errors)
        quantities = {}
        for column in ("on_hand", "available"):
            try:
                quantities[column] = _eaches(row.get(column))
            except CellError as error:
                result.errors.append(RowError(number, column, str(error)))
        if len(result.errors) > problems:
            continue
        result.rows.append(
            AvailabilityRow(
                ship_from=cell_text(row.get("ship_from")),
                vendor_sku=cell_text(row.get("vendor_sku")),
                asin=cell_text(row.get("asin")).upper(),
                ref=number,
                **quantities,
            )
        )
        result.row_numbers.append(number)
    if result.rows:
        result.check = availability_check(vendor=vendor, rows=result.rows)
        result.errors.extend(row_error(result.row_numbers, error) for error in result.check.errors)
    result.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 99))
    return result


def row_error(row_numbers: list[int], error: FieldError) -> RowError:
    row = error.ref if error.ref is not None else row_numbers[0]
    return RowError(row, error.field if error.field in COLUMNS else "vendor_sku", error.message)


def template_sheet(vendor) -> Sheet:
    """The vendor's current numbers (up to the upload's row limit) to edit and send back; example rows with
    its first products and warehouse when it has reported nothing yet."""
    current = (
        Availability.objects.filter(vendor=vendor)
        .select_related("product", "ship_from")
        .order_by("product__vendor_sku", "ship_from__code")[:UPLOAD_MAX_ROWS]
    )
    rows = [[a.product.vendor_sku, a.product.asin, a.ship_from.code, a.on_hand, a.available] for a in current]
    if not rows:
        place = next(iter(sorted(usable_ship_froms(vendor).items())), (None, None))[1]
        products = vendor.products.filter(is_active=True).order_by("vendor_sku")[:3]
        rows = [[p.vendor_sku, p.asin, place.code if place else "", 0, 0] for p in products]
    return Sheet(title=_("Availability"), header=COLUMNS, rows=rows, freeze_panes="A2", number_formats=False)
