"""Maker/checker: a general two-person approval. Each kind registers what happens when approved."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import CheckerNotEstablishedError, ForbiddenError, SelfApprovalError
from vendor_portal.models import ApprovalRequest, ApprovalStatus, Membership
from vendor_portal.roles import Role
from vendor_portal.states import transition

from .audit import Actor, audit_record, snapshot
from .notifications import notifications_resolve, notify_retailer_roles, notify_vendor_roles


class ApprovalKind:
    def __init__(
        self,
        *,
        name: str,
        checker_action: str,
        apply: Callable,
        checker_roles: list[str],
        retailer: bool = False,
        redact: Callable | None = None,
        established_checker: bool = False,
        on_request: Callable | None = None,
    ):
        self.name = name
        self.checker_action = checker_action  # the action a checker needs (roles.Action)
        self.apply = apply  # apply(request: ApprovalRequest, actor: Actor) -> None, inside the transaction
        self.checker_roles = checker_roles
        self.retailer = retailer
        # redact(payload) -> the payload as shown and audited: the full values stay only in the row apply() reads.
        self.redact = redact
        # The approver must have held a checker role at the vendor before the request was made, and not have
        # been given it by the requester within PORTAL_BANK_CHECKER_COOLING_OFF_DAYS before (`checker_refusal`).
        self.established_checker = established_checker
        self.on_request = on_request  # on_request(request: ApprovalRequest, actor: Actor) -> None, inside the transaction


APPROVAL_KINDS: dict[str, ApprovalKind] = {}


def register_approval_kind(kind: ApprovalKind) -> None:
    APPROVAL_KINDS[kind.name] = kind


AUDITED_FIELDS = ["kind", "summary", "payload", "status", "requested_by_id", "decided_by_id", "decided_at", "decision_note"]


def approval_payload_shown(approval: ApprovalRequest) -> dict:
    """The requested change as screens, the API and the audit trail show it, its kind's secrets masked."""
    kind = APPROVAL_KINDS.get(approval.kind)
    payload = dict(approval.payload or {})
    return kind.redact(payload) if kind is not None and kind.redact is not None else payload


def _audited(approval: ApprovalRequest) -> dict:
    return {**snapshot(approval, AUDITED_FIELDS), "payload": approval_payload_shown(approval)}


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
        audit_record(actor=actor, action="approval.request", obj=request, vendor=vendor, after=_audited(request))
        title = _("Approval needed: %(summary)s") % {"summary": summary}
        url = f"/approvals/{request.pk}/"
        if approval_kind.retailer:
            notify_retailer_roles(roles=approval_kind.checker_roles, kind="approval_requested", title=title, url=url)
        else:
            notify_vendor_roles(vendor=vendor, roles=approval_kind.checker_roles, kind="approval_requested", title=title, url=url)
        if approval_kind.on_request is not None:
            approval_kind.on_request(request, actor)
    return request


def checker_refusal(*, approval: ApprovalRequest, user) -> str | None:
    """Why `user` may not approve `approval` although their role could check it; None when they may.

    For kinds that need an established checker (bank details) a second account the requester made for
    themselves must not pass for a second person: the approver held a checker role at the vendor before
    the request was made, and the requester did not give it to them in the cooling-off period before."""
    approval_kind = APPROVAL_KINDS[approval.kind]
    if not approval_kind.established_checker or approval.vendor_id is None or user is None:
        return None
    cooling_off = datetime.timedelta(days=settings.PORTAL_BANK_CHECKER_COOLING_OFF_DAYS)
    roles = Membership.objects.filter(vendor_id=approval.vendor_id, user=user, role__in=approval_kind.checker_roles).order_by("created_at")
    earlier = [m for m in roles if m.created_at < approval.requested_at]
    if not earlier:
        return _(
            "You joined %(vendor)s (or became a checker there) after this request was made: it must be approved by someone who was on the team before."
        ) % {"vendor": approval.vendor.code}
    if all(m.granted_by_id == approval.requested_by_id and m.created_at > approval.requested_at - cooling_off for m in earlier):
        return _(
            "%(requester)s gave you your role less than %(days)d days before making this request, so you cannot approve it: "
            "ask another vendor admin or finance person who was on the team before."
        ) % {"requester": approval.requested_by.get_username(), "days": settings.PORTAL_BANK_CHECKER_COOLING_OFF_DAYS}
    return None


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
        # Turning a request down is always safe; letting it through needs an established checker.
        refusal = checker_refusal(approval=approval, user=actor.user) if approve else None
        if refusal:
            raise CheckerNotEstablishedError(refusal)
        target_status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        before = _audited(approval)
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
            after=_audited(approval),
        )
        if approve:
            approval_kind.apply(approval, actor)
        _forget_secrets(approval)
        # Decided by one checker: the others' "approval needed" no longer needs them.
        notifications_resolve(url=f"/approvals/{approval.pk}/", kind="approval_requested")
        _notify_requester(approval)
    return approval


def approval_cancel(*, approval: ApprovalRequest, actor: Actor) -> ApprovalRequest:
    with transaction.atomic():
        approval = ApprovalRequest.objects.select_for_update().get(pk=approval.pk)
        if actor.user is None or approval.requested_by_id != actor.user.pk:
            raise ForbiddenError(_("Only the person who asked can withdraw a request."))
        before = _audited(approval)
        transition(approval, ApprovalStatus.CANCELLED)
        approval.save(update_fields=["status"])
        _forget_secrets(approval)
        audit_record(actor=actor, action="approval.cancel", obj=approval, vendor=approval.vendor, before=before, after=_audited(approval))
        notifications_resolve(url=f"/approvals/{approval.pk}/", kind="approval_requested")
    return approval


def _forget_secrets(approval: ApprovalRequest) -> None:
    """A decided request is never applied again: it keeps its payload only as shown (a full account number masked)."""
    shown = approval_payload_shown(approval)
    if shown != approval.payload:
        approval.payload = shown
        approval.save(update_fields=["payload"])


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
