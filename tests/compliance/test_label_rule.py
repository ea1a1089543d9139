"""The rate card's label rule: "label compliance below 98% over 4 weeks, 5.00 per carton". Each violation kind
charges under its own deduction reason."""

import datetime
from decimal import Decimal

import pytest

from compliance import measures
from compliance.models import (
    VIOLATION_EVENTS,
    VIOLATION_REASON,
    Comparison,
    FeeType,
    Measure,
    OutcomeStatus,
    RateCard,
    RateCardRule,
    RuleOutcome,
    ViolationKind,
    Waiver,
)
from compliance.services.evaluation import compliance_evaluate_week, fee_for
from compliance.services.forecast import AT_RISK, CHARGING, vendor_forecast
from compliance.services.rate_cards import rate_card_draft
from reconciliation.models import CHARGEBACK_CATEGORIES, Deduction, DeductionKind, DeductionReason
from shipments.models import ComplianceEvent, Shipment
from tests.audit_check import audit_exempt
from tests.compliance.factories import published_card
from tests.factories import WarehouseFactory, marketplace, retailer_user
from tests.scorecards.factories import MONDAY, at, label_chargeback, shipped_and_received, week_po
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db
WEEK = datetime.timedelta(days=7)


def test_each_violation_kind_charges_under_its_own_reason():
    assert VIOLATION_REASON == {
        ViolationKind.LATE_SHIPMENT: DeductionReason.LATE_SHIPMENT,
        ViolationKind.OTIF: DeductionReason.OTIF,
        ViolationKind.NOT_FILLED: DeductionReason.NOT_FILLED,
        ViolationKind.ASN_LATE: DeductionReason.ASN_LATE,
        ViolationKind.ASN_MISMATCH: DeductionReason.ASN_ACCURACY,
        ViolationKind.APPOINTMENT: DeductionReason.APPOINTMENT,
        ViolationKind.LABEL: DeductionReason.LABEL_NON_COMPLIANCE,
    }
    assert len(set(VIOLATION_REASON.values())) == len(ViolationKind)  # no two kinds share a reason
    assert set(VIOLATION_REASON.values()) <= set(CHARGEBACK_CATEGORIES)
    assert VIOLATION_EVENTS[ViolationKind.LABEL] == ("label_missing", "label_unreadable")


def received_week(vendor, warehouse, week: datetime.date, *, shipments: int, faulty: int, prefix: str) -> list:
    """`shipments` ASNs of one carton of 6 units (one PO line at 10.00 a unit) received on the week's Thursday;
    the DC reported the label of the first `faulty` cartons missing (or unreadable, every other one)."""
    days = (week - MONDAY).days
    cartons = []
    for n in range(shipments):
        _po, line = week_po(vendor, warehouse, ordered=6, accepted=6, shipped=6, number=f"{prefix}-{n:02d}")
        shipment = shipped_and_received(
            line, cartons=[6], received=6, ship_date=at(days + 1).date(), received_at=at(days + 3), identifier=f"{prefix}-ASN-{n:02d}"
        )
        cartons.append(shipment.cartons.get())
    with audit_exempt():
        for n, carton in enumerate(cartons[:faulty]):
            ComplianceEvent.objects.create(
                vendor=vendor,
                shipment=carton.shipment,
                carton=carton,
                kind="label_missing" if n % 2 == 0 else "label_unreadable",
                occurred_at=at(days + 3, 9),
                details={"sscc": carton.sscc, "carton": carton.index},
            )
    return cartons


@pytest.fixture
def label_rule():
    card = published_card(effective_from=MONDAY - 4 * WEEK, code="DE")
    return RateCardRule.objects.create(
        rate_card=card,
        violation=ViolationKind.LABEL,
        measure=Measure.LABEL_COMPLIANCE,
        threshold=Decimal("98"),
        trailing_weeks=4,
        fee_type=FeeType.FLAT,
        fee_amount=Decimal("5"),
    )


@pytest.fixture
def dc():
    return WarehouseFactory(code="MUC1", marketplace=marketplace("DE"), country_code="DE", time_zone="Europe/Berlin")


def test_the_label_rule_charges_the_week_with_2_faulty_cartons_of_40_per_carton(vendor, label_rule, dc):
    cartons = received_week(vendor, dc, MONDAY, shipments=40, faulty=2, prefix="LB")
    de = marketplace("DE")
    # 38 of 40 cartons (one a shipment) received without a label fault: 95% over the 4 weeks (the only week with receipts).
    assert measures.measure_value(Measure.LABEL_COMPLIANCE, vendor=vendor, marketplace=de, start=MONDAY - 3 * WEEK, end=MONDAY + WEEK) == Decimal(
        "95.0000"
    )
    found = measures.violations(ViolationKind.LABEL, vendor=vendor, marketplace=de, week=MONDAY)
    # One per carton: its 6 units, at 10.00 each.
    assert [(v.key, v.units, v.cost_of_goods) for v in found] == [(f"carton:{c.pk}", 6, Decimal("60.00")) for c in cartons[:2]]
    assert measures.measure_value(Measure.VIOLATIONS, vendor=vendor, marketplace=de, start=MONDAY, end=MONDAY + WEEK, violation="label") == 2

    summary = compliance_evaluate_week(week=MONDAY)
    charges = list(Deduction.objects.filter(vendor=vendor).order_by("pk"))
    assert [(d.kind, d.reason, d.amount, d.currency) for d in charges] == [
        (DeductionKind.CHARGEBACK, DeductionReason.LABEL_NON_COMPLIANCE, Decimal("5.00"), "EUR")
    ] * 2
    assert [d.shipment_id for d in charges] == [c.shipment_id for c in cartons[:2]]
    assert {d.compliance_event.carton_id for d in charges} == {c.pk for c in cartons[:2]}
    assert charges[0].evidence["violation"]["sscc"] == cartons[0].sscc
    outcome = RuleOutcome.objects.get(vendor=vendor, rule=label_rule, week_start=MONDAY)
    assert (outcome.status, outcome.measure_value, outcome.fee_total) == (OutcomeStatus.CHARGED, Decimal("95.0000"), Decimal("10.00"))
    assert summary.as_dict()["chargebacks"] == 2
    assert compliance_evaluate_week(week=MONDAY).charged == []  # a re-run charges nothing twice


def test_the_label_rule_passes_a_clean_week(vendor, label_rule, dc):
    week = MONDAY - WEEK
    received_week(vendor, dc, week, shipments=40, faulty=0, prefix="CL")
    compliance_evaluate_week(week=week)
    outcome = RuleOutcome.objects.get(vendor=vendor, rule=label_rule, week_start=week)
    assert (outcome.status, outcome.measure_value, outcome.fee_total) == (OutcomeStatus.PASSED, Decimal("100.0000"), Decimal("0"))
    assert not Deduction.objects.exists()


def test_per_unit_and_cost_of_goods_fees_of_a_faulty_carton(vendor, label_rule, dc):
    received_week(vendor, dc, MONDAY, shipments=1, faulty=1, prefix="PU")
    de = marketplace("DE")
    (violation,) = measures.violations(ViolationKind.LABEL, vendor=vendor, marketplace=de, week=MONDAY)

    label_rule.fee_type, label_rule.fee_amount = FeeType.PER_UNIT, Decimal("0.50")
    assert fee_for(label_rule, violation) == Decimal("3.00")  # 6 units x 0.50
    label_rule.fee_type, label_rule.fee_amount = FeeType.PERCENT_OF_COGS, Decimal("10")
    assert fee_for(label_rule, violation) == Decimal("6.00")  # 10% of 6 x 10.00


def test_the_forecast_says_a_label_fee_is_coming(vendor, label_rule, dc):
    received_week(vendor, dc, MONDAY, shipments=40, faulty=2, prefix="FC")
    forecasts = vendor_forecast(vendor=vendor, marketplaces=[marketplace("DE")], today=MONDAY + datetime.timedelta(days=4))
    (current,) = [f for f in forecasts if f.week == MONDAY and f.rule == label_rule]
    assert (current.status, current.value, current.expected_fee) == (CHARGING, Decimal("95.0000"), Decimal("10.00"))


def cartons_shipment(vendor, warehouse, *, cartons: int, prefix: str, received_on=None, arriving=None):
    """One ASN of `cartons` cartons of one unit: received on the day given (12:00 UTC), or on its way arriving then."""
    _po, line = week_po(vendor, warehouse, ordered=cartons, accepted=cartons, shipped=cartons, number=f"{prefix}-PO")
    day = received_on or arriving
    moment = datetime.datetime.combine(day, datetime.time(12), datetime.UTC)
    shipment = shipped_and_received(
        line, cartons=[1] * cartons, received=cartons, ship_date=day - datetime.timedelta(days=1), received_at=moment, identifier=f"{prefix}-ASN"
    )
    if arriving is not None:
        with audit_exempt():
            shipment.receipts.all().delete()
            Shipment.objects.filter(pk=shipment.pk).update(state="submitted", received_at=None, estimated_arrival=arriving)
    return shipment


def test_one_bad_label_in_a_40_carton_shipment_breaks_98_percent_and_is_charged_for_its_carton(vendor, label_rule, dc):
    shipment = cartons_shipment(vendor, dc, cartons=40, prefix="FT", received_on=MONDAY + datetime.timedelta(days=3))
    bad = shipment.cartons.order_by("index")[4]
    with audit_exempt():
        ComplianceEvent.objects.create(vendor=vendor, shipment=shipment, carton=bad, kind="label_unreadable", occurred_at=at(3, 13))
    de = marketplace("DE")
    window = {"vendor": vendor, "marketplace": de, "start": MONDAY - 3 * WEEK, "end": MONDAY + WEEK}
    # Per carton: 39 of 40 (97.5%, below 98%). Per shipment it read 0 of 1.
    assert measures.measure_value(Measure.LABEL_COMPLIANCE, **window) == Decimal("97.5000")

    compliance_evaluate_week(week=MONDAY)
    (charge,) = Deduction.objects.filter(vendor=vendor)
    assert (charge.amount, charge.reason, charge.compliance_event.carton) == (Decimal("5.00"), DeductionReason.LABEL_NON_COMPLIANCE, bad)
    outcome = RuleOutcome.objects.get(vendor=vendor, rule=label_rule, week_start=MONDAY)
    assert (outcome.status, outcome.measure_value, outcome.fee_total) == (OutcomeStatus.CHARGED, Decimal("97.5000"), Decimal("5.00"))
    # The chargeback is about that carton: the rate stays 97.5%, and a re-run charges nothing more.
    assert compliance_evaluate_week(week=MONDAY).charged == []
    assert RuleOutcome.objects.get(vendor=vendor, rule=label_rule, week_start=MONDAY).measure_value == Decimal("97.5000")


def test_a_label_chargeback_raised_for_a_shipment_fails_all_its_cartons(vendor, label_rule, dc):
    cartons_shipment(vendor, dc, cartons=30, prefix="OK", received_on=MONDAY + datetime.timedelta(days=2))
    charged = cartons_shipment(vendor, dc, cartons=10, prefix="AP", received_on=MONDAY + datetime.timedelta(days=3))
    label_chargeback(charged)  # AP's, by hand, for the shipment
    de = marketplace("DE")
    assert measures.measure_value(Measure.LABEL_COMPLIANCE, vendor=vendor, marketplace=de, start=MONDAY, end=MONDAY + WEEK) == Decimal("75.0000")


def test_the_label_waiver_forecast_says_how_many_cartons_must_arrive_labelled(vendor, label_rule, dc):
    Waiver.objects.create(rule=label_rule, measure=Measure.LABEL_COMPLIANCE, comparison=Comparison.ABOVE, threshold=Decimal("85"), trailing_weeks=4)
    received_week(vendor, dc, MONDAY - WEEK, shipments=10, faulty=2, prefix="LW")  # last week: 8 of 10 cartons
    received_week(vendor, dc, MONDAY, shipments=1, faulty=1, prefix="TW")  # this week so far: 0 of 1
    saturday, sunday = MONDAY + datetime.timedelta(days=5), MONDAY + datetime.timedelta(days=6)
    big = cartons_shipment(vendor, dc, cartons=30, prefix="SAT", arriving=saturday)
    cartons_shipment(vendor, dc, cartons=3, prefix="SUN", arriving=sunday)

    forecasts = vendor_forecast(vendor=vendor, marketplaces=[marketplace("DE")], today=MONDAY + datetime.timedelta(days=4))
    (current,) = [f for f in forecasts if f.week == MONDAY and f.rule == label_rule]
    (waiver,) = current.waivers
    # Trailing 4 weeks: 8 of 11 cartons so far; 41 of 44 if the 33 on their way arrive labelled, 8 of 44 if not.
    assert (waiver.value_now, waiver.value_if_done, waiver.value_if_not) == (Decimal("72.7273"), Decimal("93.1818"), Decimal("18.1818"))
    # The 30 cartons arriving Saturday are enough: 38 of 44 (86.4%) is above 85.
    assert current.status == AT_RISK and current.keeps_waiver
    assert [(a.verb, a.shipment_identifier, a.units, a.due) for a in current.actions] == [("deliver_labelled", big.shipment_identifier, 30, saturday)]
    assert current.summary == "30 cartons must arrive with readable labels by Saturday 7 November to keep the waiver."


def test_a_retailer_admin_adds_the_label_rule_on_the_rate_card_screen(client):

    admin = retailer_user(Role.RETAILER_ADMIN)
    draft = rate_card_draft(
        scope=Scope(is_retailer=True, roles=frozenset({Role.RETAILER_ADMIN})), actor=Actor(user=admin), marketplace=marketplace("DE")
    )
    client.force_login(admin)
    page = client.get(f"/compliance/rate-cards/{draft.pk}/").content.decode()
    assert '<option value="label">Missing or unreadable label</option>' in page and '<option value="label_compliance">' in page
    data = {
        "new-violation": "label",
        "new-measure": "label_compliance",
        "new-threshold": "98",
        "new-trailing_weeks": "4",
        "new-fee_type": "flat",
        "new-fee_amount": "5",
    }
    response = client.post(f"/compliance/rate-cards/{draft.pk}/rules/", data)
    assert response.status_code == 302
    rule = RateCard.objects.get(pk=draft.pk).rules.get()
    assert (rule.violation, rule.measure, rule.threshold, rule.trailing_weeks, rule.fee_type, rule.fee_amount) == (
        "label",
        "label_compliance",
        Decimal("98"),
        4,
        "flat",
        Decimal("5"),
    )
    assert rule.reason == DeductionReason.LABEL_NON_COMPLIANCE
