"""On a phone (390 x 844): a vendor asks for a DC appointment from its ASN, the DC's receiving team confirms it
on the dock calendar, and no page scrolls sideways."""

import pytest

from appointments.models import Appointment, AppointmentState
from tests.appointments.factories import at, day_ahead, dock, submitted_asn
from tests.browser_support import SCREENSHOTS, TIMEOUT_MS, browser, login  # noqa: F401
from tests.factories import retailer_user, vendor_user
from vendor_portal.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):  # noqa: F811
    """A fresh phone-sized context per person: no cookies shared."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport=PHONE, locale="en-US", timezone_id="UTC", is_mobile=True, has_touch=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def assert_fits(page):
    """Nothing wider than the screen: the page does not scroll sideways. (A mobile browser widens its layout
    viewport to content that overflows, so the page is measured against the phone's width, not innerWidth.)"""
    width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px screen"


def test_a_vendor_books_and_the_dc_confirms_on_a_phone(live_server, phone, vendor):
    dock(doors=2)
    shipment = submitted_asn(vendor, "ASN-PHONE-1")
    vendor_user(vendor, Role.VENDOR_OPS, username="ops")
    retailer_user(Role.RECEIVING, username="dock")
    day = day_ahead()

    ops = phone()
    login(ops, live_server, "ops", "demo-password")
    ops.goto(f"{live_server.url}/shipments/{shipment.pk}/")
    ops.get_by_test_id("request-appointment").click()
    ops.wait_for_url(f"**/appointments/new/?shipment={shipment.pk}")
    assert_fits(ops)
    ops.get_by_label("Delivery day").fill(day.isoformat())
    ops.get_by_label("Earliest arrival").fill("09:00")
    ops.get_by_label("Latest arrival").fill("12:00")
    ops.get_by_label("Note for the DC").fill("Tail-lift truck")
    ops.get_by_test_id("request-submit").click()
    ops.get_by_text("requested; the DC will confirm it.").wait_for()
    appointment = Appointment.objects.get(shipment=shipment)
    assert (appointment.state, appointment.slot_start, appointment.door) == (AppointmentState.REQUESTED, at(day, 9), 1)
    assert ops.get_by_test_id("appointment-state").inner_text() == "Requested"
    assert_fits(ops)

    dc = phone()
    login(dc, live_server, "dock", "demo-password")
    dc.goto(f"{live_server.url}/appointments/calendar/?dc=ABE2&week={day.isoformat()}")
    assert_fits(dc)
    slot = dc.get_by_test_id(f"slot-{day.isoformat()}T09:00")
    assert "1 of 2 doors booked" in slot.inner_text()
    dc.screenshot(path=SCREENSHOTS / "appointments_calendar_phone.png", full_page=True)
    slot.get_by_role("button", name=f"Confirm {appointment.reference}").click()
    dc.get_by_text("Appointment confirmed.").wait_for()
    assert dc.get_by_test_id("appointment-state").inner_text() == "Confirmed"
    assert_fits(dc)
    dc.screenshot(path=SCREENSHOTS / "appointments_confirmed_phone.png", full_page=True)

    ops.reload()
    assert ops.get_by_test_id("appointment-state").inner_text() == "Confirmed"
    ops.goto(f"{live_server.url}/appointments/")
    assert_fits(ops)
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CONFIRMED
