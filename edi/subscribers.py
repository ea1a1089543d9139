"""What EDI does with the domain's news (subscribed in EdiConfig.ready()): an 850 for each new purchase order
and an 820 with each payment, for the vendors with an active trading partner."""

from __future__ import annotations

from vendor_portal import events
from vendor_portal.services.audit import Actor

from .models import TradingPartner


def _trading(vendor_ids) -> set[int]:
    """The vendors (of these) with an active trading partner: one query per batch."""
    return set(TradingPartner.objects.filter(vendor_id__in=set(vendor_ids), is_active=True).values_list("vendor_id", flat=True))


def send_850_for_new_purchase_orders(batch: list[events.PurchaseOrderCreated]) -> None:
    """After the commit: queue the 850 of every new PO of a vendor trading by EDI (the task sends each once)."""
    from .tasks import send_850

    trading = _trading(event.vendor_id for event in batch)
    for event in batch:
        if event.vendor_id in trading:
            send_850.delay(event.purchase_order_id)


def write_820_for_paid_remittances(batch: list[events.RemittancePaid]) -> None:
    """Inside the payment's transaction: the 820 (an outbound interchange, the partner's to collect) is stored
    with the payment it advises, or not at all."""
    from .services.outbound import edi_remittance_paid_820

    trading = _trading(event.vendor_id for event in batch)
    for event in batch:
        if event.vendor_id in trading:
            edi_remittance_paid_820(remittance_id=event.remittance_id, actor=Actor.system())  # as the 850: the portal sends it
