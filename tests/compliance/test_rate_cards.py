"""The retailer admin's rate card: drafts copy the version in force, published versions are never edited, and a
new version changes future weeks only; only the retailer admin edits."""

from decimal import Decimal

import pytest

from compliance.models import RateCard, RateCardStatus
from compliance.services import rate_cards
from compliance.services.evaluation import compliance_evaluate_week
from reconciliation.models import Deduction
from tests.compliance.factories import DAY, WEEK, on_time_rule, published_card, purchase_order, shipped, this_week
from tests.factories import marketplace, retailer_user, vendor_user
from vendor_portal.errors import DomainValidationError, ForbiddenError, InvalidTransitionError
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db

ADMIN = Scope(is_retailer=True, roles=frozenset({Role.RETAILER_ADMIN}))


def _rule_data(rule, **changes):
    return {name: getattr(rule, name) for name in rate_cards.RULE_FIELDS} | changes


def test_editing_the_rate_card_changes_future_weeks_only(vendor):
    week_a, next_week = this_week() - 2 * WEEK, this_week() + WEEK
    v1 = published_card(effective_from=week_a - 4 * WEEK)
    rule_v1 = on_time_rule(v1)
    actor = Actor(user=retailer_user(Role.RETAILER_ADMIN))

    # A published version is never edited...
    with pytest.raises(InvalidTransitionError):
        rate_cards.rate_card_rule_save(scope=ADMIN, actor=actor, rate_card=v1, rule=rule_v1, data=_rule_data(rule_v1, fee_amount="5"))
    # ...editing starts a draft copying it, rules and waivers.
    draft = rate_cards.rate_card_draft(scope=ADMIN, actor=actor, marketplace=v1.marketplace)
    assert (draft.version, draft.status) == (2, RateCardStatus.DRAFT)
    rule_v2 = draft.rules.get()
    assert rule_v2.waivers.get().threshold == Decimal("90")
    rate_cards.rate_card_rule_save(scope=ADMIN, actor=actor, rate_card=draft, rule=rule_v2, data=_rule_data(rule_v2, fee_amount="5"))
    # It cannot take effect in a week that is running (or past), nor on another day than Monday.
    with pytest.raises(DomainValidationError):
        rate_cards.rate_card_publish(scope=ADMIN, actor=actor, rate_card=draft, effective_from=this_week())
    with pytest.raises(DomainValidationError):
        rate_cards.rate_card_publish(scope=ADMIN, actor=actor, rate_card=draft, effective_from=next_week + DAY)
    rate_cards.rate_card_publish(scope=ADMIN, actor=actor, rate_card=draft, effective_from=next_week)
    assert AuditEvent.objects.filter(action="rate_card.publish", object_id=str(draft.pk)).exists()

    # The same 10 late units at 10.00 cost: 3% under version 1 in a past week, 5% under version 2 next week.
    shipped(purchase_order(vendor, "PO-PAST", 10, promised=week_a), week_a + 2 * DAY)
    shipped(purchase_order(vendor, "PO-NEXT", 10, promised=next_week), next_week + 2 * DAY)
    compliance_evaluate_week(week=week_a)
    compliance_evaluate_week(week=next_week)
    charged = {d.purchase_order.number: (d.amount, d.evidence["rate_card"]["version"]) for d in Deduction.objects.filter(vendor=vendor)}
    assert charged == {"PO-PAST": (Decimal("3.00"), 1), "PO-NEXT": (Decimal("5.00"), 2)}
    # The rule of version 1 is as it was.
    rule_v1.refresh_from_db()
    assert rule_v1.fee_amount == Decimal("3")


def test_only_the_retailer_admin_writes_the_rate_card(vendor):
    us = marketplace("US")
    for scope in (
        Scope(vendor=vendor, roles=frozenset({Role.VENDOR_ADMIN})),
        Scope(is_retailer=True, roles=frozenset({Role.BUYER})),
        Scope(is_retailer=True, roles=frozenset({Role.ACCOUNTS_PAYABLE})),
    ):
        with pytest.raises(ForbiddenError):
            rate_cards.rate_card_draft(scope=scope, actor=Actor.system(), marketplace=us)
    assert not RateCard.objects.exists()


def test_a_rule_is_checked_before_it_is_saved():
    actor = Actor(user=retailer_user(Role.RETAILER_ADMIN))
    draft = rate_cards.rate_card_draft(scope=ADMIN, actor=actor, marketplace=marketplace("US"))
    data = {
        "violation": "not_filled",
        "measure": "fill_rate_confirmed",
        "threshold": "105",
        "trailing_weeks": 1,
        "fee_type": "percent_of_cogs",
        "fee_amount": "5",
    }
    with pytest.raises(DomainValidationError) as error:
        rate_cards.rate_card_rule_save(scope=ADMIN, actor=actor, rate_card=draft, data=data)
    assert error.value.field_errors()[0].field == "threshold"
    rate_cards.rate_card_rule_save(scope=ADMIN, actor=actor, rate_card=draft, data=data | {"threshold": "98"})
    with pytest.raises(DomainValidationError):  # one rule per violation
        rate_cards.rate_card_rule_save(scope=ADMIN, actor=actor, rate_card=draft, data=data | {"threshold": "95"})
    with pytest.raises(DomainValidationError):  # an empty draft cannot be published
        rate_cards.rate_card_publish(
            scope=ADMIN,
            actor=actor,
            rate_card=rate_cards.rate_card_draft(scope=ADMIN, actor=actor, marketplace=marketplace("DE")),
            effective_from=this_week() + WEEK,
        )


class TestScreens:
    def test_vendors_read_published_versions_and_never_drafts(self, client, vendor):
        published = published_card(effective_from=this_week() - WEEK)
        on_time_rule(published)
        draft = RateCard.objects.create(marketplace=published.marketplace, version=2, currency="USD")
        client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
        page = client.get(f"/compliance/rate-cards/{published.pk}/")
        assert page.status_code == 200
        assert "3% of cost of goods" in page.content.decode() and "Late shipment (on-time)" in page.content.decode()
        assert client.get(f"/compliance/rate-cards/{draft.pk}/").status_code == 404
        assert client.post("/compliance/rate-cards/edit/US/").status_code == 403
        assert client.post(f"/compliance/rate-cards/{draft.pk}/publish/", {"effective_from": (this_week() + WEEK).isoformat()}).status_code == 403

    def test_buyer_may_not_edit(self, client):
        client.force_login(retailer_user(Role.BUYER))
        assert client.post("/compliance/rate-cards/edit/US/").status_code == 403

    def test_retailer_admin_drafts_adds_a_rule_and_a_waiver_and_publishes_after_confirming(self, client):
        marketplace("US")
        client.force_login(retailer_user(Role.RETAILER_ADMIN))
        response = client.post("/compliance/rate-cards/edit/US/")
        card = RateCard.objects.get()
        assert response.status_code == 302 and response.url == f"/compliance/rate-cards/{card.pk}/"
        rule = {
            "new-violation": "late_shipment",
            "new-measure": "on_time_shipment",
            "new-threshold": "100",
            "new-trailing_weeks": "1",
            "new-fee_type": "percent_of_cogs",
            "new-fee_amount": "3",
        }
        assert client.post(f"/compliance/rate-cards/{card.pk}/rules/", rule).status_code == 302
        saved = card.rules.get()
        waiver = {"waiver-measure": "on_time_shipment", "waiver-comparison": "above", "waiver-threshold": "90", "waiver-trailing_weeks": "4"}
        assert client.post(f"/compliance/rate-cards/{card.pk}/rules/{saved.pk}/waivers/", waiver).status_code == 302
        assert saved.waivers.get().trailing_weeks == 4

        monday = (this_week() + WEEK).isoformat()
        asked = client.post(f"/compliance/rate-cards/{card.pk}/publish/", {"effective_from": monday})
        assert asked.status_code == 200 and "can no longer be edited" in asked.content.decode()
        card.refresh_from_db()
        assert card.is_draft
        client.post(f"/compliance/rate-cards/{card.pk}/publish/", {"effective_from": monday, "confirmed": "yes"})
        card.refresh_from_db()
        assert (card.status, card.effective_from.isoformat()) == ("published", monday)
        # A published card offers no editing any more.
        page = client.get(f"/compliance/rate-cards/{card.pk}/").content.decode()
        assert 'data-testid="rule-add"' not in page
