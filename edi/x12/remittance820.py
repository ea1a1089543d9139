"""820 Payment Order/Remittance Advice (retailer -> vendor): Remittance <-> segments.

One ENT loop is written; on reading, the RMR and ADX of every ENT loop are gathered into one list.
Amounts are explicit decimals (R) in this set, unlike the implied decimals of the 810.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from edi.x12.common import PARTY_DETAIL_IDS, HasParties, Party, party_segments, read_party, read_party_detail
from edi.x12.core import Element, Segment
from edi.x12.mapping import SetReader, fmt_date, fmt_decimal

INVOICE = "IV"  # RMR01
INVOICE_DATE = "003"  # DTM qualifier under RMR


@dataclass
class BankAccount:
    """BPR06-09 (originating) or BPR12-15 (receiving)."""

    dfi_qualifier: str  # 01 ABA transit routing number, 04 Canadian bank branch
    dfi_id: str
    account_qualifier: str  # DA demand deposit, SG savings
    account_number: str


@dataclass
class Adjustment:
    """ADX: a deduction (negative) or other adjustment, with its reason."""

    amount: Decimal  # ADX01; negative reduces the payment
    reason_code: str  # ADX02 (426): e.g. 01 pricing error, 06 quantity contested, 20 advertising, CS adjustment
    reference_qualifier: str = ""  # ADX03
    reference_id: str = ""  # ADX04: the deduction or debit memo number


@dataclass
class RemittedInvoice:
    """RMR loop: one invoice paid (or part paid)."""

    invoice_number: str  # RMR02
    amount_paid: Decimal  # RMR04
    invoice_amount: Decimal | None = None  # RMR05
    discount_amount: Decimal | None = None  # RMR06
    reference_qualifier: str = INVOICE  # RMR01: IV invoice, CM credit memo, PO purchase order
    invoice_date: date | None = None  # DTM*003
    adjustments: list[Adjustment] = field(default_factory=list)


@dataclass
class Remittance(HasParties):
    trace_number: str  # TRN02: check or EFT trace number
    payment_amount: Decimal  # BPR02
    payment_date: date  # BPR16: effective entry or check issue date
    payment_method: str = "ACH"  # BPR04: ACH, CHK check, FWT wire, NON no payment
    handling_code: str = "C"  # BPR01: C payment with remittance, I remittance only, D payment only
    credit_debit: str = "C"  # BPR03
    payment_format: str = ""  # BPR05: CCP, CTX, PPD
    originating_account: BankAccount | None = None  # BPR06-09
    receiving_account: BankAccount | None = None  # BPR12-15
    originator_id: str = ""  # TRN03: usually 1 followed by the payer's EIN
    currency: str = ""  # CUR02 with CUR01 PR
    parties: list[Party] = field(default_factory=list)  # PR payer, PE payee
    invoices: list[RemittedInvoice] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)  # ENT-level ADX not tied to an invoice


def _bank_account(bpr: Segment, start: int) -> BankAccount | None:
    values = [bpr[start + offset] for offset in range(4)]
    return BankAccount(*values) if any(values) else None


def _bank_elements(account: BankAccount | None) -> list[Element]:
    if account is None:
        return ["", "", "", ""]
    return [account.dfi_qualifier, account.dfi_id, account.account_qualifier, account.account_number]


def read_820(reader: SetReader) -> Remittance | None:
    bpr = reader.first("BPR", at=2)
    trn = reader.first("TRN", at=3)
    if bpr is None or trn is None:
        return None
    remittance = Remittance(
        handling_code=reader.text(bpr, 1, required=True),
        payment_amount=reader.decimal(bpr, 2, required=True),  # type: ignore[arg-type]
        credit_debit=reader.code(bpr, 3, ("C", "D"), required=True),
        payment_method=reader.text(bpr, 4, required=True),
        payment_format=bpr[5],
        originating_account=_bank_account(bpr, 6),
        receiving_account=_bank_account(bpr, 12),
        payment_date=reader.date(bpr, 16, required=True),  # type: ignore[arg-type]
        trace_number=reader.text(trn, 2, required=True),
        originator_id=trn[3],
    )
    party: Party | None = None
    invoice: RemittedInvoice | None = None
    for segment in reader.body:
        sid = segment.id
        if sid == "N1":
            party = read_party(reader, segment)
            remittance.parties.append(party)
            continue
        if sid in PARTY_DETAIL_IDS and party is not None:
            read_party_detail(party, segment)
            continue
        party = None
        if sid == "CUR":
            remittance.currency = segment[2]
        elif sid == "ENT":
            invoice = None
        elif sid == "RMR":
            invoice = RemittedInvoice(
                reference_qualifier=segment[1],
                invoice_number=reader.text(segment, 2, required=True),
                amount_paid=reader.decimal(segment, 4, required=True),  # type: ignore[arg-type]
                invoice_amount=reader.decimal(segment, 5),
                discount_amount=reader.decimal(segment, 6),
            )
            remittance.invoices.append(invoice)
        elif sid == "DTM" and segment[1] == INVOICE_DATE and invoice is not None:
            invoice.invoice_date = reader.date(segment, 2)
        elif sid == "ADX":
            adjustment = Adjustment(
                amount=reader.decimal(segment, 1, required=True),  # type: ignore[arg-type]
                reason_code=reader.text(segment, 2, required=True),
                reference_qualifier=segment[3],
                reference_id=segment[4],
            )
            (invoice.adjustments if invoice is not None else remittance.adjustments).append(adjustment)
    return remittance


def _adjustment_segment(adjustment: Adjustment) -> list[Element]:
    return ["ADX", fmt_decimal(adjustment.amount), adjustment.reason_code, adjustment.reference_qualifier, adjustment.reference_id]


def write_820(remittance: Remittance) -> list[list[Element]]:
    bpr: list[Element] = [
        "BPR",
        remittance.handling_code,
        fmt_decimal(remittance.payment_amount),
        remittance.credit_debit,
        remittance.payment_method,
        remittance.payment_format,
        *_bank_elements(remittance.originating_account),
        "",
        "",
        *_bank_elements(remittance.receiving_account),
        fmt_date(remittance.payment_date),
    ]
    segments: list[list[Element]] = [bpr, ["TRN", "1", remittance.trace_number, remittance.originator_id]]
    if remittance.currency:
        segments.append(["CUR", "PR", remittance.currency])
    for party in remittance.parties:
        segments += party_segments(party)
    if remittance.invoices or remittance.adjustments:
        segments.append(["ENT", "1"])
        segments += [_adjustment_segment(adjustment) for adjustment in remittance.adjustments]
    for invoice in remittance.invoices:
        segments.append(
            [
                "RMR",
                invoice.reference_qualifier,
                invoice.invoice_number,
                "",
                fmt_decimal(invoice.amount_paid),
                fmt_decimal(invoice.invoice_amount),
                fmt_decimal(invoice.discount_amount),
            ]
        )
        if invoice.invoice_date:
            segments.append(["DTM", INVOICE_DATE, fmt_date(invoice.invoice_date)])
        segments += [_adjustment_segment(adjustment) for adjustment in invoice.adjustments]
    return segments
