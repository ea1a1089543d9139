"""The shell: home page's "what needs me", the message centre and its unread badge, languages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from vendor_portal.models import Notification
from vendor_portal.roles import Role


@pytest.fixture
def ops(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS)


def notify(user, vendor, n=1, **fields):
    with audit_exempt():
        return [
            Notification.objects.create(user=user, vendor=vendor, kind="po_new", title=f"New PO {i}", url="/catalogue/", **fields) for i in range(n)
        ]


@pytest.mark.django_db
def test_unread_badge_and_mark_read(client, vendor, ops):
    notify(ops, vendor, 3)
    client.force_login(ops)
    page = client.get("/").content.decode()
    assert 'data-testid="unread-badge">3<' in page
    first = Notification.objects.filter(user=ops).first()
    response = client.post(f"/messages/{first.pk}/open/")
    assert response["Location"] == "/catalogue/"
    assert 'data-testid="unread-badge">2<' in client.get("/messages/").content.decode()
    client.post("/messages/read-all/")
    assert 'data-testid="unread-badge">0<' in client.get("/messages/").content.decode()


@pytest.mark.django_db
def test_notification_url_cannot_redirect_off_site(client, vendor, ops):
    (note,) = notify(ops, vendor, 1)
    with audit_exempt():
        Notification.objects.filter(pk=note.pk).update(url="https://evil.example.com/")
    client.force_login(ops)
    assert client.post(f"/messages/{note.pk}/open/")["Location"] == "/messages/"


@pytest.mark.django_db
def test_someone_elses_message_is_404(client, vendor, ops):
    other = vendor_user(vendor, Role.VENDOR_FINANCE)
    (note,) = notify(other, vendor, 1)
    client.force_login(ops)
    assert client.post(f"/messages/{note.pk}/open/").status_code == 404


@pytest.mark.django_db
def test_message_list_query_count_does_not_grow(client, vendor, ops):
    notify(ops, vendor, 5)
    client.force_login(ops)
    client.get("/messages/")
    with CaptureQueriesContext(connection) as few:
        client.get("/messages/")
    notify(ops, vendor, 40)
    with CaptureQueriesContext(connection) as many:
        client.get("/messages/")
    assert len(many) == len(few)


@pytest.mark.django_db
def test_api_notifications_and_mark_read(api_client, vendor, ops):
    notify(ops, vendor, 2)
    api_client.force_authenticate(ops)
    rows = api_client.get("/api/v1/notifications/").json()["results"]
    assert len(rows) == 2 and not rows[0]["is_read"]
    assert api_client.post("/api/v1/notifications/mark-read/", {"ids": [rows[0]["id"]]}).json()["marked"] == 1
    assert api_client.post("/api/v1/notifications/mark-read/", {"ids": "x"}).status_code == 400


@pytest.mark.django_db
def test_portal_speaks_simplified_chinese(client, ops):
    client.force_login(ops)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "需要我处理的事项" in page


@pytest.mark.django_db
def test_home_shows_counts_for_approvals_waiting(client, vendor):
    from vendor_portal.services.audit import Actor
    from vendor_portal.services.vendors import bank_details_change_request

    maker = vendor_user(vendor, Role.VENDOR_ADMIN)
    checker = vendor_user(vendor, Role.VENDOR_FINANCE)
    bank_details_change_request(
        vendor=vendor,
        data={"account_holder": "A", "bank_name": "B", "account_number": "12345678", "routing_code": "R", "currency": "USD"},
        actor=Actor(user=maker),
    )
    client.force_login(checker)
    page = client.get("/").content.decode()
    assert "Approvals waiting for you" in page
    assert '<div class="count">1</div><div>Approvals waiting for you' in page
