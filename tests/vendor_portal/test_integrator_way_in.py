"""The integrator's way in: the sidebar links the API docs, the docs lead back and speak the page's
language in readable colours, and home shows failing webhooks and expiring tokens."""

import datetime

import pytest
from django.utils import timezone, translation

from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import vendor_user
from tests.webhooks.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.tokens import api_token_create


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in Chinese leaves its language active in this thread: the next test starts in English again."""
    yield
    translation.activate("en")


def cards(client) -> dict[str, tuple[str, str]]:
    response = client.get("/")
    return {str(card["label"]): (card["url"], card["count"]) for card in response.context["cards"]}


@pytest.mark.django_db
@pytest.mark.parametrize("role, sees", [(Role.INTEGRATOR, True), (Role.VENDOR_ADMIN, True), (Role.VENDOR_FINANCE, False)])
def test_the_sidebar_links_the_api_docs_for_integrators_and_admins(client, vendor, role, sees):
    client.force_login(vendor_user(vendor, role))
    assert ('href="/api/docs/"' in client.get("/").content.decode().split('id="main-nav"')[1].split("</nav>")[0]) is sees


@pytest.mark.django_db
def test_home_counts_failing_webhooks_and_tokens_expiring_soon(client, vendor, other_vendor):
    now = timezone.now()
    api_token_create(vendor=vendor, name="soon", scopes=["orders:read"], actor=Actor.system(), expires_at=now + datetime.timedelta(days=5))
    api_token_create(vendor=vendor, name="later", scopes=["orders:read"], actor=Actor.system(), expires_at=now + datetime.timedelta(days=60))
    api_token_create(vendor=other_vendor, name="theirs", scopes=["orders:read"], actor=Actor.system(), expires_at=now + datetime.timedelta(days=5))
    failing = WebhookSubscriptionFactory(vendor=vendor)
    WebhookDeliveryFactory(subscription=failing)
    WebhookDeliveryFactory(subscription=failing)
    WebhookDeliveryFactory(subscription=WebhookSubscriptionFactory(vendor=vendor), status="succeeded", attempts=1, response_status_code=200)
    WebhookDeliveryFactory(subscription=WebhookSubscriptionFactory(vendor=other_vendor))

    client.force_login(vendor_user(vendor, Role.INTEGRATOR))
    integrator = cards(client)
    assert integrator["API tokens expiring within 14 days"] == ("/api/docs/", 1)
    assert integrator["Webhooks failing in the last 7 days"] == ("/api/docs/", 1)
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    admin = cards(client)
    assert admin["API tokens expiring within 14 days"] == ("/settings/", 1)
    assert admin["Webhooks failing in the last 7 days"] == ("/settings/webhooks/", 1)
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert "API tokens expiring within 14 days" not in cards(client)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_api_docs_name_their_language_and_lead_back_to_the_portal(client, vendor, language):
    client.force_login(vendor_user(vendor, Role.INTEGRATOR))
    html = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}">' in html
    assert 'data-testid="docs-back" href="/"' in html or 'href="/" data-testid="docs-back"' in html


# WCAG 2 contrast of every visible text node against the first opaque background behind it.
CONTRAST_PROBLEMS = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3); } return [255, 255, 255]; };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.opacity === "0") continue;
    const fg = rgb(style.color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) problems.push(`${el.className || el.tagName}: "${node.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return problems;
}"""


@pytest.mark.browser
def test_the_api_docs_pass_contrast_and_lead_back(live_server, transactional_db, page, vendor):  # noqa: F811
    vendor_user(vendor, Role.INTEGRATOR, username="integrator")
    login(page, live_server, "integrator", "demo-password")
    page.get_by_role("link", name="API documentation").click()
    page.wait_for_url("**/api/docs/")
    page.locator(".opblock-tag").first.wait_for(timeout=90_000)  # the schema is generated on the first request
    page.locator(".opblock-tag").first.click()  # an open section shows the operations' method badges too
    page.locator(".opblock-summary-method").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate(CONTRAST_PROBLEMS) == []
    page.get_by_test_id("docs-back").click()
    page.wait_for_url(f"{live_server.url}/")
