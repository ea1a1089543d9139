"""Inbound 846, inventory advice: each LIN's on-hand and available quantities become the vendor's availability
report (planning.services.availability), the same check and save as the screens and the API; its refusals are
located at the LIN, QTY or N1 segment they concern."""

from __future__ import annotations

from django.utils.translation import gettext as _

from edi import x12
from edi.x12.codes import ElementError
from edi.x12.inventory846 import AVAILABLE, ON_HAND
from planning.models import AvailabilitySource
from planning.services.availability import AvailabilityRow, availability_report
from vendor_portal.errors import PortalError
from vendor_portal.roles import Action, Role
from vendor_portal.tenancy import Scope

from ._common import _Context, _named_product, _Outcome, _SetProblems

EACHES = "EA"


def _quantity_segment(ts: x12.TransactionSet, lin: x12.Segment, qualifier: str) -> x12.Segment:
    """The QTY of `qualifier` in the LIN's loop (the LIN itself when there is none)."""
    body = ts.body
    start = body.index(lin) + 1
    for segment in body[start:]:
        if segment.id == "LIN":
            break
        if segment.id == "QTY" and segment[1] == qualifier:
            return segment
    return lin


def _receive_846(ts, group, context: _Context) -> _Outcome:
    advice: x12.InventoryAdvice = ts.document
    outcome = _Outcome(reference=advice.report_id[:60])
    problems = _SetProblems(ts, group, outcome)
    if not context.may(Action.REPORT_AVAILABILITY):
        problems.unsupported(_("This sender may not report availability."), code="forbidden")
        return outcome
    rows, by_ref = [], {}  # the service's ref of a row -> its item
    for index, item in enumerate(advice.items):
        lin = item.segment
        if item.uom and item.uom != EACHES:
            problems.element(_quantity_segment(ts, lin, ON_HAND), 3, _("Quantities are in eaches: QTY03 must be EA."), code="unit", reference="355")
            continue
        for value, label in ((item.on_hand, "QTY*17"), (item.available, "QTY*33")):
            if value is None:
                problems.missing("QTY", lin.position, _("LIN %(n)s: %(qty)s is missing.") % {"n": index + 1, "qty": label})
        if item.on_hand is None or item.available is None:
            continue
        product = _named_product(item.item_ids)
        ref = f"LIN{lin.position}"
        by_ref[ref] = item
        rows.append(
            AvailabilityRow(
                ship_from=item.ship_from,
                on_hand=item.on_hand,
                available=item.available,
                vendor_sku=product["vendor_sku"],
                asin=product["asin"],
                ref=ref,
            )
        )
    if outcome.errors:
        return outcome
    if not rows:
        problems.missing("LIN", 3, _("The 846 reports no item."))
        return outcome
    # The door checked the sender above (a trading partner's file, or a person or token allowed EDI and availability);
    # the service, which checks roles itself, hears it as the vendor's operations.
    reporter = Scope(vendor=context.vendor, roles=frozenset({Role.VENDOR_OPS}))
    try:
        report = availability_report(scope=reporter, vendor=context.vendor, rows=rows, actor=context.actor, source=AvailabilitySource.EDI)
    except PortalError as error:
        for problem in error.field_errors():
            item = by_ref.get(problem.ref)
            if item is None:
                problems.unsupported(problem.message, code=problem.code)
                continue
            lin = item.segment
            if problem.field == "on_hand":
                problems.element(_quantity_segment(ts, lin, ON_HAND), 2, problem.message, code=problem.code, reference="380")
            elif problem.field == "available":
                problems.element(_quantity_segment(ts, lin, AVAILABLE), 2, problem.message, code=problem.code, reference="380")
            elif problem.field == "ship_from" and item.ship_from_segment is not None:
                problems.element(item.ship_from_segment, 4, problem.message, code=problem.code, x12_code=ElementError.INVALID_CODE, reference="67")
            elif problem.field == "ship_from":
                problems.missing("N1", lin.position, _("Name the ship-from warehouse with N1*SF (its code in N104)."), code="required")
            else:
                problems.element(lin, 3, problem.message, code=problem.code, reference="234")
        return outcome
    outcome.obj = report
    return outcome
