"""CSV and XLSX downloads of the filtered forecasts, one row per product, marketplace and week.

The columns start with the upload's own (vendor_sku, asin, marketplace, week_start, mean, p70, p80, p90),
so a buyer can download, adjust and upload again; the extra columns are ignored by the upload.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vendor_portal import tables
from vendor_portal.roles import Action
from vendor_portal.services.exports import ListExport, register_export

from . import selectors

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


def forecast_rows(*, scope, params):
    """The upcoming forecast weeks as the list filters them (a filter that cannot be applied raises DomainValidationError)."""
    return selectors.forecast_list(scope=scope, params=params, upcoming_only=True)


def forecast_sheet(queryset) -> tables.Sheet:
    # Plain values: openpyxl gives dates and date-times their own number formats (published_at in local time).
    rows = queryset.values_list(*FIELDS).iterator(chunk_size=tables.EXPORT_CHUNK_ROWS)
    return tables.Sheet(_("Forecasts"), COLUMNS, rows, freeze_panes="A2", number_formats=False)


FORECASTS = register_export(
    ListExport(
        name="forecasts",
        title=gettext_lazy("Forecasts"),
        action=Action.VIEW_PLANNING,
        filename="forecasts",
        list_url="forecast_list",
        csv_url="forecast_export_csv",
        rows=forecast_rows,
        sheet=forecast_sheet,
    )
)
