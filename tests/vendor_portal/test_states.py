"""The one way a state column moves: `transition()` along the model's TRANSITIONS table."""

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from invoicing.models import Invoice, InvoiceState
from planning.models import Promotion, PromotionState
from purchase_orders.models import PurchaseOrderState
from reconciliation.models import PaymentRun, PaymentRunStatus
from tests.factories import retailer_user
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.errors import InvalidTransitionError
from vendor_portal.models import ApprovalRequest, ApprovalStatus
from vendor_portal.roles import Role
from vendor_portal.states import StateMachine, require_transition, transition


def state_machines() -> list[type]:
    return [model for model in apps.get_models() if issubclass(model, StateMachine)]


def test_an_allowed_move_sets_the_named_column_and_returns_the_old_state():
    promotion = Promotion(state=PromotionState.DRAFT)
    assert transition(promotion, PromotionState.SHARED) == PromotionState.DRAFT
    assert promotion.state == PromotionState.SHARED
    run = PaymentRun(status=PaymentRunStatus.DRAFT)  # its column is `status`
    assert transition(run, PaymentRunStatus.PENDING_APPROVAL) == PaymentRunStatus.DRAFT
    assert run.status == PaymentRunStatus.PENDING_APPROVAL


def test_a_refused_move_changes_nothing_and_says_why_in_the_services_words():
    invoice = Invoice(number="INV-1", state=InvoiceState.PAID)
    with pytest.raises(InvalidTransitionError) as refused:
        transition(invoice, InvoiceState.DRAFT, refusal=lambda inv, target: f"{inv.number} cannot become {target}")
    assert invoice.state == InvoiceState.PAID
    assert (refused.value.status, refused.value.code, refused.value.message) == (409, "invalid_state", "INV-1 cannot become draft")
    with pytest.raises(InvalidTransitionError, match="^Decided already.$"):
        require_transition(ApprovalRequest(status=ApprovalStatus.APPROVED), ApprovalStatus.CANCELLED, refusal="Decided already.")
    with pytest.raises(InvalidTransitionError) as default:
        transition(ApprovalRequest(status=ApprovalStatus.REJECTED), ApprovalStatus.APPROVED)
    assert default.value.message == str(InvalidTransitionError.default_message)


def test_can_transition_to_reads_the_table():
    assert Promotion(state=PromotionState.CONFIRMED).can_transition_to(PromotionState.CONFIRMED)  # a revised confirmation
    assert not Promotion(state=PromotionState.ENDED).can_transition_to(PromotionState.CANCELLED)
    assert Invoice.allows(InvoiceState.SUBMITTED, InvoiceState.ACCEPTED) and not Invoice.allows(InvoiceState.PAID, InvoiceState.SUBMITTED)


@pytest.mark.django_db
def test_the_api_answers_a_refused_move_with_a_409_in_the_services_words(vendor):
    po = purchase_order_with_lines(vendor, lines=1, state=PurchaseOrderState.CLOSED)
    client = APIClient()
    client.force_authenticate(retailer_user(Role.BUYER))
    response = client.post(f"/api/v1/purchase-orders/{po.number}/cancel", {}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"] == [{"code": "invalid_state", "message": f"PO {po.number} cannot be cancelled: it is closed.", "field": None}]
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.CLOSED


def test_every_state_table_names_only_its_own_choices():
    assert {model.__name__ for model in state_machines()} == {
        "Promotion",
        "ApprovalRequest",
        "Shipment",
        "PaymentRun",
        "Invoice",
        "PurchaseOrder",
        "MembershipInvitation",
        "ItemProposal",
        "CostChangeRequest",
    }
    for model in state_machines():
        choices = {value for value, _label in model._meta.get_field(model.state_field).choices}
        assert set(model.TRANSITIONS) == choices, f"{model.__name__}: every state has a row"
        for state, targets in model.TRANSITIONS.items():
            assert targets <= choices, f"{model.__name__}.{state} moves to {targets - choices}, which are not its states"
