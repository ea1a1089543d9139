"""Bulk PO confirmation, the file: the open lines of the POs awaiting confirmation as CSV or XLSX (one row per
line, as Vendor Central's), filled in by the vendor and read back.

Reading turns every cell problem into a row-level error (row number, column, message); the confirmation
service's own checks run on each PO (`bulk_acknowledgement_errors`), and their errors come back to the rows
and columns they name: a line's problems to its row (the line's `ref` is its row number), the PO's (dates, a
missing line, a PO changed since the download) to the PO's first row. Applying goes through
`purchase_orders_acknowledge_in_bulk`: every PO of the file, or none.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vendor_portal import tables
from vendor_portal.errors import FieldError, PortalError
from vendor_portal.tables import UPLOAD_MAX_BYTES, UPLOAD_MAX_ROWS, CellError, RowError, UploadError, cell_text, read_table

from .forms import PurchaseOrderListFilter
from .models import PurchaseOrder, PurchaseOrderLine, RejectionReason
from .services.bulk_confirmations import (
    PurchaseOrderConfirmation,
    bulk_acknowledgement_errors,
    purchase_order_version,
    purchase_orders_acknowledge_in_bulk,
)
from .services.confirmations import LineConfirmation


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    note: str = ""  # shown after the label, in brackets: the allowed values or the format
    answer: bool = False  # filled in by the vendor; the other columns say what is being confirmed


def columns() -> list[Column]:
    date_note = gettext_lazy("YYYY-MM-DD")
    return [
        Column("po_number", gettext_lazy("PO number")),
        Column("marketplace", gettext_lazy("Marketplace")),
        Column("ship_to", gettext_lazy("Ship to")),
        Column("ship_window_start", gettext_lazy("Ship window start")),
        Column("ship_window_end", gettext_lazy("Ship window end")),
        Column("delivery_window_start", gettext_lazy("Delivery window start")),
        Column("delivery_window_end", gettext_lazy("Delivery window end")),
        Column("confirm_by", gettext_lazy("Confirm by")),
        Column("line", gettext_lazy("Line")),
        Column("asin", "ASIN"),
        Column("vendor_sku", gettext_lazy("Vendor SKU")),
        Column("title", gettext_lazy("Title")),
        Column("ordered_quantity", gettext_lazy("Ordered quantity")),
        Column("unit_of_measure", gettext_lazy("Unit of measure")),
        Column("unit_size", gettext_lazy("Unit size")),
        Column("net_cost", gettext_lazy("Net cost")),
        Column("currency", gettext_lazy("Currency")),
        Column("accepted", gettext_lazy("Accepted"), answer=True),
        Column("backordered", gettext_lazy("Backordered"), answer=True),
        Column("rejected", gettext_lazy("Rejected"), answer=True),
        Column("rejection_reason", gettext_lazy("Rejection reason"), ", ".join(RejectionReason.values), answer=True),
        Column("backorder_date", gettext_lazy("Backorder date"), date_note, answer=True),
        Column("scheduled_ship_date", gettext_lazy("Scheduled ship date"), date_note, answer=True),
        Column("scheduled_delivery_date", gettext_lazy("Scheduled delivery date"), date_note, answer=True),
        Column("version", gettext_lazy("Version"), gettext_lazy("do not change")),
    ]


COLUMN_KEYS = [column.key for column in columns()]
ANSWER_COLUMNS = [column.key for column in columns() if column.answer]
REQUIRED_COLUMNS = ["po_number", "line", "accepted", "backordered", "rejected", "version"]
# The same on every row of a PO: they answer for the PO, not the line.
PO_COLUMNS = ["scheduled_ship_date", "scheduled_delivery_date", "version"]
# Where the service's fields live in the file: a line's on its row, the PO's on its first row.
LINE_FIELD_COLUMNS = {
    "sequence": "line",
    "accepted": "accepted",
    "backordered": "backordered",
    "rejected": "rejected",
    "rejection_reason": "rejection_reason",
    "backorder_date": "backorder_date",
    "quantity": "accepted",
    "ordered_quantity": "ordered_quantity",
    "asin": "asin",
    "vendor_sku": "vendor_sku",
}
PO_FIELD_COLUMNS = {
    "number": "po_number",
    "version": "version",
    "lines": "line",
    "scheduled_ship_date": "scheduled_ship_date",
    "scheduled_delivery_date": "scheduled_delivery_date",
}


def header_text(column: Column) -> str:
    return f"{column.label} ({column.note})" if column.note else str(column.label)


def column_label(key: str) -> str:
    return next((str(column.label) for column in columns() if column.key == key), key)


def _normalised(text: str) -> str:
    """A header cell as read_table gives it (lower case, underscores), without its bracketed note."""
    text = str(text).strip().lower().replace(" ", "_")
    return re.sub(r"_*\(.*$", "", text).strip("_")


def _header_keys() -> dict[str, str]:
    """Every name a column may have in an uploaded file: its key, and its label in each of the portal's
    languages (a file downloaded in one language may be uploaded by someone using another)."""
    names = {column.key: column.key for column in columns()}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.update({_normalised(str(column.label)): column.key for column in columns()})
    return names


# The download ---------------------------------------------------------------------------------------------
def confirmation_filters(*, scope, params) -> PurchaseOrderListFilter:
    """The list's filters (marketplace, DC, ship window, ...) over the POs awaiting the vendor's confirmation
    that the scope may see; `.qs` is those POs."""
    queryset = PurchaseOrder.objects.visible_to(scope).needing_confirmation()
    return PurchaseOrderListFilter(params or None, queryset=queryset, scope=scope)


def lines_to_confirm(purchase_orders):
    """Every open line of `purchase_orders`, the soonest due PO first; a line the buyer cancelled has nothing
    left to confirm."""
    return (
        PurchaseOrderLine.objects.filter(purchase_order__in=purchase_orders.order_by().values("pk"), ordered_quantity__gt=0)
        .select_related("purchase_order__marketplace", "purchase_order__ship_to")
        .order_by("purchase_order__confirmation_due_at", "purchase_order__number", "sequence")
    )


def _local_date(moment):
    return timezone.localdate(moment) if moment else None


def _rows(lines):
    for line in lines.iterator(chunk_size=1000):
        po = line.purchase_order
        yield [
            po.number,
            po.marketplace.code,
            po.ship_to.code,
            _local_date(po.ship_window_start),
            _local_date(po.ship_window_end),
            _local_date(po.delivery_window_start),
            _local_date(po.delivery_window_end),
            po.confirmation_due_at,
            line.sequence,
            line.asin,
            line.vendor_sku,
            line.title,
            line.ordered_quantity,
            line.get_unit_of_measure_display(),
            line.unit_size,
            line.net_cost,
            po.currency,
            *[None] * len(ANSWER_COLUMNS),
            purchase_order_version(po),
        ]


def csv_download(lines, filename: str):
    """The caller bounds the lines (UPLOAD_MAX_ROWS: the file must go back up), so it is sent whole."""
    streamed = tables.csv_stream_response([header_text(column) for column in columns()], _rows(lines), filename)
    return HttpResponse(
        b"".join(streamed.streaming_content), content_type=streamed["Content-Type"], headers={"Content-Disposition": streamed["Content-Disposition"]}
    )


def column_help() -> list[tuple[str, str]]:
    return [
        (_("Accepted"), _("Units you will ship in the ship window, in the line's unit of measure.")),
        (_("Backordered"), _("Units you will ship later, where the line allows backorders; give the backorder date.")),
        (_("Rejected"), _("Units you will not ship; give the rejection reason (a code from the sheet Rejection reasons).")),
        (_("Every line"), _("Accepted + backordered + rejected must equal the ordered quantity. Confirm every line of a PO.")),
        (_("Scheduled ship date"), _("Optional: inside the ship window, the same on every row of a PO.")),
        (_("Scheduled delivery date"), _("Optional: inside the delivery window, the same on every row of a PO.")),
        (_("Leave blank"), _("Leave every answer of a PO blank to leave the PO unconfirmed.")),
        (_("Version"), _("Do not change it: it tells whether the PO changed since you downloaded the file.")),
    ]


def xlsx_download(lines, filename: str):
    """The lines, the rejection reason codes and how to fill in the file, on three sheets."""
    header = [header_text(column) for column in columns()]
    sheets = [
        tables.Sheet(_("Confirmations"), header, _rows(lines), freeze_panes="B2", hidden_columns=(COLUMN_KEYS.index("version"),)),
        tables.Sheet(_("Rejection reasons"), [_("Code"), _("Meaning")], [(code, str(label)) for code, label in RejectionReason.choices]),
        tables.Sheet(_("How to fill in"), [_("Column"), _("What to enter")], column_help()),
    ]
    return tables.xlsx_response(sheets, filename)


# Reading the file back ----------------------------------------------------------------------------------
@dataclass
class ConfirmationRowError(RowError):
    code: str = "invalid_row"

    @property
    def column_label(self) -> str:
        return column_label(self.column)


@dataclass(eq=False)  # the service's errors name it by identity
class FilePurchaseOrder:
    """One PO of the file: its confirmation for the service, and the rows it came from."""

    confirmation: PurchaseOrderConfirmation
    rows: list[int]
    marketplace: str = ""
    ship_to: str = ""
    value_rows: dict[str, int] = field(default_factory=dict)  # the row each PO-level value was read from

    @property
    def number(self) -> str:
        return self.confirmation.number

    @property
    def line_count(self) -> int:
        return len(self.confirmation.lines)

    @property
    def accepted(self) -> int:
        return sum(line.accepted for line in self.confirmation.lines)

    @property
    def backordered(self) -> int:
        return sum(line.backordered for line in self.confirmation.lines)

    @property
    def rejected(self) -> int:
        return sum(line.rejected for line in self.confirmation.lines)

    @property
    def cancels(self) -> bool:
        """Nothing accepted nor backordered: the service cancels the PO."""
        return self.accepted + self.backordered == 0


@dataclass
class BulkConfirmationResult:
    purchase_orders: list[FilePurchaseOrder] = field(default_factory=list)
    errors: list[ConfirmationRowError] = field(default_factory=list)
    row_count: int = 0
    po_count: int = 0  # distinct PO numbers in the file, valid or not
    skipped: list[str] = field(default_factory=list)  # POs whose answers were all left blank
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.purchase_orders)

    @property
    def line_count(self) -> int:
        return sum(po.line_count for po in self.purchase_orders)


def _quantity(value):
    text = cell_text(value)
    if not text:
        return None
    try:
        quantity = int(text)
    except ValueError:
        raise CellError(_("'%(value)s' is not a whole number.") % {"value": text}) from None
    if quantity < 0:
        raise CellError(_("A quantity cannot be negative."))
    return quantity


def _date(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()  # a spreadsheet date cell
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CellError(_("'%(value)s' is not a date: use YYYY-MM-DD.") % {"value": text}) from None


def _reason(value) -> str:
    text = cell_text(value)
    if not text:
        return ""
    for code, label in RejectionReason.choices:
        if text.lower() in (code.lower(), str(label).lower()):
            return code
    raise CellError(_("'%(value)s' is not a rejection reason: use one of %(codes)s.") % {"value": text, "codes": ", ".join(RejectionReason.values)})


def _read_rows(name: str, content: bytes, result: BulkConfirmationResult) -> list[tuple[int, dict]]:
    names = _header_keys()
    keys = []

    def check_header(header):
        for cell in header:
            key = names.get(_normalised(cell)) if cell else None
            keys.append(key if key not in keys else None)
            if cell and key is None:
                result.ignored_columns.append(cell)
        missing = [column_label(key) for key in REQUIRED_COLUMNS if key not in keys]
        if missing:
            raise UploadError(
                _("Missing columns: %(missing)s. Fill in the file downloaded from the portal; keep its first row as it is.")
                % {"missing": ", ".join(missing)}
            )

    _header, table = read_table(name, content, max_bytes=UPLOAD_MAX_BYTES, max_rows=UPLOAD_MAX_ROWS, check_header=check_header)
    if not table:
        raise UploadError(_("The file has a header row but no lines."))
    result.row_count = len(table)
    return [(number, {key: (cells[i] if i < len(cells) else None) for i, key in enumerate(keys) if key}) for number, cells in table]


def _purchase_order(po_number: str, group: list[tuple[int, dict]], errors: list[ConfirmationRowError]) -> FilePurchaseOrder | None:
    """The PO's confirmation from its rows; None (and the problems in `errors`) when a cell cannot be read."""
    first_row = group[0][0]
    problems_before = len(errors)

    def read(number, row, column, convert):
        try:
            return convert(row.get(column))
        except CellError as error:
            errors.append(ConfirmationRowError(number, column, str(error)))
            return None

    values, value_rows = {}, {}
    for column in PO_COLUMNS:
        for number, row in group:
            text = cell_text(row.get(column))
            if not text:
                continue
            if column not in values:
                values[column], value_rows[column] = row.get(column), number
            elif text != cell_text(values[column]):
                errors.append(
                    ConfirmationRowError(
                        number,
                        column,
                        _("Differs from row %(row)s of the same PO (%(value)s): give the PO one value.")
                        % {"row": value_rows[column], "value": cell_text(values[column])},
                    )
                )
    version = cell_text(values.get("version"))
    if not version:
        errors.append(ConfirmationRowError(first_row, "version", _("The version is missing: download the file again and keep this column as it is.")))
    ship_date = read(value_rows.get("scheduled_ship_date", first_row), values, "scheduled_ship_date", _date)
    delivery_date = read(value_rows.get("scheduled_delivery_date", first_row), values, "scheduled_delivery_date", _date)

    lines = []
    for number, row in group:
        line_problems = len(errors)
        sequence = read(number, row, "line", _quantity)
        if sequence is None and len(errors) == line_problems:
            errors.append(ConfirmationRowError(number, "line", _("The line number is missing.")))
        quantities = {name: read(number, row, name, _quantity) for name in ("accepted", "backordered", "rejected")}
        reason = read(number, row, "rejection_reason", _reason)
        backorder_date = read(number, row, "backorder_date", _date)
        if len(errors) == line_problems:
            lines.append(
                LineConfirmation(
                    sequence=sequence,
                    accepted=quantities["accepted"] or 0,  # blank is none, as on the screen
                    backordered=quantities["backordered"] or 0,
                    rejected=quantities["rejected"] or 0,
                    rejection_reason=reason,
                    backorder_date=backorder_date,
                    ref=number,
                )
            )
    if len(errors) > problems_before:
        return None
    first = group[0][1]
    confirmation = PurchaseOrderConfirmation(
        number=po_number, lines=lines, scheduled_ship_date=ship_date, scheduled_delivery_date=delivery_date, version=version
    )
    file_po = FilePurchaseOrder(
        confirmation=confirmation,
        rows=[number for number, _row in group],
        marketplace=cell_text(first.get("marketplace")),
        ship_to=cell_text(first.get("ship_to")),
        value_rows=value_rows,
    )
    confirmation.ref = file_po
    return file_po


def _row_error(error: FieldError) -> ConfirmationRowError:
    """A service error on the file's row it names: a line's on its own row, the PO's on its first row (or
    the row its value was read from)."""
    code = error.code if error.code != "invalid" else "invalid_row"
    if isinstance(error.ref, FilePurchaseOrder):
        column = PO_FIELD_COLUMNS.get(error.field or "", "po_number")
        return ConfirmationRowError(error.ref.value_rows.get(column, error.ref.rows[0]), column, error.message, code)
    if isinstance(error.ref, int):
        return ConfirmationRowError(error.ref, LINE_FIELD_COLUMNS.get(error.field or "", "line"), error.message, code)
    return ConfirmationRowError(1, "po_number", error.message, code)


def _sorted(errors: list[ConfirmationRowError]) -> list[ConfirmationRowError]:
    return sorted(errors, key=lambda e: (e.row, COLUMN_KEYS.index(e.column) if e.column in COLUMN_KEYS else len(COLUMN_KEYS)))


def read_bulk_confirmation(name: str, content: bytes, *, scope) -> BulkConfirmationResult:
    """Read and check a whole file, as the dry run: nothing is saved."""
    result = BulkConfirmationResult()
    rows = _read_rows(name, content, result)
    groups: dict[str, list[tuple[int, dict]]] = {}
    for number, row in rows:
        po_number = cell_text(row.get("po_number"))
        if not po_number:
            result.errors.append(ConfirmationRowError(number, "po_number", _("The PO number is missing.")))
            continue
        groups.setdefault(po_number, []).append((number, row))
    result.po_count = len(groups)
    for po_number, group in groups.items():
        if not any(cell_text(row.get(column)) for _number, row in group for column in ANSWER_COLUMNS):
            result.skipped.append(po_number)
            continue
        file_po = _purchase_order(po_number, group, result.errors)
        if file_po is not None:
            result.purchase_orders.append(file_po)
    if result.purchase_orders:
        problems = bulk_acknowledgement_errors(scope=scope, confirmations=[po.confirmation for po in result.purchase_orders])
        result.errors.extend(_row_error(problem) for problem in problems)
    elif not result.errors:
        raise UploadError(_("The file confirms no purchase order: fill in accepted, backordered or rejected for every line of the POs to confirm."))
    result.errors = _sorted(result.errors)
    return result


class BulkConfirmationRejected(Exception):
    def __init__(self, errors: list[ConfirmationRowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s)")


def apply_bulk_confirmation(*, result: BulkConfirmationResult, scope, actor) -> list[PurchaseOrder]:
    """Confirm every PO of a checked file in one transaction, through the confirmation service: all, or none."""
    try:
        return purchase_orders_acknowledge_in_bulk(scope=scope, confirmations=[po.confirmation for po in result.purchase_orders], actor=actor)
    except PortalError as error:
        # Someone changed or confirmed one of these POs since the dry run: report it, keep nothing.
        raise BulkConfirmationRejected(_sorted([_row_error(problem) for problem in error.field_errors()])) from error
