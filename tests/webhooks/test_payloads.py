"""The payload each webhook event carries (webhooks/payloads.py, version 2), through the real service that
publishes it: the exact keys and values a receiver sees in `data`, valid against the JSON Schema that
GET /api/v1/webhooks/event-types serves for it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker

from planning.services.promotions import LineCommitment, promotion_cancel, promotion_confirm, promotion_decline
from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from purchase_orders.services.deadlines import purchase_orders_cancel_unconfirmed
from purchase_orders.services.orders import (
    LineChange,
    LineInput,
    PurchaseOrderInput,
    purchase_order_cancel,
    purchase_order_change,
    purchase_order_create,
)
from reconciliation.engine import match_invoices
from reconciliation.models import Deduction, DeductionKind, DisputeStatus
from reconciliation.services.deductions import deduction_create
from reconciliation.services.disputes import dispute_answer, dispute_create
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from shipments.services.receiving import ReceivedLine, receipt_create
from tests.factories import ProductFactory, WarehouseFactory, marketplace, retailer_user
from tests.planning.factories import PLANNER, buyer_actor, draft_promotion, publish, rows_for, shared_promotion
from tests.reconciliation.factories import accepted_invoice, ap_user, deduction, finance_user
from tests.reconciliation.test_payment_runs import run_and_pay
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from tests.webhooks.factories import WebhookSubscriptionFactory
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope, scope_for_user
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.payloads import BY_EVENT

pytestmark = pytest.mark.django_db
RETAILER = Scope(is_retailer=True, roles=frozenset({Role.BUYER}))
ENVELOPE = {"id", "event", "version", "created_at", "vendor", "data"}


@pytest.fixture
def received(vendor):
    """The vendor's ERP subscribes to every event; received(event) gives the `data` of each delivery of it, in order."""
    WebhookSubscriptionFactory(vendor=vendor, url="https://erp.acme.example/hooks", events=list(WebhookEvent.values))

    def data(event: str) -> list[dict]:
        found = []
        for delivery in WebhookDelivery.objects.filter(event=event).order_by("pk"):
            payload = delivery.payload
            assert set(payload) == ENVELOPE and payload["event"] == event and payload["version"] == 2 and payload["vendor"] == "ACME"
            assert payload["id"] == str(delivery.event_id)
            Draft202012Validator(BY_EVENT[event].schema(), format_checker=FormatChecker()).validate(payload["data"])
            found.append(payload["data"])
        return found

    return data


def new_po(vendor, number="HOOK0001"):
    from vendor_portal.models import User

    buyer = User.objects.filter(username="retail-buyer").first() or retailer_user(Role.BUYER)
    us = marketplace("US")
    product = ProductFactory(vendor=vendor, case_pack=6, minimum_order_quantity=6)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    data = PurchaseOrderInput(
        vendor=vendor,
        marketplace=us,
        number=number,
        ship_to=WarehouseFactory(code="ABE2", marketplace=us),
        ship_window_start=start,
        ship_window_end=start + datetime.timedelta(days=7),
        lines=[
            LineInput(sequence=1, vendor_sku=product.vendor_sku, ordered_quantity=12, net_cost=Decimal("10.00")),
            LineInput(sequence=2, vendor_sku=product.vendor_sku, ordered_quantity=6, net_cost=Decimal("10.00")),
        ],
    )
    return purchase_order_create(data=data, actor=Actor(user=buyer))


def po_fields(po, state, previous_state, channel) -> dict:
    return {
        "object_type": "purchase_orders.purchaseorder",
        "object_id": str(po.pk),
        "reference": po.number,
        "state": state,
        "previous_state": previous_state,
        "channel": channel,
        "number": po.number,
    }


def test_purchase_order_created(vendor, received):
    po = new_po(vendor)
    assert received("purchase_order.created") == [
        {
            **po_fields(po, "new", None, "web"),
            "marketplace": "US",
            "ship_to": "ABE2",
            "ship_window_start": po.ship_window_start.isoformat(),
            "ship_window_end": po.ship_window_end.isoformat(),
        }
    ]


def test_purchase_order_changed_cancelled_and_cancelled_unconfirmed(vendor, received):
    buyer = Actor(user=retailer_user(Role.BUYER, username="buyer-2"), channel="api")
    changed, cancelled, unconfirmed = new_po(vendor, "HOOK0001"), new_po(vendor, "HOOK0002"), new_po(vendor, "HOOK0003")
    purchase_order_change(scope=RETAILER, number=changed.number, actor=buyer, lines=[LineChange(sequence=1, ordered_quantity=6)])
    purchase_order_change(
        scope=RETAILER, number=changed.number, actor=buyer, lines=[LineChange(sequence=1, cancel=True), LineChange(sequence=2, cancel=True)]
    )
    purchase_order_cancel(scope=RETAILER, number=cancelled.number, actor=buyer, reason="Forecast lowered")
    purchase_orders_cancel_unconfirmed(now=unconfirmed.ship_window_end + datetime.timedelta(minutes=1))
    assert received("purchase_order.changed") == [
        {**po_fields(changed, "new", "new", "api"), "cancelled": False, "unconfirmed": False, "reason": ""},
        {**po_fields(changed, "cancelled", "new", "api"), "cancelled": True, "unconfirmed": False, "reason": ""},  # every line cancelled
        {**po_fields(cancelled, "cancelled", "new", "api"), "cancelled": True, "unconfirmed": False, "reason": "Forecast lowered"},
        {
            **po_fields(unconfirmed, "cancelled", "new", "system"),
            "cancelled": True,
            "unconfirmed": True,
            "reason": "unconfirmed past the ship window",
        },
    ]


def test_acknowledgement_processed(vendor, received):
    po = new_po(vendor)
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    purchase_order_acknowledge(
        scope=scope,
        number=po.number,
        lines=[LineConfirmation(sequence=1, accepted=12), LineConfirmation(sequence=2, accepted=6)],
        actor=Actor(channel="api"),
    )
    purchase_order_acknowledge(
        scope=scope,
        number=po.number,
        lines=[
            LineConfirmation(sequence=1, accepted=6, rejected=6, rejection_reason="TemporarilyUnavailable"),
            LineConfirmation(sequence=2, accepted=6),
        ],
        actor=Actor(channel="api"),
    )
    assert received("acknowledgement.processed") == [
        {**po_fields(po, "acknowledged", "new", "api"), "revision": 1},
        {**po_fields(po, "acknowledged", "acknowledged", "api"), "revision": 2},
    ]


def test_asn_accepted_original_then_replaced(vendor, received):
    from shipments.services.asn import shipment_replace
    from shipments.services.plans import ShipPlanLine

    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    ship_from(vendor)
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    shipment = shipment_create(scope=scope, data=plan(po), actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor(channel="web"))
    first, second = shipment.lines.order_by("pk")
    shipment_replace(
        scope=scope,
        shipment_id=shipment.pk,
        actor=Actor(channel="edi"),
        lines=[
            ShipPlanLine(purchase_order_line_id=first.purchase_order_line_id, quantity=30),
            ShipPlanLine(purchase_order_line_id=second.purchase_order_line_id, quantity=60),
        ],
    )
    common = {
        "object_type": "shipments.shipment",
        "object_id": str(shipment.pk),
        "reference": "SHIP-1",
        "shipment_identifier": "SHIP-1",
        "ship_to": po.ship_to.code,
        "purchase_order_numbers": [po.number],
    }
    assert received("asn.accepted") == [
        {**common, "state": "submitted", "previous_state": "draft", "channel": "web", "asn_type": "Original", "asn_revision": 1},
        {**common, "state": "submitted", "previous_state": "submitted", "channel": "edi", "asn_type": "Replace", "asn_revision": 2},
    ]


def test_receipt_posted(vendor, received):
    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    ship_from(vendor)
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    shipment = shipment_create(scope=scope, data=plan(po), actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    first, second = shipment.lines.order_by("pk")
    dock = Scope(roles=frozenset({Role.RECEIVING}), is_retailer=True)
    receipt = receipt_create(
        scope=dock, shipment_id=shipment.pk, actor=Actor(channel="web"), lines=[ReceivedLine(first.pk, 60, damaged=2), ReceivedLine(second.pk, 50)]
    )
    assert received("receipt.posted") == [
        {
            "object_type": "shipments.receipt",
            "object_id": str(receipt.pk),
            "reference": "SHIP-1",
            "state": None,
            "previous_state": None,
            "channel": "web",
            "shipment_id": shipment.pk,
            "shipment_identifier": "SHIP-1",
            "shipment_state": "receiving",
            "units_received": 110,
            "units_damaged": 2,
            "purchase_order_line_ids": sorted([first.purchase_order_line_id, second.purchase_order_line_id]),
        }
    ]


def test_invoice_state_changed_by_hand_and_by_the_match(vendor, received):
    invoice, _po = accepted_invoice(vendor, number="INV-HOOK")  # created (draft), submitted, accepted: the factories' services
    match_invoices(invoice_ids=[invoice.pk])  # approved for payment by the 3-way match
    common = {
        "object_type": "invoicing.invoice",
        "object_id": str(invoice.pk),
        "reference": "INV-HOOK",
        "number": "INV-HOOK",
        "invoice_type": "Invoice",
        "total": str(invoice.grand_total),
        "currency": "USD",
    }
    assert [(data["previous_state"], data["state"]) for data in received("invoice.state_changed")] == [
        (None, "draft"),
        ("draft", "submitted"),
        ("submitted", "accepted"),
        ("accepted", "approved_for_payment"),
    ]
    _draft, _submitted, accepted, approved = received("invoice.state_changed")
    assert accepted == {**common, "state": "accepted", "previous_state": "submitted", "channel": "web", "reason": ""}
    assert approved == {**common, "state": "approved_for_payment", "previous_state": "accepted", "channel": "system", "reason": "3-way match"}


def test_deduction_raised_by_the_match_by_hand_and_as_a_dispute_reversal(vendor, received):
    invoice, _po = accepted_invoice(vendor, number="INV-HOOK")  # shortage 42.00, price 50.00
    match_invoices(invoice_ids=[invoice.pk])
    shortage = Deduction.objects.get(invoice=invoice, kind=DeductionKind.SHORTAGE_CLAIM)
    ap = ap_user()
    by_hand = deduction_create(
        scope=scope_for_user(ap),
        actor=Actor(user=ap),
        vendor=vendor,
        marketplace=marketplace("US"),
        kind=DeductionKind.CHARGEBACK,
        reason="asn_late",
        amount="25.00",
    )
    finance = finance_user(vendor)
    opened = dispute_create(scope=scope_for_user(finance), deduction_id=shortage.pk, reason="Delivered in full", files=[], actor=Actor(user=finance))
    dispute_answer(
        scope=scope_for_user(ap),
        dispute_id=opened.pk,
        outcome=DisputeStatus.PARTLY_REVERSED,
        amount="12.00",
        note="Two cartons found",
        actor=Actor(user=ap),
    )
    reversal = Deduction.objects.get(kind=DeductionKind.REVERSAL)
    claims = {data["kind"]: data for data in received("deduction.raised")}
    assert sorted(claims) == ["chargeback", "price_claim", "reversal", "shortage_claim"]
    assert claims["shortage_claim"] == {
        "object_type": "reconciliation.deduction",
        "object_id": str(shortage.pk),
        "reference": shortage.reference,
        "state": "open",
        "previous_state": None,
        "channel": "system",
        "kind": "shortage_claim",
        "reason": "SHORTAGES_IN_TRANSIT",
        "variance_type": "PQV",
        "amount": "42.00",
        "currency": "USD",
        "dispute_deadline": shortage.dispute_deadline.isoformat(),
        "invoice_id": invoice.pk,
        "invoice_number": "INV-HOOK",
        "reverses_id": None,
    }
    assert claims["chargeback"] == {
        "object_type": "reconciliation.deduction",
        "object_id": str(by_hand.pk),
        "reference": by_hand.reference,
        "state": "open",
        "previous_state": None,
        "channel": "web",
        "kind": "chargeback",
        "reason": "asn_late",
        "variance_type": "OTHER",
        "amount": "25.00",
        "currency": "USD",
        "dispute_deadline": by_hand.dispute_deadline.isoformat(),
        "invoice_id": None,
        "invoice_number": "",
        "reverses_id": None,
    }
    assert claims["reversal"] == {
        "object_type": "reconciliation.deduction",
        "object_id": str(reversal.pk),
        "reference": reversal.reference,
        "state": "open",
        "previous_state": None,
        "channel": "web",
        "kind": "reversal",
        "reason": "dispute_reversed",
        "variance_type": "PQV",
        "amount": "12.00",
        "currency": "USD",
        "dispute_deadline": None,
        "invoice_id": invoice.pk,
        "invoice_number": "INV-HOOK",
        "reverses_id": shortage.pk,
    }


def test_dispute_answered(vendor, received):
    claim = deduction(vendor, amount="40.00")
    finance = finance_user(vendor)
    opened = dispute_create(
        scope=scope_for_user(finance), deduction_id=claim.pk, reason="Not late: see the carrier's scan", files=[], actor=Actor(user=finance)
    )
    ap = ap_user()
    dispute_answer(scope=scope_for_user(ap), dispute_id=opened.pk, outcome=DisputeStatus.REVERSED, actor=Actor(user=ap))
    opened.refresh_from_db()
    assert received("dispute.answered") == [
        {
            "object_type": "reconciliation.dispute",
            "object_id": str(opened.pk),
            "reference": f"{claim.reference} #1",
            "state": "reversed",
            "previous_state": "open",
            "channel": "web",
            "outcome": "reversed",
            "deduction_id": claim.pk,
            "deduction_reference": claim.reference,
            "amount_reversed": "40.00",
            "currency": "USD",
            "reversal_id": opened.reversal_id,
        }
    ]


def test_payment_sent(vendor, received):
    invoice, _po = accepted_invoice(vendor, payment_terms="net30")  # 1050.00 less claims of 42.00 and 50.00
    match_invoices(invoice_ids=[invoice.pk])
    pay_date = timezone.localdate() + datetime.timedelta(days=31)
    remittance = run_and_pay(pay_date).remittances.get()
    assert received("payment.sent") == [
        {
            "object_type": "reconciliation.remittance",
            "object_id": str(remittance.pk),
            "reference": remittance.number,
            "state": None,
            "previous_state": None,
            "channel": "web",
            "number": remittance.number,
            "pay_date": pay_date.isoformat(),
            "currency": "USD",
            "gross_paid": "1050.00",
            "deductions_total": "92.00",
            "reversals_total": "0.00",
            "discounts_total": "0.00",
            "credit_notes_total": "0.00",
            "net_amount": "958.00",
        }
    ]


def test_forecast_published(vendor, received):
    product = ProductFactory(vendor=vendor)
    rows = rows_for(product, "US", 3)
    publication = publish(vendor, rows)
    assert received("forecast.published") == [
        {
            "object_type": "planning.forecastpublication",
            "object_id": str(publication.pk),
            "reference": f"{vendor.pk} forecast v1",
            "state": None,
            "previous_state": None,
            "channel": "web",
            "version": 1,
            "marketplaces": ["US"],
            "week_from": rows[0].week_start.isoformat(),
            "week_to": rows[-1].week_start.isoformat(),
            "row_count": 3,
        }
    ]


def test_promotion_shared_confirmed_declined_and_cancelled(vendor, received):
    vendor_scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    confirmed = shared_promotion(vendor, name="Confirmed deal")
    promotion_confirm(
        scope=vendor_scope, promotion_id=confirmed.pk, actor=Actor(channel="api"), commitments=[LineCommitment(1, 40), LineCommitment(2, 0)]
    )
    promotion_confirm(
        scope=vendor_scope, promotion_id=confirmed.pk, actor=Actor(channel="api"), commitments=[LineCommitment(1, 50), LineCommitment(2, 0)]
    )
    declined = shared_promotion(vendor, name="Declined deal")
    promotion_decline(scope=vendor_scope, promotion_id=declined.pk, reason="No stock in December", actor=Actor(channel="api"))
    cancelled = shared_promotion(vendor, name="Cancelled deal")
    promotion_cancel(scope=PLANNER, promotion_id=cancelled.pk, actor=buyer_actor(), reason="Budget cut")
    promotion_cancel(scope=PLANNER, promotion_id=draft_promotion(vendor, name="Never shown").pk, actor=buyer_actor())  # no news for the vendor

    def common(promotion, state, previous_state, channel) -> dict:
        return {
            "object_type": "planning.promotion",
            "object_id": str(promotion.pk),
            "reference": promotion.name,
            "state": state,
            "previous_state": previous_state,
            "channel": channel,
            "name": promotion.name,
            "promotion_type": "best_deal",
            "marketplace": "US",
            "start_date": promotion.start_date.isoformat(),
            "end_date": promotion.end_date.isoformat(),
        }

    assert received("promotion.shared") == [common(p, "shared", "draft", "web") for p in (confirmed, declined, cancelled)]
    assert received("promotion.confirmed") == [
        {**common(confirmed, "confirmed", "shared", "api"), "confirmation_revision": 1},
        {**common(confirmed, "confirmed", "confirmed", "api"), "confirmation_revision": 2},
    ]
    assert received("promotion.declined") == [{**common(declined, "declined", "shared", "api"), "reason": "No stock in December"}]
    assert received("promotion.cancelled") == [{**common(cancelled, "cancelled", "shared", "web"), "reason": "Budget cut"}]


def test_every_public_event_has_a_payload_test():
    tested = {
        "purchase_order.created",
        "purchase_order.changed",
        "acknowledgement.processed",
        "asn.accepted",
        "receipt.posted",
        "invoice.state_changed",
        "deduction.raised",
        "dispute.answered",
        "payment.sent",
        "forecast.published",
        "promotion.shared",
        "promotion.confirmed",
        "promotion.declined",
        "promotion.cancelled",
        # tests/appointments/test_webhooks.py
        "appointment.confirmed",
        "appointment.moved",
        "appointment.refused",
        "appointment.missed",
    }
    assert tested == set(WebhookEvent.values) == set(BY_EVENT)


def test_event_types_are_served_with_the_json_schema_of_their_data(token_client, api_client):
    from webhooks.payloads import PAYLOADS

    response = token_client.get("/api/v1/webhooks/event-types")
    assert response.status_code == 200
    served = response.json()
    assert [entry["event"] for entry in served] == [payload.event for payload in PAYLOADS] and len(served) == len(WebhookEvent.values)
    invoice = next(entry for entry in served if entry["event"] == "invoice.state_changed")
    assert (invoice["label"], invoice["version"]) == ("Invoice state changed", 2)
    assert invoice["schema"]["required"] == [
        "object_type",
        "object_id",
        "reference",
        "state",
        "previous_state",
        "channel",
        "number",
        "invoice_type",
        "total",
        "currency",
        "reason",
    ]
    assert invoice["schema"]["additionalProperties"] is False and invoice["schema"]["properties"]["total"]["pattern"]
    Draft202012Validator.check_schema(invoice["schema"])
    assert api_client.get("/api/v1/webhooks/event-types").status_code in (401, 403)


def test_the_readme_lists_every_event_with_its_fields():
    from pathlib import Path

    from webhooks.payloads import PAYLOADS

    rows = {
        line.split("|")[1].strip(" `"): line
        for line in (Path(__file__).resolve().parents[2] / "README.md").read_text().splitlines()
        if line.startswith("| `")
    }
    for payload in PAYLOADS:
        assert payload.event in rows, f"README: no row for {payload.event}"
        assert all(f"`{field.name}`" in rows[payload.event] for field in payload.fields), f"README: {payload.event} misses a field"
