"""What a rule is judged by: the measure over a window of weeks, and the violations (the objects a fee is
charged for) of one week. Weeks are the scorecard's: Monday 00:00 UTC to the next; calendar dates (a ship
date, a promised ship date) count in the week that holds them.

- `week_start(day)`, `window(week, trailing_weeks)`: the Monday of a day's week; the dates [start, end) of a
  trailing window ending with the week starting `week`.
- `measure_value(measure, vendor, marketplace, start, end, violation)`: the rate in percent (or a count),
  None when there is nothing to measure (no units shipped). Rates are the scorecard's (scorecards/metrics.py):
  its stored weeks' numerators and denominators summed over the window, then divided.
- `violations(violation, vendor, marketplace, week)`: each a `Violation` with its object key, units, cost of
  goods and what to show (PO number, shipment). A label fault is charged per carton ("carton:12"): its units,
  and their cost at the PO's net cost.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Prefetch, Sum
from django.utils import timezone

from purchase_orders.models import PurchaseOrderLine, PurchaseOrderState
from scorecards import metrics
from shipments.models import CartonItem, ComplianceEvent, ShipmentLine, ShipmentState

from .models import VIOLATION_EVENTS, Measure, ViolationKind

WEEK = datetime.timedelta(days=7)
HUNDRED = Decimal(100)
SHIPPED_STATES = (ShipmentState.SUBMITTED, ShipmentState.RECEIVING, ShipmentState.RECEIVED)


def week_start(day: datetime.date) -> datetime.date:
    return metrics.week_start(day)


def window(week: datetime.date, trailing_weeks: int) -> tuple[datetime.date, datetime.date]:
    return week - WEEK * (trailing_weeks - 1), week + WEEK


def _zone(marketplace):
    try:
        return zoneinfo.ZoneInfo(marketplace.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return datetime.datetime.combine(start, datetime.time(), datetime.UTC), datetime.datetime.combine(end, datetime.time(), datetime.UTC)


def local_date(marketplace, moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, _zone(marketplace)).date()


def promised_ship_date(purchase_order) -> datetime.date:
    """The date the vendor promised to ship by: its confirmation's date, else the (UTC) day its ship window ends."""
    return purchase_order.promised_ship_date or purchase_order.ship_window_end.astimezone(datetime.UTC).date()


@dataclass
class Violation:
    key: str  # what the charge is for, unique within a rule and week: "po_line:12", "event:7"
    units: int
    cost_of_goods: Decimal
    purchase_order_id: int | None = None
    purchase_order_number: str = ""
    shipment_id: int | None = None
    shipment_identifier: str = ""
    compliance_event_id: int | None = None
    details: dict = field(default_factory=dict)

    def as_evidence(self) -> dict:
        return {
            "object": self.key,
            "units": self.units,
            "cost_of_goods": str(self.cost_of_goods),
            "purchase_order": self.purchase_order_number or None,
            "shipment": self.shipment_identifier or None,
            **self.details,
        }


# The scorecard's figures ---------------------------------------------------------------------------
def scorecard_totals(vendor, marketplace, start: datetime.date, end: datetime.date) -> metrics.Totals:
    """The scorecard's numerators and denominators for the vendor in the marketplace, summed over the weeks of
    [start, end) and every DC: read from the stored weeks (`ScorecardWeek`), a week missing or computed before it
    ended being recomputed first through the scorecard's own service, so the figures equal a recomputation."""
    from scorecards.services.weeks import scorecard_vendor_totals

    return scorecard_vendor_totals(vendor_id=vendor.pk, marketplace_id=marketplace.pk, first_week=start, last_week=end - WEEK)


def scorecard_rate(measure: str, vendor, marketplace, start, end) -> Decimal | None:
    spec = metrics.MEASURES[measure]
    totals = scorecard_totals(vendor, marketplace, start, end)
    return ratio(getattr(totals, spec.numerator), getattr(totals, spec.denominator))


# On-time shipment ---------------------------------------------------------------------------------
def shipped_lines(vendor, marketplace, start: datetime.date, end: datetime.date):
    """Units on ASNs shipping in [start, end), each with whether it left by the promised ship date."""
    lines = (
        ShipmentLine.objects.for_vendor(vendor)
        .filter(
            shipment__marketplace=marketplace,
            shipment__state__in=SHIPPED_STATES,
            shipment__ship_date__gte=start,
            shipment__ship_date__lt=end,
        )
        .select_related("shipment", "purchase_order_line__purchase_order")
        .order_by("shipment__ship_date", "id")
    )
    for line in lines:
        purchase_order = line.purchase_order_line.purchase_order
        promised = promised_ship_date(purchase_order)
        yield line, promised, line.shipment.ship_date <= promised


def on_time_counts(vendor, marketplace, start, end) -> tuple[int, int]:
    """(units shipped by the promised date, units shipped), in eaches: the scorecard's on-time shipment."""
    totals = scorecard_totals(vendor, marketplace, start, end)
    return totals.units_shipped_on_time, totals.units_shipped


def _late_shipments(vendor, marketplace, week) -> list[Violation]:
    by_po_line: dict[int, Violation] = {}
    for line, promised, in_time in shipped_lines(vendor, marketplace, week, week + WEEK):
        if in_time:
            continue
        po_line = line.purchase_order_line
        purchase_order = po_line.purchase_order
        violation = by_po_line.setdefault(
            po_line.pk,
            Violation(
                key=f"po_line:{po_line.pk}",
                units=0,
                cost_of_goods=Decimal(0),
                purchase_order_id=purchase_order.pk,
                purchase_order_number=purchase_order.number,
                shipment_id=line.shipment_id,
                shipment_identifier=line.shipment.shipment_identifier,
                details={"promised_ship_date": promised.isoformat(), "shipped_on": line.shipment.ship_date.isoformat()},
            ),
        )
        violation.units += line.quantity * po_line.unit_size
        violation.cost_of_goods += line.quantity * po_line.net_cost
    return list(by_po_line.values())


# On time in full ---------------------------------------------------------------------------------
def _otif_misses(vendor, marketplace, week) -> list[Violation]:
    """PO lines whose delivery window ended in the week and whose units did not all arrive inside it (the lines
    the scorecard's OTIF counts due and not on time in full), charged for the units missing."""
    from shipments.models import ReceiptLine

    low, high = _bounds(week, week + WEEK)
    lines = (
        PurchaseOrderLine.objects.for_vendor(vendor)
        .filter(purchase_order__marketplace=marketplace, purchase_order__delivery_window_end__gte=low, purchase_order__delivery_window_end__lt=high)
        .exclude(purchase_order__state=PurchaseOrderState.CANCELLED)
        .filter(ordered_quantity__gt=F("cancelled_quantity"))
        .select_related("purchase_order")
        .order_by("purchase_order__number", "sequence")
    )
    found = []
    for line in lines:
        order = line.purchase_order
        opened = order.delivery_window_start or order.order_date
        received = (
            ReceiptLine.objects.filter(
                shipment_line__purchase_order_line=line, receipt__received_at__gte=opened, receipt__received_at__lte=order.delivery_window_end
            ).aggregate(total=Sum("quantity"))["total"]
            or 0
        )
        missing = line.ordered_quantity - line.cancelled_quantity - received
        if missing > 0:
            found.append(
                Violation(
                    key=f"po_line:{line.pk}",
                    units=missing * line.unit_size,
                    cost_of_goods=missing * line.net_cost,
                    purchase_order_id=order.pk,
                    purchase_order_number=order.number,
                    details={"line": line.sequence, "due": line.ordered_quantity - line.cancelled_quantity, "received_in_window": received},
                )
            )
    return found


# Fill rate ----------------------------------------------------------------------------------------
def due_lines(vendor, marketplace, start, end):
    """PO lines whose confirmation was due in [start, end): what the vendor was asked to fill. A PO cancelled
    before anyone confirmed it is not counted (the scorecard's fill rate, confirmed)."""
    low, high = _bounds(start, end)
    return (
        PurchaseOrderLine.objects.for_vendor(vendor)
        .filter(purchase_order__marketplace=marketplace, purchase_order__confirmation_due_at__gte=low, purchase_order__confirmation_due_at__lt=high)
        .exclude(purchase_order__state=PurchaseOrderState.CANCELLED, purchase_order__acknowledged_at__isnull=True)
        .select_related("purchase_order")
        .order_by("purchase_order__confirmation_due_at", "purchase_order__number", "sequence")
    )


def fill_counts(vendor, marketplace, start, end) -> tuple[int, int]:
    """(units confirmed, units ordered less the buyer's cancellations), in eaches: the scorecard's fill rate, confirmed."""
    totals = scorecard_totals(vendor, marketplace, start, end)
    return totals.units_confirmed, totals.units_ordered


def _not_filled(vendor, marketplace, week) -> list[Violation]:
    found = []
    for line in due_lines(vendor, marketplace, week, week + WEEK):
        if line.purchase_order.state == PurchaseOrderState.NEW:
            continue  # not answered yet: confirmed (or cancelled) before it counts
        units = line.ordered_quantity - line.cancelled_quantity - line.accepted_quantity
        if units > 0:
            found.append(
                Violation(
                    key=f"po_line:{line.pk}",
                    units=units * line.unit_size,
                    cost_of_goods=units * line.net_cost,
                    purchase_order_id=line.purchase_order_id,
                    purchase_order_number=line.purchase_order.number,
                    details={"line": line.sequence, "ordered": line.ordered_quantity, "confirmed": line.accepted_quantity},
                )
            )
    return found


# Compliance events --------------------------------------------------------------------------------
def _events(vendor, marketplace, violation, start, end):
    low, high = _bounds(start, end)
    return (
        ComplianceEvent.objects.for_vendor(vendor)
        .filter(kind__in=VIOLATION_EVENTS[violation], shipment__marketplace=marketplace, occurred_at__gte=low, occurred_at__lt=high)
        .select_related("shipment")
        .order_by("occurred_at", "id")
    )


def _event_violations(vendor, marketplace, violation, week) -> list[Violation]:
    found = []
    for event in _events(vendor, marketplace, violation, week, week + WEEK):
        # A receipt mismatch names its PO line and both quantities: the units and their cost are the difference.
        units, cost = 0, Decimal(0)
        if "shipped" in event.details and "received" in event.details:
            units = abs(int(event.details["shipped"]) - int(event.details["received"]))
            line = (
                PurchaseOrderLine.objects.for_vendor(vendor)
                .filter(purchase_order__number=event.details.get("purchase_order"), sequence=event.details.get("line"))
                .first()
            )
            cost = units * line.net_cost if line is not None else cost
        found.append(
            Violation(
                key=f"event:{event.pk}",
                units=units,
                cost_of_goods=cost,
                shipment_id=event.shipment_id,
                shipment_identifier=event.shipment.shipment_identifier if event.shipment else "",
                compliance_event_id=event.pk,
                details={"event": event.kind, "occurred_at": event.occurred_at.isoformat()},
            )
        )
    return found


# Label faults ------------------------------------------------------------------------------------
def _label_faults(vendor, marketplace, week) -> list[Violation]:
    """Cartons whose label the DC reported missing or unreadable in the week, one violation per carton: its units
    (eaches) and their cost at the PO's net cost."""
    items = CartonItem.objects.select_related("shipment_line__purchase_order_line__purchase_order")
    events = _events(vendor, marketplace, ViolationKind.LABEL, week, week + WEEK).select_related("carton")
    found: dict[str, Violation] = {}
    for event in events.prefetch_related(Prefetch("carton__items", queryset=items)):
        key = f"carton:{event.carton_id}" if event.carton_id else f"event:{event.pk}"
        if key in found:
            continue  # one fault per carton
        units, cost, orders = 0, Decimal(0), {}
        for item in event.carton.items.all() if event.carton_id else ():
            po_line = item.shipment_line.purchase_order_line
            units += item.quantity * po_line.unit_size
            cost += item.quantity * po_line.net_cost
            orders[po_line.purchase_order_id] = po_line.purchase_order.number
        found[key] = Violation(
            key=key,
            units=units,
            cost_of_goods=cost,
            purchase_order_id=next(iter(orders)) if len(orders) == 1 else None,
            purchase_order_number=", ".join(sorted(orders.values())),
            shipment_id=event.shipment_id,
            shipment_identifier=event.shipment.shipment_identifier if event.shipment else "",
            compliance_event_id=event.pk,
            details={"event": event.kind, "occurred_at": event.occurred_at.isoformat(), "sscc": event.details.get("sscc", "")},
        )
    return list(found.values())


FINDERS = {
    ViolationKind.LATE_SHIPMENT: _late_shipments,
    ViolationKind.OTIF: _otif_misses,
    ViolationKind.NOT_FILLED: _not_filled,
    ViolationKind.LABEL: _label_faults,
}


# The two doors ------------------------------------------------------------------------------------
def ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (HUNDRED * numerator / denominator).quantize(Decimal("0.0001"))


def measure_value(measure: str, *, vendor, marketplace, start, end, violation: str = "") -> Decimal | None:
    if measure in metrics.MEASURES:
        return scorecard_rate(measure, vendor, marketplace, start, end)
    if measure == Measure.VIOLATIONS:
        finder = FINDERS.get(ViolationKind(violation))
        if finder is None:  # one violation per event
            return Decimal(_events(vendor, marketplace, violation, start, end).count())
        count, week = 0, start
        while week < end:
            count += len(finder(vendor, marketplace, week))
            week += WEEK
        return Decimal(count)
    raise ValueError(measure)


def violations(violation: str, *, vendor, marketplace, week: datetime.date) -> list[Violation]:
    finder = FINDERS.get(ViolationKind(violation))
    if finder is not None:
        return finder(vendor, marketplace, week)
    return _event_violations(vendor, marketplace, violation, week)
