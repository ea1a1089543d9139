"""Inbound 846: a vendor's inventory advice becomes its availability report, the same check and save as the
screens and the API; what cannot be used is pointed at in the 997."""

import datetime

import pytest

from edi import x12
from edi.models import SetStatus
from planning.models import Availability, AvailabilitySource
from tests.edi.test_django_inbound import interchange_text, receive, the_997, trading_partner
from tests.factories import ProductFactory
from tests.shipments.factories import ship_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(vendor):
    trading_partner(vendor)
    ship_from(vendor, "RENO")
    ship_from(vendor, "NJ1")
    return ProductFactory(vendor=vendor, vendor_sku="MUG-1"), ProductFactory(vendor=vendor, vendor_sku="BOWL-1")


def advice(items, ship_from_code="RENO") -> x12.InventoryAdvice:
    return x12.InventoryAdvice(report_id="INV-1", report_date=datetime.date(2026, 12, 1), ship_from=ship_from_code, items=items)


def test_846_round_trips_and_reports_availability(vendor, stock):
    mug, bowl = stock
    text = interchange_text(
        advice(
            [
                x12.InventoryItem(item_ids={"VN": "MUG-1"}, ship_from="RENO", on_hand=120, available=96),
                x12.InventoryItem(item_ids={"BP": bowl.asin}, ship_from="NJ1", on_hand=40, available=0),
            ]
        )
    )
    assert "BIA*00*DD*INV-1*20261201" in text and "N1*SF**91*NJ1" in text and "QTY*33*96*EA" in text
    parsed = x12.parse_interchange(text)
    assert parsed.problems == [] and [item.ship_from for item in parsed.transaction_sets[0].document.items] == ["RENO", "NJ1"]
    interchange = receive(vendor, text)
    assert the_997(interchange).status == "A"
    rows = sorted(Availability.objects.values_list("product__vendor_sku", "ship_from__code", "on_hand", "available", "report__source"))
    assert rows == [("BOWL-1", "NJ1", 40, 0, AvailabilitySource.EDI), ("MUG-1", "RENO", 120, 96, AvailabilitySource.EDI)]
    assert interchange.transactions.get().status == SetStatus.ACCEPTED


def test_846_refusals_point_at_the_segment(vendor, stock):
    text = interchange_text(
        advice(
            [
                x12.InventoryItem(item_ids={"VN": "MUG-1"}, ship_from="RENO", on_hand=10, available=12),  # more available than on hand
                x12.InventoryItem(item_ids={"VN": "MUG-1"}, ship_from="NOWHERE", on_hand=1, available=1),  # an unknown warehouse
            ]
        )
    )
    interchange = receive(vendor, text)
    ack = the_997(interchange)
    [set_ack] = ack.sets
    assert set_ack.status == "R"
    located = {(note.segment_id, element.position) for note in set_ack.segments for element in note.elements}
    assert ("QTY", 2) in located and ("N1", 4) in located
    assert not Availability.objects.exists()
