"""A vendor ops person in a real browser: opens a product's demand forecast chart, then confirms the units
it commits to a promotion, one line below what the retailer expects."""

import pytest

from planning.models import Promotion, PromotionState
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.factories import ProductFactory, vendor_user
from tests.planning.factories import publish, rows_for, shared_promotion
from vendor_portal.roles import Role

CHART_SCREENSHOT = SCREENSHOTS / "planning_forecast_chart.png"
PROMOTION_SCREENSHOT = SCREENSHOTS / "planning_promotion_confirmed.png"


@pytest.mark.browser
def test_vendor_opens_a_forecast_chart_and_confirms_a_promotion(transactional_db, live_server, page, vendor):  # noqa: F811
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    kettle = ProductFactory(vendor=vendor, vendor_sku="KTL-1700-SS", title="Acme stainless steel kettle 1.7 L")
    toaster = ProductFactory(vendor=vendor, vendor_sku="TST-2S-BLK", title="Acme 2-slice toaster, black")
    publish(vendor, rows_for(kettle, "US", 26, mean=120, step=4) + rows_for(toaster, "US", 26, mean=60))
    publish(vendor, rows_for(kettle, "US", 4, mean=150))  # a revision: the chart shows the previous mean too
    promotion = shared_promotion(vendor, [kettle, toaster], name="Holiday kitchen deal", expected=100)
    login(page, live_server, "acme-ops", "demo-password")

    page.goto(f"{live_server.url}/planning/forecasts/")
    table = page.get_by_test_id("forecast-table")
    assert table.locator("svg.spark").count() == 2
    table.get_by_role("link", name="KTL-1700-SS").click()
    page.wait_for_url(f"**/planning/forecasts/{kettle.pk}/**")
    canvas = page.get_by_test_id("forecast-chart")
    page.wait_for_function("document.getElementById('forecast-chart').dataset.ready === 'true'")
    drawn = page.evaluate(
        """() => {
            const chart = document.getElementById('forecast-chart').chart;
            return {labels: chart.data.labels.length, datasets: chart.data.datasets.map((d) => d.data.length),
                    mean: chart.data.datasets[3].data.slice(0, 5), band: chart.data.datasets[0].fill};
        }"""
    )
    assert drawn["labels"] == 26 and drawn["datasets"] == [26, 26, 26, 26, 26]  # band top, band bottom, P80, mean, previous
    assert drawn["mean"] == [150, 150, 150, 150, 136] and drawn["band"] == "+1"
    assert canvas.bounding_box()["height"] > 200
    page.screenshot(path=CHART_SCREENSHOT, full_page=True)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Promotions to confirm").click()
    page.get_by_role("link", name="Holiday kitchen deal").click()
    page.wait_for_url(f"**/planning/promotions/{promotion.pk}/")
    assert page.get_by_test_id("promotion-state").inner_text() == "Shared"
    page.get_by_label("Committed units, line 1").fill("150")  # above the expected 100
    page.get_by_label("Committed units, line 2").fill("100")
    page.get_by_test_id("promotion-confirm").click()
    # The browser refuses the value above the field's max before anything is sent.
    assert page.evaluate("() => document.querySelector('[name=line-1-committed_units]').validity.rangeOverflow")
    page.get_by_label("Committed units, line 1").fill("80")
    page.get_by_label("Note, line 1").fill("Half a container arrives after the deal")
    page.get_by_test_id("promotion-confirm").click()
    page.get_by_text("Your commitment to Holiday kitchen deal is saved").wait_for()
    assert page.get_by_test_id("promotion-state").inner_text() == "Confirmed"
    # Still before the deal: the form stays, with the commitment filled in, to revise it.
    assert page.get_by_label("Committed units, line 1").input_value() == "80"
    page.screenshot(path=PROMOTION_SCREENSHOT, full_page=True)
    promotion = Promotion.objects.get()
    assert promotion.state == PromotionState.CONFIRMED
    assert list(promotion.lines.order_by("sequence").values_list("committed_units", flat=True)) == [80, 100]


@pytest.mark.browser
def test_buyer_adds_product_rows_beyond_the_empty_ones_and_saves_them_all(transactional_db, live_server, page, vendor):  # noqa: F811
    """The new-promotion form starts with four empty rows; "Add product" adds more in place, numbered, and all
    six products are saved in order."""
    import datetime

    from tests.factories import marketplace
    from tests.planning.factories import buyer

    marketplace("US")
    buyer()
    products = [ProductFactory(vendor=vendor, vendor_sku=f"DEAL-{n}") for n in range(1, 7)]
    login(page, live_server, "buyer", "demo-password")
    page.goto(f"{live_server.url}/planning/promotions/new/")
    start = datetime.date.today() + datetime.timedelta(days=20)
    page.select_option("[name=vendor]", vendor.code)
    page.select_option("[name=marketplace]", "US")
    page.fill("[name=name]", "Six-product deal")
    page.fill("[name=start_date]", start.isoformat())
    page.fill("[name=end_date]", (start + datetime.timedelta(days=6)).isoformat())
    rows = page.get_by_test_id("promotion-line-rows").locator("tbody tr")
    assert rows.count() == 4
    add = page.get_by_role("button", name="Add product")
    add.click()
    add.click()
    assert rows.count() == 6 and rows.nth(5).locator("td").first.inner_text() == "6"
    assert page.evaluate("() => document.activeElement.name") == "lines-5-product"
    for index, product in enumerate(products):
        page.fill(f"[name=lines-{index}-product]", product.vendor_sku)
        page.fill(f"[name=lines-{index}-promotional_price]", "9.99")
        page.fill(f"[name=lines-{index}-expected_units]", str(100 + index))
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/planning/promotions/*/")
    promotion = Promotion.objects.get()
    assert [line.product.vendor_sku for line in promotion.lines.order_by("sequence")] == [p.vendor_sku for p in products]
    assert list(promotion.lines.order_by("sequence").values_list("expected_units", flat=True)) == [100, 101, 102, 103, 104, 105]
