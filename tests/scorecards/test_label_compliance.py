"""Label compliance counts cartons, as retailers measure it and as the label fee charges: one bad label of a
40-carton shipment is 39 of 40, not a whole shipment lost. Weeks stored when it counted shipments are not read
as zeros: they are recomputed."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reconciliation.models import Deduction
from scorecards import metrics
from scorecards.models import ScorecardWeek, ScorecardWeekRun
from scorecards.services.weeks import scorecard_store_week, scorecard_vendor_totals
from scorecards.tasks import store_scorecard_weeks
from shipments.models import ComplianceEvent, Receipt, ReceiptLine, Shipment, ShipmentLine
from tests.audit_check import audit_exempt
from tests.factories import WarehouseFactory, vendor_user
from vendor_portal.roles import Role

from .factories import MONDAY, at, label_chargeback, shipped_and_received, week_po

pytestmark = pytest.mark.django_db
PERIOD = f"week={MONDAY.isoformat()}&period=1"


@pytest.fixture
def abe2():
    return WarehouseFactory(code="ABE2")


@pytest.fixture
def ops_client(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    return client


def forty_cartons(vendor, warehouse, number="LC-1", identifier="LC-ASN-1", received_at=None):
    """One PO of 40 units shipped in 40 cartons of one, received on the week's Thursday."""
    _po, line = week_po(vendor, warehouse, ordered=40, accepted=40, shipped=40, number=number)
    return shipped_and_received(line, cartons=[1] * 40, received=40, ship_date=at(1).date(), received_at=received_at or at(3), identifier=identifier)


def label_fault(carton, kind="label_missing"):
    with audit_exempt():
        return ComplianceEvent.objects.create(
            vendor=carton.shipment.vendor,
            shipment=carton.shipment,
            carton=carton,
            kind=kind,
            occurred_at=at(3, 14),
            details={"sscc": carton.sscc, "carton": carton.index},
        )


def event_chargeback(event, amount="5.00"):
    """As reconciliation's flat rate and the rate card's label rule raise it: naming the event."""
    with audit_exempt():
        return Deduction.objects.create(
            vendor=event.vendor,
            marketplace=event.shipment.marketplace,
            kind="chargeback",
            reason="label_non_compliance",
            amount=Decimal(amount),
            currency="USD",
            shipment=event.shipment,
            compliance_event=event,
            created_at=at(6),
        )


def week_totals(vendor):
    return metrics.sum_figures(metrics.compute_week(MONDAY, vendor_ids=[vendor.pk]))


def test_one_bad_label_of_40_cartons_is_97_5_percent(vendor, abe2):
    shipment = forty_cartons(vendor, abe2)
    label_fault(shipment.cartons.order_by("index")[6])
    totals = week_totals(vendor)
    assert (totals.label_cartons_compliant, totals.label_cartons_received) == (39, 40)
    assert metrics.rate(totals, "label_compliance") == Decimal("0.9750")  # below the programme's 98%
    assert (totals.shipments_label_compliant, totals.shipments_received) == (0, 1)  # what it used to read: 0%


def test_a_label_chargeback_raised_for_the_shipment_makes_all_its_cartons_non_compliant(vendor, abe2):
    shipment = forty_cartons(vendor, abe2)
    clean = forty_cartons(vendor, abe2, number="LC-2", identifier="LC-ASN-2")
    label_chargeback(shipment)  # AP's, by hand: it names no carton
    totals = week_totals(vendor)
    assert (totals.label_cartons_compliant, totals.label_cartons_received) == (40, 80)
    assert metrics.rate(totals, "label_compliance") == Decimal("0.5000")
    assert clean.cartons.count() == 40


def test_a_chargeback_raised_for_a_cartons_label_event_counts_that_carton_only(vendor, abe2):
    shipment = forty_cartons(vendor, abe2)
    event = label_fault(shipment.cartons.order_by("index").first(), "label_unreadable")
    event_chargeback(event)
    totals = week_totals(vendor)
    assert (totals.label_cartons_compliant, totals.label_cartons_received) == (39, 40)


def test_a_label_chargeback_given_back_in_full_after_a_dispute_is_no_fault(vendor, abe2):
    shipment = forty_cartons(vendor, abe2)
    charged = forty_cartons(vendor, abe2, number="LC-2", identifier="LC-ASN-2")
    whole = label_chargeback(charged)
    event = label_fault(shipment.cartons.order_by("index").first(), "label_unreadable")
    per_carton = event_chargeback(event)
    assert (week_totals(vendor).label_cartons_compliant, week_totals(vendor).label_cartons_received) == (39, 80)

    with audit_exempt():  # the retailer answered both disputes: part of one given back, the other in full
        Deduction.objects.filter(pk=whole.pk).update(reversed_amount=Decimal("20.00"), status="partly_reversed")
        Deduction.objects.filter(pk=per_carton.pk).update(reversed_amount=Decimal("5.00"), status="reversed")
    assert (week_totals(vendor).label_cartons_compliant, week_totals(vendor).label_cartons_received) == (40, 80)

    with audit_exempt():
        Deduction.objects.filter(pk=whole.pk).update(reversed_amount=Decimal("50.00"), status="reversed")
    assert (week_totals(vendor).label_cartons_compliant, week_totals(vendor).label_cartons_received) == (80, 80)


def test_a_clean_week_is_100_percent_and_a_week_with_nothing_received_has_no_figure(ops_client, vendor, abe2):
    forty_cartons(vendor, abe2)
    assert metrics.rate(week_totals(vendor), "label_compliance") == Decimal("1.0000")

    scorecard_store_week(week=MONDAY + metrics.WEEK)  # nothing received that week
    assert not ScorecardWeek.objects.filter(week=MONDAY + metrics.WEEK).exists()
    page = ops_client.get(f"/scorecards/?week={(MONDAY + metrics.WEEK).isoformat()}&period=1").content.decode()
    figure = page[page.index('data-testid="figure-label_compliance"') :]
    figure = figure[: figure.index("</a>")]
    assert "—" in figure and "nothing due in the period" in figure
    assert "0.0 %" not in figure and "100.0 %" not in figure


def test_a_shipment_received_without_carton_records_counts_as_one_carton(vendor, abe2):
    _po, line = week_po(vendor, abe2, ordered=12, accepted=12, shipped=12, number="LC-N")
    with audit_exempt():
        shipment = Shipment.objects.create(
            vendor=vendor,
            marketplace=abe2.marketplace,
            ship_to=abe2,
            shipment_identifier="LC-NO-CARTONS",
            ship_date=at(1).date(),
            state="received",
            asn_revision=1,
            submitted_at=at(0),
            received_at=at(3),
        )
        shipment_line = ShipmentLine.objects.create(shipment=shipment, purchase_order_line=line, quantity=12)
        receipt = Receipt.objects.create(shipment=shipment, warehouse=abe2, received_at=at(3))
        ReceiptLine.objects.create(receipt=receipt, shipment_line=shipment_line, quantity=12)
    totals = week_totals(vendor)
    assert (totals.label_cartons_compliant, totals.label_cartons_received) == (1, 1)
    label_chargeback(shipment)
    totals = week_totals(vendor)
    assert (totals.label_cartons_compliant, totals.label_cartons_received) == (0, 1)


def test_the_drilldown_lists_each_shipment_with_its_cartons_and_the_bad_labels(ops_client, vendor, abe2):
    shipment = forty_cartons(vendor, abe2)
    cartons = list(shipment.cartons.order_by("index"))
    label_fault(cartons[2], "label_missing")
    label_fault(cartons[9], "label_unreadable")
    forty_cartons(vendor, abe2, number="LC-2", identifier="LC-CLEAN", received_at=at(4))
    charged = forty_cartons(vendor, abe2, number="LC-3", identifier="LC-CHARGED", received_at=at(5))
    label_chargeback(charged)
    scorecard_store_week(week=MONDAY)

    response = ops_client.get(f"/scorecards/?{PERIOD}")
    page = response.content.decode()
    assert "78 of 120" in page and "65.0 %" in page
    # The trend chart draws it per carton too: 65% in the week, no point in the empty weeks before it.
    [labels] = [series for series in response.context["chart_data"]["series"] if series["name"] == "Label compliance"]
    assert labels["values"][-1] == 65.0 and labels["values"][0] is None
    html = ops_client.get(f"/scorecards/rows/?measure=label_compliance&{PERIOD}").content.decode()
    assert "38 of 40 cartons without a label fault" in html
    assert f"label missing: {cartons[2].sscc}" in html and f"label unreadable: {cartons[9].sscc}" in html
    assert "40 of 40 cartons without a label fault" in html
    assert "label chargeback on the shipment: all 40 cartons counted faulty" in html
    assert "Nov. 5, 2026" in html and "2026-11-05" not in html  # received Thursday, in the reader's format, as the other drill-downs
    missed = ops_client.get(f"/scorecards/rows/?measure=label_compliance&{PERIOD}&missed=1").content.decode()
    assert ">LC-ASN-1<" in missed and ">LC-CHARGED<" in missed and ">LC-CLEAN<" not in missed


def test_the_label_drilldown_costs_the_same_for_one_faulty_shipment_or_many(ops_client, vendor, abe2):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert ops_client.get(f"/scorecards/rows/?measure=label_compliance&{PERIOD}").status_code == 200
        return len(captured)

    label_fault(forty_cartons(vendor, abe2).cartons.first())
    one = queries()
    for n in range(2, 6):
        label_fault(forty_cartons(vendor, abe2, number=f"LC-{n}", identifier=f"LC-ASN-{n}").cartons.last(), "label_unreadable")
    assert queries() == one


def _migration():
    return importlib.import_module("scorecards.migrations.0003_label_compliance_per_carton")


def _stored_before_cartons(vendor):
    """The week as the shipment-counting code stored it: the carton columns unknown, its run gone (the migration)."""
    _migration().forget_shipment_counted_weeks(apps, None)


def test_the_migration_forgets_only_weeks_that_received_something(vendor, other_vendor, abe2):
    forty_cartons(vendor, abe2)
    scorecard_store_week(week=MONDAY)
    quiet_week = MONDAY - metrics.WEEK
    scorecard_store_week(week=quiet_week, vendor_ids=[other_vendor.pk])  # its run; then a row that received nothing
    ScorecardWeek.objects.create(
        vendor=other_vendor, marketplace=abe2.marketplace, warehouse=abe2, week=quiet_week, computed_at=at(7), lines_due=2, lines_on_time_in_full=2
    )
    _stored_before_cartons(vendor)
    row = ScorecardWeek.objects.get(vendor=vendor, week=MONDAY)
    assert (row.label_cartons_received, row.label_cartons_compliant, row.shipments_received) == (None, None, 1)
    assert not ScorecardWeekRun.objects.filter(week=MONDAY).exists()
    quiet = ScorecardWeek.objects.get(vendor=other_vendor, week=quiet_week)
    assert (quiet.label_cartons_received, quiet.label_cartons_compliant) == (0, 0)
    assert ScorecardWeekRun.objects.filter(week=quiet_week).exists()


def test_a_week_stored_before_cartons_is_not_read_as_zero_and_is_recomputed(ops_client, vendor, abe2):
    shipment = forty_cartons(vendor, abe2)
    label_fault(shipment.cartons.first())
    scorecard_store_week(week=MONDAY)
    _stored_before_cartons(vendor)

    # The page and the API say it is not known yet, never 0% or 100%.
    page = ops_client.get(f"/scorecards/?{PERIOD}").content.decode()
    figure = page[page.index('data-testid="figure-label_compliance"') :]
    figure = figure[: figure.index("</a>")]
    assert "not known yet" in figure and "0.0 %" not in figure and "100.0 %" not in figure
    api = APIClient()
    api.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS, username="ops2"))
    summary = api.get(f"/api/v1/scorecards/summary?{PERIOD}").json()
    assert summary["figures"]["label_cartons_received"] is None and summary["rates"]["label_compliance"] is None
    [row] = api.get("/api/v1/scorecards/").json()["results"]
    assert row["label_cartons_received"] is None and row["rates"]["label_compliance"] is None

    # A rule reading the week recomputes it first (its run is gone): the carton figures.
    totals = scorecard_vendor_totals(vendor_id=vendor.pk, marketplace_id=abe2.marketplace_id, first_week=MONDAY, last_week=MONDAY)
    assert (totals.label_cartons_compliant, totals.label_cartons_received) == (39, 40)
    assert ScorecardWeek.objects.get(vendor=vendor, week=MONDAY).label_cartons_received == 40


def test_the_weekly_run_recomputes_old_weeks_stored_before_cartons(vendor, abe2):
    forty_cartons(vendor, abe2)
    scorecard_store_week(week=MONDAY)
    _stored_before_cartons(vendor)
    store_scorecard_weeks()  # MONDAY is long before the weeks it reopens
    row = ScorecardWeek.objects.get(vendor=vendor, week=MONDAY)
    assert (row.label_cartons_compliant, row.label_cartons_received) == (40, 40)


def test_the_stored_week_carries_the_carton_figures_for_exports(ops_client, vendor, abe2):
    shipment = forty_cartons(vendor, abe2)
    label_fault(shipment.cartons.first())
    scorecard_store_week(week=MONDAY)
    body = b"".join(ops_client.get(f"/scorecards/export.csv?{PERIOD}").streaming_content).decode("utf-8-sig")
    header, row = body.splitlines()[:2]
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert (values["label_cartons_compliant"], values["label_cartons_received"], values["label_compliance"]) == ("39", "40", "0.9750")
