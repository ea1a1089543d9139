"""The portal's own REST API for ship plans, ASNs, labels, receipts, and generic jobs and documents."""

import re

from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from shipments import measurements, selectors
from shipments.measurements import Measurements
from shipments.models import Carton, CartonItem, Pallet, Receipt, ReceiptLine, Shipment, ShipmentLine
from shipments.services.asn import shipment_replace, shipment_submit
from shipments.services.labels import shipment_labels_request
from shipments.services.packing_list import shipment_packing_list_render, shipment_packing_list_upload
from shipments.services.plans import (
    ShipPlanInput,
    ShipPlanLine,
    shipment_cancel,
    shipment_carton_move,
    shipment_carton_set_tracking,
    shipment_create,
    shipment_update,
)
from shipments.services.receiving import ReceivedLine, receipt_create, receiving_carton_exception
from shipments.services.weights import shipment_measure
from vendor_portal.api.base import PortalAPIView, ScopedGenericViewSet
from vendor_portal.api.csv import FORMAT_PARAMETER, CsvListMixin, csv_list_responses
from vendor_portal.api.errors import documented_error
from vendor_portal.document_access import document_readable_or_404, job_readable_or_404
from vendor_portal.downloads import SIGNED_URL_REDIRECT, document_response
from vendor_portal.models import Document, Job
from vendor_portal.roles import Action

from . import examples
from . import serializers as s

TAGS = ["Shipments"]
NOT_FOUND = documented_error(str(_("No such shipment, or another vendor's.")), examples.NOT_FOUND)
FORBIDDEN = documented_error(str(_("Your role or token scopes do not allow this.")), examples.FORBIDDEN)
CONFLICT = documented_error(str(_("Not possible in the shipment's current state.")), examples.CONFLICT)


def _invalid(example):
    return documented_error(str(_("Validation errors, each naming its field.")), example)


def _plan_input(data) -> ShipPlanInput:
    lines = [
        ShipPlanLine(purchase_order_line_id=line["purchase_order_line"], quantity=line["quantity"], ref=f"lines[{i}]")
        for i, line in enumerate(data.pop("lines"))
    ]
    return ShipPlanInput(lines=lines, **data)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="List ship plans and ASNs",
        description=(
            "Drafts and ASNs you may see, newest first; filter by `state`, order by `created_at` or `ship_date`; "
            "`format=csv` gives the whole filtered list as one CSV."
        ),
        parameters=[FORMAT_PARAMETER],
        responses=csv_list_responses(
            s.ShipmentListSerializer(many=True), str(_("Every shipment of the filtered list, one per row.")), {403: FORBIDDEN}
        ),
        examples=[examples.LIST_PAGE],
    ),
    retrieve=extend_schema(
        tags=TAGS,
        summary="A ship plan or ASN with its lines",
        responses={200: s.ShipmentSerializer, 404: NOT_FOUND},
        examples=[examples.DETAIL],
    ),
)
class ShipmentViewSet(CsvListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Ship plans (drafts) and ASNs: build, cartonize, palletize, label, submit, replace."""

    queryset = Shipment.objects.all()
    serializer_class = s.ShipmentSerializer
    ordering_fields = ["created_at", "ship_date"]
    filterset_fields = ["state"]
    actions = {
        "list": Action.VIEW_SHIPMENTS,
        "retrieve": Action.VIEW_SHIPMENTS,
        "cartons": Action.VIEW_SHIPMENTS,
        "pallets": Action.VIEW_SHIPMENTS,
        "labels": Action.VIEW_SHIPMENTS,
        "*": Action.MANAGE_SHIPMENTS,
    }

    def base_queryset(self):
        if self.action == "list":
            return selectors.with_box_counts(Shipment.objects.select_related("vendor", "marketplace", "ship_to", "ship_from"))
        return Shipment.objects.select_related("vendor", "marketplace", "ship_to", "ship_from").prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("purchase_order_line__purchase_order").order_by("pk"))
        )

    def get_serializer_class(self):
        return s.ShipmentListSerializer if self.action == "list" else s.ShipmentSerializer

    def list(self, request, *args, **kwargs):
        if self.wants_csv:
            return self.csv_response(self.filter_queryset(self.get_queryset()), s.ShipmentListSerializer, "shipments")
        return super().list(request, *args, **kwargs)

    def _answer(self, shipment, status_code=status.HTTP_200_OK):
        shipment = self.base_queryset().get(pk=shipment.pk)
        body = s.ShipmentSerializer(shipment).data
        warnings = getattr(shipment, "warnings", None)
        return Response({**body, "warnings": [str(w) for w in warnings or []]}, status=status_code)

    @extend_schema(
        tags=TAGS,
        summary="Build a ship plan (vendor)",
        description=(
            "A draft from confirmed PO lines going to one DC: the portal cartonizes by case pack, palletizes and assigns "
            "SSCCs from your GS1 prefix. `warnings` lists what is allowed but late. Send an Idempotency-Key to retry safely."
        ),
        request=s.ShipPlanInputSerializer,
        responses={201: s.ShipmentAnswerSerializer, 400: _invalid(examples.PLAN_ERRORS), 403: FORBIDDEN},
        examples=[examples.PLAN_REQUEST, examples.PLAN_CREATED, examples.PLAN_LATE],
    )
    def create(self, request):
        serializer = s.ShipPlanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shipment = shipment_create(scope=request.scope, data=_plan_input(dict(serializer.validated_data)), actor=self.actor)
        warnings = shipment.warnings
        shipment = self.base_queryset().get(pk=shipment.pk)
        shipment.warnings = warnings
        return self._answer(shipment, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Replace a draft's plan",
        description="The whole plan again (drafts only). Changed lines re-plan the cartons by case pack, existing cartons keeping their SSCCs; a header-only change keeps manual carton moves.",
        request=s.ShipPlanInputSerializer,
        responses={200: s.ShipmentAnswerSerializer, 400: _invalid(examples.PLAN_ERRORS), 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.PLAN_CHANGE_REQUEST, examples.PLAN_CHANGED],
    )
    def update(self, request, pk=None):
        self.get_object()  # 404 for another vendor's shipment before judging the body
        serializer = s.ShipPlanInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shipment = shipment_update(scope=request.scope, shipment_id=pk, data=_plan_input(dict(serializer.validated_data)), actor=self.actor)
        return self._answer(shipment)

    @extend_schema(
        tags=TAGS,
        summary="Cartons of a shipment",
        description="Every carton in order, with its SSCC, pallet, tracking number and contents.",
        responses={200: s.CartonSerializer(many=True), 404: NOT_FOUND},
        examples=[examples.CARTONS],
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def cartons(self, request, pk=None):
        shipment = self.get_object()
        items = CartonItem.objects.select_related("shipment_line__purchase_order_line__purchase_order")
        cartons = shipment.cartons.select_related("pallet").prefetch_related(Prefetch("items", queryset=items)).order_by("index")
        return Response(s.CartonSerializer(cartons, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Move units between cartons",
        description="Drafts only. Omit `to_carton` to put the units in a new carton. Answers with every carton.",
        request=s.CartonMoveInputSerializer,
        responses={200: s.CartonSerializer(many=True), 400: _invalid(examples.CARTON_ERRORS), 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.MOVE_REQUEST, examples.NEW_CARTON_REQUEST, examples.MOVED],
    )
    @action(detail=True, methods=["post"], url_path="cartons/move", pagination_class=None)
    def cartons_move(self, request, pk=None):
        """Move units of a line between cartons (mixed cartons) or into a new carton; SSCCs stay."""
        self.get_object()
        serializer = s.CartonMoveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        shipment_carton_move(
            scope=request.scope,
            shipment_id=pk,
            from_carton=data["from_carton"],
            to_carton=data.get("to_carton"),
            shipment_line_id=data["shipment_line"],
            quantity=data["quantity"],
            actor=self.actor,
        )
        return self.cartons(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="Set carton tracking numbers",
        request=s.CartonTrackingInputSerializer,
        responses={200: s.CartonSerializer(many=True), 400: _invalid(examples.CARTON_ERRORS), 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.TRACKING_REQUEST, examples.TRACKED],
    )
    @action(detail=True, methods=["post"], url_path="cartons/tracking", pagination_class=None)
    def cartons_tracking(self, request, pk=None):
        """Small-parcel tracking numbers, by carton index."""
        self.get_object()
        serializer = s.CartonTrackingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tracking = {row["index"]: row["tracking_number"] for row in serializer.validated_data["cartons"]}
        shipment_carton_set_tracking(scope=request.scope, shipment_id=pk, tracking=tracking, actor=self.actor)
        return self.cartons(request, pk)

    @extend_schema(
        tags=TAGS,
        summary="Weigh and measure cartons and pallets",
        description=(
            "Drafts only. The gross weight and outside dimensions of cartons and pallets by their number, in the plan's units unless "
            "given; a weight or dimensions sent as null go back to the estimate (cartons from the products' case weight and size, "
            "pallets from their cartons). Submitting the ASN stores the estimates of what nobody measured. Answers with every carton and pallet."
        ),
        request=s.MeasurementsInputSerializer,
        responses={200: s.MeasurementsSerializer, 400: _invalid(examples.MEASURE_ERRORS), 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.MEASURE_REQUEST, examples.MEASURED],
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def measurements(self, request, pk=None):
        shipment = self.get_object()
        serializer = s.MeasurementsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def given(model, rows) -> dict[int, Measurements]:
            """What each row gives; a part it leaves out keeps what is stored (null clears it)."""
            stored = {row.index: measurements.stored(row) for row in model.objects.filter(shipment=shipment, index__in=[r["index"] for r in rows])}
            out = {}
            for row in rows:
                was = stored.get(row["index"], Measurements())
                weight = (row["weight"], row.get("weight_unit") or shipment.weight_unit) if "weight" in row else (was.weight, was.weight_unit)
                if any(part in row for part in ("length", "width", "height")):
                    sides = [row.get("length"), row.get("width"), row.get("height")]
                    dimension_unit = row.get("dimension_unit") or shipment.dimension_unit
                else:
                    sides, dimension_unit = [was.length, was.width, was.height], was.dimension_unit
                out[row["index"]] = Measurements(weight[0], weight[1], *sides, dimension_unit)
            return out

        data = serializer.validated_data
        shipment_measure(
            scope=request.scope, shipment_id=pk, cartons=given(Carton, data["cartons"]), pallets=given(Pallet, data["pallets"]), actor=self.actor
        )
        items = CartonItem.objects.select_related("shipment_line__purchase_order_line__purchase_order")
        cartons = shipment.cartons.select_related("pallet").prefetch_related(Prefetch("items", queryset=items)).order_by("index")
        pallets = shipment.pallets.annotate(carton_count=Count("cartons")).order_by("index")
        return Response(s.MeasurementsSerializer({"cartons": cartons, "pallets": pallets}).data)

    @extend_schema(
        tags=TAGS,
        summary="Pallets of a shipment",
        responses={200: s.PalletSerializer(many=True), 404: NOT_FOUND},
        examples=[examples.PALLETS],
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def pallets(self, request, pk=None):
        shipment = self.get_object()
        pallets = shipment.pallets.annotate(carton_count=Count("cartons")).order_by("index")
        return Response(s.PalletSerializer(pallets, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Submit the ASN",
        description="Checks SSCCs, tracking numbers and BOL, then sends the ASN (Original) to the DC. Nothing to send in the body.",
        request=None,
        responses={200: s.ShipmentAnswerSerializer, 400: _invalid(examples.SUBMIT_ERRORS), 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.SUBMITTED_ANSWER],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._answer(shipment_submit(scope=request.scope, shipment_id=pk, actor=self.actor))

    @extend_schema(
        tags=TAGS,
        summary="Send a Replace ASN",
        description=(
            "Before the DC starts receiving: may only lower quantities (to zero) and change the carrier details; keeps the "
            "shipment identifier. Lines you leave out keep their quantity. The ASN revision goes up and labels printed "
            "before are out of date."
        ),
        request=s.ReplaceInputSerializer,
        responses={200: s.ShipmentAnswerSerializer, 400: _invalid(examples.PLAN_ERRORS), 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.REPLACE_REQUEST, examples.REPLACED],
    )
    @action(detail=True, methods=["post"])
    def replace(self, request, pk=None):
        shipment = self.get_object()
        serializer = s.ReplaceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lines = [ShipPlanLine(line["purchase_order_line"], line["quantity"], ref=f"lines[{i}]") for i, line in enumerate(data.pop("lines"))]
        # The service takes the whole ASN again; here a line left out keeps its quantity (the service
        # re-checks every quantity under its lock).
        named = {line.purchase_order_line_id for line in lines}
        lines += [
            ShipPlanLine(line.purchase_order_line_id, line.quantity, ref="lines")
            for line in shipment.lines.order_by("pk")
            if line.purchase_order_line_id not in named
        ]
        return self._answer(shipment_replace(scope=request.scope, shipment_id=pk, lines=lines, actor=self.actor, **data))

    @extend_schema(
        tags=TAGS,
        summary="Cancel a draft",
        description="Gives up a ship plan before submission; its PO quantities are open to ship again.",
        request=None,
        responses={200: s.ShipmentAnswerSerializer, 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.CANCELLED],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._answer(shipment_cancel(scope=request.scope, shipment_id=pk, actor=self.actor))

    @extend_schema(
        tags=TAGS,
        summary="Documents of a shipment",
        description="Label PDFs (one per ASN revision) and packing lists; download each from its `download_url`.",
        responses={200: s.DocumentSerializer(many=True), 404: NOT_FOUND},
        examples=[examples.DOCUMENTS],
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def labels(self, request, pk=None):
        """The shipment's documents: label PDFs (one per ASN revision) and packing lists."""
        shipment = self.get_object()
        return Response(s.DocumentSerializer(selectors.shipment_documents(scope=request.scope, shipment=shipment), many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Generate carton and pallet labels",
        description=(
            "Starts the label PDF/A (GS1-128 SSCC labels, 4x6 in) in the background; poll `/api/v1/jobs/{id}/` for progress and the document. "
            "While the shipment's labels are being generated, the answer is that job (same `id`): no second one starts."
        ),
        request=None,
        responses={202: s.JobSerializer, 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.JOB_QUEUED],
    )
    @labels.mapping.post
    def labels_request(self, request, pk=None):
        """Start label generation; poll the returned job."""
        job = shipment_labels_request(scope=request.scope, shipment_id=pk, actor=self.actor)
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        tags=TAGS,
        summary="Render the packing list",
        description="The packing list as PDF/A, stored with the shipment's documents.",
        request=None,
        responses={201: s.DocumentSerializer, 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.PACKING_LIST],
    )
    @action(detail=True, methods=["post"], url_path="packing-list")
    def packing_list(self, request, pk=None):
        document = shipment_packing_list_render(scope=request.scope, shipment_id=pk, actor=self.actor)
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Upload your own packing list",
        description="A PDF as the multipart field `file`.",
        request={"multipart/form-data": s.PackingListUploadSerializer},
        responses={201: s.DocumentSerializer, 400: _invalid(examples.NOT_PDF), 404: NOT_FOUND},
        examples=[examples.PACKING_LIST_UPLOAD_REQUEST, examples.PACKING_LIST_UPLOADED],
    )
    @action(detail=True, methods=["post"], url_path="packing-list/upload", parser_classes=[MultiPartParser])
    def packing_list_upload(self, request, pk=None):
        self.get_object()  # another vendor's shipment is a 404 before its body is even parsed
        document = shipment_packing_list_upload(scope=request.scope, shipment_id=pk, uploaded_file=request.FILES.get("file"), actor=self.actor)
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        tags=["Jobs and documents"],
        summary="A background job",
        description="Status (queued, running, succeeded, failed), progress and, once done, the document it produced.",
        responses={
            200: s.JobSerializer,
            403: FORBIDDEN,
            404: documented_error(str(_("No such job, or another vendor's.")), examples.NOT_FOUND),
        },
        examples=[examples.JOB_RUNNING, examples.JOB_DONE, examples.JOB_FAILED],
    )
)
class JobViewSet(mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Any long-running job (labels, documents, imports): status, progress percent, result link. Readable by
    those who may read the record it works on (role or token scope, marketplace limits); an export by its asker."""

    queryset = Job.objects.select_related("result")
    serializer_class = s.JobSerializer
    actions = {"*": None}  # the job's own record decides: see document_access

    def get_object(self):
        return job_readable_or_404(scope=self.request.scope, user=self.request.user, pk=self.kwargs["pk"], queryset=self.get_queryset())


class DocumentDownloadView(PortalAPIView):
    """A stored document for whoever may read the record it belongs to (another vendor's is a 404, a role or token
    scope that may not read that kind of record a 403): streamed, or a redirect to a signed URL."""

    actions = {"*": None}  # the document's own record decides: see document_access

    @extend_schema(
        tags=["Jobs and documents"],
        summary="Download a document",
        description="The stored file itself: labels, packing lists, invoices and remittance advice are PDF/A; the `Content-Type` is the document's own.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=str(_("The file, as an attachment."))),
            302: SIGNED_URL_REDIRECT,
            403: FORBIDDEN,
            404: documented_error(str(_("No such document, another vendor's, or its file is missing.")), examples.NOT_FOUND),
        },
    )
    def get(self, request, pk):
        document = document_readable_or_404(scope=request.scope, user=request.user, pk=pk)
        return document_response(document, filename=download_name(document))


UNSAFE_IN_FILE_NAMES = re.compile(r"[^A-Za-z0-9._-]+")


def download_name(document: Document) -> str:
    """The name a download gets: a shipment's documents carry its identifier ("ASN-42-labels-1.pdf"),
    so files saved from several shipments tell themselves apart."""
    name = document.key.rsplit("/", 1)[-1] or f"document-{document.pk}.pdf"
    if document.target_type == Shipment._meta.label_lower and document.target_id.isdigit():
        identifier = Shipment.objects.filter(pk=int(document.target_id), vendor_id=document.vendor_id).values_list("shipment_identifier", flat=True)
        safe = UNSAFE_IN_FILE_NAMES.sub("-", identifier.first() or "").strip("-.")
        if safe:
            name = f"{safe}-{name}"
    return name


@extend_schema_view(
    list=extend_schema(
        tags=["Receipts"],
        summary="List DC receipts",
        description="Receipts booked against ASNs, newest first (`ordering=received_at` for oldest first).",
        responses={200: s.ReceiptSerializer(many=True), 403: FORBIDDEN},
        examples=[examples.RECEIPT],
    ),
    retrieve=extend_schema(
        tags=["Receipts"], summary="A DC receipt", responses={200: s.ReceiptSerializer, 404: NOT_FOUND}, examples=[examples.RECEIPT]
    ),
)
class ReceiptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """DC receipts against ASNs: by carton SSCC scan and/or counted line quantities."""

    queryset = Receipt.objects.select_related("shipment", "warehouse").prefetch_related(
        Prefetch("lines", queryset=ReceiptLine.objects.select_related("carton"))
    )
    serializer_class = s.ReceiptSerializer
    ordering_fields = ["received_at"]
    actions = {
        "list": Action.VIEW_SHIPMENTS,
        "retrieve": Action.VIEW_SHIPMENTS,
        "create": Action.RECEIVE_GOODS,
        "carton_exception": Action.RECEIVE_GOODS,
    }

    @extend_schema(
        tags=["Receipts"],
        summary="Book a receipt (retailer receiving)",
        description=(
            "Scan carton SSCCs and/or count line quantities; damaged units are part of the received ones. "
            "`complete: true` finishes receiving: over/short becomes final and the vendor is told."
        ),
        request=s.ReceiptInputSerializer,
        responses={201: s.ReceiptSerializer, 400: _invalid(examples.RECEIPT_ERRORS), 403: FORBIDDEN, 409: CONFLICT},
        examples=[examples.RECEIPT_REQUEST, examples.RECEIPT_CREATED],
    )
    def create(self, request):
        serializer = s.ReceiptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        receipt = receipt_create(
            scope=request.scope,
            shipment_id=data["shipment"],
            scanned_ssccs=data["scanned_ssccs"],
            damaged_ssccs=data["damaged_ssccs"],
            lines=[ReceivedLine(line["shipment_line"], line["quantity"], line["damaged"], ref=f"lines[{i}]") for i, line in enumerate(data["lines"])],
            complete=data["complete"],
            note=data["note"],
            actor=self.actor,
        )
        return Response(s.ReceiptSerializer(self.base_queryset().get(pk=receipt.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["Receipts"],
        summary="Report a carton exception (retailer receiving)",
        description=(
            "What the DC found of one carton of an ASN it is receiving: `missing` (a carton of a scanned pallet that was not on "
            "it: its units are taken back), `damaged` (its received units are booked damaged), `label_missing` or "
            "`label_unreadable` (the received carton came without an SSCC label, or its label would not scan and the SSCC was "
            "keyed in: a compliance event on the vendor's record, which may be charged back). Label faults need the carton "
            "received first; a carton's label is reported once, as missing or as unreadable. Reporting the same exception "
            "again changes nothing."
        ),
        request=s.CartonExceptionInputSerializer,
        responses={200: s.CartonExceptionSerializer, 400: _invalid(examples.CARTON_EXCEPTION_ERRORS), 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        examples=[examples.CARTON_EXCEPTION_REQUEST, examples.CARTON_EXCEPTION_RECORDED],
    )
    @action(detail=False, methods=["post"], url_path="carton-exceptions")
    def carton_exception(self, request):
        serializer = s.CartonExceptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        carton = receiving_carton_exception(
            scope=request.scope, shipment_id=data["shipment"], sscc=data["sscc"], exception=data["exception"], actor=self.actor
        )
        answer = {
            **selectors.carton_receiving_state(carton=carton),
            "shipment_identifier": carton.shipment.shipment_identifier,
            "exception": data["exception"],
        }
        return Response(s.CartonExceptionSerializer(answer).data)
