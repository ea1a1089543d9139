import datetime

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from vendor_portal.models import ApprovalRequest, ApprovalStatus, AuditEvent, BankDetails, Membership, User, Vendor, VendorAccount
from vendor_portal.services.approvals import APPROVAL_KINDS


def approvals_waiting_for(*, user, scope):
    """Pending requests this person could check: in their scope, of kinds their role may approve, not their own."""
    kinds = [name for name, kind in APPROVAL_KINDS.items() if scope is not None and scope.can(kind.checker_action)]
    return ApprovalRequest.objects.visible_to(scope).filter(status=ApprovalStatus.PENDING, kind__in=kinds).exclude(requested_by=user)


def audit_event_list(*, scope, filters: dict):
    """The audit rows the scope may see, newest first."""
    queryset = AuditEvent.objects.visible_to(scope).select_related("vendor").order_by("-occurred_at", "-id")
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


def product_search(products, query: str):
    """The catalogue search of the screen and the API: SKU or title contains, or exactly the ASIN or GTIN."""
    query = (query or "").strip()
    if not query:
        return products
    return products.filter(Q(vendor_sku__icontains=query) | Q(asin__iexact=query) | Q(gtin=query) | Q(title__icontains=query))


def vendor_members(*, vendor):
    """The people of one vendor, each with `vendor_memberships` (their roles there, with marketplaces). Fails closed."""
    if vendor is None:
        return User.objects.none()
    memberships = Membership.objects.filter(vendor=vendor).prefetch_related("marketplaces").order_by("role")
    return (
        User.objects.filter(pk__in=Membership.objects.filter(vendor=vendor).values("user_id"))
        .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="vendor_memberships"))
        .order_by("username")
    )


def member_marketplaces(memberships) -> list[str] | None:
    """The marketplace codes a person's memberships are limited to; None when any of them covers every marketplace."""
    codes: set[str] = set()
    for membership in memberships:
        limited = {marketplace.code for marketplace in membership.marketplaces.all()}
        if not limited:
            return None
        codes |= limited
    return sorted(codes)


def vendor_list():
    """Every vendor with how many people and active API tokens it has (the retailer's onboarding screen)."""
    return Vendor.objects.annotate(
        people=Count("memberships__user", distinct=True),
        tokens=Count("api_tokens", filter=Q(api_tokens__revoked_at__isnull=True), distinct=True),
    ).prefetch_related(Prefetch("accounts", queryset=VendorAccount.objects.select_related("marketplace").order_by("marketplace__code")))


def payment_holds(*, vendor_ids, at: datetime.datetime | None = None) -> dict[int, datetime.datetime]:
    """Vendors whose bank details changed too recently to be paid: {vendor id: when the hold ends}. A new
    account someone slipped in is noticed (everyone was e-mailed) before money goes to it."""
    at = at or timezone.now()
    since = at - datetime.timedelta(days=settings.PORTAL_BANK_CHANGE_PAYMENT_HOLD_DAYS)
    rows = BankDetails.objects.filter(vendor_id__in=list(vendor_ids), changed_at__gt=since)
    return {details.vendor_id: details.payments_held_until for details in rows}
