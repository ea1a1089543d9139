"""Tax registrations: a vendor admin keeps the VAT id / GST/HST number / EIN of each marketplace account on
/settings/tax-registrations/ and through /api/v1/vendor-accounts/; each change is audited, the retailer's
accounts payable are told, drafts take the new one and invoices already submitted keep the registration they were made with."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import VendorAccountFactory, api_token, marketplace, retailer_user, vendor_user
from vendor_portal.demo import MARKETPLACES, VENDOR_TAX_IDS
from vendor_portal.errors import DomainValidationError, NotFoundError
from vendor_portal.models import AuditEvent, Notification, VendorAccount
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.tax_registrations import tax_registration_change
from vendor_portal.tax_ids import VAT_FORMATS, is_vat_id, needs_vat_id, tax_id_normalize
from vendor_portal.tenancy import Scope


# The format per country ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "country, given, stored",
    [
        ("DE", "DE123456789", "DE123456789"),
        ("DE", " de 123.456.789 ", "DE123456789"),
        ("DE", "DE-123-456-789", "DE123456789"),
        ("FR", "fr 12 345678901", "FR12345678901"),
        ("FR", "FRXX345678901", "FRXX345678901"),
        ("GB", "GB 123 4567 89", "GB123456789"),
        ("GB", "GB123456789012", "GB123456789012"),
        ("GB", "GBGD001", "GBGD001"),
        ("GR", "EL123456789", "EL123456789"),
        ("AT", "atu12345678", "ATU12345678"),
        ("NL", "NL123456789B01", "NL123456789B01"),
        ("ES", "ESX1234567X", "ESX1234567X"),
        ("US", "98-7654321", "98-7654321"),
        ("US", "987654321", "98-7654321"),
        ("US", "98 765 4321", "98-7654321"),
        ("CA", "71234 5678 RT0001", "712345678RT0001"),
        ("CA", "712345678rt0001", "712345678RT0001"),
        ("JP", "T1234567890123", "T1234567890123"),
        ("AU", "51 824 753 556", "51824753556"),
        ("DE", "", ""),
        ("US", "   ", ""),
    ],
)
def test_a_registration_is_stored_normalised(country, given, stored):
    assert tax_id_normalize(given, country) == stored


@pytest.mark.parametrize(
    "country, given, says",
    [
        ("DE", "123456789", "Start the VAT id with its country prefix DE"),
        ("DE", "FR12345678901", "starts with DE"),
        ("DE", "DE12345678", "is not a VAT id of Germany"),  # 8 digits: one short
        ("DE", "DE1234567890", "is not a VAT id of Germany"),  # 10 digits: one too many
        ("DE", "DE12345678X", "is not a VAT id of Germany"),  # a letter where digits go
        ("FR", "FR1234567890", "is not a VAT id of France"),
        ("GB", "GB12345678", "is not a VAT id of United Kingdom"),
        ("GR", "GR123456789", "starts with EL, not GR"),
        ("GR", "EL12345678", "is not a VAT id of Greece"),
        ("US", "98-765432", "9 digits"),
        ("US", "98-76543210", "9 digits"),
        ("US", "AB-7654321", "9 digits"),
        ("CA", "712345678", "RT and a 4-digit account"),
        ("CA", "712345678RC0001", "RT and a 4-digit account"),
        ("CA", "71234567RT0001", "RT and a 4-digit account"),
        ("JP", "T1", "3 to 40 letters or digits"),
        ("JP", "T/123", "3 to 40 letters or digits"),
        ("JP", "X" * 41, "3 to 40 letters or digits"),
    ],
)
def test_a_registration_not_in_the_countrys_format_is_refused_saying_why(country, given, says):
    with pytest.raises(ValidationError) as refused:
        tax_id_normalize(given, country)
    assert refused.value.code == "invalid_tax_id"
    assert says in refused.value.messages[0]


def test_every_eu_member_state_and_the_uk_have_a_format():
    eu = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL"}
    eu |= {"PL", "PT", "RO", "SE", "SI", "SK"}
    assert set(VAT_FORMATS) == eu | {"GB"}
    for country, (prefix, _pattern, example) in VAT_FORMATS.items():
        assert tax_id_normalize(example, country) == example and example.startswith(prefix)
    assert needs_vat_id("DE") and needs_vat_id("GB") and not needs_vat_id("US") and not needs_vat_id("CA")


@pytest.mark.parametrize(
    "stored, vat",
    [
        ("DE123456789", True),
        ("EL123456789", True),
        ("GBGD001", True),
        ("98-7654321", False),  # a US EIN
        ("712345678RT0001", False),  # a Canadian GST/HST number
        ("ABC1234567X9", False),  # letters first, but no VAT id (a Mexican RFC)
        ("DE12345", False),  # a German prefix on a number too short
    ],
)
def test_e_invoices_call_a_registration_a_vat_id_only_when_it_is_one(stored, vat):
    assert is_vat_id(stored) is vat


def test_the_demo_tax_ids_fit_their_marketplaces():
    countries = {row[0]: row[6] for row in MARKETPLACES}
    for accounts in VENDOR_TAX_IDS.values():
        for marketplace_code, tax_id in accounts.items():
            assert tax_id_normalize(tax_id, countries[marketplace_code]) == tax_id


# Service -----------------------------------------------------------------------------------------
@pytest.fixture
def scope(vendor):
    return Scope(vendor=vendor, roles=frozenset({Role.VENDOR_ADMIN}))


@pytest.fixture
def actor(vendor):
    return Actor(user=vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin"))


@pytest.fixture
def german(vendor):
    return VendorAccountFactory(vendor=vendor, marketplace=marketplace("DE"), vendor_code="ACMEDE", tax_registration_number="DE123456789")


def test_a_change_is_audited_and_the_retailers_accounts_payable_are_told(scope, actor, german, django_capture_on_commit_callbacks):
    ap, admin, buyer = retailer_user(Role.ACCOUNTS_PAYABLE), retailer_user(Role.RETAILER_ADMIN), retailer_user(Role.BUYER)
    with django_capture_on_commit_callbacks(execute=True):
        account = tax_registration_change(scope=scope, account_id=german.pk, tax_registration_number="de 987 654 321", actor=actor)
    assert account.tax_registration_number == "DE987654321"
    assert account.tax_registration_changed_by == "acme-admin" and account.tax_registration_changed_at is not None
    event = AuditEvent.objects.get(action="vendor_account.tax_registration_change")
    assert (event.before["tax_registration_number"], event.after["tax_registration_number"]) == ("DE123456789", "DE987654321")
    assert event.vendor_id == german.vendor_id and event.actor_label == "acme-admin"
    told = Notification.objects.filter(kind="tax_registration_changed")
    assert {n.user for n in told} == {ap, admin}  # not the buyer
    note = told.get(user=ap)
    assert "ACME changed its tax registration in DE" in note.title
    assert "DE123456789" in note.body and "DE987654321" in note.body
    assert note.url == f"/audit/?object_type=vendor_portal.vendoraccount&object_id={german.pk}"
    assert buyer.pk not in told.values_list("user_id", flat=True)


def test_the_same_value_changes_nothing_and_tells_nobody(scope, actor, german, django_capture_on_commit_callbacks):
    retailer_user(Role.ACCOUNTS_PAYABLE)
    with django_capture_on_commit_callbacks(execute=True):
        tax_registration_change(scope=scope, account_id=german.pk, tax_registration_number="DE 123 456 789", actor=actor)
    assert not AuditEvent.objects.filter(action="vendor_account.tax_registration_change").exists()
    assert not Notification.objects.exists()


def test_a_bad_registration_is_refused_on_its_field_and_nothing_changes(scope, actor, german):
    with pytest.raises(DomainValidationError) as refused:
        tax_registration_change(scope=scope, account_id=german.pk, tax_registration_number="FR12345678901", actor=actor)
    assert [(e["field"], e["code"]) for e in refused.value.as_error_list()] == [("tax_registration_number", "invalid_tax_id")]
    german.refresh_from_db()
    assert german.tax_registration_number == "DE123456789"


def test_an_empty_registration_is_allowed(scope, actor, german):
    assert tax_registration_change(scope=scope, account_id=german.pk, tax_registration_number="", actor=actor).tax_registration_number == ""


def test_another_vendors_account_is_not_found(actor, german, other_vendor):
    with pytest.raises(NotFoundError):
        tax_registration_change(
            scope=Scope(vendor=other_vendor, roles=frozenset({Role.VENDOR_ADMIN})), account_id=german.pk, tax_registration_number="", actor=actor
        )


def _draft(vendor, number):
    from django.utils import timezone

    from invoicing.api.inputs import invoice_input
    from invoicing.services.drafts import invoice_create
    from tests.invoicing.factories import shipped_po
    from vendor_portal.tenancy import scope_for_user

    finance = vendor_user(vendor, Role.VENDOR_FINANCE, username=f"finance-{number.lower()}")
    po = shipped_po(vendor, quantity=10, cost="12.00")
    data = {
        "number": number,
        "invoice_date": timezone.localdate().isoformat(),
        "lines": [{"purchase_order_number": po.number, "po_line_sequence": 1, "quantity": 10}],
    }
    return invoice_create(scope=scope_for_user(finance), data=invoice_input(data), actor=Actor(user=finance)), finance


def test_drafts_take_the_new_registration_and_submitted_invoices_keep_theirs(scope, actor, vendor):
    from invoicing.models import InvoiceState
    from invoicing.services.submission import invoice_submit
    from vendor_portal.tenancy import scope_for_user

    us = VendorAccountFactory(vendor=vendor, marketplace=marketplace("US"), vendor_code="ACMEUS", tax_registration_number="98-7654321")
    draft, _finance = _draft(vendor, "TAX-DRAFT-1")
    sent, finance = _draft(vendor, "TAX-SENT-1")
    sent = invoice_submit(scope=scope_for_user(finance), invoice_id=sent.pk, actor=Actor(user=finance))
    assert sent.state == InvoiceState.SUBMITTED and draft.remit_to_tax_id == sent.remit_to_tax_id == "98-7654321"

    tax_registration_change(scope=scope, account_id=us.pk, tax_registration_number="12 3456789", actor=actor)
    draft.refresh_from_db()
    sent.refresh_from_db()
    assert draft.remit_to_tax_id == "12-3456789"  # not sent yet: it says what the vendor is registered under now
    assert sent.remit_to_tax_id == "98-7654321"  # what the retailer received stays as it was
    event = AuditEvent.objects.get(action="invoice.update", object_id=str(draft.pk), after__remit_to_tax_id="12-3456789")
    assert event.before == {"remit_to_tax_id": "98-7654321"}
    assert event.actor == actor.user  # the admin's change rewrote the draft, not "the system"


# Screens -----------------------------------------------------------------------------------------
@pytest.fixture
def accounts(vendor, german):
    us = VendorAccountFactory(vendor=vendor, marketplace=marketplace("US"), vendor_code="ACMEUS", tax_registration_number="98-7654321")
    uk = VendorAccountFactory(vendor=vendor, marketplace=marketplace("UK"), vendor_code="ACMEUK", tax_registration_number="")
    return {"DE": german, "US": us, "UK": uk}


def test_admin_changes_a_registration_after_confirming(client, vendor, accounts, django_capture_on_commit_callbacks):
    retailer_user(Role.ACCOUNTS_PAYABLE)
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin"))
    page = client.get("/settings/tax-registrations/").content.decode()
    assert "ACMEDE" in page and "DE123456789" in page and "98-7654321" in page
    assert "None: no e-invoices here" in page  # the UK account has no VAT id
    assert "keep the registration they were made with" in page

    url = f"/settings/tax-registrations/{accounts['DE'].pk}/"
    asked = client.post(url, {"tax_registration_number": "de 987.654.321"})
    body = asked.content.decode()
    assert asked.status_code == 200 and 'data-testid="confirm-step"' in body
    assert "DE987654321" in body and "keep the registration they were made with" in body
    accounts["DE"].refresh_from_db()
    assert accounts["DE"].tax_registration_number == "DE123456789"  # asked, nothing done

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"tax_registration_number": "de 987.654.321", "confirmed": "yes"})
    assert done.status_code == 302 and done["Location"] == "/settings/tax-registrations/"
    accounts["DE"].refresh_from_db()
    assert accounts["DE"].tax_registration_number == "DE987654321"
    listed = client.get("/settings/tax-registrations/").content.decode()
    assert "DE987654321" in listed and "by acme-admin" in listed
    assert "Tax registration of marketplace account" in client.get(url).content.decode()  # the history, in words
    assert Notification.objects.filter(kind="tax_registration_changed").count() == 1


def test_admin_sees_a_bad_registration_next_to_the_field(client, vendor, accounts):
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    response = client.post(f"/settings/tax-registrations/{accounts['US'].pk}/", {"tax_registration_number": "12345", "confirmed": "yes"})
    assert response.status_code == 200
    assert "9 digits" in response.context["form"].errors["tax_registration_number"][0]
    accounts["US"].refresh_from_db()
    assert accounts["US"].tax_registration_number == "98-7654321"


def test_an_empty_vat_id_warns_that_no_einvoice_can_be_issued(client, vendor, accounts):
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    page = client.get(f"/settings/tax-registrations/{accounts['UK'].pk}/").content.decode()
    assert 'data-testid="no-vat-id"' in page and "e-invoices (Factur-X, UBL) cannot be issued" in page
    assert 'data-testid="no-vat-id"' not in client.get(f"/settings/tax-registrations/{accounts['DE'].pk}/").content.decode()


@pytest.mark.parametrize("role", [Role.VENDOR_FINANCE, Role.INTEGRATOR])
def test_others_who_see_invoices_read_but_cannot_change(client, vendor, accounts, role):
    client.force_login(vendor_user(vendor, role))
    page = client.get("/settings/tax-registrations/").content.decode()
    assert "DE123456789" in page and "Only your vendor admins can change these" in page
    assert f"/settings/tax-registrations/{accounts['DE'].pk}/" not in page
    detail = client.get(f"/settings/tax-registrations/{accounts['DE'].pk}/")
    assert detail.status_code == 200 and "<form" not in detail.content.decode().split("<main", 1)[-1].split("</main>")[0]
    refused = client.post(f"/settings/tax-registrations/{accounts['DE'].pk}/", {"tax_registration_number": "DE987654321", "confirmed": "yes"})
    assert refused.status_code == 403
    accounts["DE"].refresh_from_db()
    assert accounts["DE"].tax_registration_number == "DE123456789"


def test_vendor_ops_and_the_retailer_do_not_get_the_screen(client, vendor, accounts):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert 'href="/settings/tax-registrations/"' not in client.get("/").content.decode()
    assert client.get("/settings/tax-registrations/").status_code == 403
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance"))
    assert 'href="/settings/tax-registrations/"' in client.get("/").content.decode()
    client.force_login(retailer_user(Role.RETAILER_ADMIN))
    assert 'href="/settings/tax-registrations/"' not in client.get("/").content.decode()
    assert client.get("/settings/tax-registrations/").status_code == 403
    url = f"/settings/tax-registrations/{accounts['DE'].pk}/"
    assert client.post(url, {"tax_registration_number": "DE987654321", "confirmed": "yes"}).status_code == 403
    accounts["DE"].refresh_from_db()
    assert accounts["DE"].tax_registration_number == "DE123456789"


def test_another_vendors_account_is_a_404_on_the_screen(client, other_vendor, accounts):
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN))
    assert "ACMEDE" not in client.get("/settings/tax-registrations/").content.decode()
    url = f"/settings/tax-registrations/{accounts['DE'].pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"tax_registration_number": "DE987654321", "confirmed": "yes"}).status_code == 404
    accounts["DE"].refresh_from_db()
    assert accounts["DE"].tax_registration_number == "DE123456789"


def test_a_member_limited_to_marketplaces_sees_only_those(client, vendor, accounts):
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN, username="us-admin", marketplaces=[marketplace("US")]))
    page = client.get("/settings/tax-registrations/").content.decode()
    assert "ACMEUS" in page and "ACMEDE" not in page
    assert client.get(f"/settings/tax-registrations/{accounts['DE'].pk}/").status_code == 404


# API ---------------------------------------------------------------------------------------------
URL = "/api/v1/vendor-accounts/"


def _client(api_client, vendor, scopes=None, name="ERP"):
    _, raw = api_token(vendor, scopes=scopes, name=name)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api_client


def test_api_lists_and_changes_a_registration(api_client, vendor, other_vendor, accounts, django_capture_on_commit_callbacks):
    VendorAccountFactory(vendor=other_vendor, marketplace=marketplace("DE"), vendor_code="GLOBDE", tax_registration_number="DE111111111")
    retailer_user(Role.ACCOUNTS_PAYABLE)
    client = _client(api_client, vendor, scopes=["invoices:read", "invoices:write"])
    rows = client.get(URL).json()["results"]
    assert {row["vendor_code"] for row in rows} == {"ACMEDE", "ACMEUS", "ACMEUK"}
    german = next(row for row in rows if row["marketplace"] == "DE")
    assert german["tax_registration_number"] == "DE123456789" and german["einvoices_need_vat_id"] is True and german["vendor"] == "ACME"

    url = f"{URL}{accounts['DE'].pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        changed = client.patch(url, {"tax_registration_number": "DE 987 654 321"}, format="json", HTTP_IDEMPOTENCY_KEY="vat-1")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["tax_registration_number"] == "DE987654321" and changed.json()["tax_registration_changed_by"] == "token:ERP"
    again = client.patch(url, {"tax_registration_number": "DE 987 654 321"}, format="json", HTTP_IDEMPOTENCY_KEY="vat-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true" and again.json() == changed.json()
    assert client.get(url).json() == changed.json()
    event = AuditEvent.objects.get(action="vendor_account.tax_registration_change")
    assert event.channel == "api" and event.after["tax_registration_number"] == "DE987654321"
    assert Notification.objects.filter(kind="tax_registration_changed").count() == 1


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({"tax_registration_number": "DE12345"}, "tax_registration_number", "invalid_tax_id"),
        ({"tax_registration_number": "GR123456789"}, "tax_registration_number", "invalid_tax_id"),
        ({"tax_registration_number": None}, "tax_registration_number", "null"),
        ({}, "tax_registration_number", "required"),
        ({"vendor_code": "MINE", "tax_registration_number": "DE987654321"}, "vendor_code", "read_only"),
    ],
)
def test_api_refuses_bad_input_naming_the_field(api_client, vendor, accounts, body, field, code):
    response = _client(api_client, vendor).patch(f"{URL}{accounts['DE'].pk}/", body, format="json")
    assert response.status_code == 400
    assert {(error["field"], error["code"]) for error in response.json()["errors"]} == {(field, code)}
    accounts["DE"].refresh_from_db()
    assert (accounts["DE"].tax_registration_number, accounts["DE"].vendor_code) == ("DE123456789", "ACMEDE")


def test_api_a_body_that_is_not_an_object_is_a_400(api_client, vendor, accounts):
    response = _client(api_client, vendor).patch(f"{URL}{accounts['DE'].pk}/", ["DE987654321"], format="json")
    assert response.status_code == 400


def test_api_without_the_action_is_a_403(api_client, vendor, accounts):
    url = f"{URL}{accounts['DE'].pk}/"
    reader = _client(api_client, vendor, scopes=["invoices:read"])
    assert reader.get(URL).status_code == 200
    assert reader.patch(url, {"tax_registration_number": "DE987654321"}, format="json").status_code == 403
    assert _client(api_client, vendor, scopes=["orders:read"], name="other").get(URL).status_code == 403
    api_client.credentials()
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_FINANCE))
    assert api_client.get(URL).status_code == 200
    assert api_client.patch(url, {"tax_registration_number": "DE987654321"}, format="json").status_code == 403
    api_client.force_authenticate(retailer_user(Role.ACCOUNTS_PAYABLE))
    assert api_client.patch(url, {"tax_registration_number": "DE987654321"}, format="json").status_code == 403
    accounts["DE"].refresh_from_db()
    assert accounts["DE"].tax_registration_number == "DE123456789"


def test_api_another_vendors_account_is_a_404(api_client, other_vendor, accounts):
    client = _client(api_client, other_vendor)
    assert client.get(URL).json()["results"] == []
    url = f"{URL}{accounts['DE'].pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"tax_registration_number": "DE987654321"}, format="json").status_code == 404
    accounts["DE"].refresh_from_db()
    assert accounts["DE"].tax_registration_number == "DE123456789"


def test_api_the_retailer_sees_every_vendor_and_filters_by_vendor(api_client, vendor, other_vendor, accounts):
    VendorAccountFactory(vendor=other_vendor, marketplace=marketplace("DE"), vendor_code="GLOBDE", tax_registration_number="DE111111111")
    api_client.force_authenticate(retailer_user(Role.ACCOUNTS_PAYABLE))
    assert len(api_client.get(URL).json()["results"]) == 4
    assert [row["vendor_code"] for row in api_client.get(URL, {"vendor": "globex"}).json()["results"]] == ["GLOBDE"]
    assert [row["vendor_code"] for row in api_client.get(URL, {"vendor": "ACME", "marketplace": "de"}).json()["results"]] == ["ACMEDE"]


# Django admin ---------------------------------------------------------------------------------------
def test_the_admin_applies_the_same_format(german):
    german.tax_registration_number = "de 111 111 111"
    german.full_clean()
    assert german.tax_registration_number == "DE111111111"
    german.tax_registration_number = "US123"
    with pytest.raises(ValidationError) as refused:
        german.full_clean()
    assert "tax_registration_number" in refused.value.message_dict
    assert VendorAccount.objects.get(pk=german.pk).tax_registration_number == "DE123456789"
