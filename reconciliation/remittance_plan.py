"""How a payment run nets one vendor's money in one marketplace. Pure: reads nothing, writes nothing.

`selectors.payment_run_candidates` gathers what is open, `plan_remittance` decides what one remittance
takes; `selectors.payment_run_preview` shows the plans and `services.payment_runs.payment_run_create` stores them, so
the preview and the run can never disagree.

The order of netting (a remittance never goes below zero):
1. invoices approved for payment that are due by the pay date (or whose early-payment discount is still
   open: the discount is then taken), each paid in full;
2. reversals of claims settled earlier: money owed to the vendor now;
3. deductions, oldest first, each with its unsettled reversals, all or nothing: one that does not fit
   carries over to the next run whole (the newest carry first);
4. credit notes, oldest first, as far as the payment reaches: a credit note larger than what is left is
   netted in part and the rest carries forward to the next run (state "paid partly" once paid), so the
   net can reach zero but never go negative. Credit notes come last so a deduction is never carried
   over because of a credit note, and together they recoup as much as the payment allows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vendor_portal.errors import FieldError, field_error
from vendor_portal.money import ZERO

from .models import (
    Deduction,
    DeductionKind,
    RemittanceLineKind,
    terms_discount,
    terms_discount_deadline,
    terms_due_date,
)

# How far ahead a run may be dated: further is a typing error, not a plan.
MAX_DAYS_AHEAD = 366


def pay_date_errors(pay_date, today: datetime.date) -> list[FieldError]:
    """Why `pay_date` cannot date a payment run (empty when it can)."""
    if not isinstance(pay_date, datetime.date):
        return [field_error(None, "pay_date", _("Enter the pay date."), "required")]
    if pay_date < today:
        return [
            field_error(
                None, "pay_date", _("The pay date %(date)s is in the past.") % {"date": date_format(pay_date, "DATE_FORMAT")}, "pay_date_past"
            )
        ]
    if (pay_date - today).days > MAX_DAYS_AHEAD:
        return [field_error(None, "pay_date", _("A payment run is dated at most a year ahead."), "pay_date_too_far")]
    return []


def invoice_payable(invoice, pay_date: datetime.date) -> bool:
    """Due by `pay_date`, or paid early enough on it to earn the early-payment discount."""
    due = invoice.due_date or terms_due_date(invoice.invoice_date, invoice.payment_terms)
    if due <= pay_date:
        return True
    deadline = terms_discount_deadline(invoice_date=invoice.invoice_date, terms=invoice.payment_terms, discount_days=invoice.discount_due_days)
    has_discount = invoice.discount_percent > 0 or invoice.payment_terms == "2/10net30"
    return has_discount and deadline is not None and pay_date <= deadline


@dataclass
class CreditNoteCandidate:
    credit_note: object  # invoicing.Invoice of type CreditNote
    open_amount: Decimal  # its total less what paid runs already netted


@dataclass
class CreditApplied:
    credit_note: object
    open_amount: Decimal  # before this run
    applied: Decimal  # netted by this run

    @property
    def carried_forward(self) -> Decimal:
        return self.open_amount - self.applied


@dataclass
class RemittancePlan:
    lines: list[dict] = field(default_factory=list)  # kind, reference, description, amount (signed), invoice?, deduction?
    invoices: list = field(default_factory=list)
    taken: list[Deduction] = field(default_factory=list)  # deductions and reversals this remittance settles
    carried_over: list[Deduction] = field(default_factory=list)  # deductions that did not fit
    credits: list[CreditApplied] = field(default_factory=list)

    def total(self, kind: str) -> Decimal:
        return sum((line["amount"] for line in self.lines if line["kind"] == kind), ZERO)

    @property
    def gross_paid(self) -> Decimal:
        return self.total(RemittanceLineKind.INVOICE_PAID)

    @property
    def deductions_total(self) -> Decimal:
        return -self.total(RemittanceLineKind.DEDUCTION)

    @property
    def reversals_total(self) -> Decimal:
        return self.total(RemittanceLineKind.REVERSAL)

    @property
    def discounts_total(self) -> Decimal:
        return -self.total(RemittanceLineKind.DISCOUNT)

    @property
    def credit_notes_total(self) -> Decimal:
        return -self.total(RemittanceLineKind.CREDIT_NOTE)

    @property
    def net_amount(self) -> Decimal:
        return sum((line["amount"] for line in self.lines), ZERO)

    @property
    def credit_carried_forward(self) -> Decimal:
        return sum((credit.carried_forward for credit in self.credits), ZERO)


def _deduction_line(deduction: Deduction) -> dict:
    is_reversal = deduction.kind == DeductionKind.REVERSAL
    description = f"{deduction.get_kind_display()} · {deduction.get_reason_display()}" + (
        f" · {deduction.description}" if deduction.description else ""
    )
    return {
        "kind": RemittanceLineKind.REVERSAL if is_reversal else RemittanceLineKind.DEDUCTION,
        "reference": deduction.reference,
        "deduction": deduction,
        "amount": deduction.amount if is_reversal else -deduction.amount,
        "description": description[:300],
    }


def _credit_note_line(credit: CreditApplied) -> dict:
    note = credit.credit_note
    credited = note.reference_invoice.number if note.reference_invoice_id else ""
    if credit.applied < credit.open_amount:
        description = _("Credit note %(n)s of %(d)s (credits %(inv)s): %(applied)s of %(open)s netted, %(rest)s carried forward") % {
            "n": note.number,
            "d": note.invoice_date.isoformat(),
            "inv": credited,
            "applied": credit.applied,
            "open": credit.open_amount,
            "rest": credit.carried_forward,
        }
    else:
        description = _("Credit note %(n)s of %(d)s (credits %(inv)s)") % {"n": note.number, "d": note.invoice_date.isoformat(), "inv": credited}
    return {
        "kind": RemittanceLineKind.CREDIT_NOTE,
        "reference": note.number,
        "invoice": note,
        "amount": -credit.applied,
        "description": description[:300],
    }


def plan_remittance(
    *, invoices: list, deductions: list[Deduction], credit_notes: list[CreditNoteCandidate], pay_date: datetime.date
) -> RemittancePlan:
    """The lines of one vendor's remittance in one marketplace. `invoices` are the payable ones (due date
    order), `deductions` the unsettled deductions and reversals (oldest first), `credit_notes` the open
    credit notes (oldest first)."""
    plan = RemittancePlan(invoices=list(invoices))
    running = ZERO
    for invoice in invoices:
        plan.lines.append(
            {
                "kind": RemittanceLineKind.INVOICE_PAID,
                "reference": invoice.number,
                "invoice": invoice,
                "amount": invoice.grand_total,
                "description": _("Invoice %(n)s of %(d)s") % {"n": invoice.number, "d": invoice.invoice_date.isoformat()},
            }
        )
        running += invoice.grand_total
        discount = terms_discount(
            amount=invoice.grand_total,
            invoice_date=invoice.invoice_date,
            terms=invoice.payment_terms,
            pay_date=pay_date,
            discount_percent=invoice.discount_percent,
            discount_days=invoice.discount_due_days,
        )
        if discount:
            plan.lines.append(
                {
                    "kind": RemittanceLineKind.DISCOUNT,
                    "reference": invoice.number,
                    "invoice": invoice,
                    "amount": -discount,
                    "description": _("Early-payment discount"),
                }
            )
            running -= discount

    reversals_of: dict[int, list[Deduction]] = defaultdict(list)
    for deduction in deductions:
        if deduction.kind == DeductionKind.REVERSAL:
            reversals_of[deduction.reverses_id].append(deduction)
    unsettled_ids = {d.pk for d in deductions}
    taken: list[Deduction] = []
    for deduction in deductions:  # reversals of claims settled earlier are money owed now
        if deduction.kind == DeductionKind.REVERSAL and deduction.reverses_id not in unsettled_ids:
            taken.append(deduction)
            running += deduction.amount
    for deduction in deductions:  # oldest first: the newest carry over when they do not fit
        if deduction.kind == DeductionKind.REVERSAL:
            continue
        its_reversals = reversals_of.get(deduction.pk, [])
        effect = deduction.amount - sum((r.amount for r in its_reversals), ZERO)
        if running - effect < 0:
            plan.carried_over.append(deduction)
            plan.carried_over.extend(its_reversals)
            continue
        running -= effect
        taken.append(deduction)
        taken.extend(its_reversals)
    order = {d.pk: i for i, d in enumerate(deductions)}
    plan.taken = sorted(taken, key=lambda d: order[d.pk])
    plan.lines.extend(_deduction_line(deduction) for deduction in plan.taken)

    for candidate in credit_notes:
        applied = min(candidate.open_amount, max(running, ZERO))
        credit = CreditApplied(credit_note=candidate.credit_note, open_amount=candidate.open_amount, applied=applied)
        plan.credits.append(credit)
        if applied > 0:
            running -= applied
            plan.lines.append(_credit_note_line(credit))
    return plan
