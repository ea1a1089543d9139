import datetime
from decimal import Decimal

import pytest

from scorecards.metrics import FIGURE_FIELDS, compute_week, rate, sum_figures, trailing_weeks, week_start
from tests.factories import WarehouseFactory

from .factories import MONDAY, acme_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def abe2():
    return WarehouseFactory(code="ABE2")


def test_week_starts_on_monday_in_utc():
    assert week_start(datetime.date(2026, 11, 8)) == MONDAY  # a Sunday
    assert week_start(datetime.date(2026, 11, 2)) == MONDAY
    # Monday 01:00 in Berlin is still Sunday in UTC: the week before
    berlin = datetime.timezone(datetime.timedelta(hours=1))
    assert week_start(datetime.datetime(2026, 11, 9, 0, 30, tzinfo=berlin)) == MONDAY
    assert trailing_weeks(MONDAY, 4) == [datetime.date(2026, 10, 12), datetime.date(2026, 10, 19), datetime.date(2026, 10, 26), MONDAY]


def test_a_week_of_four_shipments_gives_the_hand_computed_figures(vendor, abe2):
    acme_week(vendor, abe2)

    [week] = compute_week(MONDAY)

    assert week.key == (vendor.pk, abe2.marketplace_id, abe2.pk)
    # on-time shipment: 60 + 60 + 54 + 48 = 222 units shipped, PO 2's 60 after the promised Wednesday
    assert (week.units_shipped_on_time, week.units_shipped) == (162, 222)
    assert rate(week, "on_time_shipment") == Decimal("0.7297")
    # OTIF: only PO 1 arrived complete inside its window (PO 2 late, PO 3 and PO 4 short of the 60 ordered)
    assert (week.lines_on_time_in_full, week.lines_due) == (1, 4)
    assert rate(week, "otif") == Decimal("0.2500")
    # fill rates: 228 of 240 ordered confirmed; 222 of 228 confirmed shipped
    assert (week.units_confirmed, week.units_ordered) == (228, 240)
    assert rate(week, "fill_rate_confirmed") == Decimal("0.9500")
    assert (week.units_shipped_of_confirmed, week.units_confirmed_to_ship) == (222, 228)
    assert rate(week, "fill_rate_shipped") == Decimal("0.9737")
    # confirmations: PO 4 confirmed three hours after its deadline
    assert (week.pos_confirmed_on_time, week.pos_due_confirmation) == (3, 4)
    # ASN accuracy: 8 cartons received, PO 3's two cartons hold the line the DC counted 50 of 54
    assert (week.cartons_as_asn, week.cartons_received) == (6, 8)
    assert rate(week, "asn_accuracy") == Decimal("0.7500")
    # labels: one chargeback on shipment 4, raised for the shipment: its 2 cartons faulty, 6 of 8 compliant
    assert (week.label_cartons_compliant, week.label_cartons_received) == (6, 8)
    assert rate(week, "label_compliance") == Decimal("0.7500")
    assert (week.shipments_label_compliant, week.shipments_received) == (3, 4)
    # appointments: one on time, one late, one missed
    assert (week.appointments_kept, week.appointments_due) == (1, 3)
    assert rate(week, "appointment_adherence") == Decimal("0.3333")
    # the chargeback is a deduction raised this week, not disputed; no invoice lines matched, so no deduction rate
    assert (week.deductions_disputed, week.deductions_raised) == (0, 1)
    assert week.amount_deducted == Decimal("50.00")
    assert rate(week, "deduction_rate") is None


def test_nothing_counted_gives_no_rate_rather_than_zero(vendor, abe2):
    acme_week(vendor, abe2)
    assert compute_week(MONDAY + datetime.timedelta(days=7)) == []
    assert rate(sum_figures([]), "otif") is None


def test_trailing_windows_sum_numerators_and_denominators_never_average_rates():
    busy = dict.fromkeys(FIGURE_FIELDS, 0)
    quiet = dict(busy)
    busy.update(lines_due=100, lines_on_time_in_full=90)  # 90%
    quiet.update(lines_due=2, lines_on_time_in_full=0)  # 0%
    # (90 + 0) / (100 + 2) = 0.88235..., not the average of 90% and 0% (45%)
    assert rate(sum_figures([busy, quiet]), "otif") == Decimal("0.8824")


def test_vendor_ids_limits_the_week_to_those_vendors(vendor, other_vendor, abe2):
    acme_week(vendor, abe2)
    assert compute_week(MONDAY, vendor_ids=[other_vendor.pk]) == []
    assert [f.vendor_id for f in compute_week(MONDAY, vendor_ids=[vendor.pk])] == [vendor.pk]
