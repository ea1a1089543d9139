"""Amazon's vendor shipping operations at Amazon's paths and in Amazon's shapes (vendorShipments.json)."""

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from vendor_portal.roles import Action

from .models import TransactionKind
from .schema import sp_api_operation
from .services import transaction_submit
from .shipments.listing import label_page, labels_next_token, shipment_page
from .shipments.representations import selling_party_codes, shipment_representation, transport_labels
from .shipments.submissions import VENDOR_SHIPMENTS, confirmations_submit_errors, raise_if, shipments_submit_errors
from .views import AmazonDoorView

SHIPPING_TAG = "Amazon vendor shipping"
SSCC_EXAMPLES = ("306141410000005001", "306141410000005018", "306141410000005025")
CONFIRMATION_EXAMPLE = {
    "shipmentConfirmations": [
        {
            "shipmentIdentifier": "ASN-2024-0042",
            "shipmentConfirmationType": "Original",
            "shipmentType": "LessThanTruckLoad",
            "shipmentStructure": "PalletizedAssortmentCase",
            "transportationDetails": {
                "carrierScac": "ABFS",
                "carrierShipmentReferenceNumber": "PRO-88123",
                "transportationMode": "Road",
                "billOfLadingNumber": "BOL-000042",
            },
            "shipmentConfirmationDate": "2024-05-06T15:00:00Z",
            "shippedDate": "2024-05-06T14:30:00Z",
            "estimatedDeliveryDate": "2024-05-09T08:00:00Z",
            "sellingParty": {"partyId": "ACMEUS"},
            "shipFromParty": {"partyId": "MAIN"},
            "shipToParty": {"partyId": "ABE2"},
            "shippedItems": [
                {
                    "itemSequenceNumber": "1",
                    "amazonProductIdentifier": "B07DFVDRAB",
                    "vendorProductIdentifier": "ACME-KETTLE-1",
                    "shippedQuantity": {"amount": 12, "unitOfMeasure": "Eaches", "unitSize": 1},
                    "itemDetails": {"purchaseOrderNumber": "2JK3S9VC"},
                }
            ],
            "cartons": [
                {
                    "cartonIdentifiers": [{"containerIdentificationType": "SSCC", "containerIdentificationNumber": SSCC_EXAMPLES[0]}],
                    "cartonSequenceNumber": "1",
                    "items": [{"itemReference": "1", "shippedQuantity": {"amount": 6, "unitOfMeasure": "Eaches", "unitSize": 1}}],
                },
                {
                    "cartonIdentifiers": [{"containerIdentificationType": "SSCC", "containerIdentificationNumber": SSCC_EXAMPLES[1]}],
                    "cartonSequenceNumber": "2",
                    "items": [{"itemReference": "1", "shippedQuantity": {"amount": 6, "unitOfMeasure": "Eaches", "unitSize": 1}}],
                },
            ],
            "pallets": [
                {
                    "palletIdentifiers": [{"containerIdentificationType": "SSCC", "containerIdentificationNumber": SSCC_EXAMPLES[2]}],
                    "cartonReferenceDetails": {"cartonCount": 2, "cartonReferenceNumbers": ["1", "2"]},
                }
            ],
        }
    ]
}
SHIPMENT_EXAMPLE = {
    "shipments": [
        {
            "vendorShipmentIdentifier": "ASN-2024-0043",
            "transactionType": "New",
            "transactionDate": "2024-05-06T15:00:00Z",
            "sellingParty": {"partyId": "ACMEUS"},
            "shipFromParty": {"partyId": "MAIN"},
            "shipToParty": {"partyId": "ABE2"},
            "purchaseOrders": [
                {
                    "purchaseOrderNumber": "2JK3S9VC",
                    "items": [
                        {
                            "itemSequenceNumber": "1",
                            "buyerProductIdentifier": "B07DFVDRAB",
                            "shippedQuantity": {"amount": 6, "unitOfMeasure": "Eaches", "unitSize": 1},
                        }
                    ],
                }
            ],
            "containers": [
                {
                    "containerType": "carton",
                    "containerSequenceNumber": "1",
                    "containerIdentifiers": [{"containerIdentificationType": "SSCC", "containerIdentificationNumber": SSCC_EXAMPLES[0]}],
                    "trackingNumber": "1Z999AA10123456784",
                    "packedItems": [{"itemSequenceNumber": "1", "packedQuantity": {"amount": 6, "unitOfMeasure": "Eaches", "unitSize": 1}}],
                }
            ],
            "transportationDetails": {
                "shipMode": "SmallParcel",
                "transportationMode": "Road",
                "shippedDate": "2024-05-06T14:30:00Z",
                "carrierDetails": {"name": "UPS", "code": "UPSN"},
            },
        }
    ]
}
ASYNC_NOTE = (
    "Stores the request and answers 202 with a transactionId; a worker applies each item all or nothing: the "
    "cartons and pallets keep the SSCCs you give (18 digits, right check digit, your GS1 company prefix, never "
    "used before) and the ASN is submitted. Read the outcome, with every refused item and its rule, from "
    "getTransaction. Send an Idempotency-Key header to make a retry return the first transactionId."
)


class ShipmentConfirmationSubmitView(AmazonDoorView):
    actions = {"POST": Action.MANAGE_SHIPMENTS}

    @sp_api_operation(VENDOR_SHIPMENTS, "SubmitShipmentConfirmations", tag=SHIPPING_TAG, description=ASYNC_NOTE, request_example=CONFIRMATION_EXAMPLE)
    def post(self, request):
        errors = confirmations_submit_errors(request.data)
        raise_if(errors, _("The shipment confirmation request is not valid."))
        txn = transaction_submit(scope=request.scope, kind=TransactionKind.SHIPMENT_CONFIRMATION, payload=request.data, actor=self.actor)
        return Response({"payload": {"transactionId": txn.transaction_id}}, status=status.HTTP_202_ACCEPTED)


class ShipmentListView(AmazonDoorView):
    actions = {"GET": Action.VIEW_SHIPMENTS, "POST": Action.MANAGE_SHIPMENTS}

    @sp_api_operation(VENDOR_SHIPMENTS, "SubmitShipments", tag=SHIPPING_TAG, description=ASYNC_NOTE, request_example=SHIPMENT_EXAMPLE)
    def post(self, request):
        errors = shipments_submit_errors(request.data)
        raise_if(errors, _("The shipments request is not valid."))
        txn = transaction_submit(scope=request.scope, kind=TransactionKind.SHIPMENT, payload=request.data, actor=self.actor)
        return Response({"payload": {"transactionId": txn.transaction_id}}, status=status.HTTP_202_ACCEPTED)

    @sp_api_operation(VENDOR_SHIPMENTS, "GetShipmentDetails", tag=SHIPPING_TAG)
    def get(self, request):
        page = shipment_page(scope=request.scope, query=request.query_params)
        codes = selling_party_codes(page.rows)
        payload = {"shipments": [shipment_representation(shipment, codes=codes) for shipment in page.rows]}
        if page.next_token:
            payload["pagination"] = {"nextToken": page.next_token}
        return Response({"payload": payload})


class TransportLabelListView(AmazonDoorView):
    actions = {"GET": Action.VIEW_SHIPMENTS}

    @sp_api_operation(
        VENDOR_SHIPMENTS,
        "GetShipmentLabels",
        tag=SHIPPING_TAG,
        description=(
            "The carton and pallet labels (GS1-128 SSCC marks) of your submitted shipments, one PDF per shipment "
            "in labelData[].label (base64, labelFormat PDF), whether the portal or your system built the shipment. "
            "A page stops early, with a nextToken, before its PDFs pass 20 MB."
        ),
    )
    def get(self, request):
        page = label_page(scope=request.scope, query=request.query_params)
        codes = selling_party_codes(page.rows)
        labels, used = transport_labels(page.rows, scope=request.scope, actor=self.actor, codes=codes)
        payload = {"transportLabels": labels}
        next_token = labels_next_token(page, used)
        if next_token:
            payload["pagination"] = {"nextToken": next_token}
        return Response({"payload": payload})
