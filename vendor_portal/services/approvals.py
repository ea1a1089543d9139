"""Maker/checker: a general two-person approval. Each kind registers what happens when approved."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import ForbiddenError, SelfApprovalError
from vendor_portal.models import ApprovalRequest, ApprovalStatus
from vendor_portal.roles import Role
from vendor_portal.states import transition

from .audit import Actor, audit_record, snapshot
from .notifications import notifications_resolve, notify_retailer_roles, notify_vendor_roles


class ApprovalKind:
    def __init__(self, *, name: str, checker_action: str, apply: Callable, checker_roles: list[str], retailer: bool = False):
        self.name = name
        self.checker_action = checker_action  # the action a checker needs (roles.Action)
        self.apply = apply  # apply(request: ApprovalRequest, actor: Actor) -> None, inside the transaction
        self.checker_roles = checker_roles
        self.retailer = retailer


APPROVAL_KINDS: dict[str, ApprovalKind] = {}


def register_approval_kind(kind: ApprovalKind) -> None:
    APPROVAL_KINDS[kind.name] = kind


AUDITED_FIELDS = ["kind", "summary", "payload", "status", "requested_by_id", "decided_by_id", "decided_at", "decision_note"]


def approval_request_create(*, vendor, kind: str, summary: str, payload: dict, actor: Actor, target=None) -> ApprovalRequest:
    approval_kind = APPROVAL_KINDS[kind]
    with transaction.atomic():
        request = ApprovalRequest.objects.create(
            vendor=vendor,
            kind=kind,
            summary=summary,
            payload=payload,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            requested_by=actor.user,
        )
        audit_record(actor=actor, action="approval.request", obj=request, vendor=vendor, after=snapshot(request, AUDITED_FIELDS))
        title = _("Approval needed: %(summary)s") % {"summary": summary}
        url = f"/approvals/{request.pk}/"
        if approval_kind.retailer:
            notify_retailer_roles(roles=approval_kind.checker_roles, kind="approval_requested", title=title, url=url)
        else:
            notify_vendor_roles(vendor=vendor, roles=approval_kind.checker_roles, kind="approval_requested", title=title, url=url)
    return request


def _already_decided(approval: ApprovalRequest, _target: str) -> str:
    return _("This request was already %(status)s.") % {"status": approval.get_status_display().lower()}


def approval_decide(*, approval: ApprovalRequest, approve: bool, actor: Actor, scope, note: str = "") -> ApprovalRequest:
    """The checker approves (the change is applied in the same transaction) or rejects."""
    approval_kind = APPROVAL_KINDS[approval.kind]
    with transaction.atomic():
        approval = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
        if actor.user is None or approval.requested_by_id == actor.user.pk:
            raise SelfApprovalError()
        if not scope.can(approval_kind.checker_action):
            raise ForbiddenError(_("Your role cannot approve this kind of request."))
        target_status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        before = snapshot(approval, AUDITED_FIELDS)
        transition(approval, target_status, refusal=_already_decided)
        approval.decided_by = actor.user
        approval.decided_at = timezone.now()
        approval.decision_note = note
        approval.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action="approval.approve" if approve else "approval.reject",
            obj=approval,
            vendor=approval.vendor,
            before=before,
            after=snapshot(approval, AUDITED_FIELDS),
        )
        if approve:
            approval_kind.apply(approval, actor)
        # Decided by one checker: the others' "approval needed" no longer needs them.
        notifications_resolve(url=f"/approvals/{approval.pk}/", kind="approval_requested")
        _notify_requester(approval)
    return approval


def approval_cancel(*, approval: ApprovalRequest, actor: Actor) -> ApprovalRequest:
    with transaction.atomic():
        approval = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
        if actor.user is None or approval.requested_by_id != actor.user.pk:
            raise ForbiddenError(_("Only the person who asked can withdraw a request."))
        before = snapshot(approval, AUDITED_FIELDS)
        transition(approval, ApprovalStatus.CANCELLED)
        approval.save(update_fields=["status"])
        audit_record(
            actor=actor, action="approval.cancel", obj=approval, vendor=approval.vendor, before=before, after=snapshot(approval, AUDITED_FIELDS)
        )
        notifications_resolve(url=f"/approvals/{approval.pk}/", kind="approval_requested")
    return approval


def _notify_requester(approval: ApprovalRequest) -> None:
    from .notifications import _send_on_commit

    title = (_("Approved: %(summary)s") if approval.status == ApprovalStatus.APPROVED else _("Rejected: %(summary)s")) % {"summary": approval.summary}
    _send_on_commit(
        {approval.requested_by_id},
        kind="approval_decided",
        title=title,
        body=approval.decision_note,
        url=f"/approvals/{approval.pk}/",
        vendor=approval.vendor,
    )


VENDOR_CHECKERS = [Role.VENDOR_ADMIN, Role.VENDOR_FINANCE]
