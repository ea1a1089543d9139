"""Ship-from addresses: the vendor admin adds, changes and retires them on /settings/ship-from/ and through
/api/v1/ship-from-addresses/; everyone at the vendor reads them; another vendor's are a 404."""

import pytest

from tests.factories import api_token, retailer_user, vendor_user
from tests.shipments.factories import ship_from
from vendor_portal.errors import DomainValidationError, InvalidTransitionError
from vendor_portal.gs1 import gln_is_valid
from vendor_portal.models import AuditEvent, ShipFromAddress
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.ship_from import ship_from_address_create, ship_from_address_retire, ship_from_address_update
from vendor_portal.tenancy import Scope

RENO = {
    "name": "Reno warehouse",
    "line1": "1 Industrial Way",
    "city": "Reno",
    "state_or_region": "NV",
    "postal_code": "89502",
    "country_code": "US",
    # 061414100000, weights 3,1,3,... from the right: 0+0+0+0+0+1+12+1+12+1+18+0 = 45 -> check digit (10 - 5) % 10 = 5
    "gln": "0614141000005",
}


# GLN ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "gln, valid",
    [
        ("0614141000005", True),
        ("4006381333931", True),
        ("0614141000006", False),  # wrong check digit
        ("061414100000", False),  # 12 digits
        ("06141410000050", False),  # 14 digits
        ("06141410000A5", False),
        ("", False),
    ],
)
def test_a_gln_is_13_digits_with_the_gs1_check_digit(gln, valid):
    assert gln_is_valid(gln) is valid


def test_gln_check_digit_by_hand():
    # 400638133393, weights 3,1,3,... from the right: 3*3+9+3*3+3+3*3+1+8*3+3+6*3+0+0*3+4 = 89 -> (10 - 9) % 10 = 1
    assert gln_is_valid("4006381333931")
    assert not gln_is_valid("4006381333932")


# Service -----------------------------------------------------------------------------------------
@pytest.fixture
def scope(vendor):
    return Scope(vendor=vendor, roles=frozenset({Role.VENDOR_ADMIN}))


@pytest.fixture
def actor(vendor):
    return Actor(user=vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin"))


def _field_codes(error) -> dict:
    return {item["field"]: item["code"] for item in error.as_error_list()}


def test_create_normalizes_and_audits(scope, actor, vendor):
    address = ship_from_address_create(scope=scope, actor=actor, code=" reno1 ", **{**RENO, "country_code": "us"})
    assert (address.code, address.country_code, address.vendor, address.is_retired) == ("RENO1", "US", vendor, False)
    event = AuditEvent.objects.get(action="ship_from_address.create")
    assert event.after["code"] == "RENO1" and event.after["gln"] == "0614141000005" and event.vendor_id == vendor.pk


@pytest.mark.parametrize(
    "change, field, code",
    [
        ({"gln": "0614141000006"}, "gln", "invalid_gln"),
        ({"gln": "12345"}, "gln", "invalid_gln"),
        ({"country_code": "USA"}, "country_code", "max_length"),
        ({"country_code": "1A"}, "country_code", "invalid"),
        ({"city": ""}, "city", "blank"),
    ],
)
def test_create_refuses_bad_fields_naming_them(scope, actor, change, field, code):
    with pytest.raises(DomainValidationError) as refused:
        ship_from_address_create(scope=scope, actor=actor, code="RENO1", **{**RENO, **change})
    assert _field_codes(refused.value)[field] == code
    assert not ShipFromAddress.objects.exists()


def test_bad_code_is_refused(scope, actor):
    with pytest.raises(DomainValidationError) as refused:
        ship_from_address_create(scope=scope, actor=actor, code="RENO 1", **RENO)
    assert "code" in _field_codes(refused.value)


def test_code_is_unique_per_vendor_retired_ones_included(scope, actor, vendor, other_vendor):
    first = ship_from_address_create(scope=scope, actor=actor, code="RENO1", **RENO)
    ship_from_address_retire(scope=scope, address_id=first.pk, actor=actor)
    with pytest.raises(DomainValidationError) as refused:
        ship_from_address_create(scope=scope, actor=actor, code="reno1", **RENO)
    assert _field_codes(refused.value) == {"code": "duplicate"}
    # Another vendor may use the same code for its own place.
    other = ship_from_address_create(scope=Scope(vendor=other_vendor, roles=frozenset({Role.VENDOR_ADMIN})), actor=actor, code="RENO1", **RENO)
    assert other.vendor == other_vendor


def test_update_changes_the_address_but_never_the_code(scope, actor):
    address = ship_from_address_create(scope=scope, actor=actor, code="RENO1", **RENO)
    changed = ship_from_address_update(scope=scope, address_id=address.pk, actor=actor, name="Reno DC", code="RENO1")
    assert changed.name == "Reno DC"
    event = AuditEvent.objects.get(action="ship_from_address.change")
    assert (event.before["name"], event.after["name"]) == ("Reno warehouse", "Reno DC")
    with pytest.raises(DomainValidationError) as refused:
        ship_from_address_update(scope=scope, address_id=address.pk, actor=actor, code="RENO2")
    assert _field_codes(refused.value) == {"code": "code_immutable"}
    with pytest.raises(DomainValidationError) as refused:
        ship_from_address_update(scope=scope, address_id=address.pk, actor=actor, gln="0614141000006")
    assert _field_codes(refused.value) == {"gln": "invalid_gln"}
    address.refresh_from_db()
    assert (address.code, address.gln) == ("RENO1", "0614141000005")


def test_a_retired_address_is_neither_changed_nor_retired_again(scope, actor):
    address = ship_from_address_create(scope=scope, actor=actor, code="RENO1", **RENO)
    retired = ship_from_address_retire(scope=scope, address_id=address.pk, actor=actor)
    assert retired.is_retired
    assert AuditEvent.objects.filter(action="ship_from_address.retire").count() == 1
    with pytest.raises(InvalidTransitionError):
        ship_from_address_update(scope=scope, address_id=address.pk, actor=actor, name="Again")
    with pytest.raises(InvalidTransitionError):
        ship_from_address_retire(scope=scope, address_id=address.pk, actor=actor)


# Screens -----------------------------------------------------------------------------------------
@pytest.fixture
def admin(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    return client


def test_admin_adds_changes_and_retires_an_address_on_the_screens(admin, vendor):
    response = admin.post("/settings/ship-from/", {"code": "RENO1", **RENO})
    assert response.status_code == 302
    address = ShipFromAddress.objects.get(vendor=vendor, code="RENO1")
    page = admin.get("/settings/ship-from/").content.decode()
    assert "RENO1" in page and "Reno warehouse" in page and "0614141000005" in page and "In use" in page

    response = admin.post(f"/settings/ship-from/{address.pk}/", {**RENO, "name": "Reno DC"})
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.name == "Reno DC"

    # Retiring asks first, and does nothing until confirmed.
    asked = admin.post(f"/settings/ship-from/{address.pk}/retire/")
    assert asked.status_code == 200 and 'data-testid="confirm-step"' in asked.content.decode()
    address.refresh_from_db()
    assert not address.is_retired
    assert admin.post(f"/settings/ship-from/{address.pk}/retire/", {"confirmed": "yes"}).status_code == 302
    address.refresh_from_db()
    assert address.is_retired
    detail = admin.get(f"/settings/ship-from/{address.pk}/").content.decode()
    assert "Retired" in detail and "Retire this address" not in detail
    assert "Ship-from address RENO1 · Reno DC retired" in detail  # the history, in words
    assert AuditEvent.objects.filter(object_type="vendor_portal.shipfromaddress", channel="web").count() == 3


def test_admin_sees_a_bad_gln_next_to_the_field(admin):
    response = admin.post("/settings/ship-from/", {"code": "RENO1", **RENO, "gln": "0614141000006"})
    assert response.status_code == 200
    assert "check digit" in response.context["form"].errors["gln"][0]
    assert not ShipFromAddress.objects.exists()


def test_admin_sees_a_taken_code_next_to_the_field(admin, vendor):
    ship_from(vendor, code="RENO1")
    response = admin.post("/settings/ship-from/", {"code": "RENO1", **RENO})
    assert response.status_code == 200
    assert "already used" in response.context["form"].errors["code"][0]


@pytest.mark.parametrize("role", [Role.VENDOR_OPS, Role.VENDOR_FINANCE, Role.INTEGRATOR])
def test_others_at_the_vendor_read_but_cannot_write(client, vendor, role):
    address = ship_from(vendor, code="RENO1")
    client.force_login(vendor_user(vendor, role))
    page = client.get("/settings/ship-from/")
    assert page.status_code == 200 and "RENO1" in page.content.decode()
    assert "Add a ship-from address" not in page.content.decode()
    detail = client.get(f"/settings/ship-from/{address.pk}/").content.decode()
    assert "RENO1" in detail and "Retire this address" not in detail
    assert client.post("/settings/ship-from/", {"code": "RENO2", **RENO}).status_code == 403
    assert client.post(f"/settings/ship-from/{address.pk}/", {**RENO, "name": "Mine"}).status_code == 403
    assert client.post(f"/settings/ship-from/{address.pk}/retire/", {"confirmed": "yes"}).status_code == 403
    address.refresh_from_db()
    assert address.name != "Mine" and not address.is_retired
    assert ShipFromAddress.objects.count() == 1


def test_the_navigation_shows_the_page_to_the_vendor_only(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert 'href="/settings/ship-from/"' in client.get("/").content.decode()
    client.force_login(retailer_user(Role.BUYER))
    assert 'href="/settings/ship-from/"' not in client.get("/").content.decode()
    assert client.get("/settings/ship-from/").status_code == 403


def test_another_vendors_address_is_a_404_on_every_screen(client, vendor, other_vendor):
    address = ship_from(vendor, code="ACMEONLY")
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN))
    assert "ACMEONLY" not in client.get("/settings/ship-from/").content.decode()
    assert client.get(f"/settings/ship-from/{address.pk}/").status_code == 404
    assert client.post(f"/settings/ship-from/{address.pk}/", {**RENO, "name": "Mine"}).status_code == 404
    assert client.post(f"/settings/ship-from/{address.pk}/retire/", {"confirmed": "yes"}).status_code == 404
    address.refresh_from_db()
    assert address.name != "Mine" and not address.is_retired


# API ---------------------------------------------------------------------------------------------
URL = "/api/v1/ship-from-addresses/"


def _client(api_client, vendor, scopes=None, name="ERP"):
    _, raw = api_token(vendor, scopes=scopes, name=name)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api_client


def test_api_create_read_change_and_retire(api_client, vendor):
    client = _client(api_client, vendor, scopes=["shipments:read", "shipments:write"])
    created = client.post(URL, {"code": "RENO1", **RENO}, format="json", HTTP_IDEMPOTENCY_KEY="add-reno-1")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["code"] == "RENO1" and body["gln"] == "0614141000005" and body["status"] == "in_use" and body["retired_at"] is None
    assert created["Location"] == f"{URL}{body['id']}/"
    # A retry with the same key answers the same and adds nothing.
    again = client.post(URL, {"code": "RENO1", **RENO}, format="json", HTTP_IDEMPOTENCY_KEY="add-reno-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == body
    assert ShipFromAddress.objects.filter(vendor=vendor).count() == 1

    assert [row["code"] for row in client.get(URL).json()["results"]] == ["RENO1"]
    assert client.get(f"{URL}{body['id']}/").json() == body

    changed = client.patch(f"{URL}{body['id']}/", {"name": "Reno DC"}, format="json")
    assert changed.status_code == 200 and changed.json()["name"] == "Reno DC" and changed.json()["city"] == "Reno"
    code_change = client.patch(f"{URL}{body['id']}/", {"code": "RENO2"}, format="json")
    assert code_change.status_code == 400
    assert code_change.json()["errors"][0]["field"] == "code" and code_change.json()["errors"][0]["code"] == "code_immutable"

    retired = client.post(f"{URL}{body['id']}/retire", format="json")
    assert retired.status_code == 200 and retired.json()["status"] == "retired" and retired.json()["retired_at"]
    assert client.post(f"{URL}{body['id']}/retire", format="json").status_code == 409
    assert client.patch(f"{URL}{body['id']}/", {"name": "Again"}, format="json").status_code == 409
    assert [row["code"] for row in client.get(URL, {"status": "retired"}).json()["results"]] == ["RENO1"]
    assert client.get(URL, {"status": "in_use"}).json()["results"] == []
    assert client.get(URL, {"status": "gone"}).json()["errors"][0]["field"] == "status"
    actions = set(AuditEvent.objects.filter(object_type="vendor_portal.shipfromaddress", channel="api").values_list("action", flat=True))
    assert actions == {"ship_from_address.create", "ship_from_address.change", "ship_from_address.retire"}


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"code": "RENO1", **RENO, "gln": "0614141000006"}, "gln", "invalid_gln"),
        ({"code": "MAIN", **RENO}, "code", "duplicate"),
        ({**RENO}, "code", "required"),
    ],
)
def test_api_refuses_bad_input_naming_the_field(api_client, vendor, body, field, code):
    ship_from(vendor)  # MAIN
    response = _client(api_client, vendor).post(URL, body, format="json")
    assert response.status_code == 400
    assert {(error["field"], error["code"]) for error in response.json()["errors"]} == {(field, code)}
    assert ShipFromAddress.objects.count() == 1


def test_api_a_read_only_token_reads_but_cannot_write(api_client, vendor):
    address = ship_from(vendor)
    client = _client(api_client, vendor, scopes=["shipments:read"])
    assert [row["code"] for row in client.get(URL).json()["results"]] == ["MAIN"]
    assert client.post(URL, {"code": "RENO1", **RENO}, format="json").status_code == 403
    assert client.patch(f"{URL}{address.pk}/", {"name": "X"}, format="json").status_code == 403
    assert client.post(f"{URL}{address.pk}/retire", format="json").status_code == 403
    assert _client(api_client, vendor, scopes=["orders:read"], name="other").get(URL).status_code == 403


def test_api_ops_person_reads_but_cannot_write(api_client, vendor):
    ship_from(vendor)
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS))
    assert api_client.get(URL).status_code == 200
    assert api_client.post(URL, {"code": "RENO1", **RENO}, format="json").status_code == 403


def test_api_token_of_another_vendor_can_neither_read_nor_change(api_client, vendor, other_vendor):
    acme = ship_from(vendor, code="ACMEONLY")
    ship_from(other_vendor, code="GLOBEX1")
    client = _client(api_client, other_vendor)
    assert [row["code"] for row in client.get(URL).json()["results"]] == ["GLOBEX1"]
    assert client.get(f"{URL}{acme.pk}/").status_code == 404
    assert client.patch(f"{URL}{acme.pk}/", {"name": "Mine"}, format="json").status_code == 404
    assert client.post(f"{URL}{acme.pk}/retire", format="json").status_code == 404
    acme.refresh_from_db()
    assert acme.name != "Mine" and not acme.is_retired
    # Its own address with the same code is its own business.
    assert client.post(URL, {"code": "ACMEONLY", **RENO}, format="json").status_code == 201


# Ship plans --------------------------------------------------------------------------------------
def test_the_ship_plan_form_offers_only_addresses_in_use_but_keeps_a_shipments_own(scope, actor, vendor):
    from shipments.forms import PlanEditForm, ShipPlanForm

    ship_from(vendor, code="MAIN")
    reno = ship_from_address_create(scope=scope, actor=actor, code="RENO1", **RENO)
    ship_from_address_retire(scope=scope, address_id=reno.pk, actor=actor)
    assert [code for code, _ in ShipPlanForm(vendor=vendor).fields["ship_from"].choices] == ["MAIN"]
    assert [code for code, _ in PlanEditForm(vendor=vendor, current_ship_from=reno).fields["ship_from"].choices] == ["MAIN", "RENO1"]
