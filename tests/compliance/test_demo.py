import pytest

from compliance import demo
from compliance.models import RateCard
from tests.factories import marketplace

pytestmark = pytest.mark.django_db


def test_the_demo_programme_is_in_force_and_a_second_run_adds_nothing():
    marketplace("US"), marketplace("DE")
    assert demo.seed({}) == "rate cards: DE, US"
    assert demo.seed({}) == "rate cards: already there"
    card = RateCard.objects.get(marketplace__code="US")
    assert card.rules.count() == 7 and card.rules.get(violation="late_shipment").waivers.count() == 1
