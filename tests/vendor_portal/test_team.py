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


# Another vendor's person: asked, not added ------------------------------------------------------------
@pytest.fixture
def globex_person(vendor, other_vendor):
    import datetime

    from django.utils import timezone

    from tests.audit_check import audit_exempt

    person = vendor_user(other_vendor, Role.VENDOR_OPS, username="globex-clerk")
    with audit_exempt():
        User.objects.filter(pk=person.pk).update(email="clerk@globex.example", last_login=timezone.now() - datetime.timedelta(hours=3))
    person.refresh_from_db()
    return person


@pytest.mark.django_db
def test_adding_another_vendors_user_only_invites_them_and_shows_nothing_about_them(client, vendor, admin, globex_person):
    from rest_framework.test import APIClient

    from vendor_portal.models import MembershipInvitation

    client.force_login(admin)
    response = client.post("/team/", {"username": "globex-clerk", "email": "whatever@acme.example", "roles": ["vendor_finance"]}, follow=True)
    page = response.content.decode()
    assert "they were invited and get access when they accept" in page
    assert not Membership.objects.filter(vendor=vendor, user=globex_person).exists()
    invitation = MembershipInvitation.objects.get(vendor=vendor, user=globex_person)
    assert invitation.status == "pending" and invitation.roles == ["vendor_finance"]
    assert "globex-clerk" in page and "clerk@globex.example" not in page and "whatever@acme.example" not in page
    assert globex_person.last_login.strftime("%Y-%m-%d %H:%M") not in page
    assert client.get(f"/team/{globex_person.pk}/").status_code == 404
    assert scope_for_user(globex_person).vendor.code == "GLOBEX"  # default vendor untouched
    api = APIClient()
    api.force_login(admin)
    assert api.get(f"/api/v1/team-members/{globex_person.pk}/").status_code == 404
    assert "globex-clerk" not in str(api.get("/api/v1/team-members/").json())
    again = api.post("/api/v1/team-members/", {"username": "globex-clerk", "email": "x@acme.example", "roles": ["vendor_ops"]}, format="json")
    assert again.status_code == 400 and "already been invited" in again.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_the_api_answers_an_existing_account_with_202_and_the_invitation_only(vendor, admin, globex_person):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(admin)
    response = api.post("/api/v1/team-members/", {"username": "globex-clerk", "email": "x@acme.example", "roles": ["vendor_ops"]}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["username"], body["roles"], body["status"]) == ("globex-clerk", ["vendor_ops"], "pending")
    assert "email" not in body and "last_login" not in body


@pytest.mark.django_db
def test_the_invited_person_accepts_when_signed_in_and_keeps_starting_in_their_own_vendor(
    client, vendor, admin, globex_person, django_capture_on_commit_callbacks
):
    from vendor_portal.models import MembershipInvitation, Notification
    from vendor_portal.services.members import member_invite

    assert vendor.pk < globex_person.memberships.get().vendor_id  # ACME would be first: the old default rule would move them
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(vendor=vendor, username="globex-clerk", email="", roles=["vendor_ops"], marketplaces=[], actor=Actor(user=admin))
    assert mail.outbox[-1].to == ["clerk@globex.example"] and "Acme Home Goods" in mail.outbox[-1].subject
    assert Notification.objects.filter(user=globex_person, kind="team_invitation", url="/invitations/").exists()
    invitation = MembershipInvitation.objects.get()
    client.force_login(globex_person)
    page = client.get("/invitations/").content.decode()
    assert "Acme Home Goods" in page and "invited by" in page.lower()
    client.post("/invitations/", {"invitation": invitation.pk, "answer": "accept"})
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    membership = Membership.objects.get(vendor=vendor, user=globex_person)
    assert membership.role == "vendor_ops" and membership.granted_by == admin
    globex_person.refresh_from_db()
    scope = scope_for_user(globex_person)
    assert scope.vendor.code == "GLOBEX" and set(scope.vendor_ids) == {vendor.pk, globex_person.default_vendor_id}
    assert AuditEvent.objects.filter(action="invitation.accept", actor=globex_person).exists()
    client.force_login(admin)
    assert "clerk@globex.example" in client.get("/team/").content.decode()  # a member now: their details are shown


@pytest.mark.django_db
def test_accepting_with_start_here_makes_the_new_vendor_the_default(vendor, admin, globex_person):
    from vendor_portal.services.members import invitation_answer, member_invite

    invitation = member_invite(vendor=vendor, username="globex-clerk", email="", roles=["vendor_ops"], marketplaces=[], actor=Actor(user=admin))
    invitation_answer(user=globex_person, invitation_id=invitation.invitation.pk, accept=True, make_default=True, actor=Actor(user=globex_person))
    globex_person.refresh_from_db()
    assert scope_for_user(globex_person).vendor == vendor


@pytest.mark.django_db
def test_declined_or_withdrawn_invitations_grant_nothing_and_nobody_else_can_answer(client, vendor, admin, globex_person, other_vendor_user):
    from vendor_portal.errors import InvalidTransitionError, NotFoundError
    from vendor_portal.services.members import invitation_answer, invitation_withdraw, member_invite

    first = member_invite(vendor=vendor, username="globex-clerk", email="", roles=["vendor_ops"], marketplaces=[], actor=Actor(user=admin)).invitation
    with pytest.raises(NotFoundError):
        invitation_answer(user=other_vendor_user, invitation_id=first.pk, accept=True, actor=Actor(user=other_vendor_user))
    client.force_login(globex_person)
    client.post("/invitations/", {"invitation": first.pk, "answer": "decline"})
    first.refresh_from_db()
    assert first.status == "declined"
    second = member_invite(
        vendor=vendor, username="globex-clerk", email="", roles=["vendor_ops"], marketplaces=[], actor=Actor(user=admin)
    ).invitation
    client.force_login(admin)
    client.post(f"/team/invitations/{second.pk}/withdraw/")
    second.refresh_from_db()
    assert second.status == "withdrawn"
    with pytest.raises(InvalidTransitionError, match="already withdrawn"):
        invitation_answer(user=globex_person, invitation_id=second.pk, accept=True, actor=Actor(user=globex_person))
    with pytest.raises(NotFoundError):
        invitation_withdraw(vendor=other_vendor_user.memberships.get().vendor, invitation_id=second.pk, actor=Actor(user=other_vendor_user))
    assert not Membership.objects.filter(vendor=vendor, user=globex_person).exists()


@pytest.mark.django_db
def test_the_api_door_lists_answers_and_withdraws_invitations_through_the_same_services(vendor, admin, globex_person):
    from rest_framework.test import APIClient

    acme = APIClient()
    acme.force_login(admin)
    invited = acme.post("/api/v1/team-members/", {"username": "globex-clerk", "email": "x@acme.example", "roles": ["vendor_ops"]}, format="json")
    assert [row["username"] for row in acme.get("/api/v1/team-invitations/").json()] == ["globex-clerk"]
    person = APIClient()
    person.force_login(globex_person)
    [mine] = person.get("/api/v1/invitations/").json()
    assert (mine["id"], mine["vendor"], mine["invited_by"]) == (invited.json()["id"], "ACME", "acme-admin")
    bad = person.post(f"/api/v1/invitations/{mine['id']}/answer", {"answer": "maybe"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "answer"
    assert acme.post(f"/api/v1/invitations/{mine['id']}/answer", {"answer": "accept"}, format="json").status_code == 404
    accepted = person.post(f"/api/v1/invitations/{mine['id']}/answer", {"answer": "accept"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert acme.get(f"/api/v1/team-members/{globex_person.pk}/").json()["email"] == "clerk@globex.example"
    assert acme.post(f"/api/v1/team-invitations/{mine['id']}/withdraw").status_code == 409


@pytest.mark.django_db
def test_a_person_with_no_role_left_finds_and_accepts_an_invitation(client, vendor, admin):
    from tests.factories import UserFactory
    from vendor_portal.models import MembershipInvitation
    from vendor_portal.services.members import member_invite

    former = UserFactory(username="former-clerk")
    member_invite(vendor=vendor, username="former-clerk", email="", roles=["vendor_ops"], marketplaces=[], actor=Actor(user=admin))
    client.force_login(former)
    assert "/invitations/" in client.get("/").content.decode()  # the no-role page points to it
    invitation = MembershipInvitation.objects.get(user=former)
    assert "Acme Home Goods" in client.get("/invitations/").content.decode()
    client.post("/invitations/", {"invitation": invitation.pk, "answer": "accept"})
    assert scope_for_user(former).vendor == vendor
