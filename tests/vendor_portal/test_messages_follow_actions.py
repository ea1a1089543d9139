"""Acting on a document answers the messages about it: the unread count and "what needs me" stay honest."""

import pytest

from tests.factories import vendor_user
from tests.vendor_portal.test_approvals import NEW_DETAILS
from vendor_portal.models import ApprovalRequest, Notification
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.notifications import document_paths, notification_send
from vendor_portal.services.vendors import bank_details_change_request


def test_a_document_path_and_its_parents_but_never_the_list():
    assert document_paths("/invoices/7/submit/") == ["/invoices/7/submit/", "/invoices/7/"]
    assert document_paths("/invoices/") == []


@pytest.mark.django_db(transaction=True)
def test_deciding_an_approval_answers_every_checkers_message_and_tells_the_maker(client, vendor):
    maker = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    checker = vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")
    other_checker = vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance-2")
    bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    approval = ApprovalRequest.objects.get()
    assert set(Notification.objects.unread().values_list("user__username", "url")) == {
        ("acme-admin", f"/approvals/{approval.pk}/"),  # an admin checks too, though not their own request
        ("acme-finance", f"/approvals/{approval.pk}/"),
        ("acme-finance-2", f"/approvals/{approval.pk}/"),
    }
    client.force_login(checker)
    client.post(f"/approvals/{approval.pk}/", {"decision": "approve", "confirmed": "yes"})
    assert not Notification.objects.unread().filter(kind="approval_requested").exists()
    assert list(Notification.objects.unread().values_list("user__username", "kind")) == [("acme-admin", "approval_decided")]
    client.force_login(other_checker)
    home = client.get("/").content.decode()
    assert 'href="/messages/"' in home


@pytest.mark.django_db(transaction=True)
def test_a_posted_action_on_the_document_marks_its_message_read_but_not_others(client, vendor):
    admin = vendor_user(vendor, Role.VENDOR_ADMIN)
    from vendor_portal.services.tokens import api_token_create

    token, _ = api_token_create(vendor=vendor, name="ERP", scopes=["orders:read"], actor=Actor(user=admin))
    notification_send(users=[admin], kind="token_expiring", title="ERP expires soon", url=f"/settings/tokens/{token.pk}/")
    notification_send(users=[admin], kind="other", title="Something else", url="/invoices/1/")
    client.force_login(admin)
    client.post(f"/settings/tokens/{token.pk}/revoke/")  # asked to confirm: nothing acted on yet
    assert Notification.objects.unread().count() == 2
    client.post(f"/settings/tokens/{token.pk}/revoke/", {"confirmed": "yes"})
    assert list(Notification.objects.unread().values_list("title", flat=True)) == ["Something else"]
