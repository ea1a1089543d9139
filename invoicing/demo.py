"""Demo invoices for `manage.py seed_demo`, flipped from the demo POs and ASNs through the services.

Per vendor:
INV-<VENDOR>-0001 a draft flipped from an acknowledged PO (nothing shipped yet),
INV-<VENDOR>-0002 submitted, flipped from the received-in-full ASN: it matches,
INV-<VENDOR>-0003 submitted on the short-received ASN with one unit cost above the PO cost (a price
                  claim) and the missing units billed (a shortage claim),
INV-<VENDOR>-0004 flipped from the submitted (in transit) ASN, above the vendor's approval threshold:
                  the finance user asked for approval and it waits for a second person,
INV-<VENDOR>-0005 flipped from the other PO on the received-in-full ASN, accepted and approved for
                  payment by the retailer's accounts payable.

Idempotent: numbers are fixed and a number that exists is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum

from purchase_orders.models import PurchaseOrder, PurchaseOrderState
from shipments.demo import RECEIVED, RECEIVED_SHORT, SUBMITTED, retailer_actor, shipment_identifier
from shipments.models import Shipment, ShipmentLine
from vendor_portal.models import Membership
from vendor_portal.models.audit import Channel
from vendor_portal.money import round_money
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

from .models import Invoice, InvoiceState
from .services.decisions import invoice_decide
from .services.drafts import invoice_update
from .services.flips import invoice_from_purchase_order, invoice_from_shipment
from .services.inputs import InvoiceInput, InvoiceLineInput
from .services.submission import invoice_submit

DRAFT, MATCHED, PRICE_VARIANCE, PENDING_APPROVAL, APPROVED_FOR_PAYMENT = 1, 2, 3, 4, 5
PRICE_INCREASE = Decimal("1.04")  # the vendor bills its new list cost, 4% above the PO's


def invoice_number(vendor, number: int) -> str:
    return f"INV-{vendor.code}-{number:04d}"


def seed(world) -> str:
    created = skipped = 0
    accounts_payable = retailer_actor(Role.ACCOUNTS_PAYABLE)
    for vendor in world["vendors"].values():
        wanted = {number: invoice_number(vendor, number) for number in (DRAFT, MATCHED, PRICE_VARIANCE, PENDING_APPROVAL, APPROVED_FOR_PAYMENT)}
        existing = set(Invoice.objects.for_vendor(vendor).filter(number__in=wanted.values()).values_list("number", flat=True))
        missing = {number: text for number, text in wanted.items() if text not in existing}
        skipped += len(wanted) - len(missing)
        if missing:
            with transaction.atomic():
                created += _seed_vendor(vendor, missing, accounts_payable)
    return f"{created} invoices created, {skipped} already there"


def _seed_vendor(vendor, missing: dict[int, str], accounts_payable: tuple[Actor, Scope]) -> int:
    scope, system = Scope(vendor=vendor), Actor.system()
    shipments = {
        shipment.shipment_identifier: shipment
        for shipment in Shipment.objects.for_vendor(vendor).filter(
            shipment_identifier__in=[shipment_identifier(vendor, n) for n in (SUBMITTED, RECEIVED, RECEIVED_SHORT)]
        )
    }
    in_transit = shipments.get(shipment_identifier(vendor, SUBMITTED))
    received = shipments.get(shipment_identifier(vendor, RECEIVED))
    received_short = shipments.get(shipment_identifier(vendor, RECEIVED_SHORT))
    created = 0

    if APPROVED_FOR_PAYMENT in missing and received is not None:
        # The received ASN carries two POs: the second one is billed from its PO, the first from the ASN (below).
        orders = list(PurchaseOrder.objects.filter(lines__shipment_lines__shipment=received).distinct().order_by("number"))
        if len(orders) > 1:
            invoice = invoice_from_purchase_order(scope=scope, po_number=orders[-1].number, number=missing[APPROVED_FOR_PAYMENT], actor=system)
            invoice_submit(scope=scope, invoice_id=invoice.pk, actor=system)
            ap_actor, ap_scope = accounts_payable
            for state in (InvoiceState.ACCEPTED, InvoiceState.APPROVED_FOR_PAYMENT):
                invoice_decide(scope=ap_scope, invoice_id=invoice.pk, state=state, actor=ap_actor)
            created += 1

    if MATCHED in missing and received is not None:
        invoice = invoice_from_shipment(scope=scope, shipment_id=received.pk, number=missing[MATCHED], actor=system)
        invoice_submit(scope=scope, invoice_id=invoice.pk, actor=system)
        created += 1

    if PRICE_VARIANCE in missing and received_short is not None:
        invoice = invoice_from_shipment(scope=scope, shipment_id=received_short.pk, number=missing[PRICE_VARIANCE], actor=system)
        invoice_update(scope=scope, invoice_id=invoice.pk, data=InvoiceInput(lines=_first_line_costlier(invoice)), actor=system)
        invoice_submit(scope=scope, invoice_id=invoice.pk, actor=system)
        created += 1

    if PENDING_APPROVAL in missing and in_transit is not None:
        maker = _vendor_person(vendor, Role.VENDOR_FINANCE)
        invoice = invoice_from_shipment(scope=scope, shipment_id=in_transit.pk, number=missing[PENDING_APPROVAL], actor=system)
        # Above the threshold a person must ask for the approval: the vendor's finance user does.
        invoice_submit(scope=scope, invoice_id=invoice.pk, actor=Actor(user=maker, channel=Channel.SYSTEM))
        created += 1

    if DRAFT in missing:
        unshipped = _unshipped_purchase_orders(vendor)
        if unshipped:
            invoice_from_purchase_order(scope=scope, po_number=unshipped[0].number, number=missing[DRAFT], actor=system)
            created += 1
    return created


def _first_line_costlier(invoice: Invoice) -> list[InvoiceLineInput]:
    """The draft's lines, the first line's unit cost raised by PRICE_INCREASE."""
    rows = []
    for index, line in enumerate(invoice.lines.select_related("purchase_order_line").order_by("sequence")):
        unit_cost = round_money(line.unit_cost * PRICE_INCREASE) if index == 0 else line.unit_cost
        if index == 0 and unit_cost == line.unit_cost:
            unit_cost += Decimal("0.01")
        rows.append(
            InvoiceLineInput(
                sequence=line.sequence,
                purchase_order_number=line.purchase_order_number,
                po_line_sequence=line.purchase_order_line.sequence,
                quantity=line.quantity,
                unit_cost=unit_cost,
                unit_of_measure=line.unit_of_measure,
                unit_size=line.unit_size,
                tax_type=line.tax_type,
                tax_rate=line.tax_rate,
            )
        )
    return rows


def _unshipped_purchase_orders(vendor) -> list[PurchaseOrder]:
    """Acknowledged POs with nothing planned, shipped or invoiced, smallest first."""
    planned = ShipmentLine.objects.filter(shipment__vendor=vendor).values("purchase_order_line__purchase_order_id")
    invoiced = Invoice.objects.for_vendor(vendor).exclude(purchase_order=None).values("purchase_order_id")
    return list(
        PurchaseOrder.objects.for_vendor(vendor)
        .filter(state=PurchaseOrderState.ACKNOWLEDGED, has_unconfirmed_changes=False)
        .exclude(pk__in=planned)
        .exclude(pk__in=invoiced)
        .exclude(lines__shipped_quantity__gt=0)
        .exclude(lines__invoiced_quantity__gt=0)
        .annotate(accepted_value=Sum(F("lines__accepted_quantity") * F("lines__net_cost")))
        .filter(accepted_value__gt=0)
        .order_by("accepted_value", "number")
    )


def _vendor_person(vendor, role: str):
    membership = Membership.objects.filter(vendor=vendor, role=role).select_related("user").order_by("pk").first()
    return membership.user if membership else None
