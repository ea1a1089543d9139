"""The rate card's label rule: "label compliance below 98% over 4 weeks, 5.00 per carton". Each violation kind
charges under its own deduction reason."""

import datetime
from decimal import Decimal

import pytest

from compliance import measures
from compliance.models import VIOLATION_EVENTS, VIOLATION_REASON, FeeType, Measure, OutcomeStatus, RateCard, RateCardRule, RuleOutcome, ViolationKind
from compliance.services.evaluation import compliance_evaluate_week, fee_for
from compliance.services.forecast import CHARGING, vendor_forecast
from compliance.services.rate_cards import rate_card_draft
from reconciliation.models import CHARGEBACK_CATEGORIES, Deduction, DeductionKind, DeductionReason
from shipments.models import ComplianceEvent
from tests.audit_check import audit_exempt
from tests.compliance.factories import published_card
from tests.factories import WarehouseFactory, marketplace, retailer_user
from tests.scorecards.factories import MONDAY, at, shipped_and_received, week_po
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
    # 38 of 40 shipments received without a label fault: 95% over the 4 weeks (the only week with receipts).
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
