"""API tokens: hashed at rest, scoped, revocable at once, per vendor; command and UI."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import api_token, vendor_user
from vendor_portal.models import ApiToken, AuditEvent
from vendor_portal.models.tokens import hash_token
from vendor_portal.roles import Role


@pytest.mark.django_db
def test_command_prints_the_token_as_its_last_line_and_stores_only_its_hash(vendor, capsys, api_client):
    call_command("api_token", "create", "--vendor", "ACME", "--name", "SAP prod")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(name="SAP prod")
    assert raw.startswith("vpt_") and raw not in {token.key_hash, token.key_prefix}
    assert token.key_hash == hash_token(raw)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    me = api_client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["vendor"] == "ACME"
    assert AuditEvent.objects.filter(action="api_token.create", object_id=str(token.pk), channel="system").exists()


@pytest.mark.django_db
def test_command_with_scopes_list_and_revoke(vendor, capsys):
    call_command("api_token", "create", "--vendor", "acme", "--name", "reader", "--scopes", "orders:read", "invoices:read")
    token = ApiToken.objects.get(name="reader")
    assert token.scopes == ["orders:read", "invoices:read"]
    call_command("api_token", "list")
    assert token.key_prefix in capsys.readouterr().out
    call_command("api_token", "revoke", token.key_prefix)
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_command_refuses_unknown_vendor_and_scope_with_a_clear_message(vendor):
    with pytest.raises(CommandError, match="Unknown vendor code 'NOPE'. Known vendor codes: ACME"):
        call_command("api_token", "create", "--vendor", "NOPE", "--name", "x")
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("api_token", "create", "--vendor", "ACME", "--name", "x", "--scopes", "everything")


@pytest.mark.django_db
def test_amazon_header_authenticates_too(api_client, vendor):
    _, raw = api_token(vendor)
    response = api_client.get("/api/v1/me", HTTP_X_AMZ_ACCESS_TOKEN=raw)
    assert response.status_code == 200
    assert response["x-amzn-RequestId"]


@pytest.mark.django_db
def test_revocation_works_at_once(api_client, vendor):
    token, raw = api_token(vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/me").status_code == 200
    from vendor_portal.services.audit import Actor
    from vendor_portal.services.tokens import api_token_revoke

    api_token_revoke(token=token, actor=Actor.system())
    response = api_client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "The API token is invalid, expired or revoked."


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer nope", "Bearer", "Bearer a b", "Basic Zm9vOmJhcg=="])
def test_bad_tokens_get_a_structured_401_or_403(api_client, header):
    response = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code in (401, 403)
    assert response.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_vendor_admin_creates_and_revokes_tokens_in_the_ui(client, vendor, api_client):
    admin = vendor_user(vendor, Role.VENDOR_ADMIN)
    client.force_login(admin)
    response = client.post("/settings/", {"name": "NetSuite", "scopes": ["orders:read", "orders:write"]}, follow=True)
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw in response.content.decode()
    token = ApiToken.objects.get(name="NetSuite")
    assert token.created_by == admin and token.scopes == ["orders:read", "orders:write"]
    # Shown once only.
    assert raw not in client.get("/settings/").content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/me").status_code == 200
    asked = client.post(f"/settings/tokens/{token.pk}/revoke/")
    assert 'data-testid="confirm-step"' in asked.content.decode()
    assert api_client.get("/api/v1/me").status_code == 200  # not revoked without the confirmation
    client.post(f"/settings/tokens/{token.pk}/revoke/", {"confirmed": "yes"})
    assert api_client.get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=admin, channel="web").exists()


@pytest.mark.django_db
def test_token_form_errors_are_shown_next_to_the_field(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    response = client.post("/settings/", {"name": "", "scopes": ["bogus"]})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_vendor_ops_cannot_manage_tokens(client, vendor):
    token, _ = api_token(vendor)
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert client.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
