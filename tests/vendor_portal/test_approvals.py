"""Maker/checker: bank detail changes need a second person; nobody approves their own request."""

import pytest
from django.db import IntegrityError, transaction

from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from vendor_portal.errors import CheckerNotEstablishedError, ForbiddenError, InvalidTransitionError, SelfApprovalError
from vendor_portal.models import ApprovalRequest, AuditEvent, BankDetails, Membership, Notification
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


# A second account is not a second person ----------------------------------------------------------------
def _invite(vendor, admin, username, role=Role.VENDOR_FINANCE):
    from vendor_portal.services.members import member_invite

    return member_invite(
        vendor=vendor, username=username, email=f"{username}@mailbox.example", roles=[role], marketplaces=[], actor=Actor(user=admin)
    ).user


def _backdate_role(user, vendor, days):
    import datetime

    from django.utils import timezone

    with audit_exempt():
        Membership.objects.filter(user=user, vendor=vendor).update(created_at=timezone.now() - datetime.timedelta(days=days))


@pytest.mark.django_db
def test_a_sock_puppet_the_requester_just_invited_cannot_approve_the_bank_change(vendor, maker):
    puppet = _invite(vendor, maker, "acme-puppet")
    _backdate_role(puppet, vendor, days=2)  # invited two days before asking: within the 7-day cooling-off
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    with pytest.raises(CheckerNotEstablishedError) as refused:
        approval_decide(approval=request, approve=True, actor=Actor(user=puppet), scope=scope_for_user(puppet))
    assert "acme-admin gave you your role less than 7 days before making this request" in refused.value.message
    request.refresh_from_db()
    assert request.status == "pending" and not BankDetails.objects.filter(vendor=vendor).exists()


@pytest.mark.django_db
def test_someone_who_joined_after_the_request_cannot_approve_it_whoever_invited_them(vendor, maker):
    other_admin = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin-2")
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    newcomer = _invite(vendor, other_admin, "acme-newcomer")
    with pytest.raises(CheckerNotEstablishedError, match="after this request was made"):
        approval_decide(approval=request, approve=True, actor=Actor(user=newcomer), scope=scope_for_user(newcomer))


@pytest.mark.django_db
def test_a_member_from_before_the_request_approves_even_if_the_requester_invited_them_long_ago(vendor, maker):
    colleague = _invite(vendor, maker, "acme-colleague")
    _backdate_role(colleague, vendor, days=30)
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    approval_decide(approval=request, approve=True, actor=Actor(user=colleague), scope=scope_for_user(colleague))
    assert BankDetails.objects.get(vendor=vendor).account_number == NEW_DETAILS["account_number"]


@pytest.mark.django_db
def test_a_recent_checker_can_still_turn_a_bank_change_down(vendor, maker):
    puppet = _invite(vendor, maker, "acme-puppet")
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    approval_decide(approval=request, approve=False, note="Not me", actor=Actor(user=puppet), scope=scope_for_user(puppet))
    request.refresh_from_db()
    assert request.status == "rejected"


@pytest.mark.django_db
def test_the_screen_and_the_api_refuse_the_sock_puppet_with_a_clear_message(client, vendor, maker):
    from rest_framework.test import APIClient

    puppet = _invite(vendor, maker, "acme-puppet")
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    client.force_login(puppet)
    page = client.get(f"/approvals/{request.pk}/").content.decode()
    assert 'data-testid="cannot-approve"' in page and "acme-admin gave you your role less than 7 days before making this request" in page
    response = client.post(f"/approvals/{request.pk}/", {"decision": "approve", "confirmed": "yes"}, follow=True)
    assert "ask another vendor admin or finance person who was on the team before" in response.content.decode()
    api = APIClient()
    api.force_login(puppet)
    answer = api.post(f"/api/v1/approvals/{request.pk}/decision", {"decision": "approve"}, format="json")
    assert answer.status_code == 403 and answer.json()["errors"][0]["code"] == "checker_not_established"
    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.django_db
def test_every_admin_and_finance_person_is_emailed_when_a_change_is_asked_for_and_when_it_applies(
    vendor, maker, checker, django_capture_on_commit_callbacks
):
    from django.core import mail

    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")  # not told: ops cannot act on it
    with django_capture_on_commit_callbacks(execute=True):
        request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    asked = {message.to[0]: message for message in mail.outbox}
    assert set(asked) == {maker.email, checker.email}
    assert "Bank details change requested for ACME" in asked[checker.email].subject
    assert "acme-admin asked" in asked[checker.email].body and "···7890" in asked[checker.email].body
    assert NEW_DETAILS["account_number"] not in asked[checker.email].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(approval=request, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    applied = {message.to[0]: message for message in mail.outbox}
    assert set(applied) == {maker.email, checker.email}
    assert "Bank details of ACME changed" in applied[maker.email].subject
    assert "approved by acme-finance" in applied[maker.email].body and "Payments to the new details are held until" in applied[maker.email].body


@pytest.mark.django_db
def test_new_bank_details_hold_payments_and_the_bank_screen_says_so(client, vendor, maker, checker, settings):
    import datetime

    from django.utils import timezone

    settings.PORTAL_BANK_CHANGE_PAYMENT_HOLD_DAYS = 5
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    approval_decide(approval=request, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    details = BankDetails.objects.get(vendor=vendor)
    assert details.payments_held_until - details.changed_at == datetime.timedelta(days=5)
    assert details.payments_held_at(timezone.now()) and not details.payments_held_at(timezone.now() + datetime.timedelta(days=6))
    client.force_login(maker)
    page = client.get("/settings/bank-details/").content.decode()
    assert 'data-testid="payment-hold"' in page and "Held: new bank details" in page


@pytest.mark.django_db
def test_a_long_time_member_the_requester_just_made_a_checker_cannot_approve(vendor, maker):
    from vendor_portal.services.members import member_update

    clerk = vendor_user(vendor, Role.VENDOR_OPS, username="acme-clerk")
    _backdate_role(clerk, vendor, days=400)
    member_update(vendor=vendor, user=clerk, roles=[Role.VENDOR_OPS, Role.VENDOR_FINANCE], marketplaces=[], actor=Actor(user=maker))
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    with pytest.raises(CheckerNotEstablishedError, match="gave you your role less than 7 days"):
        approval_decide(approval=request, approve=True, actor=Actor(user=clerk), scope=scope_for_user(clerk))
