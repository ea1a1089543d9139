"""The retailer admin writes the rate card: a draft version, its rules and waivers, then publishes it.

- `rate_card_draft(*, scope, actor, marketplace)`: the marketplace's draft, or a new one copying the latest
  published version (rules and waivers): editing a published card always starts here.
- `rate_card_rule_save(*, scope, actor, rate_card, data, rule=None)`, `rate_card_rule_delete(...)`,
  `waiver_save(*, scope, actor, rule, data)`, `waiver_delete(...)`: edit a draft only.
- `rate_card_publish(*, scope, actor, rate_card, effective_from)`: fixes the draft from a Monday after the
  current week, so no week already judged (or being judged) changes card.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from reconciliation.models import marketplace_today
from vendor_portal.errors import DomainValidationError, ForbiddenError, InvalidTransitionError, field_error
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor, audit_record, snapshot

from ..measures import week_start
from ..models import Comparison, FeeType, Measure, RateCard, RateCardRule, RateCardStatus, ViolationKind, Waiver

RULE_FIELDS = ["violation", "measure", "threshold", "trailing_weeks", "fee_type", "fee_amount", "per_violation_cap", "weekly_cap"]
WAIVER_FIELDS = ["measure", "comparison", "threshold", "trailing_weeks"]


def _require_admin(scope) -> None:
    if scope is None or not scope.is_retailer or not scope.can(Action.MANAGE_COMPLIANCE):
        raise ForbiddenError()


def _refuse(message, field=None):
    raise DomainValidationError(message, errors=[field_error(None, field, message)])


def _require_draft(rate_card: RateCard) -> None:
    if not rate_card.is_draft:
        raise InvalidTransitionError(_("A published rate card is never edited: edit a new draft version."))


def _card_state(card: RateCard) -> dict:
    return {
        **snapshot(card, ["marketplace_id", "version", "status", "effective_from", "currency"]),
        "rules": [{**snapshot(rule, RULE_FIELDS), "waivers": [snapshot(w, WAIVER_FIELDS) for w in rule.waivers.all()]} for rule in card.rules.all()],
    }


def rate_card_draft(*, scope, actor: Actor, marketplace) -> RateCard:
    _require_admin(scope)
    with transaction.atomic():
        existing = RateCard.objects.select_for_update().filter(marketplace=marketplace, status=RateCardStatus.DRAFT).first()
        if existing is not None:
            return existing
        latest = RateCard.objects.published().filter(marketplace=marketplace).order_by("-version").first()
        version = (RateCard.objects.filter(marketplace=marketplace).aggregate(top=Max("version"))["top"] or 0) + 1
        draft = RateCard.objects.create(
            marketplace=marketplace, version=version, currency=marketplace.currency, created_by=actor.user, note=latest.note if latest else ""
        )
        if latest is not None:
            for rule in latest.rules.prefetch_related("waivers"):
                copy = RateCardRule.objects.create(rate_card=draft, **{name: getattr(rule, name) for name in RULE_FIELDS})
                Waiver.objects.bulk_create([Waiver(rule=copy, **{name: getattr(w, name) for name in WAIVER_FIELDS}) for w in rule.waivers.all()])
        audit_record(actor=actor, action="rate_card.draft", obj=draft, after={**_card_state(draft), "copied_from": latest.pk if latest else None})
    return draft


def _decimal(data, name, *, required=True, minimum=Decimal(0)):
    raw = data.get(name)
    if raw in (None, ""):
        if required:
            _refuse(_("Enter a number."), name)
        return None
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        _refuse(_("Enter a number."), name)
    if not value.is_finite() or value < minimum:
        _refuse(_("Enter a number of at least %(min)s.") % {"min": minimum}, name)
    return value


def _weeks(data, name):
    try:
        weeks = int(data.get(name) or 0)
    except (TypeError, ValueError):
        weeks = 0
    if not 1 <= weeks <= 52:
        _refuse(_("Enter between 1 and 52 weeks."), name)
    return weeks


def _choice(data, name, choices):
    value = data.get(name)
    if value not in choices.values:
        _refuse(_("Choose one of the options."), name)
    return value


def _rule_values(data) -> dict:
    values = {
        "violation": _choice(data, "violation", ViolationKind),
        "measure": _choice(data, "measure", Measure),
        "threshold": _decimal(data, "threshold"),
        "trailing_weeks": _weeks(data, "trailing_weeks"),
        "fee_type": _choice(data, "fee_type", FeeType),
        "fee_amount": _decimal(data, "fee_amount", minimum=Decimal("0.0001")),
        "per_violation_cap": _decimal(data, "per_violation_cap", required=False),
        "weekly_cap": _decimal(data, "weekly_cap", required=False),
    }
    if values["measure"] != Measure.VIOLATIONS and values["threshold"] > 100:
        _refuse(_("A rate is at most 100%."), "threshold")
    if values["fee_type"] == FeeType.PERCENT_OF_COGS and values["fee_amount"] > 100:
        _refuse(_("A percentage is at most 100."), "fee_amount")
    return values


def rate_card_rule_save(*, scope, actor: Actor, rate_card: RateCard, data: dict, rule: RateCardRule | None = None) -> RateCardRule:
    _require_admin(scope)
    values = _rule_values(data)
    with transaction.atomic():
        card = RateCard.objects.select_for_update().get(pk=rate_card.pk)
        _require_draft(card)
        clash = card.rules.filter(violation=values["violation"]).exclude(pk=rule.pk if rule else None).exists()
        if clash:
            _refuse(_("This rate card already has a rule for that violation."), "violation")
        before = snapshot(rule, RULE_FIELDS) if rule else None
        if rule is None:
            rule = RateCardRule.objects.create(rate_card=card, **values)
        else:
            for name, value in values.items():
                setattr(rule, name, value)
            rule.save()
        audit_record(actor=actor, action="rate_card.rule_save", obj=card, before=before, after=snapshot(rule, ["id", *RULE_FIELDS]))
    return rule


def rate_card_rule_delete(*, scope, actor: Actor, rule: RateCardRule) -> None:
    _require_admin(scope)
    with transaction.atomic():
        card = RateCard.objects.select_for_update().get(pk=rule.rate_card_id)
        _require_draft(card)
        audit_record(actor=actor, action="rate_card.rule_delete", obj=card, before=snapshot(rule, ["id", *RULE_FIELDS]))
        rule.delete()


def waiver_save(*, scope, actor: Actor, rule: RateCardRule, data: dict) -> Waiver:
    _require_admin(scope)
    values = {
        "measure": _choice(data, "measure", Measure),
        "comparison": _choice(data, "comparison", Comparison),
        "threshold": _decimal(data, "threshold"),
        "trailing_weeks": _weeks(data, "trailing_weeks"),
    }
    with transaction.atomic():
        card = RateCard.objects.select_for_update().get(pk=rule.rate_card_id)
        _require_draft(card)
        waiver = Waiver.objects.create(rule=rule, **values)
        audit_record(actor=actor, action="rate_card.waiver_save", obj=card, after={"rule": rule.pk, **snapshot(waiver, WAIVER_FIELDS)})
    return waiver


def waiver_delete(*, scope, actor: Actor, waiver: Waiver) -> None:
    _require_admin(scope)
    with transaction.atomic():
        card = RateCard.objects.select_for_update().get(pk=waiver.rule.rate_card_id)
        _require_draft(card)
        audit_record(actor=actor, action="rate_card.waiver_delete", obj=card, before={"rule": waiver.rule_id, **snapshot(waiver, WAIVER_FIELDS)})
        waiver.delete()


def first_publishable_week(marketplace, today: datetime.date | None = None) -> datetime.date:
    """The Monday after the marketplace's current week: the earliest a new version may judge."""
    today = today or marketplace_today(marketplace)
    return week_start(today) + datetime.timedelta(days=7)


def rate_card_publish(*, scope, actor: Actor, rate_card: RateCard, effective_from: datetime.date) -> RateCard:
    _require_admin(scope)
    with transaction.atomic():
        card = RateCard.objects.select_for_update().select_related("marketplace").get(pk=rate_card.pk)
        _require_draft(card)
        if not card.rules.exists():
            _refuse(_("Add a rule before publishing."), "rules")
        earliest = first_publishable_week(card.marketplace)
        if effective_from.weekday() != 0:
            _refuse(_("A rate card takes effect on a Monday."), "effective_from")
        if effective_from < earliest:
            _refuse(_("A rate card changes future weeks only: choose %(date)s or later.") % {"date": earliest.strftime("%d %b %Y")}, "effective_from")
        last = RateCard.objects.published().filter(marketplace=card.marketplace).order_by("-effective_from").first()
        if last is not None and effective_from <= last.effective_from:
            _refuse(_("Choose a date after the latest published version takes effect."), "effective_from")
        card.status = RateCardStatus.PUBLISHED
        card.effective_from = effective_from
        card.published_by = actor.user
        card.published_at = timezone.now()
        card.save(update_fields=["status", "effective_from", "published_by", "published_at"])
        audit_record(actor=actor, action="rate_card.publish", obj=card, after=_card_state(card))
    return card
