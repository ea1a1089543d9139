"""A vendor ops person in a real browser: opens a product's demand forecast chart, then confirms the units
it commits to a promotion, one line below what the retailer expects."""
import pytest

from planning.models import Promotion, PromotionState
from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import ProductFactory, vendor_user
from tests.planning.factories import publish, rows_for, shared_promotion
from vendor_portal.roles import Role

CHART_SCREENSHOT = "/tmp/planning_forecast_chart.png"
PROMOTION_SCREENSHOT = "/tmp/planning_promotion_confirmed.png"


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
