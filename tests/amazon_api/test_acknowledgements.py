"""submitAcknowledgement and getTransaction: 202 with a transactionId, then Success, or Failure naming
every refused item and its rule while nothing of that PO changes."""

import pytest

from amazon_api.models import Transaction, TransactionStatus
from purchase_orders.models import Acknowledgement, PurchaseOrderState
from tests.amazon_api.acks import ACKNOWLEDGEMENTS, accepted, acknowledgement, backordered, body, item, quantity, rejected, when
from tests.amazon_api.conftest import amazon_client
from tests.factories import api_token
from tests.purchase_orders.factories import purchase_order_with_lines
from tests.sp_api_schema import assert_valid_response
from vendor_portal.models import AuditEvent, Channel

ORDERS = "vendorOrders.json"
TRANSACTIONS = "vendorTransactionStatus.json"

pytestmark = pytest.mark.django_db


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """POST and let the worker run (eagerly, once the request's transaction commits)."""

    def post(client, data, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ACKNOWLEDGEMENTS, data, format="json", **headers)
        assert_valid_response(ORDERS, "submitAcknowledgement", response.status_code, response.json())
        return response

    return post


def transaction_status(client, transaction_id) -> dict:
    response = client.get(f"/vendor/transactions/v1/transactions/{transaction_id}")
    assert_valid_response(TRANSACTIONS, "getTransaction", response.status_code, response.json())
    assert response.status_code == 200
    return response.json()["payload"]["transactionStatus"]


def po_state(po) -> dict:
    """Everything an acknowledgement may change on a PO, to prove a refused one changed nothing."""
    po.refresh_from_db()
    lines = list(
        po.lines.order_by("sequence").values_list(
            "accepted_quantity", "backordered_quantity", "rejected_quantity", "rejection_reason", "acknowledged_at"
        )
    )
    return {
        "state": po.state,
        "acknowledged_at": po.acknowledged_at,
        "promised": po.promised_ship_date,
        "lines": lines,
        "revisions": po.acknowledgements.count(),
    }


def test_acknowledgement_is_applied_and_the_transaction_succeeds(amazon, submit, vendor, vendor_token, account):
    po = purchase_order_with_lines(vendor, lines=2)

    response = submit(amazon, body(acknowledgement(po)))

    assert response.status_code == 202
    transaction_id = response.json()["payload"]["transactionId"]
    assert transaction_status(amazon, transaction_id) == {"transactionId": transaction_id, "status": "Success"}
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED
    assert list(po.lines.values_list("accepted_quantity", flat=True)) == [60, 60]
    assert Acknowledgement.objects.get(purchase_order=po).channel == Channel.API
    token = vendor_token[0]
    events = AuditEvent.objects.filter(vendor=vendor, actor_token=token)
    assert set(events.values_list("channel", flat=True)) == {Channel.API}
    assert {"transaction.submit", "purchase_order.acknowledge", "acknowledgement.submit", "purchase_order_line.confirm"} <= set(
        events.values_list("action", flat=True)
    )
    assert events.get(action="purchase_order.acknowledge").request_id == response["x-amzn-RequestId"]


def test_accepted_backordered_and_rejected_split_on_one_item(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=2)
    first, second = po.lines.order_by("sequence")
    ship = when(3)
    items = [
        item(first, accepted(48, scheduledShipDate=ship), backordered(6), rejected(6, "TemporarilyUnavailable")),
        item(second, accepted(60, scheduledShipDate=when(4))),
    ]

    response = submit(amazon, body(acknowledgement(po, items)))

    assert transaction_status(amazon, response.json()["payload"]["transactionId"])["status"] == "Success"
    first.refresh_from_db()
    assert (first.accepted_quantity, first.backordered_quantity, first.rejected_quantity) == (48, 6, 6)
    assert first.rejection_reason == "TemporarilyUnavailable" and first.backorder_date is not None
    po.refresh_from_db()
    assert po.promised_ship_date.isoformat() == ship[:10]  # the earliest accepted ship date is the promise


def test_quantities_given_in_cases_convert_to_the_lines_eaches(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1)
    line = po.lines.get()
    given = item(
        line, {"acknowledgementCode": "Accepted", "acknowledgedQuantity": quantity(10, "Cases", 6)}, orderedQuantity=quantity(10, "Cases", 6)
    )
    response = submit(amazon, body(acknowledgement(po, [given])))
    assert transaction_status(amazon, response.json()["payload"]["transactionId"])["status"] == "Success"
    line.refresh_from_db()
    assert line.accepted_quantity == 60


def _bad_quantity(lines):
    return [item(lines[0], accepted(66)), item(lines[1])], 1, "quantities_do_not_add_up"


def _rejected_without_reason(lines):
    return [item(lines[0], accepted(54), rejected(6, reason=None)), item(lines[1])], 1, "rejection_reason_required"


def _wrong_product_identifier(lines):
    return [item(lines[0], amazonProductIdentifier=lines[1].asin), item(lines[1])], 1, "product_identifier_mismatch"


def _missing_line(lines):
    return [item(lines[0])], 2, "line_missing"


@pytest.mark.parametrize("case", [_bad_quantity, _rejected_without_reason, _wrong_product_identifier, _missing_line])
def test_a_bad_item_fails_the_transaction_with_its_rule_and_changes_nothing(amazon, submit, vendor, account, case):
    po = purchase_order_with_lines(vendor, lines=2, number="BADACK01")
    lines = list(po.lines.order_by("sequence"))
    items, sequence, rule = case(lines)
    before = po_state(po)
    audit_rows = AuditEvent.objects.count()

    response = submit(amazon, body(acknowledgement(po, items)))

    status = transaction_status(amazon, response.json()["payload"]["transactionId"])
    assert status["status"] == "Failure"
    error = status["errors"][0]
    assert error["code"] == "InvalidInput"
    assert "BADACK01" in error["message"]
    assert f"purchaseOrderNumber=BADACK01; itemSequenceNumber={sequence}; rule={rule}" in error["details"]
    assert po_state(po) == before
    assert AuditEvent.objects.count() == audit_rows + 1  # the submission only
    assert not AuditEvent.objects.filter(action="purchase_order.acknowledge").exists()


def test_a_rejected_line_stays_rejected(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1)
    line = po.lines.get()
    first = submit(amazon, body(acknowledgement(po, [item(line, accepted(54, scheduledShipDate=when(3)), rejected(6))])))
    assert transaction_status(amazon, first.json()["payload"]["transactionId"])["status"] == "Success"

    again = submit(amazon, body(acknowledgement(po, [item(line, accepted(60))])))

    status = transaction_status(amazon, again.json()["payload"]["transactionId"])
    assert status["status"] == "Failure"
    assert "rule=rejected_stays_rejected" in status["errors"][0]["details"]
    line.refresh_from_db()
    assert line.rejected_quantity == 6


def test_selling_party_must_be_the_vendor_code_of_the_po_marketplace(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1)
    response = submit(amazon, body(acknowledgement(po, party="GLOBEXUS")))
    status = transaction_status(amazon, response.json()["payload"]["transactionId"])
    assert status["status"] == "Failure"
    assert "rule=selling_party_mismatch; field=acknowledgements[0].sellingParty.partyId" in status["errors"][0]["details"]
    assert po_state(po)["revisions"] == 0


def test_ordered_quantity_must_be_what_the_po_now_orders(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1)
    line = po.lines.get()
    response = submit(amazon, body(acknowledgement(po, [item(line, orderedQuantity=quantity(72))])))
    status = transaction_status(amazon, response.json()["payload"]["transactionId"])
    assert "rule=ordered_quantity_mismatch" in status["errors"][0]["details"]


def test_item_found_by_product_identifier_when_sequence_is_missing(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=2)
    items = []
    for line in po.lines.order_by("sequence"):
        given = item(line)
        del given["itemSequenceNumber"], given["amazonProductIdentifier"]
        items.append(given)
    response = submit(amazon, body(acknowledgement(po, items)))
    assert transaction_status(amazon, response.json()["payload"]["transactionId"])["status"] == "Success"


def test_one_refused_po_does_not_stop_the_others(amazon, submit, vendor, account):
    good = purchase_order_with_lines(vendor, lines=1, number="GOODPO01")
    bad = purchase_order_with_lines(vendor, lines=1, number="BADPO001")
    bad_line = bad.lines.get()
    response = submit(amazon, body(acknowledgement(good), acknowledgement(bad, [item(bad_line, accepted(1))])))
    status = transaction_status(amazon, response.json()["payload"]["transactionId"])
    assert status["status"] == "Failure"
    assert all("purchaseOrderNumber=BADPO001" in error["details"] for error in status["errors"])
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.state == PurchaseOrderState.ACKNOWLEDGED and bad.state == PurchaseOrderState.NEW


def test_unknown_or_another_vendors_po_is_404_and_nothing_is_stored(amazon, globex, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1, number="ACMESECRET7")
    payload = body(acknowledgement(po))
    response = submit(globex, payload)
    assert response.status_code == 404
    assert response.json()["errors"][0] == {
        "code": "NotFound",
        "message": "The purchase order was not found.",
        "details": "field: acknowledgements[0].purchaseOrderNumber",
    }
    assert "ACMESECRET" not in response.content.decode()
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda a: a.pop("sellingParty"), "acknowledgements[0].sellingParty"),
        (
            lambda a: a["items"][0]["itemAcknowledgements"][0].update(acknowledgementCode="accepted"),
            "acknowledgements[0].items[0].itemAcknowledgements[0].acknowledgementCode",
        ),
        (
            lambda a: a["items"][0]["itemAcknowledgements"][0]["acknowledgedQuantity"].update(amount="60"),
            "acknowledgements[0].items[0].itemAcknowledgements[0].acknowledgedQuantity.amount",
        ),
        (lambda a: a.update(acknowledgementDate="yesterday"), "acknowledgements[0].acknowledgementDate"),
        (lambda a: a["items"][0].pop("orderedQuantity"), "acknowledgements[0].items[0].orderedQuantity"),
    ],
)
def test_a_body_that_breaks_the_model_is_400_naming_the_field(amazon, submit, vendor, account, mutate, field):
    po = purchase_order_with_lines(vendor, lines=1)
    given = acknowledgement(po)
    mutate(given)
    response = submit(amazon, body(given))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["code"] == "InvalidInput" and f"field: {field}" in [error.get("details") for error in errors]
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("payload", [{}, {"acknowledgements": []}, [], "text"])
def test_an_empty_or_non_object_body_is_400(amazon, submit, payload):
    response = submit(amazon, payload)
    assert response.status_code == 400


def test_an_idempotency_key_retry_returns_the_same_transaction(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1)
    payload = body(acknowledgement(po))
    first = submit(amazon, payload, HTTP_IDEMPOTENCY_KEY="erp-run-42")
    second = submit(amazon, payload, HTTP_IDEMPOTENCY_KEY="erp-run-42")
    assert second.status_code == 202 and second["Idempotent-Replayed"] == "true"
    assert second.json()["payload"]["transactionId"] == first.json()["payload"]["transactionId"]
    assert Transaction.objects.count() == 1
    assert po.acknowledgements.count() == 1


def test_another_vendors_transaction_is_404(amazon, globex, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1)
    transaction_id = submit(amazon, body(acknowledgement(po))).json()["payload"]["transactionId"]
    response = globex.get(f"/vendor/transactions/v1/transactions/{transaction_id}")
    assert response.status_code == 404
    assert_valid_response(TRANSACTIONS, "getTransaction", 404, response.json())
    assert response.json()["errors"][0]["code"] == "NotFound"
    assert transaction_status(amazon, transaction_id)["status"] == "Success"


def test_a_malformed_transaction_id_is_404(amazon):
    response = amazon.get("/vendor/transactions/v1/transactions/not-a-uuid")
    assert response.status_code == 404
    assert_valid_response(TRANSACTIONS, "getTransaction", 404, response.json())


def test_a_transaction_not_yet_applied_reads_processing(amazon, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1)
    response = amazon.post(ACKNOWLEDGEMENTS, body(acknowledgement(po)), format="json")  # on-commit never runs here
    transaction_id = response.json()["payload"]["transactionId"]
    assert transaction_status(amazon, transaction_id) == {"transactionId": transaction_id, "status": "Processing"}


def test_missing_token_is_401(api_client, vendor, submit):
    response = submit(api_client, {"acknowledgements": []})
    assert response.status_code == 401
    response = api_client.get("/vendor/transactions/v1/transactions/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 401
    assert_valid_response(TRANSACTIONS, "getTransaction", 401, response.json())


def test_a_read_only_token_cannot_acknowledge(vendor, submit, account):
    po = purchase_order_with_lines(vendor, lines=1)
    _, raw = api_token(vendor, scopes=["orders:read"], name="Reader")
    response = submit(amazon_client(raw), body(acknowledgement(po)))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "Unauthorized"
    assert not Transaction.objects.exists()


def test_a_token_without_orders_scope_cannot_read_an_acknowledgement_transaction(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1)
    transaction_id = submit(amazon, body(acknowledgement(po))).json()["payload"]["transactionId"]
    _, raw = api_token(vendor, scopes=["invoices:read"], name="Invoices only")
    response = amazon_client(raw).get(f"/vendor/transactions/v1/transactions/{transaction_id}")
    assert response.status_code == 403
    assert_valid_response(TRANSACTIONS, "getTransaction", 403, response.json())
    assert Transaction.objects.get().status == TransactionStatus.SUCCESS


def test_a_body_that_is_not_json_is_415(amazon):
    response = amazon.post(ACKNOWLEDGEMENTS, {"acknowledgements": "x"}, format="multipart")
    assert response.status_code == 415
    assert_valid_response(ORDERS, "submitAcknowledgement", 415, response.json())
    assert response.json()["errors"][0]["code"] == "UnsupportedMediaType"


def test_every_refusal_names_the_item_and_the_acknowledgement_it_is_about(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=2, number="PATHS001")
    first, second = po.lines.order_by("sequence")
    outside_window = when(400)
    items = [
        item(first, accepted(54, scheduledShipDate=outside_window), rejected(6, reason=None)),
        item(second, accepted(60), orderedQuantity=quantity(10, "Cases", 5)),
    ]

    response = submit(amazon, body(acknowledgement(po, items)))

    status = transaction_status(amazon, response.json()["payload"]["transactionId"])
    fields = {detail.split("; field=")[1] for detail in (error["details"] for error in status["errors"])}
    assert fields == {
        "acknowledgements[0].items[0].itemAcknowledgements[1].rejectionReason",  # the item's Rejected acknowledgement
        "acknowledgements[0].items[1].orderedQuantity",  # 50 eaches is not what the PO orders
        "acknowledgements[0].items[0].itemAcknowledgements[0].scheduledShipDate",  # the date that became the promise
    }
    assert po_state(po)["revisions"] == 0


def test_two_rejection_reasons_on_one_item_name_the_acknowledgement_that_gives_the_second(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=3, quantity=60, number="REASONS01")
    first, second, third = po.lines.order_by("sequence")
    items = [item(first), item(second), item(third, accepted(48), rejected(6, "TemporarilyUnavailable"), rejected(6, "ObsoleteProduct"))]

    response = submit(amazon, body(acknowledgement(po, items)))

    [error] = transaction_status(amazon, response.json()["payload"]["transactionId"])["errors"]
    assert "rule=one_rejection_reason" in error["details"] and "itemSequenceNumber=3" in error["details"]
    assert error["details"].endswith("field=acknowledgements[0].items[2].itemAcknowledgements[2].rejectionReason")
    assert po_state(po)["revisions"] == 0


def test_an_item_named_only_by_its_product_is_checked_by_the_service(amazon, submit, vendor, account):
    po = purchase_order_with_lines(vendor, lines=2, number="BYPRODUCT")
    first, second = po.lines.order_by("sequence")
    stranger = item(first, vendorProductIdentifier="NOT-OURS-1")
    del stranger["itemSequenceNumber"], stranger["amazonProductIdentifier"]

    response = submit(amazon, body(acknowledgement(po, [stranger, item(second)])))

    mismatch, missing = transaction_status(amazon, response.json()["payload"]["transactionId"])["errors"]
    assert "rule=product_identifier_mismatch; field=acknowledgements[0].items[0].vendorProductIdentifier" in mismatch["details"]
    assert "itemSequenceNumber=1; rule=line_missing" in missing["details"]  # no item answered line 1 then
