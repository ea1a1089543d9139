"""Every write on purchase orders. HTML views, the portal API, the Amazon-compatible door and EDI
all call these, so they behave identically."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, InvalidTransitionError, NotFoundError
from vendor_portal.models import Product, Vendor
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_vendor_roles

from .models import (
    Acknowledgement,
    PaymentMethod,
    PaymentTerms,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderState,
    PurchaseOrderType,
    RejectionReason,
    UnitOfMeasure,
)

PO_AUDITED = [
    "state", "ship_window_start", "ship_window_end", "delivery_window_start", "delivery_window_end",
    "promised_ship_date", "promised_delivery_date", "estimated_ship_date", "estimated_delivery_date",
    "has_unconfirmed_changes", "confirmation_due_at",
]
LINE_AUDITED = [
    "sequence", "vendor_sku", "ordered_quantity", "accepted_quantity", "backordered_quantity", "rejected_quantity",
    "rejection_reason", "backorder_date", "cancelled_quantity", "net_cost",
]
CONFIRMERS = [Role.VENDOR_ADMIN, Role.VENDOR_OPS]


@dataclass
class LineInput:
    """A PO line as the buyer issues it."""

    sequence: int
    ordered_quantity: int
    net_cost: Decimal
    vendor_sku: str = ""
    asin: str = ""
    unit_of_measure: str = UnitOfMeasure.EACHES
    unit_size: int = 1
    backorder_allowed: bool = False
    list_price: Decimal | None = None


@dataclass
class LineConfirmation:
    """The vendor's answer for one line. Accepted + backordered + rejected must equal the ordered quantity."""

    sequence: int
    accepted: int = 0
    backordered: int = 0
    rejected: int = 0
    rejection_reason: str = ""
    backorder_date: datetime.date | None = None


@dataclass
class LineChange:
    sequence: int
    ordered_quantity: int | None = None
    cancel: bool = False


@dataclass
class PurchaseOrderInput:
    vendor: Vendor
    marketplace: object
    number: str
    ship_to: object
    ship_window_start: datetime.datetime
    ship_window_end: datetime.datetime
    lines: list[LineInput]
    order_type: str = "RegularOrder"
    order_date: datetime.datetime | None = None
    delivery_window_start: datetime.datetime | None = None
    delivery_window_end: datetime.datetime | None = None
    payment_terms: str = "net60"
    payment_method: str = "Invoice"
    deal_code: str = ""
    extra: dict = field(default_factory=dict)


def _error(field_name: str, message: str, code: str = "invalid") -> dict:
    return {"field": field_name, "message": message, "code": code}


# Buyer side --------------------------------------------------------------------------------------
def purchase_order_validate(data: PurchaseOrderInput) -> tuple[list[dict], dict]:
    """Check a new PO without saving. Returns (errors, products by SKU/ASIN) so bulk upload can dry-run."""
    errors = []
    if not data.number or len(data.number) > 20 or not data.number.replace("-", "").isalnum():
        errors.append(_error("number", _("A PO number is 1-20 letters or digits.")))
    elif PurchaseOrder.objects.filter(number=data.number).exists():
        errors.append(_error("number", _("PO number %(number)s already exists.") % {"number": data.number}, "duplicate"))
    for name, value in (("ship_window_start", data.ship_window_start), ("ship_window_end", data.ship_window_end)):
        if value is None:
            errors.append(_error(name, _("Give the ship window's start and end."), "required"))
    if data.ship_window_start and data.ship_window_end and data.ship_window_end < data.ship_window_start:
        errors.append(_error("ship_window_end", _("The ship window ends before it starts.")))
    if data.delivery_window_start and data.delivery_window_end and data.delivery_window_end < data.delivery_window_start:
        errors.append(_error("delivery_window_end", _("The delivery window ends before it starts.")))
    if data.ship_to.marketplace_id != data.marketplace.pk:
        errors.append(_error("ship_to", _("DC %(dc)s is not in marketplace %(mp)s.") % {"dc": data.ship_to.code, "mp": data.marketplace.code}))
    for name, value, choices in (
        ("order_type", data.order_type, PurchaseOrderType.values),
        ("payment_terms", data.payment_terms, PaymentTerms.values),
        ("payment_method", data.payment_method, PaymentMethod.values),
    ):
        if value not in choices:
            errors.append(_error(name, _("%(value)s is not one of %(choices)s.") % {"value": value, "choices": ", ".join(choices)}, "invalid_choice"))
    if not data.lines:
        errors.append(_error("lines", _("A PO needs at least one line.")))
    products = {}
    wanted_skus = {line.vendor_sku for line in data.lines if line.vendor_sku}
    wanted_asins = {line.asin for line in data.lines if line.asin}
    for product in Product.objects.filter(vendor=data.vendor).filter(_sku_or_asin(wanted_skus, wanted_asins)):
        products[("sku", product.vendor_sku)] = product
        products[("asin", product.asin)] = product
    seen = set()
    for index, line in enumerate(data.lines):
        where = f"lines[{index}]"
        if line.sequence is None or line.sequence < 1:
            errors.append(_error(f"{where}.sequence", _("Line numbers start at 1.")))
        elif line.sequence in seen:
            errors.append(_error(f"{where}.sequence", _("Line %(n)s appears twice.") % {"n": line.sequence}))
        seen.add(line.sequence)
        errors.extend(_product_errors(products, line, where, data.vendor))
        if line.ordered_quantity is None or line.ordered_quantity <= 0:
            errors.append(_error(f"{where}.ordered_quantity", _("Order at least one unit.")))
        if line.unit_of_measure not in UnitOfMeasure.values:
            errors.append(_error(f"{where}.unit_of_measure", _("Unit must be Eaches or Cases.")))
        if line.unit_size is None or line.unit_size < 1:
            errors.append(_error(f"{where}.unit_size", _("Unit size must be at least 1.")))
        if line.net_cost is None or line.net_cost <= 0:
            errors.append(_error(f"{where}.net_cost", _("Net cost must be above zero.")))
    return errors, products


def _line_product(products: dict, line: LineInput):
    """The catalogue product a line names: by SKU, or by ASIN when no SKU is given."""
    if line.vendor_sku:
        return products.get(("sku", line.vendor_sku))
    return products.get(("asin", line.asin))


def _product_errors(products: dict, line: LineInput, where: str, vendor) -> list[dict]:
    if not line.vendor_sku and not line.asin:
        return [_error(f"{where}.vendor_sku", _("Give the vendor SKU or the ASIN."), "required")]
    by_sku = products.get(("sku", line.vendor_sku)) if line.vendor_sku else None
    by_asin = products.get(("asin", line.asin)) if line.asin else None
    if line.vendor_sku and by_sku is None:
        return [_error(f"{where}.vendor_sku", _("No product %(id)s in %(vendor)s's catalogue.") % {"id": line.vendor_sku, "vendor": vendor.code}, "unknown_product")]
    if line.asin and by_asin is None:
        return [_error(f"{where}.asin", _("No product %(id)s in %(vendor)s's catalogue.") % {"id": line.asin, "vendor": vendor.code}, "unknown_product")]
    if by_sku is not None and by_asin is not None and by_sku.pk != by_asin.pk:
        return [_error(f"{where}.asin", _("ASIN %(asin)s is not the product of SKU %(sku)s.") % {"asin": line.asin, "sku": line.vendor_sku}, "product_mismatch")]
    return []


def _sku_or_asin(skus, asins):
    from django.db.models import Q

    return Q(vendor_sku__in=skus) | Q(asin__in=asins)


def purchase_order_create(*, data: PurchaseOrderInput, actor: Actor) -> PurchaseOrder:
    errors, products = purchase_order_validate(data)
    if errors:
        raise DomainValidationError(_("The purchase order has errors."), errors=errors)
    now = timezone.now()
    order_date = data.order_date or now
    # The confirmation clock starts when the PO was issued (an EDI 850 may arrive after its order date).
    confirmation_due_at = order_date + datetime.timedelta(hours=settings.PORTAL_CONFIRMATION_DUE_HOURS)
    try:
        with transaction.atomic():
            po = PurchaseOrder.objects.create(
                vendor=data.vendor,
                marketplace=data.marketplace,
                number=data.number,
                order_type=data.order_type,
                order_date=order_date,
                state=PurchaseOrderState.NEW,
                state_changed_at=now,
                ship_to=data.ship_to,
                ship_window_start=data.ship_window_start,
                ship_window_end=data.ship_window_end,
                delivery_window_start=data.delivery_window_start,
                delivery_window_end=data.delivery_window_end,
                currency=data.marketplace.currency,
                payment_terms=data.payment_terms,
                payment_method=data.payment_method,
                deal_code=data.deal_code,
                confirmation_due_at=confirmation_due_at,
                created_by=actor.user,
                **data.extra,
            )
            lines = []
            for line in data.lines:
                product = _line_product(products, line)
                lines.append(
                    PurchaseOrderLine(
                        purchase_order=po,
                        sequence=line.sequence,
                        product=product,
                        asin=product.asin,
                        vendor_sku=product.vendor_sku,
                        title=product.title,
                        ordered_quantity=line.ordered_quantity,
                        unit_of_measure=line.unit_of_measure,
                        unit_size=line.unit_size if line.unit_of_measure == UnitOfMeasure.CASES else 1,
                        backorder_allowed=line.backorder_allowed,
                        net_cost=line.net_cost,
                        list_price=line.list_price,
                    )
                )
            PurchaseOrderLine.objects.bulk_create(lines)
            audit_record(
                actor=actor,
                action="purchase_order.create",
                obj=po,
                after={**snapshot(po, PO_AUDITED), "lines": [snapshot(line, LINE_AUDITED) for line in lines]},
            )
            for line in lines:
                audit_record(actor=actor, action="purchase_order_line.create", obj=line, vendor=data.vendor, after=snapshot(line, LINE_AUDITED))
            notify_vendor_roles(
                vendor=data.vendor,
                roles=CONFIRMERS,
                marketplace=data.marketplace,
                kind="po_new",
                title=_("New purchase order %(number)s") % {"number": po.number},
                body=_("Please confirm by %(due)s.") % {"due": timezone.localtime(po.confirmation_due_at).strftime("%Y-%m-%d %H:%M")},
                url=f"/purchase-orders/{po.number}/",
            )
    except IntegrityError:
        raise DomainValidationError(_("PO number %(number)s already exists.") % {"number": data.number}, field="number")
    return po


def _locked_po(scope, number: str) -> PurchaseOrder:
    """Lock the PO row and its lines (in sequence order) for a write; another vendor's PO is 'not found'."""
    po = PurchaseOrder.objects.visible_to(scope).select_for_update().filter(number=number).first()
    if po is None:
        raise NotFoundError(_("Purchase order %(number)s not found.") % {"number": number})
    return po


def purchase_order_change(*, scope, number: str, actor: Actor, lines: list[LineChange] = (), **dates) -> PurchaseOrder:
    """Buyer changes quantities, dates, or cancels lines. Changed lines need the vendor's confirmation again."""
    allowed_dates = {"ship_window_start", "ship_window_end", "delivery_window_start", "delivery_window_end"}
    unknown = set(dates) - allowed_dates
    if unknown:
        raise DomainValidationError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        po = _locked_po(scope, number)
        if po.state not in (PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED):
            raise InvalidTransitionError(_("PO %(number)s can no longer be changed: it is %(state)s.") % {"number": po.number, "state": po.get_state_display().lower()})
        before = snapshot(po, PO_AUDITED)
        existing = {line.sequence: line for line in po.lines.select_for_update().order_by("sequence")}
        errors = []
        changed_dates = {key: value for key, value in dates.items() if getattr(po, key) != value}
        for key, value in changed_dates.items():
            setattr(po, key, value)
        for key in ("ship_window_start", "ship_window_end"):
            if getattr(po, key) is None:
                errors.append(_error(key, _("The ship window needs a start and an end."), "required"))
        if po.ship_window_start and po.ship_window_end and po.ship_window_end < po.ship_window_start:
            errors.append(_error("ship_window_end", _("The ship window ends before it starts.")))
        if po.delivery_window_start and po.delivery_window_end and po.delivery_window_end < po.delivery_window_start:
            errors.append(_error("delivery_window_end", _("The delivery window ends before it starts.")))
        changed_lines = []
        for index, change in enumerate(lines):
            line = existing.get(change.sequence)
            if line is None:
                errors.append(_error(f"lines[{index}].sequence", _("PO %(number)s has no line %(n)s.") % {"number": po.number, "n": change.sequence}))
                continue
            line_before = snapshot(line, LINE_AUDITED)
            new_quantity = 0 if change.cancel else change.ordered_quantity
            if new_quantity is None or new_quantity < 0:
                errors.append(_error(f"lines[{index}].ordered_quantity", _("Quantity must be zero or more.")))
                continue
            if new_quantity == line.ordered_quantity:
                continue
            if new_quantity < line.ordered_quantity:
                line.cancelled_quantity += line.ordered_quantity - new_quantity
            line.ordered_quantity = new_quantity
            # The vendor confirms the changed line again; a rejected line stays rejected up to its new quantity.
            line.rejected_quantity = min(line.rejected_quantity, new_quantity)
            line.accepted_quantity = line.backordered_quantity = 0
            line.backorder_date = None
            if new_quantity == 0:
                line.rejected_quantity = 0
            if not line.rejected_quantity:
                line.rejection_reason = ""
            line.acknowledged_at = None
            changed_lines.append((line, line_before))
        if errors:
            raise DomainValidationError(_("The change has errors."), errors=errors)
        if not changed_dates and not changed_lines:
            return po  # nothing differs from the PO as it stands: no change notice
        for line, line_before in changed_lines:
            line.save()
            audit_record(actor=actor, action="purchase_order_line.change", obj=line, vendor=po.vendor, before=line_before, after=snapshot(line, LINE_AUDITED))
        now = timezone.now()
        po.changed_at = now
        remaining = [line for line in existing.values() if line.ordered_quantity > 0]
        if not remaining:
            po.state = PurchaseOrderState.CANCELLED
            po.state_changed_at = now
        elif changed_lines and po.state == PurchaseOrderState.ACKNOWLEDGED:
            po.state = PurchaseOrderState.NEW
            po.state_changed_at = now
            po.has_unconfirmed_changes = True
            po.confirmation_due_at = now + datetime.timedelta(hours=settings.PORTAL_CONFIRMATION_DUE_HOURS)
            po.confirmation_reminder_sent_at = None
        else:
            po.has_unconfirmed_changes = po.acknowledged_at is not None
        po.save()
        audit_record(actor=actor, action="purchase_order.change", obj=po, before=before, after=snapshot(po, PO_AUDITED))
        notify_vendor_roles(
            vendor=po.vendor,
            roles=CONFIRMERS,
            marketplace=po.marketplace,
            kind="po_changed",
            title=_("Purchase order %(number)s was changed by the buyer") % {"number": po.number},
            body=_("Review the changes and confirm again.") if po.state == PurchaseOrderState.NEW else "",
            url=f"/purchase-orders/{po.number}/",
        )
    return po


def purchase_order_cancel(*, scope, number: str, actor: Actor, reason: str = "") -> PurchaseOrder:
    with transaction.atomic():
        po = _locked_po(scope, number)
        if not po.can_transition_to(PurchaseOrderState.CANCELLED):
            raise InvalidTransitionError(_("PO %(number)s cannot be cancelled: it is %(state)s.") % {"number": po.number, "state": po.get_state_display().lower()})
        _set_state(po, PurchaseOrderState.CANCELLED, actor, action="purchase_order.cancel", note=reason)
        notify_vendor_roles(
            vendor=po.vendor, roles=CONFIRMERS, marketplace=po.marketplace, kind="po_cancelled",
            title=_("Purchase order %(number)s was cancelled") % {"number": po.number}, body=reason, url=f"/purchase-orders/{po.number}/",
        )
    return po


def _set_state(po: PurchaseOrder, state: str, actor: Actor, *, action: str, note: str = "") -> None:
    before = snapshot(po, PO_AUDITED)
    po.state = state
    po.state_changed_at = timezone.now()
    po.save(update_fields=["state", "state_changed_at", "updated_at"])
    after = snapshot(po, PO_AUDITED)
    if note:
        after["note"] = note
    audit_record(actor=actor, action=action, obj=po, before=before, after=after)


# Vendor side -------------------------------------------------------------------------------------
def confirmation_errors(po: PurchaseOrder, lines_by_sequence: dict, confirmations: list[LineConfirmation], *, ship_date, delivery_date) -> list[dict]:
    """Every rule a confirmation must meet, one error per line and field: nothing is saved if any fails."""
    errors = []
    given = {}
    for index, confirmation in enumerate(confirmations):
        where = f"lines[{index}]"
        line = lines_by_sequence.get(confirmation.sequence)
        if line is None:
            errors.append(_error(f"{where}.sequence", _("PO %(number)s has no line %(n)s.") % {"number": po.number, "n": confirmation.sequence}))
            continue
        if confirmation.sequence in given:
            errors.append(_error(f"{where}.sequence", _("Line %(n)s is confirmed twice.") % {"n": confirmation.sequence}))
            continue
        given[confirmation.sequence] = confirmation
        quantities = (confirmation.accepted, confirmation.backordered, confirmation.rejected)
        if any(q is None or q < 0 for q in quantities):
            errors.append(_error(f"{where}.accepted", _("Quantities cannot be negative.")))
            continue
        total = sum(quantities)
        if total != line.ordered_quantity:
            errors.append(
                _error(
                    f"{where}.accepted",
                    _("Line %(n)s: accepted + backordered + rejected is %(total)s, but %(ordered)s were ordered.")
                    % {"n": line.sequence, "total": total, "ordered": line.ordered_quantity},
                    "quantities_do_not_add_up",
                )
            )
        if line.rejected_quantity and confirmation.rejected < line.rejected_quantity and po.acknowledged_at:
            errors.append(_error(f"{where}.rejected", _("Line %(n)s: a rejected quantity stays rejected.") % {"n": line.sequence}, "rejected_stays_rejected"))
        if confirmation.backordered:
            if not line.backorder_allowed:
                errors.append(_error(f"{where}.backordered", _("Line %(n)s does not allow backorders.") % {"n": line.sequence}, "backorder_not_allowed"))
            elif confirmation.backorder_date is None:
                errors.append(_error(f"{where}.backorder_date", _("Line %(n)s: give the date the backordered units will be available.") % {"n": line.sequence}))
            elif confirmation.backorder_date > timezone.localdate(po.ship_window_end) + datetime.timedelta(days=60):
                errors.append(_error(f"{where}.backorder_date", _("Line %(n)s: the backorder date is more than 60 days after the ship window.") % {"n": line.sequence}))
        if confirmation.rejected and confirmation.rejection_reason not in RejectionReason.values:
            errors.append(_error(f"{where}.rejection_reason", _("Line %(n)s: choose why the units are rejected.") % {"n": line.sequence}, "rejection_reason_required"))
        product = line.product
        supplied_eaches = (confirmation.accepted + confirmation.backordered) * line.eaches_per_unit
        if line.unit_of_measure == UnitOfMeasure.CASES and product is not None and supplied_eaches and supplied_eaches < product.minimum_order_quantity:
            errors.append(
                _error(f"{where}.accepted", _("Line %(n)s: below the minimum order quantity of %(moq)s.") % {"n": line.sequence, "moq": product.minimum_order_quantity}, "moq")
            )
        if line.unit_of_measure == UnitOfMeasure.EACHES and product is not None:
            for name, quantity in (("accepted", confirmation.accepted), ("backordered", confirmation.backordered)):
                if quantity and product.case_pack > 1 and quantity % product.case_pack:
                    errors.append(
                        _error(
                            f"{where}.{name}",
                            _("Line %(n)s: %(q)s eaches is not a whole number of cases of %(pack)s.") % {"n": line.sequence, "q": quantity, "pack": product.case_pack},
                            "case_pack",
                        )
                    )
            supplied = confirmation.accepted + confirmation.backordered
            if supplied and supplied < product.minimum_order_quantity:
                errors.append(
                    _error(f"{where}.accepted", _("Line %(n)s: below the minimum order quantity of %(moq)s.") % {"n": line.sequence, "moq": product.minimum_order_quantity}, "moq")
                )
    # A line the buyer cancelled entirely has nothing left to confirm.
    missing = sorted(sequence for sequence, line in lines_by_sequence.items() if sequence not in given and line.ordered_quantity > 0)
    for sequence in missing:
        errors.append(_error("lines", _("Line %(n)s has no confirmation: every line must be confirmed.") % {"n": sequence}, "line_missing"))
    window_start, window_end = timezone.localdate(po.ship_window_start), timezone.localdate(po.ship_window_end)
    if ship_date is not None and not window_start <= ship_date <= window_end:
        errors.append(_error("scheduled_ship_date", _("The ship date must be inside the ship window (%(start)s to %(end)s).") % {"start": window_start, "end": window_end}))
    if delivery_date is not None:
        if po.delivery_window_start and po.delivery_window_end:
            d_start, d_end = timezone.localdate(po.delivery_window_start), timezone.localdate(po.delivery_window_end)
            if not d_start <= delivery_date <= d_end:
                errors.append(_error("scheduled_delivery_date", _("The delivery date must be inside the delivery window (%(start)s to %(end)s).") % {"start": d_start, "end": d_end}))
        if ship_date is not None and delivery_date < ship_date:
            errors.append(_error("scheduled_delivery_date", _("Delivery cannot be before shipping.")))
    return errors


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
        po_lines = {line.sequence: line for line in po.lines.select_for_update(of=("self",)).select_related("product").order_by("sequence")}
        if any(line.shipped_quantity for line in po_lines.values()):
            raise InvalidTransitionError(_("PO %(number)s has shipped units: its confirmation can no longer be revised.") % {"number": po.number})
        errors = confirmation_errors(po, po_lines, lines, ship_date=scheduled_ship_date, delivery_date=scheduled_delivery_date)
        if errors:
            raise DomainValidationError(_("The confirmation has errors; nothing was saved."), errors=errors)
        now = timezone.now()
        po_before = snapshot(po, PO_AUDITED)
        for confirmation in lines:
            line = po_lines[confirmation.sequence]
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
            lines=[
                {
                    "sequence": c.sequence, "accepted": c.accepted, "backordered": c.backordered, "rejected": c.rejected,
                    "rejection_reason": c.rejection_reason if c.rejected else "",
                    "backorder_date": c.backorder_date.isoformat() if c.backorder_date and c.backordered else None,
                }
                for c in sorted(lines, key=lambda c: c.sequence)
            ],
        )
        audit_record(actor=actor, action="acknowledgement.submit", obj=acknowledgement, vendor=po.vendor, after={"revision": revision, "lines": acknowledgement.lines})
        # The first dates given are the promise; later ones are estimates.
        if scheduled_ship_date:
            if po.promised_ship_date is None:
                po.promised_ship_date = scheduled_ship_date
            po.estimated_ship_date = scheduled_ship_date
        if scheduled_delivery_date:
            if po.promised_delivery_date is None:
                po.promised_delivery_date = scheduled_delivery_date
            po.estimated_delivery_date = scheduled_delivery_date
        nothing_accepted = all(line.accepted_quantity + line.backordered_quantity == 0 for line in po_lines.values())
        po.state = PurchaseOrderState.CANCELLED if nothing_accepted else PurchaseOrderState.ACKNOWLEDGED
        po.state_changed_at = now if po.state != po_before["state"] else po.state_changed_at
        po.acknowledged_at = now
        po.has_unconfirmed_changes = False
        po.save()
        audit_record(actor=actor, action="purchase_order.acknowledge", obj=po, before=po_before, after=snapshot(po, PO_AUDITED))
    return po


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


# Deadlines (Celery beat) -------------------------------------------------------------------------
def purchase_orders_send_confirmation_reminders(*, now: datetime.datetime | None = None, hours_before: int = 12) -> int:
    """Remind vendors of POs whose confirmation is due within `hours_before` hours. Each PO once."""
    now = now or timezone.now()
    due = PurchaseOrder.objects.filter(
        state=PurchaseOrderState.NEW,
        confirmation_reminder_sent_at__isnull=True,
        confirmation_due_at__gt=now,  # a reminder after the deadline helps nobody
        confirmation_due_at__lte=now + datetime.timedelta(hours=hours_before),
    ).select_related("vendor", "marketplace")
    sent = 0
    for po in due:
        with transaction.atomic():
            # Compare-and-set: a second beat run or worker never sends the same reminder twice.
            claimed = PurchaseOrder.objects.filter(pk=po.pk, confirmation_reminder_sent_at__isnull=True).update(confirmation_reminder_sent_at=now)
            if not claimed:
                continue
            po.confirmation_reminder_sent_at = now
            audit_record(actor=Actor.system(), action="purchase_order.reminder", obj=po, after={"confirmation_due_at": po.confirmation_due_at})
            notify_vendor_roles(
                vendor=po.vendor,
                roles=CONFIRMERS,
                marketplace=po.marketplace,
                kind="po_confirmation_due",
                title=_("Confirmation due soon: PO %(number)s") % {"number": po.number},
                body=_("Confirm by %(due)s or the PO may be cancelled.") % {"due": timezone.localtime(po.confirmation_due_at).strftime("%Y-%m-%d %H:%M")},
                url=f"/purchase-orders/{po.number}/",
            )
            sent += 1
    return sent


def purchase_orders_cancel_unconfirmed(*, now: datetime.datetime | None = None) -> int:
    """Cancel POs still unconfirmed after their ship window closed."""
    now = now or timezone.now()
    cancelled = 0
    for po_id in PurchaseOrder.objects.filter(state=PurchaseOrderState.NEW, ship_window_end__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            po = PurchaseOrder.objects.select_for_update().filter(pk=po_id, state=PurchaseOrderState.NEW).first()
            if po is None:
                continue
            _set_state(po, PurchaseOrderState.CANCELLED, Actor.system(), action="purchase_order.cancel_unconfirmed", note="unconfirmed past the ship window")
            notify_vendor_roles(
                vendor=po.vendor, roles=CONFIRMERS, marketplace=po.marketplace, kind="po_cancelled",
                title=_("PO %(number)s was cancelled: not confirmed before its ship window closed") % {"number": po.number},
                url=f"/purchase-orders/{po.number}/",
            )
            cancelled += 1
    return cancelled


# Shipments and receipts (called by shipments.services inside its transaction) -----------------------
def _refresh_state_after_shipment(po: PurchaseOrder, actor: Actor) -> None:
    lines = list(po.lines.all())
    if not any(line.shipped_quantity for line in lines):
        return
    target = PurchaseOrderState.SHIPPED if all(line.open_to_ship == 0 for line in lines) else PurchaseOrderState.PARTIALLY_SHIPPED
    if po.state != target and po.can_transition_to(target):
        _set_state(po, target, actor, action="purchase_order.ship")


def purchase_order_lines_record_shipment(*, quantities: dict[int, int], actor: Actor) -> list[PurchaseOrderLine]:
    """Add (or, for a Replace ASN, take back) shipped quantities: {PO line id: change}.

    Locks the lines in id order, refuses to ship more than accepted + backordered, and moves each PO
    to partially shipped or shipped.
    """
    with transaction.atomic():
        lines = list(
            PurchaseOrderLine.objects.select_for_update().filter(pk__in=quantities).select_related("purchase_order").order_by("pk")
        )
        errors = []
        for line in lines:
            new_shipped = line.shipped_quantity + quantities[line.pk]
            if new_shipped < 0 or new_shipped > line.accepted_quantity + line.backordered_quantity:
                errors.append(
                    _error(
                        f"lines.{line.pk}",
                        _("PO %(number)s line %(n)s: only %(open)s open to ship, %(wanted)s asked.")
                        % {"number": line.purchase_order.number, "n": line.sequence, "open": line.open_to_ship, "wanted": quantities[line.pk]},
                        "over_shipped",
                    )
                )
        if errors:
            raise DomainValidationError(_("More than was confirmed cannot be shipped."), errors=errors)
        purchase_orders = {}
        for line in lines:
            before = {"shipped_quantity": line.shipped_quantity}
            line.shipped_quantity += quantities[line.pk]
            line.save(update_fields=["shipped_quantity"])
            audit_record(actor=actor, action="purchase_order_line.ship", obj=line, vendor=line.purchase_order.vendor, before=before, after={"shipped_quantity": line.shipped_quantity})
            purchase_orders[line.purchase_order_id] = line.purchase_order
        for po in PurchaseOrder.objects.select_for_update().filter(pk__in=purchase_orders).order_by("pk"):
            _refresh_state_after_shipment(po, actor)
    return lines


def purchase_order_lines_record_receipt(*, quantities: dict[int, tuple[int, int]], actor: Actor) -> list[PurchaseOrderLine]:
    """Add DC receipts: {PO line id: (received, damaged)}. A PO whose shipped units are all received
    and that has nothing left to ship becomes received."""
    with transaction.atomic():
        lines = list(
            PurchaseOrderLine.objects.select_for_update().filter(pk__in=quantities).select_related("purchase_order").order_by("pk")
        )
        purchase_orders = {}
        for line in lines:
            received, damaged = quantities[line.pk]
            before = {"received_quantity": line.received_quantity, "damaged_quantity": line.damaged_quantity}
            line.received_quantity += received
            line.damaged_quantity += damaged
            line.save(update_fields=["received_quantity", "damaged_quantity"])
            audit_record(
                actor=actor, action="purchase_order_line.receive", obj=line, vendor=line.purchase_order.vendor,
                before=before, after={"received_quantity": line.received_quantity, "damaged_quantity": line.damaged_quantity},
            )
            purchase_orders[line.purchase_order_id] = line.purchase_order
        for po in PurchaseOrder.objects.select_for_update().filter(pk__in=purchase_orders).order_by("pk"):
            po_lines = list(po.lines.all())
            fully_received = all(line.open_to_ship == 0 and line.received_quantity >= line.shipped_quantity for line in po_lines)
            if fully_received and po.can_transition_to(PurchaseOrderState.RECEIVED):
                _set_state(po, PurchaseOrderState.RECEIVED, actor, action="purchase_order.receive")
    return lines


# Invoices (called by invoicing.services inside its transaction) -----------------------------------
def purchase_order_lines_record_invoice(*, quantities: dict[int, int], actor: Actor) -> list[PurchaseOrderLine]:
    """Add (or, for a rejected invoice, take back) invoiced quantities: {PO line id: change}. Never below zero."""
    with transaction.atomic():
        lines = list(
            PurchaseOrderLine.objects.select_for_update().filter(pk__in=quantities).select_related("purchase_order").order_by("pk")
        )
        for line in lines:
            before = {"invoiced_quantity": line.invoiced_quantity}
            line.invoiced_quantity = max(0, line.invoiced_quantity + quantities[line.pk])
            line.save(update_fields=["invoiced_quantity"])
            audit_record(
                actor=actor, action="purchase_order_line.invoice", obj=line, vendor=line.purchase_order.vendor,
                before=before, after={"invoiced_quantity": line.invoiced_quantity},
            )
    return lines
