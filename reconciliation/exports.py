"""CSV and XLSX exports for the payment screens: deductions, remittances (one row per line) and the
payment summary. Built in memory, so bounded: callers check the count against the MAX_ROWS first.

- `deductions_csv(queryset, filename)` / `deductions_xlsx(queryset, filename)`
- `remittances_csv(queryset, filename)` / `remittances_xlsx(queryset, filename)` (queryset of Remittance,
  lines prefetched, e.g. `selectors.remittance_list`)
- `payment_summary_csv(summary, filename)` / `payment_summary_xlsx(summary, filename)` (the dict of
  `selectors.payment_summary`, one sheet per section in XLSX)
"""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from vendor_portal.tables import Sheet, csv_response, xlsx_response

CSV_MAX_ROWS = 100_000
XLSX_MAX_ROWS = 20_000


def _deduction_columns():
    return [
        ("reference", _("Reference")),
        ("vendor", _("Vendor")),
        ("marketplace", _("Marketplace")),
        ("kind", _("Kind")),
        ("reason", _("Reason")),
        ("variance_type", _("Variance")),
        ("amount", _("Amount")),
        ("currency", _("Currency")),
        ("status", _("Status")),
        ("invoice", _("Invoice")),
        ("purchase_order", _("PO")),
        ("reverses", _("Reverses")),
        ("dispute_deadline", _("Dispute by")),
        ("remittance", _("Remittance")),
        ("created_at", _("Raised")),
        ("description", _("Description")),
    ]


def _deduction_values(d) -> dict:
    return {
        "reference": d.reference,
        "vendor": d.vendor.code,
        "marketplace": d.marketplace.code,
        "kind": d.get_kind_display(),
        "reason": d.get_reason_display(),
        "variance_type": d.variance_type,
        "amount": d.amount,
        "currency": d.currency,
        "status": d.get_status_display(),
        "invoice": d.invoice.number if d.invoice_id else "",
        "purchase_order": d.purchase_order.number if d.purchase_order_id else "",
        "reverses": d.reverses.reference if d.reverses_id else "",
        "dispute_deadline": d.dispute_deadline,
        "remittance": d.remittance.number if d.remittance_id else "",
        "created_at": d.created_at,
        "description": d.description,
    }


def _remittance_columns():
    return [
        ("remittance", _("Remittance")),
        ("vendor", _("Vendor")),
        ("marketplace", _("Marketplace")),
        ("pay_date", _("Pay date")),
        ("sequence", _("Line")),
        ("kind", _("Kind")),
        ("reference", _("Reference")),
        ("description", _("Description")),
        ("amount", _("Amount")),
        ("currency", _("Currency")),
        ("net_amount", _("Net paid")),
    ]


def _remittance_rows(queryset):
    for remittance in queryset:
        for line in remittance.lines.all():
            yield {
                "remittance": remittance.number,
                "vendor": remittance.vendor.code,
                "marketplace": remittance.marketplace.code,
                "pay_date": remittance.pay_date,
                "sequence": line.sequence,
                "kind": line.get_kind_display(),
                "reference": line.reference,
                "description": line.description,
                "amount": line.amount,
                "currency": remittance.currency,
                "net_amount": remittance.net_amount,
            }


def _summary_sections(summary: dict) -> list[tuple[str, list[str], list[dict]]]:
    return [
        (_("Open invoices"), ["state", "currency", "count", "amount"], summary["open_invoices"]),
        (_("Aging"), ["bucket", "currency", "count", "amount"], summary["aging"]),
        (
            _("Paid"),
            ["currency", "remittances", "gross_paid", "deductions_total", "reversals_total", "discounts_total", "credit_notes_total", "net_amount"],
            summary["paid"],
        ),
        (_("Credit notes to net"), ["currency", "count", "amount"], summary["open_credit_notes"]),
        (_("Deductions by month"), ["month", "kind", "currency", "count", "amount"], summary["deductions_by_month"]),
        (_("Open disputes"), ["currency", "count", "amount"], summary["open_disputes"]),
        (_("Cash expected by week"), ["week_start", "currency", "count", "amount"], summary["cash_expected_by_week"]),
    ]


def deductions_csv(queryset, filename: str = "deductions") -> HttpResponse:
    columns = _deduction_columns()
    rows = ([values[key] for key, _label in columns] for values in map(_deduction_values, queryset.iterator(chunk_size=500)))
    return csv_response([label for _key, label in columns], rows, filename)


def deductions_xlsx(queryset, filename: str = "deductions") -> HttpResponse:
    columns = _deduction_columns()
    rows = ([values[key] for key, _label in columns] for values in map(_deduction_values, queryset.iterator(chunk_size=500)))
    return xlsx_response([Sheet(_("Deductions"), [label for _key, label in columns], rows)], filename)


def remittances_csv(queryset, filename: str = "remittances") -> HttpResponse:
    columns = _remittance_columns()
    rows = ([values[key] for key, _label in columns] for values in _remittance_rows(queryset))
    return csv_response([label for _key, label in columns], rows, filename)


def remittances_xlsx(queryset, filename: str = "remittances") -> HttpResponse:
    columns = _remittance_columns()
    rows = ([values[key] for key, _label in columns] for values in _remittance_rows(queryset))
    return xlsx_response([Sheet(_("Remittances"), [label for _key, label in columns], rows)], filename)


def payment_summary_csv(summary: dict, filename: str = "payment-summary") -> HttpResponse:
    """One CSV: a `section` column names the part of the summary each row belongs to."""
    header = ["section", "key", "currency", "count", "amount"]
    rows = []
    for title, fields, section_rows in _summary_sections(summary):
        key_field = fields[0] if fields[0] != "currency" else None
        for row in section_rows:
            amount = row.get("amount", row.get("net_amount"))
            count = row.get("count", row.get("remittances"))
            rows.append([str(title), row.get(key_field, "") if key_field else "", row["currency"], count, amount])
    return csv_response(header, rows, filename)


def payment_summary_xlsx(summary: dict, filename: str = "payment-summary") -> HttpResponse:
    sheets = [Sheet(title, fields, [[row.get(field) for field in fields] for row in rows]) for title, fields, rows in _summary_sections(summary)]
    return xlsx_response(sheets, filename)
