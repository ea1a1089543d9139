"""Item setup and cost changes through the screens and /api/v1/: what each side sees and may do."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from catalogue.models import CostChangeRequest, CostChangeState, ItemProposal, ProposalState
from tests.catalogue.factories import buyer, gtin13, gtin14, item_input, vendor_scope_actor
from tests.factories import ProductCostFactory, ProductFactory, api_token, marketplace, vendor_user
from vendor_portal.models import ProductCost, marketplace_today
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle(vendor):
    product = ProductFactory(vendor=vendor, vendor_sku="KTL-1700-SS")
    ProductCostFactory(product=product, cost="10.00")
    return product


def _day(days):
    return marketplace_today(marketplace("US")) + datetime.timedelta(days=days)


ITEM_FORM = {
    "vendor_sku": "KTL-GLS-15",
    "title": "Acme glass kettle",
    "gtin": gtin13("061414100777"),
    "case_gtin": gtin14("1061414100777"),
    "case_pack": "6",
    "minimum_order_quantity": "6",
    "country_of_origin": "CN",
    "hs_code": "8516.71",
    "each_length_cm": "20",
    "each_width_cm": "15",
    "each_height_cm": "25",
    "each_weight_kg": "1.2",
    "case_length_cm": "45",
    "case_width_cm": "32",
    "case_height_cm": "52",
    "case_weight_kg": "7.6",
    "offers-TOTAL_FORMS": "2",
    "offers-INITIAL_FORMS": "0",
    "offers-MIN_NUM_FORMS": "0",
    "offers-MAX_NUM_FORMS": "10",
    "offers-0-marketplace": "US",
    "offers-0-cost": "18.40",
    "offers-0-list_price": "39.99",
}


def test_the_vendor_proposes_by_form_and_sees_each_problem_on_its_field(client, vendor):
    marketplace("US")
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    bad = {**ITEM_FORM, "gtin": ITEM_FORM["gtin"][:-1] + "0", "case_weight_kg": "5"}
    response = client.post("/catalogue/items/new/", {**bad, "submit": "1"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "its check digit is 6" in text and "so it weighs at least 7.2 kg" in text
    assert not ItemProposal.objects.exists()
    response = client.post("/catalogue/items/new/", {**ITEM_FORM, "submit": "1"})
    proposal = ItemProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/catalogue/items/{proposal.pk}/"
    assert proposal.state == ProposalState.SUBMITTED and proposal.offers.get().cost == Decimal("18.40")


def test_the_buyer_approves_after_confirming(client, vendor):
    scope, actor = vendor_scope_actor(vendor)
    from catalogue.services.items import item_proposal_create

    proposal = item_proposal_create(scope=scope, data=item_input(), actor=actor, submit=True)
    client.force_login(buyer())
    assert "Approve into the catalogue" in client.get(f"/catalogue/items/{proposal.pk}/").content.decode()
    response = client.post(f"/catalogue/items/{proposal.pk}/review/", {"decision": "approve"})
    assert response.status_code == 200 and b"confirm-step" in response.content  # asked first
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED
    client.post(f"/catalogue/items/{proposal.pk}/review/", {"decision": "approve", "confirmed": "yes"})
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED and proposal.product.vendor_sku == "KTL-NEW-1"


def test_cost_change_upload_dry_run_then_proposes_all(client, vendor, kettle):
    ProductFactory(vendor=vendor, vendor_sku="TST-2S")
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    book = Workbook()
    sheet = book.active
    sheet.append(["vendor_sku", "marketplace", "new_cost", "effective_from", "reason"])
    sheet.append(["KTL-1700-SS", "US", 11.5, _day(7), "Steel"])
    sheet.append(["TST-2S", "US", 12, _day(7), "Steel"])  # no cost in US yet
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "costs.xlsx"
    response = client.post("/catalogue/cost-changes/upload/", {"file": upload})
    assert response.status_code == 400
    assert "TST-2S has no cost in US yet." in response.content.decode()
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "costs.xlsx"
    response = client.post("/catalogue/cost-changes/upload/", {"file": upload})
    assert response.status_code == 200 and not CostChangeRequest.objects.exists()  # the dry run saves nothing
    token = response.context["token"]
    response = client.post("/catalogue/cost-changes/upload/", {"token": token, "commit": "1"})
    assert response.status_code == 302
    request = CostChangeRequest.objects.get()
    assert (request.new_cost, request.current_cost, request.effective_from) == (Decimal("11.50"), Decimal("10.00"), _day(7))


def test_the_buyer_counters_through_the_screen_and_the_vendor_sees_the_history(client, vendor, kettle):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    client.force_login(ops)
    response = client.post(
        "/catalogue/cost-changes/new/",
        {"product": kettle.pk, "marketplace": "US", "new_cost": "12.00", "effective_from": _day(3).isoformat(), "reason": "Freight"},
    )
    request = CostChangeRequest.objects.get()
    assert response["Location"] == f"/catalogue/cost-changes/{request.pk}/"
    client.force_login(buyer())
    client.post(
        f"/catalogue/cost-changes/{request.pk}/decide/", {"decision": "counter", "counter_cost": "11.00", "comment": "Halfway", "confirmed": "yes"}
    )
    request.refresh_from_db()
    assert (request.state, request.counter_cost) == (CostChangeState.COUNTERED, Decimal("11.00"))
    client.force_login(ops)
    page = client.get("/catalogue/cost-changes/").content.decode()
    assert "KTL-1700-SS" in page and "Countered" in page
    client.post(f"/catalogue/cost-changes/{request.pk}/decide/", {"decision": "accept", "confirmed": "yes"})
    assert ProductCost.objects.get(product=kettle, effective_from=_day(3)).cost == Decimal("11.00")


def test_api_proposes_and_the_buyer_accepts(api_client, vendor, kettle, other_vendor):
    _, raw = api_token(vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {
        "changes": [{"vendor_sku": "KTL-1700-SS", "marketplace": "US", "new_cost": "11.00", "effective_from": _day(5).isoformat(), "reason": "Steel"}]
    }
    response = api_client.post("/api/v1/cost-changes/", {**body, "dry_run": True}, format="json")
    assert response.status_code == 200 and response.json()["count"] == 1 and not CostChangeRequest.objects.exists()
    response = api_client.post("/api/v1/cost-changes/", body, format="json")
    assert response.status_code == 201
    pk = response.json()["cost_changes"][0]["id"]
    assert api_client.post(f"/api/v1/cost-changes/{pk}/accept", {}, format="json").status_code == 403  # not the vendor's to accept
    _, other_raw = api_token(other_vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert api_client.get(f"/api/v1/cost-changes/{pk}/").status_code == 404
    assert api_client.get("/api/v1/cost-changes/").json()["results"] == []
    api_client.credentials()
    api_client.force_authenticate(buyer())
    response = api_client.post(f"/api/v1/cost-changes/{pk}/accept", {"comment": "OK"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "accepted"


def test_api_item_proposal_errors_name_their_fields(api_client, vendor):
    _, raw = api_token(vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    marketplace("US")
    body = {
        "vendor_sku": "KTL-GLS-15",
        "title": "Glass kettle",
        "gtin": "0614141007770",
        "case_gtin": gtin14("1061414100777"),
        "case_pack": 6,
        "country_of_origin": "CN",
        "hs_code": "851671",
        "pack_levels": [{"level": "each", "length_cm": "20", "width_cm": "15", "height_cm": "25", "weight_kg": "1.2"}],
        "offers": [{"marketplace": "US", "cost": "18.40"}],
    }
    response = api_client.post("/api/v1/item-proposals/", body, format="json")
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"gtin", "pack_levels"} <= fields
    body["gtin"] = gtin13("061414100777")
    body["pack_levels"].append({"level": "case", "length_cm": "45", "width_cm": "32", "height_cm": "52", "weight_kg": "7.6"})
    response = api_client.post("/api/v1/item-proposals/", {**body, "submit": True}, format="json")
    assert response.status_code == 201 and response.json()["state"] == "submitted"
