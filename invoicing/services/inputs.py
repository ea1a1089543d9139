"""An invoice or credit note as a door states it, typed: the screens' forms, the portal API, the Amazon door
and EDI 810 each read their own input (parsing their strings, refusing what is not a number or a date)
and build these; the services check the values and name each problem by the `ref` the door gave the row.

A field left UNSET was not given: a new draft takes its default, a change of a draft keeps what it has
(`lines`, `charges` and `taxes`, when given, replace all the draft's rows).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from decimal import Decimal


class _Unset:
    """Not given (unlike None or "", which a door gives to clear a field)."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET = _Unset()


@dataclass
class InvoiceLineInput:
    """One line: the PO line it bills (PO number and line sequence, or ASIN / vendor SKU), units and cost."""

    sequence: int | None = None  # the line number on the invoice; its position when None
    purchase_order_number: str = ""
    po_line_sequence: int | None = None
    asin: str = ""
    vendor_sku: str = ""
    title: str = ""
    quantity: int | None = None
    unit_of_measure: str = ""
    unit_size: int | None = None
    unit_cost: Decimal | None = None  # the PO's net cost when None
    # Amazon's netCost and X12's PE basis price one each: the service multiplies by the case size (the line's,
    # else its PO line's) for the per-unit-of-measure cost it keeps, and holds the door to its arithmetic.
    unit_cost_per_each: bool = False
    tax_type: str = ""
    tax_rate: Decimal | None = None
    tax_amount: Decimal | None = None  # amount × rate when None
    credited_line: int | None = None  # credit notes: the id of the credited invoice line
    ref: object = None


@dataclass
class InvoiceChargeInput:
    kind: str = ""
    charge_type: str = ""
    description: str = ""
    amount: Decimal | None = None
    tax_type: str = ""
    tax_rate: Decimal | None = None
    tax_amount: Decimal | None = None
    ref: object = None


@dataclass
class InvoiceTaxInput:
    tax_type: str = ""
    rate: Decimal | None = None
    taxable_amount: Decimal | None = None
    amount: Decimal | None = None
    ref: object = None


@dataclass
class InvoiceInput:
    number: str = UNSET
    invoice_type: str = UNSET
    invoice_date: datetime.date = UNSET
    currency: str = UNSET
    marketplace: str = UNSET  # marketplace code
    payment_terms: str = UNSET
    discount_percent: Decimal | None = UNSET
    discount_due_days: int | None = UNSET
    due_date: datetime.date | None = UNSET
    remit_to_party_id: str = UNSET
    remit_to_address: dict = UNSET
    ship_from_party_id: str = UNSET
    ship_from_address: dict = UNSET
    bill_to_party_id: str = UNSET
    bill_to_address: dict = UNSET
    ship_to_party_id: str = UNSET
    reference_invoice_number: str = UNSET
    credit_reason: str = UNSET
    credit_reference: str = UNSET
    grand_total: Decimal | None = UNSET  # the stated total; computed when not given
    lines: list[InvoiceLineInput] = UNSET
    charges: list[InvoiceChargeInput] = UNSET
    taxes: list[InvoiceTaxInput] = UNSET

    def given(self, name: str) -> bool:
        return getattr(self, name) is not UNSET

    def given_fields(self) -> set[str]:
        return {f.name for f in fields(self) if self.given(f.name)}


@dataclass
class CreditLineInput:
    """A line of a credit note: the invoice line it credits, and the units and cost (the line's when None)."""

    credited_line: int | None
    quantity: int | None = None
    unit_cost: Decimal | None = None
    ref: object = None


__all__ = ["UNSET", "CreditLineInput", "InvoiceChargeInput", "InvoiceInput", "InvoiceLineInput", "InvoiceTaxInput"]
