"""The audit trail is append-only and readable per document and in a filtered list."""

import pytest
from django.db import connection, transaction

from tests.factories import retailer_user, vendor_user
from vendor_portal.errors import AuditImmutableError
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.tokens import api_token_create, api_token_revoke


@pytest.fixture
def event(vendor):
    token, _ = api_token_create(vendor=vendor, name="ERP", scopes=None, actor=Actor.system())
    return AuditEvent.objects.for_object(token).get()


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted_through_the_app(event):
    event.action = "forged"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_database_refuses_changes_to_audit_rows(event):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE vendor_portal_auditevent SET action = 'forged' WHERE id = %s", [event.pk])


@pytest.mark.django_db
def test_event_records_who_when_channel_object_and_before_after(vendor):
    admin = vendor_user(vendor, Role.VENDOR_ADMIN)
    token, _ = api_token_create(vendor=vendor, name="ERP", scopes=["orders:read"], actor=Actor(user=admin))
    api_token_revoke(token=token, actor=Actor(user=admin, channel="web", request_id="req-1"))
    revoke = AuditEvent.objects.get(action="api_token.revoke")
    assert revoke.actor == admin and revoke.actor_label == admin.username
    assert revoke.channel == "web" and revoke.vendor == vendor and revoke.request_id == "req-1"
    assert revoke.object_type == "vendor_portal.apitoken" and revoke.object_id == str(token.pk)
    assert revoke.before["revoked_at"] is None and revoke.after["revoked_at"]
    assert [change[0] for change in revoke.changes()] == ["revoked_at"]


@pytest.mark.django_db
def test_audit_list_filters_and_stays_within_the_vendor(client, vendor, other_vendor):
    api_token_create(vendor=vendor, name="Acme ERP", scopes=None, actor=Actor.system())
    api_token_create(vendor=other_vendor, name="Globex ERP", scopes=None, actor=Actor.system())
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    page = client.get("/audit/").content.decode()
    assert "Acme ERP" in page and "Globex ERP" not in page
    assert "Acme ERP" not in client.get("/audit/?channel=web").content.decode()
    assert "Acme ERP" in client.get("/audit/?channel=system&actor=sys").content.decode()
    assert client.get("/audit/?since=not-a-date").status_code == 200


@pytest.mark.django_db
def test_retailer_reads_every_vendors_trail_and_the_api_filters(client, api_client, vendor, other_vendor):
    api_token_create(vendor=vendor, name="Acme ERP", scopes=None, actor=Actor.system())
    api_token_create(vendor=other_vendor, name="Globex ERP", scopes=None, actor=Actor.system())
    client.force_login(retailer_user(Role.RETAILER_ADMIN))
    page = client.get("/audit/").content.decode()
    assert "Acme ERP" in page and "Globex ERP" in page
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_ADMIN))
    rows = api_client.get("/api/v1/audit-events/?action=api_token").json()["results"]
    assert [row["object_repr"].split(" (")[0] for row in rows] == ["Acme ERP"]
    assert api_client.get("/api/v1/audit-events/?channel=carrier-pigeon").status_code == 400


@pytest.mark.django_db
def test_audit_api_is_read_only(api_client, vendor, event):
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_ADMIN))
    assert api_client.delete(f"/api/v1/audit-events/{event.pk}/").status_code == 405
    assert api_client.patch(f"/api/v1/audit-events/{event.pk}/", {"action": "x"}).status_code == 405
