"""Domain events reach their subscribers after the commit only, in batches, one failing subscriber
costing the others nothing; in-transaction subscribers share the fate of the change."""

import logging

import pytest
from django.db import transaction

from vendor_portal import events
from vendor_portal.events import IN_TRANSACTION, InvoiceAccepted, InvoiceStateChanged, InvoiceSubmitted, ReceiptPosted

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Subscribes a recorder for the test's duration: heard[when] is the list of batches it received."""
    received = {"after_commit": [], "in_transaction": []}
    subscribed = []

    def listen(event_type, when=events.AFTER_COMMIT):
        def recorder(batch):
            received[when].append(list(batch))

        events.subscribe(event_type, recorder, when=when)
        subscribed.append((event_type, recorder, when))
        return recorder

    received["listen"] = listen
    yield received
    for event_type, recorder, when in subscribed:
        events.unsubscribe(event_type, recorder, when=when)


def submitted(invoice_id=1, **overrides):
    values = {
        "vendor_id": 7,
        "invoice_id": invoice_id,
        "number": f"INV-{invoice_id}",
        "invoice_type": "invoice",
        "state": "submitted",
        "previous_state": "draft",
        "channel": "api",
    }
    return InvoiceSubmitted(**{**values, **overrides})


def test_after_commit_subscribers_hear_nothing_until_the_commit(heard, django_capture_on_commit_callbacks):
    heard["listen"](InvoiceSubmitted)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events.publish(submitted())
        assert heard["after_commit"] == [], "called inside the transaction"
    assert len(callbacks) == 1
    assert heard["after_commit"] == [[submitted()]]


def test_a_change_rolled_back_publishes_nothing(heard, django_capture_on_commit_callbacks):
    heard["listen"](InvoiceSubmitted)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                events.publish(submitted(1))
                raise RuntimeError("the service failed after publishing")
        except RuntimeError:
            pass
        events.publish(submitted(2))
    assert heard["after_commit"] == [[submitted(2)]], "only the committed change is news"


def test_one_publish_is_one_batch_per_event_type(heard, django_capture_on_commit_callbacks):
    heard["listen"](InvoiceSubmitted)
    heard["listen"](ReceiptPosted)
    receipt = ReceiptPosted(vendor_id=7, receipt_id=3, shipment_id=4, shipment_identifier="ASN-4", purchase_order_line_ids=(10, 11))
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(submitted(1), receipt, submitted(2))
    assert sorted(heard["after_commit"], key=len) == [[receipt], [submitted(1), submitted(2)]]


def test_a_subscriber_of_a_general_event_hears_the_specific_ones(heard, django_capture_on_commit_callbacks):
    heard["listen"](InvoiceStateChanged)
    accepted = InvoiceAccepted(vendor_id=7, invoice_id=1, number="INV-1", invoice_type="invoice", state="accepted", previous_state="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(submitted(), accepted)
    assert [type(batch[0]) for batch in heard["after_commit"]] == [InvoiceSubmitted, InvoiceAccepted]


def test_a_failing_subscriber_is_logged_and_the_others_still_hear(heard, django_capture_on_commit_callbacks, caplog):
    def broken(batch):
        raise ValueError("receiver bug")

    events.subscribe(InvoiceSubmitted, broken)
    try:
        heard["listen"](InvoiceSubmitted)
        with caplog.at_level(logging.ERROR, logger="vendor_portal.events"):
            with django_capture_on_commit_callbacks(execute=True):
                events.publish(submitted())
    finally:
        events.unsubscribe(InvoiceSubmitted, broken)
    assert heard["after_commit"] == [[submitted()]]
    assert "broken" in caplog.text and "receiver bug" in caplog.text


def test_in_transaction_subscribers_run_at_once_and_can_refuse_the_change(heard):
    heard["listen"](InvoiceSubmitted, when=IN_TRANSACTION)
    events.publish(submitted())
    assert heard["in_transaction"] == [[submitted()]], "called inside the publishing transaction"

    def refuse(batch):
        raise ValueError("outbox full")

    events.subscribe(InvoiceSubmitted, refuse, when=IN_TRANSACTION)
    try:
        with pytest.raises(ValueError, match="outbox full"):
            events.publish(submitted(2))
    finally:
        events.unsubscribe(InvoiceSubmitted, refuse, when=IN_TRANSACTION)


def test_subscribing_twice_delivers_once(heard, django_capture_on_commit_callbacks):
    recorder = heard["listen"](InvoiceSubmitted)
    events.subscribe(InvoiceSubmitted, recorder)
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(submitted())
    assert heard["after_commit"] == [[submitted()]]


def test_nobody_listening_queues_nothing(django_capture_on_commit_callbacks):
    class Unheard(events.Event):
        pass

    with django_capture_on_commit_callbacks() as callbacks:
        events.publish(Unheard(vendor_id=None))
    assert callbacks == []
