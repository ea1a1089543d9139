"""Promotions: the buyer drafts and shares a deal; the vendor confirms the supply it commits per line, or
declines, before the deal starts; the buyer may cancel; deals past their end are ended (Celery beat)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, FieldError, ForbiddenError, InvalidTransitionError, NotFoundError, field_error, with_refs
from vendor_portal.models import Marketplace, Product, User, Vendor
from vendor_portal.roles import Action, Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notification_send, notify_retailer_roles, notify_vendor_roles
from vendor_portal.states import require_transition, transition

from ..models import Promotion, PromotionLine, PromotionState, PromotionType, marketplace_today
from ._common import _amount_errors, _catalogue, _require_planner, _resolve_product

MAX_PROMOTION_LINES = 200
MAX_EXPECTED_UNITS = 10_000_000
MAX_PRICE = Decimal("9999999999.99")
PROMOTION_AUDITED = [
    "name",
    "promotion_type",
    "marketplace_id",
    "start_date",
    "end_date",
    "currency",
    "buyer_note",
    "state",
    "decline_reason",
    "cancel_reason",
    "confirmation_revision",
]
LINE_AUDITED = ["sequence", "product_id", "promotional_price", "expected_units", "vendor_funding_per_unit", "committed_units", "commitment_note"]
CONFIRMERS = [Role.VENDOR_ADMIN, Role.VENDOR_OPS]


def _require_confirmer(scope) -> None:
    if scope is None or scope.is_retailer or scope.vendor is None or not scope.can(Action.CONFIRM_PROMOTIONS):
        raise ForbiddenError(_("Your role or token scopes do not allow confirming promotions."))


@dataclass
class PromotionLineInput:
    promotional_price: Decimal | None
    expected_units: int | None
    vendor_funding_per_unit: Decimal | None = Decimal("0.00")
    vendor_sku: str = ""
    asin: str = ""
    ref: object = None  # the door's reference of the line, for its errors


@dataclass
class PromotionInput:
    vendor: Vendor
    marketplace: Marketplace
    name: str
    promotion_type: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    lines: list[PromotionLineInput]
    buyer_note: str = ""
    currency: str = ""


@dataclass
class LineCommitment:
    """The vendor's answer for one line: the units it commits (0 up to the expected units) and a note."""

    sequence: int
    committed_units: int | None
    note: str = ""
    ref: object = None  # the door's reference of the answer, for its errors


def promotion_validate(data: PromotionInput, *, now=None) -> tuple[list[FieldError], list[Product | None]]:
    """Every problem of a promotion as the buyer gives it, and the product of each line."""
    errors = []
    name = (data.name or "").strip()
    if not name:
        errors.append(field_error(None, "name", _("Give the promotion a name."), "required"))
    elif len(name) > 200:
        errors.append(field_error(None, "name", _("A name is at most 200 characters."), "max_length"))
    if data.promotion_type not in PromotionType.values:
        errors.append(
            field_error(
                None,
                "promotion_type",
                _("%(value)s is not one of %(choices)s.") % {"value": data.promotion_type, "choices": ", ".join(PromotionType.values)},
                "invalid_choice",
            )
        )
    if data.currency and data.currency.upper() != data.marketplace.currency:
        errors.append(
            field_error(
                None, "currency", _("Prices in %(mp)s are in %(currency)s.") % {"mp": data.marketplace.code, "currency": data.marketplace.currency}
            )
        )
    today = marketplace_today(data.marketplace, now)
    if data.start_date is None:
        errors.append(field_error(None, "start_date", _("The deal's first day is required."), "required"))
    elif data.start_date <= today:
        errors.append(
            field_error(
                None,
                "start_date",
                _("The deal must start after today (%(today)s in %(mp)s): the vendor confirms before it starts.")
                % {"today": today.isoformat(), "mp": data.marketplace.code},
            )
        )
    elif data.start_date > today + datetime.timedelta(days=366):
        errors.append(field_error(None, "start_date", _("The deal must start within a year.")))
    if data.end_date is None:
        errors.append(field_error(None, "end_date", _("The deal's last day is required."), "required"))
    elif data.start_date is not None and data.end_date < data.start_date:
        errors.append(field_error(None, "end_date", _("The deal ends before it starts.")))
    elif data.start_date is not None and (data.end_date - data.start_date).days > 92:
        errors.append(field_error(None, "end_date", _("A deal runs at most 93 days.")))
    if not data.lines:
        errors.append(field_error(None, "lines", _("A promotion needs at least one product."), "required"))
    elif len(data.lines) > MAX_PROMOTION_LINES:
        errors.append(field_error(None, "lines", _("At most %(max)s products per promotion.") % {"max": MAX_PROMOTION_LINES}, "max_length"))
    products = _catalogue(data.vendor, data.lines)
    resolved: list[Product | None] = []
    seen = {}
    for index, (ref, line) in enumerate(with_refs(data.lines[:MAX_PROMOTION_LINES], "lines")):
        product = _resolve_product(products, line, ref, data.vendor, errors)
        if product is not None and product.pk in seen:
            errors.append(
                field_error(
                    ref, "vendor_sku", _("%(sku)s is already on line %(n)s.") % {"sku": product.vendor_sku, "n": seen[product.pk] + 1}, "duplicate"
                )
            )
        elif product is not None:
            seen[product.pk] = index
        resolved.append(product)
        price_errors = _amount_errors(line.promotional_price, ref, "promotional_price", maximum=MAX_PRICE, label=_("The promotional price"))
        if not price_errors and line.promotional_price <= 0:
            price_errors = [field_error(ref, "promotional_price", _("The promotional price must be above zero."), "min_value")]
        errors.extend(price_errors)
        funding_errors = _amount_errors(
            line.vendor_funding_per_unit, ref, "vendor_funding_per_unit", maximum=MAX_PRICE, label=_("The vendor funding")
        )
        errors.extend(funding_errors)
        if not price_errors and not funding_errors and line.vendor_funding_per_unit > line.promotional_price:
            errors.append(field_error(ref, "vendor_funding_per_unit", _("The vendor funding per unit cannot exceed the promotional price.")))
        if line.expected_units is None:
            errors.append(field_error(ref, "expected_units", _("The expected units are required."), "required"))
        elif not 1 <= line.expected_units <= MAX_EXPECTED_UNITS:
            errors.append(field_error(ref, "expected_units", _("Expect from 1 to %(max)s units.") % {"max": MAX_EXPECTED_UNITS}, "min_value"))
    return errors, resolved


def _promotion_state(promotion: Promotion, lines) -> dict:
    return {**snapshot(promotion, PROMOTION_AUDITED), "lines": [snapshot(line, LINE_AUDITED) for line in lines]}


def _build_lines(promotion: Promotion, data: PromotionInput, products) -> list[PromotionLine]:
    return [
        PromotionLine(
            promotion=promotion,
            sequence=sequence,
            product=product,
            promotional_price=line.promotional_price,
            expected_units=line.expected_units,
            vendor_funding_per_unit=line.vendor_funding_per_unit,
        )
        for sequence, (line, product) in enumerate(zip(data.lines, products, strict=False), start=1)
    ]


def _audit_lines(lines, actor: Actor, vendor, action: str, before: dict | None = None) -> None:
    for line in lines:
        audit_record(actor=actor, action=action, obj=line, vendor=vendor, before=(before or {}).get(line.pk), after=snapshot(line, LINE_AUDITED))


def promotion_create(*, scope, data: PromotionInput, actor: Actor, now=None) -> Promotion:
    """The buyer drafts a promotion; the vendor sees it once it is shared."""
    _require_planner(scope)
    errors, products = promotion_validate(data, now=now)
    if errors:
        raise DomainValidationError(_("The promotion has errors; nothing was saved."), errors=errors)
    with transaction.atomic():
        promotion = Promotion.objects.create(
            vendor=data.vendor,
            marketplace=data.marketplace,
            name=data.name.strip(),
            promotion_type=data.promotion_type,
            start_date=data.start_date,
            end_date=data.end_date,
            currency=data.marketplace.currency,
            buyer_note=data.buyer_note.strip(),
            state=PromotionState.DRAFT,
            state_changed_at=timezone.now(),
            created_by=actor.user,
        )
        lines = _build_lines(promotion, data, products)
        for line in lines:
            line.save()
        audit_record(actor=actor, action="promotion.create", obj=promotion, after=_promotion_state(promotion, lines))
        _audit_lines(lines, actor, promotion.vendor, "promotion_line.create")
    return promotion


def _locked(scope, promotion_id) -> Promotion:
    """Lock the promotion for a write; another vendor's (or, for a vendor, a draft) is 'not found'."""
    try:
        pk = int(promotion_id)
    except (TypeError, ValueError):
        pk = None
    promotion = None
    if pk is not None:
        promotion = Promotion.objects.visible_to(scope).select_related("vendor", "marketplace").select_for_update(of=("self",)).filter(pk=pk).first()
    if promotion is None:
        raise NotFoundError(_("Promotion not found."))
    return promotion


def _refusal(promotion: Promotion, target: str) -> str:
    return _("Promotion %(name)s is %(state)s and cannot become %(target)s.") % {
        "name": promotion.name,
        "state": promotion.get_state_display().lower(),
        "target": PromotionState(target).label.lower(),
    }


def _set_state(promotion: Promotion, state: str, *, extra_fields=()) -> None:
    transition(promotion, state, refusal=_refusal)
    promotion.state_changed_at = timezone.now()
    promotion.save(update_fields=["state", "state_changed_at", "updated_at", *extra_fields])


def promotion_update(*, scope, promotion_id, data: PromotionInput, actor: Actor, now=None) -> Promotion:
    """The buyer edits a draft: header and lines, replaced as given."""
    _require_planner(scope)
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        if not promotion.is_editable:
            raise InvalidTransitionError(
                _("Only a draft can be edited; promotion %(name)s is %(state)s.")
                % {"name": promotion.name, "state": promotion.get_state_display().lower()}
            )
        if data.vendor.pk != promotion.vendor_id:
            raise DomainValidationError(_("A promotion stays with its vendor."), field="vendor")
        errors, products = promotion_validate(data, now=now)
        if errors:
            raise DomainValidationError(_("The promotion has errors; nothing was saved."), errors=errors)
        old_lines = list(promotion.lines.order_by("sequence"))
        before = _promotion_state(promotion, old_lines)
        for name in ("marketplace", "promotion_type", "start_date", "end_date"):
            setattr(promotion, name, getattr(data, name))
        promotion.name = data.name.strip()
        promotion.buyer_note = data.buyer_note.strip()
        promotion.currency = data.marketplace.currency
        promotion.save()
        for line in old_lines:
            audit_record(actor=actor, action="promotion_line.delete", obj=line, vendor=promotion.vendor, before=snapshot(line, LINE_AUDITED))
        promotion.lines.all().delete()
        lines = _build_lines(promotion, data, products)
        for line in lines:
            line.save()
        audit_record(actor=actor, action="promotion.update", obj=promotion, before=before, after=_promotion_state(promotion, lines))
        _audit_lines(lines, actor, promotion.vendor, "promotion_line.create")
    return promotion


def _publish(event_type: type[events.PromotionEvent], promotion: Promotion, actor: Actor, *, previous_state: str, **fields) -> None:
    events.publish(
        event_type(
            vendor_id=promotion.vendor_id,
            channel=actor.channel,
            promotion_id=promotion.pk,
            reference=promotion.name,
            state=promotion.state,
            previous_state=previous_state,
            promotion_type=promotion.promotion_type,
            marketplace=promotion.marketplace.code,
            start_date=promotion.start_date.isoformat(),
            end_date=promotion.end_date.isoformat(),
            **fields,
        )
    )


def _promotion_url(promotion) -> str:
    return f"/planning/promotions/{promotion.pk}/"


def promotion_share(*, scope, promotion_id, actor: Actor, now=None) -> Promotion:
    """Draft → shared: the vendor's admins and ops are asked to confirm before the deal starts."""
    _require_planner(scope)
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        require_transition(promotion, PromotionState.SHARED, refusal=_refusal)
        if promotion.start_date <= marketplace_today(promotion.marketplace, now):
            raise InvalidTransitionError(
                _("The deal starts %(day)s: share it before its first day, or move its dates.")
                % {"day": date_format(promotion.start_date, "DATE_FORMAT")}
            )
        before = snapshot(promotion, PROMOTION_AUDITED)
        promotion.shared_at = timezone.now()
        promotion.shared_by = actor.user
        _set_state(promotion, PromotionState.SHARED, extra_fields=["shared_at", "shared_by"])
        audit_record(actor=actor, action="promotion.share", obj=promotion, before=before, after=snapshot(promotion, PROMOTION_AUDITED))
        _publish(events.PromotionShared, promotion, actor, previous_state=before["state"])
        notify_vendor_roles(
            vendor=promotion.vendor,
            roles=CONFIRMERS,
            marketplace=promotion.marketplace,
            kind="promotion_shared",
            title=_("Promotion to confirm: %(name)s") % {"name": promotion.name},
            body=_("%(type)s in %(mp)s, %(start)s to %(end)s. Confirm the units you commit before %(start)s.")
            % {
                "type": promotion.get_promotion_type_display(),
                "mp": promotion.marketplace.code,
                "start": promotion.start_date.isoformat(),
                "end": promotion.end_date.isoformat(),
            },
            url=_promotion_url(promotion),
        )
    return promotion


def promotion_cancel(*, scope, promotion_id, actor: Actor, reason: str = "") -> Promotion:
    """The buyer cancels a promotion that has not ended; a vendor that saw it is told."""
    _require_planner(scope)
    reason = (reason or "").strip()
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        require_transition(promotion, PromotionState.CANCELLED, refusal=_refusal)
        was_shared = promotion.shared_at is not None  # the vendor has seen it (perhaps before a reopen)
        before = snapshot(promotion, PROMOTION_AUDITED)
        promotion.cancel_reason = reason[:2000]
        _set_state(promotion, PromotionState.CANCELLED, extra_fields=["cancel_reason"])
        # A draft's cancellation has its own action: it is no webhook event, the vendor never saw the draft.
        action = "promotion.cancel" if was_shared else "promotion.cancel_draft"
        audit_record(actor=actor, action=action, obj=promotion, before=before, after=snapshot(promotion, PROMOTION_AUDITED))
        if was_shared:
            _publish(events.PromotionCancelled, promotion, actor, previous_state=before["state"], reason=promotion.cancel_reason)
            notify_vendor_roles(
                vendor=promotion.vendor,
                roles=CONFIRMERS,
                marketplace=promotion.marketplace,
                kind="promotion_cancelled",
                title=_("Promotion cancelled: %(name)s") % {"name": promotion.name},
                body=reason,
                url=_promotion_url(promotion),
            )
    return promotion


def promotion_reopen(*, scope, promotion_id, actor: Actor) -> Promotion:
    """Declined → draft, so the buyer can change it and share it again."""
    _require_planner(scope)
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        if promotion.state != PromotionState.DECLINED:
            raise InvalidTransitionError(_("Only a declined promotion can be reopened."))
        before = snapshot(promotion, PROMOTION_AUDITED)
        _set_state(promotion, PromotionState.DRAFT)
        audit_record(actor=actor, action="promotion.reopen", obj=promotion, before=before, after=snapshot(promotion, PROMOTION_AUDITED))
    return promotion


def _tell_buyers(promotion: Promotion, *, kind: str, title: str, body: str = "") -> None:
    """The buyer who created or shared the promotion; every buyer when neither is known."""
    user_ids = {pk for pk in (promotion.created_by_id, promotion.shared_by_id) if pk}
    if not user_ids:
        notify_retailer_roles(roles=[Role.BUYER], kind=kind, title=title, body=body, url=_promotion_url(promotion), vendor=promotion.vendor)
        return
    vendor, url = promotion.vendor, _promotion_url(promotion)
    transaction.on_commit(
        lambda: notification_send(
            users=User.objects.filter(pk__in=user_ids, is_active=True), kind=kind, title=title, body=body, url=url, vendor=vendor
        )
    )


def _answerable(promotion: Promotion, target: str, now=None) -> None:
    if promotion.has_started(now) and promotion.state in (PromotionState.SHARED, PromotionState.CONFIRMED):
        raise InvalidTransitionError(
            _("The deal started %(when)s: it can no longer be confirmed or declined.")
            % {"when": timezone.localtime(promotion.starts_at, promotion.starts_at.tzinfo).strftime("%Y-%m-%d %H:%M %Z")}
        )
    require_transition(promotion, target, refusal=_refusal)


def promotion_confirm(*, scope, promotion_id, commitments: list[LineCommitment], actor: Actor, now=None) -> Promotion:
    """The vendor commits units per line (0 up to the expected units, every line answered), before the deal
    starts. A confirmed promotion can be confirmed again (revised) until then."""
    _require_confirmer(scope)
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        _answerable(promotion, PromotionState.CONFIRMED, now)
        lines = {line.sequence: line for line in promotion.lines.select_for_update().order_by("sequence")}
        errors = []
        given = {}
        for ref, commitment in with_refs(commitments, "lines"):
            line = lines.get(commitment.sequence)
            if line is None:
                errors.append(field_error(ref, "sequence", _("The promotion has no line %(n)s.") % {"n": commitment.sequence}, "unknown_line"))
                continue
            if commitment.sequence in given:
                errors.append(field_error(ref, "sequence", _("Line %(n)s appears twice.") % {"n": commitment.sequence}, "duplicate"))
                continue
            given[commitment.sequence] = commitment
            units = commitment.committed_units
            if units is None:
                errors.append(
                    field_error(ref, "committed_units", _("Line %(n)s: give the units you commit (0 if none).") % {"n": line.sequence}, "required")
                )
            elif units < 0:
                errors.append(
                    field_error(ref, "committed_units", _("Line %(n)s: committed units cannot be negative.") % {"n": line.sequence}, "min_value")
                )
            elif units > line.expected_units:
                errors.append(
                    field_error(
                        ref,
                        "committed_units",
                        _("Line %(n)s: %(units)s units is more than the %(expected)s the retailer expects.")
                        % {"n": line.sequence, "units": units, "expected": line.expected_units},
                        "above_expected",
                    )
                )
            if len(commitment.note or "") > 500:
                errors.append(field_error(ref, "note", _("A note is at most 500 characters."), "max_length"))
        for sequence in lines:
            if sequence not in given:
                errors.append(
                    field_error(
                        None, "lines", _("Line %(n)s has no answer: give the committed units of every line.") % {"n": sequence}, "line_missing"
                    )
                )
        if not errors and not any(commitment.committed_units for commitment in given.values()):
            errors.append(field_error(None, "lines", _("Commit at least one unit, or decline the promotion."), "nothing_committed"))
        if errors:
            raise DomainValidationError(_("The confirmation has errors; nothing was saved."), errors=errors)
        before_state = _promotion_state(promotion, lines.values())
        line_before = {line.pk: snapshot(line, LINE_AUDITED) for line in lines.values()}
        changed = []
        for sequence, commitment in given.items():
            line = lines[sequence]
            note = (commitment.note or "").strip()
            if line.committed_units != commitment.committed_units or line.commitment_note != note:
                line.committed_units = commitment.committed_units
                line.commitment_note = note
                line.save(update_fields=["committed_units", "commitment_note"])
                changed.append(line)
        if promotion.state == PromotionState.CONFIRMED and not changed:
            # The same commitment sent again (a retry, a second click): no new revision, audit row, event or notice.
            return promotion
        promotion.responded_at = timezone.now()
        promotion.responded_by_label = actor.label
        promotion.decline_reason = ""
        promotion.confirmation_revision += 1
        _set_state(
            promotion, PromotionState.CONFIRMED, extra_fields=["responded_at", "responded_by_label", "decline_reason", "confirmation_revision"]
        )
        audit_record(actor=actor, action="promotion.confirm", obj=promotion, before=before_state, after=_promotion_state(promotion, lines.values()))
        _publish(
            events.PromotionConfirmed, promotion, actor, previous_state=before_state["state"], confirmation_revision=promotion.confirmation_revision
        )
        _audit_lines(changed, actor, promotion.vendor, "promotion_line.commit", before=line_before)
        committed = sum(line.committed_units or 0 for line in lines.values())
        expected = sum(line.expected_units for line in lines.values())
        _tell_buyers(
            promotion,
            kind="promotion_confirmed",
            title=(_("%(vendor)s revised its commitment to %(name)s") if promotion.confirmation_revision > 1 else _("%(vendor)s confirmed %(name)s"))
            % {"vendor": promotion.vendor.code, "name": promotion.name},
            body=_("%(committed)s of %(expected)s expected units committed.") % {"committed": committed, "expected": expected},
        )
    return promotion


def promotion_decline(*, scope, promotion_id, reason: str, actor: Actor, now=None) -> Promotion:
    """The vendor declines, with a reason, before the deal starts (also after confirming: plans change)."""
    _require_confirmer(scope)
    reason = (reason or "").strip()
    if not reason:
        raise DomainValidationError(_("Say why you decline, so the buyer can adjust the deal."), field="reason")
    if len(reason) > 2000:
        raise DomainValidationError(_("A reason is at most 2000 characters."), field="reason")
    with transaction.atomic():
        promotion = _locked(scope, promotion_id)
        _answerable(promotion, PromotionState.DECLINED, now)
        lines = list(promotion.lines.select_for_update().order_by("sequence"))
        before = _promotion_state(promotion, lines)
        line_before = {line.pk: snapshot(line, LINE_AUDITED) for line in lines}
        withdrawn = [line for line in lines if line.committed_units is not None]
        for line in withdrawn:
            line.committed_units = None
            line.save(update_fields=["committed_units"])
        promotion.responded_at = timezone.now()
        promotion.responded_by_label = actor.label
        promotion.decline_reason = reason
        _set_state(promotion, PromotionState.DECLINED, extra_fields=["responded_at", "responded_by_label", "decline_reason"])
        audit_record(actor=actor, action="promotion.decline", obj=promotion, before=before, after=_promotion_state(promotion, lines))
        _publish(events.PromotionDeclined, promotion, actor, previous_state=before["state"], reason=reason)
        _audit_lines(withdrawn, actor, promotion.vendor, "promotion_line.withdraw", before=line_before)
        _tell_buyers(
            promotion,
            kind="promotion_declined",
            title=_("%(vendor)s declined %(name)s") % {"vendor": promotion.vendor.code, "name": promotion.name},
            body=reason,
        )
    return promotion


def promotions_end_due(*, now=None) -> int:
    """System: shared and confirmed promotions whose last day has passed in their marketplace become ended."""
    now = now or timezone.now()
    ended = 0
    candidates = Promotion.objects.filter(
        state__in=[PromotionState.SHARED, PromotionState.CONFIRMED], end_date__lt=now.date() + datetime.timedelta(days=1)
    )
    for pk in candidates.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            promotion = Promotion.objects.select_related("vendor", "marketplace").select_for_update(of=("self",)).filter(pk=pk).first()
            if promotion is None or promotion.state not in (PromotionState.SHARED, PromotionState.CONFIRMED) or now < promotion.ends_at:
                continue
            before = snapshot(promotion, PROMOTION_AUDITED)
            _set_state(promotion, PromotionState.ENDED)
            audit_record(actor=Actor.system(), action="promotion.end", obj=promotion, before=before, after=snapshot(promotion, PROMOTION_AUDITED))
            ended += 1
    return ended
