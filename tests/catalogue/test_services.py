"""Item setup and cost changes through their services: the domain rules with hand-computed values."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.models import CostChangeState, ItemProposal, ProposalState
from catalogue.services.costs import (
    CostChangeInput,
    cost_change_accept,
    cost_change_counter,
    cost_change_reject,
    cost_changes_propose,
    price_protection_exposure,
)
from catalogue.services.items import (
    PackLevelInput,
    gtin_forms,
    item_proposal_approve,
    item_proposal_create,
    item_proposal_return,
    item_proposal_submit,
    item_proposal_update,
)
from purchase_orders.models import UnitOfMeasure
from tests.audit_check import audit_exempt
from tests.catalogue.factories import (
    accepted_change,
    buyer_scope_actor,
    gtin13,
    issue_po,
    item_input,
    next_weekday,
    noon,
    vendor_scope_actor,
)
from tests.factories import ProductCostFactory, ProductFactory, marketplace
from vendor_portal.errors import DomainValidationError, ForbiddenError, InvalidTransitionError
from vendor_portal.models import AuditEvent, Notification, Product, ProductCost, marketplace_today

pytestmark = pytest.mark.django_db


def _codes(error) -> dict:
    return {(e.ref, e.field): e.code for e in error.value.field_errors()}


def _messages(error) -> str:
    return " ".join(e.message for e in error.value.field_errors())


# Item proposals ---------------------------------------------------------------------------------------
def test_a_good_item_is_saved_as_a_draft_and_submitted_to_the_buyers(vendor, django_capture_on_commit_callbacks):
    scope, actor = vendor_scope_actor(vendor)
    buyer_scope, _ = buyer_scope_actor()
    proposal = item_proposal_create(scope=scope, data=item_input(), actor=actor)
    assert proposal.state == ProposalState.DRAFT
    assert [lv.units for lv in proposal.pack_levels.order_by("units")] == [1, 6]
    assert not ItemProposal.objects.visible_to(buyer_scope).exists()  # the buyer does not see drafts

    with django_capture_on_commit_callbacks(execute=True):
        item_proposal_submit(scope=scope, proposal_id=proposal.pk, actor=actor)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED
    assert ItemProposal.objects.visible_to(buyer_scope).get() == proposal
    assert Notification.objects.filter(user__username="buyer", kind="item_proposal_submitted").exists()
    assert AuditEvent.objects.filter(action="item_proposal.submit", object_id=str(proposal.pk)).exists()


def test_a_wrong_check_digit_names_the_right_one(vendor):
    scope, actor = vendor_scope_actor(vendor)
    good = gtin13("061414100777")  # 061414100777 → check digit 9 (odd positions ×3 from the right: 3×(7+7+0+4+4+0)+... )
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(DomainValidationError) as error:
        item_proposal_create(scope=scope, data=item_input(gtin=bad, case_gtin="10614141007776"), actor=actor)
    assert _codes(error)[(None, "gtin")] == "invalid_gtin"
    assert f"its check digit is {good[-1]}" in _messages(error)
    with pytest.raises(DomainValidationError) as error:
        item_proposal_create(scope=scope, data=item_input(gtin="12345"), actor=actor)
    assert "8, 12, 13 or 14 digits" in _messages(error)
    assert not ItemProposal.objects.exists()


def test_check_digit_by_hand():
    # 0614141 00777 ?: from the right, digits at odd positions ×3: 7,7,0,4,4,0 → 22×3 = 66; even: 7,0,1,1,6,0... weights
    # 6 0 1 4 1 4 1 0 0 7 7 7 (12 digits, rightmost ×3): 7×3+7+7×3+0+0×3+1+4×3+1+4×3+1+6×3+0 = 21+7+21+0+0+1+12+1+12+1+18+0 = 94 → 6
    assert gtin13("061414100777") == "0614141007776"


def test_a_gtin_already_in_the_catalogue_is_refused_however_it_is_written(vendor, other_vendor):
    ProductFactory(vendor=other_vendor, gtin="036000291452")  # a UPC-A
    assert gtin_forms("036000291452") == {"036000291452", "0036000291452", "00036000291452"}
    scope, actor = vendor_scope_actor(vendor)
    with pytest.raises(DomainValidationError) as error:
        item_proposal_create(scope=scope, data=item_input(gtin="0036000291452", case_gtin="10036000291459"), actor=actor)
    assert _codes(error)[(None, "gtin")] == "duplicate_gtin"


def test_a_gtin_on_another_open_proposal_and_a_case_gtin_equal_to_the_item_are_refused(vendor):
    scope, actor = vendor_scope_actor(vendor)
    item_proposal_create(scope=scope, data=item_input(), actor=actor)
    with pytest.raises(DomainValidationError) as error:
        item_proposal_create(scope=scope, data=item_input(sku="OTHER-1"), actor=actor)
    assert _codes(error)[(None, "gtin")] == "duplicate_gtin"
    gtin = gtin13("061414100888")
    with pytest.raises(DomainValidationError) as error:
        item_proposal_create(scope=scope, data=item_input(sku="OTHER-2", gtin=gtin, case_gtin="0" + gtin), actor=actor)
    assert "The case needs its own GTIN" in _messages(error)


def test_pack_hierarchy_weights_volumes_and_counts_are_checked(vendor):
    scope, actor = vendor_scope_actor(vendor)
    levels = [
        PackLevelInput("each", Decimal("20"), Decimal("15"), Decimal("25"), Decimal("1.2")),  # 7500 cm³
        # 6 eaches weigh 7.2 kg and take 45000 cm³: this case is too light and too small.
        PackLevelInput("case", Decimal("30"), Decimal("30"), Decimal("40"), Decimal("7.1")),  # 36000 cm³
        PackLevelInput("pallet", Decimal("120"), Decimal("100"), Decimal("150"), Decimal("500"), units=100),  # 100 is no whole number of 6
    ]
    with pytest.raises(DomainValidationError) as error:
        item_proposal_create(scope=scope, data=item_input(levels=levels), actor=actor)
    messages = _messages(error)
    assert "A case holds 6 × 1.2 kg, so it weighs at least 7.2 kg." in messages
    assert "A case of these dimensions cannot hold 6 eachs." in messages
    assert "A pallet of 100 eaches does not hold a whole number of cases of 6." in messages

    with pytest.raises(DomainValidationError) as error:
        item_proposal_create(scope=scope, data=item_input(levels=levels[:1]), actor=actor)
    assert _codes(error)[(None, "pack_levels")] == "required"


def test_the_buyer_returns_with_a_comment_and_the_vendor_submits_again(vendor, django_capture_on_commit_callbacks):
    scope, actor = vendor_scope_actor(vendor)
    buyer_scope, buyer_actor = buyer_scope_actor()
    proposal = item_proposal_create(scope=scope, data=item_input(), actor=actor, submit=True)
    with pytest.raises(DomainValidationError):
        item_proposal_return(scope=buyer_scope, proposal_id=proposal.pk, comment=" ", actor=buyer_actor)
    with django_capture_on_commit_callbacks(execute=True):
        item_proposal_return(scope=buyer_scope, proposal_id=proposal.pk, comment="HS code is for kettles of metal", actor=buyer_actor)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.RETURNED and proposal.review_comment == "HS code is for kettles of metal"
    assert Notification.objects.filter(kind="item_proposal_returned", user__memberships__vendor=vendor).exists()
    item_proposal_update(scope=scope, proposal_id=proposal.pk, data=item_input(hs_code="8516.79"), actor=actor, submit=True)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED and proposal.hs_code == "851679"


def test_approval_puts_the_item_in_the_catalogue_and_a_po_can_order_it_at_its_cost(vendor):
    scope, actor = vendor_scope_actor(vendor)
    buyer_scope, buyer_actor = buyer_scope_actor()
    proposal = item_proposal_create(scope=scope, data=item_input(), actor=actor, submit=True)
    with pytest.raises(ForbiddenError):
        item_proposal_approve(scope=scope, proposal_id=proposal.pk, actor=actor)  # a vendor cannot approve its own item
    item_proposal_approve(scope=buyer_scope, proposal_id=proposal.pk, actor=buyer_actor)
    proposal.refresh_from_db()
    product = proposal.product
    assert proposal.state == ProposalState.APPROVED
    assert product.vendor == vendor and product.vendor_sku == "KTL-NEW-1" and product.asin.startswith("B0") and len(product.asin) == 10
    assert (product.case_pack, product.carton_weight_kg, product.carton_length_cm) == (6, Decimal("7.600"), Decimal("45.00"))
    cost = ProductCost.objects.get(product=product)
    assert (cost.cost, cost.list_price, cost.effective_from) == (Decimal("18.40"), Decimal("39.99"), marketplace_today(marketplace("US")))
    po = issue_po(vendor, product, number="PO-NEWITEM", order_date=timezone.now(), quantity=2, unit_of_measure=UnitOfMeasure.CASES, unit_size=6)
    assert po.lines.get().net_cost == Decimal("110.40")  # 6 × 18.40 per case
    with pytest.raises(InvalidTransitionError):
        item_proposal_approve(scope=buyer_scope, proposal_id=proposal.pk, actor=buyer_actor)


# Cost changes ------------------------------------------------------------------------------------------
@pytest.fixture
def kettle(vendor):
    product = ProductFactory(vendor=vendor, vendor_sku="KTL-1700-SS")
    ProductCostFactory(product=product, cost="10.00", list_price="24.99")
    return product


def test_a_cost_change_effective_next_monday_applies_to_a_po_issued_monday_not_friday(vendor, kettle):
    today = marketplace_today(marketplace("US"))
    monday = next_weekday(today, 0)
    friday = monday - datetime.timedelta(days=3)
    request = accepted_change(vendor, kettle, new_cost="11.00", effective_from=monday)
    assert request.state == CostChangeState.ACCEPTED and request.current_cost == Decimal("10.00") and request.agreed_cost == Decimal("11.00")
    assert list(ProductCost.objects.filter(product=kettle).values_list("cost", flat=True)) == [Decimal("11.00"), Decimal("10.00")]
    assert list(ProductCost.objects.filter(product=kettle).values_list("list_price", flat=True)) == [Decimal("24.99"), Decimal("24.99")]

    on_friday = issue_po(vendor, kettle, number="PO-FRI", order_date=noon(friday))
    on_monday = issue_po(vendor, kettle, number="PO-MON", order_date=noon(monday))
    late_sunday = issue_po(
        vendor, kettle, number="PO-SUN", order_date=noon(monday) - datetime.timedelta(hours=12, minutes=1)
    )  # 23:59 Sunday in New York
    assert on_friday.lines.get().net_cost == Decimal("10.00")
    assert late_sunday.lines.get().net_cost == Decimal("10.00")
    assert on_monday.lines.get().net_cost == Decimal("11.00")
    # The buyer may still state a cost: it is kept as given.
    stated = issue_po(vendor, kettle, number="PO-STATED", order_date=noon(monday), net_cost=Decimal("10.50"))
    assert stated.lines.get().net_cost == Decimal("10.50")


def test_the_preflight_and_the_match_compare_with_the_cost_of_the_pos_date(vendor, kettle):
    """Past dates: the change was proposed and accepted 40 days ago for the Monday after; both POs were received
    and invoiced at the new 11.00. The Friday PO's line holds 10.00, so its invoice is 1.00 × 12 over; the Monday one matches."""
    from invoicing.services.checks import invoice_preflight
    from reconciliation.engine import match_invoices
    from reconciliation.models import Deduction, MatchResult, MatchStatus
    from tests.reconciliation.factories import accept, submitted_invoice

    then = timezone.now() - datetime.timedelta(days=40)
    monday = next_weekday(marketplace_today(marketplace("US"), then), 0)
    friday = monday - datetime.timedelta(days=3)
    accepted_change(vendor, kettle, new_cost="11.00", effective_from=monday, now=then)
    invoices = {}
    for number, day in (("PO-FRI", friday), ("PO-MON", monday)):
        po = issue_po(vendor, kettle, number=number, order_date=noon(day))
        with audit_exempt():
            po.lines.update(accepted_quantity=12, shipped_quantity=12, received_quantity=12)
            po.__class__.objects.filter(pk=po.pk).update(state="received")
        invoice = submitted_invoice(vendor, po, number=f"INV-{number}", quantity=12, cost="11.00")
        invoices[number] = invoice
        scope, _ = buyer_scope_actor()
        row = invoice_preflight(scope=scope, invoice=invoice)["lines"][0]
        assert row["po_cost"] == (Decimal("10.00") if day == friday else Decimal("11.00"))
        assert row["price_claim"] == (Decimal("12.00") if day == friday else Decimal("0.00"))
        accept(invoice)
    match_invoices(invoice_ids=[i.pk for i in invoices.values()])
    assert MatchResult.objects.get(invoice=invoices["PO-MON"]).status == MatchStatus.MATCHED
    assert MatchResult.objects.get(invoice=invoices["PO-FRI"]).status != MatchStatus.MATCHED
    assert not Deduction.objects.filter(invoice=invoices["PO-MON"]).exists()
    assert sum(d.amount for d in Deduction.objects.filter(invoice=invoices["PO-FRI"])) == Decimal("12.00")


def test_the_buyer_counters_and_the_vendor_accepts_the_counter(vendor, kettle, django_capture_on_commit_callbacks):
    scope, actor = vendor_scope_actor(vendor)
    buyer_scope, buyer_actor = buyer_scope_actor()
    day = marketplace_today(marketplace("US")) + datetime.timedelta(days=10)
    (request,) = cost_changes_propose(
        scope=scope, changes=[CostChangeInput("US", Decimal("12.00"), day, "Freight", vendor_sku="KTL-1700-SS")], actor=actor
    )
    with pytest.raises(ForbiddenError):
        cost_change_accept(scope=scope, request_id=request.pk, actor=actor)  # the vendor cannot accept its own proposal
    with django_capture_on_commit_callbacks(execute=True):
        cost_change_counter(scope=buyer_scope, request_id=request.pk, counter_cost=Decimal("11.20"), comment="Meet halfway", actor=buyer_actor)
    assert Notification.objects.filter(kind="cost_change_countered", user__memberships__vendor=vendor).exists()
    with pytest.raises(ForbiddenError):
        cost_change_accept(scope=buyer_scope, request_id=request.pk, actor=buyer_actor)  # now the vendor answers
    with django_capture_on_commit_callbacks(execute=True):
        request = cost_change_accept(scope=scope, request_id=request.pk, actor=actor)
    assert (request.state, request.agreed_cost) == (CostChangeState.ACCEPTED, Decimal("11.20"))
    assert ProductCost.objects.get(product=kettle, effective_from=day).cost == Decimal("11.20")
    assert Notification.objects.filter(kind="cost_change_accepted", user__username="buyer").exists()


def test_a_rejection_needs_a_reason_and_leaves_the_cost(vendor, kettle):
    scope, actor = vendor_scope_actor(vendor)
    buyer_scope, buyer_actor = buyer_scope_actor()
    day = marketplace_today(marketplace("US")) + datetime.timedelta(days=3)
    (request,) = cost_changes_propose(
        scope=scope, changes=[CostChangeInput("US", Decimal("12.00"), day, "Freight", vendor_sku="KTL-1700-SS")], actor=actor
    )
    with pytest.raises(DomainValidationError):
        cost_change_reject(scope=buyer_scope, request_id=request.pk, actor=buyer_actor)
    request = cost_change_reject(scope=buyer_scope, request_id=request.pk, comment="Contract runs to March", actor=buyer_actor)
    assert request.state == CostChangeState.REJECTED
    assert ProductCost.objects.filter(product=kettle).count() == 1


def test_proposals_are_checked_all_or_none(vendor, kettle):
    scope, actor = vendor_scope_actor(vendor)
    today = marketplace_today(marketplace("US"))
    changes = [
        CostChangeInput("US", Decimal("12.00"), today + datetime.timedelta(days=7), "Freight", vendor_sku="KTL-1700-SS", ref=2),
        CostChangeInput("US", Decimal("9.00"), today - datetime.timedelta(days=1), "Promo", vendor_sku="KTL-1700-SS", ref=3),
        CostChangeInput("US", Decimal("10.00"), today + datetime.timedelta(days=7), "Same", vendor_sku="NOPE", ref=4),
        CostChangeInput("US", Decimal("10.001"), today + datetime.timedelta(days=7), "", vendor_sku="KTL-1700-SS", ref=5),
    ]
    with pytest.raises(DomainValidationError) as error:
        cost_changes_propose(scope=scope, changes=changes, actor=actor)
    codes = _codes(error)
    assert codes[(3, "effective_from")] == "min_value"
    assert codes[(4, "vendor_sku")] == "unknown_product"
    assert codes[(5, "new_cost")] == "max_decimal_places" and codes[(5, "reason")] == "required"
    assert not kettle.cost_change_requests.exists()
    cost_changes_propose(scope=scope, changes=changes[:1], actor=actor)
    with pytest.raises(DomainValidationError) as error:
        cost_changes_propose(scope=scope, changes=changes[:1], actor=actor)
    assert _codes(error)[(2, "vendor_sku")] == "duplicate"  # one open request per item and marketplace


def test_price_protection_exposure_counts_open_units_at_the_old_cost(vendor, kettle):
    scope, actor = vendor_scope_actor(vendor)
    today = marketplace_today(marketplace("US"))
    open_po = issue_po(vendor, kettle, number="PO-OPEN", order_date=timezone.now(), quantity=5, unit_of_measure=UnitOfMeasure.CASES, unit_size=6)
    with audit_exempt():
        open_po.lines.update(accepted_quantity=5, received_quantity=2)  # 3 cases = 18 eaches still to come
    (request,) = cost_changes_propose(
        scope=scope,
        changes=[CostChangeInput("US", Decimal("9.25"), today + datetime.timedelta(days=5), "Lower steel", vendor_sku="KTL-1700-SS")],
        actor=actor,
    )
    rows, total = price_protection_exposure(request)
    assert [(r.purchase_order_number, r.open_units, r.cost_per_each) for r in rows] == [("PO-OPEN", 18, Decimal("10.0000"))]
    assert total == Decimal("-13.50")  # (9.25 − 10.00) × 18


def test_a_product_lists_only_the_costs_in_effect(vendor, kettle, api_client):
    from tests.factories import vendor_user

    day = marketplace_today(marketplace("US")) + datetime.timedelta(days=2)
    accepted_change(vendor, kettle, new_cost="11.00", effective_from=day)
    api_client.force_authenticate(vendor_user(vendor, username="acme-reader"))
    body = api_client.get(f"/api/v1/products/{kettle.pk}/").json()
    assert [(c["cost"], c["effective_from"]) for c in body["costs"]] == [("10.00", "2000-01-01")]
    assert Product.objects.get(pk=kettle.pk).costs.count() == 2


def test_on_hand_stock_from_the_availability_feed_is_exposed_at_the_cost_before(vendor, kettle):
    from catalogue.services.costs import on_hand_exposure
    from planning.services.availability import AvailabilityRow, availability_report
    from tests.factories import vendor_user
    from tests.shipments.factories import ship_from
    from vendor_portal.roles import Role
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import scope_for_user

    scope, actor = vendor_scope_actor(vendor)
    today = marketplace_today(marketplace("US"))
    (request,) = cost_changes_propose(
        scope=scope,
        changes=[CostChangeInput("US", Decimal("9.25"), today + datetime.timedelta(days=5), "Lower steel", vendor_sku="KTL-1700-SS")],
        actor=actor,
    )
    assert on_hand_exposure(request) is None  # never reported: not a report of zero
    ship_from(vendor, "RENO")
    ship_from(vendor, "NJ1")
    ops = vendor_user(vendor, Role.VENDOR_OPS, username="acme-stock")
    availability_report(
        scope=scope_for_user(ops),
        vendor=vendor,
        rows=[
            AvailabilityRow(ship_from="RENO", on_hand=100, available=80, vendor_sku="KTL-1700-SS"),
            AvailabilityRow(ship_from="NJ1", on_hand=20, available=20, vendor_sku="KTL-1700-SS"),
        ],
        actor=Actor(user=ops),
    )
    exposure = on_hand_exposure(request)
    assert (exposure.units, exposure.difference, exposure.exposure) == (120, Decimal("-0.75"), Decimal("-90.00"))  # (9.25 − 10.00) × 120
