"""The portal-level screens through /api/v1/: catalogue, approvals, bank details, team, vendor onboarding.

Each goes through the same services and forms as its screen: these tests check the door (roles and token
scopes, 4xx shapes, Idempotency-Key replays, query counts), the services' own tests check the rules."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.factories import ProductCostFactory, ProductFactory, api_token, marketplace, retailer_user, vendor_user
from vendor_portal.models import ApprovalRequest, AuditEvent, BankDetails, Membership, User, Vendor
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.vendors import bank_details_change_request

pytestmark = pytest.mark.django_db

NEW_DETAILS = {
    "account_holder": "Acme Home Goods Inc.",
    "bank_name": "First Bank of Newark",
    "account_number": "0001 2345 6789",
    "routing_code": "021000021",
    "currency": "usd",
    "remit_to_address": "1 Main St",
}


def person(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def token(vendor, scopes=None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(vendor, scopes=scopes, name='ERP ' + str(scopes))[1]}")
    return client


def error_codes(response) -> list[tuple]:
    return [(error["code"], error["field"]) for error in response.json()["errors"]]


@pytest.fixture
def admin(vendor):
    return vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")


@pytest.fixture
def finance(vendor):
    return vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")


# Catalogue --------------------------------------------------------------------------------------------
@pytest.fixture
def catalogue(vendor, other_vendor):
    us, ca = marketplace("US"), marketplace("CA")
    kettle = ProductFactory(vendor=vendor, vendor_sku="ACM-0001", asin="B0A0000001", title="Acme Kettle Classic")
    ProductCostFactory(product=kettle, marketplace=us, cost="24.50", currency="USD", list_price="44.10")
    ProductCostFactory(product=kettle, marketplace=ca, cost="33.10", currency="CAD")
    ProductFactory(vendor=vendor, vendor_sku="ACM-0002", asin="B0A0000002", title="Acme Toaster", is_active=False)
    ProductFactory(vendor=other_vendor, vendor_sku="GLX-0001", title="Globex Tent")
    return kettle


def test_a_token_with_orders_read_lists_its_own_catalogue_with_costs(vendor, catalogue):
    client = token(vendor, scopes=["orders:read"])
    body = client.get("/api/v1/products/").json()
    assert [p["vendor_sku"] for p in body["results"]] == ["ACM-0001", "ACM-0002"]
    assert sorted(body["results"][0]["costs"], key=lambda cost: cost["marketplace"]) == [
        {"marketplace": "CA", "cost": "33.10", "currency": "CAD", "list_price": None, "effective_from": "2000-01-01"},
        {"marketplace": "US", "cost": "24.50", "currency": "USD", "list_price": "44.10", "effective_from": "2000-01-01"},
    ]
    assert client.get(f"/api/v1/products/{catalogue.pk}/").json()["asin"] == "B0A0000001"


def test_catalogue_search_filters_and_ordering(vendor, catalogue):
    client = token(vendor, scopes=["orders:read"])
    assert [p["vendor_sku"] for p in client.get("/api/v1/products/", {"q": "kettle"}).json()["results"]] == ["ACM-0001"]
    assert [p["vendor_sku"] for p in client.get("/api/v1/products/", {"q": "B0A0000002"}).json()["results"]] == ["ACM-0002"]
    assert [p["vendor_sku"] for p in client.get("/api/v1/products/", {"is_active": "true"}).json()["results"]] == ["ACM-0001"]
    assert [p["title"] for p in client.get("/api/v1/products/", {"ordering": "-title"}).json()["results"]] == ["Acme Toaster", "Acme Kettle Classic"]
    assert client.get("/api/v1/products/", {"ordering": "cost"}).status_code == 200  # unknown orderings are ignored, as elsewhere


def test_catalogue_needs_the_orders_read_scope(vendor, catalogue):
    response = token(vendor, scopes=["invoices:read"]).get("/api/v1/products/")
    assert response.status_code == 403 and error_codes(response) == [("permission_denied", None)]


def test_retailer_sees_every_vendor_and_a_limited_member_only_their_marketplaces_costs(vendor, catalogue):
    retailer = person(retailer_user(Role.BUYER))
    assert len(retailer.get("/api/v1/products/").json()["results"]) == 3
    assert [p["vendor"] for p in retailer.get("/api/v1/products/", {"vendor": "ACME"}).json()["results"]] == ["ACME", "ACME"]
    us_only = person(vendor_user(vendor, Role.VENDOR_OPS, username="us-ops", marketplaces=[marketplace("US")]))
    kettle = us_only.get(f"/api/v1/products/{catalogue.pk}/").json()
    assert [cost["marketplace"] for cost in kettle["costs"]] == ["US"]


def test_product_list_query_count_does_not_grow_with_rows(vendor, catalogue, django_assert_max_num_queries):
    for n in range(20):
        ProductCostFactory(product=ProductFactory(vendor=vendor, vendor_sku=f"ACM-1{n:03d}"), marketplace=marketplace("US"))
    client = token(vendor, scopes=["orders:read"])
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/products/").json()["results"]) == 22


# Bank details and approvals -----------------------------------------------------------------------------
def test_bank_change_is_requested_and_applies_only_after_a_second_person_approves(vendor, admin, finance, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        requested = person(finance).post("/api/v1/bank-details", NEW_DETAILS, format="json")
    assert requested.status_code == 201, requested.json()
    approval = requested.json()
    assert (approval["kind"], approval["status"], approval["requested_by"]) == ("bank_details_change", "pending", "acme-finance")
    assert approval["payload"]["account_number"] == "···6789" and approval["payload"]["currency"] == "USD"  # masked; the form cleaned it
    assert ApprovalRequest.objects.get(pk=approval["id"]).payload["account_number"] == "000123456789"  # kept whole to apply
    assert not BankDetails.objects.filter(vendor=vendor).exists()
    assert person(finance).get("/api/v1/bank-details").json() == {"current": None, "pending": [approval]}

    own = person(finance).post(f"/api/v1/approvals/{approval['id']}/decision", {"decision": "approve"}, format="json")
    assert own.status_code == 403 and error_codes(own) == [("self_approval", None)]

    waiting = person(admin).get("/api/v1/approvals/", {"waiting_for_me": "true"}).json()["results"]
    assert [a["id"] for a in waiting] == [approval["id"]]
    assert person(finance).get("/api/v1/approvals/", {"waiting_for_me": "true"}).json()["results"] == []
    decided = person(admin).post(f"/api/v1/approvals/{approval['id']}/decision", {"decision": "approve", "note": "Called the bank."}, format="json")
    assert decided.status_code == 200
    assert (decided.json()["status"], decided.json()["decided_by"], decided.json()["decision_note"]) == ("approved", "acme-admin", "Called the bank.")
    current = person(finance).get("/api/v1/bank-details").json()
    assert current["current"]["account_number"] == "···6789" and current["pending"] == []
    assert AuditEvent.objects.filter(action="approval.approve", channel="api").exists()


def test_bank_change_errors_name_the_field_and_create_nothing(vendor, finance):
    response = person(finance).post("/api/v1/bank-details", {**NEW_DETAILS, "currency": "US1", "account_number": ""}, format="json")
    assert response.status_code == 400
    assert sorted(error_codes(response)) == [("invalid", "currency"), ("required", "account_number")]
    assert not ApprovalRequest.objects.exists()
    assert person(finance).post("/api/v1/bank-details", ["not", "an", "object"], format="json").status_code == 400


def test_bank_details_are_for_people_who_may_request_changes(vendor, finance):
    assert person(vendor_user(vendor, Role.VENDOR_OPS)).get("/api/v1/bank-details").status_code == 403
    refused = token(vendor).post("/api/v1/bank-details", NEW_DETAILS, format="json")
    assert refused.status_code == 403 and error_codes(refused) == [("permission_denied", None)]
    assert person(retailer_user(Role.RETAILER_ADMIN)).get("/api/v1/bank-details").status_code == 403


def test_reject_with_a_reason_and_withdraw_only_your_own(vendor, admin, finance):
    first = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=finance))
    rejected = person(admin).post(f"/api/v1/approvals/{first.pk}/decision", {"decision": "reject", "note": "Wrong holder"}, format="json")
    assert (rejected.json()["status"], rejected.json()["decision_note"]) == ("rejected", "Wrong holder")
    again = person(admin).post(f"/api/v1/approvals/{first.pk}/decision", {"decision": "approve"}, format="json")
    assert again.status_code == 409 and error_codes(again) == [("invalid_state", None)]
    invalid = person(admin).post(f"/api/v1/approvals/{first.pk}/decision", {"decision": "maybe"}, format="json")
    assert invalid.status_code == 400 and error_codes(invalid) == [("invalid_choice", "decision")]

    second = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=finance))
    assert person(admin).post(f"/api/v1/approvals/{second.pk}/withdraw").status_code == 403
    withdrawn = person(finance).post(f"/api/v1/approvals/{second.pk}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "cancelled"
    mine = person(finance).get("/api/v1/approvals/", {"mine": "true", "status": "cancelled"}).json()["results"]
    assert [a["id"] for a in mine] == [second.pk]


def test_a_role_that_may_not_check_the_kind_is_refused(vendor, finance):
    approval = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=finance))
    ops = person(vendor_user(vendor, Role.VENDOR_OPS))
    response = ops.post(f"/api/v1/approvals/{approval.pk}/decision", {"decision": "approve"}, format="json")
    assert response.status_code == 403 and error_codes(response) == [("forbidden", None)]


def test_approvals_are_for_people_not_tokens(vendor, finance):
    approval = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=finance))
    client = token(vendor)
    for response in (
        client.get("/api/v1/approvals/"),
        client.post(f"/api/v1/approvals/{approval.pk}/decision", {"decision": "approve"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["errors"][0]["message"] == "Only a signed-in person can do this: API tokens cannot."
    approval.refresh_from_db()
    assert approval.status == "pending"


def test_approval_list_query_count_does_not_grow_with_rows(vendor, admin, finance, django_assert_max_num_queries):
    for _ in range(15):
        bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=finance))
    client = person(admin)
    with django_assert_max_num_queries(10):
        assert len(client.get("/api/v1/approvals/", {"waiting_for_me": "true"}).json()["results"]) == 15


# Team ---------------------------------------------------------------------------------------------------
def test_admin_lists_invites_changes_and_removes_people(vendor, admin, django_capture_on_commit_callbacks):
    marketplace("US"), marketplace("CA")
    client = person(admin)
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(
            "/api/v1/team-members/",
            {
                "username": "acme-shipping",
                "email": "shipping@acme.example.com",
                "first_name": "Lee",
                "roles": ["vendor_ops"],
                "marketplaces": ["US"],
            },
            format="json",
        )
    assert invited.status_code == 201, invited.json()
    member = invited.json()
    assert (member["roles"], member["marketplaces"], member["last_login"]) == (["vendor_ops"], ["US"], None)
    assert "acme-shipping" in mail.outbox[0].body
    assert [m["username"] for m in client.get("/api/v1/team-members/").json()["results"]] == ["acme-admin", "acme-shipping"]

    changed = client.patch(f"/api/v1/team-members/{member['id']}/", {"roles": ["vendor_ops", "vendor_finance"]}, format="json")
    assert (changed.json()["roles"], changed.json()["marketplaces"]) == (["vendor_finance", "vendor_ops"], ["US"])  # marketplaces kept
    everywhere = client.patch(f"/api/v1/team-members/{member['id']}/", {"marketplaces": []}, format="json")
    assert (everywhere.json()["roles"], everywhere.json()["marketplaces"]) == (["vendor_finance", "vendor_ops"], None)

    assert client.delete(f"/api/v1/team-members/{member['id']}/").status_code == 204
    assert not Membership.objects.filter(user__username="acme-shipping").exists()
    assert client.get(f"/api/v1/team-members/{member['id']}/").status_code == 404


def test_team_errors_are_structured(vendor, admin):
    client = person(admin)
    invalid = client.post("/api/v1/team-members/", {"username": "X Y", "email": "nope", "roles": ["buyer"]}, format="json")
    assert invalid.status_code == 400
    assert sorted(field for _, field in error_codes(invalid)) == ["email", "roles", "username"]
    last_admin = client.patch(f"/api/v1/team-members/{admin.pk}/", {"roles": ["vendor_ops"]}, format="json")
    assert last_admin.status_code == 400 and error_codes(last_admin) == [("invalid", "roles")]
    yourself = client.delete(f"/api/v1/team-members/{admin.pk}/")
    assert yourself.status_code == 403 and error_codes(yourself) == [("forbidden", None)]
    assert User.objects.count() == 1


def test_team_is_for_vendor_admins_signed_in(vendor, admin):
    assert person(vendor_user(vendor, Role.VENDOR_FINANCE)).get("/api/v1/team-members/").status_code == 403
    refused = token(vendor).get("/api/v1/team-members/")
    assert refused.status_code == 403 and error_codes(refused) == [("permission_denied", None)]
    assert person(retailer_user(Role.RETAILER_ADMIN)).get("/api/v1/team-members/").status_code == 403


def test_team_list_query_count_does_not_grow_with_people(vendor, admin, django_assert_max_num_queries):
    for n in range(15):
        vendor_user(vendor, Role.VENDOR_OPS, username=f"ops-{n:02d}", marketplaces=[marketplace("US")])
    client = person(admin)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/team-members/").json()["results"]) == 16


# Vendors (retailer) -------------------------------------------------------------------------------------
ONBOARD = {
    "code": "initech",
    "name": "Initech Kitchen Supply",
    "gs1_company_prefix": "0850000",
    "marketplaces": ["US", "CA"],
    "admin_username": "initech-admin",
    "admin_email": "it@initech.example.com",
}


def test_retailer_admin_onboards_and_lists_vendors(vendor, django_capture_on_commit_callbacks):
    marketplace("US"), marketplace("CA")
    client = person(retailer_user(Role.RETAILER_ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/vendors/", ONBOARD, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["accounts"] == [{"marketplace": "CA", "vendor_code": "INITECHCA"}, {"marketplace": "US", "vendor_code": "INITECHUS"}]
    assert (created.json()["code"], created.json()["people"], created.json()["tokens"]) == ("INITECH", 1, 0)
    assert mail.outbox[0].to == ["it@initech.example.com"]
    assert [v["code"] for v in client.get("/api/v1/vendors/").json()["results"]] == ["ACME", "INITECH"]
    assert client.get("/api/v1/vendors/INITECH/").json()["name"] == "Initech Kitchen Supply"
    duplicate = client.post("/api/v1/vendors/", {**ONBOARD, "admin_username": "other", "admin_email": "o@example.com"}, format="json")
    assert duplicate.status_code == 400 and ("invalid", "code") in error_codes(duplicate)


def test_a_code_whose_marketplace_account_is_taken_is_a_400_not_a_crash(vendor):
    marketplace("US")
    client = person(retailer_user(Role.RETAILER_ADMIN))
    first = client.post("/api/v1/vendors/", {**ONBOARD, "code": "NORTHSTAR1", "marketplaces": ["US"]}, format="json")
    assert first.status_code == 201 and first.json()["accounts"] == [{"marketplace": "US", "vendor_code": "NORTHSTAUS"}]
    second = client.post(
        "/api/v1/vendors/",
        {**ONBOARD, "code": "NORTHSTAR2", "marketplaces": ["US"], "admin_username": "ns2-admin", "admin_email": "ns2@example.com"},
        format="json",
    )
    assert second.status_code == 400 and error_codes(second) == [("invalid", "code")]
    assert not Vendor.objects.filter(code="NORTHSTAR2").exists()


def test_vendors_are_for_the_retailer_admin(vendor, admin):
    assert person(admin).get("/api/v1/vendors/").status_code == 403
    assert person(retailer_user(Role.BUYER)).post("/api/v1/vendors/", ONBOARD, format="json").status_code == 403
    assert token(vendor).get("/api/v1/vendors/ACME/").status_code == 403
    assert Vendor.objects.count() == 1


def test_vendor_list_query_count_does_not_grow_with_vendors(vendor, django_assert_max_num_queries):
    from tests.factories import VendorAccountFactory, VendorFactory

    for n in range(15):
        VendorAccountFactory(vendor=VendorFactory(code=f"V{n:03d}"), marketplace=marketplace("US"), vendor_code=f"V{n:03d}US")
    client = person(retailer_user(Role.RETAILER_ADMIN))
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/vendors/").json()["results"]) == 16


# Idempotency-Key on every new write -----------------------------------------------------------------------
def _bank_request(vendor, users):
    return users["finance"], "post", "/api/v1/bank-details", NEW_DETAILS


def _decision(vendor, users):
    approval = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=users["finance"]))
    return users["admin"], "post", f"/api/v1/approvals/{approval.pk}/decision", {"decision": "approve"}


def _withdraw(vendor, users):
    approval = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=users["finance"]))
    return users["finance"], "post", f"/api/v1/approvals/{approval.pk}/withdraw", {}


def _invite(vendor, users):
    return users["admin"], "post", "/api/v1/team-members/", {"username": "acme-new", "email": "new@acme.example.com", "roles": ["vendor_ops"]}


def _change_member(vendor, users):
    return users["admin"], "patch", f"/api/v1/team-members/{users['finance'].pk}/", {"roles": ["vendor_finance", "vendor_ops"]}


def _remove_member(vendor, users):
    return users["admin"], "delete", f"/api/v1/team-members/{users['finance'].pk}/", None


def _onboard(vendor, users):
    marketplace("US"), marketplace("CA")
    return retailer_user(Role.RETAILER_ADMIN), "post", "/api/v1/vendors/", ONBOARD


@pytest.mark.parametrize("write", [_bank_request, _decision, _withdraw, _invite, _change_member, _remove_member, _onboard])
def test_a_retry_with_the_same_idempotency_key_changes_nothing(vendor, admin, finance, write, django_capture_on_commit_callbacks):
    from tests.vendor_portal.test_api_retries_and_throttling import row_counts

    user, method, path, data = write(vendor, {"admin": admin, "finance": finance})
    client = person(user)
    with django_capture_on_commit_callbacks(execute=True):
        first = getattr(client, method)(path, data, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code < 300, first.content
    before = row_counts()
    with django_capture_on_commit_callbacks(execute=True):
        again = getattr(client, method)(path, data, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert again.status_code == first.status_code and again["Idempotent-Replayed"] == "true"
    assert (again.json() if again.content else None) == (first.json() if first.content else None)
    assert row_counts() == before
