"""The transaction worker: applied exactly once, never lost, dispatched by kind."""

import datetime

import pytest
from django.utils import timezone

from amazon_api import services
from amazon_api.acknowledgements import apply_order_acknowledgement
from amazon_api.models import Transaction, TransactionKind, TransactionStatus
from amazon_api.services import MAX_ATTEMPTS, register_transaction_handler, transaction_apply, transaction_submit
from amazon_api.tasks import apply_transaction, requeue_stale_transactions
from purchase_orders.models import PurchaseOrderState
from tests.amazon_api.acks import acknowledgement, body
from tests.audit_check import audit_exempt
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.models import Channel
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers(monkeypatch):
    """Handlers a test registers are gone after it."""
    monkeypatch.setattr(services, "_HANDLERS", dict(services._HANDLERS))


def submitted(vendor_token, payload, kind=TransactionKind.ORDER_ACKNOWLEDGEMENT) -> Transaction:
    """A stored transaction whose worker has not run yet (on-commit callbacks do not run inside a test)."""
    token = vendor_token[0]
    return transaction_submit(scope=scope_for_token(token), kind=kind, payload=payload, actor=Actor(token=token, channel=Channel.API))


def test_the_task_applies_a_transaction_once(vendor, vendor_token, account):
    po = purchase_order_with_lines(vendor, lines=2)
    txn = submitted(vendor_token, body(acknowledgement(po)))
    assert txn.status == TransactionStatus.PROCESSING

    assert apply_transaction.delay(str(txn.pk)).get() == TransactionStatus.SUCCESS
    assert apply_transaction(str(txn.pk)) is None  # a redelivered task finds it finished: compare-and-set

    txn.refresh_from_db()
    assert (txn.status, txn.attempts, txn.errors) == (TransactionStatus.SUCCESS, 1, [])
    assert txn.finished_at is not None
    assert po.acknowledgements.count() == 1


def test_a_worker_crash_leaves_it_processing_with_nothing_applied_and_a_retry_applies_it_once(handlers, vendor, vendor_token, account):
    first = purchase_order_with_lines(vendor, lines=1, number="CRASH001")
    second = purchase_order_with_lines(vendor, lines=1, number="CRASH002")

    def dies_on_the_second_po(*, item, index, scope, actor):
        if index == 1:
            raise RuntimeError("worker lost")
        return apply_order_acknowledgement(item=item, index=index, scope=scope, actor=actor)

    register_transaction_handler(TransactionKind.ORDER_ACKNOWLEDGEMENT, dies_on_the_second_po, items_key="acknowledgements")
    txn = submitted(vendor_token, body(acknowledgement(first), acknowledgement(second)))
    with pytest.raises(RuntimeError):
        transaction_apply(transaction_id=txn.pk)
    txn.refresh_from_db()
    first.refresh_from_db()
    assert txn.status == TransactionStatus.PROCESSING and txn.attempts == 1
    assert first.state == PurchaseOrderState.NEW and first.acknowledgements.count() == 0

    register_transaction_handler(TransactionKind.ORDER_ACKNOWLEDGEMENT, apply_order_acknowledgement, items_key="acknowledgements")
    assert transaction_apply(transaction_id=txn.pk) == TransactionStatus.SUCCESS
    assert first.acknowledgements.count() == 1 and second.acknowledgements.count() == 1


def test_the_sweep_requeues_only_stale_processing_transactions(vendor, vendor_token, account):
    stale_po = purchase_order_with_lines(vendor, lines=1, number="STALE001")
    fresh_po = purchase_order_with_lines(vendor, lines=1, number="FRESH001")
    stale = submitted(vendor_token, body(acknowledgement(stale_po)))
    fresh = submitted(vendor_token, body(acknowledgement(fresh_po)))
    with audit_exempt():
        Transaction.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=30))

    assert requeue_stale_transactions(older_than_minutes=10) == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == TransactionStatus.SUCCESS
    assert fresh.status == TransactionStatus.PROCESSING
    assert requeue_stale_transactions(older_than_minutes=10) == 0


def test_after_the_last_attempt_it_fails_with_a_clear_error(vendor, vendor_token, account):
    po = purchase_order_with_lines(vendor, lines=1)
    txn = submitted(vendor_token, body(acknowledgement(po)))
    with audit_exempt():
        Transaction.objects.filter(pk=txn.pk).update(attempts=MAX_ATTEMPTS)

    assert transaction_apply(transaction_id=txn.pk) == TransactionStatus.FAILURE

    txn.refresh_from_db()
    assert txn.errors[0]["code"] == "InternalFailure" and "submit it again" in txn.errors[0]["message"]
    assert po.acknowledgements.count() == 0


def test_a_kind_without_handler_fails(handlers, vendor, vendor_token):
    register_transaction_handler("mystery", lambda **kwargs: [], items_key="things")
    txn = submitted(vendor_token, {"things": [1]}, kind="mystery")
    del services._HANDLERS["mystery"]
    assert transaction_apply(transaction_id=txn.pk) == TransactionStatus.FAILURE
    txn.refresh_from_db()
    assert txn.errors[0]["code"] == "InternalFailure"


def test_registered_handlers_get_each_item_with_the_tokens_scope_and_an_api_actor(handlers, vendor, vendor_token):
    seen = []

    def record(*, item, index, scope, actor):
        seen.append((index, item, scope.vendor, actor.channel, actor.token))
        return [{"code": "InvalidInput", "message": "second refused"}] if index == 1 else []

    register_transaction_handler(TransactionKind.INVOICE, record, items_key="invoices")
    txn = submitted(vendor_token, {"invoices": [{"id": "A"}, {"id": "B"}]}, kind=TransactionKind.INVOICE)

    assert apply_transaction(str(txn.pk)) == TransactionStatus.FAILURE

    token = vendor_token[0]
    assert seen == [(0, {"id": "A"}, vendor, Channel.API, token), (1, {"id": "B"}, vendor, Channel.API, token)]
    txn.refresh_from_db()
    assert txn.errors == [{"code": "InvalidInput", "message": "second refused"}]


def test_a_person_limited_to_a_marketplace_reads_only_their_own_transactions(vendor, vendor_token, account):
    from amazon_api.selectors import transaction_detail
    from tests.factories import marketplace, vendor_user
    from vendor_portal.errors import NotFoundError
    from vendor_portal.tenancy import scope_for_user

    po = purchase_order_with_lines(vendor, lines=1)
    by_the_erp = submitted(vendor_token, body(acknowledgement(po)))
    us_only = vendor_user(vendor, username="us-only", marketplaces=[marketplace("US")])
    everywhere = vendor_user(vendor, username="everywhere")
    with audit_exempt():
        mine = transaction_submit(
            scope=scope_for_user(us_only),
            kind=TransactionKind.ORDER_ACKNOWLEDGEMENT,
            payload=body(acknowledgement(po)),
            actor=Actor(user=us_only, channel=Channel.API),
        )

    assert transaction_detail(scope=scope_for_user(us_only), transaction_id=str(mine.pk), user=us_only) == mine
    with pytest.raises(NotFoundError):
        transaction_detail(scope=scope_for_user(us_only), transaction_id=str(by_the_erp.pk), user=us_only)
    assert transaction_detail(scope=scope_for_user(everywhere), transaction_id=str(by_the_erp.pk), user=everywhere) == by_the_erp
