"""The API's one paginator on the lists DRF's cursor pagination used to page: same shape, keyset cursors.

The PO list's cursor tests (tests/purchase_orders/test_api.py) cover orderings chosen by a selector; these
cover the ordering a view's ordering filter chooses and the paginator's own default."""

import datetime

import pytest
from django.utils import timezone

from planning.models import Forecast
from tests.audit_check import audit_exempt
from tests.factories import ProductFactory, VendorFactory, retailer_user, vendor_user
from tests.planning.factories import buyer, publish, rows_for
from tests.reconciliation.factories import deduction, finance_user
from vendor_portal.models import Notification
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db
NOTIFICATIONS = "/api/v1/notifications/"


def notifications(user, vendor, n: int, *, same_time=True) -> list[int]:
    with audit_exempt():
        rows = Notification.objects.bulk_create(Notification(user=user, vendor=vendor, kind="po_new", title=f"PO {i}") for i in range(n))
        if same_time:  # every row ties on created_at: only the id tells them apart
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    return [row.pk for row in rows]


def walk(client, url, params) -> tuple[list[int], dict]:
    page = client.get(url, params).json()
    seen = [row["id"] for row in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    return seen, page


@pytest.fixture
def ops(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS)


@pytest.fixture
def ops_client(api_client, ops):
    api_client.force_authenticate(ops)
    return api_client


def test_a_list_without_an_ordering_pages_newest_first_without_overlap_and_goes_back(ops_client, ops, vendor):
    notifications(vendor_user(vendor, Role.VENDOR_OPS, username="other-ops"), vendor, 2)  # someone else's inbox
    ids = notifications(ops, vendor, 7)
    first = ops_client.get(NOTIFICATIONS, {"page_size": 3}).json()
    assert set(first) == {"next", "previous", "results"} and first["previous"] is None
    seen, last = walk(ops_client, NOTIFICATIONS, {"page_size": 3})
    assert seen == sorted(ids, reverse=True)
    assert last["next"] is None
    back = ops_client.get(last["previous"]).json()
    assert [row["id"] for row in back["results"]] == seen[3:6] and back["next"]


def test_the_ordering_parameter_orders_every_page_with_the_id_breaking_ties(ops_client, ops, vendor):
    ids = notifications(ops, vendor, 5)
    seen, _ = walk(ops_client, NOTIFICATIONS, {"page_size": 2, "ordering": "created_at"})
    assert seen == sorted(ids)
    later = notifications(ops, vendor, 1, same_time=False)  # created now: the newest
    seen, _ = walk(ops_client, NOTIFICATIONS, {"page_size": 2, "ordering": "-created_at"})
    assert seen == later + sorted(ids, reverse=True)


def test_bad_cursor_and_page_size_are_400s_and_a_page_holds_at_most_200(ops_client, ops, vendor):
    notifications(ops, vendor, 201)
    fields = lambda response: (response.status_code, [error["field"] for error in response.json()["errors"]])  # noqa: E731
    assert fields(ops_client.get(NOTIFICATIONS, {"cursor": "not-a-cursor"})) == (400, ["cursor"])
    assert fields(ops_client.get(NOTIFICATIONS, {"page_size": "0"})) == (400, ["page_size"])
    page = ops_client.get(NOTIFICATIONS, {"page_size": 500}).json()
    assert len(page["results"]) == 200 and page["next"]
    assert len(ops_client.get(page["next"]).json()["results"]) == 1


def test_a_cursor_of_another_ordering_is_refused(ops_client, ops, vendor):
    notifications(ops, vendor, 3)
    newest_first = ops_client.get(NOTIFICATIONS, {"page_size": 1}).json()["next"]
    response = ops_client.get(newest_first.replace("page_size=1", "page_size=1&ordering=created_at"))
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "cursor"


def test_vendors_are_listed_by_code(api_client, vendor):
    for code in ("ZETA", "BETA", "MU"):
        VendorFactory(code=code)
    api_client.force_authenticate(retailer_user(Role.RETAILER_ADMIN))
    codes = []
    page = api_client.get("/api/v1/vendors/", {"page_size": 2}).json()
    while True:
        codes += [row["code"] for row in page["results"]]
        if not page["next"]:
            break
        page = api_client.get(page["next"]).json()
    assert codes == sorted(codes) and {"ACME", "BETA", "MU", "ZETA"} <= set(codes)


def test_ordering_by_an_amount_pages_through_decimal_cursors(api_client, vendor):
    rows = [deduction(vendor, amount=amount) for amount in ("25.00", "7.50", "25.00", "130.10", "7.50")]
    api_client.force_authenticate(finance_user(vendor))
    seen, _ = walk(api_client, "/api/v1/deductions/", {"page_size": 2, "ordering": "amount"})
    assert seen == [row.pk for row in sorted(rows, key=lambda row: (row.amount, row.pk))]


def test_ordering_by_a_foreign_key_pages_by_its_column_without_skipping_rows(api_client, vendor):
    # Products whose SKUs sort the other way round from their ids: ordering by `product` follows the id.
    for sku in ("Z-1", "M-1", "A-1"):
        publish(vendor, rows_for(ProductFactory(vendor=vendor, vendor_sku=sku), "US", 2))
    api_client.force_authenticate(buyer())
    seen, _ = walk(api_client, "/api/v1/forecasts/", {"page_size": 2})
    expected = Forecast.objects.order_by("product_id", "marketplace_id", "week_start", "id").values_list("pk", flat=True)
    assert seen == list(expected)
