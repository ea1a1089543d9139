"""CSV and XLSX of the scorecard: one row per stored week (vendor, marketplace, DC) of the period, with every
numerator, denominator and rate, so a spreadsheet can re-sum any trailing window itself."""

from django.utils.translation import gettext as _

from vendor_portal.tables import Sheet, csv_stream_response, xlsx_response

from . import metrics

KEY_COLUMNS = ["week", "vendor_code", "marketplace", "dc"]
KEY_FIELDS = ["week", "vendor__code", "marketplace__code", "warehouse__code"]


def _columns() -> list[str]:
    return KEY_COLUMNS + list(metrics.FIGURE_FIELDS) + list(metrics.MEASURES)


def _rows(weeks):
    for row in weeks.order_by("week", "vendor__code", "marketplace__code", "warehouse__code").values(*KEY_FIELDS, *metrics.FIGURE_FIELDS).iterator():
        rates = [metrics.rate(row, name) for name in metrics.MEASURES]
        yield [row[f] for f in KEY_FIELDS] + [row[f] for f in metrics.FIGURE_FIELDS] + rates


def scorecard_csv(weeks, filename: str):
    return csv_stream_response(_columns(), _rows(weeks), filename)


def scorecard_xlsx(weeks, filename: str):
    return xlsx_response([Sheet(_("Scorecard weeks"), _columns(), list(_rows(weeks)), freeze_panes="A2")], filename)
