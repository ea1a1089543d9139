"""A week of a vendor's business built row by row, for the scorecard's hand-computed figures."""

import datetime
from decimal import Decimal

from appointments.models import Appointment
from purchase_orders.models import PurchaseOrderState
from reconciliation.models import Deduction
from shipments.models import Carton, CartonItem, Receipt, ReceiptLine, Shipment, ShipmentLine
from tests.audit_check import audit_exempt
from tests.purchase_orders.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

UTC = datetime.UTC
MONDAY = datetime.date(2026, 11, 2)  # the week under test: Mon 2 to Sun 8 November 2026 (UTC)


def at(day: int, hour: int = 12) -> datetime.datetime:
    """`day` days after MONDAY, at `hour` UTC."""
    return datetime.datetime.combine(MONDAY, datetime.time(hour), tzinfo=UTC) + datetime.timedelta(days=day)


def week_po(vendor, warehouse, *, ordered=60, accepted=60, shipped=0, acknowledged_at=None, number=None, **fields):
    """A one-line PO due in the test week: confirm by Mon 12:00, ship by Wed, deliver Thu 00:00 to Sun 12:00."""
    with audit_exempt():
        values = dict(
            vendor=vendor,
            marketplace=warehouse.marketplace,
            ship_to=warehouse,
            state=PurchaseOrderState.ACKNOWLEDGED,
            order_date=at(-7),
            confirmation_due_at=at(0, 12),
            acknowledged_at=acknowledged_at or at(0, 9),
            ship_window_start=at(-2),
            ship_window_end=at(2),
            promised_ship_date=at(2).date(),
            delivery_window_start=at(3, 0),
            delivery_window_end=at(6, 12),
        )
        values.update(fields)
        if number:
            values["number"] = number
        po = PurchaseOrderFactory(**values)
        line = PurchaseOrderLineFactory(
            purchase_order=po,
            sequence=1,
            ordered_quantity=ordered,
            accepted_quantity=accepted,
            rejected_quantity=ordered - accepted,
            shipped_quantity=shipped,
        )
    return po, line


_sscc = iter(range(10**6, 10**7))


def shipped_and_received(po_line, *, cartons, received, ship_date, received_at, identifier):
    """An ASN shipping `sum(cartons)` units of the line in cartons of those sizes; the DC received `received` units."""
    po = po_line.purchase_order
    with audit_exempt():
        shipment = Shipment.objects.create(
            vendor=po.vendor,
            marketplace=po.marketplace,
            ship_to=po.ship_to,
            shipment_identifier=identifier,
            ship_date=ship_date,
            state="received",
            asn_type="Original",
            asn_revision=1,
            submitted_at=at(0),
            received_at=received_at,
        )
        line = ShipmentLine.objects.create(shipment=shipment, purchase_order_line=po_line, quantity=sum(cartons))
        for index, size in enumerate(cartons, start=1):
            carton = Carton.objects.create(shipment=shipment, index=index, sscc=f"00{next(_sscc):016d}")
            CartonItem.objects.create(carton=carton, shipment_line=line, quantity=size)
        receipt = Receipt.objects.create(shipment=shipment, warehouse=po.ship_to, received_at=received_at)
        ReceiptLine.objects.create(receipt=receipt, shipment_line=line, quantity=received)
    return shipment


def label_chargeback(shipment, amount="50.00"):
    with audit_exempt():
        return Deduction.objects.create(
            vendor=shipment.vendor,
            marketplace=shipment.marketplace,
            kind="chargeback",
            reason="label_non_compliance",
            amount=Decimal(amount),
            currency=shipment.marketplace.currency,
            shipment=shipment,
            created_at=at(6),
        )


def appointment(shipment, *, state, slot_start, arrived_late=False):
    with audit_exempt():
        return Appointment.objects.create(
            vendor=shipment.vendor,
            warehouse=shipment.ship_to,
            shipment=shipment,
            state=state,
            window_start=slot_start,
            window_end=slot_start + datetime.timedelta(hours=4),
            slot_start=slot_start,
            slot_end=slot_start + datetime.timedelta(hours=1),
            door=1,
            arrived_at=slot_start if state == "arrived" else None,
            arrived_late=arrived_late,
        )


def acme_week(vendor, warehouse):
    """Four POs of 60 units, one shipment each, in the week of MONDAY:

    PO 1  confirmed on time, 60 shipped Tue (on time), 60 received Fri: on time in full.
    PO 2  confirmed on time, 60 shipped Fri (promised Wed: late), received Sun 18:00 after the window: not OTIF.
    PO 3  confirmed on time, 54 shipped Tue (short), ASN 30 + 24 but the DC counted 50: not in full, both cartons off.
    PO 4  confirmed late (Mon 15:00 > 12:00) for 48 of 60, 48 shipped Wed in two cartons of 24, 48 received Fri;
          a label chargeback on its shipment.
    Appointments: PO 1's truck on time, PO 2's late, PO 4's missed.
    """
    po1, line1 = week_po(vendor, warehouse, shipped=60, number="SC-1")
    po2, line2 = week_po(vendor, warehouse, shipped=60, number="SC-2")
    po3, line3 = week_po(vendor, warehouse, shipped=54, number="SC-3")
    po4, line4 = week_po(vendor, warehouse, accepted=48, shipped=48, acknowledged_at=at(0, 15), number="SC-4")
    s1 = shipped_and_received(line1, cartons=[30, 30], received=60, ship_date=at(1).date(), received_at=at(4), identifier="S1")
    s2 = shipped_and_received(line2, cartons=[30, 30], received=60, ship_date=at(4).date(), received_at=at(6, 18), identifier="S2")
    s3 = shipped_and_received(line3, cartons=[30, 24], received=50, ship_date=at(1).date(), received_at=at(4), identifier="S3")
    s4 = shipped_and_received(line4, cartons=[24, 24], received=48, ship_date=at(2).date(), received_at=at(4), identifier="S4")
    label_chargeback(s4)
    appointment(s1, state="arrived", slot_start=at(4, 8))
    appointment(s2, state="arrived", slot_start=at(6, 8), arrived_late=True)
    appointment(s4, state="missed", slot_start=at(4, 10))
    return [s1, s2, s3, s4]
