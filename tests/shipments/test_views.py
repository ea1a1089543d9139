import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shipments.models import Shipment, ShipmentState
from shipments.services.asn import shipment_submit
from shipments.services.labels import shipment_labels_request
from shipments.services.plans import shipment_create
from shipments.tasks import render_shipment_labels
from tests.factories import retailer_user, vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.models import Job
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def ops(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    ship_from(vendor)
    return client


def _form(po, identifier="WEB-1", **quantities):
    body = {
        "ship_to": po.ship_to.code,
        "shipment_identifier": identifier,
        "ship_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        "transport_mode": "ltl",
        "transport_method": "road",
        "carrier_scac": "ABFS",
        "bol_number": "BOL-9",
        "ship_from": "MAIN",
        "cartons_per_pallet": "4",
    }
    for line in po.lines.all():
        body[f"qty_{line.pk}"] = str(quantities.get(f"line{line.sequence}", line.open_to_ship))
    return body


def test_builder_lists_open_lines_of_the_dc_and_creates_the_plan(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12, number="PO-WEB-1")
    page = ops.get("/shipments/new/")
    assert page.status_code == 200
    assert "PO-WEB-1" in page.content.decode()
    response = ops.post("/shipments/new/", _form(po, line2=6))
    shipment = Shipment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/shipments/{shipment.pk}/"
    assert sorted(shipment.lines.values_list("quantity", flat=True)) == [6, 12]
    assert shipment.cartons.count() == 3 and shipment.pallets.count() == 1


def test_builder_shows_an_over_ship_error_next_to_the_line(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-WEB-2")
    response = ops.post("/shipments/new/", _form(po, line1=18))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="has-error"' in html and "only 12 open to ship" in html
    assert not Shipment.objects.exists()


def test_detail_print_labels_polls_job_status_until_done_then_links_the_pdf(ops, vendor, django_capture_on_commit_callbacks):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = shipment_create(scope=Scope(vendor=vendor), data=plan(po), actor=Actor.system())
    page = ops.get(f"/shipments/{shipment.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="print-labels"' in html and shipment.cartons.first().sscc in html

    response = ops.post(f"/shipments/{shipment.pk}/labels/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    job = Job.objects.get()
    fragment = response.content.decode()
    assert f'hx-get="/shipments/jobs/{job.pk}/"' in fragment and 'hx-trigger="every 1s"' in fragment

    # asked again while it waits: the same job, not a second one; a worker then runs it
    assert shipment_labels_request(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system()).pk == job.pk
    render_shipment_labels.apply(args=[str(job.pk)])
    done = Job.objects.filter(status="succeeded").get()
    fragment = ops.get(f"/shipments/jobs/{done.pk}/").content.decode()
    assert "hx-trigger" not in fragment
    assert f"/api/v1/documents/{done.result_id}/download" in fragment
    assert ops.get(f"/api/v1/documents/{done.result_id}/download").status_code == 200


def test_submit_from_the_detail_page(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = shipment_create(scope=Scope(vendor=vendor), data=plan(po), actor=Actor.system())
    assert ops.post(f"/shipments/{shipment.pk}/submit/").status_code == 302
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.SUBMITTED


def test_shipment_list_queries_do_not_grow(ops, vendor):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert ops.get("/shipments/").status_code == 200
        return len(queries)

    scope = Scope(vendor=vendor)
    shipment_create(scope=scope, data=plan(confirmed_purchase_order(vendor, lines=1), identifier="A0"), actor=Actor.system())
    few = count()
    for n in range(1, 5):
        shipment_create(scope=scope, data=plan(confirmed_purchase_order(vendor, lines=1), identifier=f"A{n}"), actor=Actor.system())
    assert count() == few


def test_receiving_screen_scans_cartons_with_an_autofocused_input_and_finishes(client, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    scope = Scope(vendor=vendor)
    ship_from(vendor)
    shipment = shipment_create(scope=scope, data=plan(po), actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    client.force_login(retailer_user(Role.RECEIVING))
    assert shipment.shipment_identifier in client.get("/shipments/receiving/").content.decode()
    page = client.get(f"/shipments/receiving/{shipment.pk}/").content.decode()
    assert 'name="sscc"' in page and "autofocus" in page
    first, second = shipment.cartons.order_by("index").values_list("sscc", flat=True)
    assert client.post(f"/shipments/receiving/{shipment.pk}/", {"sscc": "00" + first}).status_code == 302
    again = client.post(f"/shipments/receiving/{shipment.pk}/", {"sscc": first}, follow=True)
    assert "already received" in again.content.decode()
    client.post(f"/shipments/receiving/{shipment.pk}/", {"sscc": second, "damaged": "on"})
    asked = client.post(f"/shipments/receiving/{shipment.pk}/", {"complete": "1"})
    assert 'data-testid="confirm-step"' in asked.content.decode()
    shipment.refresh_from_db()
    assert shipment.state != ShipmentState.RECEIVED  # finishing is confirmed first
    client.post(f"/shipments/receiving/{shipment.pk}/", {"complete": "1", "confirmed": "yes"})
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVED
    line = po.lines.get()
    assert (line.received_quantity, line.damaged_quantity) == (12, 6)


def test_vendor_cannot_open_the_receiving_screen(ops, vendor):
    assert ops.get("/shipments/receiving/").status_code == 403


def test_navigation_shows_shipments_to_vendor_ops(ops):
    assert 'href="/shipments/"' in ops.get("/").content.decode()
