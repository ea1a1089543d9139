"""The scorecard's "Refresh this week" in a real browser at phone width: the job's progress shows in place and the
page reloads with the week's figures once they are stored."""

import pytest

from scorecards.metrics import week_start
from scorecards.models import ScorecardWeek
from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import vendor_user
from tests.purchase_orders.factories import PurchaseOrderFactory, PurchaseOrderLineFactory
from vendor_portal.roles import Role


@pytest.mark.browser
def test_refresh_this_week_reloads_the_figures_when_the_job_is_done(live_server, transactional_db, page, vendor):  # noqa: F811
    import datetime

    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    PurchaseOrderLineFactory(purchase_order=PurchaseOrderFactory(vendor=vendor), ordered_quantity=12)
    this_week = week_start(datetime.datetime.now(datetime.UTC))
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "acme-ops", "demo-password")
    page.goto(f"{live_server.url}/scorecards/?week={this_week.isoformat()}&period=1")
    assert "figures computed" not in page.get_by_test_id("scorecard-period").inner_text()  # nothing stored yet
    button = page.get_by_test_id("scorecard-refresh-button")
    assert button.is_visible()
    button.click()
    # The job ran (eagerly here); the poll finds it done and the page reloads with the stored week.
    page.wait_for_function("() => document.querySelector('[data-testid=scorecard-period]').innerText.includes('figures computed')")
    assert ScorecardWeek.objects.filter(vendor=vendor, week=this_week).exists()
