"""Amazon's vendor order and transaction operations, at Amazon's paths and in Amazon's shapes.

Every body is {"payload": ...} or {"errors": [{"code", "message", "details"}]} (the door's views answer
errors through `amazon_exception_handler`). Tokens come as `x-amz-access-token` or `Authorization: Bearer`.
"""

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from vendor_portal.api.base import PortalAPIView
from vendor_portal.api.parsers import PortalJSONParser
from vendor_portal.errors import DomainValidationError, ForbiddenError, NotFoundError
from vendor_portal.roles import Action

from . import representations, selectors
from .acknowledgements import submit_errors, unknown_purchase_order_errors
from .errors import amazon_exception_handler
from .models import TransactionKind
from .schema import SpApiAutoSchema, sp_api_operation
from .services import transaction_handler, transaction_submit
from .spec import VENDOR_ORDERS, VENDOR_TRANSACTION_STATUS

ORDERS_TAG = "Amazon vendor orders"
TRANSACTIONS_TAG = "Amazon vendor transactions"
ACKNOWLEDGEMENT_EXAMPLE = {
    "acknowledgements": [
        {
            "purchaseOrderNumber": "2JK3S9VC",
            "sellingParty": {"partyId": "ACMEUS"},
            "acknowledgementDate": "2024-05-02T09:30:00Z",
            "items": [
                {
                    "itemSequenceNumber": "1",
                    "amazonProductIdentifier": "B07DFVDRAB",
                    "vendorProductIdentifier": "ACME-KETTLE-1",
                    "orderedQuantity": {"amount": 60, "unitOfMeasure": "Eaches", "unitSize": 1},
                    "netCost": {"currencyCode": "USD", "amount": "10.20"},
                    "itemAcknowledgements": [
                        {
                            "acknowledgementCode": "Accepted",
                            "acknowledgedQuantity": {"amount": 48, "unitOfMeasure": "Eaches"},
                            "scheduledShipDate": "2024-05-06T00:00:00Z",
                        },
                        {
                            "acknowledgementCode": "Rejected",
                            "acknowledgedQuantity": {"amount": 12, "unitOfMeasure": "Eaches"},
                            "rejectionReason": "TemporarilyUnavailable",
                        },
                    ],
                }
            ],
        }
    ]
}
TRANSACTION_EXAMPLE = {
    "payload": {
        "transactionStatus": {
            "transactionId": "2f6c1a1e-8d7b-4a53-9c3e-0b8a1f4d2e77",
            "status": "Failure",
            "errors": [
                {
                    "code": "InvalidInput",
                    "message": "Purchase order 2JK3S9VC: Line 1: choose why the units are rejected.",
                    "details": "purchaseOrderNumber=2JK3S9VC; itemSequenceNumber=1; rule=rejection_reason_required; "
                    "field=acknowledgements[0].items[0].itemAcknowledgements[1].rejectionReason",
                }
            ],
        }
    }
}


class AmazonDoorView(PortalAPIView):
    """JSON in and out, errors in Amazon's shape, Amazon's rate-limit header on every answer."""

    parser_classes = [PortalJSONParser]
    renderer_classes = [JSONRenderer]
    schema = SpApiAutoSchema()

    def get_exception_handler(self):
        return amazon_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        rate = self._rate_per_second()
        if rate is not None:
            response["x-amzn-RateLimit-Limit"] = rate
        return response

    def _rate_per_second(self) -> str | None:
        for throttle in self.get_throttles():
            if getattr(throttle, "num_requests", None) and getattr(throttle, "duration", None):
                return str(round(throttle.num_requests / throttle.duration, 4))
        return None


class PurchaseOrderListView(AmazonDoorView):
    actions = {"GET": Action.VIEW_PURCHASE_ORDERS}

    @sp_api_operation(VENDOR_ORDERS, "getPurchaseOrders", tag=ORDERS_TAG)
    def get(self, request):
        page, include_details = selectors.purchase_order_page(scope=request.scope, query=request.query_params)
        codes = representations.selling_party_ids(page.rows) if include_details else {}
        payload = {
            "orders": [
                representations.order(po, selling_party=representations.selling_party_id(po, codes), include_details=include_details)
                for po in page.rows
            ]
        }
        if page.next_token:
            payload["pagination"] = {"nextToken": page.next_token}
        return Response({"payload": payload})


class PurchaseOrderDetailView(AmazonDoorView):
    actions = {"GET": Action.VIEW_PURCHASE_ORDERS}

    @sp_api_operation(VENDOR_ORDERS, "getPurchaseOrder", tag=ORDERS_TAG)
    def get(self, request, purchaseOrderNumber):
        po = selectors.purchase_order_detail(scope=request.scope, number=purchaseOrderNumber)
        codes = representations.selling_party_ids([po])
        return Response({"payload": representations.order(po, selling_party=representations.selling_party_id(po, codes))})


class AcknowledgementSubmitView(AmazonDoorView):
    actions = {"POST": Action.CONFIRM_PURCHASE_ORDERS}

    @sp_api_operation(
        VENDOR_ORDERS,
        "submitAcknowledgement",
        tag=ORDERS_TAG,
        description=(
            "Stores the acknowledgements and answers 202 with a transactionId; a worker applies each PO's "
            "acknowledgement all or nothing. Read the outcome, with every refused item, from getTransaction. "
            "Send an Idempotency-Key header to make a retry return the first transactionId."
        ),
        request_example=ACKNOWLEDGEMENT_EXAMPLE,
    )
    def post(self, request):
        body = request.data
        errors = submit_errors(body)
        if errors:
            raise DomainValidationError(_("The acknowledgement request is not valid."), errors=errors)
        unknown = unknown_purchase_order_errors(scope=request.scope, body=body)
        if unknown:
            raise NotFoundError(_("Some purchase orders were not found."), errors=unknown)
        txn = transaction_submit(scope=request.scope, kind=TransactionKind.ORDER_ACKNOWLEDGEMENT, payload=body, actor=self.actor)
        return Response({"payload": {"transactionId": txn.transaction_id}}, status=status.HTTP_202_ACCEPTED)


class PurchaseOrderStatusListView(AmazonDoorView):
    actions = {"GET": Action.VIEW_PURCHASE_ORDERS}

    @sp_api_operation(VENDOR_ORDERS, "getPurchaseOrdersStatus", tag=ORDERS_TAG)
    def get(self, request):
        page = selectors.purchase_order_status_page(scope=request.scope, query=request.query_params)
        codes = representations.selling_party_ids(page.rows)
        payload = {"ordersStatus": [representations.order_status(po, selling_party=representations.selling_party_id(po, codes)) for po in page.rows]}
        if page.next_token:
            payload["pagination"] = {"nextToken": page.next_token}
        return Response({"payload": payload})


class TransactionDetailView(AmazonDoorView):
    # Any of the vendor's credentials may ask; the kind's own read permission is checked below.
    actions = {"GET": None}

    @sp_api_operation(
        VENDOR_TRANSACTION_STATUS,
        "getTransaction",
        tag=TRANSACTIONS_TAG,
        description="Processing until a worker has applied the request; then Success, or Failure with one error per refused item.",
        response_examples={"200": TRANSACTION_EXAMPLE},
    )
    def get(self, request, transactionId):
        txn = selectors.transaction_detail(scope=request.scope, transaction_id=transactionId, user=request.user)
        handler = transaction_handler(txn.kind)
        if handler and handler.read_action and not request.scope.can(handler.read_action):
            raise ForbiddenError()
        body = {"transactionId": txn.transaction_id, "status": txn.status}
        if txn.errors:
            body["errors"] = txn.errors
        return Response({"payload": {"transactionStatus": body}})
