from django.db import transaction

from vendor_portal.models import Membership, Notification


def notification_send(*, users, kind: str, title: str, body: str = "", url: str = "", vendor=None) -> list[Notification]:
    notifications = [
        Notification(user=user, vendor=vendor, kind=kind, title=str(title)[:200], body=str(body), url=url) for user in users
    ]
    return Notification.objects.bulk_create(notifications)


def notify_vendor_roles(*, vendor, roles, kind: str, title: str, body: str = "", url: str = "", marketplace=None):
    """Tell every person holding one of `roles` at `vendor` (and allowed to see `marketplace`)."""
    memberships = Membership.objects.filter(vendor=vendor, role__in=roles, user__is_active=True)
    if marketplace is not None:
        memberships = memberships.filter(models_q_marketplace(marketplace))
    user_ids = set(memberships.values_list("user_id", flat=True))
    return _send_on_commit(user_ids, kind=kind, title=title, body=body, url=url, vendor=vendor)


def notify_retailer_roles(*, roles, kind: str, title: str, body: str = "", url: str = "", vendor=None):
    user_ids = set(
        Membership.objects.filter(vendor__isnull=True, role__in=roles, user__is_active=True).values_list("user_id", flat=True)
    )
    return _send_on_commit(user_ids, kind=kind, title=title, body=body, url=url, vendor=vendor)


def models_q_marketplace(marketplace):
    from django.db.models import Q

    return Q(marketplaces__isnull=True) | Q(marketplaces=marketplace)


def _send_on_commit(user_ids, **fields):
    from vendor_portal.models import User

    def send():
        notification_send(users=User.objects.filter(pk__in=user_ids), **fields)

    transaction.on_commit(send)


def notification_mark_read(*, user, notification_ids=None) -> int:
    from django.utils import timezone

    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())
