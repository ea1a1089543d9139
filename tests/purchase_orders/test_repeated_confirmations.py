"""The same confirmation sent twice (a retry without an Idempotency-Key, a resent acknowledgement) is a no-op
answered with the PO as it stands: no new revision, no audit rows, no event. A different one is a new revision."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from purchase_orders.models import Acknowledgement, PurchaseOrderState
from purchase_orders.services.orders import purchase_order_change
from tests.amazon_api.acks import ACKNOWLEDGEMENTS, acknowledgement, body
from tests.amazon_api.conftest import amazon_client
from tests.factories import VendorAccountFactory, api_token, marketplace, retailer_user, vendor_user
from tests.purchase_orders.factories import purchase_order_with_lines
from tests.purchase_orders.test_views import confirm_data, ship_day
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(vendor):
    client = APIClient()
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops"))
    return client


def _counts(po) -> tuple[int, int]:
    return po.acknowledgements.count(), AuditEvent.objects.count()


def _confirmation(po, accepted=60):
    ship = timezone.localdate(po.ship_window_start) + datetime.timedelta(days=1)
    return {
        "scheduled_ship_date": ship.isoformat(),
        "lines": [
            {
                "sequence": line.sequence,
                "accepted": accepted,
                "rejected": 60 - accepted,
                **({"rejection_reason": "ObsoleteProduct"} if accepted < 60 else {}),
            }
            for line in po.lines.order_by("sequence")
        ],
    }


def test_the_same_confirmation_twice_through_the_api_makes_one_revision(ops_client, vendor, django_capture_on_commit_callbacks):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60)
    url = f"/api/v1/purchase-orders/{po.number}/confirmation"
    with django_capture_on_commit_callbacks(execute=True):
        first = ops_client.post(url, _confirmation(po), format="json")
    assert first.status_code in (200, 201), first.json()
    before = _counts(po)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = ops_client.post(url, _confirmation(po), format="json")
    assert again.status_code == first.status_code
    assert again.json() == first.json()  # answered with the PO as it stands, which the first one left
    assert _counts(po) == before and callbacks == []  # no audit row, no event, no webhook
    assert po.acknowledgements.get().revision == 1

    changed = ops_client.post(url, _confirmation(po, accepted=30), format="json")
    assert changed.status_code == first.status_code
    assert list(po.acknowledgements.order_by("revision").values_list("revision", flat=True)) == [1, 2]


def test_the_same_confirmation_after_the_buyer_changed_the_po_is_a_new_revision(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60)
    url = f"/api/v1/purchase-orders/{po.number}/confirmation"
    ops_client.post(url, _confirmation(po), format="json")
    buyer = retailer_user(Role.BUYER, username="buyer-1")
    later = po.ship_window_end + datetime.timedelta(days=2)
    purchase_order_change(scope=scope_for_user(buyer), number=po.number, actor=Actor(user=buyer), ship_window_end=later)
    po.refresh_from_db()
    assert po.has_unconfirmed_changes
    assert ops_client.post(url, _confirmation(po), format="json").json()["has_unconfirmed_changes"] is False
    assert po.acknowledgements.count() == 2


def test_the_same_confirmation_twice_on_the_screen_makes_one_revision(client, vendor):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60, number="PO-TWICE")
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops-2"))
    data = confirm_data(po, {1: {"accepted": 60}, 2: {"accepted": 60}}, scheduled_ship_date=ship_day(po))
    assert client.post(f"/purchase-orders/{po.number}/confirm/", data).status_code == 302
    before = _counts(po)
    assert client.post(f"/purchase-orders/{po.number}/confirm/", data).status_code == 302
    assert _counts(po) == before
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED and Acknowledgement.objects.filter(purchase_order=po).count() == 1


def test_a_resent_amazon_acknowledgement_makes_no_new_revision(vendor, django_capture_on_commit_callbacks):
    VendorAccountFactory(vendor=vendor, marketplace=marketplace("US"), vendor_code="ACMEUS")
    _token, raw = api_token(vendor)
    amazon = amazon_client(raw)
    po = purchase_order_with_lines(vendor, lines=1)
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert amazon.post(ACKNOWLEDGEMENTS, body(acknowledgement(po)), format="json").status_code == 202
    assert po.acknowledgements.count() == 1
    assert AuditEvent.objects.filter(action="acknowledgement.submit").count() == 1


def test_another_vendors_people_cannot_resend_a_confirmation(vendor, other_vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    client = APIClient()
    client.force_login(vendor_user(other_vendor, Role.VENDOR_OPS, username="globex-ops"))
    assert client.post(f"/api/v1/purchase-orders/{po.number}/confirmation", _confirmation(po), format="json").status_code == 404
    assert not po.acknowledgements.exists()
