"""Disputes: the vendor disputes a deduction with evidence files; AP upholds it or reverses it in full or in part.

- `dispute_create(*, scope, deduction_id, reason, files, actor)` — the vendor disputes a deduction
  within its window (`DisputeWindow` per kind and marketplace; default 30 days, 2 disputes), with
  evidence files (PDF, JPEG or PNG by their content, named for it, at most 5 MB each, 10 files). A re-dispute is allowed only after a
  denial (upheld) or a partial reversal.
- `dispute_answer(*, scope, dispute_id, outcome, actor, amount=None, note="")` — AP upholds (denies),
  reverses fully or partly; a reversal is a new `reversal` deduction, paid in the next remittance.
"""

from __future__ import annotations

import datetime
from decimal import InvalidOperation
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import ConflictError, DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError, field_error
from vendor_portal.money import ZERO, round_money
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.documents import document_store
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles

from ..models import Deduction, DeductionKind, DeductionReason, DeductionStatus, Dispute, DisputeStatus, marketplace_today
from ._common import AP_ROLES, DEDUCTION_AUDITED, FINANCE_ROLES, _refuse, _require_retailer, deduction_event_data, deduction_raised

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_MAX_FILES = 10
# (magic bytes, content type, the extension it is stored with, the extensions its name may end in)
EVIDENCE_TYPES = (
    (b"%PDF-", "application/pdf", "pdf", ("pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", "jpg", ("jpg", "jpeg", "jpe", "jfif")),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png", ("png",)),
)
DISPUTE_AUDITED = ["deduction_id", "number", "reason", "status", "amount_reversed", "reversal_id", "answer_note", "answered_by_id", "answered_at"]


def _evidence_kind(uploaded) -> tuple[str, str, tuple[str, ...]] | None:
    """What the file's content is (its first bytes), whatever its name says."""
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    for magic, content_type, extension, extensions in EVIDENCE_TYPES:
        if head.startswith(magic):
            return content_type, extension, extensions
    return None


def _name_extension(name: str) -> str:
    base = PurePath(name or "").name
    return base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else ""


def _evidence_key(dispute, index: int, name: str, extension: str) -> str:
    """The stored name: the uploaded name made safe, always ending in the extension of what the content
    is, so the file is never handed out (or opened) as another type."""
    stem = get_valid_filename(PurePath(name or "").stem.replace("\x00", ""))[:80].strip(".") if name else ""
    return f"disputes/{dispute.pk}/{index}-{stem or 'evidence'}.{extension}"


def _check_evidence(files) -> list[tuple]:
    files = [f for f in (files or []) if f is not None]
    errors, checked = [], []
    if len(files) > EVIDENCE_MAX_FILES:
        errors.append(field_error(None, "evidence", _("At most %(n)s files.") % {"n": EVIDENCE_MAX_FILES}, "too_many"))
    # A file's problem names the file by its position, the one reference every door has for it.
    for index, uploaded in enumerate(files):
        if uploaded.size > EVIDENCE_MAX_BYTES:
            errors.append(field_error(f"evidence[{index}]", None, _("%(name)s is larger than 5 MB.") % {"name": uploaded.name}, "too_large"))
            continue
        kind = _evidence_kind(uploaded)
        if kind is None:
            errors.append(
                field_error(f"evidence[{index}]", None, _("%(name)s is not a PDF, JPEG or PNG file.") % {"name": uploaded.name}, "file_type")
            )
            continue
        content_type, extension, extensions = kind
        named = _name_extension(uploaded.name)
        if named and named not in extensions:
            errors.append(
                field_error(
                    f"evidence[{index}]",
                    None,
                    _("%(name)s holds a %(type)s file but its name ends in .%(named)s: name it .%(extension)s and upload it again.")
                    % {"name": uploaded.name, "type": extension.upper(), "named": named, "extension": extension},
                    "file_type_mismatch",
                )
            )
            continue
        checked.append((uploaded, content_type, extension))
    if errors:
        raise DomainValidationError(_("The evidence files were refused; nothing was saved."), errors=errors)
    return checked


def dispute_deadline(deduction: Deduction, days: int) -> datetime.date:
    """The last day the deduction may be disputed (in its marketplace's calendar)."""
    return deduction.dispute_deadline or (marketplace_today(deduction.marketplace, deduction.created_at) + datetime.timedelta(days=days))


def dispute_next_number(deduction: Deduction) -> int:
    """The number the deduction's next dispute takes, refused (a named reason) when it may not be disputed
    now: a reversal, its window closed, a dispute open, the most disputes made, or reversed in full. The
    caller holds the deduction's lock when it goes on to open the dispute."""
    from ..engine import dispute_windows, window_for

    if deduction.kind == DeductionKind.REVERSAL:
        _refuse(_("A reversal gives money back: there is nothing to dispute."), None, "not_disputable")
    days, max_disputes = window_for(dispute_windows(), deduction.marketplace_id, deduction.kind)
    deadline = dispute_deadline(deduction, days)
    if marketplace_today(deduction.marketplace) > deadline:
        _refuse(
            _("The dispute window of %(ref)s closed on %(date)s.") % {"ref": deduction.reference, "date": date_format(deadline, "DATE_FORMAT")},
            None,
            "window_closed",
        )
    earlier = list(deduction.disputes.order_by("number"))
    if any(d.status == DisputeStatus.OPEN for d in earlier):
        message = _("%(ref)s is already disputed; wait for the answer.") % {"ref": deduction.reference}
        raise ConflictError(message, errors=[field_error(None, None, message, "already_disputed")])
    if len(earlier) >= max_disputes:
        _refuse(_("%(ref)s was disputed %(n)s times, the most allowed.") % {"ref": deduction.reference, "n": len(earlier)}, None, "dispute_limit")
    if deduction.status == DeductionStatus.REVERSED or (earlier and earlier[-1].status == DisputeStatus.REVERSED):
        _refuse(_("%(ref)s is already reversed in full.") % {"ref": deduction.reference}, None, "already_reversed")
    return len(earlier) + 1


def dispute_create(*, scope, deduction_id, reason: str, files=(), actor: Actor, documents=()) -> Dispute:
    """`files` are uploads checked here; `documents` are files already stored for this deduction (its dispute
    packet, the vendor's attachments), attached as they are."""
    if scope is None or scope.is_retailer or not scope.can(Action.DISPUTE_DEDUCTIONS):
        raise ForbiddenError()
    reason = (reason or "").strip()
    if not reason:
        _refuse(_("Say why the deduction is wrong."), "reason", "required")
    evidence = _check_evidence(files)

    with transaction.atomic():
        deduction = (
            Deduction.objects.visible_to(scope).select_for_update().select_related("marketplace", "vendor").filter(pk=deduction_id).first()
            if str(deduction_id).isdecimal()
            else None
        )
        if deduction is None:
            raise NotFoundError(_("Deduction not found."))
        number = dispute_next_number(deduction)
        documents = list(documents)
        if any(
            d.vendor_id != deduction.vendor_id or (d.target_type, d.target_id) != ("reconciliation.deduction", str(deduction.pk)) for d in documents
        ):
            raise NotFoundError(_("Document not found."))
        dispute = Dispute.objects.create(deduction=deduction, vendor=deduction.vendor, number=number, reason=reason, created_by=actor.user)
        for index, (uploaded, content_type, extension) in enumerate(evidence, start=1):
            key = _evidence_key(dispute, index, uploaded.name, extension)
            document = document_store(
                vendor=deduction.vendor,
                kind="dispute_evidence",
                key=key,
                title=(uploaded.name or "").replace("\x00", "") or key,
                content=uploaded.read(),
                content_type=content_type,
                target=dispute,
                uploaded_by=actor.user,
            )
            documents.append(document)
        if documents:
            dispute.evidence.add(*documents)
        audit_record(
            actor=actor, action="dispute.create", obj=dispute, after={**snapshot(dispute, DISPUTE_AUDITED), "evidence": [d.pk for d in documents]}
        )
        before = snapshot(deduction, DEDUCTION_AUDITED)
        deduction.status = DeductionStatus.DISPUTED
        deduction.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="deduction.dispute", obj=deduction, before=before, after=snapshot(deduction, DEDUCTION_AUDITED))
        notify_retailer_roles(
            roles=AP_ROLES,
            kind="dispute_opened",
            vendor=deduction.vendor,
            title=_("%(vendor)s disputes %(ref)s (%(amount)s %(cur)s)")
            % {"vendor": deduction.vendor.code, "ref": deduction.reference, "amount": deduction.amount, "cur": deduction.currency},
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
        remaining = deduction.remaining_amount
        back = ZERO
        if outcome == DisputeStatus.REVERSED:
            back = remaining
        elif outcome == DisputeStatus.PARTLY_REVERSED:
            try:
                back = round_money(amount)
            except (InvalidOperation, TypeError, ValueError):
                _refuse(_("Enter the amount to reverse."), "amount", "required")
            if not ZERO < back < remaining:
                _refuse(_("A partial reversal is above zero and below %(left)s.") % {"left": remaining}, "amount", "out_of_range")
        if outcome != DisputeStatus.UPHELD and back <= 0:
            _refuse(_("Nothing is left to reverse."), "outcome", "nothing_left")
        news = []
        if back > 0:
            reversal = Deduction.objects.create(
                vendor=deduction.vendor,
                marketplace=deduction.marketplace,
                kind=DeductionKind.REVERSAL,
                reason=DeductionReason.DISPUTE_REVERSED,
                variance_type=deduction.variance_type,
                amount=back,
                currency=deduction.currency,
                invoice=deduction.invoice,
                invoice_line=deduction.invoice_line,
                purchase_order=deduction.purchase_order,
                shipment=deduction.shipment,
                reverses=deduction,
                description=(_("Dispute %(n)s of %(ref)s approved") % {"n": dispute.number, "ref": deduction.reference})[:300],
            )
            audit_record(actor=actor, action="deduction.reverse", obj=reversal, after=snapshot(reversal, DEDUCTION_AUDITED))
            news.append(deduction_raised(reversal, channel=actor.channel, invoice_number=reversal.invoice.number if reversal.invoice_id else ""))
            dispute.reversal = reversal
        before = snapshot(dispute, DISPUTE_AUDITED)
        dispute.status = outcome
        dispute.amount_reversed = back
        dispute.answer_note = note
        dispute.answered_by = actor.user
        dispute.answered_at = timezone.now()
        dispute.save(update_fields=["status", "amount_reversed", "reversal", "answer_note", "answered_by", "answered_at"])
        audit_record(
            actor=actor,
            action="dispute.answer",
            obj=dispute,
            before=before,
            after={
                **snapshot(dispute, DISPUTE_AUDITED),
                "state": dispute.status,
                "currency": deduction.currency,
                "deduction": {**deduction_event_data(deduction), "status": DEDUCTION_STATUS_FOR[outcome]},
            },
        )
        news.append(
            events.DisputeAnswered(
                vendor_id=dispute.vendor_id,
                channel=actor.channel,
                dispute_id=dispute.pk,
                number=dispute.number,
                deduction_id=deduction.pk,
                deduction_reference=deduction.reference,
                outcome=outcome,
                state=dispute.status,
                previous_state=before["status"],
                amount_reversed=str(back),
                currency=deduction.currency,
                reversal_id=dispute.reversal_id,
            )
        )
        before = snapshot(deduction, DEDUCTION_AUDITED)
        deduction.status = DEDUCTION_STATUS_FOR[outcome]
        deduction.reversed_amount += back
        deduction.save(update_fields=["status", "reversed_amount", "updated_at"])
        audit_record(actor=actor, action="deduction.answer", obj=deduction, before=before, after=snapshot(deduction, DEDUCTION_AUDITED))
        events.publish(*news)
        notify_vendor_roles(
            vendor=deduction.vendor,
            roles=FINANCE_ROLES,
            marketplace=deduction.marketplace,
            kind="dispute_answered",
            title=_("Dispute of %(ref)s: %(outcome)s") % {"ref": deduction.reference, "outcome": DisputeStatus(outcome).label.lower()},
            body=note,
            url=f"/payments/disputes/{dispute.pk}/",
        )
    return dispute
