"""The PO list's export: its columns, and its rows as the list page filters and sorts them. The core
streams it as CSV or writes it in a job (vendor_portal.services.exports); no size is refused."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vendor_portal import tables
from vendor_portal.roles import Action
from vendor_portal.services.exports import ListExport, register_export

from .models import PaymentTerms, PurchaseOrderState, PurchaseOrderType


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


# Where each column comes from in the list's query (codes through its joins, line totals from its
# annotations), read as plain values: a download of 100,000 POs builds no model instances.
SOURCES = {
    "number": "number",
    "vendor": "vendor__code",
    "marketplace": "marketplace__code",
    "state": "state",
    "order_type": "order_type",
    "order_date": "order_date",
    "ship_to": "ship_to__code",
    "ship_window_start": "ship_window_start",
    "ship_window_end": "ship_window_end",
    "delivery_window_start": "delivery_window_start",
    "delivery_window_end": "delivery_window_end",
    "confirmation_due_at": "confirmation_due_at",
    "changed": "has_unconfirmed_changes",
    "line_count": "line_count",
    "ordered_units": "total_ordered_quantity",
    "total_cost": "total_cost",
    "currency": "currency",
    "payment_terms": "payment_terms",
    "promised_ship_date": "promised_ship_date",
    "estimated_ship_date": "estimated_ship_date",
}


def _shown() -> dict:
    """Stored values as the list shows them: choice labels in the active language, yes/no, 0 units."""
    return {
        "state": tables.choice_labels(PurchaseOrderState.choices),
        "order_type": tables.choice_labels(PurchaseOrderType.choices),
        "payment_terms": tables.choice_labels(PaymentTerms.choices),
        "changed": {True: _("yes"), False: _("no")},
        "ordered_units": {None: 0},
    }


def _rows(queryset, columns):
    shown = [_shown().get(key) for key, _label in columns]
    for values in queryset.values_list(*(SOURCES[key] for key, _label in columns)).iterator(chunk_size=tables.EXPORT_CHUNK_ROWS):
        yield [value if show is None else show.get(value, value) for show, value in zip(shown, values, strict=True)]


def purchase_order_rows(*, scope, params):
    """The list page's own query (filters, sort and line totals), so the file holds what the page shows."""
    from .views import purchase_order_rows as list_rows  # the views import this module

    _filterset, rows, _sort = list_rows(scope, params)
    return rows


def purchase_order_sheet(queryset) -> tables.Sheet:
    columns = _columns()
    return tables.Sheet(_("Purchase orders"), [label for _key, label in columns], _rows(queryset, columns), freeze_panes="B2")


PURCHASE_ORDERS = register_export(
    ListExport(
        name="purchase_orders",
        title=gettext_lazy("Purchase orders"),
        action=Action.VIEW_PURCHASE_ORDERS,
        filename="purchase-orders",
        list_url="po_list",
        csv_url="po_export_csv",
        rows=purchase_order_rows,
        sheet=purchase_order_sheet,
    )
)
