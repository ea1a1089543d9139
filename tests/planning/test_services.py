"""Forecast publication and the promotion lifecycle, through the services."""

import datetime
from decimal import Decimal

import pytest

from planning.models import Forecast, ForecastPublication, Promotion, PromotionLine, PromotionState, current_week_start, horizon
from planning.services.forecasts import ForecastRow, forecast_check
from planning.services.promotions import (
    LineCommitment,
    promotion_cancel,
    promotion_confirm,
    promotion_create,
    promotion_decline,
    promotion_reopen,
    promotion_share,
    promotion_update,
    promotions_end_due,
)
from tests.factories import ProductFactory, marketplace, vendor_user
from tests.planning.factories import PLANNER, buyer, buyer_actor, draft_promotion, promotion_input, publish, rows_for, shared_promotion
from vendor_portal.errors import DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError, error_list
from vendor_portal.models import AuditEvent, Notification
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


def vendor_scope(vendor, role=Role.VENDOR_OPS):
    return Scope(vendor=vendor, roles=frozenset({role}))


def codes(error) -> dict:
    return {item["field"]: item["code"] for item in error.value.as_error_list()}


# Forecasts ------------------------------------------------------------------------------------------
def test_publication_stores_every_week_with_its_version_and_tells_the_vendor(vendor, django_capture_on_commit_callbacks):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    product = ProductFactory(vendor=vendor)
    with django_capture_on_commit_callbacks(execute=True):
        publication = publish(vendor, rows_for(product, "US", 26))
    assert (publication.version, publication.row_count, publication.new_count, publication.replaced_count) == (1, 26, 26, 0)
    assert Forecast.objects.current().filter(product=product).count() == 26
    event = AuditEvent.objects.get(action="forecast.publish")
    assert event.vendor_id == vendor.pk and event.after["row_count"] == 26 and event.after["products"] == [f"{product.vendor_sku}/US"]
    assert Notification.objects.filter(user=ops, kind="forecast_published").exists()


def test_republishing_a_week_replaces_its_numbers_and_keeps_the_earlier_version(vendor):
    product = ProductFactory(vendor=vendor)
    first = publish(vendor, rows_for(product, "US", 10, mean=100))
    second = publish(vendor, rows_for(product, "US", 4, mean=150))
    assert (second.version, second.new_count, second.replaced_count) == (2, 0, 4)
    current = Forecast.objects.current().filter(product=product).order_by("week_start")
    assert [row.mean for row in current][:5] == [150, 150, 150, 150, 100]
    assert [row.publication_id for row in current][3:5] == [second.pk, first.pk]
    replaced = Forecast.objects.filter(product=product, superseded_by=second)
    assert replaced.count() == 4 and all(row.publication_id == first.pk and row.mean == 100 for row in replaced)
    assert ForecastPublication.objects.filter(vendor=vendor).count() == 2


def test_publication_refuses_bad_rows_and_saves_nothing(vendor):
    product = ProductFactory(vendor=vendor)
    us = marketplace("US")
    monday = current_week_start(us)
    good = dict(vendor_sku=product.vendor_sku, marketplace="US", mean=Decimal(10), p70=Decimal(12), p80=Decimal(14), p90=Decimal(16))
    rows = [
        ForecastRow(**{**good, "week_start": monday + datetime.timedelta(days=2)}),  # a Wednesday
        ForecastRow(**{**good, "week_start": monday, "p80": Decimal(11)}),  # P80 below P70
        ForecastRow(**{**good, "week_start": monday - datetime.timedelta(weeks=1)}),  # last week
        ForecastRow(**{**good, "week_start": monday + datetime.timedelta(weeks=26)}),  # beyond the horizon
        ForecastRow(**{**good, "week_start": monday + datetime.timedelta(weeks=1), "mean": Decimal(-1)}),
        ForecastRow(**{**good, "week_start": monday + datetime.timedelta(weeks=2), "vendor_sku": "NOPE"}),
        ForecastRow(**{**good, "week_start": monday + datetime.timedelta(weeks=3), "marketplace": "XX"}),
        ForecastRow(**{**good, "week_start": monday + datetime.timedelta(weeks=4), "p90": Decimal("16.555")}),
        ForecastRow(**{**good, "week_start": monday + datetime.timedelta(weeks=5)}),
        ForecastRow(**{**good, "week_start": monday + datetime.timedelta(weeks=5)}),  # the same week twice
    ]
    with pytest.raises(DomainValidationError) as error:
        publish(vendor, rows)
    assert codes(error) == {
        "forecasts[0].week_start": "not_monday",
        "forecasts[1].p80": "percentiles_order",
        "forecasts[2].week_start": "outside_horizon",
        "forecasts[3].week_start": "outside_horizon",
        "forecasts[4].mean": "min_value",
        "forecasts[5].vendor_sku": "unknown_product",
        "forecasts[6].marketplace": "unknown_marketplace",
        "forecasts[7].p90": "max_decimal_places",
        "forecasts[9].week_start": "duplicate",
    }
    assert not Forecast.objects.exists() and not ForecastPublication.objects.exists()


def test_the_last_week_of_the_horizon_is_accepted_and_equal_percentiles_are_fine(vendor):
    product = ProductFactory(vendor=vendor)
    first, last = horizon(marketplace("US"))
    assert (last - first).days == 25 * 7
    row = ForecastRow(
        vendor_sku=product.vendor_sku, marketplace="US", week_start=last, mean=Decimal(0), p70=Decimal(5), p80=Decimal(5), p90=Decimal(5)
    )
    assert not forecast_check(vendor=vendor, rows=[row]).errors


def test_this_week_is_counted_in_the_marketplaces_own_time_zone(vendor):
    product = ProductFactory(vendor=vendor)
    # Sunday 23:30 UTC: Monday already in Berlin, still Sunday in New York.
    sunday_night = datetime.datetime(2026, 11, 29, 23, 30, tzinfo=datetime.UTC)
    new_monday = datetime.date(2026, 11, 30)
    assert current_week_start(marketplace("DE"), sunday_night) == new_monday
    assert current_week_start(marketplace("US"), sunday_night) == new_monday - datetime.timedelta(weeks=1)
    last_week = new_monday - datetime.timedelta(weeks=1)
    rows = [
        ForecastRow(
            vendor_sku=product.vendor_sku, marketplace=mp, week_start=last_week, mean=Decimal(1), p70=Decimal(1), p80=Decimal(1), p90=Decimal(1)
        )
        for mp in ("US", "DE")
    ]
    errors = error_list(forecast_check(vendor=vendor, rows=rows, now=sunday_night).errors)
    assert [error["field"] for error in errors] == ["forecasts[1].week_start"]


def test_only_the_retailers_buyers_publish(vendor):
    product = ProductFactory(vendor=vendor)
    from planning.services.forecasts import forecast_publish

    with pytest.raises(ForbiddenError):
        forecast_publish(scope=vendor_scope(vendor, Role.VENDOR_ADMIN), vendor=vendor, rows=rows_for(product), actor=Actor.system())
    with pytest.raises(ForbiddenError):
        forecast_publish(
            scope=Scope(is_retailer=True, roles=frozenset({Role.RECEIVING})), vendor=vendor, rows=rows_for(product), actor=Actor.system()
        )


def test_a_marketplace_limited_member_sees_only_its_marketplaces_forecasts(vendor):
    from vendor_portal.tenancy import scope_for_user

    product = ProductFactory(vendor=vendor)
    publish(vendor, rows_for(product, "US", 3) + rows_for(product, "DE", 3))
    scope = scope_for_user(vendor_user(vendor, Role.VENDOR_OPS, username="de-only", marketplaces=[marketplace("DE")]))
    assert set(Forecast.objects.visible_to(scope).values_list("marketplace__code", flat=True)) == {"DE"}


# Promotions -----------------------------------------------------------------------------------------
def test_a_draft_is_invisible_to_the_vendor_until_shared(vendor, django_capture_on_commit_callbacks):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    promotion = draft_promotion(vendor)
    assert promotion.state == PromotionState.DRAFT and promotion.lines.count() == 2
    assert not Promotion.objects.visible_to(vendor_scope(vendor)).exists()
    with pytest.raises(NotFoundError):
        promotion_confirm(scope=vendor_scope(vendor), promotion_id=promotion.pk, commitments=[], actor=Actor(user=ops))
    with django_capture_on_commit_callbacks(execute=True):
        promotion_share(scope=PLANNER, promotion_id=promotion.pk, actor=buyer_actor())
    assert Promotion.objects.visible_to(vendor_scope(vendor)).get().state == PromotionState.SHARED
    assert Notification.objects.get(user=ops, kind="promotion_shared").url == f"/planning/promotions/{promotion.pk}/"
    assert Promotion.objects.visible_to(vendor_scope(vendor)).awaiting_vendor().count() == 1


def test_promotion_validation_names_each_problem(vendor):
    product = ProductFactory(vendor=vendor)
    data = promotion_input(vendor, [product, product], days=0, price="5.00", funding="6.00")
    data.end_date = data.start_date - datetime.timedelta(days=1)
    data.name = " "
    with pytest.raises(DomainValidationError) as error:
        promotion_create(scope=PLANNER, data=data, actor=buyer_actor())
    assert codes(error) == {
        "name": "required",
        "start_date": "invalid",
        "end_date": "invalid",
        "lines[0].vendor_funding_per_unit": "invalid",
        "lines[1].vendor_funding_per_unit": "invalid",
        "lines[1].vendor_sku": "duplicate",
    }
    assert not Promotion.objects.exists()


def test_vendor_confirms_below_expected_with_a_note_and_the_buyer_is_told(vendor, django_capture_on_commit_callbacks):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    promotion = shared_promotion(vendor, expected=100)
    with django_capture_on_commit_callbacks(execute=True):
        promotion = promotion_confirm(
            scope=vendor_scope(vendor),
            promotion_id=promotion.pk,
            actor=Actor(user=ops),
            commitments=[LineCommitment(1, 100), LineCommitment(2, 60, "Limited by packaging supply")],
        )
    assert promotion.state == PromotionState.CONFIRMED and promotion.confirmation_revision == 1
    assert list(promotion.lines.order_by("sequence").values_list("committed_units", "commitment_note")) == [
        (100, ""),
        (60, "Limited by packaging supply"),
    ]
    assert Notification.objects.get(user=buyer(), kind="promotion_confirmed").body == "160 of 200 expected units committed."
    audit = AuditEvent.objects.get(action="promotion.confirm")
    assert audit.before["state"] == "shared" and audit.after["lines"][1]["committed_units"] == 60
    # Revised before the start: confirmed again.
    promotion_confirm(
        scope=vendor_scope(vendor), promotion_id=promotion.pk, actor=Actor(user=ops), commitments=[LineCommitment(1, 90), LineCommitment(2, 60)]
    )
    promotion.refresh_from_db()
    assert promotion.confirmation_revision == 2 and promotion.lines.get(sequence=1).committed_units == 90


def test_the_same_commitment_sent_again_makes_no_new_revision_or_notice(vendor, django_capture_on_commit_callbacks):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    promotion = shared_promotion(vendor, expected=100)
    commitments = [LineCommitment(1, 100), LineCommitment(2, 60, "Limited by packaging supply")]
    promotion_confirm(scope=vendor_scope(vendor), promotion_id=promotion.pk, actor=Actor(user=ops), commitments=commitments)
    audit_rows, notices = AuditEvent.objects.count(), Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = promotion_confirm(scope=vendor_scope(vendor), promotion_id=promotion.pk, actor=Actor(user=ops), commitments=commitments)
    assert again.state == PromotionState.CONFIRMED and again.confirmation_revision == 1
    assert (AuditEvent.objects.count(), Notification.objects.count(), callbacks) == (audit_rows, notices, [])


def test_commitment_above_expected_a_missing_line_or_nothing_at_all_is_refused(vendor):
    promotion = shared_promotion(vendor, expected=100)
    actor = Actor(user=vendor_user(vendor, Role.VENDOR_OPS))
    with pytest.raises(DomainValidationError) as error:
        promotion_confirm(scope=vendor_scope(vendor), promotion_id=promotion.pk, actor=actor, commitments=[LineCommitment(1, 101)])
    assert codes(error) == {"lines[0].committed_units": "above_expected", "lines": "line_missing"}
    with pytest.raises(DomainValidationError) as error:
        promotion_confirm(
            scope=vendor_scope(vendor), promotion_id=promotion.pk, actor=actor, commitments=[LineCommitment(1, 0), LineCommitment(2, 0)]
        )
    assert codes(error) == {"lines": "nothing_committed"}
    promotion.refresh_from_db()
    assert promotion.state == PromotionState.SHARED
    assert not PromotionLine.objects.filter(committed_units__isnull=False).exists()


def test_decline_and_confirm_are_refused_once_the_deal_started(vendor):
    promotion = shared_promotion(vendor, days=3)
    actor = Actor(user=vendor_user(vendor, Role.VENDOR_OPS))
    started = promotion.starts_at + datetime.timedelta(minutes=1)
    with pytest.raises(InvalidTransitionError, match="can no longer be confirmed or declined"):
        promotion_decline(scope=vendor_scope(vendor), promotion_id=promotion.pk, reason="Too late", actor=actor, now=started)
    with pytest.raises(InvalidTransitionError):
        promotion_confirm(
            scope=vendor_scope(vendor), promotion_id=promotion.pk, commitments=[LineCommitment(1, 1), LineCommitment(2, 1)], actor=actor, now=started
        )
    # A minute before the start it still works.
    promotion_decline(
        scope=vendor_scope(vendor), promotion_id=promotion.pk, reason="No stock", actor=actor, now=promotion.starts_at - datetime.timedelta(minutes=1)
    )
    assert Promotion.objects.get().state == PromotionState.DECLINED


def test_declining_needs_a_reason_and_withdraws_a_confirmation(vendor, django_capture_on_commit_callbacks):
    promotion = shared_promotion(vendor)
    actor = Actor(user=vendor_user(vendor, Role.VENDOR_ADMIN))
    with pytest.raises(DomainValidationError):
        promotion_decline(scope=vendor_scope(vendor, Role.VENDOR_ADMIN), promotion_id=promotion.pk, reason="  ", actor=actor)
    promotion_confirm(
        scope=vendor_scope(vendor, Role.VENDOR_ADMIN),
        promotion_id=promotion.pk,
        actor=actor,
        commitments=[LineCommitment(1, 5), LineCommitment(2, 5)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        promotion_decline(scope=vendor_scope(vendor, Role.VENDOR_ADMIN), promotion_id=promotion.pk, reason="Factory fire", actor=actor)
    promotion.refresh_from_db()
    assert promotion.state == PromotionState.DECLINED and promotion.decline_reason == "Factory fire"
    assert not promotion.lines.filter(committed_units__isnull=False).exists()
    assert Notification.objects.get(kind="promotion_declined").body == "Factory fire"


def test_finance_and_integrator_people_cannot_confirm(vendor):
    promotion = shared_promotion(vendor)
    for role in (Role.VENDOR_FINANCE, Role.INTEGRATOR):
        with pytest.raises(ForbiddenError):
            promotion_confirm(scope=vendor_scope(vendor, role), promotion_id=promotion.pk, commitments=[LineCommitment(1, 1)], actor=Actor.system())


def test_another_vendors_promotion_is_not_found(vendor, other_vendor):
    promotion = shared_promotion(vendor)
    with pytest.raises(NotFoundError):
        promotion_decline(scope=vendor_scope(other_vendor), promotion_id=promotion.pk, reason="x", actor=Actor.system())


def test_state_table(vendor):
    T = Promotion.TRANSITIONS
    assert set(T) == set(PromotionState)
    assert T[PromotionState.ENDED] == set() and T[PromotionState.CANCELLED] == set()
    assert PromotionState.CONFIRMED not in T[PromotionState.DRAFT]
    assert PromotionState.SHARED not in T[PromotionState.DECLINED]  # reopened as a draft first


def test_buyer_edits_only_drafts_cancels_and_reopens(vendor, django_capture_on_commit_callbacks):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    products = [ProductFactory(vendor=vendor) for _ in range(3)]
    promotion = draft_promotion(vendor, products[:2])
    promotion_update(scope=PLANNER, promotion_id=promotion.pk, data=promotion_input(vendor, products, name="Bigger deal"), actor=buyer_actor())
    promotion.refresh_from_db()
    assert promotion.name == "Bigger deal" and promotion.lines.count() == 3
    assert AuditEvent.objects.filter(action="promotion_line.delete").count() == 2
    promotion_share(scope=PLANNER, promotion_id=promotion.pk, actor=buyer_actor())
    with pytest.raises(InvalidTransitionError):
        promotion_update(scope=PLANNER, promotion_id=promotion.pk, data=promotion_input(vendor, products), actor=buyer_actor())
    promotion_decline(scope=vendor_scope(vendor), promotion_id=promotion.pk, reason="Price too low", actor=Actor(user=ops))
    promotion_reopen(scope=PLANNER, promotion_id=promotion.pk, actor=buyer_actor())
    assert Promotion.objects.get().state == PromotionState.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        promotion_cancel(scope=PLANNER, promotion_id=promotion.pk, actor=buyer_actor(), reason="Budget moved")
    promotion.refresh_from_db()
    assert promotion.state == PromotionState.CANCELLED and promotion.cancel_reason == "Budget moved"
    assert Notification.objects.filter(user=ops, kind="promotion_cancelled").exists()  # it had seen the promotion
    with pytest.raises(InvalidTransitionError):
        promotion_cancel(scope=PLANNER, promotion_id=promotion.pk, actor=buyer_actor())


def test_sharing_after_the_first_day_is_refused(vendor):
    promotion = draft_promotion(vendor, days=2)
    with pytest.raises(InvalidTransitionError):
        promotion_share(scope=PLANNER, promotion_id=promotion.pk, actor=buyer_actor(), now=promotion.starts_at + datetime.timedelta(hours=1))


def test_promotions_end_after_their_last_day_in_their_marketplace(vendor):
    confirmed = shared_promotion(vendor, name="Confirmed", days=2, length=1)
    promotion_confirm(
        scope=vendor_scope(vendor), promotion_id=confirmed.pk, actor=Actor.system(), commitments=[LineCommitment(1, 1), LineCommitment(2, 1)]
    )
    draft_promotion(vendor, name="Draft", days=2, length=1)
    assert promotions_end_due(now=confirmed.ends_at - datetime.timedelta(seconds=1)) == 0
    assert promotions_end_due(now=confirmed.ends_at) == 1
    assert dict(Promotion.objects.values_list("name", "state")) == {"Confirmed": "ended", "Draft": "draft"}
    assert promotions_end_due(now=confirmed.ends_at + datetime.timedelta(days=1)) == 0
    assert AuditEvent.objects.filter(action="promotion.end", channel="system").count() == 1


def test_promotion_steps_reach_webhook_subscribers(vendor, django_capture_on_commit_callbacks):
    from tests.webhooks.factories import WebhookSubscriptionFactory
    from webhooks.models import WebhookDelivery

    WebhookSubscriptionFactory(
        vendor=vendor, url="https://erp.acme.example/hooks", events=["promotion.shared", "promotion.confirmed", "forecast.published"]
    )
    with django_capture_on_commit_callbacks():
        promotion = shared_promotion(vendor)
        promotion_confirm(
            scope=vendor_scope(vendor), promotion_id=promotion.pk, actor=Actor.system(), commitments=[LineCommitment(1, 1), LineCommitment(2, 1)]
        )
        publish(vendor, rows_for(ProductFactory(vendor=vendor), "US", 2))
    events = list(WebhookDelivery.objects.order_by("pk").values_list("event", flat=True))
    assert events == ["promotion.shared", "promotion.confirmed", "forecast.published"]
    assert WebhookDelivery.objects.get(event="promotion.confirmed").payload["data"]["state"] == "confirmed"


def test_cancelling_a_draft_sends_no_webhook(vendor, django_capture_on_commit_callbacks):
    from tests.webhooks.factories import WebhookSubscriptionFactory
    from webhooks.models import WebhookDelivery

    WebhookSubscriptionFactory(vendor=vendor, url="https://erp.acme.example/hooks", events=["promotion.cancelled"])
    with django_capture_on_commit_callbacks():
        promotion = draft_promotion(vendor)
        promotion_cancel(scope=PLANNER, promotion_id=promotion.pk, actor=buyer_actor())
    assert not WebhookDelivery.objects.exists()  # the vendor never learns of the draft
