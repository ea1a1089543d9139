"""The scorecard's measures: what each figure counts, for one week, per vendor, marketplace and DC.

Weeks
    A week runs from Monday 00:00 UTC to the next Monday 00:00 UTC (`week_start(day)` gives its Monday).
    UTC, not the marketplace's time zone, so that one week is one index range over every vendor and DC and a
    set-based aggregate needs no per-row time-zone arithmetic; a DC's Sunday-evening event in the Americas
    may fall in the next week. Calendar dates (a shipment's ship date, a promised ship date) are taken as
    they are. A timestamp-less date field counts in the week that contains that date.

Figures
    Every measure is a numerator over a denominator, both kept (`WeeklyFigures`), so that a rate over
    several weeks, DCs or marketplaces is the sum of numerators over the sum of denominators, never an average
    of rates. Units are eaches: a line's quantity times its unit size (cases of 6 count 6 per case).
    The key of a row is (vendor, marketplace, DC): the PO's ship-to DC, or the shipment's.

    on_time_shipment      units shipped on or before the promised ship date / units shipped.
                          Shipped: ASN lines of shipments submitted, receiving or received, in the week of
                          the shipment's ship date. Promised: the PO's promised ship date, or the last day of
                          its ship window when the vendor gave none.
    otif                  PO lines delivered on time in full / PO lines due.
                          Due: lines of POs (not cancelled) whose delivery window ends in the week, with
                          ordered minus buyer-cancelled units above zero. On time in full: the units the DC
                          received inside the delivery window (receipts from its start to its end) reach
                          that quantity. Lines of POs without a delivery window are not due.
    fill_rate_confirmed   units confirmed (accepted) / units ordered less those the buyer cancelled,
                          for POs whose confirmation deadline falls in the week.
    fill_rate_shipped     units shipped / units confirmed, for POs whose ship window ends in the week.
    confirmation_on_time  POs confirmed by their deadline / POs whose confirmation deadline falls in the
                          week. A PO the buyer cancelled before its deadline and before any confirmation is
                          not due.
    asn_accuracy          cartons received as the ASN said / cartons received, for shipments whose
                          receiving finished in the week. A carton is received as the ASN said when every ASN
                          line it holds was received in exactly the ASN's quantity (no over, no short).
    label_compliance      cartons received without a label fault / cartons received, for shipments whose
                          receiving finished in the week (the way retailers measure it, and what the rate
                          card's label fee charges: per carton). A carton is faulty when the DC reported its
                          label missing or unreadable (a label compliance event names it); a label
                          non-compliance chargeback raised for the shipment itself (one that names no
                          compliance event, e.g. AP's by hand) makes every carton of it faulty. Chargebacks
                          raised for an event (reconciliation's flat rate, the rate card's label rule) are
                          about that event's carton, counted already. Cartons are the ASN's: a shipment the
                          DC counted by lines instead of scanning still has them; one with no carton records
                          counts as one carton. The shipments are kept too (`shipments_label_compliant`).
    appointment_adherence trucks that arrived inside their booked slot (with the DC's grace) /
                          appointments that came due: arrived or missed, by the slot's start.
    invoice_match_rate    invoice lines matched (matched, or under-billed: paid as billed) / invoice lines
                          matched or over tolerance, by when the 3-way match ran. Lines waiting for a receipt
                          are not counted yet.
    deduction_rate        amount deducted / amount invoiced, in the marketplace's currency: shortage and
                          price claims and chargebacks raised in the week (by their PO's or shipment's DC)
                          over the line amounts of the invoice lines whose match ran in the week.
                          Lower is better. Deductions tied to no PO or shipment have no DC and are left out.
    dispute_rate          deductions disputed / deductions raised (the same deductions as above, counted).
                          Lower is better.

Usage
    figures = compute_week(week_start(day), vendor_ids=[...])   # a few grouped queries, whatever the volume
    rate(figures[0], "otif")                                    # Decimal in 0..1, or None when nothing was due
    rate(sum_figures(rows), "otif")                             # trailing windows: sum first, then divide
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, DateField, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.db.models.lookups import LessThan
from django.utils.translation import gettext_lazy as _

WEEK = datetime.timedelta(days=7)
TRAILING_WINDOWS = (1, 4, 13, 52)  # weeks: the page's and the API's periods


def week_start(day: datetime.date | datetime.datetime) -> datetime.date:
    """The Monday (UTC) of the week holding `day`; an aware datetime is converted to UTC first."""
    if isinstance(day, datetime.datetime):
        if day.tzinfo is not None:
            day = day.astimezone(datetime.UTC)
        day = day.date()
    return day - datetime.timedelta(days=day.weekday())


def week_bounds(monday: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the week as aware UTC datetimes."""
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=datetime.UTC)
    return start, start + WEEK


def trailing_weeks(last_week: datetime.date, weeks: int) -> list[datetime.date]:
    """The Mondays of the `weeks` weeks ending with `last_week`, oldest first."""
    last_week = week_start(last_week)
    return [last_week - WEEK * (weeks - 1 - n) for n in range(weeks)]


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    numerator: str
    denominator: str
    definition: str
    higher_is_better: bool = True


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in [
        Measure(
            "on_time_shipment",
            _("On-time shipment"),
            "units_shipped_on_time",
            "units_shipped",
            _("Units shipped on or before the promised ship date, of the units shipped in the week."),
        ),
        Measure(
            "otif",
            _("On time in full (OTIF)"),
            "lines_on_time_in_full",
            "lines_due",
            _("PO lines whose ordered units all arrived inside the delivery window, of the lines whose window ended in the week."),
        ),
        Measure(
            "fill_rate_confirmed",
            _("Fill rate: confirmed"),
            "units_confirmed",
            "units_ordered",
            _("Units confirmed, of the units ordered on POs whose confirmation was due in the week."),
        ),
        Measure(
            "fill_rate_shipped",
            _("Fill rate: shipped"),
            "units_shipped_of_confirmed",
            "units_confirmed_to_ship",
            _("Units shipped, of the units confirmed on POs whose ship window ended in the week."),
        ),
        Measure(
            "confirmation_on_time",
            _("Confirmation on time"),
            "pos_confirmed_on_time",
            "pos_due_confirmation",
            _("POs confirmed by their deadline, of the POs whose confirmation was due in the week."),
        ),
        Measure(
            "asn_accuracy",
            _("ASN accuracy"),
            "cartons_as_asn",
            "cartons_received",
            _("Cartons received exactly as the ASN said, of the cartons whose receiving finished in the week."),
        ),
        Measure(
            "label_compliance",
            _("Label compliance"),
            "label_cartons_compliant",
            "label_cartons_received",
            _(
                "Cartons received with no label reported missing or unreadable and no label chargeback on their shipment, "
                "of the cartons received in the week."
            ),
        ),
        Measure(
            "appointment_adherence",
            _("Appointment adherence"),
            "appointments_kept",
            "appointments_due",
            _("Trucks that arrived inside their booked slot, of the appointments due in the week (arrived or missed)."),
        ),
        Measure(
            "invoice_match_rate",
            _("Invoice match rate"),
            "invoice_lines_matched",
            "invoice_lines_checked",
            _("Invoice lines that matched PO cost and receipts, of the lines matched in the week."),
        ),
        Measure(
            "deduction_rate",
            _("Deduction rate"),
            "amount_deducted",
            "amount_invoiced",
            _("Claims and chargebacks raised in the week, as a share of the amount invoiced on lines matched in the week."),
            higher_is_better=False,
        ),
        Measure(
            "dispute_rate",
            _("Dispute rate"),
            "deductions_disputed",
            "deductions_raised",
            _("Deductions raised in the week that the vendor disputed, of the deductions raised in the week."),
            higher_is_better=False,
        ),
    ]
}

COUNT_FIELDS = (
    "units_shipped",
    "units_shipped_on_time",
    "lines_due",
    "lines_on_time_in_full",
    "units_ordered",
    "units_confirmed",
    "units_confirmed_to_ship",
    "units_shipped_of_confirmed",
    "pos_due_confirmation",
    "pos_confirmed_on_time",
    "cartons_received",
    "cartons_as_asn",
    "shipments_received",
    "shipments_label_compliant",
    "label_cartons_received",
    "label_cartons_compliant",
    "appointments_due",
    "appointments_kept",
    "invoice_lines_checked",
    "invoice_lines_matched",
    "deductions_raised",
    "deductions_disputed",
)
AMOUNT_FIELDS = ("amount_invoiced", "amount_deducted")
FIGURE_FIELDS = COUNT_FIELDS + AMOUNT_FIELDS
# Weeks stored before label compliance counted cartons hold NULL here until recomputed: unknown, never read as 0.
UNKNOWN_UNTIL_RECOMPUTED = ("label_cartons_received", "label_cartons_compliant")


@dataclass
class Totals:
    """Figures summed over any set of rows (weeks, DCs, marketplaces): what `rate` reads."""

    units_shipped: int = 0
    units_shipped_on_time: int = 0
    lines_due: int = 0
    lines_on_time_in_full: int = 0
    units_ordered: int = 0
    units_confirmed: int = 0
    units_confirmed_to_ship: int = 0
    units_shipped_of_confirmed: int = 0
    pos_due_confirmation: int = 0
    pos_confirmed_on_time: int = 0
    cartons_received: int = 0
    cartons_as_asn: int = 0
    shipments_received: int = 0
    shipments_label_compliant: int = 0
    label_cartons_received: int | None = 0  # None: a stored week from before cartons were counted (unknown)
    label_cartons_compliant: int | None = 0
    appointments_due: int = 0
    appointments_kept: int = 0
    invoice_lines_checked: int = 0
    invoice_lines_matched: int = 0
    deductions_raised: int = 0
    deductions_disputed: int = 0
    amount_invoiced: Decimal = Decimal("0.00")
    amount_deducted: Decimal = Decimal("0.00")


@dataclass(kw_only=True)
class WeeklyFigures(Totals):
    """Numerators and denominators of every measure for one vendor, marketplace, DC and week."""

    vendor_id: int
    marketplace_id: int
    warehouse_id: int
    week: datetime.date

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.vendor_id, self.marketplace_id, self.warehouse_id)

    def figures(self) -> dict:
        return {name: getattr(self, name) for name in FIGURE_FIELDS}


def sum_figures(rows: Iterable) -> Totals:
    """Sum numerators and denominators of WeeklyFigures, ScorecardWeek rows or dicts of the figure fields."""
    totals = Totals()
    for row in rows:
        for name in FIGURE_FIELDS:
            value = row[name] if isinstance(row, dict) else getattr(row, name)
            so_far = getattr(totals, name)
            if name in UNKNOWN_UNTIL_RECOMPUTED and (value is None or so_far is None):
                setattr(totals, name, None)
            else:
                setattr(totals, name, so_far + (value or 0))
    return totals


def figure_sums() -> dict:
    """Aggregates summing each figure over stored weeks; a figure some week does not know yet sums to None."""
    sums = {name: Sum(name) for name in FIGURE_FIELDS}
    for name in UNKNOWN_UNTIL_RECOMPUTED:
        sums[name] = Case(When(LessThan(Count(name), Count("pk")), then=Value(None)), default=Coalesce(Sum(name), 0), output_field=IntegerField())
    return sums


def rate(figures, measure: str) -> Decimal | None:
    """The measure's numerator over its denominator (0..1, four decimals), None when the denominator is 0 or unknown."""
    spec = MEASURES[measure]
    get = figures.get if isinstance(figures, dict) else lambda name: getattr(figures, name)
    denominator = get(spec.denominator)
    if not denominator:  # nothing counted, or not known (a week stored before the measure counted it)
        return None
    return (Decimal(get(spec.numerator) or 0) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# The queries ---------------------------------------------------------------------------------------------
# Each measure's population is a row-level queryset (the shipment lines, PO lines, POs, cartons... behind it)
# annotated with its key (k_vendor, k_marketplace, k_warehouse), what it adds to the denominator (`counted`)
# and to the numerator (`met`). The weekly figures group it by key: one query per source table, so a week
# costs a handful of index range scans whatever the number of vendors. The drill-down lists the same rows.

SHIPPED_STATES = ("submitted", "receiving", "received")
LABEL_REASONS = ("label_non_compliance",)
LABEL_EVENTS = ("label_missing", "label_unreadable")  # shipments.LABEL_EVENT_KINDS
DEDUCTION_KINDS = ("shortage_claim", "price_claim", "chargeback")


def _keyed(queryset, vendor: str, marketplace: str, warehouse: str, vendor_ids):
    queryset = queryset.annotate(k_vendor=F(vendor), k_marketplace=F(marketplace), k_warehouse=F(warehouse))
    if vendor_ids is not None:
        queryset = queryset.filter(**{f"{vendor}__in": vendor_ids})
    return queryset


def shipped_lines(start, end, vendor_ids=None):
    """ASN lines shipped in [start, end): counted = units, met = units when shipped by the promised date."""
    from shipments.models import ShipmentLine

    po = "purchase_order_line__purchase_order__"
    lines = ShipmentLine.objects.filter(shipment__state__in=SHIPPED_STATES, shipment__ship_date__gte=start.date(), shipment__ship_date__lt=end.date())
    units = F("quantity") * F("purchase_order_line__unit_size")
    promised = Coalesce(F(po + "promised_ship_date"), Cast(F(po + "ship_window_end"), DateField()))
    return _keyed(lines, "shipment__vendor_id", "shipment__marketplace_id", "shipment__ship_to_id", vendor_ids).annotate(
        promised=promised, counted=units, on_time=Q(shipment__ship_date__lte=promised)
    )


def due_lines(start, end, vendor_ids=None):
    """PO lines whose delivery window ends in [start, end), with the units received inside the window."""
    from purchase_orders.models import PurchaseOrderLine
    from shipments.models import ReceiptLine

    received_in_window = (
        ReceiptLine.objects.filter(
            shipment_line__purchase_order_line=OuterRef("pk"),
            receipt__received_at__lte=OuterRef("purchase_order__delivery_window_end"),
            # a window without a start opens with the order
            receipt__received_at__gte=Coalesce(OuterRef("purchase_order__delivery_window_start"), OuterRef("purchase_order__order_date")),
        )
        .values("shipment_line__purchase_order_line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    lines = (
        PurchaseOrderLine.objects.filter(purchase_order__delivery_window_end__gte=start, purchase_order__delivery_window_end__lt=end)
        .exclude(purchase_order__state="cancelled")
        .filter(ordered_quantity__gt=F("cancelled_quantity"))
    )
    return _keyed(lines, "purchase_order__vendor_id", "purchase_order__marketplace_id", "purchase_order__ship_to_id", vendor_ids).annotate(
        due_quantity=F("ordered_quantity") - F("cancelled_quantity"),
        received_in_window=Coalesce(Subquery(received_in_window, output_field=IntegerField()), 0),
    )


def po_lines(lookup: str, start, end, vendor_ids=None):
    """Lines of POs whose `lookup` date falls in [start, end) (POs cancelled unconfirmed left out)."""
    from purchase_orders.models import PurchaseOrderLine

    lines = PurchaseOrderLine.objects.filter(**{f"purchase_order__{lookup}__gte": start, f"purchase_order__{lookup}__lt": end}).exclude(
        purchase_order__state="cancelled", purchase_order__acknowledged_at__isnull=True
    )
    return _keyed(lines, "purchase_order__vendor_id", "purchase_order__marketplace_id", "purchase_order__ship_to_id", vendor_ids).annotate(
        ordered_units=(F("ordered_quantity") - F("cancelled_quantity")) * F("unit_size"),
        confirmed_units=F("accepted_quantity") * F("unit_size"),
        shipped_units=F("shipped_quantity") * F("unit_size"),
    )


def pos_due_confirmation(start, end, vendor_ids=None):
    """POs whose confirmation deadline falls in [start, end)."""
    from purchase_orders.models import PurchaseOrder

    pos = PurchaseOrder.objects.filter(confirmation_due_at__gte=start, confirmation_due_at__lt=end).exclude(
        # the buyer cancelled it before the deadline and before any confirmation: nothing was due
        state="cancelled",
        acknowledged_at__isnull=True,
        state_changed_at__lt=F("confirmation_due_at"),
    )
    return _keyed(pos, "vendor_id", "marketplace_id", "ship_to_id", vendor_ids).annotate(
        on_time=Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("confirmation_due_at"))
    )


def _received_shipments(start, end):
    from shipments.models import Shipment

    return Shipment.objects.filter(state="received", received_at__gte=start, received_at__lt=end)


def received_cartons(start, end, vendor_ids=None):
    """Cartons of shipments whose receiving finished in [start, end); `as_asn` when none of their ASN lines was received over or short."""
    from shipments.models import Carton, CartonItem, ReceiptLine

    received = (
        ReceiptLine.objects.filter(shipment_line=OuterRef("shipment_line")).values("shipment_line").annotate(total=Sum("quantity")).values("total")
    )
    off_lines = (
        CartonItem.objects.filter(carton=OuterRef("pk"))
        .annotate(received=Coalesce(Subquery(received, output_field=IntegerField()), 0))
        .exclude(received=F("shipment_line__quantity"))
    )
    cartons = Carton.objects.filter(shipment__in=_received_shipments(start, end))
    return _keyed(cartons, "shipment__vendor_id", "shipment__marketplace_id", "shipment__ship_to_id", vendor_ids).annotate(as_asn=~Exists(off_lines))


def received_shipments(start, end, vendor_ids=None):
    """Shipments whose receiving finished in [start, end), with their label compliance in cartons:
    `label_cartons` counted (its cartons, at least one), `label_faults` of them faulty, `label_met` the others,
    `label_chargeback` when a label chargeback was raised for the shipment itself (all its cartons faulty).
    A fault whose chargeback was given back in full (the vendor's dispute won) is no fault."""
    from reconciliation.models import Deduction
    from shipments.models import Carton, ComplianceEvent

    cartons = Carton.objects.filter(shipment=OuterRef("pk")).values("shipment").annotate(n=Count("pk")).values("n")
    withdrawn = Deduction.objects.filter(compliance_event=OuterRef("pk"), reversed_amount__gte=F("amount"))
    # A label event names its carton; one whose carton is gone (kept with its SSCC in the details) still counts one.
    faulty = (
        ComplianceEvent.objects.filter(shipment=OuterRef("pk"), kind__in=LABEL_EVENTS)
        .exclude(Exists(withdrawn))
        .values("shipment")
        .annotate(n=Count("carton", distinct=True) + Count("pk", filter=Q(carton__isnull=True)))
        .values("n")
    )
    shipment_chargeback = Deduction.objects.filter(
        shipment=OuterRef("pk"), kind="chargeback", reason__in=LABEL_REASONS, compliance_event__isnull=True, reversed_amount__lt=F("amount")
    )
    # Received without carton records (an ASN from before cartons, counted by lines): one carton, so the
    # shipment still counts and a fault on it still shows.
    counted = Greatest(Coalesce(Subquery(cartons, output_field=IntegerField()), 0), Value(1))
    shipments = _keyed(_received_shipments(start, end), "vendor_id", "marketplace_id", "ship_to_id", vendor_ids).annotate(
        label_cartons=counted,
        label_chargeback=Exists(shipment_chargeback),
    )
    named = Least(Coalesce(Subquery(faulty, output_field=IntegerField()), 0), F("label_cartons"))
    shipments = shipments.annotate(label_faults=Case(When(label_chargeback=True, then=F("label_cartons")), default=named))
    return shipments.annotate(label_met=F("label_cartons") - F("label_faults"))


def due_appointments(start, end, vendor_ids=None):
    """Appointments whose slot started in [start, end) and that came due (arrived or missed)."""
    from appointments.models import Appointment

    appointments = Appointment.objects.filter(state__in=("arrived", "missed"), slot_start__gte=start, slot_start__lt=end)
    return _keyed(appointments, "vendor_id", "warehouse__marketplace_id", "warehouse_id", vendor_ids).annotate(
        kept=Q(state="arrived", arrived_late=False)
    )


def checked_invoice_lines(start, end, vendor_ids=None):
    """3-way match results computed in [start, end) (waiting for receipt left out)."""
    from reconciliation.models import MatchResult

    results = MatchResult.objects.filter(
        computed_at__gte=start,
        computed_at__lt=end,
        status__in=("matched", "under_billed", "over_tolerance"),
        invoice_line__purchase_order_line__isnull=False,
    )
    po = "invoice_line__purchase_order_line__purchase_order__"
    return _keyed(results, po + "vendor_id", po + "marketplace_id", po + "ship_to_id", vendor_ids).annotate(
        matched=Q(status__in=("matched", "under_billed"))
    )


def raised_deductions(start, end, vendor_ids=None):
    """Claims and chargebacks raised in [start, end) with a DC (their PO's, else their shipment's)."""
    from reconciliation.models import Deduction, Dispute

    deductions = Deduction.objects.filter(created_at__gte=start, created_at__lt=end, kind__in=DEDUCTION_KINDS)
    deductions = deductions.annotate(dc=Coalesce(F("purchase_order__ship_to_id"), F("shipment__ship_to_id"))).filter(dc__isnull=False)
    return _keyed(deductions, "vendor_id", "marketplace_id", "dc", vendor_ids).annotate(
        disputed=Exists(Dispute.objects.filter(deduction=OuterRef("pk")))
    )


def _grouped(queryset, **aggregates):
    return queryset.values("k_vendor", "k_marketplace", "k_warehouse").order_by().annotate(**aggregates)


def _sum_if(expression, condition):
    return Coalesce(Sum(expression, filter=condition), 0)


def _weekly_queries(start, end, vendor_ids):
    yield _grouped(shipped_lines(start, end, vendor_ids), units_shipped=Sum("counted"), units_shipped_on_time=_sum_if("counted", Q(on_time=True)))
    yield _grouped(
        due_lines(start, end, vendor_ids),
        lines_due=Count("pk"),
        lines_on_time_in_full=Count("pk", filter=Q(received_in_window__gte=F("due_quantity"))),
    )
    yield _grouped(
        po_lines("confirmation_due_at", start, end, vendor_ids), units_ordered=Sum("ordered_units"), units_confirmed=Sum("confirmed_units")
    )
    yield _grouped(
        po_lines("ship_window_end", start, end, vendor_ids),
        units_confirmed_to_ship=Sum("confirmed_units"),
        units_shipped_of_confirmed=Sum("shipped_units"),
    )
    yield _grouped(
        pos_due_confirmation(start, end, vendor_ids), pos_due_confirmation=Count("pk"), pos_confirmed_on_time=Count("pk", filter=Q(on_time=True))
    )
    yield _grouped(received_cartons(start, end, vendor_ids), cartons_received=Count("pk"), cartons_as_asn=Count("pk", filter=Q(as_asn=True)))
    yield _grouped(
        received_shipments(start, end, vendor_ids),
        shipments_received=Count("pk"),
        shipments_label_compliant=Count("pk", filter=Q(label_faults=0)),
        label_cartons_received=Sum("label_cartons"),
        label_cartons_compliant=Sum("label_met"),
    )
    yield _grouped(due_appointments(start, end, vendor_ids), appointments_due=Count("pk"), appointments_kept=Count("pk", filter=Q(kept=True)))
    yield _grouped(
        checked_invoice_lines(start, end, vendor_ids),
        invoice_lines_checked=Count("pk"),
        invoice_lines_matched=Count("pk", filter=Q(matched=True)),
        amount_invoiced=Sum("invoice_line__line_amount"),
    )
    yield _grouped(
        raised_deductions(start, end, vendor_ids),
        deductions_raised=Count("pk"),
        deductions_disputed=Count("pk", filter=Q(disputed=True)),
        amount_deducted=Sum("amount"),
    )


def compute_week(monday: datetime.date, vendor_ids: Iterable[int] | None = None) -> list[WeeklyFigures]:
    """Every (vendor, marketplace, DC) with anything to count in the week starting `monday`, with its figures.

    `vendor_ids` limits the work to some vendors (None: all). Keys with nothing to count have no row.
    """
    monday = week_start(monday)
    start, end = week_bounds(monday)
    vendor_ids = list(vendor_ids) if vendor_ids is not None else None
    rows: dict[tuple, WeeklyFigures] = {}
    for query in _weekly_queries(start, end, vendor_ids):
        for row in query:
            key = (row.pop("k_vendor"), row.pop("k_marketplace"), row.pop("k_warehouse"))
            figures = rows.get(key)
            if figures is None:
                figures = rows[key] = WeeklyFigures(vendor_id=key[0], marketplace_id=key[1], warehouse_id=key[2], week=monday)
            for name, value in row.items():
                setattr(figures, name, value if value is not None else getattr(figures, name))
    return sorted(rows.values(), key=lambda f: f.key)


def empty_figures() -> dict:
    return {f.name: f.default for f in dataclasses.fields(Totals)}
