"""CSV and XLSX exports of the filtered PO list. Both are built in memory, so both are bounded; the view
refuses an export above the bound and asks for narrower filters."""

import csv
import datetime
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

CSV_MAX_ROWS = 100_000
XLSX_MAX_ROWS = 20_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _columns():
    return [
        ("number", _("PO number")),
        ("vendor", _("Vendor")),
        ("marketplace", _("Marketplace")),
        ("state", _("State")),
        ("order_type", _("Type")),
        ("order_date", _("Order date")),
        ("ship_to", _("DC")),
        ("ship_window_start", _("Ship window start")),
        ("ship_window_end", _("Ship window end")),
        ("delivery_window_start", _("Delivery window start")),
        ("delivery_window_end", _("Delivery window end")),
        ("confirmation_due_at", _("Confirmation due")),
        ("changed", _("Changed since confirmation")),
        ("line_count", _("Lines")),
        ("ordered_units", _("Ordered units")),
        ("total_cost", _("Total cost")),
        ("currency", _("Currency")),
        ("payment_terms", _("Payment terms")),
        ("promised_ship_date", _("Promised ship date")),
        ("estimated_ship_date", _("Estimated ship date")),
    ]


def _values(po) -> dict:
    return {
        "number": po.number,
        "vendor": po.vendor.code,
        "marketplace": po.marketplace.code,
        "state": po.get_state_display(),
        "order_type": po.get_order_type_display(),
        "order_date": po.order_date,
        "ship_to": po.ship_to.code,
        "ship_window_start": po.ship_window_start,
        "ship_window_end": po.ship_window_end,
        "delivery_window_start": po.delivery_window_start,
        "delivery_window_end": po.delivery_window_end,
        "confirmation_due_at": po.confirmation_due_at,
        "changed": _("yes") if po.has_unconfirmed_changes else _("no"),
        "line_count": po.line_count,
        "ordered_units": po.ordered_units or 0,
        "total_cost": po.total_cost,
        "currency": po.currency,
        "payment_terms": po.get_payment_terms_display(),
        "promised_ship_date": po.promised_ship_date,
        "estimated_ship_date": po.estimated_ship_date,
    }


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(queryset, filename: str) -> HttpResponse:
    """The caller checks the row count against CSV_MAX_ROWS first."""
    columns = _columns()
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow([label for _key, label in columns])
    for po in queryset.iterator(chunk_size=500):
        values = _values(po)
        writer.writerow([_csv_cell(values[key]) for key, _label in columns])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_cell(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    return value


def xlsx_response(queryset, filename: str) -> HttpResponse:
    """The caller checks the row count against XLSX_MAX_ROWS first."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Purchase orders")[:31])
    sheet.freeze_panes = "B2"
    bold = Font(bold=True)
    header = []
    for _key, label in columns:
        cell = WriteOnlyCell(sheet, value=str(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = {"total_cost": "#,##0.00"}
    for key in ("order_date", "ship_window_start", "ship_window_end", "delivery_window_start", "delivery_window_end", "confirmation_due_at"):
        formats[key] = "yyyy-mm-dd hh:mm"
    for key in ("promised_ship_date", "estimated_ship_date"):
        formats[key] = "yyyy-mm-dd"
    for po in queryset.iterator(chunk_size=500):
        values = _values(po)
        row = []
        for key, _label in columns:
            cell = WriteOnlyCell(sheet, value=_xlsx_cell(values[key]))
            if key in formats:
                cell.number_format = formats[key]
            row.append(cell)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
