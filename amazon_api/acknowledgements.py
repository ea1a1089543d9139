"""submitAcknowledgement: Amazon's OrderAcknowledgement mapped onto `purchase_order_acknowledge`.

The POST checks the shape (the model's SubmitAcknowledgementRequest, dates, POs that exist for the
caller); the worker maps each acknowledgement to LineConfirmations and lets the service apply it, all
or nothing per PO. The door passes each item as it was given (its sequence, product identifiers,
orderedQuantity and acknowledged quantities in their units): the service checks them against the PO line
and converts. What only the door knows is checked here: that sellingParty is the vendor's code in the
PO's marketplace, and one rejection reason per item. Every refusal names the PO, the item sequence, the
rule and the field, at the item's own path.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import PurchaseOrder
from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from purchase_orders.services.line_identity import GivenQuantity
from vendor_portal.errors import FieldError, PortalError, field_error
from vendor_portal.models import VendorAccount

from .errors import amazon_code
from .spec import VENDOR_ORDERS, request_errors

ITEMS_KEY = "acknowledgements"
CODE_TO_FIELD = {"Accepted": "accepted", "Backordered": "backordered", "Rejected": "rejected"}
# The service's field names for an item, as paths inside Amazon's item (when the item's acknowledgements
# do not say more precisely where).
ITEM_FIELDS = {
    "sequence": ".itemSequenceNumber",
    "asin": ".amazonProductIdentifier",
    "vendor_sku": ".vendorProductIdentifier",
    "gtin": "",
    "ordered_quantity": ".orderedQuantity",
    "accepted": ".itemAcknowledgements",
    "backordered": ".itemAcknowledgements",
    "rejected": ".itemAcknowledgements",
    "rejection_reason": ".itemAcknowledgements",
    "backorder_date": ".itemAcknowledgements",
}
PO_FIELDS = {"lines": ".items", "scheduled_ship_date": ".items", "scheduled_delivery_date": ".items"}


def parse_amazon_datetime(value) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed


# At the door (the POST) ---------------------------------------------------------------------------
def submit_errors(body) -> list[FieldError]:
    """The request's shape: Amazon's model, at least one acknowledgement, every date readable."""
    errors = request_errors(VENDOR_ORDERS, "SubmitAcknowledgementRequest", body)
    if errors:
        return errors
    acknowledgements = body.get(ITEMS_KEY) or []
    if not acknowledgements:
        return [field_error(None, ITEMS_KEY, _("Send at least one acknowledgement."), "required")]
    for a, acknowledgement in enumerate(acknowledgements):
        dates = [(f"acknowledgements[{a}].acknowledgementDate", acknowledgement.get("acknowledgementDate"))]
        for i, item in enumerate(acknowledgement.get("items") or []):
            for j, given in enumerate(item.get("itemAcknowledgements") or []):
                for name in ("scheduledShipDate", "scheduledDeliveryDate"):
                    if name in given:
                        dates.append((f"acknowledgements[{a}].items[{i}].itemAcknowledgements[{j}].{name}", given[name]))
        for path, value in dates:
            if parse_amazon_datetime(value) is None:
                errors.append(field_error(None, path, _("%(field)s must be an ISO-8601 date-time.") % {"field": path}))
    return errors


def unknown_purchase_order_errors(*, scope, body) -> list[FieldError]:
    """Every acknowledged PO must be the caller's: another vendor's PO is as unknown as a missing one."""
    numbers = {acknowledgement["purchaseOrderNumber"] for acknowledgement in body[ITEMS_KEY]}
    known = set(PurchaseOrder.objects.visible_to(scope).filter(number__in=numbers).values_list("number", flat=True))
    return [
        field_error(None, f"acknowledgements[{a}].purchaseOrderNumber", _("The purchase order was not found."), "not_found")
        for a, acknowledgement in enumerate(body[ITEMS_KEY])
        if acknowledgement["purchaseOrderNumber"] not in known
    ]


# In the worker ------------------------------------------------------------------------------------
def amazon_error(*, code: str, message: str, number: str, sequence=None, rule: str, field: str) -> dict:
    details = [("purchaseOrderNumber", number), ("itemSequenceNumber", sequence), ("rule", rule), ("field", field)]
    return {"code": code, "message": message, "details": "; ".join(f"{key}={value}" for key, value in details if value is not None)}


@dataclass(eq=False)
class _Item:
    """An item of the payload: where it is, its itemSequenceNumber as given, and where its
    itemAcknowledgements put each service field (the first one that carries it)."""

    path: str
    sequence: object = None
    fields: dict[str, str] = field(default_factory=dict)

    def locate(self, name: str | None) -> str:
        if not name:
            return self.path
        return self.fields.get(name) or self.path + ITEM_FIELDS.get(name, "")


@dataclass(eq=False)
class _Quantity:
    """An ItemQuantity of the payload (orderedQuantity, acknowledgedQuantity) of the item `item`."""

    path: str
    item: _Item


@dataclass
class MappedAcknowledgement:
    number: str
    where: str
    confirmations: list[LineConfirmation] = field(default_factory=list)
    scheduled_ship_date: datetime.date | None = None
    scheduled_delivery_date: datetime.date | None = None
    date_paths: dict[str, str] = field(default_factory=dict)  # the service's date field -> the date it came from
    errors: list[dict] = field(default_factory=list)

    def refuse(self, sequence, rule: str, path: str, message: str) -> None:
        if sequence is None:
            text = _("Purchase order %(number)s: %(problem)s") % {"number": self.number, "problem": message}
        else:
            text = _("Purchase order %(number)s, item %(sequence)s: %(problem)s") % {"number": self.number, "sequence": sequence, "problem": message}
        self.errors.append(amazon_error(code="InvalidInput", message=text, number=self.number, sequence=sequence, rule=rule, field=path))

    def locate(self, problem: FieldError) -> tuple[str, object]:
        """Where in the payload a service error belongs, and the item sequence it concerns."""
        ref = problem.ref
        if isinstance(ref, _Quantity):
            return ref.path, ref.item.sequence
        if isinstance(ref, _Item):
            return ref.locate(problem.field), ref.sequence
        path = self.date_paths.get(problem.field) or self.where + PO_FIELDS.get(problem.field, "")
        return path, problem.data.get("sequence")


def _quantity(given: dict, path: str, item: _Item) -> GivenQuantity:
    return GivenQuantity(given.get("amount"), given.get("unitOfMeasure") or "", given.get("unitSize"), ref=_Quantity(path, item))


def _selling_party_code(po: PurchaseOrder) -> str:
    account = VendorAccount.objects.filter(vendor_id=po.vendor_id, marketplace_id=po.marketplace_id).values_list("vendor_code", flat=True).first()
    return account or po.vendor.code


def map_acknowledgement(acknowledgement: dict, po: PurchaseOrder, where: str) -> MappedAcknowledgement:
    mapped = MappedAcknowledgement(number=po.number, where=where)
    expected_party = _selling_party_code(po)
    given_party = (acknowledgement.get("sellingParty") or {}).get("partyId")
    if given_party != expected_party:
        mapped.refuse(
            None,
            "selling_party_mismatch",
            f"{where}.sellingParty.partyId",
            _("sellingParty must be your vendor code in this purchase order's marketplace (%(code)s).") % {"code": expected_party},
        )
    dates: dict[str, list[tuple[datetime.date, str]]] = {"scheduled_ship_date": [], "scheduled_delivery_date": []}
    for i, item in enumerate(acknowledgement.get("items") or []):
        path = f"{where}.items[{i}]"
        raw_sequence = item.get("itemSequenceNumber")
        if raw_sequence is not None and not str(raw_sequence).strip().isdigit():
            mapped.refuse(
                raw_sequence, "unknown_item", f"{path}.itemSequenceNumber", _("itemSequenceNumber must be the line number on the purchase order.")
            )
            continue
        at = _Item(path, raw_sequence)
        given, reasons, reason_paths, backorder_dates = [], [], [], []
        for j, answer in enumerate(item.get("itemAcknowledgements") or []):
            answer_path = f"{path}.itemAcknowledgements[{j}]"
            code = answer["acknowledgementCode"]
            status = CODE_TO_FIELD[code]
            given.append((status, _quantity(answer.get("acknowledgedQuantity") or {}, f"{answer_path}.acknowledgedQuantity", at)))
            at.fields.setdefault(status, f"{answer_path}.acknowledgedQuantity")
            ship = parse_amazon_datetime(answer.get("scheduledShipDate"))
            delivery = parse_amazon_datetime(answer.get("scheduledDeliveryDate"))
            if code == "Rejected":
                at.fields.setdefault("rejection_reason", f"{answer_path}.rejectionReason")
                if answer.get("rejectionReason") and answer["rejectionReason"] not in reasons:
                    reasons.append(answer["rejectionReason"])
                    reason_paths.append(f"{answer_path}.rejectionReason")
            elif code == "Backordered" and (ship or delivery):
                at.fields.setdefault("backorder_date", f"{answer_path}.{'scheduledShipDate' if ship else 'scheduledDeliveryDate'}")
                backorder_dates.append(timezone.localdate(ship or delivery))
            elif code == "Accepted":
                if ship:
                    dates["scheduled_ship_date"].append((timezone.localdate(ship), f"{answer_path}.scheduledShipDate"))
                if delivery:
                    dates["scheduled_delivery_date"].append((timezone.localdate(delivery), f"{answer_path}.scheduledDeliveryDate"))
        if len(reasons) > 1:
            # Named at the first answer whose reason differs from the item's first one.
            mapped.refuse(raw_sequence, "one_rejection_reason", reason_paths[1], _("give one rejection reason per item."))
            continue
        mapped.confirmations.append(
            LineConfirmation(
                sequence=int(raw_sequence) if raw_sequence is not None else None,
                asin=item.get("amazonProductIdentifier") or "",
                vendor_sku=item.get("vendorProductIdentifier") or "",
                ordered=_quantity(item.get("orderedQuantity") or {}, f"{path}.orderedQuantity", at),
                given=given,
                rejection_reason=reasons[0] if reasons else "",
                backorder_date=max(backorder_dates) if backorder_dates else None,
                ref=at,
            )
        )
    # The PO keeps one promised date: the earliest any accepted item gives; its errors point there.
    for name, given_dates in dates.items():
        if given_dates:
            day, path = min(given_dates)
            setattr(mapped, name, day)
            mapped.date_paths[name] = path
    return mapped


def _service_errors(error: PortalError, mapped: MappedAcknowledgement) -> list[dict]:
    code = amazon_code(error.status)
    out = []
    for problem in error.field_errors():
        path, sequence = mapped.locate(problem)
        message = _("Purchase order %(number)s: %(problem)s") % {"number": mapped.number, "problem": problem.message}
        out.append(amazon_error(code=code, message=message, number=mapped.number, sequence=sequence, rule=problem.code, field=path))
    return out


def apply_order_acknowledgement(*, item: dict, index: int, scope, actor) -> list[dict]:
    """The transaction handler for one OrderAcknowledgement: apply it through the service, or return why not."""
    where = f"acknowledgements[{index}]"
    number = item.get("purchaseOrderNumber", "")
    po = PurchaseOrder.objects.visible_to(scope).select_related("vendor").filter(number=number).first()
    if po is None:
        return [
            amazon_error(
                code="NotFound", message=_("The purchase order was not found."), number=number, rule="not_found", field=f"{where}.purchaseOrderNumber"
            )
        ]
    mapped = map_acknowledgement(item, po, where)
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
        return _service_errors(error, mapped)
    return []
