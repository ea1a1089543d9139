"""Response examples of /api/v1/scorecards/, shown in /api/docs/: the hand-computed week of the tests."""

from drf_spectacular.utils import OpenApiExample

FIGURES = {
    "units_shipped": 222,
    "units_shipped_on_time": 162,
    "lines_due": 4,
    "lines_on_time_in_full": 1,
    "units_ordered": 240,
    "units_confirmed": 228,
    "units_confirmed_to_ship": 228,
    "units_shipped_of_confirmed": 222,
    "pos_due_confirmation": 4,
    "pos_confirmed_on_time": 3,
    "cartons_received": 8,
    "cartons_as_asn": 6,
    "shipments_received": 4,
    "shipments_label_compliant": 3,
    "label_cartons_received": 8,
    "label_cartons_compliant": 6,
    "appointments_due": 3,
    "appointments_kept": 1,
    "invoice_lines_checked": 0,
    "invoice_lines_matched": 0,
    "deductions_raised": 1,
    "deductions_disputed": 0,
    "amount_invoiced": "0.00",
    "amount_deducted": "50.00",
}
RATES = {
    "on_time_shipment": "0.7297",
    "otif": "0.2500",
    "fill_rate_confirmed": "0.9500",
    "fill_rate_shipped": "0.9737",
    "confirmation_on_time": "0.7500",
    "asn_accuracy": "0.7500",
    "label_compliance": "0.7500",
    "appointment_adherence": "0.3333",
    "invoice_match_rate": None,
    "deduction_rate": None,
    "dispute_rate": "0.0000",
}
WEEK_ROW = {
    "id": 311,
    "week": "2026-11-02",
    "vendor_code": "ACME",
    "marketplace": "US",
    "dc": "ABE2",
    **FIGURES,
    "rates": RATES,
    "computed_at": "2026-11-09T03:15:04Z",
}
WEEK_PAGE = OpenApiExample("A page of scorecard weeks (one row shown)", response_only=True, status_codes=["200"], value=WEEK_ROW)
WEEK = OpenApiExample("A scorecard week", response_only=True, status_codes=["200"], value=WEEK_ROW)
SUMMARY = OpenApiExample(
    "Trailing 4 weeks",
    response_only=True,
    status_codes=["200"],
    value={
        "first_week": "2026-10-12",
        "last_week": "2026-11-02",
        "period": 4,
        "figures": {name: f"{value}.00" if isinstance(value, int) else value for name, value in FIGURES.items()},
        "rates": RATES,
    },
)
