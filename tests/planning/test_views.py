"""The planning screens: forecasts (list, product chart, downloads, the buyer's upload) and promotions (list,
detail, the vendor's commitment, the buyer's create, share, cancel), and who may do what."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning.models import Forecast, ForecastPublication, Promotion, PromotionState, current_week_start
from tests.export_support import exported_sheet_rows
from tests.factories import ProductFactory, marketplace, retailer_user, vendor_user
from tests.planning.factories import buyer, draft_promotion, publish, rows_for, shared_promotion
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    return client


@pytest.fixture
def buyer_client(client):
    client.force_login(buyer())
    return client


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# Forecasts ------------------------------------------------------------------------------------------
def test_vendor_sees_its_own_forecasts_per_product_and_marketplace(ops_client, vendor, other_vendor):
    kettle = ProductFactory(vendor=vendor, title="Kettle")
    publish(vendor, rows_for(kettle, "US", 26, mean=100) + rows_for(kettle, "DE", 10, mean=40))
    publish(other_vendor, rows_for(ProductFactory(vendor=other_vendor, title="Tent"), "US", 26))
    response = ops_client.get("/planning/forecasts/")
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [(row["product__vendor_sku"], row["marketplace__code"], row["week_count"]) for row in rows] == [
        (kettle.vendor_sku, "DE", 10),
        (kettle.vendor_sku, "US", 26),
    ]
    assert rows[1]["total_mean"] == 2600 and "Tent" not in response.content.decode()
    assert "<polyline" in response.content.decode()


def test_forecast_list_filters_and_answers_htmx_with_the_results_only(ops_client, vendor):
    kettle, lamp = ProductFactory(vendor=vendor, title="Kettle"), ProductFactory(vendor=vendor, title="Desk lamp")
    publish(vendor, rows_for(kettle, "US", 3) + rows_for(lamp, "US", 3) + rows_for(lamp, "DE", 3))
    response = ops_client.get("/planning/forecasts/", {"q": "lamp", "marketplace": "DE"})
    assert [(row["product_id"], row["marketplace__code"]) for row in response.context["page"]] == [(lamp.pk, "DE")]
    partial = ops_client.get("/planning/forecasts/", {"q": lamp.asin}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200 and 'id="forecast-results"' in body and "<html" not in body
    assert ops_client.get("/planning/forecasts/", {"week_from": "not-a-date"}).status_code == 400


def test_forecast_list_query_count_does_not_grow_with_products(ops_client, vendor, django_assert_max_num_queries):
    publish(vendor, rows_for(ProductFactory(vendor=vendor), "US", 26))
    few = _queries(ops_client, "/planning/forecasts/")
    publish(vendor, [row for _ in range(12) for row in rows_for(ProductFactory(vendor=vendor), "US", 26)])
    with django_assert_max_num_queries(few):
        ops_client.get("/planning/forecasts/")
    assert few <= 14


def test_a_marketplace_limited_member_sees_only_its_marketplace(client, vendor):
    kettle = ProductFactory(vendor=vendor)
    publish(vendor, rows_for(kettle, "US", 2) + rows_for(kettle, "DE", 2))
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="de-ops", marketplaces=[marketplace("DE")]))
    assert [row["marketplace__code"] for row in client.get("/planning/forecasts/").context["page"]] == ["DE"]
    page = client.get(f"/planning/forecasts/{kettle.pk}/", {"marketplace": "US"})
    assert [m.code for m in page.context["marketplaces"]] == ["DE"] and page.context["marketplace"].code == "DE"
    rows = list(csv.reader(io.StringIO(client.get("/planning/forecasts/export.csv").getvalue().decode("utf-8-sig"))))
    assert {row[2] for row in rows[1:]} == {"DE"}


def test_product_page_has_the_chart_data_and_the_previous_version(ops_client, vendor):
    kettle = ProductFactory(vendor=vendor)
    publish(vendor, rows_for(kettle, "US", 26, mean=100, step=5))
    publish(vendor, rows_for(kettle, "US", 2, mean=300))
    response = ops_client.get(f"/planning/forecasts/{kettle.pk}/")
    assert response.status_code == 200
    data = response.context["chart_data"]
    assert len(data["labels"]) == 26 and data["labels"][0] == current_week_start(marketplace("US")).isoformat()
    assert data["mean"][:3] == ["300.00", "300.00", "110.00"] and data["p90"][0] == "335.00"
    assert data["previous"][:3] == ["100.00", "105.00", None]
    body = response.content.decode()
    assert 'id="forecast-data"' in body and "vendor/chart-4.6.1.umd.min.js" in body and "js/forecast_chart.js" in body
    assert [p.version for p in response.context["publications"]] == [2, 1]


def test_product_of_another_vendor_is_404(ops_client, other_vendor):
    tent = ProductFactory(vendor=other_vendor)
    publish(other_vendor, rows_for(tent, "US", 2))
    assert ops_client.get(f"/planning/forecasts/{tent.pk}/").status_code == 404


def test_downloads_hold_the_filtered_weeks_in_the_upload_columns(ops_client, vendor):
    kettle, lamp = ProductFactory(vendor=vendor), ProductFactory(vendor=vendor)
    publish(vendor, rows_for(kettle, "US", 3) + rows_for(lamp, "US", 3))
    response = ops_client.get("/planning/forecasts/export.csv", {"q": kettle.vendor_sku})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[0][:8] == ["vendor_sku", "asin", "marketplace", "week_start", "mean", "p70", "p80", "p90"]
    assert len(rows) == 4 and {row[0] for row in rows[1:]} == {kettle.vendor_sku}
    rows = exported_sheet_rows(ops_client, "/planning/forecasts/export.xlsx")
    assert len(rows) == 7 and rows[0][0] == "vendor_sku"


# Upload ---------------------------------------------------------------------------------------------
def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sku", "marketplace", "week_start", "mean", "p70", "p80", "p90", "comment"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _upload(client, vendor, content, name="forecast.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/planning/forecasts/upload/", {"vendor": vendor.code, "file": SimpleUploadedFile(name, content)})


def test_buyer_uploads_a_file_dry_run_then_publishes(buyer_client, vendor):
    kettle = ProductFactory(vendor=vendor)
    publish(vendor, rows_for(kettle, "US", 1, mean=50))
    monday = current_week_start(marketplace("US"))
    content = _csv([[kettle.vendor_sku, "US", (monday + datetime.timedelta(weeks=n)).isoformat(), "100", "110", "120", "140", "x"] for n in range(3)])
    dry = _upload(buyer_client, vendor, content)
    assert dry.status_code == 200 and ForecastPublication.objects.count() == 1
    result = dry.context["result"]
    assert (result.check.new_count, result.check.replaced_count, result.ignored_columns) == (2, 1, ["comment"])
    done = buyer_client.post("/planning/forecasts/upload/", {"commit": "1", "token": dry.context["token"]})
    assert done.status_code == 302
    publication = ForecastPublication.objects.get(version=2)
    assert (publication.source, publication.file_name, publication.replaced_count) == ("upload", "forecast.csv", 1)
    assert Forecast.objects.current().filter(product=kettle).count() == 3
    assert AuditEvent.objects.filter(action="forecast.publish", channel="web", actor__username="buyer").exists()


def test_upload_reports_errors_by_row_and_column_and_saves_nothing(buyer_client, vendor):
    kettle = ProductFactory(vendor=vendor)
    monday = current_week_start(marketplace("US"))
    content = _csv(
        [
            [kettle.vendor_sku, "US", monday.isoformat(), "100", "110", "120", "140"],
            [kettle.vendor_sku, "US", (monday + datetime.timedelta(days=1)).isoformat(), "100", "110", "120", "140"],
            [kettle.vendor_sku, "US", (monday + datetime.timedelta(weeks=1)).isoformat(), "lots", "110", "100", "140"],
            ["NOPE", "US", (monday + datetime.timedelta(weeks=2)).isoformat(), "1", "2", "3", "4"],
            [kettle.vendor_sku, "US", (monday + datetime.timedelta(weeks=3)).isoformat(), "100", "130", "120", "140"],
        ]
    )
    response = _upload(buyer_client, vendor, content)
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(3, "week_start"), (4, "mean"), (5, "vendor_sku"), (6, "p80")]
    assert not ForecastPublication.objects.exists() and response.context["token"] is None


def test_xlsx_upload_reads_date_and_number_cells(buyer_client, vendor):
    from openpyxl import Workbook

    kettle = ProductFactory(vendor=vendor)
    monday = current_week_start(marketplace("DE"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ASIN", "Marketplace", "Week start", "Mean", "P70", "P80", "P90"])
    sheet.append([kettle.asin, "de", datetime.datetime.combine(monday, datetime.time.min), 12.3, 14, 15.5, 18])
    sheet.append([kettle.asin, "DE", (monday + datetime.timedelta(weeks=1)).isoformat(), "10", "11", "12", "13"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    dry = _upload(buyer_client, vendor, buffer.getvalue(), name="forecast.xlsx")
    assert dry.status_code == 200, [(e.row, e.column, e.message) for e in dry.context["result"].errors]
    buyer_client.post("/planning/forecasts/upload/", {"commit": "1", "token": dry.context["token"]})
    first = Forecast.objects.current().get(product=kettle, week_start=monday)
    assert (str(first.mean), str(first.p80), first.marketplace.code) == ("12.30", "15.50", "DE")


def test_upload_refuses_a_file_that_is_not_a_table(buyer_client, vendor):
    response = _upload(buyer_client, vendor, b"%PDF-1.7 binary", name="forecast.pdf")
    assert response.status_code == 400 and "not a CSV or XLSX file" in response.context["file_error"]
    response = _upload(buyer_client, vendor, b"sku,mean\nX,1\n")
    assert "Missing columns" in response.context["file_error"]


def test_vendor_people_cannot_upload_and_a_forged_token_publishes_nothing(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    assert client.get("/planning/forecasts/upload/").status_code == 403
    client.force_login(retailer_user(Role.RETAILER_ADMIN))
    response = client.post("/planning/forecasts/upload/", {"commit": "1", "token": "forged"})
    assert response.status_code == 400 and not ForecastPublication.objects.exists()


def test_template_download(buyer_client):
    response = buyer_client.get("/planning/forecasts/upload/template.csv")
    assert response.status_code == 200 and response.content.decode().startswith("vendor_sku,asin,marketplace,week_start,mean,p70,p80,p90")


# Promotions -----------------------------------------------------------------------------------------
def test_promotion_list_for_vendor_hides_drafts_and_flags_the_ones_awaiting_it(ops_client, vendor):
    shared_promotion(vendor, name="Shared deal")
    draft_promotion(vendor, name="Secret draft")
    response = ops_client.get("/planning/promotions/")
    body = response.content.decode()
    assert "Shared deal" in body and "Secret draft" not in body and "needs your answer" in body
    assert [p.name for p in response.context["page"]] == ["Shared deal"]


def test_promotion_list_query_count_does_not_grow(buyer_client, vendor, django_assert_max_num_queries):
    shared_promotion(vendor, name="One")
    few = _queries(buyer_client, "/planning/promotions/")
    for n in range(6):
        shared_promotion(vendor, name=f"More {n}")
    with django_assert_max_num_queries(few):
        buyer_client.get("/planning/promotions/")
    assert few <= 12


def test_vendor_confirms_per_line_from_the_detail_page(ops_client, vendor):
    promotion = shared_promotion(vendor, expected=100)
    page = ops_client.get(f"/planning/promotions/{promotion.pk}/")
    assert page.context["can_confirm"] and 'data-testid="promotion-confirm"' in page.content.decode()
    assert f"{promotion.start_date.isoformat()} 00:00 (America/New_York)" in page.content.decode()  # the marketplace's midnight
    too_many = ops_client.post(f"/planning/promotions/{promotion.pk}/confirm/", {"line-1-committed_units": "150", "line-2-committed_units": "100"})
    assert too_many.status_code == 400 and "more than the 100 the retailer expects" in too_many.content.decode()
    done = ops_client.post(
        f"/planning/promotions/{promotion.pk}/confirm/",
        {"line-1-committed_units": "80", "line-1-note": "Half a container", "line-2-committed_units": "100"},
        follow=True,
    )
    assert done.status_code == 200
    promotion.refresh_from_db()
    assert promotion.state == PromotionState.CONFIRMED
    assert list(promotion.lines.values_list("committed_units", flat=True).order_by("sequence")) == [80, 100]


def test_vendor_declines_with_a_reason(ops_client, vendor):
    promotion = shared_promotion(vendor)
    assert ops_client.post(f"/planning/promotions/{promotion.pk}/decline/", {"decline-reason": ""}).status_code == 400
    ops_client.post(f"/planning/promotions/{promotion.pk}/decline/", {"decline-reason": "No stock"})
    promotion.refresh_from_db()
    assert promotion.state == PromotionState.DECLINED and promotion.decline_reason == "No stock"


def test_vendor_cannot_open_a_draft_nor_act_for_the_buyer(ops_client, vendor):
    draft = draft_promotion(vendor)
    assert ops_client.get(f"/planning/promotions/{draft.pk}/").status_code == 404
    assert ops_client.post(f"/planning/promotions/{draft.pk}/share/").status_code == 403
    assert ops_client.get("/planning/promotions/new/").status_code == 403


def test_finance_sees_promotions_but_cannot_confirm(client, vendor):
    promotion = shared_promotion(vendor)
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE))
    page = client.get(f"/planning/promotions/{promotion.pk}/")
    assert page.status_code == 200 and not page.context["can_confirm"]
    assert client.post(f"/planning/promotions/{promotion.pk}/confirm/", {}).status_code == 403


def test_buyer_creates_shares_and_cancels_a_promotion_on_screen(buyer_client, vendor):
    kettle, lamp = ProductFactory(vendor=vendor), ProductFactory(vendor=vendor)
    marketplace("US")
    start = datetime.date.today() + datetime.timedelta(days=20)
    form = {
        "vendor": vendor.code,
        "marketplace": "US",
        "name": "Spring sale",
        "promotion_type": "price_discount",
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=6)).isoformat(),
        "buyer_note": "",
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-product": kettle.vendor_sku,
        "lines-0-promotional_price": "19.99",
        "lines-0-expected_units": "300",
        "lines-0-vendor_funding_per_unit": "3",
        "lines-1-product": lamp.asin,
        "lines-1-promotional_price": "9.50",
        "lines-1-expected_units": "120",
        "lines-1-vendor_funding_per_unit": "",
    }
    bad = buyer_client.post("/planning/promotions/new/", {**form, "lines-1-product": "NOPE"})
    assert bad.status_code == 400 and "No product NOPE" in bad.content.decode() and not Promotion.objects.exists()
    response = buyer_client.post("/planning/promotions/new/", form)
    promotion = Promotion.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/planning/promotions/{promotion.pk}/"
    assert promotion.state == PromotionState.DRAFT and [line.product for line in promotion.lines.order_by("sequence")] == [kettle, lamp]
    assert buyer_client.get(f"/planning/promotions/{promotion.pk}/edit/").status_code == 200
    buyer_client.post(f"/planning/promotions/{promotion.pk}/share/")
    promotion.refresh_from_db()
    assert promotion.state == PromotionState.SHARED
    assert buyer_client.get(f"/planning/promotions/{promotion.pk}/edit/").status_code == 302  # no longer a draft
    buyer_client.post(f"/planning/promotions/{promotion.pk}/cancel/", {"cancel-reason": "Budget cut"})
    promotion.refresh_from_db()
    assert promotion.state == PromotionState.CANCELLED and promotion.cancel_reason == "Budget cut"


def test_home_counts_promotions_waiting_for_the_vendor(ops_client, vendor):
    shared_promotion(vendor, name="A")
    shared_promotion(vendor, name="B")
    draft_promotion(vendor, name="C")
    cards = {str(card["label"]): card["count"] for card in ops_client.get("/").context["cards"]}
    assert cards["Promotions to confirm"] == 2


def test_navigation_offers_forecasts_and_promotions_to_every_role(client, vendor):
    for user in (vendor_user(vendor, Role.VENDOR_FINANCE), retailer_user(Role.RECEIVING)):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert 'href="/planning/forecasts/"' in page and 'href="/planning/promotions/"' in page


def test_downloads_with_filters_that_cannot_apply_are_refused_at_once(ops_client, vendor):
    from vendor_portal.models import Job

    streamed = ops_client.get("/planning/forecasts/export.csv?week_from=soon")
    queued = ops_client.post("/planning/forecasts/export.xlsx?week_from=soon")
    assert (streamed.status_code, streamed.url) == (queued.status_code, queued.url) == (302, "/planning/forecasts/?week_from=soon")
    assert not Job.objects.exists()  # no job queued to fail later in the worker
