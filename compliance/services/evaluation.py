"""The weekly judgement: each rule of the rate card in force, per vendor, for one week.

- `fee_for(rule, violation)` / `week_fees(rule, violations)`: the fee of one violation (capped), and of a week's
  violations in order (the weekly cap takes the last ones down).
- `rule_judge(*, rule, vendor, marketplace, week)`: the measure over the rule's window, broken or not, the
  waivers and whether one holds, the violations and their fees. A pure read: the forecast uses it too.
- `compliance_evaluate_week(*, week, actor, vendor_ids=None)`: records a `RuleOutcome` per vendor, rule and week
  and raises a chargeback per violation charged. Re-running a week never charges twice: each charge has its
  `ComplianceCharge` key (vendor, rule, week, object) and the vendor's row is locked while its week is judged.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reconciliation.engine import dispute_windows, window_for
from reconciliation.models import Deduction, DeductionKind, DeductionReason, marketplace_today
from reconciliation.services._common import FINANCE_ROLES, deduction_event_data, deduction_raised
from scorecards.services.weeks import scorecard_store_week
from vendor_portal import events
from vendor_portal.models import Marketplace, Vendor
from vendor_portal.money import ZERO, round_money
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.notifications import notify_vendor_roles

from .. import measures
from ..models import HIGHER_IS_BETTER, VIOLATION_EVENTS, Comparison, ComplianceCharge, FeeType, OutcomeStatus, RateCard, RuleOutcome


def fee_for(rule, violation: measures.Violation) -> Decimal:
    if rule.fee_type == FeeType.FLAT:
        fee = rule.fee_amount
    elif rule.fee_type == FeeType.PER_UNIT:
        fee = rule.fee_amount * violation.units
    else:
        fee = violation.cost_of_goods * rule.fee_amount / 100
    fee = round_money(fee)
    if rule.per_violation_cap is not None:
        fee = min(fee, rule.per_violation_cap)
    return fee


def week_fees(rule, violations: list[measures.Violation], *, charged: dict[str, Decimal] | None = None) -> list[tuple[measures.Violation, Decimal]]:
    """The week's violations with their fees, in order: the weekly cap takes the last ones down.

    `charged` maps the object keys charged by earlier runs of the week to what they were charged: those keep
    their fee (never charged twice, never re-priced) and use up the cap first, so violations found later (late
    data) share only what is left of it: already charged + new <= cap."""
    charged = charged or {}
    room = None if rule.weekly_cap is None else max(rule.weekly_cap - sum(charged.values(), ZERO), ZERO)
    fees = []
    for violation in violations:
        if violation.key in charged:
            fees.append((violation, charged[violation.key]))
            continue
        fee = fee_for(rule, violation)
        if room is not None:
            fee = min(fee, room)
            room -= fee
        if fee > 0:
            fees.append((violation, fee))
    return fees


def breaks(rule, value: Decimal | None) -> bool:
    if value is None:
        return False
    return value < rule.threshold if HIGHER_IS_BETTER[rule.measure] else value > rule.threshold


@dataclass
class WaiverCheck:
    waiver: object
    value: Decimal | None
    start: datetime.date
    end: datetime.date

    @property
    def holds(self) -> bool:
        return self.value is not None and Comparison(self.waiver.comparison).holds(self.value, self.waiver.threshold)

    def as_evidence(self) -> dict:
        return {
            "measure": self.waiver.measure,
            "comparison": self.waiver.comparison,
            "threshold": str(self.waiver.threshold),
            "trailing_weeks": self.waiver.trailing_weeks,
            "window": [self.start.isoformat(), (self.end - datetime.timedelta(days=1)).isoformat()],
            "value": str(self.value) if self.value is not None else None,
            "holds": self.holds,
        }


@dataclass
class Judgement:
    rule: object
    week: datetime.date
    value: Decimal | None
    start: datetime.date
    end: datetime.date
    waivers: list[WaiverCheck] = field(default_factory=list)
    fees: list[tuple[measures.Violation, Decimal]] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return breaks(self.rule, self.value)

    @property
    def waived(self) -> bool:
        return any(check.holds for check in self.waivers)

    @property
    def status(self) -> str:
        if not self.broken or not self.fees:
            return OutcomeStatus.PASSED
        return OutcomeStatus.WAIVED if self.waived else OutcomeStatus.CHARGED

    @property
    def fee_total(self) -> Decimal:
        return sum((fee for _violation, fee in self.fees), ZERO)

    def evidence(self) -> dict:
        rule = self.rule
        return {
            "rate_card": {"id": rule.rate_card_id, "version": rule.rate_card.version, "effective_from": rule.rate_card.effective_from.isoformat()},
            "rule": rule.pk,
            "violation": rule.violation,
            "week": self.week.isoformat(),
            "measure": rule.measure,
            "value": str(self.value) if self.value is not None else None,
            "threshold": str(rule.threshold),
            "trailing_weeks": rule.trailing_weeks,
            "window": [self.start.isoformat(), (self.end - datetime.timedelta(days=1)).isoformat()],
            "fee": {"type": rule.fee_type, "amount": str(rule.fee_amount), "currency": rule.rate_card.currency},
            "waivers": [check.as_evidence() for check in self.waivers],
        }


def rule_judge(*, rule, vendor, marketplace, week: datetime.date, charged: dict[str, Decimal] | None = None) -> Judgement:
    """`charged`: what earlier runs of the week charged, by object key (see `week_fees`)."""
    start, end = measures.window(week, rule.trailing_weeks)
    value = measures.measure_value(rule.measure, vendor=vendor, marketplace=marketplace, start=start, end=end, violation=rule.violation)
    judgement = Judgement(rule=rule, week=week, value=value, start=start, end=end)
    if judgement.broken:
        for waiver in rule.waivers.all():
            w_start, w_end = measures.window(week, waiver.trailing_weeks)
            w_value = measures.measure_value(
                waiver.measure, vendor=vendor, marketplace=marketplace, start=w_start, end=w_end, violation=rule.violation
            )
            judgement.waivers.append(WaiverCheck(waiver=waiver, value=w_value, start=w_start, end=w_end))
        judgement.fees = week_fees(rule, measures.violations(rule.violation, vendor=vendor, marketplace=marketplace, week=week), charged=charged)
    return judgement


@dataclass
class EvaluationSummary:
    week: datetime.date
    outcomes: int = 0
    charged: list[int] = field(default_factory=list)  # deduction ids raised by this run
    waived: int = 0

    def as_dict(self) -> dict:
        return {"week": self.week.isoformat(), "outcomes": self.outcomes, "chargebacks": len(self.charged), "waived": self.waived}


def compliance_evaluate_week(*, week: datetime.date, actor: Actor | None = None, vendor_ids=None) -> EvaluationSummary:
    """Judge the week starting on `week`'s Monday for every active vendor (or those given) in every marketplace
    whose rate card was in force then."""
    actor = actor or Actor.system()
    week = measures.week_start(week)
    summary = EvaluationSummary(week=week)
    cards = [card for card in (RateCard.objects.in_force(marketplace, week) for marketplace in Marketplace.objects.all()) if card is not None]
    if not cards:
        return summary
    vendors = Vendor.objects.filter(is_active=True).order_by("pk")
    if vendor_ids is not None:
        vendors = vendors.filter(pk__in=vendor_ids)
    for vendor_id in vendors.values_list("pk", flat=True):
        for card in cards:
            _evaluate_vendor(vendor_id=vendor_id, card=card, week=week, actor=actor, summary=summary)
    return summary


def _charged_before(vendor, rule, week) -> dict[str, Decimal]:
    """What earlier runs charged for the rule's week, by object key; and the compliance events charged already at
    reconciliation's old flat rate (one fee per fault: not charged again, and their fee counts against the cap)."""
    charged = dict(
        ComplianceCharge.objects.filter(vendor=vendor, rule=rule, week_start=week).values_list("object_key", "deduction__amount").order_by()
    )
    if rule.violation in VIOLATION_EVENTS:
        start, end = measures.window(week, 1)
        flat = (
            Deduction.objects.filter(
                vendor=vendor,
                kind=DeductionKind.CHARGEBACK,
                compliance_event__kind__in=VIOLATION_EVENTS[rule.violation],
                compliance_event__occurred_at__gte=datetime.datetime.combine(start, datetime.time(), datetime.UTC),
                compliance_event__occurred_at__lt=datetime.datetime.combine(end, datetime.time(), datetime.UTC),
            )
            .exclude(compliance_charge__isnull=False)
            .values_list("compliance_event_id", "amount")
        )
        for event_id, amount in flat:
            charged.setdefault(f"event:{event_id}", amount)
    return charged


def _evaluate_vendor(*, vendor_id, card, week, actor, summary) -> None:
    marketplace = card.marketplace
    days, _max = window_for(dispute_windows(), marketplace.pk, DeductionKind.CHARGEBACK)
    with transaction.atomic():
        # Two runs of the same week (a beat tick and an operator) wait here for each other: the second finds the
        # first one's charges and raises nothing.
        vendor = Vendor.objects.select_for_update().get(pk=vendor_id)
        # The judged week's stored scorecard is recomputed first: late data (a receipt, an ASN) lands there.
        if week <= timezone.now().date():
            scorecard_store_week(week=week, vendor_ids=[vendor.pk])
        raised = []
        for rule in card.rules.select_related("rate_card").prefetch_related("waivers"):
            charged = _charged_before(vendor, rule, week)
            judgement = rule_judge(rule=rule, vendor=vendor, marketplace=marketplace, week=week, charged=charged)
            evidence = judgement.evidence()
            RuleOutcome.objects.update_or_create(
                vendor=vendor,
                rule=rule,
                week_start=week,
                defaults={
                    "marketplace": marketplace,
                    "status": judgement.status,
                    "measure_value": judgement.value,
                    "fee_total": judgement.fee_total if judgement.status == OutcomeStatus.CHARGED else ZERO,
                    "evidence": {**evidence, "violations": [violation.as_evidence() | {"fee": str(fee)} for violation, fee in judgement.fees]},
                },
            )
            summary.outcomes += 1
            if judgement.status == OutcomeStatus.WAIVED:
                summary.waived += 1
            if judgement.status != OutcomeStatus.CHARGED:
                continue
            for violation, fee in judgement.fees:
                if violation.key in charged:
                    continue
                deduction = Deduction.objects.create(
                    vendor=vendor,
                    marketplace=marketplace,
                    kind=DeductionKind.CHARGEBACK,
                    reason=rule.reason,
                    amount=fee,
                    currency=card.currency,
                    purchase_order_id=violation.purchase_order_id,
                    shipment_id=violation.shipment_id,
                    # An event's chargeback names it: reconciliation's nightly flat-rate chargebacks then skip it.
                    compliance_event_id=violation.compliance_event_id,
                    evidence={**evidence, "violation": violation.as_evidence()},
                    dispute_deadline=marketplace_today(marketplace) + datetime.timedelta(days=days),
                    description=_("%(reason)s, week of %(week)s: %(object)s")
                    % {
                        "reason": DeductionReason(rule.reason).label,
                        "week": date_format(week),
                        "object": violation.purchase_order_number or violation.shipment_identifier or violation.key,
                    },
                )
                ComplianceCharge.objects.create(vendor=vendor, rule=rule, week_start=week, object_key=violation.key, deduction=deduction)
                audit_record(actor=actor, action="deduction.raise", obj=deduction, after=deduction_event_data(deduction))
                events.publish(deduction_raised(deduction, channel=actor.channel))
                raised.append(deduction)
        if raised:
            summary.charged.extend(d.pk for d in raised)
            total = sum((d.amount for d in raised), ZERO)
            notify_vendor_roles(
                vendor=vendor,
                roles=FINANCE_ROLES,
                marketplace=marketplace,
                kind="compliance_charged",
                title=_("%(count)s compliance chargebacks for the week of %(week)s: %(amount)s %(cur)s")
                % {"count": len(raised), "week": date_format(week), "amount": total, "cur": card.currency},
                url="/payments/deductions/",
            )
