"""The waiver forecast for every measure a waiver names: the trailing rate at the week's end if the open items
due are done in time and if not, and the fewest POs that keep the waiver, by hand for OTIF and fill rate."""

import datetime
from decimal import Decimal

import pytest
from django.utils.formats import date_format

from compliance.models import Comparison, FeeType, Measure, RateCardRule, ViolationKind, Waiver
from compliance.services.forecast import AT_RISK, vendor_forecast
from purchase_orders.models import PurchaseOrderState
from tests.compliance.factories import DAY, WEEK, published_card, this_week
from tests.factories import marketplace
from tests.purchase_orders.factories import PurchaseOrderFactory, PurchaseOrderLineFactory
from tests.shipments.factories import warehouse

pytestmark = pytest.mark.django_db


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), datetime.UTC)


def _po(vendor, number, *, ordered, accepted=0, state=PurchaseOrderState.ACKNOWLEDGED, **fields):
    dc = warehouse()
    po = PurchaseOrderFactory(
        vendor=vendor,
        number=number,
        marketplace=dc.marketplace,
        ship_to=dc,
        state=state,
        acknowledged_at=None if state == PurchaseOrderState.NEW else _at(this_week() - 3 * WEEK, 9),
        **fields,
    )
    PurchaseOrderLineFactory(
        purchase_order=po, sequence=1, ordered_quantity=ordered, accepted_quantity=accepted, rejected_quantity=ordered - accepted
    )
    return po


def _rule(violation, measure, waiver_measure, above, **fee):
    card = published_card(effective_from=this_week() - 8 * WEEK)
    rule = RateCardRule.objects.create(rate_card=card, violation=violation, measure=measure, threshold=Decimal("100"), trailing_weeks=1, **fee)
    Waiver.objects.create(rule=rule, measure=waiver_measure, comparison=Comparison.ABOVE, threshold=Decimal(above), trailing_weeks=4)
    return rule


def _this_week_forecast(vendor):
    monday = this_week()
    this, _following = vendor_forecast(vendor=vendor, marketplaces=[marketplace("US")], today=monday)
    return this


def _deliver_by(vendor, number, end):
    return _po(vendor, number, ordered=10, accepted=10, delivery_window_start=end - 3 * DAY, delivery_window_end=end)


def test_the_otif_waiver_names_the_pos_that_must_arrive_in_full(vendor):
    monday = this_week()
    _rule(ViolationKind.OTIF, Measure.OTIF, Measure.OTIF, "35", fee_type=FeeType.FLAT, fee_amount=Decimal("25"))
    # Last week: 2 lines due, neither arrived. This week: 3 lines due Thursday, Friday and Saturday, not arrived yet.
    for n in (1, 2):
        _deliver_by(vendor, f"PO-L{n}", _at(monday - WEEK + 2 * DAY, 18))
    for n, day in ((1, 3), (2, 4), (3, 5)):
        _deliver_by(vendor, f"PO-O{n}", _at(monday + day * DAY, 18))

    this = _this_week_forecast(vendor)
    # Worst case the week's 3 lines are missed: 3 x 25.00.
    assert this.status == AT_RISK and this.expected_fee == Decimal("75.00")
    (waiver,) = this.waivers
    # Trailing 4 weeks: 0 of 5 lines on time in full so far; 3 of 5 (60%) if the 3 arrive; 0% if not.
    assert (waiver.value_now, waiver.value_if_done, waiver.value_if_not) == (Decimal("0.0000"), Decimal("60.0000"), Decimal("0.0000"))
    # PO-O1 makes 1/5 (20%), PO-O2 too 2/5 (40%): above 35.
    assert this.keeps_waiver
    assert [(a.verb, a.purchase_order_number, a.due) for a in this.actions] == [
        ("deliver", "PO-O1", monday + 3 * DAY),
        ("deliver", "PO-O2", monday + 4 * DAY),
    ]
    assert this.actions[0].fee == Decimal("25.00")
    assert this.summary == f"2 POs must arrive in full by {date_format(monday + 4 * DAY, 'l j F')} to keep the waiver."


def test_the_fill_rate_waiver_names_the_pos_that_must_be_confirmed_in_full(vendor):
    monday = this_week()
    _rule(ViolationKind.NOT_FILLED, Measure.FILL_RATE, Measure.FILL_RATE, "85", fee_type=FeeType.PER_UNIT, fee_amount=Decimal("0.50"))
    # Last week: 100 of 100 and 80 of 100 units confirmed.
    _po(vendor, "PO-F1", ordered=100, accepted=100, confirmation_due_at=_at(monday - WEEK + DAY, 12))
    _po(vendor, "PO-F2", ordered=100, accepted=80, confirmation_due_at=_at(monday - WEEK + DAY, 12))
    # This week, not confirmed yet: 50 units due Wednesday, 30 Thursday, 10 Friday.
    for number, units, day in (("PO-N1", 50, 2), ("PO-N2", 30, 3), ("PO-N3", 10, 4)):
        _po(vendor, number, ordered=units, state=PurchaseOrderState.NEW, confirmation_due_at=_at(monday + day * DAY, 17))

    this = _this_week_forecast(vendor)
    # Worst case the 90 units stay unconfirmed: 90 x 0.50.
    assert this.status == AT_RISK and this.expected_fee == Decimal("45.00")
    (waiver,) = this.waivers
    # Trailing 4 weeks: 180 of 290 units (62.07%) if none is confirmed; 270 of 290 (93.10%) if all are.
    assert (waiver.value_if_done, waiver.value_if_not) == (Decimal("93.1034"), Decimal("62.0690"))
    # The biggest first: PO-N1 makes 230/290 (79.3%), PO-N2 too 260/290 (89.7%): above 85.
    assert this.keeps_waiver
    assert [(a.verb, a.purchase_order_number, a.units) for a in this.actions] == [("confirm", "PO-N1", 50), ("confirm", "PO-N2", 30)]
    assert this.summary == f"2 POs must be confirmed in full by {date_format(monday + 3 * DAY, 'l j F')} to keep the waiver."


def test_a_waiver_that_holds_even_if_nothing_more_is_done_waives_the_forecast(vendor):
    monday = this_week()
    _rule(ViolationKind.NOT_FILLED, Measure.FILL_RATE, Measure.FILL_RATE, "60", fee_type=FeeType.PER_UNIT, fee_amount=Decimal("0.50"))
    _po(vendor, "PO-F1", ordered=100, accepted=100, confirmation_due_at=_at(monday - WEEK + DAY, 12))
    _po(vendor, "PO-N1", ordered=50, state=PurchaseOrderState.NEW, confirmation_due_at=_at(monday + 2 * DAY, 17))
    this = _this_week_forecast(vendor)
    # 100 of 150 (66.67%) even if PO-N1 stays unconfirmed: above 60.
    assert this.waivers[0].value_if_not == Decimal("66.6667")
    assert this.status == "waived" and this.expected_fee == 0 and not this.actions


def test_the_page_and_the_api_show_where_the_waiver_will_stand(client, api_client, vendor):
    from tests.factories import api_token, vendor_user
    from vendor_portal.roles import Role

    monday = this_week()
    _rule(ViolationKind.OTIF, Measure.OTIF, Measure.OTIF, "35", fee_type=FeeType.FLAT, fee_amount=Decimal("25"))
    _deliver_by(vendor, "PO-L1", _at(monday - WEEK + 2 * DAY, 18))
    _deliver_by(vendor, "PO-O1", _at(monday + 6 * DAY, 18))  # due Sunday: still doable whatever today is
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    page = client.get("/compliance/").content.decode()
    # 0 of 2 lines so far; 1 of 2 (50%) if PO-O1 arrives in full.
    assert 'data-testid="forecast-waiver"' in page and "50.0 at the week" in page and "0.0 if not" in page
    _, raw = api_token(vendor, scopes=["orders:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    (item,) = [item for item in api_client.get("/api/v1/compliance/forecast/").json() if item["status"] == AT_RISK]
    assert item["keeps_waiver"] and [a["action"] for a in item["actions"]] == ["deliver"]
    assert item["waivers"][0]["value_if_done"] == "50.0000" and item["waivers"][0]["holds_if_not"] is False


def test_an_otif_rule_without_a_waiver_names_the_lines_to_deliver(vendor):
    monday = this_week()
    rule = _rule(ViolationKind.OTIF, Measure.OTIF, Measure.OTIF, "35", fee_type=FeeType.FLAT, fee_amount=Decimal("25"))
    rule.waivers.all().delete()
    _deliver_by(vendor, "PO-O9", _at(monday + 6 * DAY, 18))
    this = _this_week_forecast(vendor)
    assert this.status == AT_RISK and this.expected_fee == Decimal("25.00") and this.value == Decimal("0.0000")
    assert [(a.verb, a.purchase_order_number, a.fee) for a in this.actions] == [("deliver", "PO-O9", Decimal("25.00"))]
    assert this.summary == f"1 PO line must arrive in full by {date_format(monday + 6 * DAY, 'l j F')} to avoid the fee."


def _slot(vendor, start, state, late=False):
    from appointments.models import Appointment
    from tests.audit_check import audit_exempt
    from tests.compliance.factories import purchase_order, shipped

    number = f"PO-T{start:%m%d%H}"
    shipment = shipped(purchase_order(vendor, number, 6, promised=start.date()), start.date() - DAY, identifier=f"ASN-{number}")
    with audit_exempt():
        return Appointment.objects.create(
            vendor=vendor,
            shipment=shipment,
            warehouse=warehouse(),
            state=state,
            window_start=start - DAY,
            window_end=start + DAY,
            slot_start=start,
            slot_end=start + datetime.timedelta(hours=1),
            door=1,
            arrived_late=late,
        )


def test_the_appointment_waiver_names_the_trucks_that_must_arrive_in_their_slots(vendor):
    from appointments.models import AppointmentState

    monday = this_week()
    _rule(
        ViolationKind.APPOINTMENT, Measure.APPOINTMENT_ADHERENCE, Measure.APPOINTMENT_ADHERENCE, "60", fee_type=FeeType.FLAT, fee_amount=Decimal("40")
    )
    # Last week: 2 trucks in their slots, 1 late, 1 missed. This week: slots on Saturday and Sunday, to come.
    _slot(vendor, _at(monday - WEEK + DAY, 9), AppointmentState.ARRIVED)
    _slot(vendor, _at(monday - WEEK + 2 * DAY, 9), AppointmentState.ARRIVED)
    _slot(vendor, _at(monday - WEEK + 3 * DAY, 9), AppointmentState.ARRIVED, late=True)
    _slot(vendor, _at(monday - WEEK + 4 * DAY, 9), AppointmentState.MISSED)
    sat = _slot(vendor, _at(monday + 5 * DAY, 15), AppointmentState.CONFIRMED)
    sun = _slot(vendor, _at(monday + 6 * DAY, 15), AppointmentState.CONFIRMED)

    this = _this_week_forecast(vendor)
    (waiver,) = this.waivers
    # Trailing 4 weeks: 2 of 4 kept so far (50%); with this week's 2 slots 4 of 6 (66.67%) if kept, 2 of 6 (33.33%) if not.
    assert (waiver.value_now, waiver.value_if_done, waiver.value_if_not) == (Decimal("50.0000"), Decimal("66.6667"), Decimal("33.3333"))
    # One kept makes 3 of 6 (50%): both are needed to stay above 60.
    # Worst case both trucks miss their slots: 2 x 40.00.
    assert this.status == AT_RISK and this.keeps_waiver and this.expected_fee == Decimal("80.00")
    assert [(a.verb, a.appointment_id, a.shipment_identifier) for a in this.actions] == [
        ("arrive", sat.pk, sat.shipment.shipment_identifier),
        ("arrive", sun.pk, sun.shipment.shipment_identifier),
    ]
    assert this.summary == f"2 trucks must arrive in their booked slots by {date_format(monday + 6 * DAY, 'l j F')} to keep the waiver."
