"""CSV and XLSX exports for the payment screens: the deduction and remittance lists (one row per
remittance line), one remittance, and the payment summary.

- `DEDUCTIONS`, `REMITTANCES` — the lists' exports (registered with the core, which streams the CSV and
  writes the XLSX in a job, at any size).
- `remittances_csv(queryset, filename)` / `remittances_xlsx(queryset, filename)` — one remittance's lines,
  answered at once (a queryset of Remittance, lines prefetched, e.g. `selectors.remittance_list`)
- `payment_summary_csv(summary, filename)` / `payment_summary_xlsx(summary, filename)` (the dict of
  `selectors.payment_summary`, a handful of rows: one sheet per section in XLSX)
"""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vendor_portal import tables
from vendor_portal.roles import Action
from vendor_portal.services.exports import ListExport, register_export
from vendor_portal.tables import Sheet, csv_stream_response, xlsx_response

from . import selectors
from .forms import DeductionFilterForm, RemittanceFilterForm
from .models import Deduction, DeductionKind, DeductionReason, DeductionStatus, RemittanceLine, RemittanceLineKind


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


# Read as plain values: a download of 200,000 deductions builds no model instances.
DEDUCTION_FIELDS = (
    "id",
    "kind",
    "vendor__code",
    "marketplace__code",
    "reason",
    "variance_type",
    "amount",
    "currency",
    "status",
    "invoice__number",
    "purchase_order__number",
    "reverses_id",
    "reverses__kind",
    "dispute_deadline",
    "remittance__number",
    "created_at",
    "description",
)


def _reference(kind: str, pk: int) -> str:
    return f"{Deduction.REFERENCE_PREFIX.get(kind, 'DD')}-{pk:06d}"  # as Deduction.reference


def _deduction_rows(queryset):
    kinds = tables.choice_labels(DeductionKind.choices)
    reasons = tables.choice_labels(DeductionReason.choices)
    statuses = tables.choice_labels(DeductionStatus.choices)
    for d in queryset.values(*DEDUCTION_FIELDS).iterator(chunk_size=tables.EXPORT_CHUNK_ROWS):
        yield {
            "reference": _reference(d["kind"], d["id"]),
            "vendor": d["vendor__code"],
            "marketplace": d["marketplace__code"],
            "kind": kinds.get(d["kind"], d["kind"]),
            "reason": reasons.get(d["reason"], d["reason"]),
            "variance_type": d["variance_type"],
            "amount": d["amount"],
            "currency": d["currency"],
            "status": statuses.get(d["status"], d["status"]),
            "invoice": d["invoice__number"] or "",
            "purchase_order": d["purchase_order__number"] or "",
            "reverses": _reference(d["reverses__kind"], d["reverses_id"]) if d["reverses_id"] else "",
            "dispute_deadline": d["dispute_deadline"],
            "remittance": d["remittance__number"] or "",
            "created_at": d["created_at"],
            "description": d["description"],
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
    kinds = tables.choice_labels(RemittanceLineKind.choices)
    for remittance in queryset.iterator(chunk_size=tables.EXPORT_CHUNK_ROWS):  # the lines are prefetched per chunk
        for line in remittance.lines.all():
            yield {
                "remittance": remittance.number,
                "vendor": remittance.vendor.code,
                "marketplace": remittance.marketplace.code,
                "pay_date": remittance.pay_date,
                "sequence": line.sequence,
                "kind": kinds.get(line.kind, line.kind),
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


def _values_in(columns, rows):
    return ([values[key] for key, _label in columns] for values in rows)


def deduction_rows(*, scope, params):
    """The deduction list as its page filters it (a filter value that is not valid is dropped, as there)."""
    return selectors.deduction_list(scope=scope, filters=DeductionFilterForm(params or None, scope=scope).filters())


def deduction_sheet(queryset) -> Sheet:
    columns = _deduction_columns()
    rows = _values_in(columns, _deduction_rows(queryset))
    return Sheet(_("Deductions"), [label for _key, label in columns], rows)


def remittance_rows(*, scope, params):
    return selectors.remittance_list(scope=scope, filters=RemittanceFilterForm(params or None, scope=scope).filters())


def remittance_sheet(queryset) -> Sheet:
    columns = _remittance_columns()
    return Sheet(_("Remittances"), [label for _key, label in columns], _values_in(columns, _remittance_rows(queryset)))


def _remittance_line_count(queryset) -> int:
    return RemittanceLine.objects.filter(remittance__in=queryset.order_by().values("pk")).count()


DEDUCTIONS = register_export(
    ListExport(
        name="deductions",
        title=gettext_lazy("Deductions"),
        action=Action.VIEW_PAYMENTS,
        filename="deductions",
        list_url="deduction_list",
        csv_url="deduction_export_csv",
        rows=deduction_rows,
        sheet=deduction_sheet,
    )
)
REMITTANCES = register_export(
    ListExport(
        name="remittances",
        title=gettext_lazy("Remittances"),
        action=Action.VIEW_PAYMENTS,
        filename="remittances",
        list_url="remittance_list",
        csv_url="remittance_export_csv",
        rows=remittance_rows,
        sheet=remittance_sheet,
        count=_remittance_line_count,
    )
)


def remittances_csv(queryset, filename: str = "remittances"):
    sheet = remittance_sheet(queryset)
    return csv_stream_response(sheet.header, sheet.rows, filename)


def remittances_xlsx(queryset, filename: str = "remittances") -> HttpResponse:
    return xlsx_response([remittance_sheet(queryset)], filename)


def payment_summary_csv(summary: dict, filename: str = "payment-summary"):
    """One CSV: a `section` column names the part of the summary each row belongs to."""
    header = ["section", "key", "currency", "count", "amount"]
    rows = []
    for title, fields, section_rows in _summary_sections(summary):
        key_field = fields[0] if fields[0] != "currency" else None
        for row in section_rows:
            amount = row.get("amount", row.get("net_amount"))
            count = row.get("count", row.get("remittances"))
            rows.append([str(title), row.get(key_field, "") if key_field else "", row["currency"], count, amount])
    return csv_stream_response(header, rows, filename)


def payment_summary_xlsx(summary: dict, filename: str = "payment-summary") -> HttpResponse:
    sheets = [Sheet(title, fields, [[row.get(field) for field in fields] for row in rows]) for title, fields, rows in _summary_sections(summary)]
    return xlsx_response(sheets, filename)
