"""What the inbound transaction-set handlers share: a set's outcome and its problems located for the 997,
the context a set is received in, units and item identifiers."""

from __future__ import annotations

from dataclasses import dataclass, field

from edi import x12
from edi.x12.codes import ElementError, SegmentError, SetError
from edi.x12.core import Problem
from purchase_orders.models import UnitOfMeasure
from vendor_portal.models import TokenScope, Vendor
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

from ..models import Interchange, TradingPartner


@dataclass
class _Outcome:
    """What dispatching one transaction set did."""

    reference: str = ""
    obj: object | None = None
    errors: list[dict] = field(default_factory=list)


class _SetProblems:
    """Domain refusals filed on a transaction set as 997 problems, located at the segment and element
    that caused them, so the AK3/AK4 point the partner at the line to fix."""

    def __init__(self, ts: x12.TransactionSet, group: x12.FunctionalGroup, outcome: _Outcome):
        self.ts, self.group, self.outcome = ts, group, outcome

    def element(
        self, segment: x12.Segment, index: int, message: str, *, code: str = "invalid", x12_code: str | None = None, reference: str = ""
    ) -> None:
        """A refusal at element `index` of `segment`. Its AK403 says what is wrong with the element as sent:
        absent (1, mandatory data element missing: the portal needs it even where X12 leaves it optional) or
        present with a value the portal cannot take (7), unless the caller names a more precise code."""
        if x12_code is None:
            x12_code = ElementError.INVALID_CODE if segment[index] else ElementError.MANDATORY_MISSING
        self.ts.problems.append(
            Problem(
                "element",
                x12_code,
                str(message),
                group_control_number=self.group.control_number,
                set_control_number=self.ts.control_number,
                segment_id=segment.id,
                segment_position=segment.position,
                element_position=index,
                element_reference=reference,
                bad_value=segment[index][:99],
            )
        )
        self.outcome.errors.append({"code": code, "message": str(message), "segment": segment.id, "position": segment.position, "element": index})

    def missing(self, segment_id: str, position: int, message: str, *, code: str = "required") -> None:
        self.ts.problems.append(
            Problem(
                "segment",
                SegmentError.MANDATORY_MISSING,
                str(message),
                group_control_number=self.group.control_number,
                set_control_number=self.ts.control_number,
                segment_id=segment_id,
                segment_position=position,
            )
        )
        self.outcome.errors.append({"code": code, "message": str(message), "segment": segment_id, "position": position, "element": None})

    def unsupported(self, message: str, *, code: str = "not_supported") -> None:
        self.ts.problems.append(
            Problem(
                "set",
                SetError.NOT_SUPPORTED,
                str(message),
                group_control_number=self.group.control_number,
                set_control_number=self.ts.control_number,
            )
        )
        self.outcome.errors.append({"code": code, "message": str(message), "segment": "", "position": None, "element": None})


@dataclass
class _Context:
    vendor: Vendor
    partner: TradingPartner
    scope: Scope
    actor: Actor
    interchange: Interchange
    check_permissions: bool = True  # False for the watched folder, where the vendor itself is the sender

    def may(self, action: str) -> bool:
        """People need the action's role; an integrator token needs its edi scope."""
        if not self.check_permissions:
            return True
        if self.scope.token_scopes is not None:
            return TokenScope.EDI in self.scope.token_scopes
        return self.scope.can(action)


UNITS = {"EA": UnitOfMeasure.EACHES, "CA": UnitOfMeasure.CASES}
X12_UNITS = {value: key for key, value in UNITS.items()}
# Basis of unit price (639) in PO105/IT105. X12 has no "per case" code (CA is Catalog): a price per each is PE
# whatever PO103 says (a case's eaches are PO4's pack), and a price per the line's own unit (a case price) is UM.
PRICE_PER_EACH = "PE"
PRICE_PER_UNIT_OF_MEASURE = "UM"
# The 639 codes that price one each (catalog, quoted, retail, contract, wholesale price per each).
EACH_PRICE_BASES = {PRICE_PER_EACH, "LE", "QE", "RE", "TE", "WE"}
GTIN_QUALIFIERS = (x12.ItemId.UPC, x12.ItemId.EAN, x12.ItemId.GTIN14)
# The service's product identifier fields, as the id-pair qualifiers that carry them.
PRODUCT_QUALIFIERS = {"asin": (x12.ItemId.ASIN,), "vendor_sku": (x12.ItemId.VENDOR_ITEM,), "gtin": GTIN_QUALIFIERS}


def _item_id_positions(segment: x12.Segment, start: int = 6) -> dict[str, int]:
    """Qualifier -> position of its value in a PO1/LIN id-pair list."""
    return {segment[index]: index + 1 for index in range(start, len(segment.elements), 2) if segment[index]}


def _named_product(item_ids: dict[str, str]) -> dict[str, str]:
    """The product identifiers of an id-pair list, as the services' `asin`, `vendor_sku`, `gtin`."""
    return {name: next((item_ids[q] for q in qualifiers if item_ids.get(q)), "") for name, qualifiers in PRODUCT_QUALIFIERS.items()}


def _unit(code: str) -> str:
    """An X12 unit code as the portal's unit (an unknown code stays as given: the service refuses it)."""
    return UNITS.get(code, code)


def _product_position(segment: x12.Segment, name: str, start: int = 6) -> int | None:
    """The element of `segment` that carries the service's product field `name` (asin, vendor_sku, gtin)."""
    positions = _item_id_positions(segment, start)
    return next((positions[q] for q in PRODUCT_QUALIFIERS.get(name, ()) if q in positions), None)


@dataclass(frozen=True)
class _Element:
    """A quantity given in a segment: the element of its amount and of its unit (for the service's errors)."""

    segment: x12.Segment
    quantity: int
    unit: int
