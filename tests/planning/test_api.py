"""/api/v1/forecasts/ and /api/v1/promotions/: for people and tokens."""

import datetime
from unittest import mock

import pytest
from rest_framework.test import APIClient

from planning.models import Forecast, ForecastPublication, Promotion, PromotionState, current_week_start, marketplace_today
from tests.factories import ProductFactory, api_token, marketplace, vendor_user
from tests.planning.factories import buyer, draft_promotion, publish, rows_for, shared_promotion
from vendor_portal.models import AuditEvent, IdempotencyRecord
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db

FORECASTS = "/api/v1/forecasts/"
PROMOTIONS = "/api/v1/promotions/"


def fields(response) -> dict:
    return {error["field"]: error["code"] for error in response.json()["errors"]}


@pytest.fixture
def buyer_client(db):
    client = APIClient()
    client.force_authenticate(buyer())
    return client


def token_client(vendor, scopes=None) -> APIClient:
    _, raw = api_token(vendor, scopes=scopes, name=f"ERP {scopes}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def publish_body(product, weeks=3, mp="US", **changes) -> dict:
    first = current_week_start(marketplace(mp))
    return {
        "vendor": "ACME",
        "forecasts": [
            {
                "vendor_sku": product.vendor_sku,
                "marketplace": mp,
                "week_start": (first + datetime.timedelta(weeks=n)).isoformat(),
                "mean": "100.5",
                "p70": "110",
                "p80": "120",
                "p90": "140",
            }
            for n in range(weeks)
        ],
        **changes,
    }


# Forecasts ------------------------------------------------------------------------------------------
def test_token_lists_its_forecast_weeks_with_time_zone_aware_week_starts(vendor, other_vendor, django_assert_max_num_queries):
    kettle = ProductFactory(vendor=vendor)
    publish(vendor, rows_for(kettle, "DE", 3))
    publish(other_vendor, rows_for(ProductFactory(vendor=other_vendor), "DE", 3))
    client = token_client(vendor, ["planning:read"])
    with django_assert_max_num_queries(8):
        response = client.get(FORECASTS)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 3 and {row["vendor"] for row in rows} == {"ACME"}
    first = rows[0]
    assert first["week_start"] == current_week_start(marketplace("DE")).isoformat()
    assert first["week_starts_at"].startswith(first["week_start"] + "T00:00:00+0")  # Berlin: +01:00 or +02:00
    assert (first["mean"], first["p90"], first["version"]) == ("100.00", "135.00", 1)


def test_forecast_list_filters_orders_and_pages(vendor):
    kettle, lamp = ProductFactory(vendor=vendor), ProductFactory(vendor=vendor)
    publish(vendor, rows_for(kettle, "US", 5) + rows_for(lamp, "US", 5) + rows_for(lamp, "DE", 5))
    client = token_client(vendor, ["planning:read"])
    assert len(client.get(FORECASTS, {"marketplace": "DE"}).json()["results"]) == 5
    assert {row["vendor_sku"] for row in client.get(FORECASTS, {"asin": kettle.asin}).json()["results"]} == {kettle.vendor_sku}
    assert len(client.get(FORECASTS, {"sku": lamp.vendor_sku.lower()}).json()["results"]) == 10
    first = current_week_start(marketplace("US"))
    ranged = client.get(
        FORECASTS,
        {
            "marketplace": "US",
            "week_from": (first + datetime.timedelta(weeks=1)).isoformat(),
            "week_to": (first + datetime.timedelta(weeks=2)).isoformat(),
        },
    )
    assert len(ranged.json()["results"]) == 4
    newest = client.get(FORECASTS, {"ordering": "-week_start", "page_size": 4}).json()
    assert len(newest["results"]) == 4 and newest["results"][0]["week_start"] == (first + datetime.timedelta(weeks=4)).isoformat()
    seen = [row["id"] for row in newest["results"]]
    url = newest["next"]
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(Forecast.objects.values_list("pk", flat=True)) and len(set(seen)) == 15
    assert client.get(FORECASTS, {"ordering": "colour"}).status_code == 400
    assert fields(client.get(FORECASTS, {"week_from": "soon"})) == {"week_from": "invalid"}


def test_buyer_publishes_in_bulk_and_a_retry_with_the_same_key_publishes_nothing_more(buyer_client, vendor):
    kettle = ProductFactory(vendor=vendor)
    first = buyer_client.post(FORECASTS, publish_body(kettle), format="json", HTTP_IDEMPOTENCY_KEY="fc-1")
    assert first.status_code == 201
    assert (first.json()["version"], first.json()["row_count"], first.json()["new_count"]) == (1, 3, 3)
    again = buyer_client.post(FORECASTS, publish_body(kettle), format="json", HTTP_IDEMPOTENCY_KEY="fc-1")
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert ForecastPublication.objects.count() == 1 and Forecast.objects.count() == 3
    assert AuditEvent.objects.filter(action="forecast.publish").count() == 1 and IdempotencyRecord.objects.count() == 1
    # Without the key, the same body is a new publication replacing the same weeks.
    second = buyer_client.post(FORECASTS, publish_body(kettle), format="json")
    assert (second.json()["version"], second.json()["replaced_count"]) == (2, 3)


def test_dry_run_reports_and_saves_nothing(buyer_client, vendor):
    kettle = ProductFactory(vendor=vendor)
    publish(vendor, rows_for(kettle, "US", 1))
    response = buyer_client.post(FORECASTS, publish_body(kettle, dry_run=True), format="json")
    assert response.status_code == 200
    summary = response.json()
    assert (summary["dry_run"], summary["id"], summary["version"], summary["new_count"], summary["replaced_count"]) == (True, None, None, 2, 1)
    assert ForecastPublication.objects.count() == 1


def test_publish_errors_name_the_row_and_rule(buyer_client, vendor):
    kettle = ProductFactory(vendor=vendor)
    body = publish_body(kettle, weeks=2)
    body["forecasts"][0]["week_start"] = (current_week_start(marketplace("US")) + datetime.timedelta(days=3)).isoformat()
    body["forecasts"][1]["p80"] = "100"
    response = buyer_client.post(FORECASTS, body, format="json")
    assert response.status_code == 400
    assert fields(response) == {"forecasts[0].week_start": "not_monday", "forecasts[1].p80": "percentiles_order"}
    shape = buyer_client.post(FORECASTS, {"vendor": "ACME", "forecasts": [{"marketplace": "US", "week_start": "x", "mean": "-1"}]}, format="json")
    assert shape.status_code == 400 and {"forecasts[0].week_start", "forecasts[0].mean", "forecasts[0].p70"} <= set(fields(shape))
    assert not ForecastPublication.objects.exists()


def test_tokens_and_vendor_people_cannot_publish(vendor):
    kettle = ProductFactory(vendor=vendor)
    assert token_client(vendor).post(FORECASTS, publish_body(kettle), format="json").status_code == 403
    client = APIClient()
    client.force_authenticate(vendor_user(vendor, Role.VENDOR_ADMIN))
    assert client.post(FORECASTS, publish_body(kettle), format="json").status_code == 403
    assert not ForecastPublication.objects.exists()


def test_a_token_without_the_planning_scope_is_refused(vendor):
    response = token_client(vendor, ["orders:read"]).get(FORECASTS)
    assert response.status_code == 403 and response.json()["errors"][0]["message"]
    assert token_client(vendor, ["orders:read"]).get(PROMOTIONS).status_code == 403


# Promotions -----------------------------------------------------------------------------------------
def create_body(products, **changes) -> dict:
    start = marketplace_today(marketplace("US")) + datetime.timedelta(days=10)
    body = {
        "vendor": "ACME",
        "marketplace": "US",
        "name": "Prime week",
        "promotion_type": "lightning_deal",
        "start_date": start.isoformat(),
        "end_date": start.isoformat(),
        "lines": [
            {"vendor_sku": products[0].vendor_sku, "promotional_price": "19.99", "expected_units": 500, "vendor_funding_per_unit": "2.00"},
            {"asin": products[1].asin, "promotional_price": "5.00", "expected_units": 50},
        ],
    }
    body.update(changes)
    return body


def test_buyer_drafts_changes_shares_and_cancels_through_the_api(buyer_client, vendor):
    products = [ProductFactory(vendor=vendor) for _ in range(3)]
    created = buyer_client.post(PROMOTIONS, create_body(products), format="json", HTTP_IDEMPOTENCY_KEY="promo-1")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "draft" and body["currency"] == "USD" and body["next_states"] == ["cancelled", "shared"]
    assert [line["vendor_funding_per_unit"] for line in body["lines"]] == ["2.00", "0.00"] and body["total_expected_funding"] == "1000.00"
    replay = buyer_client.post(PROMOTIONS, create_body(products), format="json", HTTP_IDEMPOTENCY_KEY="promo-1")
    assert replay.json()["id"] == body["id"] and Promotion.objects.count() == 1
    url = f"{PROMOTIONS}{body['id']}/"
    changed = buyer_client.patch(
        url,
        {"name": "Prime day", "lines": [{"vendor_sku": products[2].vendor_sku, "promotional_price": "9.00", "expected_units": 10}]},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Prime day" and len(changed.json()["lines"]) == 1
    shared = buyer_client.post(f"{url}share", format="json")
    assert shared.status_code == 200 and shared.json()["state"] == "shared" and shared.json()["awaiting_vendor"]
    assert buyer_client.patch(url, {"name": "Too late"}, format="json").status_code == 409
    cancelled = buyer_client.post(f"{url}cancel", {"reason": "Budget"}, format="json")
    assert cancelled.json()["state"] == "cancelled" and cancelled.json()["cancel_reason"] == "Budget"
    assert buyer_client.post(f"{url}cancel", {}, format="json").status_code == 409


def test_create_errors_are_structured(buyer_client, vendor):
    products = [ProductFactory(vendor=vendor) for _ in range(2)]
    response = buyer_client.post(
        PROMOTIONS,
        create_body(products, end_date="2000-01-01", lines=[{"vendor_sku": "NOPE", "promotional_price": "1.00", "expected_units": 1}]),
        format="json",
    )
    assert response.status_code == 400 and fields(response) == {"end_date": "invalid", "lines[0].vendor_sku": "unknown_product"}
    assert fields(buyer_client.post(PROMOTIONS, {"vendor": "ACME"}, format="json"))["marketplace"] == "required"


def test_vendor_token_with_write_scope_confirms_and_another_vendors_token_gets_404(vendor, other_vendor):
    promotion = shared_promotion(vendor, expected=100)
    url = f"{PROMOTIONS}{promotion.pk}/confirmation"
    body = {
        "decision": "confirm",
        "lines": [{"sequence": 1, "committed_units": 100}, {"sequence": 2, "committed_units": 40, "note": "Short on cartons"}],
    }
    assert token_client(other_vendor).post(url, body, format="json").status_code == 404
    assert token_client(other_vendor).get(f"{PROMOTIONS}{promotion.pk}/").status_code == 404
    assert token_client(vendor, ["planning:read"]).post(url, body, format="json").status_code == 403
    writer = token_client(vendor, ["planning:read", "planning:write"])
    response = writer.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="confirm-1")
    assert response.status_code == 200
    data = response.json()
    assert data["state"] == "confirmed" and data["total_committed_units"] == 140 and data["responded_by"].startswith("token:")
    assert writer.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="confirm-1").json()["confirmation_revision"] == 1
    assert AuditEvent.objects.filter(action="promotion.confirm", channel="api").count() == 1
    too_many = writer.post(
        url, {"decision": "confirm", "lines": [{"sequence": 1, "committed_units": 101}, {"sequence": 2, "committed_units": 1}]}, format="json"
    )
    assert too_many.status_code == 400 and fields(too_many) == {"lines[0].committed_units": "above_expected"}


def test_vendor_declines_through_the_api_and_cannot_see_drafts(vendor):
    draft = draft_promotion(vendor, name="Draft")
    shared = shared_promotion(vendor, name="Shared")
    client = token_client(vendor)
    listed = client.get(PROMOTIONS).json()["results"]
    assert [row["name"] for row in listed] == ["Shared"]
    assert client.get(f"{PROMOTIONS}{draft.pk}/").status_code == 404
    assert fields(client.post(f"{PROMOTIONS}{shared.pk}/confirmation", {"decision": "decline"}, format="json")) == {"reason": "invalid"}
    response = client.post(f"{PROMOTIONS}{shared.pk}/confirmation", {"decision": "decline", "reason": "No stock"}, format="json")
    assert response.json()["state"] == "declined" and response.json()["next_states"] == ["cancelled", "draft"]
    assert client.post(f"{PROMOTIONS}{shared.pk}/share", format="json").status_code == 403


def test_promotion_list_filters_and_keeps_its_query_count(buyer_client, vendor, other_vendor, django_assert_max_num_queries):
    for n in range(5):
        shared_promotion(vendor, name=f"ACME {n}", days=10 + n)
    shared_promotion(other_vendor, name="Globex deal")
    draft_promotion(vendor, name="ACME draft")
    with django_assert_max_num_queries(6):
        everything = buyer_client.get(PROMOTIONS).json()["results"]
    assert len(everything) == 7 and everything[0]["line_count"] == 2
    assert [row["name"] for row in buyer_client.get(PROMOTIONS, {"vendor": "globex"}).json()["results"]] == ["Globex deal"]
    assert [row["name"] for row in buyer_client.get(PROMOTIONS, {"state": "draft"}).json()["results"]] == ["ACME draft"]
    ordered = buyer_client.get(PROMOTIONS, {"vendor": "ACME", "state": "shared", "ordering": "start_date", "page_size": 2}).json()
    assert [row["name"] for row in ordered["results"]] == ["ACME 0", "ACME 1"] and ordered["next"]
    assert buyer_client.get(PROMOTIONS, {"state": "bogus"}).status_code == 400


def test_confirming_after_the_deal_started_is_a_409(vendor):
    promotion = shared_promotion(vendor, days=1)
    with mock.patch("django.utils.timezone.now", return_value=promotion.starts_at + datetime.timedelta(minutes=5)):
        response = token_client(vendor).post(
            f"{PROMOTIONS}{promotion.pk}/confirmation",
            {"decision": "confirm", "lines": [{"sequence": 1, "committed_units": 1}, {"sequence": 2, "committed_units": 1}]},
            format="json",
        )
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_state"
    assert Promotion.objects.get().state == PromotionState.SHARED


def test_token_command_and_settings_screen_offer_the_planning_scopes(vendor, client, capsys):
    from django.core.management import call_command

    from vendor_portal.models import ApiToken

    call_command("api_token", "create", "--vendor", "ACME", "--name", "Planner", "--scopes", "planning:read", "planning:write")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert ApiToken.objects.get(name="Planner").scopes == ["planning:read", "planning:write"]
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert reader.get(FORECASTS).status_code == 200 and reader.get("/api/v1/purchase-orders/").status_code == 403
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    page = client.get("/settings/").content.decode()
    assert 'value="planning:read"' in page and 'value="planning:write"' in page
    client.post("/settings/", {"name": "Forecast reader", "scopes": ["planning:read"]})
    assert ApiToken.objects.get(name="Forecast reader").scopes == ["planning:read"]
