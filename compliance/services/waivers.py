"""Where a waiver's trailing rate will stand at the end of a week, for every measure a waiver can name.

A waiver holds while a measure over its trailing window passes its threshold. The window's figures so far are
the scorecard's stored weeks (`measures.scorecard_totals`); on top of them come the open items due in the
window: the units promised to ship, the PO lines due to arrive, the POs due to be confirmed, the trucks due at
their slot, the shipments due to be received (for label compliance, their cartons). Each item says what it adds
to the denominator when it is not done in time (`counted`: nothing when the scorecard counts it already, e.g. an
OTIF line due this week) and to the numerator when it is (`met`). From that:

- `value_if_not`: the rate at the window's end if none of the open items is done in time;
- `value_if_done`: if every item still doable (due today or later) is done in time;
- `needed`: the fewest items (the biggest first) that keep the waiver, each with the day it is due.

- `waiver_projection(waiver, *, vendor, marketplace, week, today, violation)` -> `WaiverProjection`
- `open_shipments(vendor, marketplace, start, end)`: the units promised to ship in [start, end) not on an ASN yet
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from appointments.models import Appointment, AppointmentState
from purchase_orders.models import PurchaseOrderState
from scorecards import metrics
from shipments.models import Shipment, ShipmentState

from .. import measures
from ..models import Comparison, Measure, ViolationKind

OPEN_TO_SHIP = (PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED)


@dataclass
class OpenItem:
    """Something due in a waiver's window and not done yet."""

    verb: str  # see forecast.VERB_LABELS
    due: datetime.date  # the last day it can be done in time (the marketplace's day)
    counted: int  # added to the denominator when it is not done in time (0: counted already)
    met: int  # added to the numerator when it is done in time
    units: int = 0
    purchase_order_id: int | None = None
    purchase_order_number: str = ""
    shipment_id: int | None = None
    shipment_identifier: str = ""
    appointment_id: int | None = None
    # The violation it would be, for the rule that charges that kind (its fee is avoided by doing it).
    violation_kind: str = ""
    violation: measures.Violation | None = None


@dataclass
class WaiverProjection:
    waiver: object
    start: datetime.date
    end: datetime.date  # exclusive
    value_now: Decimal | None  # the window's rate with what is counted so far
    value_if_done: Decimal | None
    value_if_not: Decimal | None
    needed: list[OpenItem] = field(default_factory=list)  # the fewest doable items that keep the waiver
    open_items: list[OpenItem] = field(default_factory=list)

    def _holds(self, value) -> bool:
        return value is not None and Comparison(self.waiver.comparison).holds(value, self.waiver.threshold)

    @property
    def holds_if_not(self) -> bool:
        return self._holds(self.value_if_not)

    @property
    def holds_if_done(self) -> bool:
        return self._holds(self.value_if_done)

    @property
    def keepable(self) -> bool:
        """Not kept whatever happens, but kept if the `needed` items are done in time."""
        return not self.holds_if_not and self.holds_if_done and bool(self.needed)


def _utc(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), datetime.UTC)


def _scoped(queryset, vendor, marketplace):
    return queryset.filter(k_vendor=vendor.pk, k_marketplace=marketplace.pk)


# What is open, per measure ---------------------------------------------------------------------------------
def open_shipments(vendor, marketplace, start, end) -> list[OpenItem]:
    """on_time_shipment: accepted units not yet on an ASN, of POs whose promised ship date falls in the window.
    Shipped late they count in the denominator only."""
    from purchase_orders.models import PurchaseOrderLine

    items = []
    lines = (
        PurchaseOrderLine.objects.for_vendor(vendor)
        .filter(purchase_order__marketplace=marketplace, purchase_order__state__in=OPEN_TO_SHIP, accepted_quantity__gt=F("shipped_quantity"))
        .select_related("purchase_order")
        .order_by("purchase_order__number", "sequence")
    )
    for line in lines:
        promised = measures.promised_ship_date(line.purchase_order)
        if not start <= promised < end:
            continue
        quantity = line.accepted_quantity - line.shipped_quantity
        units = quantity * line.unit_size
        order = line.purchase_order
        violation = measures.Violation(f"po_line:{line.pk}", units, quantity * line.net_cost, order.pk, order.number)
        items.append(
            OpenItem(
                "ship",
                promised,
                counted=units,
                met=units,
                units=units,
                purchase_order_id=order.pk,
                purchase_order_number=order.number,
                violation_kind=ViolationKind.LATE_SHIPMENT,
                violation=violation,
            )
        )
    return items


def _open_deliveries(vendor, marketplace, start, end) -> list[OpenItem]:
    """otif: PO lines whose delivery window ends in the window, not yet received in full (counted due already)."""
    lines = _scoped(metrics.due_lines(_utc(start), _utc(end), [vendor.pk]), vendor, marketplace).filter(received_in_window__lt=F("due_quantity"))
    rows = lines.values(
        "pk",
        "sequence",
        "purchase_order_id",
        "purchase_order__number",
        "purchase_order__delivery_window_end",
        "due_quantity",
        "received_in_window",
        "unit_size",
        "net_cost",
    ).order_by("purchase_order__delivery_window_end", "purchase_order__number", "sequence")
    items = []
    for row in rows:
        missing = row["due_quantity"] - row["received_in_window"]
        items.append(
            OpenItem(
                "deliver",
                measures.local_date(marketplace, row["purchase_order__delivery_window_end"]),
                counted=0,
                met=1,
                units=missing * row["unit_size"],
                purchase_order_id=row["purchase_order_id"],
                purchase_order_number=row["purchase_order__number"],
                violation_kind=ViolationKind.OTIF,
                violation=measures.Violation(
                    f"po_line:{row['pk']}",
                    missing * row["unit_size"],
                    missing * row["net_cost"],
                    row["purchase_order_id"],
                    row["purchase_order__number"],
                    details={"line": row["sequence"], "due": row["due_quantity"], "received_in_window": row["received_in_window"]},
                ),
            )
        )
    return items


def _open_confirmations(in_full: bool):
    def items(vendor, marketplace, start, end) -> list[OpenItem]:
        """fill_rate_confirmed / confirmation_on_time: POs due to be confirmed in the window, not confirmed yet
        (counted due already); confirmed in full (or on time) they add their units (or one PO) to the numerator."""
        lines = _scoped(metrics.po_lines("confirmation_due_at", _utc(start), _utc(end), [vendor.pk]), vendor, marketplace).filter(
            purchase_order__state=PurchaseOrderState.NEW
        )
        by_po: dict[int, OpenItem] = {}
        for row in lines.values("purchase_order_id", "purchase_order__number", "purchase_order__confirmation_due_at", "ordered_units").order_by(
            "purchase_order__confirmation_due_at", "purchase_order__number", "sequence"
        ):
            item = by_po.setdefault(
                row["purchase_order_id"],
                OpenItem(
                    "confirm" if in_full else "confirm_on_time",
                    measures.local_date(marketplace, row["purchase_order__confirmation_due_at"]),
                    counted=0,
                    met=0 if in_full else 1,
                    purchase_order_id=row["purchase_order_id"],
                    purchase_order_number=row["purchase_order__number"],
                ),
            )
            item.units += row["ordered_units"]
            if in_full:
                item.met += row["ordered_units"]
        return list(by_po.values())

    return items


def _open_fills(vendor, marketplace, start, end) -> list[OpenItem]:
    """fill_rate_shipped: confirmed units not yet shipped, of POs whose ship window ends in the window."""
    lines = _scoped(metrics.po_lines("ship_window_end", _utc(start), _utc(end), [vendor.pk]), vendor, marketplace).filter(
        purchase_order__state__in=OPEN_TO_SHIP, shipped_units__lt=F("confirmed_units")
    )
    by_po: dict[int, OpenItem] = {}
    for row in lines.values("purchase_order_id", "purchase_order__number", "purchase_order__ship_window_end", "confirmed_units", "shipped_units"):
        item = by_po.setdefault(
            row["purchase_order_id"],
            OpenItem(
                "ship",
                measures.local_date(marketplace, row["purchase_order__ship_window_end"]),
                counted=0,
                met=0,
                purchase_order_id=row["purchase_order_id"],
                purchase_order_number=row["purchase_order__number"],
            ),
        )
        item.units += row["confirmed_units"] - row["shipped_units"]
        item.met = item.units
    return sorted(by_po.values(), key=lambda item: (item.due, item.purchase_order_number))


def _open_asns(vendor, marketplace, start, end) -> list[OpenItem]:
    """asn_accuracy: shipments on their way (ASN submitted, not received yet) due to arrive in the window
    (their estimated arrival, else their ship date): their cartons count once received."""
    from django.db.models import Count
    from django.db.models.functions import Coalesce

    shipments = (
        Shipment.objects.for_vendor(vendor)
        .filter(marketplace=marketplace, state__in=(ShipmentState.SUBMITTED, ShipmentState.RECEIVING))
        .annotate(arrival=Coalesce("estimated_arrival", "ship_date"), carton_count=Count("cartons"))
        .filter(arrival__gte=start, arrival__lt=end, carton_count__gt=0)
        .order_by("arrival", "pk")
    )
    return [
        OpenItem(
            "deliver_as_asn",
            shipment.arrival,
            counted=shipment.carton_count,
            met=shipment.carton_count,
            units=shipment.carton_count,
            shipment_id=shipment.pk,
            shipment_identifier=shipment.shipment_identifier,
            # Worst case the DC receives it other than the ASN says: one more receipt mismatch.
            violation_kind=ViolationKind.ASN_MISMATCH,
            violation=measures.Violation(
                f"shipment:{shipment.pk}", 0, Decimal(0), shipment_id=shipment.pk, shipment_identifier=shipment.shipment_identifier
            ),
        )
        for shipment in shipments
    ]


def _open_labels(vendor, marketplace, start, end) -> list[OpenItem]:
    """label_compliance: shipments on their way due to arrive in the window (as `_open_asns`), in cartons: each
    carton counts once received, without a label fault if its label scans. One with no carton records counts one,
    as the scorecard counts it."""
    from django.db.models import Count
    from django.db.models.functions import Coalesce

    shipments = (
        Shipment.objects.for_vendor(vendor)
        .filter(marketplace=marketplace, state__in=(ShipmentState.SUBMITTED, ShipmentState.RECEIVING))
        .annotate(arrival=Coalesce("estimated_arrival", "ship_date"), carton_count=Count("cartons"))
        .filter(arrival__gte=start, arrival__lt=end)
        .order_by("arrival", "pk")
    )
    return [
        OpenItem(
            "deliver_labelled",
            shipment.arrival,
            counted=max(shipment.carton_count, 1),
            met=max(shipment.carton_count, 1),
            units=max(shipment.carton_count, 1),
            shipment_id=shipment.pk,
            shipment_identifier=shipment.shipment_identifier,
        )
        for shipment in shipments
    ]


def _open_appointments(vendor, marketplace, start, end) -> list[OpenItem]:
    """appointment_adherence: booked slots in the window the truck has not come to yet (not due until then)."""
    appointments = (
        Appointment.objects.for_vendor(vendor)
        .filter(
            warehouse__marketplace=marketplace,
            state__in=(AppointmentState.REQUESTED, AppointmentState.CONFIRMED),
            slot_start__gte=_utc(start),
            slot_start__lt=_utc(end),
        )
        .select_related("shipment")
        .order_by("slot_start", "pk")
    )
    return [
        OpenItem(
            "arrive",
            measures.local_date(marketplace, appointment.slot_start),
            counted=1,
            met=1,
            shipment_id=appointment.shipment_id,
            shipment_identifier=appointment.shipment.shipment_identifier if appointment.shipment else "",
            appointment_id=appointment.pk,
            # Worst case the truck misses its slot: one more late or missed appointment.
            violation_kind=ViolationKind.APPOINTMENT,
            violation=measures.Violation(
                f"appointment:{appointment.pk}",
                0,
                Decimal(0),
                shipment_id=appointment.shipment_id,
                shipment_identifier=appointment.shipment.shipment_identifier if appointment.shipment else "",
            ),
        )
        for appointment in appointments
    ]


OPEN_ITEMS: dict[str, Callable] = {
    Measure.ON_TIME_RATE: open_shipments,
    Measure.OTIF: _open_deliveries,
    Measure.FILL_RATE: _open_confirmations(in_full=True),
    Measure.FILL_RATE_SHIPPED: _open_fills,
    Measure.CONFIRMATION_ON_TIME: _open_confirmations(in_full=False),
    Measure.ASN_ACCURACY: _open_asns,
    Measure.LABEL_COMPLIANCE: _open_labels,
    Measure.APPOINTMENT_ADHERENCE: _open_appointments,
}


@dataclass
class RateProjection:
    """A rate measure over [start, end) at the end of the window: so far, if the open items are done in time, if not."""

    numerator: int
    total: int  # the denominator once every open item is counted
    value_now: Decimal | None
    value_if_done: Decimal | None
    value_if_not: Decimal | None
    items: list[OpenItem]
    doable: list[OpenItem]  # due today or later


def rate_projection(measure: str, *, vendor, marketplace, start: datetime.date, end: datetime.date, today: datetime.date) -> RateProjection:
    spec = metrics.MEASURES[measure]
    totals = measures.scorecard_totals(vendor, marketplace, start, end)
    numerator, denominator = getattr(totals, spec.numerator), getattr(totals, spec.denominator)
    items = OPEN_ITEMS[measure](vendor, marketplace, start, end)
    if denominator is None:  # a stored week does not know the figure yet: no projection rather than a wrong one
        return RateProjection(0, 0, None, None, None, items, [])
    total = denominator + sum(item.counted for item in items)
    doable = [item for item in items if item.due >= today]
    return RateProjection(
        numerator,
        total,
        value_now=measures.ratio(numerator, denominator),
        value_if_done=measures.ratio(numerator + sum(item.met for item in doable), total),
        value_if_not=measures.ratio(numerator, total),
        items=items,
        doable=doable,
    )


def waiver_projection(
    waiver, *, vendor, marketplace, week: datetime.date, today: datetime.date | None = None, violation: str = ""
) -> WaiverProjection:
    """The waiver's trailing window ending with the week starting `week`, at the week's end (`violation`: the
    rule's, for a waiver on its count of violations)."""
    today = today or timezone.localdate()
    start, end = measures.window(week, waiver.trailing_weeks)
    if waiver.measure not in OPEN_ITEMS:  # a count of violations: nothing to project
        value = measures.measure_value(waiver.measure, vendor=vendor, marketplace=marketplace, start=start, end=end, violation=violation)
        return WaiverProjection(waiver, start, end, value, value, value)
    rate = rate_projection(waiver.measure, vendor=vendor, marketplace=marketplace, start=start, end=end, today=today)
    projection = WaiverProjection(waiver, start, end, rate.value_now, rate.value_if_done, rate.value_if_not, open_items=rate.items)
    if projection.holds_if_not or not projection.holds_if_done:
        return projection
    # The fewest items that keep it: the biggest contributions first, the earliest among equals.
    kept = rate.numerator
    for item in sorted(rate.doable, key=lambda item: (-item.met, item.due)):
        projection.needed.append(item)
        kept += item.met
        if projection._holds(measures.ratio(kept, rate.total)):
            break
    projection.needed.sort(key=lambda item: (item.due, item.purchase_order_number, item.shipment_identifier))
    return projection
