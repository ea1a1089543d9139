"""A full bank account number is shown nowhere but where the money goes: approval requests, their API, the
audit trail and the bank screen show its last four characters, to every role."""

import json

import pytest
from rest_framework.test import APIClient

from tests.factories import retailer_user, vendor_user
from vendor_portal.models import AuditEvent, BankDetails
from vendor_portal.roles import Role
from vendor_portal.services.approvals import approval_decide
from vendor_portal.services.audit import Actor
from vendor_portal.services.vendors import bank_details_change_request
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db

FULL = "DE89370400440532013000"
DETAILS = {
    "account_holder": "Acme Home Goods",
    "bank_name": "Commerzbank",
    "account_number": FULL,
    "routing_code": "COBADEFFXXX",
    "currency": "EUR",
    "remit_to_address": "1 Main St",
}


@pytest.fixture
def maker(vendor):
    return vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")


@pytest.fixture
def checker(vendor):
    return vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")


def _api(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_an_approval_request_shows_the_account_number_masked_on_screen_and_in_the_api(client, vendor, maker, checker):
    approval = bank_details_change_request(vendor=vendor, data=DETAILS, actor=Actor(user=maker))
    for person in (maker, checker, vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")):
        client.force_login(person)
        page = client.get(f"/approvals/{approval.pk}/").content.decode()
        assert FULL not in page and "···3000" in page
        api = _api(person)
        detail = api.get(f"/api/v1/approvals/{approval.pk}/")
        if detail.status_code == 200:
            assert detail.json()["payload"]["account_number"] == "···3000"
        assert FULL not in api.get("/api/v1/approvals/").content.decode()
    assert approval.payload["account_number"] == FULL  # kept whole only where approving applies it


def test_the_audit_trail_never_holds_the_full_number(client, vendor, maker, checker):
    approval = bank_details_change_request(vendor=vendor, data=DETAILS, actor=Actor(user=maker))
    approval_decide(approval=approval, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    assert BankDetails.objects.get(vendor=vendor).account_number == FULL  # the payment side has it whole
    second = bank_details_change_request(vendor=vendor, data={**DETAILS, "account_number": "GB29NWBK60161331926819"}, actor=Actor(user=maker))
    approval_decide(approval=second, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    rows = json.dumps([[event.before, event.after] for event in AuditEvent.objects.all()], ensure_ascii=False)
    assert FULL not in rows and "GB29NWBK60161331926819" not in rows
    assert "···3000" in rows and "···6819" in rows
    client.force_login(maker)
    assert FULL not in client.get("/audit/").content.decode()
    assert FULL not in _api(maker).get("/api/v1/audit-events/?page_size=100").content.decode()


def test_another_vendors_people_and_the_retailer_do_not_see_the_request(vendor, other_vendor, maker):
    approval = bank_details_change_request(vendor=vendor, data=DETAILS, actor=Actor(user=maker))
    assert _api(vendor_user(other_vendor, Role.VENDOR_ADMIN, username="globex-admin")).get(f"/api/v1/approvals/{approval.pk}/").status_code == 404
    retailer = _api(retailer_user(Role.RETAILER_ADMIN, username="retail-admin")).get("/api/v1/approvals/")
    assert FULL not in retailer.content.decode()


def test_a_decided_or_withdrawn_request_keeps_no_full_number(vendor, maker, checker):
    from vendor_portal.services.approvals import approval_cancel

    approved = bank_details_change_request(vendor=vendor, data=DETAILS, actor=Actor(user=maker))
    approval_decide(approval=approved, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    rejected = bank_details_change_request(vendor=vendor, data=DETAILS, actor=Actor(user=maker))
    approval_decide(approval=rejected, approve=False, actor=Actor(user=checker), scope=scope_for_user(checker))
    withdrawn = bank_details_change_request(vendor=vendor, data=DETAILS, actor=Actor(user=maker))
    approval_cancel(approval=withdrawn, actor=Actor(user=maker))
    for request in (approved, rejected, withdrawn):
        request.refresh_from_db()
        assert request.payload["account_number"] == "···3000" and request.payload["bank_name"] == "Commerzbank"
    assert BankDetails.objects.get(vendor=vendor).account_number == FULL


def test_the_migration_masks_numbers_written_before_masking_and_the_trail_stays_append_only(vendor, maker, checker):
    import importlib

    from django.apps import apps
    from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

    from tests.audit_check import audit_exempt
    from vendor_portal.models import ApprovalRequest

    approval = bank_details_change_request(vendor=vendor, data=DETAILS, actor=Actor(user=maker))
    with audit_exempt():
        ApprovalRequest.objects.filter(pk=approval.pk).update(status="approved", payload=DETAILS)  # as stored before masking
        old = AuditEvent.objects.create(
            actor_label="acme-finance",
            channel="web",
            vendor=vendor,
            action="bank_details.change",
            object_type="vendor_portal.bankdetails",
            object_id="1",
            object_repr="Commerzbank",
            before={"account_number": "GB29NWBK60161331926819"},
            after={**DETAILS},
        )
        request_row = AuditEvent.objects.create(
            actor_label="acme-admin",
            channel="web",
            vendor=vendor,
            action="approval.request",
            object_type="vendor_portal.approvalrequest",
            object_id=str(approval.pk),
            object_repr="x",
            after={"kind": "bank_details_change", "payload": DETAILS},
        )
    migration = importlib.import_module("vendor_portal.migrations.0006_mask_account_numbers_in_history")
    with connection.schema_editor() as editor:
        migration.mask_history(apps, editor)
    old.refresh_from_db()
    request_row.refresh_from_db()
    approval.refresh_from_db()
    assert (old.before["account_number"], old.after["account_number"]) == ("···6819", "···3000") and old.after["bank_name"] == "Commerzbank"
    assert request_row.after["payload"]["account_number"] == "···3000"
    assert approval.payload["account_number"] == "···3000"
    with pytest.raises((IntegrityError, InternalError, ProgrammingError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE vendor_portal_auditevent SET action = 'tampered' WHERE id = %s", [old.pk])  # the trigger is back
