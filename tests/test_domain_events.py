"""The domain's events reach reconciliation, EDI and the webhooks from real service calls, through every door
that matters (screens, /api/v1/, the Amazon door, EDI), and only once the change has committed: a service
that fails after publishing sends no webhook, queues no match and sends no 850."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from edi.models import Direction, Interchange
from invoicing.models import Invoice, InvoiceState
from purchase_orders.models import PurchaseOrder
from purchase_orders.services.orders import LineInput, PurchaseOrderInput, purchase_order_create
from reconciliation.engine import match_invoices
from reconciliation.models import Deduction, DeductionKind, MatchResult
from tests.edi.test_django_inbound import accept_all_855, interchange_text, invoice_810, receive, trading_partner
from tests.factories import ProductFactory, WarehouseFactory, marketplace, retailer_user
from tests.invoicing.factories import shipped_po
from tests.invoicing.test_amazon import amazon_invoice
from tests.invoicing.test_amazon import submit as submit_to_amazon_door
from tests.purchase_orders.factories import purchase_order_with_lines
from tests.reconciliation.factories import accept, accepted_invoice, ap_user, submitted_invoice
from tests.webhooks.factories import WebhookSubscriptionFactory
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    """Invoice and remittance PDFs rendered after the commit go to a folder of this test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def subscribe(vendor, *events):
    return WebhookSubscriptionFactory(vendor=vendor, url="https://erp.acme.example/hooks", events=list(events))


def po_input(vendor, number="EVT00001") -> PurchaseOrderInput:
    us = marketplace("US")
    product = ProductFactory(vendor=vendor, case_pack=6, minimum_order_quantity=6)
    now = timezone.now()
    return PurchaseOrderInput(
        vendor=vendor,
        marketplace=us,
        number=number,
        ship_to=WarehouseFactory(code="ABE2", marketplace=us),
        ship_window_start=now + datetime.timedelta(days=2),
        ship_window_end=now + datetime.timedelta(days=9),
        lines=[LineInput(sequence=1, vendor_sku=product.vendor_sku, ordered_quantity=12, net_cost=Decimal("10.00"))],
    )


def sent_850s(vendor) -> list[str]:
    return [i.transactions.get().reference for i in Interchange.objects.filter(vendor=vendor, direction=Direction.OUTBOUND, set_ids="850")]


# After the commit only -----------------------------------------------------------------------------------
def test_a_po_whose_creation_fails_after_publishing_sends_no_webhook_and_no_850(vendor, monkeypatch, django_capture_on_commit_callbacks):
    subscribe(vendor, "purchase_order.created")
    trading_partner(vendor)
    buyer = Actor(user=retailer_user(Role.BUYER))

    def broken(**kwargs):
        raise RuntimeError("the notice could not be written")

    # purchase_order_create notifies the vendor after its audit row and its event: the whole change rolls back.
    monkeypatch.setattr("purchase_orders.services.orders.notify_vendor_roles", broken)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            purchase_order_create(data=po_input(vendor), actor=buyer)
    assert callbacks == [] and not PurchaseOrder.objects.exists()
    assert not WebhookDelivery.objects.exists() and sent_850s(vendor) == []

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_create(data=po_input(vendor), actor=buyer)
    assert WebhookDelivery.objects.get().event == "purchase_order.created"
    assert sent_850s(vendor) == ["EVT00001"]


def test_an_acceptance_that_fails_after_publishing_queues_no_match(vendor, monkeypatch, django_capture_on_commit_callbacks):
    subscribe(vendor, "invoice.state_changed", "deduction.raised")
    invoice = submitted_invoice(vendor, shipped_po(vendor, quantity=100, received=96), number="EVT-1", quantity=100, cost="10.50")
    delivered = WebhookDelivery.objects.count()  # the draft and its submission

    def broken(invoice):
        raise RuntimeError("the notice could not be written")

    monkeypatch.setattr("invoicing.services._common._notify_state", broken)  # runs after the audit row and the event
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            accept(invoice)
    assert callbacks == []
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.SUBMITTED
    assert not MatchResult.objects.exists() and not Deduction.objects.exists() and WebhookDelivery.objects.count() == delivered

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        accept(invoice)
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.APPROVED_FOR_PAYMENT  # matched after the commit
    assert Deduction.objects.filter(invoice=invoice).count() == 2
    assert WebhookDelivery.objects.filter(event="deduction.raised").count() == 2


# Reconciliation: the match follows invoices and receipts from every door ---------------------------------
def test_an_invoice_accepted_on_the_screen_is_matched(client, vendor, django_capture_on_commit_callbacks):
    invoice = submitted_invoice(vendor, shipped_po(vendor, quantity=100, received=96), number="EVT-1", quantity=100, cost="10.50")
    client.force_login(ap_user())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/invoices/{invoice.pk}/decision/", {"state": "accepted"})
    assert response.status_code == 302
    assert {d.kind for d in Deduction.objects.filter(invoice=invoice)} == {DeductionKind.PRICE_CLAIM, DeductionKind.SHORTAGE_CLAIM}


def test_an_invoice_submitted_through_the_api_is_matched(token_client, vendor, django_capture_on_commit_callbacks):
    po = shipped_po(vendor, quantity=10, received=8)
    body = {
        "number": "API-EVT",
        "invoice_date": timezone.localdate().isoformat(),
        "lines": [{"purchase_order_number": po.number, "po_line_sequence": 1, "quantity": 10, "unit_cost": "10.00"}],
    }
    invoice_id = token_client.post("/api/v1/invoices/", body, format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert token_client.post(f"/api/v1/invoices/{invoice_id}/submit", format="json").status_code == 200
    result = MatchResult.objects.get(invoice_id=invoice_id)  # what AP sees before accepting
    assert (result.status, result.shortage_units) == ("over_tolerance", 2)


def test_an_invoice_submitted_through_the_amazon_door_is_matched(vendor, vendor_token, django_capture_on_commit_callbacks):
    amazon = APIClient()
    amazon.credentials(HTTP_X_AMZ_ACCESS_TOKEN=vendor_token[1])
    po = shipped_po(vendor, quantity=10, received=10)
    result = submit_to_amazon_door(amazon, {"invoices": [amazon_invoice(po)]}, django_capture_on_commit_callbacks)
    assert result["status"] == "Success", result
    assert MatchResult.objects.get(invoice__number="AMZ-1").status == "matched"


def test_an_invoice_sent_as_an_edi_810_is_matched(vendor, django_capture_on_commit_callbacks):
    trading_partner(vendor)
    po = purchase_order_with_lines(vendor, lines=2, quantity=60)
    receive(vendor, accept_all_855(po, control_number=1))
    with django_capture_on_commit_callbacks(execute=True):
        receive(vendor, interchange_text(invoice_810(po), 2))
    invoice = Invoice.objects.get(number="INV-EDI-1")
    assert MatchResult.objects.filter(invoice=invoice).count() == 2  # nothing received yet: both lines wait for their receipt


def test_a_receipt_booked_through_the_api_queues_the_match_that_reverses_the_shortage(vendor, django_capture_on_commit_callbacks):
    from shipments.services.asn import shipment_submit
    from shipments.services.plans import shipment_create
    from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
    from vendor_portal.tenancy import Scope

    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    ship_from(vendor)
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    shipment = shipment_create(scope=scope, data=plan(po), actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    dock = APIClient()
    dock.force_authenticate(retailer_user(Role.RECEIVING))
    line = shipment.lines.get()
    with django_capture_on_commit_callbacks(execute=True):  # 50 of 60 arrive: nothing invoiced yet to match
        first = dock.post("/api/v1/receipts/", {"shipment": shipment.pk, "lines": [{"shipment_line": line.pk, "quantity": 50}]}, format="json")
    assert first.status_code == 201, first.json()
    invoice = accept(submitted_invoice(vendor, po, number="EVT-R", quantity=60, cost=str(po.lines.get().net_cost)))
    match_invoices(invoice_ids=[invoice.pk])
    shortage = Deduction.objects.get(invoice=invoice, kind=DeductionKind.SHORTAGE_CLAIM)

    with django_capture_on_commit_callbacks(execute=True):
        response = dock.post("/api/v1/receipts/", {"shipment": shipment.pk, "lines": [{"shipment_line": line.pk, "quantity": 10}]}, format="json")
    assert response.status_code == 201, response.json()
    assert Deduction.objects.get(kind=DeductionKind.REVERSAL).reverses_id == shortage.pk


# EDI: the 850 of a new PO, from the screen and the API --------------------------------------------------
def test_a_po_issued_on_the_screen_is_sent_as_an_850_and_a_webhook(client, vendor, django_capture_on_commit_callbacks):
    from tests.purchase_orders.test_views import new_po_data

    trading_partner(vendor)
    subscribe(vendor, "purchase_order.created")
    ProductFactory(vendor=vendor, vendor_sku="KETTLE-1")
    client.force_login(retailer_user(Role.BUYER))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/purchase-orders/new/", new_po_data(vendor, [("KETTLE-1", 24, "12.50")]))
    assert response.status_code == 302
    assert sent_850s(vendor) == ["PO-BUYER-1"]
    assert WebhookDelivery.objects.get().payload["data"]["channel"] == "web"


def test_a_po_issued_through_the_api_is_sent_as_an_850_and_a_webhook(vendor, django_capture_on_commit_callbacks):
    from tests.purchase_orders.test_api import create_body

    trading_partner(vendor)
    subscribe(vendor, "purchase_order.created")
    ProductFactory(vendor=vendor, vendor_sku="KET-1", asin="B0KETTLE01", case_pack=6, minimum_order_quantity=6)
    ProductFactory(vendor=vendor, vendor_sku="TOA-1", asin="B0TOASTER1", case_pack=1, minimum_order_quantity=1)
    WarehouseFactory(code="ABE2", marketplace=marketplace("US"))
    buyer = APIClient()
    buyer.force_authenticate(retailer_user(Role.BUYER))
    with django_capture_on_commit_callbacks(execute=True):
        assert buyer.post("/api/v1/purchase-orders/", create_body(), format="json").status_code == 201
    assert sent_850s(vendor) == ["PO-2001"]
    assert WebhookDelivery.objects.get().payload["data"]["channel"] == "api"


# Webhooks: a confirmation through the Amazon door and EDI ------------------------------------------------
def test_acknowledgements_through_the_amazon_door_and_edi_reach_the_webhook_with_their_channel(
    vendor, vendor_token, django_capture_on_commit_callbacks
):
    from tests.amazon_api.acks import ACKNOWLEDGEMENTS, acknowledgement, body
    from tests.factories import VendorAccountFactory

    VendorAccountFactory(vendor=vendor, marketplace=marketplace("US"), vendor_code="ACMEUS")
    subscribe(vendor, "acknowledgement.processed")
    trading_partner(vendor)
    by_amazon, by_edi = purchase_order_with_lines(vendor, lines=2), purchase_order_with_lines(vendor, lines=2)
    amazon = APIClient()
    amazon.credentials(HTTP_X_AMZ_ACCESS_TOKEN=vendor_token[1])
    with django_capture_on_commit_callbacks(execute=True):
        assert amazon.post(ACKNOWLEDGEMENTS, body(acknowledgement(by_amazon)), format="json").status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        receive(vendor, accept_all_855(by_edi, control_number=7))
    seen = {d.payload["data"]["number"]: d.payload["data"]["channel"] for d in WebhookDelivery.objects.filter(event="acknowledgement.processed")}
    assert seen == {by_amazon.number: "api", by_edi.number: "edi"}


# EDI: the 820 of a payment made through the API ----------------------------------------------------------
def test_a_payment_run_paid_through_the_api_stores_the_820_with_the_payment(vendor, django_capture_on_commit_callbacks):
    trading_partner(vendor)
    subscribe(vendor, "payment.sent")
    invoice, _po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    maker, checker = APIClient(), APIClient()
    maker.force_authenticate(ap_user("ap-maker"))
    checker.force_authenticate(ap_user("ap-checker"))
    pay_date = (timezone.localdate() + datetime.timedelta(days=31)).isoformat()
    run_id = maker.post("/api/v1/payment-runs/", {"pay_date": pay_date}, format="json").json()["id"]
    assert checker.post(f"/api/v1/payment-runs/{run_id}/approve", {"decision": "approve"}, format="json").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert checker.post(f"/api/v1/payment-runs/{run_id}/pay").json()["status"] == "paid"
    [interchange] = Interchange.objects.filter(vendor=vendor, direction=Direction.OUTBOUND, set_ids="820")
    remittance = interchange.transactions.get()
    assert remittance.reference == WebhookDelivery.objects.get(event="payment.sent").payload["data"]["number"]


# The outbox costs the same queries for any number of events ----------------------------------------------
def test_a_match_writes_its_webhook_deliveries_in_the_same_number_of_queries_for_one_or_ten_invoices(vendor, other_vendor):
    subscribe(vendor, "deduction.raised", "invoice.state_changed")
    subscribe(other_vendor, "deduction.raised", "invoice.state_changed")
    one = [accepted_invoice(vendor, number="ONE-1", po_number="PO-ONE-1")[0]]
    ten = [accepted_invoice(other_vendor, number=f"TEN-{n}", po_number=f"PO-TEN-{n}")[0] for n in range(10)]
    before = WebhookDelivery.objects.count()
    with CaptureQueriesContext(connection) as small:
        match_invoices(invoice_ids=[invoice.pk for invoice in one])
    with CaptureQueriesContext(connection) as large:
        match_invoices(invoice_ids=[invoice.pk for invoice in ten])
    assert WebhookDelivery.objects.count() - before == 3 + 30  # two claims and a state change per invoice
    assert len(small) == len(large)
