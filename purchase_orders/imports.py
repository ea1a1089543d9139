"""Bulk PO upload: a CSV or XLSX file with one row per PO line, checked as a dry run, then created all at once.

Reading turns every cell problem into a row-level error (row number, column, message); the service's own
checks (`purchase_order_validate`) run on each PO, and their errors are mapped back to rows and columns.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, FieldError
from vendor_portal.models import Marketplace, Vendor, VendorAccount, Warehouse
from vendor_portal.money import ZERO, round_money
from vendor_portal.tables import UPLOAD_MAX_BYTES, UPLOAD_MAX_ROWS, CellError, RowError, UploadError, cell_text, read_table

from .forms import end_of_day, start_of_day
from .models import PaymentTerms, PurchaseOrderType, UnitOfMeasure
from .services.orders import LineInput, PurchaseOrderInput, purchase_order_create, purchase_order_validate

COLUMNS = [
    "po_number",
    "vendor_code",
    "marketplace",
    "ship_to",
    "ship_window_start",
    "ship_window_end",
    "delivery_window_start",
    "delivery_window_end",
    "order_type",
    "payment_terms",
    "sequence",
    "vendor_sku",
    "ordered_quantity",
    "unit_of_measure",
    "unit_size",
    "net_cost",
    "list_price",
    "backorder_allowed",
]
REQUIRED_COLUMNS = [
    "po_number",
    "vendor_code",
    "marketplace",
    "ship_to",
    "ship_window_start",
    "ship_window_end",
    "vendor_sku",
    "ordered_quantity",
    "net_cost",
]
# Columns that describe the PO, not the line: every row of one PO must agree on them.
HEADER_COLUMNS = [
    "vendor_code",
    "marketplace",
    "ship_to",
    "ship_window_start",
    "ship_window_end",
    "delivery_window_start",
    "delivery_window_end",
    "order_type",
    "payment_terms",
]
# Where the service's error fields live in the file.
SERVICE_FIELD_COLUMNS = {
    "number": "po_number",
    "ship_to": "ship_to",
    "ship_window_start": "ship_window_start",
    "ship_window_end": "ship_window_end",
    "order_type": "order_type",
    "payment_terms": "payment_terms",
    "asin": "vendor_sku",
    "delivery_window_end": "delivery_window_end",
    "lines": "po_number",
    "sequence": "sequence",
    "vendor_sku": "vendor_sku",
    "ordered_quantity": "ordered_quantity",
    "unit_of_measure": "unit_of_measure",
    "unit_size": "unit_size",
    "net_cost": "net_cost",
}
TEMPLATE_ROWS = [
    [
        "PO-EXAMPLE1",
        "VENDORCODE",
        "US",
        "ABE2",
        "2030-05-04",
        "2030-05-10",
        "2030-05-12",
        "2030-05-18",
        "RegularOrder",
        "net60",
        "1",
        "SKU-00001",
        "60",
        "Eaches",
        "1",
        "12.50",
        "24.99",
        "true",
    ],
    [
        "PO-EXAMPLE1",
        "VENDORCODE",
        "US",
        "ABE2",
        "2030-05-04",
        "2030-05-10",
        "2030-05-12",
        "2030-05-18",
        "RegularOrder",
        "net60",
        "2",
        "SKU-00002",
        "10",
        "Cases",
        "6",
        "71.40",
        "",
        "false",
    ],
]


@dataclass
class ImportedPurchaseOrder:
    data: PurchaseOrderInput
    rows: list[int]  # the file's row number of each line, in line order

    @property
    def total(self) -> Decimal:
        return sum((line.net_cost * line.ordered_quantity for line in self.data.lines), ZERO)

    @property
    def units(self) -> int:
        return sum(line.ordered_quantity for line in self.data.lines)


@dataclass
class ImportResult:
    purchase_orders: list[ImportedPurchaseOrder] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0
    po_count: int = 0  # distinct PO numbers in the file, valid or not
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.purchase_orders)

    @property
    def line_count(self) -> int:
        return sum(len(po.data.lines) for po in self.purchase_orders)


# Cells (CellError becomes a RowError on the cell's row and column) ---------------------------------------
def _integer(value, *, blank=None):
    text = cell_text(value)
    if not text:
        return blank
    try:
        return int(text)
    except ValueError:
        raise CellError(_("'%(value)s' is not a whole number.") % {"value": text}) from None


def _decimal(value, *, blank=None):
    text = cell_text(value)
    if not text:
        return blank
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(_("'%(value)s' is not a number (use a dot for decimals, no thousands separator).") % {"value": text}) from None
    if not amount.is_finite():
        raise CellError(_("'%(value)s' is not a number.") % {"value": text})
    if amount.as_tuple().exponent < -2:
        raise CellError(_("'%(value)s' has more than 2 decimal places.") % {"value": text})
    return round_money(amount)  # exact: more places were refused above; 12.3 becomes 12.30


def _boolean(value) -> bool:
    text = cell_text(value).lower()
    if text in ("", "0", "false", "no", "n"):
        return False
    if text in ("1", "true", "yes", "y"):
        return True
    raise CellError(_("'%(value)s' is not true or false.") % {"value": cell_text(value)})


def _moment(value, *, end: bool):
    """A date (the whole day: start or end) or an ISO date-time; None when blank."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime) and value.time() == datetime.time.min and timezone.is_naive(value):
        value = value.date()  # a spreadsheet date cell: the whole day
    if isinstance(value, datetime.datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    if isinstance(value, datetime.date):
        return end_of_day(value) if end else start_of_day(value)
    text = cell_text(value)
    if not text:
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        return end_of_day(day) if end else start_of_day(day)
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise CellError(_("'%(value)s' is not a date: use YYYY-MM-DD.") % {"value": text})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _choice(value, choices, *, default):
    text = cell_text(value)
    if not text:
        return default
    for stored, label in choices:
        if text.lower() in (str(stored).lower(), str(label).lower()):
            return stored
    raise CellError(_("'%(value)s' is not one of: %(choices)s.") % {"value": text, "choices": ", ".join(str(c[0]) for c in choices)})


# Turning rows into POs --------------------------------------------------------------------------------
class _Lookups:
    """Marketplaces, DCs and vendors named in the file, each fetched once."""

    def __init__(self, rows):
        self.marketplaces = {m.code.upper(): m for m in Marketplace.objects.all()}
        self.warehouses = {w.code.upper(): w for w in Warehouse.objects.all()}
        codes = {cell_text(row.get("vendor_code")).upper() for _, row in rows} - {""}
        self.vendors = {v.code.upper(): v for v in Vendor.objects.filter(code__in=codes, is_active=True)}
        self.accounts = {
            (a.marketplace_id, a.vendor_code.upper()): a.vendor
            for a in VendorAccount.objects.filter(vendor_code__in=codes - set(self.vendors), vendor__is_active=True).select_related("vendor")
        }

    def vendor(self, code: str, marketplace):
        code = code.upper()
        vendor = self.vendors.get(code)
        if vendor is None and marketplace is not None:
            vendor = self.accounts.get((marketplace.pk, code))
        return vendor


def _check_header(header: list[str]) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise UploadError(
            _("Missing columns: %(missing)s. The first row must name the columns, as in the template.") % {"missing": ", ".join(missing)}
        )


def parse_purchase_orders(name: str, content: bytes) -> ImportResult:
    """Read and check a whole file without saving anything."""
    header, table = read_table(name, content, max_bytes=UPLOAD_MAX_BYTES, max_rows=UPLOAD_MAX_ROWS, check_header=_check_header)
    result = ImportResult(row_count=len(table), ignored_columns=[c for c in header if c and c not in COLUMNS])
    rows = [(number, {column: (cells[i] if i < len(cells) else None) for i, column in enumerate(header) if column}) for number, cells in table]
    if not rows:
        raise UploadError(_("The file has a header row but no lines."))
    lookups = _Lookups(rows)

    groups: dict[str, list[tuple[int, dict]]] = {}
    for number, row in rows:
        po_number = cell_text(row.get("po_number"))
        if not po_number:
            result.errors.append(RowError(number, "po_number", _("The PO number is missing.")))
            continue
        groups.setdefault(po_number, []).append((number, row))

    result.po_count = len(groups)
    for po_number, group in groups.items():
        imported = _purchase_order(po_number, group, lookups, result.errors)
        if imported is None:
            continue
        errors, _products = purchase_order_validate(imported.data)
        for error in errors:
            result.errors.append(_row_error(imported, error))
        result.purchase_orders.append(imported)
    result.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 99))
    return result


def _purchase_order(po_number: str, group, lookups: _Lookups, errors: list[RowError]) -> ImportedPurchaseOrder | None:
    first_row, first = group[0]
    problems_before = len(errors)
    for number, row in group[1:]:
        for column in HEADER_COLUMNS:
            if cell_text(row.get(column)) != cell_text(first.get(column)):
                errors.append(
                    RowError(
                        number,
                        column,
                        _("Differs from row %(row)s of the same PO (%(value)s).") % {"row": first_row, "value": cell_text(first.get(column)) or "—"},
                    )
                )

    def cell(column, convert, *args, **kwargs):
        try:
            return convert(first.get(column), *args, **kwargs)
        except CellError as error:
            errors.append(RowError(first_row, column, str(error)))
            return None

    marketplace = lookups.marketplaces.get(cell_text(first.get("marketplace")).upper())
    if marketplace is None:
        errors.append(RowError(first_row, "marketplace", _("Unknown marketplace '%(code)s'.") % {"code": cell_text(first.get("marketplace"))}))
    warehouse = lookups.warehouses.get(cell_text(first.get("ship_to")).upper())
    if warehouse is None:
        errors.append(RowError(first_row, "ship_to", _("Unknown DC '%(code)s'.") % {"code": cell_text(first.get("ship_to"))}))
    vendor = lookups.vendor(cell_text(first.get("vendor_code")), marketplace)
    if vendor is None:
        errors.append(RowError(first_row, "vendor_code", _("Unknown or inactive vendor '%(code)s'.") % {"code": cell_text(first.get("vendor_code"))}))
    windows = {}
    for column in ("ship_window_start", "ship_window_end", "delivery_window_start", "delivery_window_end"):
        windows[column] = cell(column, _moment, end=column.endswith("_end"))
    for column in ("ship_window_start", "ship_window_end"):
        if windows[column] is None and not any(e.row == first_row and e.column == column for e in errors[problems_before:]):
            errors.append(RowError(first_row, column, _("This date is required.")))
    if bool(windows["delivery_window_start"]) != bool(windows["delivery_window_end"]):
        errors.append(RowError(first_row, "delivery_window_end", _("Give both ends of the delivery window, or neither.")))
    order_type = cell("order_type", _choice, PurchaseOrderType.choices, default=PurchaseOrderType.REGULAR)
    payment_terms = cell("payment_terms", _choice, PaymentTerms.choices, default=PaymentTerms.NET_60)

    lines, line_rows = [], []
    used_sequences = set()
    for number, row in group:
        line_problems = len(errors)

        def line_cell(column, convert, *args, row=row, number=number, **kwargs):
            try:
                return convert(row.get(column), *args, **kwargs)
            except CellError as error:
                errors.append(RowError(number, column, str(error)))
                return None

        sequence = line_cell("sequence", _integer)
        if sequence is None and len(errors) == line_problems:
            sequence = max(used_sequences, default=0) + 1
        if sequence is not None and sequence < 1:
            errors.append(RowError(number, "sequence", _("The line number must be 1 or more.")))
        elif sequence is not None:
            used_sequences.add(sequence)
        sku = cell_text(row.get("vendor_sku"))
        if not sku:
            errors.append(RowError(number, "vendor_sku", _("The vendor SKU is missing.")))
        quantity = line_cell("ordered_quantity", _integer)
        if quantity is None and "ordered_quantity" not in {e.column for e in errors[line_problems:]}:
            errors.append(RowError(number, "ordered_quantity", _("The ordered quantity is missing.")))
        unit = line_cell("unit_of_measure", _choice, UnitOfMeasure.choices, default=UnitOfMeasure.EACHES)
        unit_size = line_cell("unit_size", _integer, blank=1)
        net_cost = line_cell("net_cost", _decimal)  # blank: the catalogue cost on the order date
        list_price = line_cell("list_price", _decimal)
        backorder_allowed = line_cell("backorder_allowed", _boolean)
        if len(errors) == line_problems:
            lines.append(
                LineInput(
                    sequence=sequence,
                    ordered_quantity=quantity,
                    net_cost=net_cost,
                    vendor_sku=sku,
                    unit_of_measure=unit,
                    unit_size=unit_size,
                    backorder_allowed=backorder_allowed,
                    list_price=list_price,
                    ref=number,
                )
            )
            line_rows.append(number)
    if len(errors) > problems_before:
        return None
    data = PurchaseOrderInput(
        vendor=vendor,
        marketplace=marketplace,
        number=po_number,
        ship_to=warehouse,
        lines=lines,
        order_type=order_type,
        payment_terms=payment_terms,
        **windows,
    )
    return ImportedPurchaseOrder(data=data, rows=line_rows)


def _row_error(imported: ImportedPurchaseOrder, error: FieldError) -> RowError:
    """A service error on the file's row it names: a line's own row (its ref), else the PO's first row."""
    row = error.ref if error.ref is not None else imported.rows[0]
    return RowError(row, SERVICE_FIELD_COLUMNS.get(error.field or "lines", "po_number"), error.message)


# Committing -----------------------------------------------------------------------------------------------
def create_imported_purchase_orders(*, result: ImportResult, actor) -> list:
    """Create every PO of a checked file in one transaction: all of them, or none."""
    created = []
    with transaction.atomic():
        for imported in result.purchase_orders:
            try:
                created.append(purchase_order_create(data=imported.data, actor=actor))
            except DomainValidationError as error:
                # Someone created one of these numbers since the dry run: report it, keep nothing.
                errors = [_row_error(imported, e) for e in error.field_errors()]
                raise ImportRejected(errors) from error
    return created


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s)")


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return buffer.getvalue()
