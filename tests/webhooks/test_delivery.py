"""Deliveries to a real HTTP receiver on 127.0.0.1: signature, headers, retries with backoff, failure."""

import datetime
import json
import threading
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import vendor_user
from tests.webhooks.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory
from tests.webhooks.receiver import Receiver
from vendor_portal.models import Notification
from vendor_portal.roles import Role
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.services import MAX_ATTEMPTS, RETRY_DELAYS, webhook_emit
from webhooks.tasks import deliver_due_webhooks, deliver_webhook

pytestmark = pytest.mark.django_db


def _fast_forward(delivery):
    """Make the delivery's next attempt due now, as if its backoff had elapsed."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_emitted_event_reaches_the_receiver_signed_with_the_documented_headers(vendor, django_capture_on_commit_callbacks):
    with Receiver(secret="whsec_receiver-secret") as receiver:
        subscription = WebhookSubscriptionFactory(
            vendor=vendor, url=receiver.url, secret="whsec_receiver-secret", events=[WebhookEvent.PURCHASE_ORDER_CREATED]
        )
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                [delivery] = webhook_emit(
                    vendor=vendor,
                    event=WebhookEvent.PURCHASE_ORDER_CREATED,
                    data={"purchase_order": "4Z32PABC", "total": __import__("decimal").Decimal("10.20"), "due": datetime.date(2026, 12, 1)},
                )
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["valid"]
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "VendorPortal-Webhooks/1"
    assert headers["X-Portal-Event"] == "purchase_order.created"
    assert headers["X-Portal-Delivery"] == str(delivery.event_id)
    assert abs(int(headers["X-Portal-Timestamp"]) - timezone.now().timestamp()) < 60
    body = request["json"]
    assert body == {
        "id": str(delivery.event_id),
        "event": "purchase_order.created",
        "version": 2,
        "created_at": body["created_at"],
        "vendor": "ACME",
        "data": {"purchase_order": "4Z32PABC", "total": "10.20", "due": "2026-12-01"},
    }
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 1 and delivery.response_status_code == 200
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    [attempt] = delivery.attempt_log
    assert attempt["status_code"] == 200 and attempt["error"] == "" and attempt["duration_ms"] >= 0
    assert subscription.deliveries.count() == 1


def test_failing_receiver_is_retried_with_growing_backoff_then_the_delivery_fails_and_admins_are_told(vendor, django_capture_on_commit_callbacks):
    admin = vendor_user(vendor, Role.VENDOR_ADMIN)
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    with Receiver(secret="whsec_s", status=500) as receiver:
        WebhookSubscriptionFactory(vendor=vendor, url=receiver.url, secret="whsec_s")
        with django_capture_on_commit_callbacks(execute=True):
            [delivery] = webhook_emit(vendor=vendor, event=WebhookEvent.PAYMENT_SENT, data={"remittance": "R-1"})
        delays = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
            assert len(delivery.attempt_log) == attempt
            if attempt == MAX_ATTEMPTS:
                break
            assert delivery.status == "pending"
            attempted_at = datetime.datetime.fromisoformat(delivery.attempt_log[-1]["at"])
            delays.append(delivery.next_attempt_at - attempted_at)
            assert deliver_webhook.apply(args=[delivery.pk]).get() is None  # not due yet: nothing is sent
            _fast_forward(delivery)
            with django_capture_on_commit_callbacks(execute=True):
                deliver_webhook.apply(args=[delivery.pk])
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert all(request["valid"] for request in receiver.requests)
    assert len({request["json"]["id"] for request in receiver.requests}) == 1  # every retry carries the same event id
    for delay, expected in zip(delays, RETRY_DELAYS, strict=False):
        assert expected <= delay < expected + datetime.timedelta(seconds=5)
    assert delays == sorted(delays) and len(set(delays)) == len(delays)
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert delivery.response_status_code == 500 and delivery.last_error.startswith("HTTP 500")
    assert [entry["status_code"] for entry in delivery.attempt_log] == [500] * MAX_ATTEMPTS
    [notice] = Notification.objects.filter(kind="webhook_failed")
    assert notice.user == admin and "payment.sent" in notice.title
    assert not Notification.objects.filter(user=ops).exists()


def test_emit_inside_a_rolled_back_transaction_sends_nothing(vendor, django_capture_on_commit_callbacks):
    with Receiver(secret="whsec_s") as receiver:
        WebhookSubscriptionFactory(vendor=vendor, url=receiver.url, secret="whsec_s")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError):
                with transaction.atomic():
                    assert len(webhook_emit(vendor=vendor, event=WebhookEvent.RECEIPT_POSTED, data={})) == 1
                    raise RuntimeError("the change failed")
    assert callbacks == []
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_only_active_subscriptions_listening_to_the_event_of_that_vendor_get_a_delivery(vendor, other_vendor):
    listening = WebhookSubscriptionFactory(vendor=vendor, events=[WebhookEvent.INVOICE_STATE_CHANGED, WebhookEvent.PAYMENT_SENT])
    WebhookSubscriptionFactory(vendor=vendor, events=[WebhookEvent.ASN_ACCEPTED])
    WebhookSubscriptionFactory(vendor=vendor, events=[WebhookEvent.PAYMENT_SENT], is_active=False)
    WebhookSubscriptionFactory(vendor=other_vendor, events=[WebhookEvent.PAYMENT_SENT])
    deliveries = webhook_emit(vendor=vendor, event=WebhookEvent.PAYMENT_SENT, data={})
    assert [d.subscription_id for d in deliveries] == [listening.pk]


def test_emit_costs_one_query_when_nobody_subscribes(vendor, django_assert_num_queries):
    WebhookSubscriptionFactory(vendor=vendor, events=[WebhookEvent.ASN_ACCEPTED])
    with django_assert_num_queries(1):
        assert webhook_emit(vendor=vendor, event=WebhookEvent.DEDUCTION_RAISED, data={"deduction": 1}) == []


def test_emit_refuses_an_unknown_event(vendor):
    with pytest.raises(ValueError):
        webhook_emit(vendor=vendor, event="purchase_order.exploded", data={})


def test_a_redirect_is_not_followed_but_counted_as_a_failed_attempt(vendor, django_capture_on_commit_callbacks):
    with Receiver(secret="whsec_s", status=302, headers={"Location": "http://127.0.0.1:1/elsewhere"}) as receiver:
        WebhookSubscriptionFactory(vendor=vendor, url=receiver.url, secret="whsec_s")
        with django_capture_on_commit_callbacks(execute=True):
            [delivery] = webhook_emit(vendor=vendor, event=WebhookEvent.ASN_ACCEPTED, data={})
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1
    assert delivery.status == "pending" and delivery.response_status_code == 302 and delivery.attempts == 1


def test_unreachable_receiver_records_the_error_and_schedules_a_retry(vendor, django_capture_on_commit_callbacks):
    with Receiver() as closed:
        url = closed.url
    WebhookSubscriptionFactory(vendor=vendor, url=url)
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_emit(vendor=vendor, event=WebhookEvent.ASN_ACCEPTED, data={})
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.response_status_code is None
    assert "refused" in delivery.last_error.lower()
    assert delivery.attempt_log[0]["status_code"] is None and delivery.attempt_log[0]["error"]
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(seconds=20)


def test_a_private_address_is_refused_at_send_time_without_connecting(vendor, django_capture_on_commit_callbacks):
    WebhookSubscriptionFactory(vendor=vendor, url="https://10.20.30.40/hooks")
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_emit(vendor=vendor, event=WebhookEvent.ASN_ACCEPTED, data={})
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and "private" in delivery.last_error


def test_a_deactivated_subscription_fails_its_pending_delivery_without_sending(vendor):
    with Receiver(secret="whsec_s") as receiver:
        subscription = WebhookSubscriptionFactory(vendor=vendor, url=receiver.url, secret="whsec_s")
        [delivery] = webhook_emit(vendor=vendor, event=WebhookEvent.ASN_ACCEPTED, data={})  # on_commit never runs here
        WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)
        deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert receiver.requests == [] and delivery.status == "failed" and "deactivated" in delivery.last_error


def test_beat_sweep_sends_due_deliveries_and_leaves_future_ones(vendor):
    with Receiver(secret="whsec_s") as receiver:
        WebhookSubscriptionFactory(vendor=vendor, url=receiver.url, secret="whsec_s")
        [due] = webhook_emit(vendor=vendor, event=WebhookEvent.ASN_ACCEPTED, data={"n": 1})
        [later] = webhook_emit(vendor=vendor, event=WebhookEvent.ASN_ACCEPTED, data={"n": 2})
        WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + datetime.timedelta(minutes=5))
        assert deliver_due_webhooks.apply().get() == 1
    assert [request["json"]["data"] for request in receiver.requests] == [{"n": 1}]
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == "succeeded" and later.status == "pending" and later.attempts == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_the_same_attempt_send_it_once(vendor):
    with Receiver(secret="whsec_s", delay=0.3) as receiver:
        subscription = WebhookSubscriptionFactory(vendor=vendor, url=receiver.url, secret="whsec_s")
        delivery = WebhookDeliveryFactory(
            subscription=subscription, status="pending", attempts=0, next_attempt_at=timezone.now(), response_status_code=None
        )
        barrier = threading.Barrier(2)
        results = []

        def worker():
            from django.db import connection

            barrier.wait()
            try:
                results.append(services.webhook_delivery_attempt(delivery_id=delivery.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(receiver.requests) == 1
    assert sorted(result is None for result in results) == [False, True]
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.status == "succeeded"


def test_event_ids_are_uuids_shared_by_the_deliveries_of_one_event(vendor):
    WebhookSubscriptionFactory(vendor=vendor)
    WebhookSubscriptionFactory(vendor=vendor)
    deliveries = webhook_emit(vendor=vendor, event=WebhookEvent.DISPUTE_ANSWERED, data={"body": json.dumps({"x": 1})})
    assert len(deliveries) == 2 and deliveries[0].event_id == deliveries[1].event_id
    assert isinstance(deliveries[0].event_id, uuid.UUID)
