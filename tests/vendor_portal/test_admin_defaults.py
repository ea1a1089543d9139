"""Admin screens start safe: a new token can do nothing until scopes are ticked and expires in 90 days;
roles say what they are for; people's names are written as they write them."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import vendor_user
from vendor_portal.forms import ApiTokenForm, MemberInviteForm
from vendor_portal.models import ApiToken, User
from vendor_portal.roles import ROLE_DESCRIPTIONS, Role


@pytest.fixture
def admin_client(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    return client


@pytest.mark.django_db
def test_a_new_token_starts_with_no_scope_ticked_and_a_90_day_expiry(admin_client):
    page = admin_client.get("/settings/").content.decode()
    form = page[page.index("Create a token") :]
    assert 'name="scopes"' in form and "checked" not in form
    expiry = ApiTokenForm().initial.get("expires_at") or ApiTokenForm()["expires_at"].initial
    expiry = expiry() if callable(expiry) else expiry
    assert abs(expiry - (timezone.now() + datetime.timedelta(days=90))) < datetime.timedelta(minutes=2)
    assert f'value="{timezone.localtime(expiry):%Y-%m-%dT%H:%M}"' in form


@pytest.mark.django_db
def test_a_token_without_scopes_is_refused_and_the_expiry_is_kept_as_edited(admin_client):
    refused = admin_client.post("/settings/", {"name": "NetSuite"})
    assert "Tick at least one scope" in refused.content.decode() and not ApiToken.objects.exists()
    past = admin_client.post("/settings/", {"name": "NetSuite", "scopes": ["orders:read"], "expires_at": "2001-01-01T00:00"})
    assert "Choose a time in the future." in past.content.decode() and not ApiToken.objects.exists()
    later = (timezone.localtime() + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    admin_client.post("/settings/", {"name": "NetSuite", "scopes": ["orders:read"], "expires_at": later})
    token = ApiToken.objects.get()
    assert token.scopes == ["orders:read"] and timezone.localtime(token.expires_at).strftime("%Y-%m-%dT%H:%M") == later


@pytest.mark.django_db
def test_roles_are_described_where_they_are_chosen(admin_client):
    page = admin_client.get("/team/").content.decode()
    for role in (Role.VENDOR_ADMIN, Role.VENDOR_OPS, Role.VENDOR_FINANCE, Role.INTEGRATOR):
        assert str(ROLE_DESCRIPTIONS[role]) in page.replace("&#x27;", "'")
    assert all(role in ROLE_DESCRIPTIONS for role in Role)


@pytest.mark.parametrize("first, last", [("Li", "Wei"), ("Li Wei", ""), ("伟", "李"), ("Zoë", "O'Neil-Smith"), ("José María", "de la Cruz")])
def test_names_in_any_alphabet_with_spaces_are_valid(first, last):
    form = MemberInviteForm({"username": "li.wei", "email": "li.wei@acme.example", "first_name": first, "last_name": last, "roles": ["vendor_ops"]})
    form.fields["marketplaces"].queryset = form.fields["marketplaces"].queryset.none()
    assert "first_name" not in form.errors and "last_name" not in form.errors


def test_a_name_with_digits_or_markup_is_refused():
    form = MemberInviteForm({"first_name": "<b>Li</b>", "last_name": "Wei2"})
    assert "first_name" in form.errors and "last_name" in form.errors


@pytest.mark.django_db
def test_li_wei_is_invited_with_the_name_as_written(admin_client):
    response = admin_client.post(
        "/team/", {"username": "li.wei", "email": "li.wei@acme.example", "first_name": "Li", "last_name": "Wei 李伟", "roles": ["vendor_ops"]}
    )
    assert response.status_code == 302
    assert User.objects.get(username="li.wei").get_full_name() == "Li Wei 李伟"
