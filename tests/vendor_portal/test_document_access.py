"""A stored document or a background job is readable by exactly those who may read the record it belongs to:
the role's action (or the API token's scope), the record's marketplace limits, and tenancy. The role x action
matrix of test_permissions.py, applied to `/api/v1/documents/<id>/download` and `/api/v1/jobs/<id>/`, and to the
screens that serve a job or a document."""

import os

import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from tests.audit_check import audit_exempt
from tests.factories import api_token, marketplace, retailer_user, vendor_user
from tests.reconciliation import tenancy as reconciliation_world
from tests.shipments import tenancy as shipments_world
from tests.vendor_portal.test_permissions import EXPECTED
from vendor_portal.models import Job
from vendor_portal.roles import RETAILER_ROLES, Action, Role
from vendor_portal.services.documents import document_store

pytestmark = pytest.mark.django_db

A = Action


def _store(vendor, kind, target, title):
    with audit_exempt():
        return document_store(
            vendor=vendor, kind=kind, key=f"{kind}/{target.pk}/{title}.pdf", title=title, target=target, content=b"%PDF-1.7 " + title.encode()
        )


@pytest.fixture
def world(vendor):
    """One document of each kind a vendor has, with the action that reads the record it belongs to."""
    world: dict = {}
    shipments_world.build(world, vendor)
    reconciliation_world.build(world, vendor)
    shipment = world["submitted_shipment"]
    documents = {
        "labels": (_store(vendor, "shipment_labels", shipment, "labels"), A.VIEW_SHIPMENTS),
        "purchase order": (_store(vendor, "po_attachment", shipment.lines.first().purchase_order_line.purchase_order, "po"), A.VIEW_PURCHASE_ORDERS),
        "invoice": (_store(vendor, "invoice", world["reconciliation_invoice"], "invoice"), A.VIEW_INVOICES),
        "remittance": (_store(vendor, "remittance", world["remittance"], "remittance"), A.VIEW_PAYMENTS),
        "dispute evidence": (_store(vendor, "dispute_evidence", world["dispute"], "evidence"), A.VIEW_PAYMENTS),
    }
    with audit_exempt():
        jobs = {
            "labels job": (
                Job.objects.create(vendor=vendor, kind="shipment_labels", target_type="shipments.shipment", target_id=str(shipment.pk)),
                A.VIEW_SHIPMENTS,
            ),
            "invoice job": (
                Job.objects.create(
                    vendor=vendor, kind="invoice_pdf", target_type="invoicing.invoice", target_id=str(world["reconciliation_invoice"].pk)
                ),
                A.VIEW_INVOICES,
            ),
        }
    return {**world, "documents": documents, "jobs": jobs}


def _client_for(user=None, token=None):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    else:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _answers(client, world):
    answers = {name: client.get(f"/api/v1/documents/{document.pk}/download").status_code for name, (document, _action) in world["documents"].items()}
    answers |= {name: client.get(f"/api/v1/jobs/{job.pk}/").status_code for name, (job, _action) in world["jobs"].items()}
    return answers


def _expected(world, allowed):
    return {name: 200 if allowed(action) else 403 for name, (_thing, action) in (world["documents"] | world["jobs"]).items()}


@pytest.mark.parametrize("role", list(Role))
def test_downloads_and_jobs_follow_the_role_action_matrix(vendor, world, role):
    user = retailer_user(role, username=f"r-{role}") if role in RETAILER_ROLES else vendor_user(vendor, role, username=f"v-{role}")
    assert _answers(_client_for(user), world) == _expected(world, lambda action: role in EXPECTED[action])


@pytest.mark.parametrize(
    "scopes",
    [["orders:read"], ["shipments:read"], ["invoices:read"], ["payments:read"], ["orders:read", "invoices:read", "payments:read", "shipments:read"]],
)
def test_downloads_and_jobs_follow_the_tokens_scopes(vendor, world, scopes):
    from vendor_portal.tenancy import ACTION_TOKEN_SCOPE

    _token, raw = api_token(vendor, scopes=scopes, name="-".join(scopes))
    assert _answers(_client_for(token=raw), world) == _expected(world, lambda action: ACTION_TOKEN_SCOPE[action] in scopes)


def test_a_person_limited_to_another_marketplace_gets_404_for_records_outside_it(vendor, world):
    limited = vendor_user(vendor, Role.VENDOR_ADMIN, username="de-admin", marketplaces=[marketplace("DE")])
    answers = _answers(_client_for(limited), world)
    assert answers == {name: 404 for name in answers}
    everywhere = vendor_user(vendor, Role.VENDOR_ADMIN, username="us-admin", marketplaces=[marketplace("US")])
    assert set(_answers(_client_for(everywhere), world).values()) == {200}


def test_another_vendors_people_and_tokens_get_404(other_vendor, world):
    admin = vendor_user(other_vendor, Role.VENDOR_ADMIN, username="globex-admin")
    assert set(_answers(_client_for(admin), world).values()) == {404}
    _token, raw = api_token(other_vendor, scopes=["orders:read", "shipments:read", "invoices:read", "payments:read"])
    assert set(_answers(_client_for(token=raw), world).values()) == {404}


def test_a_document_of_no_known_record_is_refused(vendor, world):
    document, _action = world["documents"]["invoice"]
    with audit_exempt():
        type(document).objects.filter(pk=document.pk).update(target_type="somewhere.unknown")
    client = _client_for(vendor_user(vendor, Role.VENDOR_ADMIN, username="admin-x"))
    assert client.get(f"/api/v1/documents/{document.pk}/download").status_code == 404


def test_the_job_progress_screen_follows_the_record_it_works_on(client, vendor, world):
    job, _action = world["jobs"]["invoice job"]
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="ops-x"))
    assert client.get(f"/shipments/jobs/{job.pk}/").status_code == 403
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE, username="finance-x"))
    assert client.get(f"/shipments/jobs/{job.pk}/").status_code == 200
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE, username="finance-de", marketplaces=[marketplace("DE")]))
    assert client.get(f"/shipments/jobs/{job.pk}/").status_code == 404


# A document whose file is gone ---------------------------------------------------------------------------
def test_a_document_whose_file_is_gone_is_a_404_that_says_so(vendor, world):
    document, _action = world["documents"]["labels"]
    os.remove(default_storage.path(document.file.name))
    response = _client_for(vendor_user(vendor, Role.VENDOR_OPS, username="ops-y")).get(f"/api/v1/documents/{document.pk}/download")
    assert response.status_code == 404
    error = response.json()["errors"][0]
    assert error["code"] == "file_missing" and "missing" in error["message"]


def test_a_signed_in_person_following_a_screens_link_to_a_gone_file_gets_the_404(client, vendor, world):
    document, _action = world["documents"]["dispute evidence"]
    os.remove(default_storage.path(document.file.name))
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE, username="finance-y"))
    response = client.get(f"/api/v1/documents/{document.pk}/download")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "file_missing"


def test_an_invoice_pdf_whose_file_is_gone_is_rendered_again(client, vendor, world):
    from invoicing.services.pdf import invoice_document
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import scope_for_user

    finance = vendor_user(vendor, Role.VENDOR_FINANCE, username="finance-z")
    invoice = world["reconciliation_invoice"]
    stored = invoice_document(scope=scope_for_user(finance), invoice_id=invoice.pk, actor=Actor(user=finance))
    os.remove(default_storage.path(stored.file.name))
    client.force_login(finance)
    response = client.get(f"/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
