"""The rows behind a scorecard figure: the same populations the weekly figures count (scorecards.metrics),
read for the filters' period and scope, each with what it added to the denominator and whether it met the measure."""

from dataclasses import dataclass

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vendor_portal.tenancy import Scope

from . import metrics
from .selectors import ScorecardFilters
from .templatetags.scorecard_tags import when_or_day


@dataclass
class DrillRow:
    reference: str
    url: str
    what: str
    when: object  # a date or datetime
    counted: object
    met: bool
    met_amount: object


def _po(number):
    return reverse("po_detail", args=[number])


def _shipment(pk):
    return reverse("shipment_detail", args=[pk])


def _rows_shipped(qs, window=slice(None)):
    qs = qs.values(
        "shipment_id",
        "shipment__shipment_identifier",
        "purchase_order_line__purchase_order__number",
        "shipment__ship_date",
        "promised",
        "counted",
        "on_time",
    )
    for r in (qs.order_by("shipment__ship_date", "shipment_id", "pk"))[window]:
        yield DrillRow(
            r["shipment__shipment_identifier"],
            _shipment(r["shipment_id"]),
            _("PO %(po)s, promised %(promised)s") % {"po": r["purchase_order_line__purchase_order__number"], "promised": when_or_day(r["promised"])},
            r["shipment__ship_date"],
            r["counted"],
            r["on_time"],
            r["counted"] if r["on_time"] else 0,
        )


def _rows_otif(qs, window=slice(None)):
    qs = qs.values("purchase_order__number", "sequence", "vendor_sku", "purchase_order__delivery_window_end", "due_quantity", "received_in_window")
    for r in (qs.order_by("purchase_order__delivery_window_end", "purchase_order__number", "sequence"))[window]:
        met = r["received_in_window"] >= r["due_quantity"]
        yield DrillRow(
            f"{r['purchase_order__number']} / {r['sequence']}",
            _po(r["purchase_order__number"]),
            _("%(sku)s: %(received)s of %(due)s units received inside the delivery window")
            % {"sku": r["vendor_sku"], "received": r["received_in_window"], "due": r["due_quantity"]},
            r["purchase_order__delivery_window_end"],
            1,
            met,
            1 if met else 0,
        )


def _rows_fill(numerator, denominator, date_field):
    def rows(qs, window=slice(None)):
        qs = qs.values("purchase_order__number", "sequence", "vendor_sku", f"purchase_order__{date_field}", numerator, denominator)
        for r in (qs.order_by(f"purchase_order__{date_field}", "purchase_order__number", "sequence"))[window]:
            yield DrillRow(
                f"{r['purchase_order__number']} / {r['sequence']}",
                _po(r["purchase_order__number"]),
                r["vendor_sku"],
                r[f"purchase_order__{date_field}"],
                r[denominator],
                r[numerator] >= r[denominator],
                r[numerator],
            )

    return rows


def _rows_confirmations(qs, window=slice(None)):
    for r in (qs.values("number", "confirmation_due_at", "acknowledged_at", "on_time").order_by("confirmation_due_at", "number"))[window]:
        what = _("not confirmed") if r["acknowledged_at"] is None else _("confirmed %(when)s") % {"when": when_or_day(r["acknowledged_at"])}
        yield DrillRow(r["number"], _po(r["number"]), what, r["confirmation_due_at"], 1, r["on_time"], 1 if r["on_time"] else 0)


def _rows_cartons(qs, window=slice(None)):
    for r in (
        qs.values("shipment_id", "shipment__shipment_identifier", "sscc", "shipment__received_at", "as_asn").order_by(
            "shipment__received_at", "shipment_id", "index"
        )
    )[window]:
        yield DrillRow(
            r["shipment__shipment_identifier"],
            _shipment(r["shipment_id"]),
            _("carton %(sscc)s") % {"sscc": r["sscc"]},
            r["shipment__received_at"],
            1,
            r["as_asn"],
            1 if r["as_asn"] else 0,
        )


def _label_faults_by_shipment(shipment_ids) -> dict[int, list[str]]:
    """The faulty cartons of these shipments as the row shows them ("label missing: 00…"): one query per page."""
    from shipments.models import ComplianceEvent, ComplianceEventKind

    faults: dict[int, list[str]] = {}
    events = ComplianceEvent.objects.filter(shipment_id__in=shipment_ids, kind__in=metrics.LABEL_EVENTS).order_by("carton__index", "pk")
    for event in events.values("shipment_id", "kind", "carton__sscc", "details__sscc"):
        fault = _("label missing") if event["kind"] == ComplianceEventKind.LABEL_MISSING else _("label unreadable")
        sscc = event["carton__sscc"] or event["details__sscc"] or _("a carton no longer on the ASN")
        faults.setdefault(event["shipment_id"], []).append(_("%(fault)s: %(sscc)s") % {"fault": fault, "sscc": sscc})
    return faults


def _rows_labels(qs, window=slice(None)):
    """One row per shipment: its cartons counted, those without a label fault, and the SSCCs of the faulty ones."""
    rows = list(
        qs.values("pk", "shipment_identifier", "received_at", "label_cartons", "label_met", "label_chargeback").order_by("received_at", "pk")[window]
    )
    faults = _label_faults_by_shipment([r["pk"] for r in rows if r["label_met"] < r["label_cartons"]])
    for r in rows:
        counts = {"met": r["label_met"], "cartons": r["label_cartons"]}
        if r["label_chargeback"]:
            what = (
                ngettext(
                    "label chargeback on the shipment: its carton counted faulty",
                    "label chargeback on the shipment: all %(cartons)s cartons counted faulty",
                    r["label_cartons"],
                )
                % counts
            )
        else:
            what = (
                ngettext(
                    "%(met)s of %(cartons)s carton without a label fault", "%(met)s of %(cartons)s cartons without a label fault", r["label_cartons"]
                )
                % counts
            )
            if r["pk"] in faults:
                what = _("%(counted)s; %(faults)s") % {"counted": what, "faults": ", ".join(faults[r["pk"]])}
        ok = r["label_met"] == r["label_cartons"]
        yield DrillRow(r["shipment_identifier"], _shipment(r["pk"]), what, r["received_at"], r["label_cartons"], ok, r["label_met"])


def _rows_appointments(qs, window=slice(None)):
    for r in (qs.values("pk", "shipment__shipment_identifier", "slot_start", "state", "arrived_late", "kept").order_by("slot_start", "pk"))[window]:
        what = _("missed") if r["state"] == "missed" else (_("arrived late") if r["arrived_late"] else _("arrived in the slot"))
        yield DrillRow(
            r["shipment__shipment_identifier"] or f"#{r['pk']}",
            reverse("appointment_detail", args=[r["pk"]]),
            what,
            r["slot_start"],
            1,
            r["kept"],
            1 if r["kept"] else 0,
        )


def _rows_invoices(qs, window=slice(None)):
    qs = qs.values("invoice_id", "invoice__number", "invoice_line__sequence", "status", "computed_at", "matched", "invoice_line__line_amount")
    for r in (qs.order_by("computed_at", "pk"))[window]:
        yield DrillRow(
            f"{r['invoice__number']} / {r['invoice_line__sequence']}",
            reverse("invoice_detail", args=[r["invoice_id"]]),
            r["status"].replace("_", " "),
            r["computed_at"],
            1,
            r["matched"],
            1 if r["matched"] else 0,
        )


def _choice_label(choices, value: str) -> str:
    """A kind's or reason's name as the deduction pages show it (a value no longer among the choices as it is)."""
    return str(choices(value).label) if value in choices.values else value.replace("_", " ")


def _rows_deductions(amounts: bool):
    from reconciliation.models import DeductionKind, DeductionReason

    def rows(qs, window=slice(None)):
        for r in (qs.values("pk", "kind", "reason", "amount", "currency", "created_at", "disputed").order_by("created_at", "pk"))[window]:
            prefix = {"shortage_claim": "SC", "price_claim": "PC", "chargeback": "CB"}.get(r["kind"], "DD")
            what = f"{_choice_label(DeductionKind, r['kind'])} · {_choice_label(DeductionReason, r['reason'])} · {r['amount']} {r['currency']}"
            counted, met_amount = (r["amount"], r["amount"]) if amounts else (1, 1 if r["disputed"] else 0)
            yield DrillRow(
                f"{prefix}-{r['pk']:06d}",
                reverse("deduction_detail", args=[r["pk"]]),
                what,
                r["created_at"],
                counted,
                amounts or r["disputed"],
                met_amount,
            )

    return rows


# measure -> (population, rows)
DRILLDOWNS = {
    "on_time_shipment": (metrics.shipped_lines, _rows_shipped),
    "otif": (metrics.due_lines, _rows_otif),
    "fill_rate_confirmed": (
        lambda s, e, v: metrics.po_lines("confirmation_due_at", s, e, v),
        _rows_fill("confirmed_units", "ordered_units", "confirmation_due_at"),
    ),
    "fill_rate_shipped": (
        lambda s, e, v: metrics.po_lines("ship_window_end", s, e, v),
        _rows_fill("shipped_units", "confirmed_units", "ship_window_end"),
    ),
    "confirmation_on_time": (metrics.pos_due_confirmation, _rows_confirmations),
    "asn_accuracy": (metrics.received_cartons, _rows_cartons),
    "label_compliance": (metrics.received_shipments, _rows_labels),
    "appointment_adherence": (metrics.due_appointments, _rows_appointments),
    "invoice_match_rate": (metrics.checked_invoice_lines, _rows_invoices),
    "deduction_rate": (metrics.raised_deductions, _rows_deductions(amounts=True)),
    "dispute_rate": (metrics.raised_deductions, _rows_deductions(amounts=False)),
}


def drilldown_queryset(*, scope: Scope, filters: ScorecardFilters, measure: str, missed_only: bool = False):
    """The population behind `measure` for the filters' period, limited to what `scope` may see (fails closed)."""
    population, _rows = DRILLDOWNS[measure]
    start, _ = metrics.week_bounds(filters.first_week)
    _, end = metrics.week_bounds(filters.week)
    if scope is None or (not scope.is_retailer and scope.vendor is None):
        vendor_ids = []
    elif scope.is_retailer:
        vendor_ids = [filters.vendor.pk] if filters.vendor else None
    else:
        vendor_ids = [scope.vendor.pk]
    queryset = population(start, end, vendor_ids)
    if scope is not None and not scope.is_retailer and scope.marketplace_ids is not None:
        queryset = queryset.filter(k_marketplace__in=scope.marketplace_ids)
    if filters.marketplace:
        queryset = queryset.filter(k_marketplace=filters.marketplace.pk)
    if filters.warehouse:
        queryset = queryset.filter(k_warehouse=filters.warehouse.pk)
    if missed_only:
        queryset = queryset.filter(_missed(measure))
    return queryset


def _missed(measure: str) -> Q:
    return {
        "on_time_shipment": Q(on_time=False),
        "otif": Q(received_in_window__lt=F("due_quantity")),
        "fill_rate_confirmed": Q(confirmed_units__lt=F("ordered_units")),
        "fill_rate_shipped": Q(shipped_units__lt=F("confirmed_units")),
        "confirmation_on_time": Q(on_time=False),
        "asn_accuracy": Q(as_asn=False),
        "label_compliance": Q(label_faults__gt=0),
        "appointment_adherence": Q(kept=False),
        "invoice_match_rate": Q(matched=False),
        "deduction_rate": Q(pk__isnull=False),
        "dispute_rate": Q(disputed=True),
    }[measure]


def drilldown_rows(queryset, measure: str, window: slice = slice(None)):
    """DrillRows of `queryset` (from drilldown_queryset), in date order, `window` of them."""
    return list(DRILLDOWNS[measure][1](queryset, window))
