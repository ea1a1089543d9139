"""Compliance objects for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py): a draft rate
card (drafts are the retailer's: a vendor gets 404, and every write is the retailer admin's: 403), and an ACME PO
at risk in the forecast, which GLOBEX must never see."""

from compliance.models import FeeType, Measure, RateCard, RateCardRule, ViolationKind, Waiver
from reconciliation.models import marketplace_today
from tests.compliance.factories import WEEK, on_time_rule, published_card, purchase_order, this_week
from tests.factories import marketplace


def build(world, vendor):
    on_time_rule(published_card(effective_from=this_week() - 4 * WEEK), waiver_above=None)
    purchase_order(vendor, "ACMESECRET-C", 20, promised=marketplace_today(marketplace("US")))
    draft = RateCard.objects.create(marketplace=marketplace("US"), version=2, currency="USD")
    rule = RateCardRule.objects.create(
        rate_card=draft, violation=ViolationKind.NOT_FILLED, measure=Measure.FILL_RATE, threshold=98, fee_type=FeeType.PERCENT_OF_COGS, fee_amount=5
    )
    world["rate_card"], world["rate_card_rule"] = draft, rule
    world["waiver"] = Waiver.objects.create(rule=rule, measure=Measure.FILL_RATE, threshold=99)


def _card(world):
    return {"pk": world["rate_card"].pk}


def _rule(world):
    return {"pk": world["rate_card"].pk, "rule_pk": world["rate_card_rule"].pk}


URL_KWARGS: dict = {
    "rate_card_detail": _card,
    "rule_add": _card,
    "rate_card_publish": _card,
    "rate_card_edit": lambda world: {"code": "US"},
    "rule_edit": _rule,
    "rule_delete": _rule,
    "waiver_add": _rule,
    "waiver_delete": lambda world: {"pk": world["rate_card"].pk, "waiver_pk": world["waiver"].pk},
}
