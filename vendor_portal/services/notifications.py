import logging

from django.db import transaction

from vendor_portal.models import Membership, Notification

logger = logging.getLogger(__name__)


def notification_send(*, users, kind: str, title: str, body: str = "", url: str = "", vendor=None) -> list[Notification]:
    notifications = [Notification(user=user, vendor=vendor, kind=kind, title=str(title)[:200], body=str(body), url=url) for user in users]
    return Notification.objects.bulk_create(notifications)


def notify_vendor_roles(*, vendor, roles, kind: str, title: str, body: str = "", url: str = "", marketplace=None):
    """Tell every person holding one of `roles` at `vendor` (and allowed to see `marketplace`)."""
    memberships = Membership.objects.filter(vendor=vendor, role__in=roles, user__is_active=True)
    if marketplace is not None:
        memberships = memberships.filter(models_q_marketplace(marketplace))
    user_ids = set(memberships.values_list("user_id", flat=True))
    return _send_on_commit(user_ids, kind=kind, title=title, body=body, url=url, vendor=vendor)


def notify_vendor_roles_each(*, roles, notices: list[dict]) -> None:
    """`notify_vendor_roles` for many notices at once, in two queries whatever their number (a 3-way match
    moving thousands of invoices): each notice is {vendor_id, marketplace_id, kind, title, body, url} and goes,
    like `notify_vendor_roles`, to the people holding one of `roles` at its vendor who may see its marketplace."""
    if not notices:
        return
    members: dict[int, dict[int, set | None]] = {}  # vendor id -> {user id: marketplaces it is limited to, None for all}
    rows = Membership.objects.filter(vendor_id__in={n["vendor_id"] for n in notices}, role__in=roles, user__is_active=True)
    for vendor_id, user_id, marketplace_id in rows.values_list("vendor_id", "user_id", "marketplaces"):
        limited = members.setdefault(vendor_id, {})
        if marketplace_id is None:
            limited[user_id] = None
        elif user_id not in limited or limited[user_id] is not None:
            limited.setdefault(user_id, set()).add(marketplace_id)
    notifications = [
        Notification(
            user_id=user_id,
            vendor_id=notice["vendor_id"],
            kind=notice["kind"],
            title=str(notice["title"])[:200],
            body=str(notice.get("body", "")),
            url=notice.get("url", ""),
        )
        for notice in notices
        for user_id, marketplaces in members.get(notice["vendor_id"], {}).items()
        if marketplaces is None or notice.get("marketplace_id") is None or notice["marketplace_id"] in marketplaces
    ]
    if notifications:
        transaction.on_commit(lambda: Notification.objects.bulk_create(notifications, batch_size=2000))


def notify_retailer_roles(*, roles, kind: str, title: str, body: str = "", url: str = "", vendor=None):
    user_ids = set(Membership.objects.filter(vendor__isnull=True, role__in=roles, user__is_active=True).values_list("user_id", flat=True))
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


def email_vendor_roles(*, vendor, roles, compose) -> None:
    """E-mail every active person holding one of `roles` at `vendor`, once the transaction commits. One
    message each (nobody sees the others' addresses), written by `compose(user) -> (subject, body)` in the
    person's language. A mail server that is down is logged; it does not undo or fail the change."""
    from vendor_portal.models import User

    user_ids = set(Membership.objects.filter(vendor=vendor, role__in=roles, user__is_active=True).values_list("user_id", flat=True))

    def send():
        from django.conf import settings
        from django.core.mail import send_mail
        from django.utils import translation

        for user in User.objects.filter(pk__in=user_ids).exclude(email="").order_by("pk"):
            with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
                subject, body = compose(user)
                try:
                    send_mail(str(subject), str(body), None, [user.email])
                except OSError:
                    logger.exception("could not e-mail %s about %s", user.pk, subject)

    transaction.on_commit(send)


def document_paths(path: str) -> list[str]:
    """The document pages a path belongs to: /invoices/7/submit/ -> /invoices/7/submit/, /invoices/7/ (never a
    list page such as /invoices/, whose messages are about many documents)."""
    parts = [part for part in path.split("/") if part]
    return [f"/{'/'.join(parts[:n])}/" for n in range(len(parts), 1, -1)]


def notifications_mark_read_for_path(*, user, path: str) -> int:
    from django.utils import timezone

    paths = document_paths(path)
    if not paths or not getattr(user, "pk", None):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True, url__in=paths).update(read_at=timezone.now())


def notifications_resolve(*, url: str, kind: str) -> int:
    """Everyone's message of `kind` about the document at `url` is answered (e.g. one checker decided)."""
    from django.utils import timezone

    return Notification.objects.filter(kind=kind, url=url, read_at__isnull=True).update(read_at=timezone.now())
