"""CSV and XLSX exports of the filtered PO list. Both are built in memory, so both are bounded; the view
refuses an export above the bound and asks for narrower filters."""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from vendor_portal import tables

CSV_MAX_ROWS = 100_000
XLSX_MAX_ROWS = 20_000


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


def _rows(queryset, columns):
    for po in queryset.iterator(chunk_size=500):
        values = _values(po)
        yield [values[key] for key, _label in columns]


def csv_response(queryset, filename: str) -> HttpResponse:
    """The caller checks the row count against CSV_MAX_ROWS first."""
    columns = _columns()
    return tables.csv_response([label for _key, label in columns], _rows(queryset, columns), filename)


def xlsx_response(queryset, filename: str) -> HttpResponse:
    """The caller checks the row count against XLSX_MAX_ROWS first."""
    columns = _columns()
    sheet = tables.Sheet(_("Purchase orders"), [label for _key, label in columns], _rows(queryset, columns), freeze_panes="B2")
    return tables.xlsx_response([sheet], filename)
