"""Payment runs: remittances put together for a pay date, approved by a second person, paid (invoices paid,
deductions settled, credit notes netted, RemittancePaid published: the webhooks and EDI's 820 follow) or cancelled.

- `payment_run_create(*, scope, pay_date, actor, marketplace=None)` -> a run waiting for a second
  person's approval (maker/checker kind "payment_run", registered here; the requester can never approve);
  `payment_run_decide(*, scope, run_id, approve, actor, note="")`; `payment_run_pay(*, scope, run_id,
  actor)`; `payment_run_cancel(*, scope, run_id, actor)`.

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
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from invoicing.models import Invoice, InvoiceState
from vendor_portal import events
from vendor_portal.errors import ConflictError, DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError, field_error
from vendor_portal.roles import Action
from vendor_portal.selectors import payment_holds
from vendor_portal.services.approvals import ApprovalKind, approval_decide, approval_request_create, register_approval_kind
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_vendor_roles
from vendor_portal.states import require_transition, transition

from ..models import Deduction, DeductionStatus, PaymentRun, PaymentRunStatus, Remittance, RemittanceLine, RemittanceLineKind
from ._common import AP_ROLES, DEDUCTION_AUDITED, FINANCE_ROLES, _require_retailer

APPROVAL_KIND = "payment_run"
RUN_AUDITED = ["number", "pay_date", "status", "approval_request_id", "approved_by_id", "approved_at", "paid_by_id", "paid_at"]
REMITTANCE_AUDITED = [
    "number",
    "currency",
    "gross_paid",
    "deductions_total",
    "reversals_total",
    "discounts_total",
    "credit_notes_total",
    "net_amount",
]


def payment_run_create(*, scope, pay_date: datetime.date, actor: Actor, marketplace=None) -> PaymentRun:
    """Put together the remittances for `pay_date` and ask a second person to approve them. The plan is
    `selectors.payment_run_preview`'s, taken under lock: what the preview showed is what the run holds."""
    from ..remittance_plan import pay_date_errors, plan_remittance
    from ..selectors import held_row, payment_run_candidates

    _require_retailer(scope, Action.RUN_PAYMENTS)
    if actor.user is None:
        raise ForbiddenError(_("A payment run is requested by a person."))
    errors = pay_date_errors(pay_date, timezone.localdate())
    if errors:
        raise DomainValidationError(errors[0].message, errors=errors)
    with transaction.atomic():
        groups = payment_run_candidates(scope=scope, pay_date=pay_date, marketplace=marketplace, for_update=True)
        holds = payment_holds(vendor_ids={vendor_id for vendor_id, _marketplace_id in groups})
        run = PaymentRun.objects.create(number=f"PR-{pay_date:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}", pay_date=pay_date, created_by=actor.user)
        audit_record(actor=actor, action="payment_run.create", obj=run, after=snapshot(run, RUN_AUDITED))
        totals = {"remittances": 0, "net": defaultdict(Decimal), "held": []}
        for key in sorted(groups):
            candidates = groups[key]
            plan = plan_remittance(
                invoices=candidates["invoices"], deductions=candidates["deductions"], credit_notes=candidates["credit_notes"], pay_date=pay_date
            )
            if not plan.lines:
                continue
            if candidates["vendor"].pk in holds:
                # Its invoices and deductions stay free for the first run after the hold.
                totals["held"].append(held_row(candidates, plan, holds[candidates["vendor"].pk]))
                continue
            _remittance_create(run=run, vendor=candidates["vendor"], marketplace=candidates["marketplace"], plan=plan, actor=actor, totals=totals)
        if not totals["remittances"]:
            if totals["held"]:
                message = _("Nothing can be paid on %(date)s: %(held)s.") % {
                    "date": date_format(pay_date, "DATE_FORMAT"),
                    "held": _held_text(totals["held"]),
                }
                raise DomainValidationError(message, errors=[field_error(None, "pay_date", message, "payments_held")])
            message = _("Nothing is due by %(date)s.") % {"date": date_format(pay_date, "DATE_FORMAT")}
            raise DomainValidationError(message, errors=[field_error(None, "pay_date", message, "nothing_due")])
        _request_approval(run, actor, totals)
    return run


def _remittance_create(*, run, vendor, marketplace, plan, actor: Actor, totals: dict) -> Remittance:
    lines = plan.lines
    net = plan.net_amount
    assert net == plan.gross_paid - plan.deductions_total + plan.reversals_total - plan.discounts_total - plan.credit_notes_total
    remittance = Remittance.objects.create(
        run=run,
        vendor=vendor,
        marketplace=marketplace,
        number=f"RA-{run.pk:05d}-{vendor.code}-{marketplace.code}",
        currency=marketplace.currency,
        gross_paid=plan.gross_paid,
        deductions_total=plan.deductions_total,
        reversals_total=plan.reversals_total,
        discounts_total=plan.discounts_total,
        credit_notes_total=plan.credit_notes_total,
        net_amount=net,
        pay_date=run.pay_date,
    )
    RemittanceLine.objects.bulk_create(
        [
            RemittanceLine(
                remittance=remittance,
                sequence=index,
                kind=entry["kind"],
                reference=entry["reference"][:60],
                description=entry["description"],
                invoice=entry.get("invoice"),
                deduction=entry.get("deduction"),
                amount=entry["amount"],
            )
            for index, entry in enumerate(lines, start=1)
        ]
    )
    audit_record(
        actor=actor,
        action="remittance.create",
        obj=remittance,
        after={
            **snapshot(remittance, REMITTANCE_AUDITED),
            "lines": [{"kind": entry["kind"], "reference": entry["reference"], "amount": entry["amount"]} for entry in lines],
            "credit_carried_forward": [{"credit_note": c.credit_note.number, "amount": c.carried_forward} for c in plan.credits if c.carried_forward],
        },
    )
    for deduction in plan.taken:
        before = {"remittance_id": deduction.remittance_id}
        deduction.remittance = remittance
        deduction.save(update_fields=["remittance", "updated_at"])
        audit_record(actor=actor, action="deduction.schedule", obj=deduction, before=before, after={"remittance_id": remittance.pk})
    totals["remittances"] += 1
    totals["net"][remittance.currency] += net
    return remittance


def _request_approval(run: PaymentRun, actor: Actor, totals: dict) -> None:
    from vendor_portal.audit_text import money

    nets = ", ".join(money(amount, currency) for currency, amount in sorted(totals["net"].items()))
    approval = approval_request_create(
        vendor=None,
        kind=APPROVAL_KIND,
        actor=actor,
        target=run,
        summary=(
            _("Payment run %(n)s for %(date)s: %(count)s remittances, %(nets)s")
            % {"n": run.number, "date": date_format(run.pay_date, "DATE_FORMAT"), "count": totals["remittances"], "nets": nets}
        )[:200],
        payload={
            "run_id": run.pk,
            "run": run.number,
            "pay_date": run.pay_date.isoformat(),
            "remittances": totals["remittances"],
            "net": {c: str(a) for c, a in totals["net"].items()},
            "run_url": f"/payments/runs/{run.pk}/",
            **({"held": _held_text(totals["held"])} if totals["held"] else {}),
        },
    )
    before = snapshot(run, RUN_AUDITED)
    run.approval_request = approval
    transition(run, PaymentRunStatus.PENDING_APPROVAL)
    run.save(update_fields=["approval_request", "status"])
    audit_record(actor=actor, action="payment_run.request_approval", obj=run, before=before, after=snapshot(run, RUN_AUDITED))


def _held_text(held: list[dict]) -> str:
    return "; ".join(
        _("%(vendor)s %(marketplace)s held: new bank details, until %(until)s")
        % {
            "vendor": row["vendor"].code,
            "marketplace": row["marketplace"].code,
            "until": timezone.localtime(row["held_until"]).strftime("%Y-%m-%d %H:%M %Z"),
        }
        for row in held
    )


def _apply_payment_run_approval(approval, actor: Actor) -> None:
    run = PaymentRun.objects.select_for_update().filter(pk=approval.payload.get("run_id")).first()
    if run is None or run.status != PaymentRunStatus.PENDING_APPROVAL or run.approval_request_id != approval.pk:
        raise InvalidTransitionError(_("This payment run no longer waits for approval."))
    before = snapshot(run, RUN_AUDITED)
    transition(run, PaymentRunStatus.APPROVED)
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


def _cannot_cancel(run: PaymentRun, _target: str) -> str:
    return _("Payment run %(n)s is %(s)s and cannot be cancelled.") % {"n": run.number, "s": run.get_status_display().lower()}


def _only_approved_is_paid(run: PaymentRun, _target: str) -> str:
    return _("Payment run %(n)s is %(s)s: only an approved run is paid.") % {"n": run.number, "s": run.get_status_display().lower()}


def _cancel(run: PaymentRun, actor: Actor) -> None:
    # Refused before its deductions are let go.
    require_transition(run, PaymentRunStatus.CANCELLED, refusal=_cannot_cancel)
    for deduction in Deduction.objects.select_for_update().filter(remittance__run=run).order_by("pk"):
        before = {"remittance_id": deduction.remittance_id}
        deduction.remittance = None
        deduction.save(update_fields=["remittance", "updated_at"])
        audit_record(actor=actor, action="deduction.unschedule", obj=deduction, before=before, after={"remittance_id": None})
    before = snapshot(run, RUN_AUDITED)
    transition(run, PaymentRunStatus.CANCELLED)
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
    """Send the approved payment: invoices paid, deductions settled, remittances issued (their PDF; RemittancePaid
    for each, which webhooks and EDI's 820 follow)."""
    from invoicing.services.decisions import invoice_decide

    _require_retailer(scope, Action.RUN_PAYMENTS)
    with transaction.atomic():
        run = _run_for_update(scope, run_id)
        require_transition(run, PaymentRunStatus.PAID, refusal=_only_approved_is_paid)
        now = timezone.now()
        remittances = list(
            run.remittances.select_related("vendor", "marketplace")
            .prefetch_related(Prefetch("lines", queryset=RemittanceLine.objects.select_related("invoice").order_by("sequence")))
            .order_by("pk")
        )
        invoice_ids = sorted(
            {line.invoice_id for r in remittances for line in r.lines.all() if line.invoice_id and line.kind == RemittanceLineKind.INVOICE_PAID}
        )
        stale = list(
            Invoice.objects.select_for_update()
            .filter(pk__in=invoice_ids)
            .exclude(state=InvoiceState.APPROVED_FOR_PAYMENT)
            .values_list("number", flat=True)
        )
        if stale:
            raise ConflictError(
                _("Invoices %(n)s are no longer approved for payment; cancel this run and create a new one.") % {"n": ", ".join(stale)}
            )
        holds = payment_holds(vendor_ids={r.vendor_id for r in remittances})
        if holds:
            held = sorted({r.vendor.code for r in remittances if r.vendor_id in holds})
            raise ConflictError(
                _("Bank details of %(vendors)s changed after this run was put together and are held: cancel this run and create a new one.")
                % {"vendors": ", ".join(held)}
            )
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
        transition(run, PaymentRunStatus.PAID)
        run.paid_by = actor.user
        run.paid_at = now
        run.save(update_fields=["status", "paid_by", "paid_at"])
        audit_record(actor=actor, action="payment_run.pay", obj=run, before=before, after=snapshot(run, RUN_AUDITED))
        for remittance in remittances:
            remittance.paid_at = now
            remittance.save(update_fields=["paid_at"])
            audit_record(
                actor=actor,
                action="remittance.pay",
                obj=remittance,
                before={"paid_at": None},
                after={"paid_at": now, **remittance_event_data(remittance)},
            )
            notify_vendor_roles(
                vendor=remittance.vendor,
                roles=FINANCE_ROLES,
                marketplace=remittance.marketplace,
                kind="payment_sent",
                title=_("Payment %(n)s: %(net)s %(cur)s on %(date)s")
                % {"n": remittance.number, "net": remittance.net_amount, "cur": remittance.currency, "date": run.pay_date.isoformat()},
                url=f"/payments/remittances/{remittance.pk}/",
            )
            events.publish(
                events.RemittancePaid(
                    vendor_id=remittance.vendor_id,
                    channel=actor.channel,
                    remittance_id=remittance.pk,
                    number=remittance.number,
                    currency=remittance.currency,
                    pay_date=remittance.pay_date.isoformat(),
                    gross_paid=str(remittance.gross_paid),
                    deductions_total=str(remittance.deductions_total),
                    reversals_total=str(remittance.reversals_total),
                    discounts_total=str(remittance.discounts_total),
                    credit_notes_total=str(remittance.credit_notes_total),
                    net_amount=str(remittance.net_amount),
                )
            )
        remittance_ids = [r.pk for r in remittances]
        transaction.on_commit(lambda: _queue_documents(remittance_ids))
    return run


def _settle_credit_notes(*, scope, run: PaymentRun, remittances: list[Remittance], actor: Actor) -> None:
    """The credit notes this run nets: paid once netted in full, paid partly while some carries forward."""
    from invoicing.services.decisions import invoice_decide

    from ..selectors import CREDITABLE_STATES, credit_note_open_amounts

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
            raise ConflictError(
                _("Credit note %(n)s was netted by another run meanwhile; cancel this run and create a new one.") % {"n": credit_note.number}
            )
        target = InvoiceState.PAID if netted[credit_note.pk] == open_before[credit_note.pk] else InvoiceState.PAID_PARTLY
        if credit_note.state == InvoiceState.ACCEPTED:
            invoice_decide(scope=scope, invoice_id=credit_note.pk, state=InvoiceState.APPROVED_FOR_PAYMENT, actor=actor, reason=run.number)
            credit_note.state = InvoiceState.APPROVED_FOR_PAYMENT
        if credit_note.state != target:
            invoice_decide(scope=scope, invoice_id=credit_note.pk, state=target, actor=actor, reason=run.number)


def remittance_event_data(remittance: Remittance) -> dict:
    return {
        "remittance_id": remittance.pk,
        "number": remittance.number,
        "pay_date": remittance.pay_date.isoformat(),
        "currency": remittance.currency,
        "gross_paid": str(remittance.gross_paid),
        "deductions_total": str(remittance.deductions_total),
        "reversals_total": str(remittance.reversals_total),
        "discounts_total": str(remittance.discounts_total),
        "credit_notes_total": str(remittance.credit_notes_total),
        "net_amount": str(remittance.net_amount),
        "lines": [{"kind": entry.kind, "reference": entry.reference, "amount": str(entry.amount)} for entry in remittance.lines.all()],
    }


def _queue_documents(remittance_ids: list[int]) -> None:
    from ..tasks import render_remittance_document

    for remittance_id in remittance_ids:
        render_remittance_document.delay(remittance_id)
