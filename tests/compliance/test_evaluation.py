"""The weekly judgement: a rate card with a waiver charges one week and waives the next; a re-run (the beat
job, the operator's command) never charges twice; fees and caps by hand."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from compliance import tasks
from compliance.measures import Violation
from compliance.models import ComplianceCharge, FeeType, OutcomeStatus, RateCardRule, RuleOutcome
from compliance.services.evaluation import compliance_evaluate_week, fee_for, week_fees
from reconciliation.models import Deduction, DeductionKind, DeductionReason
from tests.compliance.factories import DAY, WEEK, on_time_rule, published_card, purchase_order, shipped, this_week
from vendor_portal.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_weeks(vendor):
    """Week A: 10 of 20 units late (50%). Week B: 10 of 380 late, so the trailing 4 weeks are 380/400 = 95% on time."""
    week_a, week_b = this_week() - 2 * WEEK, this_week() - WEEK
    card = published_card(effective_from=week_a - 4 * WEEK)
    rule = on_time_rule(card)
    late_a = purchase_order(vendor, "PO-A1", 10, promised=week_a)
    shipped(late_a, week_a + 2 * DAY)
    shipped(purchase_order(vendor, "PO-A2", 10, promised=week_a + 4 * DAY), week_a + 2 * DAY)
    shipped(purchase_order(vendor, "PO-B1", 370, promised=week_b + 2 * DAY), week_b + DAY)
    shipped(purchase_order(vendor, "PO-B2", 10, promised=week_b), week_b + 3 * DAY)
    return {"week_a": week_a, "week_b": week_b, "rule": rule, "late_a": late_a}


def test_a_rate_card_with_a_waiver_charges_one_week_and_waives_the_next(vendor, two_weeks):
    summary = compliance_evaluate_week(week=two_weeks["week_a"])
    deduction = Deduction.objects.get(vendor=vendor)
    # 10 late units x 10.00 x 3% = 3.00
    assert (deduction.kind, deduction.reason, deduction.amount, deduction.currency) == (
        DeductionKind.CHARGEBACK,
        DeductionReason.LATE_SHIPMENT,
        Decimal("3.00"),
        "USD",
    )
    assert deduction.purchase_order == two_weeks["late_a"]
    evidence = deduction.evidence
    assert evidence["value"] == "50.0000" and evidence["threshold"] == "100.0000" and evidence["trailing_weeks"] == 1
    assert evidence["rate_card"]["version"] == 1
    assert evidence["waivers"][0]["value"] == "50.0000" and evidence["waivers"][0]["holds"] is False
    assert evidence["violation"]["purchase_order"] == "PO-A1" and evidence["violation"]["units"] == 10
    assert summary.as_dict()["chargebacks"] == 1
    assert AuditEvent.objects.filter(action="deduction.raise", object_id=str(deduction.pk)).exists()

    summary = compliance_evaluate_week(week=two_weeks["week_b"])
    assert Deduction.objects.filter(vendor=vendor).count() == 1  # nothing new: waived
    outcome = RuleOutcome.objects.get(vendor=vendor, week_start=two_weeks["week_b"])
    assert outcome.status == OutcomeStatus.WAIVED
    assert outcome.measure_value == Decimal("97.3684")  # the week itself: 370 of 380 on time
    assert outcome.evidence["waivers"][0]["value"] == "95.0000"  # 380 of 400 over the trailing 4 weeks
    assert outcome.fee_total == 0
    assert summary.waived == 1


def test_two_runs_of_the_weekly_job_raise_each_chargeback_once(vendor, two_weeks):
    first = compliance_evaluate_week(week=two_weeks["week_a"])
    second = compliance_evaluate_week(week=two_weeks["week_a"] + 3 * DAY)  # any day of the week names it
    call_command("evaluate_compliance", week=two_weeks["week_a"].isoformat())
    assert len(first.charged) == 1 and second.charged == []
    assert Deduction.objects.filter(vendor=vendor).count() == 1
    assert ComplianceCharge.objects.filter(vendor=vendor).count() == 1
    assert RuleOutcome.objects.filter(vendor=vendor).count() == 1


def test_the_monday_beat_job_judges_last_week_once(vendor):
    last_week = this_week() - WEEK
    on_time_rule(published_card(effective_from=last_week - WEEK), waiver_above=None)
    shipped(purchase_order(vendor, "PO-L1", 20, promised=last_week, net_cost="4.00"), last_week + DAY)
    assert tasks.evaluate_last_week()["chargebacks"] == 1
    assert tasks.evaluate_last_week()["chargebacks"] == 0
    # 20 units x 4.00 x 3% = 2.40
    assert list(Deduction.objects.filter(vendor=vendor).values_list("amount", flat=True)) == [Decimal("2.40")]


def test_a_week_before_any_rate_card_charges_nothing(vendor, two_weeks):
    compliance_evaluate_week(week=two_weeks["week_a"] - 8 * WEEK)
    assert not Deduction.objects.exists() and not RuleOutcome.objects.exists()


def test_fees_flat_per_unit_and_percent_with_their_caps():
    late = Violation(key="po_line:1", units=12, cost_of_goods=Decimal("250.00"))
    other = Violation(key="po_line:2", units=3, cost_of_goods=Decimal("40.00"))
    rule = RateCardRule(fee_type=FeeType.PER_UNIT, fee_amount=Decimal("1.25"))
    assert fee_for(rule, late) == Decimal("15.00")  # 12 x 1.25
    rule.per_violation_cap = Decimal("10.00")
    assert fee_for(rule, late) == Decimal("10.00")
    rule = RateCardRule(fee_type=FeeType.PERCENT_OF_COGS, fee_amount=Decimal("5"))
    assert fee_for(rule, late) == Decimal("12.50")  # 5% of 250.00
    rule = RateCardRule(fee_type=FeeType.FLAT, fee_amount=Decimal("100"), weekly_cap=Decimal("150.00"))
    # The weekly cap takes the second one down to what is left of it.
    assert [fee for _v, fee in week_fees(rule, [late, other])] == [Decimal("100"), Decimal("50.00")]


def test_late_asns_are_charged_flat_up_to_the_weekly_cap_and_never_twice_with_the_old_flat_rate(vendor):
    from compliance.models import Measure, ViolationKind
    from reconciliation.engine import chargebacks_raise
    from shipments.models import ComplianceEvent
    from tests.audit_check import audit_exempt

    week = this_week() - WEEK
    card = published_card(effective_from=week - WEEK)
    RateCardRule.objects.create(
        rate_card=card,
        violation=ViolationKind.ASN_LATE,
        measure=Measure.VIOLATIONS,
        threshold=0,
        fee_type=FeeType.FLAT,
        fee_amount=Decimal("50"),
        weekly_cap=Decimal("120"),
    )
    events = []
    for n in range(3):
        shipment = shipped(purchase_order(vendor, f"PO-E{n}", 6, promised=week), week + DAY, identifier=f"ASN-E{n}")
        with audit_exempt():
            events.append(
                ComplianceEvent.objects.create(
                    vendor=vendor,
                    shipment=shipment,
                    kind="asn_late",
                    occurred_at=shipment.submitted_at.replace(year=(week + 2 * DAY).year, month=(week + 2 * DAY).month, day=(week + 2 * DAY).day),
                )
            )
    compliance_evaluate_week(week=week)
    # 50 + 50 + what the 120 cap leaves: 20.
    assert sorted(Deduction.objects.filter(vendor=vendor).values_list("amount", flat=True)) == [Decimal("20.00"), Decimal("50.00"), Decimal("50.00")]
    assert set(Deduction.objects.values_list("compliance_event_id", flat=True)) == {e.pk for e in events}
    # Reconciliation's nightly flat-rate chargebacks find them charged already.
    assert chargebacks_raise() == []
