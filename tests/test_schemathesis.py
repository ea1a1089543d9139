"""Property-based API conformance: schemathesis generates requests from the portal's own OpenAPI schema
(/api/schema/) and from Amazon's vendor models, calls the Django WSGI app in-process against the test
database seeded with the demo data, and fails on any 5xx or any response that violates its schema.

Bounded for CI: a fixed number of examples per operation, derandomized so a run is reproducible.
Checks: no 5xx, and every response matches its declared schema (status_code_conformance is left out:
negative cases get 400s that most operations do not declare).
"""

import io
import json

import pytest
import schemathesis
from django.apps import apps
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from amazon_api.spec import MODELS_DIR

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = 12
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, response_schema_conformance]

application = get_wsgi_application()
# The EDI upload also takes raw X12 text, which schemathesis sends like text/plain.
schemathesis.serializer.alias("application/edi-x12", "text/plain")

# Path parameters: besides generated values (mostly unknown ids, a 404), real objects of the demo data
# (ACME's, which answer, and other vendors', which are a 404 for ACME's token).
PATH_OBJECTS = {
    "/api/v1/audit-events/": ("vendor_portal.AuditEvent", "pk"),
    "/api/v1/approvals/": ("vendor_portal.ApprovalRequest", "pk"),
    "/api/v1/products/": ("vendor_portal.Product", "pk"),
    "/api/v1/vendors/": ("vendor_portal.Vendor", "code"),
    "/api/v1/edi/partners/": ("edi.TradingPartner", "pk"),
    "/api/v1/deductions/": ("reconciliation.Deduction", "pk"),
    "/api/v1/disputes/": ("reconciliation.Dispute", "pk"),
    "/api/v1/payments/": ("reconciliation.Remittance", "pk"),
    "/api/v1/payment-runs/": ("reconciliation.PaymentRun", "pk"),
    "/api/v1/documents/": ("vendor_portal.Document", "pk"),
    "/api/v1/jobs/": ("vendor_portal.Job", "pk"),
    "/api/v1/edi/interchanges/": ("edi.Interchange", "pk"),
    "/api/v1/invoices/": ("invoicing.Invoice", "pk"),
    "/api/v1/purchase-orders/": ("purchase_orders.PurchaseOrder", "number"),
    "/api/v1/promotions/": ("planning.Promotion", "pk"),
    "/api/v1/appointments/": ("appointments.Appointment", "pk"),
    "/api/v1/routing-requests/": ("appointments.RoutingRequest", "pk"),
    "/api/v1/docks/": ("appointments.DockCapacity", "warehouse__code"),
    "/api/v1/receipts/": ("shipments.Receipt", "pk"),
    "/api/v1/shipments/": ("shipments.Shipment", "pk"),
    "/api/v1/ship-from-addresses/": ("vendor_portal.ShipFromAddress", "pk"),
    "/api/v1/vendor-accounts/": ("vendor_portal.VendorAccount", "pk"),
    "/api/v1/webhook-deliveries/": ("webhooks.WebhookDelivery", "pk"),
    "/api/v1/webhooks/": ("webhooks.WebhookSubscription", "pk"),
    "/vendor/orders/v1/purchaseOrders/": ("purchase_orders.PurchaseOrder", "number"),
    "/vendor/transactions/v1/transactions/": ("amazon_api.Transaction", "pk"),
}
DEMO_VALUES: dict[str, list[str]] = {}  # PATH_OBJECTS prefix -> values, filled once the demo data is loaded
REAL_VALUES_PER_OPERATION = 10


def load_demo_values():
    for prefix, (label, field) in PATH_OBJECTS.items():
        values = apps.get_model(label)._default_manager.order_by("pk").values_list(field, flat=True)[:REAL_VALUES_PER_OPERATION]
        DEMO_VALUES[prefix] = [str(value) for value in values]


def seed_payments():
    """seed_demo's reconciliation story (reconciliation/demo.py) brings matched invoices with claims, disputes (one
    open, one answered in part), a paid run and a run waiting for approval; add an accepted ACME credit note, the
    one thing the payment operations work on that the demo lacks."""
    from django.contrib.auth import get_user_model

    from invoicing.api.inputs import credit_lines
    from invoicing.models import Invoice, InvoiceState, InvoiceType
    from invoicing.services.credit_notes import credit_note_create
    from invoicing.services.decisions import invoice_decide
    from invoicing.services.submission import invoice_submit
    from reconciliation.models import Dispute, PaymentRun
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import scope_for_user

    assert Dispute.objects.filter(deduction__vendor__code="ACME").count() >= 2, "the demo's finance story lost its disputes"
    assert PaymentRun.objects.count() >= 2, "the demo's finance story lost its paid and pending runs"
    users = get_user_model().objects.in_bulk(["retail-ap", "acme-finance"], field_name="username")
    ap = {"scope": scope_for_user(users["retail-ap"]), "actor": Actor(user=users["retail-ap"])}
    vendor_side = {"scope": scope_for_user(users["acme-finance"]), "actor": Actor(user=users["acme-finance"])}
    credited = (
        Invoice.objects.filter(
            vendor__code="ACME", invoice_type=InvoiceType.INVOICE, state__in=[InvoiceState.APPROVED_FOR_PAYMENT, InvoiceState.PAID]
        )
        .order_by("pk")
        .first()
    )
    assert credited is not None, "no ACME invoice is approved for payment or paid in the demo"
    credit_note = credit_note_create(
        reference_invoice_id=credited.pk,
        lines=credit_lines([{"credited_line": credited.lines.order_by("sequence").first().pk, "quantity": 1}]),
        **vendor_side,
    )
    invoice_submit(invoice_id=credit_note.pk, **vendor_side)
    invoice_decide(invoice_id=credit_note.pk, state=InvoiceState.ACCEPTED, **ap)


def real_path_parameters(context, path_parameters):
    prefix = next((prefix for prefix in PATH_OBJECTS if context.operation.path.startswith(prefix)), None)
    if prefix is None or not path_parameters or len(path_parameters) != 1:
        return st.just(path_parameters)
    (name,) = path_parameters

    def pick(index):
        # Read when drawn: schemathesis also draws while collecting, before any data exists.
        values = DEMO_VALUES.get(prefix, [])
        return {name: values[index]} if index < len(values) else path_parameters

    return st.integers(0, 2 * REAL_VALUES_PER_OPERATION - 1).map(pick)


def _portal_schema():
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    schema.hook("flatmap_path_parameters")(real_path_parameters)
    return schema


def _amazon_schema(model_file: str, operation_ids: list[str]):
    raw = json.loads((MODELS_DIR / model_file).read_text(encoding="utf-8"))
    # The models name Amazon's hosts; requests go to the app in this process.
    raw.pop("host", None)
    raw["schemes"] = ["http"]
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = application
    schema.hook("flatmap_path_parameters")(real_path_parameters)
    return schema.include(operation_id=operation_ids)


portal_schema = _portal_schema()
# Tokens are vendors' only; what only the retailer may do is fuzzed again with a retailer admin's session.
retailer_schema = portal_schema.include(
    operation_id=[
        "api_v1_purchase_orders_create",
        "api_v1_purchase_orders_partial_update",
        "api_v1_purchase_orders_cancel_create",
        "api_v1_receipts_create",
        "api_v1_invoices_approve_create",
        "api_v1_invoices_decision_create",
        "api_v1_audit_events_list",
        "api_v1_forecasts_create",
        "api_v1_promotions_create",
        "api_v1_promotions_partial_update",
        "api_v1_promotions_share_create",
        "api_v1_promotions_cancel_create",
        "api_v1_audit_events_retrieve",
        # the DC's answers to appointments and routing requests
        "api_v1_appointments_confirm_create",
        "api_v1_appointments_move_create",
        "api_v1_appointments_refuse_create",
        "api_v1_appointments_cancel_create",
        "api_v1_appointments_arrival_create",
        "api_v1_routing_requests_schedule_create",
        "api_v1_routing_requests_refuse_create",
        # the portal-level screens of the retailer: onboarding, approvals, the catalogue, bulk PO upload
        "api_v1_vendors_list",
        "api_v1_vendors_create",
        "api_v1_vendors_retrieve",
        "api_v1_approvals_list",
        "api_v1_approvals_retrieve",
        "api_v1_approvals_decision_create",
        "api_v1_products_list",
        "api_v1_purchase_orders_upload_create",
        # accounts payable: payment runs, disputes, the match
        "api_v1_payment_runs_list",
        "api_v1_payment_runs_create",
        "api_v1_payment_runs_retrieve",
        "api_v1_payment_runs_approve_create",
        "api_v1_payment_runs_cancel_create",
        "api_v1_payment_runs_pay_create",
        "payment_run_preview",
        "api_v1_disputes_list",
        "api_v1_disputes_answer_create",
        "api_v1_deductions_list",
        "api_v1_payments_list",
        "payment_summary",
        "reconciliation_run",
    ]
)
amazon_schemas = {
    "orders": _amazon_schema("vendorOrders.json", ["getPurchaseOrders", "getPurchaseOrder", "submitAcknowledgement", "getPurchaseOrdersStatus"]),
    "shipments": _amazon_schema(
        "vendorShipments.json", ["SubmitShipmentConfirmations", "SubmitShipments", "GetShipmentDetails", "GetShipmentLabels"]
    ),
    "invoices": _amazon_schema("vendorInvoices.json", ["submitInvoices"]),
    "transactions": _amazon_schema("vendorTransactionStatus.json", ["getTransaction"]),
}


@pytest.fixture(scope="module")
def demo_token(django_db_setup, django_db_blocker):
    """The demo data and an all-scopes token for ACME, loaded once and rolled back after the module."""
    from tests.factories import api_token
    from vendor_portal.models import Vendor

    # As Django's test client does: the WSGI handler must not close the test's connection per request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            call_command("seed_demo", stdout=io.StringIO())
            seed_payments()
            _, raw = api_token(Vendor.objects.get(code="ACME"), name="Fuzz ERP")
            load_demo_values()
            yield raw
            DEMO_VALUES.clear()
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def retailer_session(demo_token, django_db_blocker):
    from django.conf import settings as django_settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    csrf = "f" * 32
    client = Client()
    with django_db_blocker.unblock():
        client.force_login(get_user_model().objects.get(username="retail-admin"))
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return {
        # Empty token headers: the session is who calls.
        "headers": {"Authorization": "", "x-amz-access-token": "", "X-CSRFToken": csrf},
        "cookies": {django_settings.SESSION_COOKIE_NAME: session, django_settings.CSRF_COOKIE_NAME: csrf},
    }


@portal_schema.parametrize()
@FUZZ_SETTINGS
def test_portal_api_conforms_to_its_schema(case, demo_token, db):
    # Both credential headers are set: generated values for either would otherwise authenticate nobody.
    case.call_and_validate(headers={"Authorization": f"Bearer {demo_token}", "x-amz-access-token": demo_token}, checks=CHECKS)


@retailer_schema.parametrize()
@FUZZ_SETTINGS
def test_retailer_operations_conform_to_the_portal_schema(case, retailer_session, db):
    case.call_and_validate(**retailer_session, checks=CHECKS)


@amazon_schemas["orders"].parametrize()
@FUZZ_SETTINGS
def test_amazon_orders_conform_to_amazon_model(case, demo_token, db):
    case.call_and_validate(headers={"x-amz-access-token": demo_token}, checks=CHECKS)


@amazon_schemas["shipments"].parametrize()
@FUZZ_SETTINGS
def test_amazon_shipments_conform_to_amazon_model(case, demo_token, db):
    case.call_and_validate(headers={"x-amz-access-token": demo_token}, checks=CHECKS)


@amazon_schemas["invoices"].parametrize()
@FUZZ_SETTINGS
def test_amazon_invoices_conform_to_amazon_model(case, demo_token, db):
    case.call_and_validate(headers={"x-amz-access-token": demo_token}, checks=CHECKS)


@amazon_schemas["transactions"].parametrize()
@FUZZ_SETTINGS
def test_amazon_transactions_conform_to_amazon_model(case, demo_token, db):
    case.call_and_validate(headers={"x-amz-access-token": demo_token}, checks=CHECKS)
