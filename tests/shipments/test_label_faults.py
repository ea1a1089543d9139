"""Carton label faults at receiving: the DC reports a received carton's label missing or unreadable, once per
carton, on the receiving screen (asked first) and through the API; the scorecard's label compliance counts it."""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scorecards import metrics
from shipments.models import ComplianceEvent, ComplianceEventKind
from shipments.selectors import shipment_receiving_cartons
from shipments.services.receiving import LABEL_MISSING, LABEL_UNREADABLE, receipt_create, receiving_carton_exception
from tests.factories import retailer_user, vendor_user
from tests.shipments.test_receiving import post_scan, refusal, scan, submitted
from vendor_portal.errors import DomainValidationError, NotFoundError
from vendor_portal.models import AuditEvent, Notification
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def dock():
    return Scope(roles=frozenset({Role.RECEIVING}), is_retailer=True)


@pytest.fixture
def receiver(vendor):
    return Actor(user=retailer_user(Role.RECEIVING, username="dock"))


def report(dock, receiver, shipment, sscc, fault):
    return receiving_carton_exception(scope=dock, shipment_id=shipment.pk, sscc=sscc, exception=fault, actor=receiver)


# The service -----------------------------------------------------------------------------------------
def test_a_label_fault_of_a_received_carton_is_recorded_once_with_its_sscc(vendor, dock, receiver, django_capture_on_commit_callbacks):
    shipment = submitted(vendor, quantity=12, per_pallet=2)  # 2 cartons on 1 pallet
    pallet = shipment.pallets.get()
    scan(dock, receiver, shipment, pallet.sscc)
    carton = shipment.cartons.order_by("index").last()
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    with django_capture_on_commit_callbacks(execute=True):
        report(dock, receiver, shipment, carton.sscc, LABEL_UNREADABLE)
        report(dock, receiver, shipment, "00" + carton.sscc, LABEL_UNREADABLE)  # twice (as a scanner sends it): still one
    event = ComplianceEvent.objects.get()
    assert (event.kind, event.shipment, event.carton, event.vendor) == (ComplianceEventKind.LABEL_UNREADABLE, shipment, carton, vendor)
    assert event.details == {
        "sscc": carton.sscc,
        "carton": 2,
        "pallet": pallet.sscc,
        "warehouse": shipment.ship_to.code,
        "received_at": event.details["received_at"],
    }
    assert AuditEvent.objects.filter(action="compliance_event.record", object_id=str(event.pk)).count() == 1
    # Nothing else changed: the carton is still received, its units not damaged.
    row = {r["sscc"]: r for r in shipment_receiving_cartons(shipment=shipment)}[carton.sscc]
    assert row["received"] and not row["damaged"] and row["label_unreadable"] and not row["label_missing"]
    line = shipment.lines.get().purchase_order_line
    line.refresh_from_db()
    assert (line.received_quantity, line.damaged_quantity) == (12, 0)
    # The vendor's shippers hear of it once.
    assert Notification.objects.filter(kind="carton_label_fault").count() == 1


def test_a_carton_label_is_missing_or_unreadable_not_both(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    carton = shipment.cartons.order_by("index").first()
    scan(dock, receiver, shipment, carton.sscc)
    report(dock, receiver, shipment, carton.sscc, LABEL_MISSING)
    with pytest.raises(DomainValidationError) as error:
        report(dock, receiver, shipment, carton.sscc, LABEL_UNREADABLE)
    assert refusal(error) == ("label_already_reported", f"The label of carton {carton.sscc} was already reported: carton label missing.")
    assert ComplianceEvent.objects.count() == 1


def test_a_label_fault_is_refused_for_a_carton_not_received_yet_or_not_of_the_asn(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    other = submitted(vendor, identifier="SHIP-2", quantity=12)
    carton = shipment.cartons.order_by("index").first()
    with pytest.raises(DomainValidationError) as error:
        report(dock, receiver, shipment, carton.sscc, LABEL_MISSING)
    assert refusal(error) == ("not_received", f"Carton {carton.sscc} is not received yet: receive it (key in its SSCC) before reporting its label.")
    foreign = other.cartons.first().sscc
    with pytest.raises(DomainValidationError) as error:
        report(dock, receiver, shipment, foreign, LABEL_MISSING)
    assert refusal(error) == ("unknown_sscc", f"SSCC {foreign} is not a carton of this ASN.")
    assert not ComplianceEvent.objects.exists()


def test_another_vendors_shipment_is_not_found(vendor, other_vendor, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    carton = shipment.cartons.first()
    with pytest.raises(NotFoundError):
        report(Scope(vendor=other_vendor, roles=frozenset({Role.VENDOR_ADMIN})), receiver, shipment, carton.sscc, LABEL_MISSING)


def test_the_scorecards_label_compliance_drops_when_the_dc_reports_a_label_fault(vendor, dock, receiver):
    first = submitted(vendor, quantity=12, per_pallet=0)
    second = submitted(vendor, identifier="SHIP-2", quantity=12, per_pallet=0)
    for shipment in (first, second):
        for carton in shipment.cartons.all():
            scan(dock, receiver, shipment, carton.sscc)
    report(dock, receiver, second, second.cartons.first().sscc, LABEL_MISSING)
    for shipment in (first, second):
        receipt_create(scope=dock, shipment_id=shipment.pk, complete=True, actor=receiver)
    week = metrics.week_start(timezone.now())
    totals = metrics.sum_figures(metrics.compute_week(week, vendor_ids=[vendor.pk]))
    # Two shipments of two cartons received, one carton label reported missing: 3 of 4 cartons label compliant.
    assert (totals.label_cartons_compliant, totals.label_cartons_received) == (3, 4)
    assert metrics.rate(totals, "label_compliance") == Decimal("0.7500")
    assert (totals.shipments_label_compliant, totals.shipments_received) == (1, 2)  # the shipments, kept as they were


# The receiving screen ----------------------------------------------------------------------------------
@pytest.fixture
def dock_client(client):
    client.force_login(retailer_user(Role.RECEIVING, username="dock"))
    return client


def exception_url(shipment) -> str:
    return f"/shipments/receiving/{shipment.pk}/cartons/exception/"


def test_the_receiving_screen_offers_labelled_label_fault_buttons_and_a_confirmation(vendor, dock_client):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    carton = shipment.cartons.order_by("index").first()
    post_scan(dock_client, shipment, carton.sscc)
    page = dock_client.get(f"/shipments/receiving/{shipment.pk}/").content.decode()
    assert f'aria-label="Carton {carton.sscc} has no label"' in page
    assert f'aria-label="The label of carton {carton.sscc} would not scan"' in page
    assert 'data-testid="label-fault-dialog"' in page
    # Without the script: asked on a confirmation page first, nothing recorded yet.
    asked = dock_client.post(exception_url(shipment), {"sscc": carton.sscc, "exception": "label_unreadable"})
    assert asked.status_code == 200
    text = asked.content.decode()
    assert f"Record that the label of carton {carton.sscc} would not scan?" in text and "may be charged back" in text
    assert not ComplianceEvent.objects.exists()
    done = dock_client.post(exception_url(shipment), {"sscc": carton.sscc, "exception": "label_unreadable", "confirmed": "yes"}, follow=True)
    assert f"The label of carton {carton.sscc} recorded as unreadable." in done.content.decode()
    assert ComplianceEvent.objects.get().kind == "label_unreadable"
    row = {r["sscc"]: r for r in done.context["scanned"]}[carton.sscc]
    assert row["label_unreadable"]
    assert 'class="carton label-unreadable"' in done.content.decode()


def test_a_refused_label_fault_is_a_clear_error_on_the_screen(vendor, dock_client):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    carton = shipment.cartons.order_by("index").first()
    response = dock_client.post(exception_url(shipment), {"sscc": carton.sscc, "exception": "label_missing"}, follow=True)
    assert f"Carton {carton.sscc} is not received yet: receive it (key in its SSCC) before reporting its label." in response.content.decode()
    assert not ComplianceEvent.objects.exists()


def test_the_pages_queue_sends_a_confirmed_label_fault_and_hears_json(vendor, dock_client):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    carton = shipment.cartons.order_by("index").first()
    post_scan(dock_client, shipment, carton.sscc)
    body = {"sscc": carton.sscc, "exception": "label_missing"}
    unasked = dock_client.post(exception_url(shipment), body, HTTP_ACCEPT="application/json")
    assert unasked.status_code == 400 and unasked.json()["code"] == "unconfirmed"
    answer = dock_client.post(exception_url(shipment), {**body, "confirmed": "yes"}, HTTP_ACCEPT="application/json").json()
    assert answer["status"] == "recorded" and answer["exception"] == "label_missing" and answer["carton"]["sscc"] == carton.sscc
    assert answer["message"] == f"Carton {carton.sscc} recorded as received without a label."
    assert ComplianceEvent.objects.count() == 1


# The API -----------------------------------------------------------------------------------------------
@pytest.fixture
def dock_api():
    api = APIClient()
    api.force_authenticate(retailer_user(Role.RECEIVING, username="dock-api"))
    return api


def test_the_api_reports_a_label_fault_once_and_answers_the_carton(vendor, dock, receiver, dock_api):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    carton = shipment.cartons.order_by("index").first()
    scan(dock, receiver, shipment, carton.sscc)
    body = {"shipment": shipment.pk, "sscc": carton.sscc, "exception": "label_unreadable"}
    first = dock_api.post("/api/v1/receipts/carton-exceptions", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200, first.json()
    assert first.json() == {
        "shipment": shipment.pk,
        "shipment_identifier": "SHIP-1",
        "sscc": carton.sscc,
        "carton": 1,
        "exception": "label_unreadable",
        "received": True,
        "damaged": False,
        "label_fault": "label_unreadable",
    }
    again = dock_api.post("/api/v1/receipts/carton-exceptions", body, format="json")
    assert again.status_code == 200 and again.json()["label_fault"] == "label_unreadable"
    assert ComplianceEvent.objects.count() == 1


def test_the_api_refuses_with_structured_errors(vendor, dock_api):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    carton = shipment.cartons.order_by("index").first()
    url = "/api/v1/receipts/carton-exceptions"
    not_received = dock_api.post(url, {"shipment": shipment.pk, "sscc": carton.sscc, "exception": "label_missing"}, format="json")
    assert not_received.status_code == 400
    assert not_received.json()["errors"][0]["code"] == "not_received" and not_received.json()["errors"][0]["field"] == "sscc"
    unknown = dock_api.post(url, {"shipment": shipment.pk, "sscc": "006141410000099994", "exception": "label_missing"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["code"] == "unknown_sscc"
    wrong = dock_api.post(url, {"shipment": shipment.pk, "sscc": carton.sscc, "exception": "smudged"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "exception"
    missing = dock_api.post(url, {"shipment": 999999, "sscc": carton.sscc, "exception": "label_missing"}, format="json")
    assert missing.status_code == 404
    assert not ComplianceEvent.objects.exists()


def test_a_vendor_cannot_report_carton_exceptions_through_the_api(vendor, api_client):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin"))
    body = {"shipment": shipment.pk, "sscc": shipment.cartons.first().sscc, "exception": "label_missing"}
    assert api_client.post("/api/v1/receipts/carton-exceptions", body, format="json").status_code == 403


def test_the_openapi_schema_documents_the_label_faults(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    assert "/api/v1/receipts/carton-exceptions" in text and "label_unreadable" in text and "label_missing" in text
