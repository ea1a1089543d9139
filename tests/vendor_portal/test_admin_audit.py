"""Changes made in the Django admin leave audit rows, as the services' changes do: the object's fields before
and after (secrets masked), its inlines' rows, deletions; and every registered admin either audits or is read-only."""

import pytest
from django.contrib import admin
from django.forms import MultiWidget
from django.test import RequestFactory

from tests.audit_check import OUR_APPS, audit_exempt
from tests.factories import VendorFactory, WarehouseFactory, marketplace, vendor_user
from vendor_portal.admin import AuditedModelAdmin
from vendor_portal.models import AuditEvent, Membership, User, Vendor, Warehouse
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    with audit_exempt():
        return User.objects.create_superuser("root", "root@example.com", "pw-root-123")


@pytest.fixture
def root_client(client, superuser):
    client.force_login(superuser)
    return client


def _form_data(model, obj, superuser) -> dict:
    """What the admin's change form of `obj` posts back unchanged (its inlines' forms included)."""
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    data = {}

    def add(form, prefix=""):
        for name, field in form.fields.items():
            if field.disabled:
                continue
            key = f"{prefix}{name}"
            value = form[name].value()
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, (list, tuple)):
                data[key] = [str(item) for item in value]
            else:
                data[key] = "" if value is None else str(value)

    add(model_admin.get_form(request, obj)(instance=obj))
    for formset, _inline in model_admin.get_formsets_with_inlines(request, obj):
        inline_formset = formset(instance=obj)
        management = inline_formset.management_form
        for name in management.fields:
            data[f"{inline_formset.prefix}-{name}"] = str(management[name].value() or 0)
        for inline_form in inline_formset.forms:
            add(inline_form, f"{inline_form.prefix}-")
    return data


def _row(action, obj) -> AuditEvent:
    return AuditEvent.objects.get(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk))


def test_a_vendor_changed_in_the_admin_is_audited_with_its_fields_before_and_after(root_client, superuser):
    vendor = VendorFactory(code="ACME", name="Acme Corp")
    data = {**_form_data(Vendor, vendor, superuser), "name": "Acme Holdings", "invoice_approval_threshold": "900.00"}
    response = root_client.post(f"/admin/vendor_portal/vendor/{vendor.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    row = _row("admin.change", vendor)
    assert row.actor == superuser and row.vendor_id == vendor.pk
    assert row.before["name"] == "Acme Corp" and row.after["name"] == "Acme Holdings"
    assert row.after["invoice_approval_threshold"] == "900.00"


def test_a_membership_added_in_the_admin_is_audited_with_its_marketplaces(root_client, superuser):
    vendor = VendorFactory(code="ACME")
    person = vendor_user(vendor, Role.VENDOR_OPS)
    [existing] = Membership.objects.filter(user=person)
    other = VendorFactory(code="OTHER")
    germany = marketplace("DE")
    data = _form_data(User, person, superuser)
    data.update(
        {
            "memberships-TOTAL_FORMS": "2",
            "memberships-1-vendor": str(other.pk),
            "memberships-1-role": Role.VENDOR_ADMIN,
            "memberships-1-marketplaces": [str(germany.pk)],
            "memberships-0-DELETE": "on",
        }
    )
    response = root_client.post(f"/admin/vendor_portal/user/{person.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = Membership.objects.get(user=person, vendor=other)
    row = _row("admin.add", added)
    assert row.vendor_id == other.pk and row.after["role"] == Role.VENDOR_ADMIN and row.after["marketplaces"] == [germany.pk]
    removed = AuditEvent.objects.get(action="admin.delete", object_type="vendor_portal.membership", object_id=str(existing.pk))
    assert removed.before["vendor_id"] == vendor.pk and not Membership.objects.filter(pk=existing.pk).exists()
    assert _row("admin.change", person).after["password"] == "(hidden)"  # never the hash


def test_a_password_set_in_the_admin_is_audited_without_the_hash(root_client, superuser):
    with audit_exempt():
        person = User.objects.create_user("ops", "ops@example.com", "old-password-1")
    response = root_client.post(
        f"/admin/vendor_portal/user/{person.pk}/password/", {"password1": "New-pass-7731!", "password2": "New-pass-7731!", "usable_password": "true"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    row = _row("admin.change", person)
    assert row.after["password"] == "(changed)"
    assert "pbkdf2" not in str(row.before) + str(row.after) and "md5" not in str(row.before) + str(row.after)


def test_deleting_in_the_admin_is_audited_one_row_per_object(root_client, superuser):
    first, second = WarehouseFactory(code="ABE2"), WarehouseFactory(code="ABE3")
    response = root_client.post(f"/admin/vendor_portal/warehouse/{first.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert _row("admin.delete", first).before["code"] == "ABE2"
    response = root_client.post("/admin/vendor_portal/warehouse/", {"action": "delete_selected", "_selected_action": [str(second.pk)], "post": "yes"})
    assert response.status_code == 302
    assert _row("admin.delete", second).before["code"] == "ABE3"
    assert not Warehouse.objects.filter(pk__in=[first.pk, second.pk]).exists()


def test_every_admin_that_can_change_data_audits_it(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        writes = model_admin.has_add_permission(request) or model_admin.has_change_permission(request) or model_admin.has_delete_permission(request)
        assert not writes or isinstance(model_admin, AuditedModelAdmin), f"{model._meta.label}: admin changes it without an audit row"


def test_a_tax_registration_changed_in_the_admin_is_checked_normalised_and_dated(root_client, superuser):
    from tests.factories import VendorAccountFactory
    from vendor_portal.models import VendorAccount

    account = VendorAccountFactory(vendor=VendorFactory(code="ACME"), marketplace=marketplace("DE"), vendor_code="ACMEDE", tax_registration_number="")
    url = f"/admin/vendor_portal/vendoraccount/{account.pk}/change/"
    refused = root_client.post(url, {**_form_data(VendorAccount, account, superuser), "tax_registration_number": "123456789"})
    assert refused.status_code == 200 and "country prefix DE" in refused.content.decode()
    response = root_client.post(url, {**_form_data(VendorAccount, account, superuser), "tax_registration_number": "de 123 456 789"})
    assert response.status_code == 302, response.content.decode()[:3000]
    account.refresh_from_db()
    assert account.tax_registration_number == "DE123456789"
    assert account.tax_registration_changed_by == superuser.username and account.tax_registration_changed_at is not None
    assert _row("admin.change", account).after["tax_registration_number"] == "DE123456789"
