"""Purchase-order services: issuing, confirming (and revising), changing and cancelling POs."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count
from django.utils import timezone

from purchase_orders.models import Acknowledgement, PurchaseOrder, PurchaseOrderLine, PurchaseOrderState, UnitOfMeasure
from purchase_orders.services.confirmations import LineConfirmation, confirmations_accepting_all, purchase_order_acknowledge
from purchase_orders.services.line_identity import GivenQuantity
from purchase_orders.services.orders import (
    LineChange,
    LineInput,
    PurchaseOrderInput,
    purchase_order_cancel,
    purchase_order_change,
    purchase_order_create,
)
from tests.audit_check import audit_exempt
from tests.factories import ProductFactory, WarehouseFactory, marketplace, retailer_user, vendor_user
from tests.purchase_orders.factories import PurchaseOrderLineFactory, purchase_order_with_lines
from vendor_portal.errors import DomainValidationError, InvalidTransitionError, NotFoundError
from vendor_portal.models import AuditEvent, Notification
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db

RETAILER = Scope(is_retailer=True)


@pytest.fixture
def buyer(db):
    return Actor(user=retailer_user(Role.BUYER))


@pytest.fixture
def ops(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS)


@pytest.fixture
def scope(vendor):
    return Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))


def new_po_input(vendor, number="PO-1001", lines=None, **fields) -> PurchaseOrderInput:
    us = marketplace("US")
    now = timezone.now()
    if lines is None:
        kettle = ProductFactory(vendor=vendor, vendor_sku="KET-1", asin="B0KETTLE01")
        lines = [LineInput(sequence=1, vendor_sku=kettle.vendor_sku, ordered_quantity=60, net_cost=Decimal("24.50"), list_price=Decimal("44.10"))]
    values = {
        "vendor": vendor,
        "marketplace": us,
        "number": number,
        "ship_to": WarehouseFactory(code="ABE2", marketplace=us),
        "ship_window_start": now + datetime.timedelta(days=3),
        "ship_window_end": now + datetime.timedelta(days=10),
        "lines": lines,
    }
    values.update(fields)
    return PurchaseOrderInput(**values)


def confirm(scope, po, lines, **dates):
    return purchase_order_acknowledge(scope=scope, number=po.number, lines=lines, actor=Actor(), **dates)


def error_fields(excinfo) -> dict:
    return {error["field"]: error["code"] for error in excinfo.value.as_error_list()}


# Issuing -----------------------------------------------------------------------------------------
def test_create_takes_product_facts_from_the_catalogue_audits_and_tells_the_vendor(vendor, buyer, ops, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        po = purchase_order_create(data=new_po_input(vendor), actor=buyer)
    line = po.lines.get()
    assert (po.state, po.currency, po.created_by) == (PurchaseOrderState.NEW, "USD", buyer.user)
    assert (line.asin, line.title, line.net_cost) == ("B0KETTLE01", line.product.title, Decimal("24.50"))
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"purchase_order.create", "purchase_order_line.create"}
    assert Notification.objects.get(user=ops).kind == "po_new"


def test_confirmation_deadline_counts_from_the_order_date(vendor, buyer, settings):
    ordered = timezone.now() - datetime.timedelta(hours=10)
    po = purchase_order_create(data=new_po_input(vendor, order_date=ordered), actor=buyer)
    assert po.confirmation_due_at == ordered + datetime.timedelta(hours=settings.PORTAL_CONFIRMATION_DUE_HOURS)


def test_a_line_may_name_its_product_by_asin_alone(vendor, buyer):
    product = ProductFactory(vendor=vendor)
    data = new_po_input(vendor, lines=[LineInput(sequence=1, asin=product.asin, ordered_quantity=12, net_cost=Decimal("3.00"))])
    assert purchase_order_create(data=data, actor=buyer).lines.get().vendor_sku == product.vendor_sku


def test_bad_sku_duplicate_number_and_reversed_window_are_all_reported_and_nothing_is_saved(vendor, buyer):
    purchase_order_with_lines(vendor, number="PO-1001")
    now = timezone.now()
    product = ProductFactory(vendor=vendor)
    data = new_po_input(
        vendor,
        number="PO-1001",
        ship_window_start=now + datetime.timedelta(days=5),
        ship_window_end=now + datetime.timedelta(days=1),
        lines=[
            LineInput(sequence=1, vendor_sku=product.vendor_sku, ordered_quantity=6, net_cost=Decimal("1.00")),
            LineInput(sequence=2, vendor_sku="NO-SUCH-SKU", ordered_quantity=6, net_cost=Decimal("1.00")),
            LineInput(sequence=2, asin="B0NOTHERE1", ordered_quantity=0, net_cost=Decimal("0")),
        ],
    )
    count = PurchaseOrder.objects.count()
    with pytest.raises(DomainValidationError) as excinfo:
        purchase_order_create(data=data, actor=buyer)
    assert error_fields(excinfo) == {
        "number": "duplicate",
        "ship_window_end": "invalid",
        "lines[1].vendor_sku": "unknown_product",
        "lines[2].sequence": "invalid",
        "lines[2].asin": "unknown_product",
        "lines[2].ordered_quantity": "invalid",
        "lines[2].net_cost": "invalid",
    }
    assert PurchaseOrder.objects.count() == count
    assert not AuditEvent.objects.filter(action="purchase_order.create").exists()


def test_another_vendors_product_or_a_mismatched_asin_is_refused(vendor, other_vendor, buyer):
    theirs, mine, other_mine = ProductFactory(vendor=other_vendor), ProductFactory(vendor=vendor), ProductFactory(vendor=vendor)
    data = new_po_input(
        vendor,
        lines=[
            LineInput(sequence=1, vendor_sku=theirs.vendor_sku, ordered_quantity=6, net_cost=Decimal("1.00")),
            LineInput(sequence=2, vendor_sku=mine.vendor_sku, asin=other_mine.asin, ordered_quantity=6, net_cost=Decimal("1.00")),
        ],
    )
    with pytest.raises(DomainValidationError) as excinfo:
        purchase_order_create(data=data, actor=buyer)
    assert error_fields(excinfo) == {"lines[0].vendor_sku": "unknown_product", "lines[1].asin": "product_mismatch"}


def test_dc_of_another_marketplace_and_unknown_terms_are_refused(vendor, buyer):
    fra3 = WarehouseFactory(code="FRA3", marketplace=marketplace("DE"))
    with pytest.raises(DomainValidationError) as excinfo:
        purchase_order_create(data=new_po_input(vendor, ship_to=fra3, payment_terms="net7", order_type="Whenever"), actor=buyer)
    assert error_fields(excinfo) == {"ship_to": "invalid", "payment_terms": "invalid_choice", "order_type": "invalid_choice"}


# Confirming --------------------------------------------------------------------------------------
def test_confirm_one_line_partly_backordered_and_one_rejected(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60)
    start = timezone.localdate(po.ship_window_start)
    confirm(
        scope,
        po,
        [
            LineConfirmation(sequence=1, accepted=48, backordered=12, backorder_date=start + datetime.timedelta(days=14)),
            LineConfirmation(sequence=2, rejected=60, rejection_reason="ObsoleteProduct"),
        ],
        scheduled_ship_date=start,
        scheduled_delivery_date=timezone.localdate(po.delivery_window_start),
    )
    po.refresh_from_db()
    first, second = po.lines.order_by("sequence")
    assert po.state == PurchaseOrderState.ACKNOWLEDGED and po.acknowledged_at is not None
    assert (first.accepted_quantity, first.backordered_quantity, first.open_to_ship) == (48, 12, 60)
    assert (second.rejected_quantity, second.rejection_reason, second.open_to_ship) == (60, "ObsoleteProduct", 0)
    assert po.promised_ship_date == po.estimated_ship_date == start
    assert Acknowledgement.objects.get(purchase_order=po).revision == 1


def test_accept_all_accepts_every_open_line_in_full(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=3, quantity=24)
    confirm(scope, po, confirmations_accepting_all(po))
    assert list(po.lines.values_list("accepted_quantity", flat=True)) == [24, 24, 24]
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.ACKNOWLEDGED


def test_accept_all_keeps_what_an_earlier_revision_rejected(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=1, quantity=60)
    confirm(scope, po, [LineConfirmation(sequence=1, accepted=48, rejected=12, rejection_reason="TemporarilyUnavailable")])
    po.refresh_from_db()
    confirm(scope, po, confirmations_accepting_all(po))
    line = po.lines.get()
    assert (line.accepted_quantity, line.rejected_quantity, line.rejection_reason) == (48, 12, "TemporarilyUnavailable")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            [LineConfirmation(sequence=1, accepted=7, rejected=53, rejection_reason="TemporarilyUnavailable")],
            {"lines[0].accepted": "case_pack"},
            id="7 eaches of a 6-pack",
        ),
        pytest.param(
            [LineConfirmation(sequence=1, accepted=50, rejected=10, rejection_reason="TemporarilyUnavailable")],
            {"lines[0].accepted": "case_pack"},
            id="50 eaches of a 6-pack",
        ),
        pytest.param([LineConfirmation(sequence=1, accepted=30)], {"lines[0].accepted": "quantities_do_not_add_up"}, id="does not add up"),
        pytest.param(
            [LineConfirmation(sequence=1, accepted=54, rejected=6)],
            {"lines[0].rejection_reason": "rejection_reason_required"},
            id="rejected without reason",
        ),
        pytest.param([LineConfirmation(sequence=1, accepted=-6, rejected=66)], {"lines[0].accepted": "invalid"}, id="negative"),
        pytest.param([LineConfirmation(sequence=9, accepted=60)], {"lines[0].sequence": "invalid", "lines": "line_missing"}, id="unknown line"),
        pytest.param(
            [LineConfirmation(sequence=1, accepted=54, backordered=6)],
            {"lines[0].backorder_date": "invalid"},
            id="backorder without date",
        ),
    ],
)
def test_confirmation_rules_name_the_line_and_field_and_save_nothing(vendor, scope, lines, expected):
    po = purchase_order_with_lines(vendor, lines=1, quantity=60)
    with pytest.raises(DomainValidationError) as excinfo:
        confirm(scope, po, lines)
    assert error_fields(excinfo) == expected
    assert not Acknowledgement.objects.exists()
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.NEW


# What a door was given (product identifiers, other units) is checked once, here ----------------------
def test_a_door_names_the_product_and_counts_in_cases_the_service_checks_and_converts(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=1, quantity=60)
    line = po.lines.get()
    given = LineConfirmation(
        sequence=None,
        vendor_sku=line.vendor_sku,
        ordered=GivenQuantity(10, UnitOfMeasure.CASES, 6),
        given=[("accepted", GivenQuantity(9, UnitOfMeasure.CASES, 6)), ("rejected", GivenQuantity(6))],
        rejection_reason="ObsoleteProduct",
    )
    confirm(scope, po, [given])
    line.refresh_from_db()
    assert (line.accepted_quantity, line.rejected_quantity) == (54, 6)
    assert po.acknowledgements.get().lines[0]["sequence"] == 1


def test_what_a_door_was_given_is_refused_at_the_doors_own_reference(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60)
    first, second = po.lines.order_by("sequence")
    wrong_product = LineConfirmation(sequence=1, asin=second.asin, accepted=60, ref="item-A")
    # cases of no stated size, for a line ordered in eaches: they cannot be counted
    odd_cases = LineConfirmation(
        sequence=2, given=[("accepted", GivenQuantity(10, UnitOfMeasure.CASES, ref="ack-B"))], ordered=GivenQuantity(60), ref="item-B"
    )
    with pytest.raises(DomainValidationError) as excinfo:
        confirm(scope, po, [wrong_product, odd_cases])
    assert [(e.ref, e.field, e.code) for e in excinfo.value.field_errors()] == [
        ("item-A", "asin", "product_identifier_mismatch"),
        ("ack-B", "unit_of_measure", "unit_mismatch"),
    ]
    assert not po.acknowledgements.exists()


def test_below_minimum_order_quantity_is_refused(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=0)
    product = ProductFactory(vendor=vendor, case_pack=1, minimum_order_quantity=10)
    PurchaseOrderLineFactory(purchase_order=po, sequence=1, product=product, ordered_quantity=20)
    with pytest.raises(DomainValidationError) as excinfo:
        confirm(scope, po, [LineConfirmation(sequence=1, accepted=5, rejected=15, rejection_reason="TemporarilyUnavailable")])
    assert error_fields(excinfo) == {"lines[0].accepted": "moq"}
    confirm(scope, po, [LineConfirmation(sequence=1, accepted=10, rejected=10, rejection_reason="TemporarilyUnavailable")])


def test_minimum_order_quantity_counts_eaches_for_lines_ordered_in_cases(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=0)
    product = ProductFactory(vendor=vendor, case_pack=6, minimum_order_quantity=24)
    PurchaseOrderLineFactory(purchase_order=po, sequence=1, product=product, ordered_quantity=10, unit_of_measure=UnitOfMeasure.CASES, unit_size=6)
    with pytest.raises(DomainValidationError) as excinfo:
        confirm(scope, po, [LineConfirmation(sequence=1, accepted=3, rejected=7, rejection_reason="TemporarilyUnavailable")])
    assert error_fields(excinfo) == {"lines[0].accepted": "moq"}
    confirm(scope, po, [LineConfirmation(sequence=1, accepted=4, rejected=6, rejection_reason="TemporarilyUnavailable")])


def test_dates_outside_the_windows_are_refused(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=1)
    late = timezone.localdate(po.ship_window_end) + datetime.timedelta(days=1)
    early_delivery = timezone.localdate(po.delivery_window_start) - datetime.timedelta(days=1)
    with pytest.raises(DomainValidationError) as excinfo:
        confirm(scope, po, [LineConfirmation(sequence=1, accepted=60)], scheduled_ship_date=late, scheduled_delivery_date=early_delivery)
    assert error_fields(excinfo) == {"scheduled_ship_date": "invalid", "scheduled_delivery_date": "invalid"}


def test_backorder_where_not_allowed_is_refused(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=1)
    with audit_exempt():
        po.lines.update(backorder_allowed=False)
    with pytest.raises(DomainValidationError) as excinfo:
        confirm(scope, po, [LineConfirmation(sequence=1, accepted=30, backordered=30, backorder_date=timezone.localdate())])
    assert error_fields(excinfo) == {"lines[0].backordered": "backorder_not_allowed"}


def test_every_line_must_be_confirmed(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=3)
    with pytest.raises(DomainValidationError) as excinfo:
        confirm(scope, po, [LineConfirmation(sequence=1, accepted=60), LineConfirmation(sequence=3, accepted=60)])
    assert [e for e in excinfo.value.as_error_list() if e["code"] == "line_missing"] == [
        {"code": "line_missing", "message": "Line 2 has no confirmation: every line must be confirmed.", "field": "lines"}
    ]


def test_rejecting_everything_cancels_the_po(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=1)
    confirm(scope, po, [LineConfirmation(sequence=1, rejected=60, rejection_reason="InvalidProductIdentifier")])
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.CANCELLED


def test_revision_keeps_history_and_the_promised_date_while_the_estimate_moves(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=1)
    first_date = timezone.localdate(po.ship_window_start)
    confirm(scope, po, [LineConfirmation(sequence=1, accepted=60)], scheduled_ship_date=first_date)
    confirm(
        scope,
        po,
        [LineConfirmation(sequence=1, accepted=48, backordered=12, backorder_date=first_date + datetime.timedelta(days=20))],
        scheduled_ship_date=first_date + datetime.timedelta(days=2),
    )
    po.refresh_from_db()
    assert po.promised_ship_date == first_date
    assert po.estimated_ship_date == first_date + datetime.timedelta(days=2)
    revisions = list(po.acknowledgements.order_by("revision").values_list("revision", "lines"))
    assert [r for r, _ in revisions] == [1, 2]
    assert revisions[0][1][0]["accepted"] == 60 and revisions[1][1][0]["accepted"] == 48
    assert po.lines.get().backordered_quantity == 12


def test_a_rejected_quantity_stays_rejected_in_a_revision(vendor, scope):
    po = purchase_order_with_lines(vendor, lines=1)
    confirm(scope, po, [LineConfirmation(sequence=1, accepted=48, rejected=12, rejection_reason="TemporarilyUnavailable")])
    with pytest.raises(DomainValidationError) as excinfo:
        confirm(scope, po, [LineConfirmation(sequence=1, accepted=60)])
    assert error_fields(excinfo) == {"lines[0].rejected": "rejected_stays_rejected"}


@pytest.mark.parametrize("state", [PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED])
def test_confirmation_cannot_be_revised_after_the_first_shipment(vendor, scope, state):
    po = purchase_order_with_lines(vendor, lines=1)
    confirm(scope, po, [LineConfirmation(sequence=1, accepted=60)])
    with audit_exempt():
        PurchaseOrderLine.objects.filter(purchase_order=po).update(shipped_quantity=12)
        PurchaseOrder.objects.filter(pk=po.pk).update(state=state)
    with pytest.raises(InvalidTransitionError):
        confirm(scope, po, [LineConfirmation(sequence=1, accepted=54, rejected=6, rejection_reason="TemporarilyUnavailable")])
    assert po.lines.get().accepted_quantity == 60
    assert po.acknowledgements.count() == 1


def test_another_vendors_po_cannot_be_confirmed(vendor, other_vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    with pytest.raises(NotFoundError):
        confirm(Scope(vendor=other_vendor), po, [LineConfirmation(sequence=1, accepted=60)])


def test_marketplace_limited_scope_cannot_confirm_other_marketplaces(vendor):
    de = marketplace("DE")
    po = purchase_order_with_lines(vendor, lines=1, marketplace=de, ship_to=WarehouseFactory(code="FRA3", marketplace=de))
    with pytest.raises(NotFoundError):
        confirm(Scope(vendor=vendor, marketplace_ids=frozenset({marketplace("US").pk})), po, [LineConfirmation(sequence=1, accepted=60)])


# Buyer changes and cancellation ------------------------------------------------------------------
def test_buyer_change_resets_the_confirmation_and_tells_the_vendor(vendor, scope, buyer, ops, django_capture_on_commit_callbacks):
    po = purchase_order_with_lines(vendor, lines=2)
    confirm(
        scope,
        po,
        [LineConfirmation(sequence=1, accepted=60), LineConfirmation(sequence=2, accepted=48, rejected=12, rejection_reason="ObsoleteProduct")],
    )
    with audit_exempt():
        PurchaseOrder.objects.filter(pk=po.pk).update(confirmation_reminder_sent_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_change(scope=RETAILER, number=po.number, actor=buyer, lines=[LineChange(sequence=2, ordered_quantity=36)])
    po.refresh_from_db()
    first, second = po.lines.order_by("sequence")
    assert (po.state, po.has_unconfirmed_changes, po.confirmation_reminder_sent_at) == (PurchaseOrderState.NEW, True, None)
    assert po.confirmation_due_at > timezone.now() + datetime.timedelta(hours=47)
    assert first.accepted_quantity == 60  # an unchanged line keeps its answer
    assert (second.ordered_quantity, second.cancelled_quantity, second.accepted_quantity, second.rejected_quantity) == (36, 24, 0, 12)
    notice = Notification.objects.get(user=ops, kind="po_changed")
    assert po.number in notice.title
    assert AuditEvent.objects.filter(action="purchase_order.change", object_id=str(po.pk)).exists()
    # The vendor confirms again: the change flag clears.
    confirm(
        scope,
        po,
        [LineConfirmation(sequence=1, accepted=60), LineConfirmation(sequence=2, accepted=24, rejected=12, rejection_reason="ObsoleteProduct")],
    )
    po.refresh_from_db()
    assert (po.state, po.has_unconfirmed_changes) == (PurchaseOrderState.ACKNOWLEDGED, False)


def test_a_change_that_changes_nothing_sends_no_notice(vendor, buyer, django_capture_on_commit_callbacks):
    po = purchase_order_with_lines(vendor, lines=1)
    vendor_user(vendor, Role.VENDOR_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_change(
            scope=RETAILER, number=po.number, actor=buyer, ship_window_end=po.ship_window_end, lines=[LineChange(sequence=1, ordered_quantity=60)]
        )
    assert not Notification.objects.exists()
    assert PurchaseOrder.objects.get(pk=po.pk).changed_at is None


def test_change_errors_name_the_field(vendor, buyer):
    po = purchase_order_with_lines(vendor, lines=1)
    with pytest.raises(DomainValidationError) as excinfo:
        purchase_order_change(
            scope=RETAILER,
            number=po.number,
            actor=buyer,
            ship_window_end=po.ship_window_start - datetime.timedelta(days=1),
            delivery_window_end=po.delivery_window_start - datetime.timedelta(days=1),
            lines=[LineChange(sequence=7, ordered_quantity=1)],
        )
    assert error_fields(excinfo) == {"ship_window_end": "invalid", "delivery_window_end": "invalid", "lines[0].sequence": "invalid"}


def test_a_cancelled_line_needs_no_confirmation_and_cancelling_every_line_cancels_the_po(vendor, scope, buyer):
    po = purchase_order_with_lines(vendor, lines=2)
    purchase_order_change(scope=RETAILER, number=po.number, actor=buyer, lines=[LineChange(sequence=2, cancel=True)])
    assert po.lines.get(sequence=2).cancelled_quantity == 60
    confirm(scope, po, [LineConfirmation(sequence=1, accepted=60)])
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.ACKNOWLEDGED
    purchase_order_change(scope=RETAILER, number=po.number, actor=buyer, lines=[LineChange(sequence=1, cancel=True)])
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.CANCELLED


def test_buyer_cancels_once(vendor, buyer, ops, django_capture_on_commit_callbacks):
    po = purchase_order_with_lines(vendor, lines=1)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_cancel(scope=RETAILER, number=po.number, actor=buyer, reason="Forecast lowered")
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.CANCELLED
    assert AuditEvent.objects.get(action="purchase_order.cancel").after["note"] == "Forecast lowered"
    assert Notification.objects.get(user=ops).kind == "po_cancelled"
    with pytest.raises(InvalidTransitionError):
        purchase_order_cancel(scope=RETAILER, number=po.number, actor=buyer)


# Selectors ---------------------------------------------------------------------------------------
def test_list_selector_sees_only_the_scope_and_totals_the_lines(vendor, other_vendor):
    from purchase_orders.selectors import purchase_order_detail, purchase_order_list

    mine = purchase_order_with_lines(vendor, lines=2, quantity=12)
    purchase_order_with_lines(other_vendor, lines=1)
    [row] = purchase_order_list(scope=Scope(vendor=vendor), params=None)
    assert (row.number, row.line_count, row.total_ordered_quantity, row.total_cost) == (mine.number, 2, 24, Decimal("240.00"))
    assert purchase_order_list(scope=RETAILER, params={"ordering": "number"}).count() == 2
    with pytest.raises(NotFoundError):
        purchase_order_detail(scope=Scope(vendor=other_vendor), number=mine.number)


# Demo data ---------------------------------------------------------------------------------------
def test_demo_seed_goes_through_the_services_and_is_idempotent(db):
    import time

    from purchase_orders import demo
    from vendor_portal.demo import seed_foundation

    with audit_exempt():
        world = seed_foundation()
    started = time.perf_counter()
    summary = demo.seed(world)
    assert time.perf_counter() - started < 10
    counts = dict(PurchaseOrder.objects.values_list("vendor__code").annotate(n=Count("pk")))
    assert counts["ACME"] >= 25 and counts["GLOBEX"] >= 25
    states = set(PurchaseOrder.objects.values_list("state", flat=True))
    assert {PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.CANCELLED} <= states
    assert PurchaseOrder.objects.filter(has_unconfirmed_changes=True).exists()
    assert PurchaseOrderLine.objects.filter(backordered_quantity__gt=0).exists()
    assert PurchaseOrderLine.objects.filter(rejected_quantity__gt=0).exists()
    assert set(PurchaseOrder.objects.values_list("ship_to__code", flat=True)) == {"ABE2", "ONT8", "YYZ4", "FRA3"}
    assert all(len(number) <= 20 for number in PurchaseOrder.objects.values_list("number", flat=True))
    assert "purchase orders" in summary
    total, events = PurchaseOrder.objects.count(), AuditEvent.objects.count()
    demo.seed(world)
    assert (PurchaseOrder.objects.count(), AuditEvent.objects.count()) == (total, events)
