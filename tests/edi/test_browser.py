"""A vendor ops person uploads an 855 in a real browser at phone width: the interchange's page shows the job
waiting for a worker, polls it, and shows the outcome by itself once a worker has applied the file."""

import pytest

from edi.models import Interchange, InterchangeStatus
from edi.services.uploads import EDI_RECEIVE_JOB_KIND, edi_upload_run
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.edi.test_django_inbound import accept_all_855, trading_partner
from tests.factories import vendor_user
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.celery import app as celery_app
from vendor_portal.models import Job
from vendor_portal.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.security]


@pytest.fixture
def no_worker():
    """Tasks go to the broker and stay there: the test plays the worker."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def test_an_upload_shows_its_progress_then_its_outcome_at_phone_width(transactional_db, live_server, page, vendor, no_worker, tmp_path):  # noqa: F811
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    trading_partner(vendor)
    po = purchase_order_with_lines(vendor, lines=2)
    upload = tmp_path / "ack-855.edi"
    upload.write_text(accept_all_855(po))
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "acme-ops", "demo-password")

    page.goto(f"{live_server.url}/edi/upload/")
    page.get_by_label("X12 file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and process").click()
    page.wait_for_url("**/edi/*/")
    progress = page.get_by_test_id("interchange-progress")
    assert progress.get_attribute("data-status") == "received"
    assert "Waiting for a worker" in progress.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "edi_upload_waiting_390.png"), full_page=True)

    edi_upload_run(job_id=Job.objects.get(kind=EDI_RECEIVE_JOB_KIND).pk)  # what the worker does

    page.get_by_test_id("interchange-status").filter(has_text="Accepted").wait_for()  # htmx polled, then reloaded
    assert page.get_by_test_id("interchange-progress").count() == 0
    assert po.number in page.get_by_test_id("interchange-sets").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SCREENSHOTS / "edi_upload_applied_390.png"), full_page=True)
    assert Interchange.objects.get(filename="ack-855.edi").status == InterchangeStatus.ACCEPTED
