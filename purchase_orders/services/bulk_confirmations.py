"""Many POs confirmed at once (the bulk confirmation file, on the screen and the API): each PO through the one
confirmation service, `purchase_order_acknowledge`, all in one transaction, so every PO is confirmed or none.

A confirmation carries the PO's version as the vendor saw it (`purchase_order_version`, written into the
downloaded file): a PO that changed since then (the buyer changed it, someone confirmed it) is refused.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, FieldError, PortalError, field_error
from vendor_portal.services.audit import Actor

from ..models import PurchaseOrder, PurchaseOrderLine
from .confirmations import LineConfirmation, confirmation_errors, purchase_order_acknowledge

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass
class PurchaseOrderConfirmation:
    """The vendor's answer for one PO: its lines (each with the door's `ref`) and the dates it commits to.
    `ref` names the PO itself in the door's input; the service's problems with the PO as a whole (not found,
    changed, dates, a missing line) come back with it."""

    number: str
    lines: list[LineConfirmation] = field(default_factory=list)
    scheduled_ship_date: datetime.date | None = None
    scheduled_delivery_date: datetime.date | None = None
    version: str | None = None  # purchase_order_version() when the vendor was shown the PO; None: not checked
    ref: object = None


def purchase_order_version(po: PurchaseOrder) -> str:
    """Changes whenever the PO is saved (a buyer's change, a confirmation, a state change). Text with a
    letter in front, so a spreadsheet program keeps it as it is rather than reading a number."""
    return f"v{(po.updated_at - EPOCH) // datetime.timedelta(microseconds=1):x}"


def _on_po(error: FieldError, confirmation: PurchaseOrderConfirmation) -> FieldError:
    """A problem with the PO as a whole, named by the PO's own ref (the service names it by None)."""
    return replace(error, ref=confirmation.ref) if error.ref is None else error


def _refusals(confirmation: PurchaseOrderConfirmation, po: PurchaseOrder | None, lines: list[PurchaseOrderLine] | None) -> list[FieldError]:
    """Why the PO cannot be confirmed at all: not the scope's, changed since it was shown, or past confirming
    (purchase_order_acknowledge refuses the last two cases itself too; here the dry run says so first)."""
    if po is None:
        return [
            field_error(
                confirmation.ref,
                "number",
                _("There is no purchase order %(number)s for you to confirm.") % {"number": confirmation.number},
                "not_found",
            )
        ]
    if confirmation.version is not None and confirmation.version != purchase_order_version(po):
        return [
            field_error(
                confirmation.ref,
                "version",
                _("PO %(number)s has changed since the file was downloaded (it is now %(state)s): download the file again, or remove its rows.")
                % {"number": po.number, "state": po.get_state_display().lower()},
                "po_changed",
            )
        ]
    if not po.is_confirmable:
        return [
            field_error(
                confirmation.ref,
                "number",
                _("PO %(number)s can no longer be confirmed: it is %(state)s.") % {"number": po.number, "state": po.get_state_display().lower()},
                "invalid_state",
            )
        ]
    if lines is not None and any(line.shipped_quantity for line in lines):
        return [
            field_error(
                confirmation.ref,
                "number",
                _("PO %(number)s has shipped units: its confirmation can no longer be revised.") % {"number": po.number},
                "invalid_state",
            )
        ]
    return []


def _duplicates(confirmations: list[PurchaseOrderConfirmation]) -> list[FieldError]:
    seen, errors = set(), []
    for confirmation in confirmations:
        if confirmation.number in seen:
            errors.append(
                field_error(confirmation.ref, "number", _("PO %(number)s is confirmed twice.") % {"number": confirmation.number}, "duplicate")
            )
        seen.add(confirmation.number)
    return errors


def bulk_acknowledgement_errors(*, scope, confirmations: list[PurchaseOrderConfirmation]) -> list[FieldError]:
    """The dry run: every problem `purchase_orders_acknowledge_in_bulk` would refuse, found without saving or
    locking anything. Another vendor's PO is 'not found', like a PO that does not exist."""
    errors = _duplicates(confirmations)
    numbers = {confirmation.number for confirmation in confirmations}
    pos = {po.number: po for po in PurchaseOrder.objects.visible_to(scope).filter(number__in=numbers)}
    lines_of = defaultdict(list)
    for line in PurchaseOrderLine.objects.filter(purchase_order__in=list(pos.values())).select_related("product").order_by("sequence"):
        lines_of[line.purchase_order_id].append(line)
    for confirmation in confirmations:
        po = pos.get(confirmation.number)
        lines = lines_of[po.pk] if po is not None else None
        refusals = _refusals(confirmation, po, lines)
        if refusals:
            errors.extend(refusals)
            continue
        problems, _confirmed = confirmation_errors(
            po, lines, confirmation.lines, ship_date=confirmation.scheduled_ship_date, delivery_date=confirmation.scheduled_delivery_date
        )
        errors.extend(_on_po(problem, confirmation) for problem in problems)
    return errors


def purchase_orders_acknowledge_in_bulk(*, scope, confirmations: list[PurchaseOrderConfirmation], actor: Actor) -> list[PurchaseOrder]:
    """Confirm every PO, each through purchase_order_acknowledge (its audit rows and event), in one
    transaction: any problem with any PO and nothing is saved; the error lists every problem found."""
    if not confirmations:
        raise DomainValidationError(_("There is no purchase order to confirm."))
    with transaction.atomic():
        errors = _duplicates(confirmations)
        numbers = {confirmation.number for confirmation in confirmations}
        # Every PO locked up front, in pk order (as every service locks), so two bulk confirmations that
        # share POs wait for each other rather than deadlock.
        locked = {po.number: po for po in PurchaseOrder.objects.visible_to(scope).select_for_update().filter(number__in=numbers).order_by("pk")}
        for confirmation in confirmations:
            errors.extend(_refusals(confirmation, locked.get(confirmation.number), None))
        if errors:
            raise DomainValidationError(_("The confirmations have errors; nothing was saved."), errors=errors)
        acknowledged = []
        for confirmation in sorted(confirmations, key=lambda c: locked[c.number].pk):
            try:
                acknowledged.append(
                    purchase_order_acknowledge(
                        scope=scope,
                        number=confirmation.number,
                        lines=confirmation.lines,
                        actor=actor,
                        scheduled_ship_date=confirmation.scheduled_ship_date,
                        scheduled_delivery_date=confirmation.scheduled_delivery_date,
                    )
                )
            except PortalError as error:
                # Its savepoint is rolled back; go on, so the answer lists the problems of every PO.
                errors.extend(_on_po(problem, confirmation) for problem in error.field_errors())
        if errors:
            raise DomainValidationError(_("The confirmations have errors; nothing was saved."), errors=errors)
    return acknowledged
