"""The buyer's side: a purchase order validated and created, changed (lines and windows) or cancelled."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, FieldError, InvalidTransitionError, field_error, with_refs
from vendor_portal.models import Product, Vendor, cost_on, marketplace_today
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_vendor_roles
from vendor_portal.states import require_transition, transition

from ..models import PaymentMethod, PaymentTerms, PurchaseOrder, PurchaseOrderLine, PurchaseOrderState, PurchaseOrderType, UnitOfMeasure
from ._common import CONFIRMERS, LINE_AUDITED, PO_AUDITED, _locked_po, _set_state


@dataclass
class LineInput:
    """A PO line as the buyer issues it."""

    sequence: int
    ordered_quantity: int
    net_cost: Decimal | None = None  # None: the catalogue cost in effect on the PO's order date
    vendor_sku: str = ""
    asin: str = ""
    unit_of_measure: str = UnitOfMeasure.EACHES
    unit_size: int = 1
    backorder_allowed: bool = False
    list_price: Decimal | None = None
    ref: object = None  # the door's reference of the line, for its errors


@dataclass
class LineChange:
    sequence: int
    ordered_quantity: int | None = None
    cancel: bool = False
    ref: object = None  # the door's reference of the change, for its errors


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


def purchase_order_validate(data: PurchaseOrderInput) -> tuple[list[FieldError], dict]:
    """Check a new PO without saving. Returns (errors, products by SKU/ASIN) so bulk upload can dry-run."""
    errors = []
    if not data.number or len(data.number) > 20 or not data.number.replace("-", "").isalnum():
        errors.append(field_error(None, "number", _("A PO number is 1-20 letters or digits.")))
    elif PurchaseOrder.objects.filter(number=data.number).exists():
        errors.append(field_error(None, "number", _("PO number %(number)s already exists.") % {"number": data.number}, "duplicate"))
    for name, value in (("ship_window_start", data.ship_window_start), ("ship_window_end", data.ship_window_end)):
        if value is None:
            errors.append(field_error(None, name, _("Give the ship window's start and end."), "required"))
    if data.ship_window_start and data.ship_window_end and data.ship_window_end < data.ship_window_start:
        errors.append(field_error(None, "ship_window_end", _("The ship window ends before it starts.")))
    if data.delivery_window_start and data.delivery_window_end and data.delivery_window_end < data.delivery_window_start:
        errors.append(field_error(None, "delivery_window_end", _("The delivery window ends before it starts.")))
    if data.ship_to.marketplace_id != data.marketplace.pk:
        errors.append(
            field_error(None, "ship_to", _("DC %(dc)s is not in marketplace %(mp)s.") % {"dc": data.ship_to.code, "mp": data.marketplace.code})
        )
    for name, value, choices in (
        ("order_type", data.order_type, PurchaseOrderType.values),
        ("payment_terms", data.payment_terms, PaymentTerms.values),
        ("payment_method", data.payment_method, PaymentMethod.values),
    ):
        if value not in choices:
            errors.append(
                field_error(None, name, _("%(value)s is not one of %(choices)s.") % {"value": value, "choices": ", ".join(choices)}, "invalid_choice")
            )
    if not data.lines:
        errors.append(field_error(None, "lines", _("A PO needs at least one line.")))
    products = {}
    wanted_skus = {line.vendor_sku for line in data.lines if line.vendor_sku}
    wanted_asins = {line.asin for line in data.lines if line.asin}
    for product in Product.objects.filter(vendor=data.vendor).filter(_sku_or_asin(wanted_skus, wanted_asins)):
        products[("sku", product.vendor_sku)] = product
        products[("asin", product.asin)] = product
    seen = set()
    for ref, line in with_refs(data.lines, "lines"):
        if line.sequence is None or line.sequence < 1:
            errors.append(field_error(ref, "sequence", _("Line numbers start at 1.")))
        elif line.sequence in seen:
            errors.append(field_error(ref, "sequence", _("Line %(n)s appears twice.") % {"n": line.sequence}))
        seen.add(line.sequence)
        errors.extend(_product_errors(products, line, ref, data.vendor))
        if line.ordered_quantity is None or line.ordered_quantity <= 0:
            errors.append(field_error(ref, "ordered_quantity", _("Order at least one unit.")))
        if line.unit_of_measure not in UnitOfMeasure.values:
            errors.append(field_error(ref, "unit_of_measure", _("Unit must be Eaches or Cases.")))
        if line.unit_size is None or line.unit_size < 1:
            errors.append(field_error(ref, "unit_size", _("Unit size must be at least 1.")))
        if line.net_cost is not None and line.net_cost <= 0:
            errors.append(field_error(ref, "net_cost", _("Net cost must be above zero.")))
        elif line.net_cost is None:
            errors.extend(_catalogue_cost_errors(products, line, ref, data))
    return errors, products


def _order_day(data: PurchaseOrderInput) -> datetime.date:
    return marketplace_today(data.marketplace, data.order_date)


def catalogue_net_cost(product, line: LineInput, marketplace, day: datetime.date) -> Decimal | None:
    """A line's net cost from the catalogue: the cost per each in effect on `day`, per case when ordered in cases."""
    row = cost_on(product, marketplace, day)
    if row is None:
        return None
    return row.cost * (line.unit_size if line.unit_of_measure == UnitOfMeasure.CASES and line.unit_size else 1)


def _catalogue_cost_errors(products: dict, line: LineInput, ref, data: PurchaseOrderInput) -> list[FieldError]:
    product = _line_product(products, line)
    if product is None or cost_on(product, data.marketplace, _order_day(data)) is not None:
        return []
    return [
        field_error(
            ref,
            "net_cost",
            _("%(sku)s has no cost in %(mp)s on %(day)s: give the net cost.")
            % {"sku": product.vendor_sku, "mp": data.marketplace.code, "day": _order_day(data).isoformat()},
            "required",
        )
    ]


def _line_product(products: dict, line: LineInput):
    """The catalogue product a line names: by SKU, or by ASIN when no SKU is given."""
    if line.vendor_sku:
        return products.get(("sku", line.vendor_sku))
    return products.get(("asin", line.asin))


def _product_errors(products: dict, line: LineInput, ref, vendor) -> list[FieldError]:
    if not line.vendor_sku and not line.asin:
        return [field_error(ref, "vendor_sku", _("Give the vendor SKU or the ASIN."), "required")]
    by_sku = products.get(("sku", line.vendor_sku)) if line.vendor_sku else None
    by_asin = products.get(("asin", line.asin)) if line.asin else None
    if line.vendor_sku and by_sku is None:
        return [
            field_error(
                ref,
                "vendor_sku",
                _("No product %(id)s in %(vendor)s's catalogue.") % {"id": line.vendor_sku, "vendor": vendor.code},
                "unknown_product",
            )
        ]
    if line.asin and by_asin is None:
        return [
            field_error(ref, "asin", _("No product %(id)s in %(vendor)s's catalogue.") % {"id": line.asin, "vendor": vendor.code}, "unknown_product")
        ]
    if by_sku is not None and by_asin is not None and by_sku.pk != by_asin.pk:
        return [
            field_error(
                ref, "asin", _("ASIN %(asin)s is not the product of SKU %(sku)s.") % {"asin": line.asin, "sku": line.vendor_sku}, "product_mismatch"
            )
        ]
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
            order_day = marketplace_today(data.marketplace, order_date)
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
                        net_cost=line.net_cost if line.net_cost is not None else catalogue_net_cost(product, line, data.marketplace, order_day),
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
            events.publish(
                events.PurchaseOrderCreated(
                    vendor_id=po.vendor_id,
                    channel=actor.channel,
                    purchase_order_id=po.pk,
                    number=po.number,
                    state=po.state,
                    marketplace=data.marketplace.code,
                    ship_to=data.ship_to.code,
                    ship_window_start=po.ship_window_start.isoformat(),
                    ship_window_end=po.ship_window_end.isoformat(),
                )
            )
            notify_vendor_roles(
                vendor=data.vendor,
                roles=CONFIRMERS,
                marketplace=data.marketplace,
                kind="po_new",
                title=_("New purchase order %(number)s") % {"number": po.number},
                body=_("Please confirm by %(due)s.") % {"due": timezone.localtime(po.confirmation_due_at).strftime("%Y-%m-%d %H:%M %Z")},
                url=f"/purchase-orders/{po.number}/",
            )
    except IntegrityError:
        raise DomainValidationError(_("PO number %(number)s already exists.") % {"number": data.number}, field="number") from None
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
            raise InvalidTransitionError(
                _("PO %(number)s can no longer be changed: it is %(state)s.") % {"number": po.number, "state": po.get_state_display().lower()}
            )
        before = snapshot(po, PO_AUDITED)
        existing = {line.sequence: line for line in po.lines.select_for_update().order_by("sequence")}
        errors = []
        changed_dates = {key: value for key, value in dates.items() if getattr(po, key) != value}
        for key, value in changed_dates.items():
            setattr(po, key, value)
        for key in ("ship_window_start", "ship_window_end"):
            if getattr(po, key) is None:
                errors.append(field_error(None, key, _("The ship window needs a start and an end."), "required"))
        if po.ship_window_start and po.ship_window_end and po.ship_window_end < po.ship_window_start:
            errors.append(field_error(None, "ship_window_end", _("The ship window ends before it starts.")))
        if po.delivery_window_start and po.delivery_window_end and po.delivery_window_end < po.delivery_window_start:
            errors.append(field_error(None, "delivery_window_end", _("The delivery window ends before it starts.")))
        changed_lines = []
        for ref, change in with_refs(lines, "lines"):
            line = existing.get(change.sequence)
            if line is None:
                errors.append(field_error(ref, "sequence", _("PO %(number)s has no line %(n)s.") % {"number": po.number, "n": change.sequence}))
                continue
            line_before = snapshot(line, LINE_AUDITED)
            new_quantity = 0 if change.cancel else change.ordered_quantity
            if new_quantity is None or new_quantity < 0:
                errors.append(field_error(ref, "ordered_quantity", _("Quantity must be zero or more.")))
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
            audit_record(
                actor=actor, action="purchase_order_line.change", obj=line, vendor=po.vendor, before=line_before, after=snapshot(line, LINE_AUDITED)
            )
        now = timezone.now()
        po.changed_at = now
        remaining = [line for line in existing.values() if line.ordered_quantity > 0]
        if not remaining:
            transition(po, PurchaseOrderState.CANCELLED)
            po.state_changed_at = now
        elif changed_lines and po.state == PurchaseOrderState.ACKNOWLEDGED:
            transition(po, PurchaseOrderState.NEW)
            po.state_changed_at = now
            po.has_unconfirmed_changes = True
            po.confirmation_due_at = now + datetime.timedelta(hours=settings.PORTAL_CONFIRMATION_DUE_HOURS)
            po.confirmation_reminder_sent_at = None
        else:
            po.has_unconfirmed_changes = po.acknowledged_at is not None
        po.save()
        audit_record(actor=actor, action="purchase_order.change", obj=po, before=before, after=snapshot(po, PO_AUDITED))
        # Cancelling every line cancels the PO: the same news as a cancellation.
        changed = events.PurchaseOrderCancelled if po.state == PurchaseOrderState.CANCELLED else events.PurchaseOrderChanged
        events.publish(
            changed(
                vendor_id=po.vendor_id,
                channel=actor.channel,
                purchase_order_id=po.pk,
                number=po.number,
                state=po.state,
                previous_state=before["state"],
            )
        )
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


def _cannot_cancel(po: PurchaseOrder, _target: str) -> str:
    return _("PO %(number)s cannot be cancelled: it is %(state)s.") % {"number": po.number, "state": po.get_state_display().lower()}


def purchase_order_cancel(*, scope, number: str, actor: Actor, reason: str = "") -> PurchaseOrder:
    with transaction.atomic():
        po = _locked_po(scope, number)
        require_transition(po, PurchaseOrderState.CANCELLED, refusal=_cannot_cancel)
        previous_state = po.state
        _set_state(po, PurchaseOrderState.CANCELLED, actor, action="purchase_order.cancel", note=reason)
        events.publish(
            events.PurchaseOrderCancelled(
                vendor_id=po.vendor_id,
                channel=actor.channel,
                purchase_order_id=po.pk,
                number=po.number,
                state=po.state,
                previous_state=previous_state,
                reason=reason,
            )
        )
        notify_vendor_roles(
            vendor=po.vendor,
            roles=CONFIRMERS,
            marketplace=po.marketplace,
            kind="po_cancelled",
            title=_("Purchase order %(number)s was cancelled") % {"number": po.number},
            body=reason,
            url=f"/purchase-orders/{po.number}/",
        )
    return po
