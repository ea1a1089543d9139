"""`manage.py seed_demo` gives each demo vendor forecasts and promotions, through the services, once."""

import io

import pytest
from django.core.management import call_command
from django.db.models import F

from planning.models import Availability, Forecast, ForecastPublication, Promotion, PromotionState
from vendor_portal.models import AuditEvent, Notification, Product

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> tuple:
    return (
        Forecast.objects.count(),
        ForecastPublication.objects.count(),
        Promotion.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
        Availability.objects.count(),
    )


def test_demo_forecasts_and_promotions_are_made_once():
    first = _seed()
    assert "4 forecast publications, 6 promotions and 2 availability reports created" in first
    after_first = _counts()
    second = _seed()
    assert _counts() == after_first
    assert "0 forecast publications, 0 promotions and 0 availability reports created, 2 vendors' forecasts already there" in second

    for code in ("ACME", "GLOBEX"):
        stock = Availability.objects.filter(vendor__code=code)
        assert stock.count() == Product.objects.filter(vendor__code=code, is_active=True).count() > 0
        assert stock.filter(available__lt=F("on_hand") / 10).exists()  # some run short, for the PO warnings
        publications = list(ForecastPublication.objects.filter(vendor__code=code).order_by("version"))
        assert [p.version for p in publications] == [1, 2] and publications[1].replaced_count == 3 * 8
        current = Forecast.objects.current().filter(vendor__code=code)
        assert current.count() == 8 * 2 * 26
        assert current.values("product").distinct().count() == 8
        assert all(row.p70 <= row.p80 <= row.p90 for row in current)
        states = dict(Promotion.objects.filter(vendor__code=code).values_list("state", "name"))
        assert set(states) == {PromotionState.SHARED, PromotionState.CONFIRMED, PromotionState.DECLINED}
        confirmed = Promotion.objects.get(vendor__code=code, state=PromotionState.CONFIRMED)
        first_line = confirmed.lines.get(sequence=1)
        assert first_line.committed_units < first_line.expected_units and first_line.commitment_note
    audited = set(AuditEvent.objects.values_list("object_type", "object_id"))
    assert {("planning.promotion", str(pk)) for pk in Promotion.objects.values_list("pk", flat=True)} <= audited
