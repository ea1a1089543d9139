"""A marketplace limit is a list of known codes; anything else is refused, never read as "every marketplace"."""

import pytest
from rest_framework.test import APIClient

from tests.factories import marketplace, vendor_user
from vendor_portal.models import Membership
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(vendor):
    marketplace("US")
    marketplace("CA")
    return vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")


@pytest.fixture
def limited(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS, username="acme-us", marketplaces=[marketplace("US")])


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def _limits(user) -> set:
    return {mp.code for m in Membership.objects.filter(user=user) for mp in m.marketplaces.all()}


@pytest.mark.parametrize("bad", [None, "", "US", False, 0, {}, {"US": True}, ["XX"], ["us"], [""], [None], [1], [["US"]]])
def test_a_bad_marketplaces_value_is_a_400_and_the_limit_stays(admin, limited, bad):
    response = _client(admin).patch(f"/api/v1/team-members/{limited.pk}/", {"marketplaces": bad}, format="json")
    assert response.status_code == 400, response.json()
    assert [error["field"] for error in response.json()["errors"]] == ["marketplaces"]
    assert _limits(limited) == {"US"}


@pytest.mark.parametrize("bad", [None, "", "US", {}, ["XX"]])
def test_an_invite_with_a_bad_marketplaces_value_is_refused(admin, bad):
    body = {"username": "acme-new", "email": "new@acme.example.com", "roles": ["vendor_ops"], "marketplaces": bad}
    response = _client(admin).post("/api/v1/team-members/", body, format="json")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["marketplaces"]
    assert not Membership.objects.filter(user__username="acme-new").exists()


def test_an_empty_list_or_leaving_it_out_means_every_marketplace(admin, limited):
    client = _client(admin)
    assert client.patch(f"/api/v1/team-members/{limited.pk}/", {"roles": ["vendor_ops"]}, format="json").json()["marketplaces"] == ["US"]
    assert client.patch(f"/api/v1/team-members/{limited.pk}/", {"marketplaces": ["CA"]}, format="json").json()["marketplaces"] == ["CA"]
    assert client.patch(f"/api/v1/team-members/{limited.pk}/", {"marketplaces": []}, format="json").json()["marketplaces"] is None


def test_the_team_screen_refuses_an_unknown_marketplace(client, admin, limited):
    client.force_login(admin)
    response = client.post(f"/team/{limited.pk}/", {"roles": ["vendor_ops"], "marketplaces": ["XX"]})
    assert response.status_code == 200
    assert response.context["form"].errors["marketplaces"]
    assert _limits(limited) == {"US"}


def test_another_vendors_person_cannot_be_limited_or_widened(other_vendor, admin):
    theirs = vendor_user(other_vendor, Role.VENDOR_OPS, username="globex-us", marketplaces=[marketplace("US")])
    assert _client(admin).patch(f"/api/v1/team-members/{theirs.pk}/", {"marketplaces": []}, format="json").status_code == 404
    assert _limits(theirs) == {"US"}
