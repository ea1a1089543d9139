"""Outbound EDI: the order of a new purchase order (an X12 850 or an EDIFACT ORDERS, as the partner chose)
and the X12 820 remittance advice of a payment, for the vendor's active trading partner (edi/subscribers.py
sends them when the domain publishes the news)."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edi import edifact, x12
from edi.edifact.codes import EDIFACT_UNITS
from purchase_orders.models import PurchaseOrder, PurchaseOrderType, UnitOfMeasure
from reconciliation.models import Remittance, RemittanceLineKind
from vendor_portal.errors import DomainValidationError, PortalError
from vendor_portal.models import Vendor, VendorAccount
from vendor_portal.money import per_each
from vendor_portal.services.audit import Actor

from ..models import ControlNumberKind, Direction, Interchange, TransactionRecord
from ._common import PRICE_PER_EACH, PRICE_PER_UNIT_OF_MEASURE, X12_UNITS
from .interchanges import _allocate, _OutboundSet, _store_outbound
from .partners import _x12_partner, active_partner, retailer_gln, retailer_partner

logger = logging.getLogger(__name__)

# Outbound: 850 -------------------------------------------------------------------------------------
ORDER_TYPES = {  # BEG02 (92)
    PurchaseOrderType.REGULAR: "SA",
    PurchaseOrderType.RUSH: "RO",
    PurchaseOrderType.NEW_PRODUCT: "NE",
    PurchaseOrderType.CONSIGNED: "CN",
}
_NOT_X12_TEXT = re.compile(r"[^A-Za-z0-9 !\"&'()+,\-./:;?=%@\[\]_{}\\|<#$]")


def x12_text(value: str, limit: int = 60) -> str:
    """Free text as X12 can carry it with the default delimiters (* > ~ ^ never appear in data)."""
    return re.sub(r"\s+", " ", _NOT_X12_TEXT.sub(" ", value or "")).strip()[:limit]


def _gtin_pair(gtin: str) -> dict[str, str]:
    qualifier = {12: x12.ItemId.UPC, 13: x12.ItemId.EAN, 14: x12.ItemId.GTIN14}.get(len(gtin or ""))
    return {qualifier: gtin} if qualifier else {}


def x12_purchase_order(po: PurchaseOrder) -> x12.PurchaseOrder:
    dc = po.ship_to
    vendor_code = VendorAccount.objects.filter(vendor_id=po.vendor_id, marketplace_id=po.marketplace_id).values_list("vendor_code", flat=True).first()
    document = x12.PurchaseOrder(
        po_number=po.number,
        po_date=timezone.localdate(po.order_date),
        purpose="00",
        order_type=ORDER_TYPES.get(po.order_type, "SA"),
        currency=po.currency,
        references={"IA": vendor_code or po.vendor.code},
        ship_not_before=timezone.localdate(po.ship_window_start),
        ship_not_after=timezone.localdate(po.ship_window_end),
        deliver_not_before=timezone.localdate(po.delivery_window_start) if po.delivery_window_start else None,
        deliver_not_after=timezone.localdate(po.delivery_window_end) if po.delivery_window_end else None,
        parties=[
            x12.Party(
                entity_code="ST",
                name=x12_text(dc.name),
                id_qualifier="92",
                id_code=dc.code,
                address_lines=[x12_text(line, 55) for line in (dc.line1, dc.line2) if line],
                city=x12_text(dc.city, 30),
                state=dc.state_or_region if len(dc.state_or_region) == 2 else "",
                postal_code=x12_text(dc.postal_code, 15),
                country=dc.country_code,
            )
        ],
    )
    for line in po.lines.select_related("product").order_by("sequence"):
        if line.ordered_quantity <= 0:
            continue
        item_ids = {x12.ItemId.ASIN: line.asin, x12.ItemId.VENDOR_ITEM: line.vendor_sku}
        if line.product is not None:
            item_ids.update(_gtin_pair(line.product.gtin))
        pack_size = line.unit_size if line.unit_of_measure == UnitOfMeasure.CASES else (line.product.case_pack if line.product else None)
        unit_price, price_basis = _unit_price(line)
        document.lines.append(
            x12.PurchaseOrderLine(
                line_number=str(line.sequence),
                quantity=line.ordered_quantity,
                uom=X12_UNITS[line.unit_of_measure],
                unit_price=unit_price,
                price_basis=price_basis,
                item_ids=item_ids,
                description=x12_text(line.title, 80),
                pack_size=pack_size,
            )
        )
    return document


def _unit_price(line) -> tuple:
    """PO104/PO105: the price of one each (PE), as Amazon states netCost; for a case whose price does not divide
    into its eaches exactly, the case price itself per the line's unit of measure (UM), so no cent is lost."""
    each = per_each(line.net_cost, line.eaches_per_unit)
    if each * line.eaches_per_unit == line.net_cost:
        return each, PRICE_PER_EACH
    return line.net_cost, PRICE_PER_UNIT_OF_MEASURE


def edifact_purchase_order(po: PurchaseOrder, supplier_gln: str) -> edifact.PurchaseOrder:
    """The D96A ORDERS of a PO: buyer (the retailer) and supplier by GLN, the DC by its code, each line's
    GTIN in LIN, ASIN and vendor SKU in PIA, its quantity in its own unit and the price of one each or one case."""
    document = edifact.PurchaseOrder(
        number=po.number,
        order_date=timezone.localdate(po.order_date),
        currency=po.currency,
        buyer_gln=retailer_gln(),
        supplier_gln=supplier_gln,
        delivery_party=po.ship_to.code,
        delivery_party_name=po.ship_to.name,
        delivery_requested=timezone.localdate(po.delivery_window_start or po.ship_window_end),
        earliest_delivery=timezone.localdate(po.delivery_window_start) if po.delivery_window_start else None,
        latest_delivery=timezone.localdate(po.delivery_window_end) if po.delivery_window_end else None,
    )
    for line in po.lines.select_related("product").order_by("sequence"):
        if line.ordered_quantity <= 0:
            continue
        unit_price, basis = _unit_price(line)
        document.lines.append(
            edifact.OrderLine(
                line_number=line.sequence,
                quantity=line.ordered_quantity,
                unit=EDIFACT_UNITS[line.unit_of_measure],
                item=edifact.Item(gtin=line.product.gtin if line.product is not None else "", asin=line.asin, vendor_sku=line.vendor_sku),
                unit_price=unit_price,
                price_unit="PCE" if basis == PRICE_PER_EACH else EDIFACT_UNITS[line.unit_of_measure],
                description=line.title,
                pack_size=line.unit_size if line.unit_of_measure == UnitOfMeasure.CASES else None,
            )
        )
    return document


def _send_orders(po: PurchaseOrder, partner, actor: Actor) -> Interchange:
    reference = str(_allocate(partner, ControlNumberKind.EDIFACT_INTERCHANGE))
    message_reference = str(_allocate(partner, ControlNumberKind.EDIFACT_MESSAGE))
    text = edifact.write_interchange(
        sender=(retailer_gln(), edifact.GLN_QUALIFIER),
        recipient=(partner.gln, edifact.GLN_QUALIFIER),
        control_reference=reference,
        messages=[edifact.write_orders(edifact_purchase_order(po, partner.gln), message_reference)],
        prepared_at=timezone.now(),
    )
    return _store_outbound(
        partner=partner,
        isa_control_number=reference,
        text=text,
        actor=actor,
        action="edi_interchange.send",
        sets=[_OutboundSet("ORDERS", "", message_reference, reference=po.number, obj=po)],
    )


def edi_purchase_order_850(*, purchase_order: PurchaseOrder, actor: Actor | None = None) -> Interchange | None:
    """The order of a PO for the vendor's active trading partner (an 850, or an ORDERS for an EDIFACT
    partner), once: a second call returns the first. None when the vendor does not trade by EDI."""
    actor = actor or Actor.system()
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().select_related("vendor", "ship_to").get(pk=purchase_order.pk)
        partner = active_partner(po.vendor)
        if partner is None:
            return None
        sent = (
            TransactionRecord.objects.filter(
                set_id__in=("850", "ORDERS"), object_type=po._meta.label_lower, object_id=str(po.pk), interchange__direction=Direction.OUTBOUND
            )
            .select_related("interchange")
            .first()
        )
        if sent is not None:
            return sent.interchange
        if partner.is_edifact:
            return _send_orders(po, partner, actor)
        document = x12_purchase_order(po)
        isa_number = _allocate(partner, ControlNumberKind.INTERCHANGE)
        group_number = _allocate(partner, ControlNumberKind.GROUP)
        set_number = _allocate(partner, ControlNumberKind.TRANSACTION_SET)
        text = x12.write_document(
            document,
            sender=retailer_partner(),
            receiver=_x12_partner(partner),
            interchange_control_number=isa_number,
            group_control_number=group_number,
            set_control_number=set_number,
            created_at=timezone.now(),
        )
        return _store_outbound(
            partner=partner,
            isa_control_number=isa_number,
            text=text,
            actor=actor,
            action="edi_interchange.send",
            sets=[_OutboundSet("850", group_number, set_number, reference=po.number, obj=po)],
        )


# Outbound: 820 -------------------------------------------------------------------------------------
def edi_remittance_820(*, vendor: Vendor, remittance: x12.Remittance, actor: Actor | None = None, remittance_object=None) -> Interchange:
    """An 820 remittance advice for the vendor's active trading partner. `remittance` is the plain
    edi.x12 dataclass; `remittance_object` is the portal's payment row it describes, when there is one."""
    actor = actor or Actor.system()
    with transaction.atomic():
        partner = active_partner(vendor)
        if partner is None:
            raise DomainValidationError(_("%(vendor)s has no active EDI trading partner.") % {"vendor": vendor.code})
        if partner.is_edifact:
            # REMADV is not written yet: an EDIFACT partner reads its payments on the screens and the API.
            raise DomainValidationError(_("%(vendor)s trades by EDIFACT; remittance advice is sent by X12 only.") % {"vendor": vendor.code})
        if not remittance.parties:
            remittance.parties = [
                x12.Party("PR", x12_text(getattr(settings, "PORTAL_RETAILER_NAME", "")), "92", retailer_partner().id),
                x12.Party("PE", x12_text(vendor.name), "92", vendor.code),
            ]
        isa_number = _allocate(partner, ControlNumberKind.INTERCHANGE)
        group_number = _allocate(partner, ControlNumberKind.GROUP)
        set_number = _allocate(partner, ControlNumberKind.TRANSACTION_SET)
        text = x12.write_document(
            remittance,
            sender=retailer_partner(),
            receiver=_x12_partner(partner),
            interchange_control_number=isa_number,
            group_control_number=group_number,
            set_control_number=set_number,
            created_at=timezone.now(),
        )
        return _store_outbound(
            partner=partner,
            isa_control_number=isa_number,
            text=text,
            actor=actor,
            action="edi_interchange.send",
            sets=[_OutboundSet("820", group_number, set_number, reference=remittance.trace_number, obj=remittance_object)],
        )


def x12_remittance(remittance: Remittance) -> x12.Remittance:
    """The 820 of a paid remittance: its invoices (RMR*IV), credit notes netted (RMR*CM) and adjustments (ADX)."""
    invoices, adjustments = [], []
    for line in remittance.lines.select_related("invoice").order_by("sequence"):
        if line.kind == RemittanceLineKind.INVOICE_PAID:
            invoices.append(x12.RemittedInvoice(invoice_number=line.reference, amount_paid=line.amount, invoice_amount=line.amount))
        elif line.kind == RemittanceLineKind.CREDIT_NOTE:
            # RMR*CM: the credit memo, with what this payment nets of it (negative) beside its full amount.
            total = line.invoice.grand_total if line.invoice_id else -line.amount
            invoices.append(
                x12.RemittedInvoice(invoice_number=line.reference, amount_paid=line.amount, invoice_amount=-total, reference_qualifier="CM")
            )
        else:
            reason = {"discount": "CS", "reversal": "CS"}.get(
                line.kind, "01" if "PC-" in line.reference else "06" if "SC-" in line.reference else "CS"
            )
            adjustments.append(x12.Adjustment(amount=line.amount, reason_code=reason, reference_qualifier="CR", reference_id=line.reference))
    return x12.Remittance(
        trace_number=remittance.number,
        payment_amount=remittance.net_amount,
        payment_date=remittance.pay_date,
        currency=remittance.currency,
        parties=[x12.Party(entity_code="PR", name="Retailer"), x12.Party(entity_code="PE", name=remittance.vendor.name[:60])],
        invoices=invoices,
        adjustments=adjustments,
    )


def edi_remittance_paid_820(*, remittance_id: int, actor: Actor | None = None) -> Interchange | None:
    """The 820 of a remittance just paid, for a vendor with an active trading partner (None for the others, and
    when it cannot be written: a payment is never stopped by its 820, which is logged instead)."""
    remittance = Remittance.objects.select_related("vendor").get(pk=remittance_id)
    if active_partner(remittance.vendor) is None:
        return None
    try:
        with transaction.atomic():  # a savepoint: an 820 that cannot be written never stops the payment
            return edi_remittance_820(vendor=remittance.vendor, remittance=x12_remittance(remittance), actor=actor, remittance_object=remittance)
    except PortalError as error:
        logger.warning("No EDI 820 for remittance %s: %s", remittance.number, error)
        return None
