"""The vendor's side: a purchase order confirmed (acknowledged) line by line, accepted, backordered or
rejected, with the ship and delivery dates it commits to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, FieldError, InvalidTransitionError, field_error, with_refs
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.states import transition

from ..models import Acknowledgement, PurchaseOrder, PurchaseOrderLine, PurchaseOrderState, RejectionReason, UnitOfMeasure
from ._common import LINE_AUDITED, PO_AUDITED, _locked_po
from .line_identity import GivenQuantity, NamedProduct, in_line_units, line_named

QUANTITY_FIELDS = ("accepted", "backordered", "rejected")


@dataclass
class LineConfirmation(NamedProduct):
    """The vendor's answer for one line. Accepted + backordered + rejected must equal the ordered quantity.

    The screens and the API give the line's sequence and the quantities in the line's own unit. A door that
    names the product or counts in other units (Amazon, EDI) also passes what it was given: the product
    identifiers, the `ordered` quantity it was shown and, instead of accepted/backordered/rejected, the
    quantities as `given` [("accepted", GivenQuantity), ...]; the service checks them against the PO line
    and converts them. Without a sequence the line is the one the product identifiers name."""

    sequence: int | None
    accepted: int = 0
    backordered: int = 0
    rejected: int = 0
    rejection_reason: str = ""
    backorder_date: datetime.date | None = None
    ref: object = None
    ordered: GivenQuantity | None = None
    given: list[tuple[str, GivenQuantity]] = field(default_factory=list)


def _as_line_units(ref, confirmation: LineConfirmation, line: PurchaseOrderLine, errors: list[FieldError]) -> LineConfirmation | None:
    """The confirmation of `line` with its sequence, and its quantities in the line's unit; None (and the
    problems in `errors`) when what the door was given does not fit the line."""
    problems = []
    if confirmation.ordered is not None:
        ordered, problem = in_line_units(confirmation.ordered, line)
        if problem is not None:
            problems.append(problem)
        elif ordered != line.ordered_quantity:
            problems.append(
                field_error(
                    confirmation.ordered.ref if confirmation.ordered.ref is not None else ref,
                    "ordered_quantity",
                    _("Line %(n)s orders %(qty)s %(unit)s now, not %(given)s.")
                    % {"n": line.sequence, "qty": line.ordered_quantity, "unit": line.unit_of_measure, "given": ordered},
                    "ordered_quantity_mismatch",
                )
            )
    quantities = {name: getattr(confirmation, name) for name in QUANTITY_FIELDS}
    if confirmation.given:
        quantities = dict.fromkeys(QUANTITY_FIELDS, 0)
        for status, given in confirmation.given:
            amount, problem = in_line_units(given, line)
            if problem is not None:
                problems.append(problem)
            elif amount is not None:
                quantities[status] += amount
    errors.extend(problems)
    return None if problems else replace(confirmation, sequence=line.sequence, ordered=None, given=[], **quantities)


def confirmation_errors(
    po: PurchaseOrder, po_lines: list[PurchaseOrderLine], confirmations: list[LineConfirmation], *, ship_date, delivery_date
) -> tuple[list[FieldError], list[tuple[PurchaseOrderLine, LineConfirmation]]]:
    """Every rule a confirmation must meet, one error per line and field (nothing is saved if any fails),
    and each confirmation with its PO line, in the line's units."""
    errors: list[FieldError] = []
    confirmed: list[tuple[PurchaseOrderLine, LineConfirmation]] = []
    given = set()
    for ref, confirmation in with_refs(confirmations, "lines"):
        line, problems = line_named(ref, confirmation, sequence=confirmation.sequence, lines=po_lines, po_number=po.number)
        if problems:
            errors.extend(problems)
            if line is not None:
                given.add(line.sequence)  # answered, if wrongly: not also "missing"
            continue
        if line.sequence in given:
            errors.append(field_error(ref, "sequence", _("Line %(n)s is confirmed twice.") % {"n": line.sequence}))
            continue
        given.add(line.sequence)
        confirmation = _as_line_units(ref, confirmation, line, errors)
        if confirmation is None:
            continue
        confirmed.append((line, confirmation))
        quantities = (confirmation.accepted, confirmation.backordered, confirmation.rejected)
        if any(q is None or q < 0 for q in quantities):
            errors.append(field_error(ref, "accepted", _("Quantities cannot be negative.")))
            continue
        total = sum(quantities)
        if total != line.ordered_quantity:
            errors.append(
                field_error(
                    ref,
                    "accepted",
                    _("Line %(n)s: accepted + backordered + rejected is %(total)s, but %(ordered)s were ordered.")
                    % {"n": line.sequence, "total": total, "ordered": line.ordered_quantity},
                    "quantities_do_not_add_up",
                )
            )
        if line.rejected_quantity and confirmation.rejected < line.rejected_quantity and po.acknowledged_at:
            errors.append(
                field_error(ref, "rejected", _("Line %(n)s: a rejected quantity stays rejected.") % {"n": line.sequence}, "rejected_stays_rejected")
            )
        if confirmation.backordered:
            if not line.backorder_allowed:
                errors.append(
                    field_error(ref, "backordered", _("Line %(n)s does not allow backorders.") % {"n": line.sequence}, "backorder_not_allowed")
                )
            elif confirmation.backorder_date is None:
                errors.append(
                    field_error(ref, "backorder_date", _("Line %(n)s: give the date the backordered units will be available.") % {"n": line.sequence})
                )
            elif confirmation.backorder_date > timezone.localdate(po.ship_window_end) + datetime.timedelta(days=60):
                errors.append(
                    field_error(
                        ref, "backorder_date", _("Line %(n)s: the backorder date is more than 60 days after the ship window.") % {"n": line.sequence}
                    )
                )
        if confirmation.rejected and confirmation.rejection_reason not in RejectionReason.values:
            errors.append(
                field_error(
                    ref, "rejection_reason", _("Line %(n)s: choose why the units are rejected.") % {"n": line.sequence}, "rejection_reason_required"
                )
            )
        product = line.product
        supplied_eaches = (confirmation.accepted + confirmation.backordered) * line.eaches_per_unit
        if (
            line.unit_of_measure == UnitOfMeasure.CASES
            and product is not None
            and supplied_eaches
            and supplied_eaches < product.minimum_order_quantity
        ):
            errors.append(
                field_error(
                    ref,
                    "accepted",
                    _("Line %(n)s: below the minimum order quantity of %(moq)s.") % {"n": line.sequence, "moq": product.minimum_order_quantity},
                    "moq",
                )
            )
        if line.unit_of_measure == UnitOfMeasure.EACHES and product is not None:
            for name, quantity in (("accepted", confirmation.accepted), ("backordered", confirmation.backordered)):
                if quantity and product.case_pack > 1 and quantity % product.case_pack:
                    errors.append(
                        field_error(
                            ref,
                            name,
                            _("Line %(n)s: %(q)s eaches is not a whole number of cases of %(pack)s.")
                            % {"n": line.sequence, "q": quantity, "pack": product.case_pack},
                            "case_pack",
                        )
                    )
            supplied = confirmation.accepted + confirmation.backordered
            if supplied and supplied < product.minimum_order_quantity:
                errors.append(
                    field_error(
                        ref,
                        "accepted",
                        _("Line %(n)s: below the minimum order quantity of %(moq)s.") % {"n": line.sequence, "moq": product.minimum_order_quantity},
                        "moq",
                    )
                )
    # A line the buyer cancelled entirely has nothing left to confirm.
    for line in po_lines:
        if line.sequence not in given and line.ordered_quantity > 0:
            errors.append(
                field_error(
                    None,
                    "lines",
                    _("Line %(n)s has no confirmation: every line must be confirmed.") % {"n": line.sequence},
                    "line_missing",
                    sequence=line.sequence,
                )
            )
    window_start, window_end = timezone.localdate(po.ship_window_start), timezone.localdate(po.ship_window_end)
    if ship_date is not None and not window_start <= ship_date <= window_end:
        errors.append(
            field_error(
                None,
                "scheduled_ship_date",
                _("The ship date must be inside the ship window (%(start)s to %(end)s).") % {"start": window_start, "end": window_end},
            )
        )
    if delivery_date is not None:
        if po.delivery_window_start and po.delivery_window_end:
            d_start, d_end = timezone.localdate(po.delivery_window_start), timezone.localdate(po.delivery_window_end)
            if not d_start <= delivery_date <= d_end:
                errors.append(
                    field_error(
                        None,
                        "scheduled_delivery_date",
                        _("The delivery date must be inside the delivery window (%(start)s to %(end)s).") % {"start": d_start, "end": d_end},
                    )
                )
        if ship_date is not None and delivery_date < ship_date:
            errors.append(field_error(None, "scheduled_delivery_date", _("Delivery cannot be before shipping.")))
    return errors, confirmed


def purchase_order_acknowledge(
    *,
    scope,
    number: str,
    lines: list[LineConfirmation],
    actor: Actor,
    scheduled_ship_date: datetime.date | None = None,
    scheduled_delivery_date: datetime.date | None = None,
) -> PurchaseOrder:
    """Confirm (or revise) a PO line by line. All or nothing; two people confirming at once are serialised."""
    with transaction.atomic():
        po = _locked_po(scope, number)
        if not po.is_confirmable:
            raise InvalidTransitionError(
                _("PO %(number)s can no longer be confirmed: it is %(state)s.") % {"number": po.number, "state": po.get_state_display().lower()}
            )
        # of=("self",): the product join is an outer join, which PostgreSQL cannot lock.
        po_lines = list(po.lines.select_for_update(of=("self",)).select_related("product").order_by("sequence"))
        if any(line.shipped_quantity for line in po_lines):
            raise InvalidTransitionError(_("PO %(number)s has shipped units: its confirmation can no longer be revised.") % {"number": po.number})
        errors, confirmed = confirmation_errors(po, po_lines, lines, ship_date=scheduled_ship_date, delivery_date=scheduled_delivery_date)
        if errors:
            raise DomainValidationError(_("The confirmation has errors; nothing was saved."), errors=errors)
        acknowledged_lines = [
            {
                "sequence": c.sequence,
                "accepted": c.accepted,
                "backordered": c.backordered,
                "rejected": c.rejected,
                "rejection_reason": c.rejection_reason if c.rejected else "",
                "backorder_date": c.backorder_date.isoformat() if c.backorder_date and c.backordered else None,
            }
            for c in sorted((c for _line, c in confirmed), key=lambda c: c.sequence)
        ]
        if _repeats_the_last_acknowledgement(po, acknowledged_lines, scheduled_ship_date, scheduled_delivery_date):
            # The same confirmation sent again (a retry, a resent EDI 855): nothing new to record or announce.
            return po
        now = timezone.now()
        po_before = snapshot(po, PO_AUDITED)
        for line, confirmation in confirmed:
            before = snapshot(line, LINE_AUDITED)
            line.accepted_quantity = confirmation.accepted
            line.backordered_quantity = confirmation.backordered
            line.rejected_quantity = confirmation.rejected
            line.rejection_reason = confirmation.rejection_reason if confirmation.rejected else ""
            line.backorder_date = confirmation.backorder_date if confirmation.backordered else None
            line.acknowledged_at = now
            after = snapshot(line, LINE_AUDITED)
            if after != before:
                line.save()
                audit_record(actor=actor, action="purchase_order_line.confirm", obj=line, vendor=po.vendor, before=before, after=after)
        revision = (po.acknowledgements.order_by("-revision").values_list("revision", flat=True).first() or 0) + 1
        acknowledgement = Acknowledgement.objects.create(
            purchase_order=po,
            revision=revision,
            channel=actor.channel,
            submitted_by=actor.user,
            scheduled_ship_date=scheduled_ship_date,
            scheduled_delivery_date=scheduled_delivery_date,
            lines=acknowledged_lines,
        )
        audit_record(
            actor=actor,
            action="acknowledgement.submit",
            obj=acknowledgement,
            vendor=po.vendor,
            after={"revision": revision, "lines": acknowledgement.lines},
        )
        # The first dates given are the promise; later ones are estimates.
        if scheduled_ship_date:
            if po.promised_ship_date is None:
                po.promised_ship_date = scheduled_ship_date
            po.estimated_ship_date = scheduled_ship_date
        if scheduled_delivery_date:
            if po.promised_delivery_date is None:
                po.promised_delivery_date = scheduled_delivery_date
            po.estimated_delivery_date = scheduled_delivery_date
        nothing_accepted = all(line.accepted_quantity + line.backordered_quantity == 0 for line in po_lines)
        target = PurchaseOrderState.CANCELLED if nothing_accepted else PurchaseOrderState.ACKNOWLEDGED
        if po.state != target:  # a revised confirmation keeps the PO acknowledged
            transition(po, target)
            po.state_changed_at = now
        po.acknowledged_at = now
        po.has_unconfirmed_changes = False
        po.save()
        audit_record(actor=actor, action="purchase_order.acknowledge", obj=po, before=po_before, after=snapshot(po, PO_AUDITED))
        events.publish(
            events.PurchaseOrderAcknowledged(
                vendor_id=po.vendor_id,
                channel=actor.channel,
                purchase_order_id=po.pk,
                number=po.number,
                state=po.state,
                previous_state=po_before["state"],
                revision=revision,
            )
        )
    return po


def _repeats_the_last_acknowledgement(po: PurchaseOrder, lines: list[dict], ship_date, delivery_date) -> bool:
    """The PO stands as its last acknowledgement left it (the buyer changed nothing since) and this one says
    exactly the same, line for line and date for date."""
    if po.acknowledged_at is None or po.has_unconfirmed_changes or po.state != PurchaseOrderState.ACKNOWLEDGED:
        return False
    last = po.acknowledgements.order_by("-revision").first()
    return last is not None and last.lines == lines and last.scheduled_ship_date == ship_date and last.scheduled_delivery_date == delivery_date


def confirmations_accepting_all(po: PurchaseOrder) -> list[LineConfirmation]:
    """'Accept all': every open line accepted in full, except what an earlier revision rejected (it stays rejected)."""
    confirmations = []
    for line in po.lines.all():
        if line.ordered_quantity == 0:
            continue
        rejected = line.rejected_quantity if po.acknowledged_at else 0
        confirmations.append(
            LineConfirmation(
                sequence=line.sequence,
                accepted=line.ordered_quantity - rejected,
                rejected=rejected,
                rejection_reason=line.rejection_reason if rejected else "",
            )
        )
    return confirmations
