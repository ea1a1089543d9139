"""Maker/checker: bank detail changes need a second person; nobody approves their own request."""

import pytest
from django.db import IntegrityError, transaction

from tests.factories import vendor_user
from vendor_portal.errors import ForbiddenError, InvalidTransitionError, SelfApprovalError
from vendor_portal.models import ApprovalRequest, AuditEvent, BankDetails, Notification
from vendor_portal.roles import Role
from vendor_portal.services.approvals import approval_decide
from vendor_portal.services.audit import Actor
from vendor_portal.services.vendors import bank_details_change_request
from vendor_portal.tenancy import scope_for_user

NEW_DETAILS = {
    "account_holder": "Acme Home Goods",
    "bank_name": "Bank of Shenzhen",
    "account_number": "6222021234567890",
    "routing_code": "BKSHCNBJ",
    "currency": "USD",
    "remit_to_address": "18 Keji Road",
}


@pytest.fixture
def maker(vendor):
    return vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")


@pytest.fixture
def checker(vendor):
    return vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")


@pytest.mark.django_db(transaction=True)
def test_change_applies_only_after_a_second_person_approves(vendor, maker, checker):
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    assert not BankDetails.objects.filter(vendor=vendor).exists()
    assert Notification.objects.filter(user=checker, kind="approval_requested").exists()
    approval_decide(approval=request, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    details = BankDetails.objects.get(vendor=vendor)
    assert details.bank_name == "Bank of Shenzhen" and details.account_number == "6222021234567890"
    assert AuditEvent.objects.filter(action="bank_details.change", actor=checker).exists()
    assert Notification.objects.filter(user=maker, kind="approval_decided").exists()


@pytest.mark.django_db
def test_requester_can_never_approve_their_own_request(vendor, maker):
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    with pytest.raises(SelfApprovalError):
        approval_decide(approval=request, approve=True, actor=Actor(user=maker), scope=scope_for_user(maker))
    request.refresh_from_db()
    assert request.status == "pending"
    assert not BankDetails.objects.filter(vendor=vendor).exists()


@pytest.mark.django_db
def test_database_refuses_a_self_decided_row_too(vendor, maker):
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.filter(pk=request.pk).update(decided_by=maker, status="approved")


@pytest.mark.django_db
def test_self_approval_through_the_screen_is_refused_with_a_message(client, vendor, maker):
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    client.force_login(maker)
    page = client.get(f"/approvals/{request.pk}/").content.decode()
    assert "a second person must approve it" in page
    response = client.post(f"/approvals/{request.pk}/", {"decision": "approve", "confirmed": "yes"}, follow=True)
    assert "You cannot approve your own request" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.django_db
def test_ops_cannot_check_bank_changes(vendor, maker):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    with pytest.raises(ForbiddenError):
        approval_decide(approval=request, approve=True, actor=Actor(user=ops), scope=scope_for_user(ops))


@pytest.mark.django_db
def test_a_decided_request_cannot_be_decided_again(vendor, maker, checker):
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    approval_decide(approval=request, approve=False, note="Call me first", actor=Actor(user=checker), scope=scope_for_user(checker))
    with pytest.raises(InvalidTransitionError):
        approval_decide(approval=request, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    assert not BankDetails.objects.filter(vendor=vendor).exists()


@pytest.mark.django_db
def test_bank_change_flow_through_the_screens(client, vendor, maker, checker):
    client.force_login(maker)
    bad = client.post("/settings/bank-details/", {**NEW_DETAILS, "currency": "US1"})
    assert "three-letter ISO currency code" in bad.content.decode()
    assert not ApprovalRequest.objects.exists()
    client.post("/settings/bank-details/", NEW_DETAILS)
    request = ApprovalRequest.objects.get()
    client.force_login(checker)
    assert request.summary in client.get("/approvals/").content.decode()
    assert "1" in client.get("/").content.decode()
    review = client.get(f"/approvals/{request.pk}/").content.decode()
    assert "···7890" in review and "6222021234567890" not in review and "Bank of Shenzhen" in review
    assert '<select name="decision"' not in review and 'value="approve"' in review and 'value="reject"' in review
    unconfirmed = client.post(f"/approvals/{request.pk}/", {"decision": "approve", "note": "Verified by phone"})
    assert 'data-testid="confirm-step"' in unconfirmed.content.decode()
    assert not BankDetails.objects.filter(vendor=vendor).exists()
    client.post(f"/approvals/{request.pk}/", {"decision": "approve", "note": "Verified by phone", "confirmed": "yes"})
    assert BankDetails.objects.get(vendor=vendor).bank_name == "Bank of Shenzhen"
    page = client.get("/settings/bank-details/").content.decode()
    assert "···7890" in page and "6222021234567890" not in page
