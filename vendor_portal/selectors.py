from django.db.models import Q

from vendor_portal.models import ApprovalRequest, ApprovalStatus, AuditEvent
from vendor_portal.services.approvals import APPROVAL_KINDS


def approvals_waiting_for(*, user, scope):
    """Pending requests this person could check: in their scope, of kinds their role may approve, not their own."""
    kinds = [name for name, kind in APPROVAL_KINDS.items() if scope is not None and scope.can(kind.checker_action)]
    return (
        ApprovalRequest.objects.visible_to(scope)
        .filter(status=ApprovalStatus.PENDING, kind__in=kinds)
        .exclude(requested_by=user)
    )


def audit_event_list(*, scope, filters: dict):
    queryset = AuditEvent.objects.visible_to(scope).select_related("vendor")
    if filters.get("object_type"):
        queryset = queryset.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        queryset = queryset.filter(object_id=filters["object_id"])
    if filters.get("channel"):
        queryset = queryset.filter(channel=filters["channel"])
    if filters.get("actor"):
        queryset = queryset.filter(actor_label__icontains=filters["actor"])
    if filters.get("action"):
        queryset = queryset.filter(action__startswith=filters["action"])
    if filters.get("since"):
        queryset = queryset.filter(occurred_at__gte=filters["since"])
    if filters.get("until"):
        queryset = queryset.filter(occurred_at__lt=filters["until"])
    if filters.get("q"):
        queryset = queryset.filter(Q(object_repr__icontains=filters["q"]) | Q(action__icontains=filters["q"]))
    return queryset
