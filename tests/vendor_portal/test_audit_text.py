"""The History reads as sentences with labelled values: never an action key, dict text or ISO time stamp."""

import re

import pytest
from django.utils import translation

from tests.factories import vendor_user
from vendor_portal.audit_text import SENTENCES, audit_story, labelled_values
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.tokens import api_token_create, api_token_revoke


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in Chinese leaves its language active in this thread: the next test starts in English again."""
    yield
    translation.activate("en")


ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RAW = ("{'", "'}", "api_token.", "revoked_at", "payment_run.", "net {")


@pytest.fixture
def payment_event(vendor):
    token, _ = api_token_create(vendor=vendor, name="ERP", scopes=["orders:read"], actor=Actor.system())
    # The numbers a payment-run approval records, on a row of its own.
    return audit_record(
        actor=Actor.system(),
        action="payment_run.request_approval",
        obj=token,
        before={"status": "draft"},
        after={
            "status": "pending_approval",
            "net": {"CAD": "38642.88", "USD": "1250.5"},
            "pay_date": "2026-12-03",
            "approved_at": "2026-12-03T14:03:25+00:00",
        },
    )


def assert_readable(text: str) -> None:
    assert not ISO_STAMP.search(text), text
    for raw in RAW:
        assert raw not in text, (raw, text)


@pytest.mark.django_db
def test_a_revoked_token_reads_as_a_sentence_with_a_labelled_time_and_its_zone(vendor):
    admin = vendor_user(vendor, Role.VENDOR_ADMIN)
    token, _ = api_token_create(vendor=vendor, name="SAP prod", scopes=["orders:read"], actor=Actor(user=admin))
    api_token_revoke(token=token, actor=Actor(user=admin))
    story = audit_story(AuditEvent.objects.get(action="api_token.revoke"))
    assert story.sentence == f"API token {token} revoked"
    [change] = story.changes
    assert change.label == "Revoked at" and change.before == "—"
    assert change.after.endswith(" UTC")
    assert_readable(change.after)


@pytest.mark.django_db
def test_money_maps_read_as_amounts_with_thousands_separators(payment_event):
    story = audit_story(payment_event)
    changes = {change.label: change for change in story.changes}
    assert changes["Net"].after == "38,642.88 CAD, 1,250.50 USD"
    assert changes["Pay date"].after == "Dec. 3, 2026"
    assert changes["Approved at"].after.endswith("UTC") and "2026" in changes["Approved at"].after
    assert story.sentence.startswith("Payment run ")
    for change in story.changes:
        assert_readable(f"{change.label} {change.before} {change.after}")


@pytest.mark.django_db
def test_in_chinese_the_sentence_comes_from_the_catalogue_and_stays_free_of_raw_values(payment_event):
    with translation.override("zh-hans"):
        story = audit_story(payment_event)
        # The same sentence the message catalogue gives for this action kind, in the active language.
        assert story.sentence == str(SENTENCES["payment_run.request_approval"]) % {"object": payment_event.object_repr}
        assert translation.get_language() == "zh-hans"
        net = next(change for change in story.changes if "CAD" in change.after)
        assert "38" in net.after and "642.88 CAD" in net.after
        for change in story.changes:
            assert_readable(f"{change.label} {change.before} {change.after}")


@pytest.mark.django_db
def test_an_unknown_action_kind_still_reads_as_a_sentence(vendor):
    token, _ = api_token_create(vendor=vendor, name="ERP", scopes=None, actor=Actor.system())
    event = audit_record(actor=Actor.system(), action="api_token.polish", obj=token, after={"mood": {"shiny": True}})
    story = audit_story(event)
    assert "api_token" not in story.sentence and "ERP" in story.sentence
    assert story.changes[0].after == "Shiny: Yes"


def test_evidence_reads_with_labels_and_money_in_its_currency():
    rows = dict(
        labelled_values(
            {"po_cost": "12.50", "shortage_claim": "1234.5", "shortage_units": 1200, "currency": "EUR", "tolerance": {"over_percent": "5"}}
        )
    )
    assert rows == {
        "PO unit cost": "12.50 EUR",
        "Shortage claim (PQV)": "1,234.50 EUR",
        "Units short": "1,200",
        "Tolerance": "Over by at most (%): 5",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_audit_trail_page_shows_sentences_not_keys(client, vendor, language):
    admin = vendor_user(vendor, Role.VENDOR_ADMIN)
    token, _ = api_token_create(vendor=vendor, name="SAP prod", scopes=["orders:read"], actor=Actor(user=admin))
    api_token_revoke(token=token, actor=Actor(user=admin))
    client.force_login(admin)
    client.cookies["django_language"] = language
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'lang="{language}"' in page
    body = page[page.index("<tbody>") :]
    assert_readable(body)
    with translation.override(language):
        assert str(SENTENCES["api_token.revoke"]) % {"object": str(token)} in body
