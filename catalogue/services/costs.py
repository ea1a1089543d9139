"""Cost change requests: the vendor proposes a new cost per item and marketplace from a date, with a reason
(one at a time or many from a file, all or none); the buyer accepts, counters or rejects; the vendor accepts
or declines a counter. Accepting adds a dated ProductCost row: POs issued (order date, marketplace calendar)
from the effective date take the new cost on their lines, and the invoice checks and the 3-way match compare
against the PO line's cost, so every document of a PO agrees on one cost."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, FieldError, ForbiddenError, InvalidTransitionError, NotFoundError, field_error, with_refs
from vendor_portal.models import Marketplace, Product, ProductCost, cost_on, marketplace_today
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles

from ..models import OPEN_COST_CHANGE_STATES, CostChangeRequest, CostChangeState
from ._common import PROPOSERS, REVIEWERS, amount_errors, require_proposer, require_reviewer

MAX_ROWS = 2000
MAX_DAYS_AHEAD = 366
REQUEST_AUDITED = [
    "product_id",
    "marketplace_id",
    "currency",
    "current_cost",
    "new_cost",
    "counter_cost",
    "agreed_cost",
    "effective_from",
    "reason",
    "buyer_comment",
    "state",
]
COST_AUDITED = ["product_id", "marketplace_id", "cost", "currency", "list_price", "effective_from"]


@dataclass
class CostChangeInput:
    marketplace: str  # its code
    new_cost: Decimal | None
    effective_from: datetime.date | None
    reason: str
    vendor_sku: str = ""
    asin: str = ""
    ref: object = None  # the door's reference (a file's row number, `changes[2]`), for its errors


@dataclass
class CheckedChange:
    product: Product
    marketplace: Marketplace
    current_cost: ProductCost
    data: CostChangeInput


def cost_changes_check(*, scope, changes: list[CostChangeInput], now=None) -> tuple[list[FieldError], list[CheckedChange]]:
    """Every problem of the proposed changes (nothing saved), and each change with its product and old cost."""
    vendor = scope.vendor
    errors: list[FieldError] = []
    checked: list[CheckedChange] = []
    if not changes:
        return [field_error(None, "changes", _("Propose at least one cost change."), "required")], []
    if len(changes) > MAX_ROWS:
        return [field_error(None, "changes", _("At most %(max)s cost changes at once.") % {"max": MAX_ROWS}, "max_length")], []
    skus = {c.vendor_sku.strip() for c in changes if c.vendor_sku}
    asins = {c.asin.strip().upper() for c in changes if c.asin}
    products = {}
    for product in Product.objects.filter(vendor=vendor).filter(Q(vendor_sku__in=skus) | Q(asin__in=asins)):
        products[("sku", product.vendor_sku)] = products[("asin", product.asin)] = product
    marketplaces = {m.code: m for m in Marketplace.objects.all()}
    open_pairs = set(CostChangeRequest.objects.filter(vendor=vendor, state__in=OPEN_COST_CHANGE_STATES).values_list("product_id", "marketplace_id"))
    seen = {}
    for ref, change in with_refs(changes, "changes"):
        problems = len(errors)
        product = _product(products, change, ref, vendor, errors)
        marketplace = marketplaces.get((change.marketplace or "").strip().upper())
        if marketplace is None or not scope.sees_marketplace(marketplace.pk):
            errors.append(field_error(ref, "marketplace", _("No marketplace %(code)s for you.") % {"code": change.marketplace}, "invalid_choice"))
        errors.extend(amount_errors(change.new_cost, ref, "new_cost", label=_("The new cost")))
        if not (change.reason or "").strip():
            errors.append(field_error(ref, "reason", _("Say why the cost changes."), "required"))
        elif len(change.reason) > 2000:
            errors.append(field_error(ref, "reason", _("A reason is at most 2000 characters."), "max_length"))
        if change.effective_from is None:
            errors.append(field_error(ref, "effective_from", _("The effective date is required."), "required"))
        elif marketplace is not None:
            today = marketplace_today(marketplace, now)
            if change.effective_from < today:
                errors.append(
                    field_error(
                        ref,
                        "effective_from",
                        _("The effective date cannot be in the past (today is %(today)s in %(mp)s).")
                        % {"today": today.isoformat(), "mp": marketplace.code},
                        "min_value",
                    )
                )
            elif change.effective_from > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
                errors.append(field_error(ref, "effective_from", _("The effective date is within a year."), "max_value"))
        if product is None or marketplace is None or len(errors) > problems:
            continue
        pair = (product.pk, marketplace.pk)
        if pair in open_pairs:
            errors.append(
                field_error(
                    ref,
                    "vendor_sku",
                    _("%(sku)s already has an open cost change in %(mp)s: wait for its answer.")
                    % {"sku": product.vendor_sku, "mp": marketplace.code},
                    "duplicate",
                )
            )
            continue
        if pair in seen:
            errors.append(
                field_error(
                    ref, "vendor_sku", _("%(sku)s in %(mp)s appears twice.") % {"sku": product.vendor_sku, "mp": marketplace.code}, "duplicate"
                )
            )
            continue
        seen[pair] = ref
        current = cost_on(product, marketplace, change.effective_from - datetime.timedelta(days=1))
        if current is None:
            errors.append(
                field_error(
                    ref, "marketplace", _("%(sku)s has no cost in %(mp)s yet.") % {"sku": product.vendor_sku, "mp": marketplace.code}, "no_cost"
                )
            )
            continue
        if current.cost == change.new_cost:
            errors.append(field_error(ref, "new_cost", _("The cost is already %(cost)s.") % {"cost": current.cost}, "unchanged"))
            continue
        checked.append(CheckedChange(product=product, marketplace=marketplace, current_cost=current, data=change))
    return errors, checked


def _product(products: dict, change: CostChangeInput, ref, vendor, errors: list):
    sku, asin = (change.vendor_sku or "").strip(), (change.asin or "").strip().upper()
    if not sku and not asin:
        errors.append(field_error(ref, "vendor_sku", _("Give the vendor SKU or the ASIN."), "required"))
        return None
    product = products.get(("sku", sku)) if sku else products.get(("asin", asin))
    if product is None:
        field = "vendor_sku" if sku else "asin"
        errors.append(
            field_error(ref, field, _("No product %(id)s in %(vendor)s's catalogue.") % {"id": sku or asin, "vendor": vendor.code}, "unknown_product")
        )
    elif sku and asin and product.asin != asin:
        errors.append(
            field_error(ref, "asin", _("ASIN %(asin)s is not the product of SKU %(sku)s.") % {"asin": asin, "sku": sku}, "product_mismatch")
        )
        return None
    return product


def _request_url(request) -> str:
    return f"/catalogue/cost-changes/{request.pk}/"


def cost_changes_propose(*, scope, changes: list[CostChangeInput], actor: Actor, now=None) -> list[CostChangeRequest]:
    """The vendor proposes cost changes: all of them, or none when any has a problem."""
    require_proposer(scope)
    errors, checked = cost_changes_check(scope=scope, changes=changes, now=now)
    if errors:
        raise DomainValidationError(_("The cost changes have errors; nothing was saved."), errors=errors)
    created = []
    with transaction.atomic():
        for item in checked:
            request = CostChangeRequest.objects.create(
                vendor=scope.vendor,
                product=item.product,
                marketplace=item.marketplace,
                currency=item.marketplace.currency,
                current_cost=item.current_cost.cost,
                new_cost=item.data.new_cost,
                effective_from=item.data.effective_from,
                reason=item.data.reason.strip(),
                state=CostChangeState.PROPOSED,
                state_changed_at=timezone.now(),
                created_by=actor.user,
                created_by_label=actor.label,
            )
            audit_record(actor=actor, action="cost_change.propose", obj=request, after=snapshot(request, REQUEST_AUDITED))
            created.append(request)
        first = created[0]
        notify_retailer_roles(
            roles=REVIEWERS,
            kind="cost_change_proposed",
            title=(
                _("Cost change proposed by %(vendor)s: %(sku)s in %(mp)s")
                % {"vendor": scope.vendor.code, "sku": first.product.vendor_sku, "mp": first.marketplace.code}
                if len(created) == 1
                else _("%(n)s cost changes proposed by %(vendor)s") % {"n": len(created), "vendor": scope.vendor.code}
            ),
            body=first.reason if len(created) == 1 else "",
            url=_request_url(first) if len(created) == 1 else f"/catalogue/cost-changes/?state=proposed&vendor={scope.vendor.code}",
            vendor=scope.vendor,
        )
    return created


def _locked(scope, request_id) -> CostChangeRequest:
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        pk = None
    request = None
    if pk is not None:
        request = (
            CostChangeRequest.objects.visible_to(scope)
            .select_related("vendor", "product", "marketplace")
            .select_for_update(of=("self",))
            .filter(pk=pk)
            .first()
        )
    if request is None:
        raise NotFoundError(_("Cost change request not found."))
    return request


def _refusal(request: CostChangeRequest, target: str) -> str:
    return _("This cost change is %(state)s and cannot become %(target)s.") % {
        "state": request.get_state_display().lower(),
        "target": CostChangeState(target).label.lower(),
    }


def _decide(request: CostChangeRequest, state: str, actor: Actor, *, extra_fields=()) -> None:
    if not request.can_transition_to(state):
        raise InvalidTransitionError(_refusal(request, state))
    request.state = state
    request.state_changed_at = request.decided_at = timezone.now()
    request.decided_by_label = actor.label
    request.save(update_fields=["state", "state_changed_at", "decided_at", "decided_by_label", "updated_at", *extra_fields])


def _answering_side(scope, request: CostChangeRequest) -> None:
    """A proposal waits for the buyer; a counter waits for the vendor."""
    if request.state == CostChangeState.PROPOSED:
        require_reviewer(scope)
    elif request.state == CostChangeState.COUNTERED:
        require_proposer(scope)
    else:
        raise InvalidTransitionError(_("This cost change is %(state)s: it is decided.") % {"state": request.get_state_display().lower()})


def _tell_other_side(request: CostChangeRequest, scope, *, kind: str, title: str, body: str = "") -> None:
    if scope.is_retailer:
        notify_vendor_roles(
            vendor=request.vendor, roles=PROPOSERS, marketplace=request.marketplace, kind=kind, title=title, body=body, url=_request_url(request)
        )
    else:
        notify_retailer_roles(roles=REVIEWERS, kind=kind, title=title, body=body, url=_request_url(request), vendor=request.vendor)


def cost_change_accept(*, scope, request_id, actor: Actor, comment: str = "", now=None) -> CostChangeRequest:
    """The buyer accepts the proposed cost, or the vendor accepts the buyer's counter: the agreed cost applies to
    POs issued from the effective date (a dated ProductCost row)."""
    with transaction.atomic():
        request = _locked(scope, request_id)
        _answering_side(scope, request)
        today = marketplace_today(request.marketplace, now)
        if request.effective_from < today:
            raise InvalidTransitionError(
                _("The effective date %(day)s has passed: POs since then were issued at the old cost. Reject it and propose a new date.")
                % {"day": request.effective_from.isoformat()}
            )
        before = snapshot(request, REQUEST_AUDITED)
        request.agreed_cost = request.cost_to_apply
        if scope.is_retailer and comment:
            request.buyer_comment = comment.strip()[:2000]
        _decide(request, CostChangeState.ACCEPTED, actor, extra_fields=["agreed_cost", "buyer_comment"])
        audit_record(actor=actor, action="cost_change.accept", obj=request, before=before, after=snapshot(request, REQUEST_AUDITED))
        _apply(request, actor)
        _tell_other_side(
            request,
            scope,
            kind="cost_change_accepted",
            title=_("Cost change accepted: %(sku)s in %(mp)s costs %(cost)s %(currency)s from %(day)s")
            % {
                "sku": request.product.vendor_sku,
                "mp": request.marketplace.code,
                "cost": request.agreed_cost,
                "currency": request.currency,
                "day": request.effective_from.isoformat(),
            },
            body=comment,
        )
    return request


def _apply(request: CostChangeRequest, actor: Actor) -> None:
    """The agreed cost from the effective date; the list price carries over from the cost it replaces."""
    existing = (
        ProductCost.objects.select_for_update()
        .filter(product=request.product, marketplace=request.marketplace, effective_from=request.effective_from)
        .first()
    )
    if existing is not None:
        before = snapshot(existing, COST_AUDITED)
        existing.cost, existing.currency = request.agreed_cost, request.currency
        existing.save(update_fields=["cost", "currency"])
        audit_record(
            actor=actor, action="product_cost.update", obj=existing, vendor=request.vendor, before=before, after=snapshot(existing, COST_AUDITED)
        )
        return
    previous = cost_on(request.product, request.marketplace, request.effective_from)
    cost = ProductCost.objects.create(
        product=request.product,
        marketplace=request.marketplace,
        cost=request.agreed_cost,
        currency=request.currency,
        list_price=previous.list_price if previous else None,
        effective_from=request.effective_from,
    )
    audit_record(actor=actor, action="product_cost.create", obj=cost, vendor=request.vendor, after=snapshot(cost, COST_AUDITED))


def cost_change_counter(*, scope, request_id, counter_cost: Decimal | None, actor: Actor, comment: str = "") -> CostChangeRequest:
    """The buyer offers another cost for the same date; the vendor accepts or declines it."""
    require_reviewer(scope)
    errors = amount_errors(counter_cost, None, "counter_cost", label=_("The counter cost"))
    if errors:
        raise DomainValidationError(errors[0].message, errors=errors)
    with transaction.atomic():
        request = _locked(scope, request_id)
        if request.state != CostChangeState.PROPOSED:
            raise InvalidTransitionError(_refusal(request, CostChangeState.COUNTERED))
        if counter_cost == request.new_cost:
            raise DomainValidationError(_("That is the proposed cost: accept it instead."), field="counter_cost")
        before = snapshot(request, REQUEST_AUDITED)
        request.counter_cost = counter_cost
        request.buyer_comment = (comment or "").strip()[:2000]
        _decide(request, CostChangeState.COUNTERED, actor, extra_fields=["counter_cost", "buyer_comment"])
        audit_record(actor=actor, action="cost_change.counter", obj=request, before=before, after=snapshot(request, REQUEST_AUDITED))
        _tell_other_side(
            request,
            scope,
            kind="cost_change_countered",
            title=_("Counter offer for %(sku)s in %(mp)s: %(cost)s %(currency)s")
            % {"sku": request.product.vendor_sku, "mp": request.marketplace.code, "cost": counter_cost, "currency": request.currency},
            body=request.buyer_comment,
        )
    return request


def cost_change_reject(*, scope, request_id, actor: Actor, comment: str = "") -> CostChangeRequest:
    """The buyer rejects a proposal, or the vendor declines a counter: the cost stays as it is."""
    with transaction.atomic():
        request = _locked(scope, request_id)
        _answering_side(scope, request)
        comment = (comment or "").strip()
        if scope.is_retailer and not comment:
            raise DomainValidationError(_("Say why you reject the cost change."), field="comment")
        before = snapshot(request, REQUEST_AUDITED)
        if scope.is_retailer:
            request.buyer_comment = comment[:2000]
        _decide(request, CostChangeState.REJECTED, actor, extra_fields=["buyer_comment"])
        audit_record(actor=actor, action="cost_change.reject", obj=request, before=before, after=snapshot(request, REQUEST_AUDITED))
        _tell_other_side(
            request,
            scope,
            kind="cost_change_rejected",
            title=_("Cost change rejected: %(sku)s in %(mp)s") % {"sku": request.product.vendor_sku, "mp": request.marketplace.code},
            body=comment,
        )
    return request


# Price protection --------------------------------------------------------------------------------------
@dataclass
class ExposureLine:
    purchase_order_number: str
    order_date: datetime.datetime
    sequence: int
    open_units: int  # eaches not yet received
    cost_per_each: Decimal  # the PO line's (old) cost
    difference: Decimal  # new cost − line cost, per each
    exposure: Decimal  # difference × open units


def price_protection_exposure(request: CostChangeRequest, *, limit: int = 200) -> tuple[list[ExposureLine], Decimal]:
    """Open PO lines (not yet received) issued before the effective date, so priced at the old cost: what the
    change would be worth on their open units. Negative: a cost decrease the retailer may claim price protection for.
    The vendor's own stock is `on_hand_exposure`."""
    from purchase_orders.models import OPEN_STATES, PurchaseOrderLine

    new_cost = request.agreed_cost or request.cost_to_apply
    starts = datetime.datetime.combine(request.effective_from, datetime.time(), tzinfo=ZoneInfo(request.marketplace.time_zone))
    lines = (
        PurchaseOrderLine.objects.filter(
            product=request.product,
            purchase_order__marketplace=request.marketplace,
            purchase_order__vendor=request.vendor,
            purchase_order__state__in=OPEN_STATES,
            purchase_order__order_date__lt=starts,
        )
        .select_related("purchase_order")
        .order_by("purchase_order__order_date", "purchase_order_id", "sequence")[:limit]
    )
    rows, total = [], Decimal("0.00")
    for line in lines:
        # A buyer's cancellation already lowered the ordered quantity.
        open_quantity = line.ordered_quantity - line.rejected_quantity - line.received_quantity
        if open_quantity <= 0:
            continue
        unit_size = line.eaches_per_unit
        open_units = open_quantity * unit_size
        per_each = (line.net_cost / unit_size).quantize(Decimal("0.0001"))
        difference = new_cost - per_each
        exposure = (difference * open_units).quantize(Decimal("0.01"))
        total += exposure
        rows.append(
            ExposureLine(line.purchase_order.number, line.purchase_order.order_date, line.sequence, open_units, per_each, difference, exposure)
        )
    return rows, total


@dataclass(frozen=True)
class OnHandExposure:
    units: int  # eaches on hand over the vendor's warehouses, as last reported
    reported_at: datetime.datetime  # the oldest of those reports
    difference: Decimal  # new cost − cost before, per each
    exposure: Decimal


def on_hand_exposure(request: CostChangeRequest) -> OnHandExposure | None:
    """The change on the units the vendor last reported on hand (planning's availability feed), at the cost before
    it; None when the vendor never reported this product."""
    from planning.services.availability import availability_by_product

    stock = availability_by_product([request.product_id]).get(request.product_id)
    if stock is None or request.current_cost is None:
        return None
    difference = (request.agreed_cost or request.cost_to_apply) - request.current_cost
    return OnHandExposure(stock.on_hand, stock.reported_at, difference, (difference * stock.on_hand).quantize(Decimal("0.01")))


def cost_history(*, scope, product, marketplace) -> list[ProductCost]:
    """A product's dated costs in a marketplace, latest first."""
    if not scope.sees_marketplace(marketplace.pk):
        raise ForbiddenError(_("You do not sell in %(mp)s.") % {"mp": marketplace.code})
    return list(ProductCost.objects.visible_to(scope).filter(product=product, marketplace=marketplace).order_by("-effective_from"))
