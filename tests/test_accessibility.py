"""axe-core over every main page of every demo role: no critical or serious violation, no content security policy
violation, and no main page wider than a 390 px handheld.

One test walks all the roles over one seeded portal (seeding takes most of a minute; transactional_db would
flush it between tests) and reports every failure at the end, named by role and page.
"""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from invoicing.models import Invoice, InvoiceState
from purchase_orders.models import PurchaseOrder, PurchaseOrderState
from tests.browser_support import TIMEOUT_MS, VIEWPORT, browser, login, page  # noqa: F401
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser

ROLES = ["acme-ops", "acme-finance", "acme-admin", "acme-integrator", "retail-buyer", "retail-receiving", "retail-ap", "retail-admin"]
BLOCKING = {"critical", "serious"}
HANDHELD = {"width": 390, "height": 844}
axe = Axe()


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    """The demo's remittance PDFs and evidence go to this test's folder, not the shared var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


class Audit:
    """Visits pages in one browser context and collects what is wrong with them, as readable lines."""

    def __init__(self, chromium, base_url: str, who: str):
        self.base_url, self.who, self.failures, self.csp = base_url, who, [], []
        self.context = chromium.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="UTC")
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: "Content Security Policy" in message.text and self.csp.append(message.text))

    def visit(self, path: str, *, handheld: bool = False, ready: str | None = None) -> None:
        self.page.goto(self.base_url + path)
        if ready:
            self.page.wait_for_selector(ready, timeout=120_000)  # Swagger UI builds the whole schema first
        self.page.wait_for_timeout(100)  # deferred scripts and their console reports
        where = f"{self.who} {path}"
        for violation in axe.run(self.page, options={"resultTypes": ["violations"]}).response["violations"]:
            if violation["impact"] in BLOCKING:
                node = violation["nodes"][0]
                self.failures.append(
                    f"{where}: {violation['impact']} {violation['id']} ×{len(violation['nodes'])} — {violation['help']}\n"
                    f"      first: {node['html'][:160]}"
                )
        for text in self.csp:
            self.failures.append(f"{where}: content security policy: {text[:200]}")
        self.csp.clear()
        if handheld:
            self.page.set_viewport_size(HANDHELD)
            width = self.page.evaluate("document.documentElement.scrollWidth")
            if width > HANDHELD["width"] + 1:
                self.failures.append(f"{where}: {width} px wide at 390 px (scrolls sideways)")
            self.page.set_viewport_size(VIEWPORT)

    def links(self, selector: str) -> list[str]:
        hrefs = self.page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
        return list(dict.fromkeys(h.split("#")[0] for h in hrefs if h and h.startswith("/")))

    def close(self) -> None:
        self.context.close()


def _editors() -> dict[str, list[str]]:
    """The line editors: a PO waiting for its confirmation and a draft invoice, opened by the roles that edit them."""
    po = PurchaseOrder.objects.filter(vendor__code="ACME", state=PurchaseOrderState.NEW).order_by("number").first()
    invoice = Invoice.objects.filter(vendor__code="ACME", state=InvoiceState.DRAFT).order_by("pk").first()
    confirm, edit = f"/purchase-orders/{po.number}/confirm/", f"/invoices/{invoice.pk}/edit/"
    return {"acme-ops": [confirm], "acme-finance": [edit], "acme-admin": [confirm, edit]}


def test_every_page_of_every_role_passes_axe_csp_and_fits_a_handheld(live_server, transactional_db, browser):  # noqa: F811
    call_command("seed_demo", stdout=io.StringIO())
    editors = _editors()
    failures = []

    anonymous = Audit(browser, live_server.url, "anonymous")
    anonymous.visit("/accounts/login/", handheld=True)
    if not anonymous.page.locator("main select[name=language]").count():
        failures.append("anonymous /accounts/login/: no language switch")
    failures += anonymous.failures
    anonymous.close()

    for username in ROLES:
        audit = Audit(browser, live_server.url, username)
        login(audit.page, live_server, username, "demo")
        main_pages = audit.links("nav.side a")
        assert main_pages, f"{username} has no side navigation"
        for path in main_pages:
            audit.visit(path, handheld=True)
            for detail in audit.links("main table a[href^='/']")[:1]:
                audit.visit(detail)
        for path in editors.get(username, []):
            audit.visit(path, handheld=True)
        if username == "acme-integrator":  # the same page for everyone: once is enough
            audit.visit("/api/docs/", ready=".opblock")
        if username == "acme-ops":  # a person's own page, the same for everyone
            audit.visit("/accounts/time-zone/", handheld=True)
        failures += audit.failures
        audit.close()

    assert not failures, f"{len(failures)} accessibility failures:\n" + "\n".join(failures)


def test_below_800_px_the_menu_button_opens_the_navigation_and_a_skip_link_leads_to_the_content(live_server, transactional_db, page):  # noqa: F811
    membership = MembershipFactory()
    login(page, live_server, membership.user.username, "demo-password")
    page.set_viewport_size(HANDHELD)
    navigation = page.locator("#main-nav")
    assert not navigation.is_visible()
    page.get_by_role("button", name="Menu").click()
    assert navigation.is_visible()
    assert page.evaluate("document.activeElement.closest('#main-nav') !== null")
    page.keyboard.press("Escape")
    assert not navigation.is_visible()

    page.set_viewport_size(VIEWPORT)
    page.reload()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    skip.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
