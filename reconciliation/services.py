"""Every write of reconciliation: matching on request, deductions, disputes, payment runs, remittances.

Names (stable, used by the screens and the API):
- `match_run(*, scope, actor, invoice_id=None)` — AP re-runs the 3-way match (one invoice or all) and
  the chargebacks; returns `engine.MatchSummary`.
- `deduction_create(*, scope, actor, vendor, marketplace, kind, reason, amount, description, ...)` — AP
  raises a chargeback or co-op allowance by hand.
- `dispute_create(*, scope, deduction_id, reason, files, actor)` — the vendor disputes a deduction
  within its window (`DisputeWindow` per kind and marketplace; default 30 days, 2 disputes), with
  evidence files (PDF, JPEG or PNG, at most 5 MB each, 10 files). A re-dispute is allowed only after a
  denial (upheld) or a partial reversal.
- `dispute_answer(*, scope, dispute_id, outcome, actor, amount=None, note="")` — AP upholds (denies),
  reverses fully or partly; a reversal is a new `reversal` deduction, paid in the next remittance.
- `payment_run_create(*, scope, pay_date, actor, marketplace=None)` -> a run waiting for a second
  person's approval (maker/checker kind "payment_run"; the requester can never approve);
  `payment_run_decide(*, scope, run_id, approve, actor, note="")`; `payment_run_pay(*, scope, run_id,
  actor)`; `payment_run_cancel(*, scope, run_id, actor)`.
- `remittance_document(*, scope, remittance_id, actor)` — the remittance advice as PDF/A.

Payment decisions (the plan itself is reconciliation/remittance_plan.py, shared with the preview
`selectors.payment_run_preview`):
- A run is dated today or later (at most a year ahead). It takes the invoices approved for payment
  that are due by the pay date, or whose early-payment discount is still open on it (the discount is
  then taken: a `discount` line).
- Deductions and reversals not yet settled are netted per vendor and marketplace (one remittance each).
  Invoices are always paid in full (state `paid`): deductions are netted on the remittance, not
  against one invoice. When deductions exceed what the run pays a vendor, the deductions that do not
  fit (newest first) stay unsettled and carry over to the next run, so a net is never negative. A
  claim and its unsettled reversals are taken together. A disputed deduction is netted like any other;
  an upheld dispute's reversal is paid in the next run.
- Credit notes the retailer accepted (or approved for payment), in the marketplace's currency, whose
  credited invoice was not rejected, are netted in the vendor's next run in that marketplace: a
  `credit_note` line, after the deductions. One larger than what is left to pay is netted in part (the
  net reaches zero, never below) and the rest carries forward to the following runs. When the run is
  paid the credit note becomes `paid` (netted in full) or `paid_partly` (some still to net). An unpaid
  run holds its credit notes; a cancelled run frees them.

Side effects: every write is audited; vendors are notified (deduction raised, dispute answered, payment
sent) and AP is notified of new disputes. Webhooks `deduction.raised`, `dispute.answered` and `payment.sent`
follow the audit rows ("deduction.raise", "dispute.answer", "remittance.pay", mapped in webhooks/events.py);
the engine hands its bulk-written audit rows to the same mapping. Vendors with an active EDI trading
partner get an 820 with each payment.
"""
from __future__ import annotations

import datetime
import hashlib
import logging
import uuid
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch, Sum
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from invoicing.models import Invoice, InvoiceState
from vendor_portal.errors import (
    ConflictError,
    PortalError,
    DomainValidationError,
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
)
from vendor_portal.models import Document
from vendor_portal.roles import Action, Role
from vendor_portal.services.approvals import ApprovalKind, approval_decide, approval_request_create, register_approval_kind
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles
from vendor_portal.tenancy import Scope

from .models import (
    ZERO,
    Deduction,
    DeductionKind,
    DeductionReason,
    DeductionStatus,
    Dispute,
    DisputeStatus,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
    RemittanceLine,
    RemittanceLineKind,
    marketplace_today,
    money,
)

logger = logging.getLogger(__name__)
FINANCE_ROLES = [Role.VENDOR_FINANCE, Role.VENDOR_ADMIN]
AP_ROLES = [Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN]
APPROVAL_KIND = "payment_run"
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_MAX_FILES = 10
EVIDENCE_TYPES = ((b"%PDF-", "application/pdf", "pdf"), (b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"))
DEDUCTION_AUDITED = [
    "kind", "reason", "variance_type", "amount", "currency", "status", "invoice_id", "invoice_line_id", "purchase_order_id",
    "shipment_id", "reverses_id", "dispute_deadline", "remittance_id", "settled_at",
]
DISPUTE_AUDITED = ["deduction_id", "number", "reason", "status", "amount_reversed", "reversal_id", "answer_note", "answered_by_id", "answered_at"]
RUN_AUDITED = ["number", "pay_date", "status", "approval_request_id", "approved_by_id", "approved_at", "paid_by_id", "paid_at"]
REMITTANCE_AUDITED = ["number", "currency", "gross_paid", "deductions_total", "reversals_total", "discounts_total", "credit_notes_total", "net_amount"]


def system_scope() -> Scope:
    """The scope of beat jobs acting for the retailer's accounts payable."""
    return Scope(is_retailer=True, roles=frozenset({Role.ACCOUNTS_PAYABLE}))


def _require_retailer(scope, action: str) -> None:
    if scope is None or not scope.is_retailer or not scope.can(action):
        raise ForbiddenError()


def _error(field: str | None, message: str, code: str = "invalid") -> dict:
    return {"field": field, "message": message, "code": code}


def _refuse(message: str, field: str | None = None, code: str = "invalid"):
    raise DomainValidationError(message, errors=[_error(field, message, code)])


# Webhooks and EDI ---------------------------------------------------------------------------------
# Webhooks follow the audit trail (webhooks/events.py maps "deduction.raise", "dispute.answer" and
# "remittance.pay"); these shapes go into those audit rows so the deliveries carry the facts.
def deduction_event_data(deduction: Deduction) -> dict:
    return {
        "id": deduction.pk, "reference": deduction.reference, "kind": deduction.kind, "reason": deduction.reason,
        "variance_type": deduction.variance_type, "amount": {"amount": str(deduction.amount), "currency": deduction.currency},
        "status": deduction.status, "invoice_id": deduction.invoice_id, "reverses_id": deduction.reverses_id,
        "dispute_deadline": deduction.dispute_deadline.isoformat() if deduction.dispute_deadline else None,
    }


# Matching -----------------------------------------------------------------------------------------
def match_run(*, scope, actor: Actor, invoice_id=None):
    """AP re-runs the match for one invoice (or all, with the chargebacks)."""
    from .engine import chargebacks_raise, match_invoices

    _require_retailer(scope, Action.RUN_PAYMENTS)
    if invoice_id is not None:
        invoice = Invoice.objects.visible_to(scope).filter(pk=invoice_id).first() if str(invoice_id).isdecimal() else None
        if invoice is None:
            raise NotFoundError(_("Invoice not found."))
        return match_invoices(invoice_ids=[invoice.pk], actor=actor)
    summary = match_invoices(actor=actor)
    summary.claims_raised.extend(deduction.pk for deduction in chargebacks_raise(actor=actor))
    return summary


# Deductions raised by hand ------------------------------------------------------------------------
def deduction_create(*, scope, actor: Actor, vendor, marketplace, kind: str, reason: str, amount, description: str = "",
                     invoice=None, purchase_order=None, shipment=None) -> Deduction:
    """AP raises a chargeback or a co-op allowance (agreed in advance) by hand."""
    from .engine import dispute_windows, window_for

    _require_retailer(scope, Action.RUN_PAYMENTS)
    if kind not in (DeductionKind.CHARGEBACK, DeductionKind.COOP_ALLOWANCE):
        _refuse(_("Only chargebacks and co-op allowances are raised by hand."), "kind")
    if reason not in DeductionReason.values:
        _refuse(_("Unknown reason."), "reason")
    try:
        amount = money(amount)
    except (InvalidOperation, TypeError, ValueError):
        _refuse(_("Enter an amount."), "amount")
    if amount <= 0:
        _refuse(_("The amount must be above zero."), "amount")
    days, _max = window_for(dispute_windows(), marketplace.pk, kind)
    with transaction.atomic():
        deduction = Deduction.objects.create(
            vendor=vendor, marketplace=marketplace, kind=kind, reason=reason, amount=amount, currency=marketplace.currency,
            description=description[:300], invoice=invoice, purchase_order=purchase_order, shipment=shipment,
            dispute_deadline=marketplace_today(marketplace) + datetime.timedelta(days=days),
        )
        audit_record(actor=actor, action="deduction.raise", obj=deduction, after=deduction_event_data(deduction))
        notify_vendor_roles(
            vendor=vendor, roles=FINANCE_ROLES, marketplace=marketplace, kind="deduction_raised",
            title=_("Deduction %(ref)s: %(amount)s %(cur)s") % {"ref": deduction.reference, "amount": amount, "cur": deduction.currency},
            url=f"/payments/deductions/{deduction.pk}/",
        )
    return deduction


def deduction_reversed_total(deduction: Deduction) -> Decimal:
    return deduction.reversals.aggregate(total=Sum("amount"))["total"] or ZERO


# Disputes -----------------------------------------------------------------------------------------
def _evidence_kind(uploaded) -> tuple[str, str] | None:
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    for magic, content_type, extension in EVIDENCE_TYPES:
        if head.startswith(magic):
            return content_type, extension
    return None


def _check_evidence(files) -> list[tuple]:
    files = [f for f in (files or []) if f is not None]
    errors, checked = [], []
    if len(files) > EVIDENCE_MAX_FILES:
        errors.append(_error("evidence", _("At most %(n)s files.") % {"n": EVIDENCE_MAX_FILES}, "too_many"))
    for index, uploaded in enumerate(files):
        if uploaded.size > EVIDENCE_MAX_BYTES:
            errors.append(_error(f"evidence[{index}]", _("%(name)s is larger than 5 MB.") % {"name": uploaded.name}, "too_large"))
            continue
        kind = _evidence_kind(uploaded)
        if kind is None:
            errors.append(_error(f"evidence[{index}]", _("%(name)s is not a PDF, JPEG or PNG file.") % {"name": uploaded.name}, "file_type"))
            continue
        checked.append((uploaded, *kind))
    if errors:
        raise DomainValidationError(_("The evidence files were refused; nothing was saved."), errors=errors)
    return checked


def dispute_create(*, scope, deduction_id, reason: str, files=(), actor: Actor) -> Dispute:
    if scope is None or scope.is_retailer or not scope.can(Action.DISPUTE_DEDUCTIONS):
        raise ForbiddenError()
    reason = (reason or "").strip()
    if not reason:
        _refuse(_("Say why the deduction is wrong."), "reason", "required")
    evidence = _check_evidence(files)
    from .engine import dispute_windows, window_for

    with transaction.atomic():
        deduction = (
            Deduction.objects.visible_to(scope).select_for_update().select_related("marketplace", "vendor").filter(pk=deduction_id).first()
            if str(deduction_id).isdecimal() else None
        )
        if deduction is None:
            raise NotFoundError(_("Deduction not found."))
        if deduction.kind == DeductionKind.REVERSAL:
            _refuse(_("A reversal gives money back: there is nothing to dispute."), None, "not_disputable")
        days, max_disputes = window_for(dispute_windows(), deduction.marketplace_id, deduction.kind)
        deadline = deduction.dispute_deadline or (marketplace_today(deduction.marketplace, deduction.created_at) + datetime.timedelta(days=days))
        if marketplace_today(deduction.marketplace) > deadline:
            _refuse(_("The dispute window of %(ref)s closed on %(date)s.") % {"ref": deduction.reference, "date": deadline.isoformat()}, None, "window_closed")
        earlier = list(deduction.disputes.order_by("number"))
        if any(d.status == DisputeStatus.OPEN for d in earlier):
            raise ConflictError(_("%(ref)s is already disputed; wait for the answer.") % {"ref": deduction.reference})
        if len(earlier) >= max_disputes:
            _refuse(_("%(ref)s was disputed %(n)s times, the most allowed.") % {"ref": deduction.reference, "n": len(earlier)}, None, "dispute_limit")
        if deduction.status == DeductionStatus.REVERSED or (earlier and earlier[-1].status == DisputeStatus.REVERSED):
            _refuse(_("%(ref)s is already reversed in full.") % {"ref": deduction.reference}, None, "already_reversed")
        dispute = Dispute.objects.create(deduction=deduction, vendor=deduction.vendor, number=len(earlier) + 1, reason=reason, created_by=actor.user)
        documents = []
        for index, (uploaded, content_type, extension) in enumerate(evidence, start=1):
            key = f"disputes/{dispute.pk}/{index}-{get_valid_filename(uploaded.name)[:80] or 'evidence.' + extension}"
            data = uploaded.read()
            document = Document(
                vendor=deduction.vendor, kind="dispute_evidence", key=key, title=((uploaded.name or "").replace("\x00", "") or key)[:200], content_type=content_type,
                size=len(data), sha256=hashlib.sha256(data).hexdigest(), target_type=dispute._meta.label_lower,
                target_id=str(dispute.pk), uploaded_by=actor.user,
            )
            document.file.save(key.replace("/", "-"), ContentFile(data), save=False)
            document.save()
            documents.append(document)
        if documents:
            dispute.evidence.add(*documents)
        audit_record(actor=actor, action="dispute.create", obj=dispute,
                     after={**snapshot(dispute, DISPUTE_AUDITED), "evidence": [d.pk for d in documents]})
        before = snapshot(deduction, DEDUCTION_AUDITED)
        deduction.status = DeductionStatus.DISPUTED
        deduction.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="deduction.dispute", obj=deduction, before=before, after=snapshot(deduction, DEDUCTION_AUDITED))
        notify_retailer_roles(
            roles=AP_ROLES, kind="dispute_opened", vendor=deduction.vendor,
            title=_("%(vendor)s disputes %(ref)s (%(amount)s %(cur)s)") % {
                "vendor": deduction.vendor.code, "ref": deduction.reference, "amount": deduction.amount, "cur": deduction.currency},
            url=f"/payments/disputes/{dispute.pk}/",
        )
    return dispute


DEDUCTION_STATUS_FOR = {
    DisputeStatus.UPHELD: DeductionStatus.UPHELD,
    DisputeStatus.REVERSED: DeductionStatus.REVERSED,
    DisputeStatus.PARTLY_REVERSED: DeductionStatus.PARTLY_REVERSED,
}


def dispute_answer(*, scope, dispute_id, outcome: str, actor: Actor, amount=None, note: str = "") -> Dispute:
    """AP's answer: upheld (the dispute is denied), reversed in full, or partly reversed by `amount`."""
    _require_retailer(scope, Action.ANSWER_DISPUTES)
    if outcome not in DEDUCTION_STATUS_FOR:
        _refuse(_("Answer upheld, reversed or partly_reversed."), "outcome")
    note = (note or "").strip()
    if outcome != DisputeStatus.REVERSED and not note:
        _refuse(_("Say why."), "note", "required")
    with transaction.atomic():
        dispute = Dispute.objects.visible_to(scope).select_for_update().filter(pk=dispute_id).first() if str(dispute_id).isdecimal() else None
        if dispute is None:
            raise NotFoundError(_("Dispute not found."))
        if dispute.status != DisputeStatus.OPEN:
            raise InvalidTransitionError(_("This dispute was already answered."))
        deduction = Deduction.objects.select_for_update().select_related("vendor", "marketplace").get(pk=dispute.deduction_id)
        remaining = deduction.amount - deduction_reversed_total(deduction)
        back = ZERO
        if outcome == DisputeStatus.REVERSED:
            back = remaining
        elif outcome == DisputeStatus.PARTLY_REVERSED:
            try:
                back = money(amount)
            except (InvalidOperation, TypeError, ValueError):
                _refuse(_("Enter the amount to reverse."), "amount", "required")
            if not ZERO < back < remaining:
                _refuse(_("A partial reversal is above zero and below %(left)s.") % {"left": remaining}, "amount", "out_of_range")
        if outcome != DisputeStatus.UPHELD and back <= 0:
            _refuse(_("Nothing is left to reverse."), "outcome", "nothing_left")
        if back > 0:
            reversal = Deduction.objects.create(
                vendor=deduction.vendor, marketplace=deduction.marketplace, kind=DeductionKind.REVERSAL, reason=DeductionReason.DISPUTE_REVERSED,
                variance_type=deduction.variance_type, amount=back, currency=deduction.currency, invoice=deduction.invoice,
                invoice_line=deduction.invoice_line, purchase_order=deduction.purchase_order, shipment=deduction.shipment,
                reverses=deduction, description=(_("Dispute %(n)s of %(ref)s approved") % {"n": dispute.number, "ref": deduction.reference})[:300],
            )
            audit_record(actor=actor, action="deduction.reverse", obj=reversal, after=snapshot(reversal, DEDUCTION_AUDITED))
            dispute.reversal = reversal
        before = snapshot(dispute, DISPUTE_AUDITED)
        dispute.status = outcome
        dispute.amount_reversed = back
        dispute.answer_note = note
        dispute.answered_by = actor.user
        dispute.answered_at = timezone.now()
        dispute.save(update_fields=["status", "amount_reversed", "reversal", "answer_note", "answered_by", "answered_at"])
        audit_record(actor=actor, action="dispute.answer", obj=dispute, before=before, after={
            **snapshot(dispute, DISPUTE_AUDITED), "state": dispute.status, "currency": deduction.currency,
            "deduction": {**deduction_event_data(deduction), "status": DEDUCTION_STATUS_FOR[outcome]},
        })
        before = snapshot(deduction, DEDUCTION_AUDITED)
        deduction.status = DEDUCTION_STATUS_FOR[outcome]
        deduction.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="deduction.answer", obj=deduction, before=before, after=snapshot(deduction, DEDUCTION_AUDITED))
        notify_vendor_roles(
            vendor=deduction.vendor, roles=FINANCE_ROLES, marketplace=deduction.marketplace, kind="dispute_answered",
            title=_("Dispute of %(ref)s: %(outcome)s") % {"ref": deduction.reference, "outcome": DisputeStatus(outcome).label.lower()},
            body=note, url=f"/payments/disputes/{dispute.pk}/",
        )
    return dispute


# Payment runs -------------------------------------------------------------------------------------
def payment_run_create(*, scope, pay_date: datetime.date, actor: Actor, marketplace=None) -> PaymentRun:
    """Put together the remittances for `pay_date` and ask a second person to approve them. The plan is
    `selectors.payment_run_preview`'s, taken under lock: what the preview showed is what the run holds."""
    from .remittance_plan import pay_date_errors, plan_remittance
    from .selectors import payment_run_candidates

    _require_retailer(scope, Action.RUN_PAYMENTS)
    if actor.user is None:
        raise ForbiddenError(_("A payment run is requested by a person."))
    errors = pay_date_errors(pay_date, timezone.localdate())
    if errors:
        raise DomainValidationError(errors[0]["message"], errors=errors)
    with transaction.atomic():
        groups = payment_run_candidates(scope=scope, pay_date=pay_date, marketplace=marketplace, for_update=True)
        run = PaymentRun.objects.create(number=f"PR-{pay_date:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}", pay_date=pay_date, created_by=actor.user)
        audit_record(actor=actor, action="payment_run.create", obj=run, after=snapshot(run, RUN_AUDITED))
        totals = {"remittances": 0, "net": defaultdict(Decimal)}
        for key in sorted(groups):
            candidates = groups[key]
            plan = plan_remittance(invoices=candidates["invoices"], deductions=candidates["deductions"],
                                   credit_notes=candidates["credit_notes"], pay_date=pay_date)
            if not plan.lines:
                continue
            _remittance_create(run=run, vendor=candidates["vendor"], marketplace=candidates["marketplace"], plan=plan, actor=actor, totals=totals)
        if not totals["remittances"]:
            message = _("Nothing is due by %(date)s.") % {"date": pay_date.isoformat()}
            raise DomainValidationError(message, errors=[_error("pay_date", message, "nothing_due")])
        _request_approval(run, actor, totals)
    return run


def _remittance_create(*, run, vendor, marketplace, plan, actor: Actor, totals: dict) -> Remittance:
    lines = plan.lines
    net = plan.net_amount
    assert net == plan.gross_paid - plan.deductions_total + plan.reversals_total - plan.discounts_total - plan.credit_notes_total
    remittance = Remittance.objects.create(
        run=run, vendor=vendor, marketplace=marketplace, number=f"RA-{run.pk:05d}-{vendor.code}-{marketplace.code}", currency=marketplace.currency,
        gross_paid=plan.gross_paid, deductions_total=plan.deductions_total, reversals_total=plan.reversals_total,
        discounts_total=plan.discounts_total, credit_notes_total=plan.credit_notes_total, net_amount=net, pay_date=run.pay_date,
    )
    RemittanceLine.objects.bulk_create([
        RemittanceLine(remittance=remittance, sequence=index, kind=l["kind"], reference=l["reference"][:60], description=l["description"],
                       invoice=l.get("invoice"), deduction=l.get("deduction"), amount=l["amount"])
        for index, l in enumerate(lines, start=1)
    ])
    audit_record(actor=actor, action="remittance.create", obj=remittance, after={
        **snapshot(remittance, REMITTANCE_AUDITED),
        "lines": [{"kind": l["kind"], "reference": l["reference"], "amount": l["amount"]} for l in lines],
        "credit_carried_forward": [{"credit_note": c.credit_note.number, "amount": c.carried_forward} for c in plan.credits if c.carried_forward],
    })
    for deduction in plan.taken:
        before = {"remittance_id": deduction.remittance_id}
        deduction.remittance = remittance
        deduction.save(update_fields=["remittance", "updated_at"])
        audit_record(actor=actor, action="deduction.schedule", obj=deduction, before=before, after={"remittance_id": remittance.pk})
    totals["remittances"] += 1
    totals["net"][remittance.currency] += net
    return remittance


def _request_approval(run: PaymentRun, actor: Actor, totals: dict) -> None:
    nets = ", ".join(f"{amount} {currency}" for currency, amount in sorted(totals["net"].items()))
    approval = approval_request_create(
        vendor=None, kind=APPROVAL_KIND, actor=actor, target=run,
        summary=(_("Payment run %(n)s for %(date)s: %(count)s remittances, %(nets)s") % {
            "n": run.number, "date": run.pay_date.isoformat(), "count": totals["remittances"], "nets": nets})[:200],
        payload={"run_id": run.pk, "run": run.number, "pay_date": run.pay_date.isoformat(), "remittances": totals["remittances"],
                 "net": {c: str(a) for c, a in totals["net"].items()}, "run_url": f"/payments/runs/{run.pk}/"},
    )
    before = snapshot(run, RUN_AUDITED)
    run.approval_request = approval
    run.status = PaymentRunStatus.PENDING_APPROVAL
    run.save(update_fields=["approval_request", "status"])
    audit_record(actor=actor, action="payment_run.request_approval", obj=run, before=before, after=snapshot(run, RUN_AUDITED))


def _apply_payment_run_approval(approval, actor: Actor) -> None:
    run = PaymentRun.objects.select_for_update().filter(pk=approval.payload.get("run_id")).first()
    if run is None or run.status != PaymentRunStatus.PENDING_APPROVAL or run.approval_request_id != approval.pk:
        raise InvalidTransitionError(_("This payment run no longer waits for approval."))
    before = snapshot(run, RUN_AUDITED)
    run.status = PaymentRunStatus.APPROVED
    run.approved_by = actor.user
    run.approved_at = timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(actor=actor, action="payment_run.approve", obj=run, before=before, after=snapshot(run, RUN_AUDITED))


register_approval_kind(
    ApprovalKind(name=APPROVAL_KIND, checker_action=Action.RUN_PAYMENTS, apply=_apply_payment_run_approval, checker_roles=AP_ROLES, retailer=True)
)


def _run_for_update(scope, run_id) -> PaymentRun:
    run = PaymentRun.objects.visible_to(scope).select_for_update().filter(pk=run_id).first() if str(run_id).isdecimal() else None
    if run is None:
        raise NotFoundError(_("Payment run not found."))
    return run


def payment_run_decide(*, scope, run_id, approve: bool, actor: Actor, note: str = "") -> PaymentRun:
    """The second person's decision (the same as on the approvals screen). A turned-down run is cancelled."""
    _require_retailer(scope, Action.RUN_PAYMENTS)
    run = PaymentRun.objects.visible_to(scope).filter(pk=run_id).select_related("approval_request").first() if str(run_id).isdecimal() else None
    if run is None:
        raise NotFoundError(_("Payment run not found."))
    if run.status != PaymentRunStatus.PENDING_APPROVAL or run.approval_request is None:
        raise InvalidTransitionError(_("Payment run %(n)s is not waiting for approval.") % {"n": run.number})
    with transaction.atomic():
        approval_decide(approval=run.approval_request, approve=approve, actor=actor, scope=scope, note=note)
        if not approve:
            _cancel(_run_for_update(scope, run.pk), actor)
    run.refresh_from_db()
    return run


def _cancel(run: PaymentRun, actor: Actor) -> None:
    if not run.can_transition_to(PaymentRunStatus.CANCELLED):
        raise InvalidTransitionError(_("Payment run %(n)s is %(s)s and cannot be cancelled.") % {"n": run.number, "s": run.get_status_display().lower()})
    for deduction in Deduction.objects.select_for_update().filter(remittance__run=run).order_by("pk"):
        before = {"remittance_id": deduction.remittance_id}
        deduction.remittance = None
        deduction.save(update_fields=["remittance", "updated_at"])
        audit_record(actor=actor, action="deduction.unschedule", obj=deduction, before=before, after={"remittance_id": None})
    before = snapshot(run, RUN_AUDITED)
    run.status = PaymentRunStatus.CANCELLED
    run.save(update_fields=["status"])
    audit_record(actor=actor, action="payment_run.cancel", obj=run, before=before, after=snapshot(run, RUN_AUDITED))


def payment_run_cancel(*, scope, run_id, actor: Actor) -> PaymentRun:
    from vendor_portal.models import ApprovalStatus
    from vendor_portal.services.approvals import approval_cancel

    _require_retailer(scope, Action.RUN_PAYMENTS)
    with transaction.atomic():
        run = _run_for_update(scope, run_id)
        approval = run.approval_request
        if run.status == PaymentRunStatus.PENDING_APPROVAL and approval is not None and approval.status == ApprovalStatus.PENDING:
            approval_cancel(approval=approval, actor=actor)
        _cancel(run, actor)
    return run


def payment_run_pay(*, scope, run_id, actor: Actor) -> PaymentRun:
    """Send the approved payment: invoices paid, deductions settled, remittances issued (PDF, webhooks, EDI 820)."""
    from invoicing.services.decisions import invoice_decide

    _require_retailer(scope, Action.RUN_PAYMENTS)
    with transaction.atomic():
        run = _run_for_update(scope, run_id)
        if run.status != PaymentRunStatus.APPROVED:
            raise InvalidTransitionError(_("Payment run %(n)s is %(s)s: only an approved run is paid.") % {"n": run.number, "s": run.get_status_display().lower()})
        now = timezone.now()
        remittances = list(run.remittances.select_related("vendor", "marketplace").prefetch_related(
            Prefetch("lines", queryset=RemittanceLine.objects.select_related("invoice").order_by("sequence"))).order_by("pk"))
        invoice_ids = sorted({line.invoice_id for r in remittances for line in r.lines.all() if line.invoice_id and line.kind == RemittanceLineKind.INVOICE_PAID})
        stale = list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids).exclude(state=InvoiceState.APPROVED_FOR_PAYMENT).values_list("number", flat=True))
        if stale:
            raise ConflictError(_("Invoices %(n)s are no longer approved for payment; cancel this run and create a new one.") % {"n": ", ".join(stale)})
        for invoice_id in invoice_ids:
            invoice_decide(scope=scope, invoice_id=invoice_id, state=InvoiceState.PAID, actor=actor, reason=run.number)
        _settle_credit_notes(scope=scope, run=run, remittances=remittances, actor=actor)
        for deduction in Deduction.objects.select_for_update().filter(remittance__run=run).order_by("pk"):
            before = snapshot(deduction, DEDUCTION_AUDITED)
            deduction.settled_at = now
            if deduction.status == DeductionStatus.OPEN:
                deduction.status = DeductionStatus.SETTLED
            deduction.save(update_fields=["settled_at", "status", "updated_at"])
            audit_record(actor=actor, action="deduction.settle", obj=deduction, before=before, after=snapshot(deduction, DEDUCTION_AUDITED))
        before = snapshot(run, RUN_AUDITED)
        run.status = PaymentRunStatus.PAID
        run.paid_by = actor.user
        run.paid_at = now
        run.save(update_fields=["status", "paid_by", "paid_at"])
        audit_record(actor=actor, action="payment_run.pay", obj=run, before=before, after=snapshot(run, RUN_AUDITED))
        for remittance in remittances:
            remittance.paid_at = now
            remittance.save(update_fields=["paid_at"])
            audit_record(actor=actor, action="remittance.pay", obj=remittance, before={"paid_at": None},
                         after={"paid_at": now, **remittance_event_data(remittance)})
            notify_vendor_roles(
                vendor=remittance.vendor, roles=FINANCE_ROLES, marketplace=remittance.marketplace, kind="payment_sent",
                title=_("Payment %(n)s: %(net)s %(cur)s on %(date)s") % {
                    "n": remittance.number, "net": remittance.net_amount, "cur": remittance.currency, "date": run.pay_date.isoformat()},
                url=f"/payments/remittances/{remittance.pk}/",
            )
            _send_edi_820(remittance, actor)
        remittance_ids = [r.pk for r in remittances]
        transaction.on_commit(lambda: _queue_documents(remittance_ids))
    return run


def _settle_credit_notes(*, scope, run: PaymentRun, remittances: list[Remittance], actor: Actor) -> None:
    """The credit notes this run nets: paid once netted in full, paid partly while some carries forward."""
    from invoicing.services.decisions import invoice_decide

    from .selectors import CREDITABLE_STATES, credit_note_open_amounts

    netted: dict[int, Decimal] = defaultdict(Decimal)
    for remittance in remittances:
        for line in remittance.lines.all():
            if line.kind == RemittanceLineKind.CREDIT_NOTE:
                netted[line.invoice_id] -= line.amount
    if not netted:
        return
    credit_notes = list(Invoice.objects.select_for_update().filter(pk__in=sorted(netted)).order_by("pk"))
    stale = [c.number for c in credit_notes if c.state not in CREDITABLE_STATES]
    if stale:
        raise ConflictError(_("Credit notes %(n)s can no longer be netted; cancel this run and create a new one.") % {"n": ", ".join(stale)})
    open_before = credit_note_open_amounts(credit_notes=credit_notes)  # this run is not paid yet: not counted
    for credit_note in credit_notes:
        if netted[credit_note.pk] > open_before[credit_note.pk]:
            raise ConflictError(_("Credit note %(n)s was netted by another run meanwhile; cancel this run and create a new one.") % {"n": credit_note.number})
        target = InvoiceState.PAID if netted[credit_note.pk] == open_before[credit_note.pk] else InvoiceState.PAID_PARTLY
        if credit_note.state == InvoiceState.ACCEPTED:
            invoice_decide(scope=scope, invoice_id=credit_note.pk, state=InvoiceState.APPROVED_FOR_PAYMENT, actor=actor, reason=run.number)
            credit_note.state = InvoiceState.APPROVED_FOR_PAYMENT
        if credit_note.state != target:
            invoice_decide(scope=scope, invoice_id=credit_note.pk, state=target, actor=actor, reason=run.number)


def remittance_event_data(remittance: Remittance) -> dict:
    return {
        "remittance_id": remittance.pk, "number": remittance.number, "pay_date": remittance.pay_date.isoformat(),
        "currency": remittance.currency, "gross_paid": str(remittance.gross_paid), "deductions_total": str(remittance.deductions_total),
        "reversals_total": str(remittance.reversals_total), "discounts_total": str(remittance.discounts_total),
        "credit_notes_total": str(remittance.credit_notes_total), "net_amount": str(remittance.net_amount),
        "lines": [{"kind": l.kind, "reference": l.reference, "amount": str(l.amount)} for l in remittance.lines.all()],
    }


def _send_edi_820(remittance: Remittance, actor: Actor) -> None:
    """An 820 for vendors trading by EDI; nothing for the others."""
    try:
        from edi.services.outbound import edi_remittance_820
        from edi.services.partners import active_partner
        from edi.x12.remittance820 import Adjustment, RemittedInvoice
        from edi.x12.remittance820 import Remittance as X12Remittance
    except ImportError:
        return
    if active_partner(remittance.vendor) is None:
        return
    invoices = []
    adjustments = []
    for line in remittance.lines.all():
        if line.kind == RemittanceLineKind.INVOICE_PAID:
            invoices.append(RemittedInvoice(invoice_number=line.reference, amount_paid=line.amount, invoice_amount=line.amount))
        elif line.kind == RemittanceLineKind.CREDIT_NOTE:
            # RMR*CM: the credit memo, with what this payment nets of it (negative) beside its full amount.
            total = line.invoice.grand_total if line.invoice_id else -line.amount
            invoices.append(RemittedInvoice(invoice_number=line.reference, amount_paid=line.amount, invoice_amount=-total, reference_qualifier="CM"))
        else:
            reason = {"discount": "CS", "reversal": "CS"}.get(line.kind, "01" if "PC-" in line.reference else "06" if "SC-" in line.reference else "CS")
            adjustments.append(Adjustment(amount=line.amount, reason_code=reason, reference_qualifier="CR", reference_id=line.reference))
    from edi.x12.common import Party

    x12 = X12Remittance(
        trace_number=remittance.number, payment_amount=remittance.net_amount, payment_date=remittance.pay_date, currency=remittance.currency,
        parties=[Party(entity_code="PR", name="Retailer"), Party(entity_code="PE", name=remittance.vendor.name[:60])],
        invoices=invoices, adjustments=adjustments,
    )
    try:
        with transaction.atomic():  # a savepoint: an 820 that cannot be written never stops the payment
            edi_remittance_820(vendor=remittance.vendor, remittance=x12, actor=actor, remittance_object=remittance)
    except PortalError as error:
        logger.warning("No EDI 820 for remittance %s: %s", remittance.number, error)


def _queue_documents(remittance_ids: list[int]) -> None:
    from .tasks import render_remittance_document

    for remittance_id in remittance_ids:
        render_remittance_document.delay(remittance_id)


# Remittance advice (PDF/A) ------------------------------------------------------------------------
def remittance_document_render(*, remittance: Remittance, actor: Actor) -> Document:
    from django.core.files.storage import default_storage
    from django.template.loader import render_to_string

    from vendor_portal.models.jobs import document_upload_to
    from vendor_portal.pdfa import render_html_pdfa

    lines = list(remittance.lines.order_by("sequence"))
    html = render_to_string("reconciliation/remittance_pdf.html", {"remittance": remittance, "lines": lines, "vendor": remittance.vendor})
    pdf = render_html_pdfa(html)
    with transaction.atomic():
        for old in Document.objects.select_for_update().filter(vendor=remittance.vendor, kind="remittance", key=remittance.document_key):
            old.file.delete(save=False)
            old.delete()
        stored = Document(
            vendor=remittance.vendor, kind="remittance", key=remittance.document_key, content_type="application/pdf", size=len(pdf),
            title=(_("Remittance %(n)s") % {"n": remittance.number})[:200], sha256=hashlib.sha256(pdf).hexdigest(),
            target_type=remittance._meta.label_lower, target_id=str(remittance.pk), uploaded_by=actor.user,
        )
        name = document_upload_to(stored, remittance.document_key)
        default_storage.delete(name)
        stored.file.save(name, ContentFile(pdf), save=False)
        stored.save()
        Remittance.objects.filter(pk=remittance.pk).update(document=stored)
        audit_record(actor=actor, action="remittance.document", obj=remittance, after={"document": stored.pk, "sha256": stored.sha256})
    remittance.document = stored
    return stored


def remittance_document(*, scope, remittance_id, actor: Actor) -> Document:
    """The stored remittance advice, rendered first when missing."""
    remittance = Remittance.objects.visible_to(scope).select_related("vendor", "document").filter(pk=remittance_id).first() if str(remittance_id).isdecimal() else None
    if remittance is None:
        raise NotFoundError(_("Remittance not found."))
    if remittance.document is not None:
        return remittance.document
    return remittance_document_render(remittance=remittance, actor=actor)
