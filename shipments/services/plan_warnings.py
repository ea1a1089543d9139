"""What a ship plan may do but its author should know, and where it stands against its POs' ship windows:
a ship date before a window opens, past the cutoff, backordered units shipped before the date the vendor gave
for them. Past a window is refused by the plan's own checks (plans._check_plan)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PurchaseOrderLine

from ..models import Shipment
from ._common import _zone

# A ship plan this close to the end of its POs' ship window gets a warning; past the window it is refused.
CUTOFF_BEFORE_WINDOW_END = datetime.timedelta(days=2)


class PlanWarning(str):
    """Something a ship plan may do but its author should know (late, early, backordered units): the message,
    and like a FieldError the line (`ref`) and `field` it is about and a `code`, so a screen shows it in place."""

    def __new__(cls, message, *, ref=None, field: str | None = None, code: str = "warning"):
        warning = super().__new__(cls, str(message))
        warning.ref, warning.field, warning.code = ref, field, code
        return warning


def ship_window_check(*, po, ship_date: datetime.date | None, time_zone: str, now: datetime.datetime) -> str:
    """Where a ship plan stands against a PO's ship window: "closed" (the window has passed),
    "ship_date_past_window" (the plan would ship after it closes), "before_window" (allowed, but the ship
    date is before the window opens), "cutoff" (allowed, but within CUTOFF_BEFORE_WINDOW_END of its end)
    or "ok". Dates are local to the DC (its `time_zone`)."""
    zone = _zone(time_zone)
    if now > po.ship_window_end:
        return "closed"
    if ship_date is not None and ship_date > timezone.localdate(po.ship_window_end, timezone=zone):
        return "ship_date_past_window"
    if ship_date is not None and ship_date < timezone.localdate(po.ship_window_start, timezone=zone):
        return "before_window"
    cutoff = po.ship_window_end - CUTOFF_BEFORE_WINDOW_END
    if now > cutoff or (ship_date is not None and ship_date > timezone.localdate(cutoff, timezone=zone)):
        return "cutoff"
    return "ok"


def backordered_units(po_line: PurchaseOrderLine, quantity: int) -> int:
    """How many of `quantity` units are backordered ones: what ships now comes out of the accepted units first."""
    accepted_open = max(0, po_line.accepted_quantity - po_line.shipped_quantity)
    return max(0, min(quantity, po_line.open_to_ship) - accepted_open)


def backorder_warning(po_line: PurchaseOrderLine, *, quantity: int, ship_date, label: str, ref=None) -> PlanWarning | None:
    """A warning when a plan ships backordered units before the date the vendor said they would be there."""
    backordered = backordered_units(po_line, quantity or 0)
    if not backordered or po_line.backorder_date is None or ship_date is None or ship_date >= po_line.backorder_date:
        return None
    return PlanWarning(
        _("%(line)s: %(n)s of these units are backordered; you said they would be available on %(date)s, after the ship date %(ship_date)s.")
        % {"line": label, "n": backordered, "date": po_line.backorder_date, "ship_date": ship_date},
        ref=ref,
        field="quantity",
        code="backorder_before_available",
    )


def _plan_warnings(po_line, *, quantity: int, ship_date, window: str, zone, ref, warned: set) -> list[PlanWarning]:
    """What a plan line may do but its author should know: a ship date before its PO's ship window opens
    (once per PO: `warned` holds the POs already warned about), past the cutoff, backordered units
    shipped before the date given for them."""
    po = po_line.purchase_order
    label = _("PO %(number)s line %(n)s") % {"number": po.number, "n": po_line.sequence}
    out = []
    if window == "before_window" and po.pk not in warned:
        warned.add(po.pk)
        out.append(
            PlanWarning(
                _("Ship date %(date)s is before the ship window of PO %(number)s opens (%(start)s).")
                % {"date": ship_date, "number": po.number, "start": timezone.localdate(po.ship_window_start, timezone=zone)},
                field="ship_date",
                code="ship_date_before_window",
            )
        )
    elif window == "cutoff":
        out.append(
            PlanWarning(
                _("%(line)s: past the cutoff; the ship window closes on %(end)s.") % {"line": label, "end": timezone.localdate(po.ship_window_end)},
                ref=ref,
                field="purchase_order_line",
                code="past_cutoff",
            )
        )
    warning = backorder_warning(po_line, quantity=quantity, ship_date=ship_date, label=label, ref=ref)
    if warning is not None:
        out.append(warning)
    return out


def shipment_plan_warnings(*, shipment: Shipment) -> list[PlanWarning]:
    """The warnings the plan as saved gets (reads only), for the step before its ASN is submitted."""
    zone, now, warned, out = _zone(shipment.ship_to.time_zone), timezone.now(), set(), []
    for line in shipment.lines.select_related("purchase_order_line__purchase_order").order_by("pk"):
        po_line = line.purchase_order_line
        window = ship_window_check(po=po_line.purchase_order, ship_date=shipment.ship_date, time_zone=shipment.ship_to.time_zone, now=now)
        out += _plan_warnings(po_line, quantity=line.quantity, ship_date=shipment.ship_date, window=window, zone=zone, ref=po_line.pk, warned=warned)
    return out
