"""Confirmation deadlines: the beat jobs that remind vendors and cancel unconfirmed POs."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from purchase_orders import tasks
from purchase_orders.models import PurchaseOrder, PurchaseOrderState
from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from purchase_orders.services.deadlines import purchase_orders_cancel_unconfirmed, purchase_orders_send_confirmation_reminders
from purchase_orders.services.orders import LineChange, purchase_order_change
from tests.factories import WarehouseFactory, marketplace, vendor_user
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.celery import app
from vendor_portal.models import AuditEvent, Notification
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def people(vendor, other_vendor):
    us, ca = marketplace("US"), marketplace("CA")
    return {
        "ops": vendor_user(vendor, Role.VENDOR_OPS),
        "admin": vendor_user(vendor, Role.VENDOR_ADMIN),
        "us_ops": vendor_user(vendor, Role.VENDOR_OPS, username="us-ops", marketplaces=[us]),
        "ca_ops": vendor_user(vendor, Role.VENDOR_OPS, username="ca-ops", marketplaces=[ca]),
        "finance": vendor_user(vendor, Role.VENDOR_FINANCE),
        "other_ops": vendor_user(other_vendor, Role.VENDOR_OPS),
    }


def due_in(vendor, hours, **fields):
    return purchase_order_with_lines(vendor, lines=1, confirmation_due_at=timezone.now() + datetime.timedelta(hours=hours), **fields)


def notified(kind) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_reminder_goes_once_before_the_deadline_to_confirmers_who_see_the_marketplace(vendor, people, now, django_capture_on_commit_callbacks):
    po = due_in(vendor, 6)
    with django_capture_on_commit_callbacks(execute=True):
        assert purchase_orders_send_confirmation_reminders(now=now) == 1
    assert notified("po_confirmation_due") == {"acme-vendor-ops", "acme-vendor-admin", "us-ops"}
    assert Notification.objects.get(user=people["ops"]).url == f"/purchase-orders/{po.number}/"
    event = AuditEvent.objects.get(action="purchase_order.reminder")
    assert (event.channel, event.object_id) == ("system", str(po.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert purchase_orders_send_confirmation_reminders(now=now + datetime.timedelta(hours=1)) == 0
    assert Notification.objects.count() == 3


def test_no_reminder_too_early_after_the_deadline_or_once_confirmed(vendor, people, now):
    due_in(vendor, 30)  # not yet: reminders go 12 hours before
    due_in(vendor, -1)  # too late to remind; the ship window decides its fate
    due_in(vendor, 2, state=PurchaseOrderState.ACKNOWLEDGED)
    due_in(vendor, 2, state=PurchaseOrderState.CANCELLED)
    assert purchase_orders_send_confirmation_reminders(now=now) == 0
    assert not PurchaseOrder.objects.filter(confirmation_reminder_sent_at__isnull=False).exists()


def test_a_changed_po_is_reminded_again(vendor, people, now):
    po = due_in(vendor, 6)
    assert purchase_orders_send_confirmation_reminders(now=now) == 1
    purchase_order_acknowledge(scope=Scope(vendor=vendor), number=po.number, lines=[LineConfirmation(sequence=1, accepted=60)], actor=Actor())
    purchase_order_change(scope=Scope(is_retailer=True), number=po.number, actor=Actor.system(), lines=[LineChange(sequence=1, ordered_quantity=48)])
    po.refresh_from_db()
    assert po.confirmation_reminder_sent_at is None
    assert purchase_orders_send_confirmation_reminders(now=po.confirmation_due_at - datetime.timedelta(hours=2)) == 1


def test_unconfirmed_po_past_its_ship_window_is_cancelled_and_the_vendor_told(vendor, people, now, django_capture_on_commit_callbacks):
    late = purchase_order_with_lines(
        vendor, lines=1, ship_window_start=now - datetime.timedelta(days=8), ship_window_end=now - datetime.timedelta(minutes=1)
    )
    open_window = purchase_order_with_lines(
        vendor, lines=1, ship_window_start=now - datetime.timedelta(days=2), ship_window_end=now + datetime.timedelta(days=1)
    )
    confirmed = purchase_order_with_lines(
        vendor,
        lines=1,
        state=PurchaseOrderState.ACKNOWLEDGED,
        ship_window_start=now - datetime.timedelta(days=8),
        ship_window_end=now - datetime.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert purchase_orders_cancel_unconfirmed(now=now) == 1
    states = dict(PurchaseOrder.objects.values_list("number", "state"))
    assert states == {late.number: "cancelled", open_window.number: "new", confirmed.number: "acknowledged"}
    event = AuditEvent.objects.get(action="purchase_order.cancel_unconfirmed")
    assert (event.channel, event.before["state"], event.after["state"]) == ("system", "new", "cancelled")
    assert notified("po_cancelled") == {"acme-vendor-ops", "acme-vendor-admin", "us-ops"}
    assert purchase_orders_cancel_unconfirmed(now=now) == 0


def test_a_de_po_reminds_only_people_who_may_see_de(vendor, people, now, django_capture_on_commit_callbacks):
    de = marketplace("DE")
    due_in(vendor, 3, marketplace=de, ship_to=WarehouseFactory(code="FRA3", marketplace=de))
    with django_capture_on_commit_callbacks(execute=True):
        purchase_orders_send_confirmation_reminders(now=now)
    assert notified("po_confirmation_due") == {"acme-vendor-ops", "acme-vendor-admin"}


def test_beat_schedule_runs_the_two_tasks_which_call_the_services(vendor, people, now, django_capture_on_commit_callbacks):
    ours = {"purchase_orders.tasks.send_confirmation_reminders", "purchase_orders.tasks.cancel_unconfirmed_purchase_orders"}
    assert ours <= {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert ours <= set(app.tasks)
    due_in(vendor, 1)
    purchase_order_with_lines(vendor, lines=1, ship_window_start=now - datetime.timedelta(days=9), ship_window_end=now - datetime.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_confirmation_reminders.delay().get() == 1
        assert tasks.cancel_unconfirmed_purchase_orders.delay().get() == 1
    assert tasks.send_confirmation_reminders.acks_late and tasks.cancel_unconfirmed_purchase_orders.acks_late
