"""Rate cards, POs and shipments on given days, for the compliance tests."""

import datetime
from decimal import Decimal

from django.utils import timezone

from compliance.measures import week_start
from compliance.models import Comparison, FeeType, Measure, RateCard, RateCardRule, RateCardStatus, ViolationKind, Waiver
from purchase_orders.models import PurchaseOrderState
from shipments.models import Shipment, ShipmentLine, ShipmentState
from tests.audit_check import audit_exempt
from tests.factories import marketplace
from tests.shipments.factories import confirmed_purchase_order, warehouse

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


def this_week() -> datetime.date:
    return week_start(timezone.now().astimezone(datetime.UTC).date())


def published_card(*, effective_from, version=1, code="US") -> RateCard:
    market = marketplace(code)
    return RateCard.objects.create(
        marketplace=market, version=version, status=RateCardStatus.PUBLISHED, effective_from=effective_from, currency=market.currency
    )


def on_time_rule(card, *, percent="3", waiver_above="90", waiver_weeks=4) -> RateCardRule:
    """Amazon's on-time fee: a percent of the cost of the units shipped late, waived while the trailing
    on-time rate is above 90%."""
    rule = RateCardRule.objects.create(
        rate_card=card,
        violation=ViolationKind.LATE_SHIPMENT,
        measure=Measure.ON_TIME_RATE,
        threshold=Decimal("100"),
        trailing_weeks=1,
        fee_type=FeeType.PERCENT_OF_COGS,
        fee_amount=Decimal(percent),
    )
    if waiver_above is not None:
        Waiver.objects.create(
            rule=rule, measure=Measure.ON_TIME_RATE, comparison=Comparison.ABOVE, threshold=Decimal(waiver_above), trailing_weeks=waiver_weeks
        )
    return rule


def purchase_order(vendor, number, quantity, promised, net_cost="10.00"):
    """An acknowledged PO of one line at `net_cost` a unit, promised to ship on `promised`."""
    po = confirmed_purchase_order(vendor, lines=1, quantity=quantity, number=number, promised_ship_date=promised, warehouse=warehouse())
    with audit_exempt():
        po.lines.update(net_cost=Decimal(net_cost))
    return po


def shipped(po, ship_date, quantity=None, identifier=None):
    """The PO's line on a submitted ASN shipping on `ship_date`."""
    line = po.lines.get()
    quantity = quantity if quantity is not None else line.accepted_quantity
    with audit_exempt():
        shipment = Shipment.objects.create(
            vendor=po.vendor,
            marketplace=po.marketplace,
            ship_to=po.ship_to,
            shipment_identifier=identifier or f"ASN-{po.number}",
            state=ShipmentState.SUBMITTED,
            ship_date=ship_date,
            asn_revision=1,
            submitted_at=timezone.now(),
        )
        ShipmentLine.objects.create(shipment=shipment, purchase_order_line=line, quantity=quantity)
        line.shipped_quantity += quantity
        line.save(update_fields=["shipped_quantity"])
        po.state = PurchaseOrderState.SHIPPED if line.shipped_quantity >= line.accepted_quantity else PurchaseOrderState.PARTIALLY_SHIPPED
        po.save(update_fields=["state"])
    return shipment
