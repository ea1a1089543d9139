"""Every URL pattern and API route, visited as a user (and a token) of another vendor, answers 404/403
and never shows the first vendor's data. A new route with arguments fails this test until it is listed
in OBJECT_KWARGS, so no screen or endpoint escapes the check."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.audit_check import audit_exempt
from tests.factories import ProductFactory, api_token, vendor_user
from vendor_portal.models import ApprovalRequest, AuditEvent, Job, Notification
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.vendors import bank_details_change_request
from vendor_portal.tenancy import Scope

SECRET_MARKERS = ["ACME-SECRET", "ACMESECRET", "0614141", "FR12345678901"]


def walk(patterns=None, prefix="", namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield namespace + (entry.name or ""), prefix + str(entry.pattern), entry


class World(dict):
    """Vendor ACME's objects of every kind, to be requested by GLOBEX's people and tokens."""


def build_world(vendor) -> World:
    world = World()
    admin = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    world["admin"] = admin
    world["product"] = ProductFactory(vendor=vendor, title="ACME-SECRET kettle")
    world["token"], _ = api_token(vendor, name="ACME-SECRET ERP")
    approval = bank_details_change_request(
        vendor=vendor,
        data={"account_holder": "ACME-SECRET", "bank_name": "B", "account_number": "12345678", "routing_code": "X", "currency": "USD"},
        actor=Actor(user=admin),
    )
    world["approval"] = approval
    with audit_exempt():
        world["notification"] = Notification.objects.create(user=admin, vendor=vendor, kind="x", title="ACME-SECRET note")
    world["audit_event"] = AuditEvent.objects.filter(vendor=vendor).first()
    world["export_job"] = Job.objects.create(vendor=vendor, kind="export", params={"export": "purchase_orders", "filters": {}}, created_by=admin)
    for extend in WORLD_BUILDERS:
        extend(world, vendor)
    return world


def _app_tenancy_modules():
    """Each app's tests/<app>/tenancy.py adds its objects (build(world, vendor)) and URL_KWARGS."""
    import importlib
    import pkgutil

    import tests

    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            try:
                yield importlib.import_module(f"tests.{info.name}.tenancy")
            except ModuleNotFoundError as error:
                if error.name != f"tests.{info.name}.tenancy":
                    raise


APP_TENANCY = list(_app_tenancy_modules())
WORLD_BUILDERS = [module.build for module in APP_TENANCY]

OBJECT_KWARGS = {
    "approval_detail": lambda w: {"pk": w["approval"].pk},
    "approval_withdraw": lambda w: {"pk": w["approval"].pk},
    "api_token_revoke": lambda w: {"pk": w["token"].pk},
    "message_open": lambda w: {"pk": w["notification"].pk},
    "audit-event-detail": lambda w: {"pk": w["audit_event"].pk},
    "notification-detail": lambda w: {"pk": w["notification"].pk},
    "team_member": lambda w: {"user_id": w["admin"].pk},
    "export_job": lambda w: {"pk": w["export_job"].pk},
}
for _module in APP_TENANCY:
    OBJECT_KWARGS.update(_module.URL_KWARGS)
SKIP_PREFIXES = ("admin/", "static/", "media/", "__debug__")
# Public or per-person pages with no vendor data (the API schema's examples use GS1's own sample prefix).
NOT_TENANT_DATA = {"set_language", "logout", "password_reset_confirm", "javascript-catalog", "healthz", "readyz", "api_schema", "api_docs"}
# A DC's dock capacity (doors, hours, slots used and free, no vendor named) is public to everyone signed in.
NOT_TENANT_DATA |= {"dock-capacity"}


def _routes():
    for name, pattern, entry in walk():
        if pattern.startswith(SKIP_PREFIXES) or name in NOT_TENANT_DATA:
            continue
        yield name, pattern, entry


def _url(name, pattern, entry, world):
    from django.urls import reverse

    kwargs_needed = entry.pattern.regex.groupindex
    if not kwargs_needed:
        return reverse(name) if name else None
    if name not in OBJECT_KWARGS:
        pytest.fail(f"URL {name!r} ({pattern}) takes {list(kwargs_needed)}: add it to OBJECT_KWARGS so its tenancy is tested")
    kwargs = OBJECT_KWARGS[name](world)
    if "format" in kwargs_needed:
        kwargs.setdefault("format", "json")
    return reverse(name, kwargs=kwargs)


def _assert_no_leak(response, url):
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    # The intruder typed the URL himself; pages may echo it (e.g. the language switch's "next").
    body = raw.decode(errors="replace").replace(url, "")
    for marker in SECRET_MARKERS:
        assert marker not in body, f"{url} showed another vendor's data ({marker})"


@pytest.mark.django_db
def test_every_route_hides_other_vendors_objects_from_a_person(client, vendor, other_vendor):
    world = build_world(vendor)
    intruder = vendor_user(other_vendor, Role.VENDOR_ADMIN, username="globex-admin")
    client.force_login(intruder)
    checked = 0
    for name, pattern, entry in _routes():
        url = _url(name, pattern, entry, world)
        if url is None:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if entry.pattern.regex.groupindex:
                assert response.status_code in (403, 404, 405), f"{method.upper()} {url} as another vendor: {response.status_code}"
            _assert_no_leak(response, url)
            checked += 1
    assert checked > 20
    # Nothing of ACME's changed hands: its request is still pending, its token still active.
    world["approval"].refresh_from_db()
    assert world["approval"].status == "pending"
    world["token"].refresh_from_db()
    assert world["token"].revoked_at is None


@pytest.mark.django_db
def test_every_api_route_hides_other_vendors_objects_from_a_token(api_client, vendor, other_vendor):
    world = build_world(vendor)
    _, raw = api_token(other_vendor, name="GLOBEX ERP")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    checked = 0
    for name, pattern, entry in _routes():
        if not pattern.startswith(("api/", "vendor/")):
            continue
        url = _url(name, pattern, entry, world)
        if url is None:
            continue
        for method in ("get", "post", "patch", "delete"):
            response = getattr(api_client, method)(url, {}, format="json")
            if entry.pattern.regex.groupindex:
                assert response.status_code in (403, 404, 405), f"{method.upper()} {url} with another vendor's token: {response.status_code}"
            _assert_no_leak(response, url)
            checked += 1
    assert checked >= 8


@pytest.mark.django_db
def test_scoping_fails_closed_without_a_scope(vendor):
    ProductFactory(vendor=vendor)
    from vendor_portal.models import Product

    assert Product.objects.visible_to(None).count() == 0
    assert Product.objects.for_vendor(None).count() == 0
    assert Product.objects.visible_to(Scope(vendor=vendor)).count() == 1


@pytest.mark.django_db
def test_marketplace_limited_member_sees_only_their_marketplaces(vendor):
    from tests.factories import ProductCostFactory, marketplace
    from vendor_portal.models import ProductCost
    from vendor_portal.tenancy import scope_for_user

    us, de = marketplace("US"), marketplace("DE")
    product = ProductFactory(vendor=vendor)
    ProductCostFactory(product=product, marketplace=us)
    ProductCostFactory(product=product, marketplace=de, currency="EUR")
    user = vendor_user(vendor, Role.VENDOR_OPS, username="us-only", marketplaces=[us])
    scope = scope_for_user(user)
    assert scope.marketplace_ids == frozenset({us.pk})
    assert list(ProductCost.objects.visible_to(scope).values_list("marketplace__code", flat=True)) == ["US"]


@pytest.mark.django_db
def test_approval_of_another_vendor_is_404_not_403(client, vendor, other_vendor):
    world = build_world(vendor)
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN, username="globex-admin"))
    response = client.post(f"/approvals/{world['approval'].pk}/", {"decision": "approve"})
    assert response.status_code == 404
    assert ApprovalRequest.objects.get(pk=world["approval"].pk).status == "pending"
