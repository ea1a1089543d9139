"""The rules read the scorecard's stored weeks (numerators and denominators summed, never rates averaged), a
week missing or computed before it ended being recomputed first; the weekly cap holds across re-runs."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance import measures
from compliance.models import ComplianceCharge, FeeType, Measure, RateCardRule, RuleOutcome, ViolationKind
from compliance.services.evaluation import compliance_evaluate_week
from reconciliation.models import Deduction
from scorecards import metrics
from scorecards.models import ScorecardWeek, ScorecardWeekRun
from scorecards.services.weeks import scorecard_store_week, scorecard_store_weeks
from tests.compliance.factories import DAY, WEEK, on_time_rule, published_card, purchase_order, shipped, this_week
from tests.factories import marketplace

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_weeks(vendor):
    """Week A: 10 of 20 units late. Week B: 10 of 380 late."""
    week_a, week_b = this_week() - 2 * WEEK, this_week() - WEEK
    shipped(purchase_order(vendor, "PO-A1", 10, promised=week_a), week_a + 2 * DAY)
    shipped(purchase_order(vendor, "PO-A2", 10, promised=week_a + 4 * DAY), week_a + 2 * DAY)
    shipped(purchase_order(vendor, "PO-B1", 370, promised=week_b + 2 * DAY), week_b + DAY)
    shipped(purchase_order(vendor, "PO-B2", 10, promised=week_b), week_b + 3 * DAY)
    return week_a, week_b


def _recomputed(vendor, first, last):
    rows = [row for week in (first, last) for row in metrics.compute_week(week, vendor_ids=[vendor.pk])]
    return metrics.sum_figures(rows)


def test_the_window_sums_the_stored_weeks_and_creates_the_missing_one(vendor, two_weeks):
    week_a, week_b = two_weeks
    us = marketplace("US")
    scorecard_store_week(week=week_a)  # week B was never computed
    totals = measures.scorecard_totals(vendor, us, week_a, week_b + WEEK)
    # 10 + 370 on time of 20 + 380 shipped: 95.0000%, not the 73.68% average of 50% and 97.37%.
    assert (totals.units_shipped_on_time, totals.units_shipped) == (380, 400)
    assert vars(totals) == vars(_recomputed(vendor, week_a, week_b))
    assert measures.measure_value(Measure.ON_TIME_RATE, vendor=vendor, marketplace=us, start=week_a, end=week_b + WEEK) == Decimal("95.0000")
    assert ScorecardWeekRun.objects.filter(vendor=vendor, week=week_b).exists()
    assert ScorecardWeek.objects.filter(vendor=vendor, week=week_b).get().units_shipped == 380


def test_a_fresh_stored_week_is_read_not_recomputed_and_a_stale_one_is_recomputed(vendor, two_weeks):
    week_a, week_b = two_weeks
    us = marketplace("US")
    scorecard_store_weeks(first_week=week_a, last_week=week_b)
    # Read, not recomputed: a stored figure is what the rule sees.
    ScorecardWeek.objects.filter(vendor=vendor, week=week_a).update(units_shipped_on_time=0)
    assert measures.on_time_counts(vendor, us, week_a, week_a + WEEK) == (0, 20)
    # Computed before its week ended (the hourly refresh of the week then open): recomputed first.
    during = datetime.datetime.combine(week_a + 3 * DAY, datetime.time(12), datetime.UTC)
    ScorecardWeek.objects.filter(week=week_a).update(computed_at=during)
    ScorecardWeekRun.objects.filter(week=week_a).update(computed_at=during)
    shipped(purchase_order(vendor, "PO-A3", 30, promised=week_a + 6 * DAY), week_a + 5 * DAY)  # after that refresh
    assert measures.on_time_counts(vendor, us, week_a, week_a + WEEK) == (40, 50)
    assert vars(measures.scorecard_totals(vendor, us, week_a, week_b + WEEK)) == vars(_recomputed(vendor, week_a, week_b))


def _queries_of_a_run(week, rule, weeks):
    rule.trailing_weeks = weeks
    rule.save(update_fields=["trailing_weeks"])
    rule.waivers.update(trailing_weeks=weeks)
    with CaptureQueriesContext(connection) as queries:
        compliance_evaluate_week(week=week)
    return len(queries)


def test_the_evaluation_costs_the_same_for_4_and_52_weeks(vendor):
    week = this_week() - WEEK
    card = published_card(effective_from=week - 60 * WEEK)
    # Always broken (a rate never tops 101%), nothing late: the waiver is checked every run, nothing is charged.
    rule = on_time_rule(card, waiver_weeks=4)
    RateCardRule.objects.filter(pk=rule.pk).update(threshold=Decimal("101"))
    rule.refresh_from_db()
    for n in (0, 5, 30, 50):
        shipped(purchase_order(vendor, f"PO-Q{n}", 10, promised=week - n * WEEK + DAY), week - n * WEEK)
    scorecard_store_weeks(first_week=week - 51 * WEEK, last_week=week)
    _queries_of_a_run(week, rule, 1)  # the outcome row exists from here on: every run below updates it
    four = _queries_of_a_run(week, rule, 4)
    fifty_two = _queries_of_a_run(week, rule, 52)
    assert four == fifty_two
    outcome = RuleOutcome.objects.get(vendor=vendor, rule=rule)
    assert outcome.evidence["waivers"][0]["value"] == "100.0000" and outcome.evidence["trailing_weeks"] == 52


def test_late_data_in_a_charged_week_is_charged_only_up_to_what_the_weekly_cap_leaves(vendor):
    week = this_week() - WEEK
    card = published_card(effective_from=week - WEEK)
    rule = RateCardRule.objects.create(
        rate_card=card,
        violation=ViolationKind.LATE_SHIPMENT,
        measure=Measure.ON_TIME_RATE,
        threshold=Decimal("100"),
        fee_type=FeeType.FLAT,
        fee_amount=Decimal("50"),
        weekly_cap=Decimal("120.00"),
    )
    shipped(purchase_order(vendor, "PO-C1", 5, promised=week), week + 3 * DAY)
    shipped(purchase_order(vendor, "PO-C2", 5, promised=week + DAY), week + 4 * DAY)
    compliance_evaluate_week(week=week)
    assert sorted(Deduction.objects.values_list("amount", flat=True)) == [Decimal("50.00"), Decimal("50.00")]

    # Late ASNs for the same week, shipped earlier in it: they come first in the week's order.
    shipped(purchase_order(vendor, "PO-C3", 5, promised=week), week + DAY)
    shipped(purchase_order(vendor, "PO-C4", 5, promised=week), week + 2 * DAY)
    summary = compliance_evaluate_week(week=week)
    # 100.00 charged already: PO-C3 gets the 20.00 left of the 120.00 cap, PO-C4 nothing.
    assert len(summary.charged) == 1
    assert Deduction.objects.get(pk=summary.charged[0]).purchase_order.number == "PO-C3"
    assert sorted(Deduction.objects.values_list("amount", flat=True)) == [Decimal("20.00"), Decimal("50.00"), Decimal("50.00")]
    outcome = RuleOutcome.objects.get(vendor=vendor, rule=rule, week_start=week)
    assert outcome.fee_total == Decimal("120.00")

    assert compliance_evaluate_week(week=week).charged == []
    assert ComplianceCharge.objects.filter(vendor=vendor, rule=rule).count() == 3


def test_the_open_week_is_counted_as_it_stands_and_never_stored_by_a_read(vendor):
    monday = this_week()
    shipped(purchase_order(vendor, "PO-W1", 12, promised=monday), monday)
    totals = measures.scorecard_totals(vendor, marketplace("US"), monday, monday + WEEK)
    assert (totals.units_shipped_on_time, totals.units_shipped) == (12, 12)
    assert not ScorecardWeek.objects.filter(week=monday).exists() and not ScorecardWeekRun.objects.filter(week=monday).exists()
