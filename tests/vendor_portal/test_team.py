"""A vendor admin manages the vendor's people."""

import re

import pytest
from django.core import mail

from tests.factories import marketplace, vendor_user
from vendor_portal.errors import DomainValidationError, ForbiddenError
from vendor_portal.models import AuditEvent, Membership, User
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.members import member_remove, member_update
from vendor_portal.tenancy import scope_for_user


@pytest.fixture
def admin(vendor):
    return vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")


@pytest.mark.django_db(transaction=True)
def test_invite_creates_a_limited_member_who_chooses_a_password(client, vendor, admin):
    marketplace("US")
    marketplace("DE")
    client.force_login(admin)
    response = client.post("/team/", {"username": "li.wei", "email": "li.wei@acme.example", "roles": ["vendor_ops"], "marketplaces": ["US"]})
    assert response.status_code == 302
    member = User.objects.get(username="li.wei")
    assert not member.has_usable_password()
    scope = scope_for_user(member)
    assert scope.vendor == vendor and scope.roles == {"vendor_ops"}
    assert scope.marketplace_ids == {marketplace("US").pk}
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": "chosen-passphrase-1", "new_password2": "chosen-passphrase-1"})
    member.refresh_from_db()
    assert member.check_password("chosen-passphrase-1")
    assert AuditEvent.objects.filter(action="membership.grant", actor=admin).count() == 1


@pytest.mark.django_db
def test_invite_errors_are_shown_and_nothing_is_created(client, vendor, admin):
    client.force_login(admin)
    response = client.post("/team/", {"username": "X Y", "email": "nope", "roles": []})
    page = response.content.decode()
    assert response.status_code == 200 and "Enter a valid email address." in page
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_the_last_admin_cannot_be_demoted_or_removed(vendor, admin):
    with pytest.raises(DomainValidationError, match="at least one vendor admin"):
        member_update(vendor=vendor, user=admin, roles=[Role.VENDOR_OPS], marketplaces=[], actor=Actor(user=admin))
    other = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin2")
    with pytest.raises(ForbiddenError):
        member_remove(vendor=vendor, user=admin, actor=Actor(user=admin))
    member_remove(vendor=vendor, user=admin, actor=Actor(user=other))
    assert not Membership.objects.filter(user=admin).exists()
    assert AuditEvent.objects.filter(action="membership.revoke", actor=other).exists()


@pytest.mark.django_db
def test_change_roles_through_the_screen(client, vendor, admin):
    ops = vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    client.force_login(admin)
    client.post(f"/team/{ops.pk}/", {"roles": ["vendor_ops", "vendor_finance"]})
    assert set(Membership.objects.filter(user=ops).values_list("role", flat=True)) == {"vendor_ops", "vendor_finance"}


@pytest.mark.django_db
def test_other_vendors_people_are_404_and_ops_cannot_manage(client, vendor, other_vendor, admin):
    stranger = vendor_user(other_vendor, Role.VENDOR_OPS, username="globex-ops")
    client.force_login(admin)
    assert client.get(f"/team/{stranger.pk}/").status_code == 404
    assert "globex-ops" not in client.get("/team/").content.decode()
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops"))
    assert client.get("/team/").status_code == 403


@pytest.mark.django_db
def test_retailer_admin_onboards_a_vendor_with_its_first_admin(client, django_capture_on_commit_callbacks):
    from tests.factories import retailer_user
    from vendor_portal.models import Vendor, VendorAccount

    marketplace("US")
    marketplace("DE")
    client.force_login(retailer_user(Role.RETAILER_ADMIN))
    bad = client.post(
        "/vendors/",
        {
            "code": "INITECH",
            "name": "Initech",
            "gs1_company_prefix": "12",
            "marketplaces": ["US"],
            "admin_username": "initech-admin",
            "admin_email": "a@initech.example",
        },
    )
    assert "GS1" in bad.content.decode() and not Vendor.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/vendors/",
            {
                "code": "initech",
                "name": "Initech",
                "gs1_company_prefix": "0876543",
                "marketplaces": ["US", "DE"],
                "admin_username": "initech-admin",
                "admin_email": "a@initech.example",
            },
        )
    vendor = Vendor.objects.get(code="INITECH")
    assert sorted(VendorAccount.objects.filter(vendor=vendor).values_list("vendor_code", flat=True)) == ["INITECHDE", "INITECHUS"]
    assert scope_for_user(User.objects.get(username="initech-admin")).roles == {"vendor_admin"}
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_only_retailer_admin_onboards(client):
    from tests.factories import retailer_user

    client.force_login(retailer_user(Role.BUYER))
    assert client.get("/vendors/").status_code == 403
