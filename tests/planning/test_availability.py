"""Availability feed: the vendor reports on-hand and available-to-ship eaches per product and ship-from
warehouse (screen, file with a dry run, API); the buyer's PO screen shows them; accepting more than reported
available is warned about."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from planning.models import Availability, AvailabilityReport
from planning.services.availability import AvailabilityRow, availability_check, availability_report
from tests.factories import ProductFactory, api_token, retailer_user, vendor_user
from tests.purchase_orders.factories import PurchaseOrderLineFactory, purchase_order_with_lines
from tests.purchase_orders.test_views import confirm_data, ship_day
from tests.shipments.factories import ship_from
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db

API = "/api/v1/availability/"


@pytest.fixture
def ops(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")


@pytest.fixture
def ops_client(ops):
    client = Client()
    client.force_login(ops)
    return client


@pytest.fixture
def places(vendor):
    return ship_from(vendor, "RENO"), ship_from(vendor, "NJ1")


def report(ops, vendor, rows):
    return availability_report(scope=scope_for_user(ops), vendor=vendor, rows=rows, actor=Actor(user=ops))


def token_client(vendor, scopes=None) -> APIClient:
    _, raw = api_token(vendor, scopes=scopes, name=f"ERP {scopes}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


# The rules ----------------------------------------------------------------------------------------
def test_check_names_every_bad_row(vendor, other_vendor, places):
    mine = ProductFactory(vendor=vendor, vendor_sku="MUG-1")
    theirs = ProductFactory(vendor=other_vendor, vendor_sku="THEIRS-1")
    ship_from(other_vendor, "GLOBEX-WH")
    rows = [
        AvailabilityRow(ship_from="RENO", on_hand=10, available=8, vendor_sku="MUG-1"),
        AvailabilityRow(ship_from="GLOBEX-WH", on_hand=10, available=8, vendor_sku="MUG-1"),  # another vendor's warehouse
        AvailabilityRow(ship_from="RENO", on_hand=10, available=8, vendor_sku=theirs.vendor_sku),  # another vendor's product
        AvailabilityRow(ship_from="NJ1", on_hand=5, available=6, vendor_sku="MUG-1"),  # more available than on hand
        AvailabilityRow(ship_from="reno", on_hand=1, available=1, asin=mine.asin),  # RENO again, named by ASIN
        AvailabilityRow(ship_from="NJ1", on_hand=-1, available=None, vendor_sku="MUG-1"),
    ]
    check = availability_check(vendor=vendor, rows=rows)
    assert [(e.ref, e.field, e.code) for e in check.errors] == [
        ("items[1]", "ship_from", "unknown_ship_from"),
        ("items[2]", "vendor_sku", "unknown_product"),
        ("items[3]", "available", "exceeds_on_hand"),
        ("items[4]", "ship_from", "duplicate"),
        ("items[5]", "on_hand", "min_value"),
        ("items[5]", "available", "required"),
    ]
    assert [row.key for row in check.rows] == [(mine.pk, places[0].pk)]


def test_a_report_replaces_the_pairs_it_names_and_keeps_the_others(vendor, ops, places):
    ProductFactory(vendor=vendor, vendor_sku="MUG-1")
    ProductFactory(vendor=vendor, vendor_sku="BOWL-1")
    report(
        ops,
        vendor,
        [
            AvailabilityRow(ship_from="RENO", on_hand=100, available=80, vendor_sku="MUG-1"),
            AvailabilityRow(ship_from="NJ1", on_hand=50, available=50, vendor_sku="MUG-1"),
            AvailabilityRow(ship_from="RENO", on_hand=30, available=0, vendor_sku="BOWL-1"),
        ],
    )
    second = report(ops, vendor, [AvailabilityRow(ship_from="RENO", on_hand=90, available=70, vendor_sku="MUG-1")])
    current = {
        (a.product.vendor_sku, a.ship_from.code): (a.on_hand, a.available, a.report_id)
        for a in Availability.objects.select_related("product", "ship_from")
    }
    assert current[("MUG-1", "RENO")] == (90, 70, second.pk)
    assert current[("MUG-1", "NJ1")][:2] == (50, 50) and current[("BOWL-1", "RENO")][:2] == (30, 0)
    assert AvailabilityReport.objects.count() == 2
    event = AuditEvent.objects.filter(action="availability.report").latest("pk")
    assert event.after["rows"] == ["MUG-1@RENO: 70/90"]


def test_retailer_and_other_roles_cannot_report(vendor, places):
    ProductFactory(vendor=vendor, vendor_sku="MUG-1")
    finance = vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-fin")
    from vendor_portal.errors import ForbiddenError

    for person in (finance, retailer_user(Role.BUYER, username="buyer")):
        with pytest.raises(ForbiddenError):
            report(person, vendor, [AvailabilityRow(ship_from="RENO", on_hand=1, available=1, vendor_sku="MUG-1")])
    assert not Availability.objects.exists()


# API ----------------------------------------------------------------------------------------------
def test_token_reports_checks_dry_run_and_lists_only_its_own(vendor, other_vendor, places):
    ProductFactory(vendor=vendor, vendor_sku="MUG-1")
    ProductFactory(vendor=other_vendor, vendor_sku="OTHER-1")
    ship_from(other_vendor, "GLOBEX-WH")
    client = token_client(vendor)
    body = {"items": [{"vendor_sku": "MUG-1", "ship_from": "RENO", "on_hand": 120, "available": 96}]}
    dry = client.post(API, {**body, "dry_run": True}, format="json")
    assert dry.status_code == 200 and dry.json()["dry_run"] is True and not Availability.objects.exists()
    saved = client.post(API, body, format="json", HTTP_IDEMPOTENCY_KEY="avail-1")
    assert saved.status_code == 201 and saved.json()["row_count"] == 1
    assert client.post(API, body, format="json", HTTP_IDEMPOTENCY_KEY="avail-1").json()["id"] == saved.json()["id"]
    bad = client.post(API, {"items": [body["items"][0], {"vendor_sku": "MUG-1", "ship_from": "RENO", "on_hand": 5, "available": 9}]}, format="json")
    assert bad.status_code == 400
    assert {(e["field"], e["code"]) for e in bad.json()["errors"]} == {("items[1].available", "exceeds_on_hand")}
    # Another vendor's token sees nothing of ACME's and cannot name ACME's warehouse.
    other = token_client(other_vendor)
    assert other.get(API).json()["results"] == []
    refused = other.post(API, {"items": [{"vendor_sku": "OTHER-1", "ship_from": "RENO", "on_hand": 1, "available": 1}]}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "items[0].ship_from"
    rows = client.get(API).json()["results"]
    assert [(r["vendor_sku"], r["ship_from"], r["on_hand"], r["available"]) for r in rows] == [("MUG-1", "RENO", 120, 96)]


def test_read_scope_cannot_report_and_retailer_reads_every_vendor(vendor, other_vendor, ops, places):
    ProductFactory(vendor=vendor, vendor_sku="MUG-1")
    report(ops, vendor, [AvailabilityRow(ship_from="RENO", on_hand=3, available=2, vendor_sku="MUG-1")])
    reader = token_client(vendor, scopes=["planning:read"])
    assert reader.get(API).status_code == 200
    assert reader.post(API, {"items": [{"vendor_sku": "MUG-1", "ship_from": "RENO", "on_hand": 1, "available": 1}]}, format="json").status_code == 403
    retailer = APIClient()
    retailer.force_authenticate(retailer_user(Role.BUYER, username="buyer"))
    assert [r["vendor"] for r in retailer.get(API, {"vendor": "ACME"}).json()["results"]] == ["ACME"]
    assert (
        retailer.post(API, {"items": [{"vendor_sku": "MUG-1", "ship_from": "RENO", "on_hand": 1, "available": 1}]}, format="json").status_code == 403
    )


# Screens ------------------------------------------------------------------------------------------
def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["vendor_sku", "asin", "ship_from", "on_hand", "available"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_file_is_checked_then_saved_all_at_once(ops_client, vendor, places):
    ProductFactory(vendor=vendor, vendor_sku="MUG-1")
    ProductFactory(vendor=vendor, vendor_sku="BOWL-1")
    bad = _xlsx([["MUG-1", "", "RENO", 10, 4], ["BOWL-1", "", "NOWHERE", 3, 1], ["MUG-1", "", "NJ1", 2.5, 1]])
    response = ops_client.post("/planning/availability/update/", {"file_step": "1", "file": SimpleUploadedFile("stock.xlsx", bad)})
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(3, "ship_from"), (4, "on_hand")]
    assert not Availability.objects.exists()
    good = _xlsx([["MUG-1", "", "RENO", 10, 4], ["BOWL-1", "", "NJ1", 3, 1]])
    dry = ops_client.post("/planning/availability/update/", {"file_step": "1", "file": SimpleUploadedFile("stock.xlsx", good)})
    assert dry.status_code == 200 and dry.context["token"] and not Availability.objects.exists()
    saved = ops_client.post("/planning/availability/update/", {"commit": "1", "token": dry.context["token"]})
    assert saved.status_code == 302
    assert sorted(Availability.objects.values_list("product__vendor_sku", "ship_from__code", "available")) == [
        ("BOWL-1", "NJ1", 1),
        ("MUG-1", "RENO", 4),
    ]
    page = ops_client.get("/planning/availability/").content.decode()
    assert "MUG-1" in page and "BOWL-1" in page
    template = ops_client.get("/planning/availability/template.xlsx")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")


def test_one_item_from_the_form(ops_client, vendor, places):
    product = ProductFactory(vendor=vendor, vendor_sku="MUG-1")
    response = ops_client.post(
        "/planning/availability/update/", {"item": "1", "product": product.asin, "ship_from": "NJ1", "on_hand": 12, "available": 20}
    )
    assert response.status_code == 400 and "cannot exceed on hand" in response.content.decode()
    response = ops_client.post(
        "/planning/availability/update/", {"item": "1", "product": product.asin, "ship_from": "NJ1", "on_hand": 12, "available": 10}
    )
    assert response.status_code == 302
    assert Availability.objects.get().available == 10


def test_list_shows_only_own_rows(vendor, other_vendor, ops, places):
    ProductFactory(vendor=vendor, vendor_sku="MUG-1")
    ProductFactory(vendor=other_vendor, vendor_sku="OTHER-1")
    other_ops = vendor_user(other_vendor, Role.VENDOR_OPS, username="globex-ops")
    ship_from(other_vendor, "GLOBEX-WH")
    report(ops, vendor, [AvailabilityRow(ship_from="RENO", on_hand=3, available=2, vendor_sku="MUG-1")])
    report(other_ops, other_vendor, [AvailabilityRow(ship_from="GLOBEX-WH", on_hand=3, available=2, vendor_sku="OTHER-1")])
    client = Client()
    client.force_login(ops)
    page = client.get("/planning/availability/").content.decode()
    assert "MUG-1" in page and "OTHER-1" not in page
    finance = vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-fin")
    client.force_login(finance)
    assert client.get("/planning/availability/update/").status_code == 403


# POs ----------------------------------------------------------------------------------------------
def test_buyer_sees_availability_and_accepting_above_it_is_warned(ops_client, ops, vendor, places):
    po = purchase_order_with_lines(vendor, lines=0, quantity=60, number="PO-STOCK")
    covered = PurchaseOrderLineFactory(purchase_order=po, sequence=1, ordered_quantity=60)
    short = PurchaseOrderLineFactory(purchase_order=po, sequence=2, ordered_quantity=60)
    report(
        ops,
        vendor,
        [
            AvailabilityRow(ship_from="RENO", on_hand=50, available=40, vendor_sku=covered.vendor_sku),
            AvailabilityRow(ship_from="NJ1", on_hand=30, available=30, vendor_sku=covered.vendor_sku),
            AvailabilityRow(ship_from="RENO", on_hand=40, available=24, vendor_sku=short.vendor_sku),
        ],
    )
    response = ops_client.post(
        f"/purchase-orders/{po.number}/confirm/",
        confirm_data(po, {1: {"accepted": 60}, 2: {"accepted": 60}}, scheduled_ship_date=ship_day(po), scheduled_delivery_date=ship_day(po, 5)),
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert any("Line 2" in message and "60 eaches accepted, but only 24 reported available" in message for message in shown)
    assert not any("Line 1" in message for message in shown)  # 70 available over two warehouses
    buyer = Client()
    buyer.force_login(retailer_user(Role.BUYER, username="buyer"))
    page = buyer.get(f"/purchase-orders/{po.number}/").content.decode()
    assert 'data-testid="line-availability-1"' in page and "70 eaches available to ship (80 on hand)" in page
    assert 'data-testid="above-availability-2"' in page and 'data-testid="above-availability-1"' not in page
    api = APIClient()
    api.force_authenticate(ops)
    warnings = api.get(f"/api/v1/purchase-orders/{po.number}/").json()["availability_warnings"]
    assert len(warnings) == 1 and warnings[0].startswith("Line 2")
