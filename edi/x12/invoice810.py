"""810 Invoice (vendor -> retailer): Invoice <-> segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from edi.x12.common import (
    PARTY_DETAIL_IDS,
    AllowanceCharge,
    HasParties,
    Party,
    Tax,
    allowance_charge_segment,
    party_segments,
    read_allowance_charge,
    read_party,
    read_party_detail,
    read_tax,
    tax_segment,
)
from edi.x12.core import Element
from edi.x12.mapping import SetReader, fmt_date, fmt_decimal, fmt_implied, fmt_int, id_pair_elements, pad

CREDIT_MEMO = "CR"  # BIG07
SHIPPED = "011"  # DTM qualifier


@dataclass
class PaymentTerms:
    """ITD."""

    type_code: str = "01"  # ITD01: 01 basic, 05 discount not applicable, 08 basic discount offered
    basis_date_code: str = "3"  # ITD02: 3 invoice date, 2 delivery date, 1 ship date
    discount_percent: Decimal | None = None  # ITD03
    discount_days: int | None = None  # ITD05
    net_days: int | None = None  # ITD07
    description: str = ""  # ITD12


@dataclass
class InvoiceLine:
    """IT1 (with PID description, line-level TXI and SAC)."""

    line_number: str  # IT101
    quantity: int  # IT102 invoiced
    uom: str  # IT103
    unit_price: Decimal  # IT104
    price_basis: str = ""  # IT105
    item_ids: dict[str, str] = field(default_factory=dict)  # IT106.. pairs, see ItemId
    description: str = ""  # PID05
    pack_size: int | None = None  # PO401: eaches per case
    taxes: list[Tax] = field(default_factory=list)
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass
class Invoice(HasParties):
    invoice_number: str  # BIG02
    invoice_date: date  # BIG01
    total_amount: Decimal  # TDS01 (N2 on the wire), as the vendor states it; checking it is the caller's job
    po_number: str = ""  # BIG04
    po_date: date | None = None  # BIG03
    invoice_type: str = ""  # BIG07: CR credit memo, DR debit memo; empty for an ordinary invoice
    currency: str = ""  # CUR02 with CUR01 SE
    references: dict[str, str] = field(default_factory=dict)  # REF01 -> REF02: IA vendor number, VN vendor order
    parties: list[Party] = field(default_factory=list)  # RI remit-to, BT bill-to, ST ship-to, SF ship-from
    terms: PaymentTerms | None = None
    shipped_date: date | None = None  # DTM*011
    lines: list[InvoiceLine] = field(default_factory=list)
    taxes: list[Tax] = field(default_factory=list)  # summary TXI
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)  # summary SAC

    @property
    def is_credit_note(self) -> bool:
        return self.invoice_type == CREDIT_MEMO


def read_810(reader: SetReader) -> Invoice | None:
    big = reader.first("BIG", at=2)
    if big is None:
        return None
    tds = reader.first("TDS")
    if tds is None:
        return None
    invoice = Invoice(
        invoice_date=reader.date(big, 1, required=True),  # type: ignore[arg-type]
        invoice_number=reader.text(big, 2, required=True),
        po_date=reader.date(big, 3),
        po_number=big[4],
        invoice_type=big[7],
        total_amount=reader.implied(tds, 1, required=True),  # type: ignore[arg-type]
    )
    party: Party | None = None
    line: InvoiceLine | None = None
    in_summary = False
    for segment in reader.body:
        sid = segment.id
        if sid == "N1" and line is None:
            party = read_party(reader, segment)
            invoice.parties.append(party)
            continue
        if sid in PARTY_DETAIL_IDS and party is not None:
            read_party_detail(party, segment)
            continue
        party = None
        if sid == "CUR" and line is None:
            invoice.currency = segment[2]
        elif sid == "REF" and line is None:
            invoice.references[segment[1]] = segment[2] or segment[3]
        elif sid == "ITD":
            invoice.terms = PaymentTerms(
                type_code=segment[1],
                basis_date_code=segment[2],
                discount_percent=reader.decimal(segment, 3),
                discount_days=reader.integer(segment, 5),
                net_days=reader.integer(segment, 7),
                description=segment[12],
            )
        elif sid == "DTM" and segment[1] == SHIPPED and line is None:
            invoice.shipped_date = reader.date(segment, 2, required=True)
        elif sid == "IT1":
            line = InvoiceLine(
                line_number=segment[1],
                quantity=reader.integer(segment, 2, required=True),  # type: ignore[arg-type]
                uom=reader.text(segment, 3, required=True),
                unit_price=reader.decimal(segment, 4, required=True),  # type: ignore[arg-type]
                price_basis=segment[5],
                item_ids=reader.id_pairs(segment, 6),
            )
            invoice.lines.append(line)
        elif sid == "PID" and line is not None and not in_summary:
            line.description = segment[5]
        elif sid == "PO4" and line is not None and not in_summary:
            line.pack_size = reader.integer(segment, 1)
        elif sid == "TDS":
            in_summary = True
        elif sid == "TXI":
            tax = read_tax(reader, segment)
            (invoice.taxes if in_summary or line is None else line.taxes).append(tax)
        elif sid == "SAC":
            charge = read_allowance_charge(reader, segment)
            (invoice.allowances_charges if in_summary or line is None else line.allowances_charges).append(charge)
    if not invoice.lines:
        reader.missing_segment("IT1", before=("TDS",))
    return invoice


def write_810(invoice: Invoice) -> list[list[Element]]:
    big: list[Element] = ["BIG", fmt_date(invoice.invoice_date), invoice.invoice_number, fmt_date(invoice.po_date), invoice.po_number]
    if invoice.invoice_type:
        big = pad(big, 6) + [invoice.invoice_type]
    segments: list[list[Element]] = [big]
    if invoice.currency:
        segments.append(["CUR", "SE", invoice.currency])
    segments += [["REF", qualifier, value] for qualifier, value in invoice.references.items()]
    for party in invoice.parties:
        segments += party_segments(party)
    if invoice.terms:
        terms = invoice.terms
        itd: list[Element] = [
            "ITD",
            terms.type_code,
            terms.basis_date_code,
            fmt_decimal(terms.discount_percent),
            "",
            fmt_int(terms.discount_days),
            "",
            fmt_int(terms.net_days),
        ]
        if terms.description:
            itd = pad(itd, 11) + [terms.description]
        segments.append(itd)
    if invoice.shipped_date:
        segments.append(["DTM", SHIPPED, fmt_date(invoice.shipped_date)])
    for line in invoice.lines:
        segments.append(
            [
                "IT1",
                line.line_number,
                fmt_int(line.quantity),
                line.uom,
                fmt_decimal(line.unit_price),
                line.price_basis,
                *id_pair_elements(line.item_ids),
            ]
        )
        segments += [tax_segment(tax) for tax in line.taxes]
        if line.description:
            segments.append(["PID", "F", "", "", "", line.description])
        if line.pack_size is not None:
            segments.append(["PO4", fmt_int(line.pack_size)])
        segments += [allowance_charge_segment(charge) for charge in line.allowances_charges]
    segments.append(["TDS", fmt_implied(invoice.total_amount)])
    segments += [tax_segment(tax) for tax in invoice.taxes]
    segments += [allowance_charge_segment(charge) for charge in invoice.allowances_charges]
    segments.append(["CTT", str(len(invoice.lines))])
    return segments
