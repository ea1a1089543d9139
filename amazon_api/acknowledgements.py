"""submitAcknowledgement: Amazon's OrderAcknowledgement mapped onto `purchase_order_acknowledge`.

The POST checks the shape (the model's SubmitAcknowledgementRequest, dates, POs that exist for the
caller); the worker maps each acknowledgement to LineConfirmations and lets the service apply it, all
or nothing per PO. What the service cannot know is checked here: that each item is the PO's own
(sequence and product identifiers agree), that sellingParty is the vendor's code in the PO's
marketplace, that orderedQuantity is what the PO now orders, and quantities in another unit convert.
Every refusal names the PO, the item sequence, the rule and the field.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PurchaseOrder, PurchaseOrderLine, UnitOfMeasure
from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from vendor_portal.api.errors import AMAZON_CODES
from vendor_portal.errors import PortalError
from vendor_portal.models import VendorAccount

from .spec import VENDOR_ORDERS, request_errors

ITEMS_KEY = "acknowledgements"
CODE_TO_FIELD = {"Accepted": "accepted", "Backordered": "backordered", "Rejected": "rejected"}
# The service's field names for a line, as paths inside Amazon's item.
SERVICE_FIELD_SUFFIX = {
    "sequence": ".itemSequenceNumber",
    "accepted": ".itemAcknowledgements",
    "backordered": ".itemAcknowledgements",
    "rejected": ".itemAcknowledgements",
    "rejection_reason": ".itemAcknowledgements.rejectionReason",
    "backorder_date": ".itemAcknowledgements.scheduledShipDate",
}
SERVICE_PO_FIELDS = {
    "scheduled_ship_date": ".items.itemAcknowledgements.scheduledShipDate",
    "scheduled_delivery_date": ".items.itemAcknowledgements.scheduledDeliveryDate",
}
_SERVICE_LINE_FIELD = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")


def parse_amazon_datetime(value) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.timezone.utc)
    return parsed


# At the door (the POST) ---------------------------------------------------------------------------
def submit_errors(body) -> list[dict]:
    """The request's shape: Amazon's model, at least one acknowledgement, every date readable."""
    errors = request_errors(VENDOR_ORDERS, "SubmitAcknowledgementRequest", body)
    if errors:
        return errors
    acknowledgements = body.get(ITEMS_KEY) or []
    if not acknowledgements:
        return [{"field": ITEMS_KEY, "message": _("Send at least one acknowledgement."), "code": "required"}]
    for a, acknowledgement in enumerate(acknowledgements):
        dates = [(f"acknowledgements[{a}].acknowledgementDate", acknowledgement.get("acknowledgementDate"))]
        for i, item in enumerate(acknowledgement.get("items") or []):
            for j, given in enumerate(item.get("itemAcknowledgements") or []):
                for name in ("scheduledShipDate", "scheduledDeliveryDate"):
                    if name in given:
                        dates.append((f"acknowledgements[{a}].items[{i}].itemAcknowledgements[{j}].{name}", given[name]))
        for path, value in dates:
            if parse_amazon_datetime(value) is None:
                errors.append({"field": path, "message": _("%(field)s must be an ISO-8601 date-time.") % {"field": path}, "code": "invalid"})
    return errors


def unknown_purchase_order_errors(*, scope, body) -> list[dict]:
    """Every acknowledged PO must be the caller's: another vendor's PO is as unknown as a missing one."""
    numbers = {acknowledgement["purchaseOrderNumber"] for acknowledgement in body[ITEMS_KEY]}
    known = set(PurchaseOrder.objects.visible_to(scope).filter(number__in=numbers).values_list("number", flat=True))
    return [
        {"field": f"acknowledgements[{a}].purchaseOrderNumber", "message": _("The purchase order was not found."), "code": "not_found"}
        for a, acknowledgement in enumerate(body[ITEMS_KEY])
        if acknowledgement["purchaseOrderNumber"] not in known
    ]


# In the worker ------------------------------------------------------------------------------------
def amazon_error(*, code: str, message: str, number: str, sequence=None, rule: str, field: str) -> dict:
    details = [("purchaseOrderNumber", number), ("itemSequenceNumber", sequence), ("rule", rule), ("field", field)]
    return {"code": code, "message": message, "details": "; ".join(f"{key}={value}" for key, value in details if value is not None)}


@dataclass
class MappedAcknowledgement:
    number: str
    confirmations: list[LineConfirmation] = field(default_factory=list)
    positions: list[tuple[str, int]] = field(default_factory=list)  # per confirmation: (Amazon item path, sequence)
    scheduled_ship_date: datetime.date | None = None
    scheduled_delivery_date: datetime.date | None = None
    errors: list[dict] = field(default_factory=list)

    def refuse(self, sequence, rule: str, path: str, message: str) -> None:
        if sequence is None:
            text = _("Purchase order %(number)s: %(problem)s") % {"number": self.number, "problem": message}
        else:
            text = _("Purchase order %(number)s, item %(sequence)s: %(problem)s") % {"number": self.number, "sequence": sequence, "problem": message}
        self.errors.append(amazon_error(code="InvalidInput", message=text, number=self.number, sequence=sequence, rule=rule, field=path))


def in_line_units(quantity: dict, line: PurchaseOrderLine) -> int | None:
    """An ItemQuantity in the line's own unit (Eaches, or Cases of the line's size); None if it does not convert."""
    amount = quantity.get("amount")
    if not isinstance(amount, int):
        return None
    unit = quantity.get("unitOfMeasure") or line.unit_of_measure
    size = quantity.get("unitSize")
    if unit == line.unit_of_measure and (unit == UnitOfMeasure.EACHES or size in (None, line.unit_size)):
        return amount
    eaches = amount * (size or line.unit_size) if unit == UnitOfMeasure.CASES else amount
    if eaches % line.eaches_per_unit:
        return None
    return eaches // line.eaches_per_unit


def _resolve_line(mapped: MappedAcknowledgement, item: dict, lines: dict, path: str) -> PurchaseOrderLine | None:
    asin, sku = item.get("amazonProductIdentifier"), item.get("vendorProductIdentifier")
    raw_sequence = item.get("itemSequenceNumber")
    if raw_sequence is not None:
        if not str(raw_sequence).strip().isdigit():
            mapped.refuse(raw_sequence, "unknown_item", f"{path}.itemSequenceNumber", _("itemSequenceNumber must be the line number on the purchase order."))
            return None
        line = lines.get(int(raw_sequence))
        if line is None:
            mapped.refuse(raw_sequence, "unknown_item", f"{path}.itemSequenceNumber", _("the purchase order has no such item."))
            return None
        if (asin and asin != line.asin) or (sku and sku != line.vendor_sku):
            mapped.refuse(
                line.sequence,
                "product_identifier_mismatch",
                f"{path}.{'amazonProductIdentifier' if asin and asin != line.asin else 'vendorProductIdentifier'}",
                _("the product identifier is not the one this purchase order orders on this item (ASIN %(asin)s, SKU %(sku)s).") % {"asin": line.asin, "sku": line.vendor_sku},
            )
            return None
        return line
    if not asin and not sku:
        mapped.refuse(None, "item_not_identified", path, _("give itemSequenceNumber, amazonProductIdentifier or vendorProductIdentifier for each item."))
        return None
    matches = [line for line in lines.values() if (asin and line.asin == asin) or (sku and line.vendor_sku == sku)]
    if len(matches) == 1:
        line = matches[0]
        if (asin and asin != line.asin) or (sku and sku != line.vendor_sku):
            mapped.refuse(line.sequence, "product_identifier_mismatch", path, _("the ASIN and the vendor SKU belong to different items."))
            return None
        return line
    if not matches:
        mapped.refuse(None, "product_identifier_mismatch", path, _("no item of this purchase order has this product identifier."))
    else:
        mapped.refuse(None, "item_ambiguous", path, _("several items have this product identifier; give itemSequenceNumber."))
    return None


def _selling_party_code(po: PurchaseOrder) -> str:
    account = VendorAccount.objects.filter(vendor_id=po.vendor_id, marketplace_id=po.marketplace_id).values_list("vendor_code", flat=True).first()
    return account or po.vendor.code


def map_acknowledgement(acknowledgement: dict, po: PurchaseOrder, lines: dict, where: str) -> MappedAcknowledgement:
    mapped = MappedAcknowledgement(number=po.number)
    expected_party = _selling_party_code(po)
    given_party = (acknowledgement.get("sellingParty") or {}).get("partyId")
    if given_party != expected_party:
        mapped.refuse(
            None, "selling_party_mismatch", f"{where}.sellingParty.partyId",
            _("sellingParty must be your vendor code in this purchase order's marketplace (%(code)s).") % {"code": expected_party},
        )
    ship_dates, delivery_dates = [], []
    for i, item in enumerate(acknowledgement.get("items") or []):
        path = f"{where}.items[{i}]"
        line = _resolve_line(mapped, item, lines, path)
        if line is None:
            continue
        ordered = in_line_units(item.get("orderedQuantity") or {}, line)
        if ordered != line.ordered_quantity:
            mapped.refuse(
                line.sequence, "ordered_quantity_mismatch", f"{path}.orderedQuantity",
                _("orderedQuantity must be what the purchase order now orders: %(qty)s %(unit)s.") % {"qty": line.ordered_quantity, "unit": line.unit_of_measure},
            )
            continue
        quantities = {"accepted": 0, "backordered": 0, "rejected": 0}
        reasons, backorder_dates = [], []
        for j, given in enumerate(item.get("itemAcknowledgements") or []):
            quantity = in_line_units(given.get("acknowledgedQuantity") or {}, line)
            if quantity is None or quantity < 0:
                mapped.refuse(
                    line.sequence, "quantity_unit", f"{path}.itemAcknowledgements[{j}].acknowledgedQuantity",
                    _("the acknowledged quantity must be a whole number of the item's unit (%(unit)s of %(size)s).") % {"unit": line.unit_of_measure, "size": line.unit_size},
                )
                continue
            code = given["acknowledgementCode"]
            quantities[CODE_TO_FIELD[code]] += quantity
            ship = parse_amazon_datetime(given.get("scheduledShipDate"))
            delivery = parse_amazon_datetime(given.get("scheduledDeliveryDate"))
            if code == "Rejected" and given.get("rejectionReason") and given["rejectionReason"] not in reasons:
                reasons.append(given["rejectionReason"])
            elif code == "Backordered" and (ship or delivery):
                backorder_dates.append(timezone.localdate(ship or delivery))
            elif code == "Accepted":
                ship_dates += [timezone.localdate(ship)] if ship else []
                delivery_dates += [timezone.localdate(delivery)] if delivery else []
        if len(reasons) > 1:
            mapped.refuse(line.sequence, "one_rejection_reason", f"{path}.itemAcknowledgements", _("give one rejection reason per item."))
            continue
        mapped.confirmations.append(
            LineConfirmation(
                sequence=line.sequence,
                rejection_reason=reasons[0] if reasons else "",
                backorder_date=max(backorder_dates) if backorder_dates else None,
                **quantities,
            )
        )
        mapped.positions.append((path, line.sequence))
    # The PO keeps one promised date: the earliest any accepted item gives.
    mapped.scheduled_ship_date = min(ship_dates) if ship_dates else None
    mapped.scheduled_delivery_date = min(delivery_dates) if delivery_dates else None
    return mapped


def _service_errors(error: PortalError, mapped: MappedAcknowledgement, lines: dict, where: str) -> list[dict]:
    code = AMAZON_CODES.get(error.status, "InvalidInput")
    given = {sequence for _path, sequence in mapped.positions}
    missing = iter(sorted(set(lines) - given))
    out = []
    for problem in error.as_error_list():
        service_field = problem.get("field") or ""
        sequence, path = None, where
        match = _SERVICE_LINE_FIELD.match(service_field)
        if match and int(match[1]) < len(mapped.positions):
            item_path, sequence = mapped.positions[int(match[1])]
            path = item_path + SERVICE_FIELD_SUFFIX.get(match[2] or "", "")
        elif problem["code"] == "line_missing":
            sequence, path = next(missing, None), f"{where}.items"
        elif service_field in SERVICE_PO_FIELDS:
            path = where + SERVICE_PO_FIELDS[service_field]
        message = _("Purchase order %(number)s: %(problem)s") % {"number": mapped.number, "problem": problem["message"]}
        out.append(amazon_error(code=code, message=message, number=mapped.number, sequence=sequence, rule=problem["code"], field=path))
    return out


def apply_order_acknowledgement(*, item: dict, index: int, scope, actor) -> list[dict]:
    """The transaction handler for one OrderAcknowledgement: apply it through the service, or return why not."""
    where = f"acknowledgements[{index}]"
    number = item.get("purchaseOrderNumber", "")
    po = PurchaseOrder.objects.visible_to(scope).select_related("vendor").filter(number=number).first()
    if po is None:
        return [amazon_error(code="NotFound", message=_("The purchase order was not found."), number=number, rule="not_found", field=f"{where}.purchaseOrderNumber")]
    # Read without a lock: sequences and product identifiers of a line never change; the service locks and re-checks the rest.
    lines = {line.sequence: line for line in po.lines.order_by("sequence")}
    mapped = map_acknowledgement(item, po, lines, where)
    if mapped.errors:
        return mapped.errors
    try:
        purchase_order_acknowledge(
            scope=scope,
            number=po.number,
            lines=mapped.confirmations,
            actor=actor,
            scheduled_ship_date=mapped.scheduled_ship_date,
            scheduled_delivery_date=mapped.scheduled_delivery_date,
        )
    except PortalError as error:
        return _service_errors(error, mapped, lines, where)
    return []
