"""/api/v1/purchase-orders/: list, issue, change, cancel (retailer) and confirm (vendor) purchase orders.

Reads go through purchase_orders.selectors (scoped by `visible_to`), writes through purchase_orders.services.
"""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from vendor_portal.api.base import PortalAPIView, ScopedGenericViewSet
from vendor_portal.api.csv import FORMAT_PARAMETER, CsvListMixin, csv_list_responses
from vendor_portal.api.errors import documented_error
from vendor_portal.roles import Action
from vendor_portal.tables import upload_read

from .. import imports
from ..filters import ORDERING_FIELDS, PurchaseOrderFilter
from ..models import PurchaseOrder
from ..selectors import purchase_order_detail, purchase_order_list
from ..services.confirmations import confirmations_accepting_all, purchase_order_acknowledge
from ..services.orders import purchase_order_cancel, purchase_order_change, purchase_order_create
from . import examples
from .serializers import (
    PurchaseOrderCancelSerializer,
    PurchaseOrderChangeSerializer,
    PurchaseOrderConfirmationHistorySerializer,
    PurchaseOrderConfirmationSerializer,
    PurchaseOrderCreateSerializer,
    PurchaseOrderDetailSerializer,
    PurchaseOrderListSerializer,
    PurchaseOrderUploadInputSerializer,
    PurchaseOrderUploadResultSerializer,
)

TAGS = ["Purchase orders"]
ERRORS = {
    400: documented_error(str(_("Validation errors, each naming its field.")), examples.VALIDATION_ERROR),
    403: documented_error(str(_("Your role or token scopes do not allow this.")), examples.FORBIDDEN),
    404: documented_error(str(_("No such PO, or another vendor's.")), examples.NOT_FOUND),
}
CONFLICT = {409: documented_error(str(_("Not possible in the PO's current state.")), examples.CONFLICT)}
ORDERING_PARAMETER = OpenApiParameter(
    "ordering",
    OpenApiTypes.STR,
    description=str(_("Sort by one of %(fields)s; prefix - for descending. Default -order_date.") % {"fields": ", ".join(ORDERING_FIELDS)}),
    enum=[prefix + name for name in ORDERING_FIELDS for prefix in ("", "-")],
)
NUMBER_PARAMETER = OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH, description=str(_("The PO number.")))


class PurchaseOrderViewSet(CsvListMixin, ScopedGenericViewSet):
    queryset = PurchaseOrder.objects.all()
    lookup_field = "number"
    max_page_size = 100
    # The selector applies PurchaseOrderFilter itself; the backend is listed so the schema documents its parameters.
    filter_backends = [DjangoFilterBackend]
    filterset_class = PurchaseOrderFilter
    actions = {
        "list": Action.VIEW_PURCHASE_ORDERS,
        "retrieve": Action.VIEW_PURCHASE_ORDERS,
        "confirmations": Action.VIEW_PURCHASE_ORDERS,
        "create": Action.MANAGE_PURCHASE_ORDERS,
        "partial_update": Action.MANAGE_PURCHASE_ORDERS,
        "cancel": Action.MANAGE_PURCHASE_ORDERS,
        "confirm": Action.CONFIRM_PURCHASE_ORDERS,
    }
    serializer_classes = {
        "list": PurchaseOrderListSerializer,
        "create": PurchaseOrderCreateSerializer,
        "partial_update": PurchaseOrderChangeSerializer,
        "confirmations": PurchaseOrderConfirmationHistorySerializer,
        "confirm": PurchaseOrderConfirmationSerializer,
        "cancel": PurchaseOrderCancelSerializer,
    }

    def get_serializer_class(self):
        return self.serializer_classes.get(self.action, PurchaseOrderDetailSerializer)

    def _detail(self, number: str, status_code=status.HTTP_200_OK) -> Response:
        po = purchase_order_detail(scope=self.request.scope, number=number)
        return Response(PurchaseOrderDetailSerializer(po).data, status=status_code)

    def _valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        if not serializer.is_valid():
            raise serializers.ValidationError(_indexed_as_lists(serializer.errors))
        return serializer

    @extend_schema(
        tags=TAGS,
        summary="List purchase orders",
        description=(
            "The POs you may see: retailer users see every vendor's, vendor users and tokens only their own "
            "(and only the marketplaces they are enabled for). Filters combine; cursor pagination, up to 100 per page; "
            "`format=csv` gives the whole filtered list as one CSV."
        ),
        parameters=[ORDERING_PARAMETER, FORMAT_PARAMETER],
        responses=csv_list_responses(
            PurchaseOrderListSerializer(many=True), str(_("Every PO of the filtered list, one per row.")), {400: ERRORS[400], 403: ERRORS[403]}
        ),
        examples=[examples.LIST_PAGE],
    )
    def list(self, request):
        queryset = purchase_order_list(scope=request.scope, params=request.query_params)
        if self.wants_csv:
            return self.csv_response(queryset, PurchaseOrderListSerializer, "purchase-orders")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PurchaseOrderListSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Issue a purchase order (retailer buyer)",
        description="Creates the PO in state new and tells the vendor's admins and ops. Send an Idempotency-Key to retry safely.",
        request=PurchaseOrderCreateSerializer,
        responses={201: PurchaseOrderDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        examples=[examples.CREATE_REQUEST, examples.DETAIL_NEW, examples.CREATE_ERRORS],
    )
    def create(self, request):
        serializer = self._valid(PurchaseOrderCreateSerializer)
        po = purchase_order_create(data=serializer.to_input(), actor=self.actor)
        response = self._detail(po.number, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/purchase-orders/{po.number}/"
        return response

    @extend_schema(
        tags=TAGS,
        summary="A purchase order with its lines",
        description="Header, lines with every quantity (ordered, accepted, backordered, rejected, cancelled, shipped, received, invoiced) and the confirmation revisions.",
        parameters=[NUMBER_PARAMETER],
        responses={200: PurchaseOrderDetailSerializer, 404: ERRORS[404]},
        examples=[examples.DETAIL_ACKNOWLEDGED],
    )
    def retrieve(self, request, number):
        return self._detail(number)

    @extend_schema(
        tags=TAGS,
        summary="Change a purchase order (retailer buyer)",
        description=(
            "Change the windows, a line's quantity, or cancel lines. A changed line of an acknowledged PO "
            "needs the vendor's confirmation again: the PO returns to new and the vendor is told."
        ),
        parameters=[NUMBER_PARAMETER],
        request=PurchaseOrderChangeSerializer,
        responses={200: PurchaseOrderDetailSerializer, **ERRORS, **CONFLICT},
        examples=[examples.CHANGE_REQUEST, examples.DETAIL_CHANGED],
    )
    def partial_update(self, request, number):
        purchase_order_detail(scope=request.scope, number=number)  # another vendor's PO is a 404 before any validation
        serializer = self._valid(PurchaseOrderChangeSerializer)
        purchase_order_change(scope=request.scope, number=number, actor=self.actor, **serializer.to_kwargs())
        return self._detail(number)

    @extend_schema(
        tags=TAGS,
        summary="Cancel a purchase order (retailer buyer)",
        parameters=[NUMBER_PARAMETER],
        request=PurchaseOrderCancelSerializer,
        responses={200: PurchaseOrderDetailSerializer, **ERRORS, **CONFLICT},
        examples=[examples.CANCEL_REQUEST, examples.DETAIL_CANCELLED],
    )
    def cancel(self, request, number):
        purchase_order_detail(scope=request.scope, number=number)
        serializer = self._valid(PurchaseOrderCancelSerializer)
        purchase_order_cancel(scope=request.scope, number=number, actor=self.actor, reason=serializer.validated_data["reason"])
        return self._detail(number)

    @extend_schema(
        tags=TAGS,
        summary="Confirmation revisions of a purchase order",
        description="Every confirmation as it was given, newest first, with the promised (first) and estimated (latest) dates.",
        parameters=[NUMBER_PARAMETER],
        responses={200: PurchaseOrderConfirmationHistorySerializer, 404: ERRORS[404]},
        examples=[examples.CONFIRMATION_HISTORY],
    )
    def confirmations(self, request, number):
        po = purchase_order_detail(scope=request.scope, number=number)
        return Response(PurchaseOrderConfirmationHistorySerializer(po).data)

    @extend_schema(
        tags=TAGS,
        summary="Confirm or revise a purchase order (vendor)",
        description=(
            "Line by line: accepted + backordered + rejected = ordered, every line present, whole cases, at least "
            "the minimum order quantity, backorders only where allowed, dates inside the windows. All or nothing. "
            "Revisions are allowed until the first shipment; a rejected quantity stays rejected. "
            '`{"accept_all": true}` accepts every open line in full.'
        ),
        parameters=[NUMBER_PARAMETER],
        request=PurchaseOrderConfirmationSerializer,
        responses={200: PurchaseOrderDetailSerializer, **ERRORS, **CONFLICT},
        examples=[examples.CONFIRM_REQUEST, examples.ACCEPT_ALL_REQUEST, examples.DETAIL_ACKNOWLEDGED, examples.CONFIRM_ERRORS],
    )
    def confirm(self, request, number):
        po = purchase_order_detail(scope=request.scope, number=number)
        serializer = self._valid(PurchaseOrderConfirmationSerializer)
        data = serializer.validated_data
        # accept_all reads the lines outside the lock; the service re-checks them against the locked PO.
        lines = confirmations_accepting_all(po) if data["accept_all"] else serializer.confirmations()
        purchase_order_acknowledge(
            scope=request.scope,
            number=number,
            lines=lines,
            actor=self.actor,
            scheduled_ship_date=data["scheduled_ship_date"],
            scheduled_delivery_date=data["scheduled_delivery_date"],
        )
        return self._detail(number)


def _indexed_as_lists(detail):
    """DRF 3.18 reports a nested list's errors as {index: errors}; as a list they flatten to `lines[1].accepted`."""
    if isinstance(detail, dict):
        if detail and all(isinstance(key, int) for key in detail):
            return [_indexed_as_lists(detail.get(index, {})) for index in range(max(detail) + 1)]
        return {key: _indexed_as_lists(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_indexed_as_lists(value) for value in detail]
    return detail


class PurchaseOrderUploadView(PortalAPIView):
    """The screen's bulk upload as an API: the same reading and checks (purchase_orders.imports)."""

    parser_classes = [MultiPartParser]
    actions = {"POST": Action.MANAGE_PURCHASE_ORDERS}

    @extend_schema(
        tags=TAGS,
        summary="Upload purchase orders from a CSV or XLSX file (retailer buyer)",
        description=(
            "One row per PO line, columns as in the upload template (`/purchase-orders/upload/template.csv`). "
            "`dry_run=true` (the default) checks every row and saves nothing; `dry_run=false` checks again and creates "
            "every PO in one transaction, all or none. Row errors name the spreadsheet row (the header is row 1) and "
            "column in `field`: `rows[3].net_cost`. People with the buyer role only: vendor tokens cannot issue POs. "
            "Send an Idempotency-Key with a commit to retry it safely."
        ),
        request={"multipart/form-data": PurchaseOrderUploadInputSerializer},
        responses={
            200: PurchaseOrderUploadResultSerializer,
            201: PurchaseOrderUploadResultSerializer,
            400: documented_error(
                _("The file cannot be read, or rows have errors: nothing saved."), examples.UPLOAD_ERRORS, examples.UPLOAD_FILE_ERROR
            ),
            403: ERRORS[403],
        },
        examples=[examples.UPLOAD_DRY_RUN_REQUEST, examples.UPLOAD_COMMIT_REQUEST, examples.UPLOAD_CHECKED, examples.UPLOAD_CREATED],
    )
    def post(self, request):
        serializer = PurchaseOrderUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload, dry_run = serializer.validated_data["file"], serializer.validated_data["dry_run"]
        try:
            result = imports.parse_purchase_orders(*upload_read(upload, max_bytes=imports.UPLOAD_MAX_BYTES))
        except imports.UploadError as error:
            raise serializers.ValidationError({"file": [serializers.ErrorDetail(error.message, code="invalid_file")]}) from error
        created = []
        if result.ok and not dry_run:
            try:
                created = imports.create_imported_purchase_orders(result=result, actor=self.actor)
            except imports.ImportRejected as rejected:
                result.errors = rejected.errors
        if not result.ok:
            raise serializers.ValidationError(_row_errors(result.errors) or {"file": [_("The file has no purchase orders.")]})
        body = {
            "dry_run": dry_run,
            "file_name": upload.name,
            "row_count": result.row_count,
            "po_count": result.po_count,
            "line_count": result.line_count,
            "ignored_columns": result.ignored_columns,
            "purchase_orders": [_uploaded(imported) for imported in result.purchase_orders],
            "created": [po.number for po in created],
        }
        return Response(PurchaseOrderUploadResultSerializer(body).data, status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)


def _uploaded(imported) -> dict:
    data = imported.data
    return {
        "number": data.number,
        "vendor": data.vendor.code,
        "marketplace": data.marketplace.code,
        "ship_to": data.ship_to.code,
        "line_count": len(data.lines),
        "units": imported.units,
        "total": imported.total,
        "currency": data.marketplace.currency,
    }


def _row_errors(errors) -> dict:
    """{"rows": {3: {"net_cost": [...]}}}: the error handler flattens it to the field rows[3].net_cost."""
    rows: dict = {}
    for error in errors:
        message = _("Row %(row)s, %(column)s: %(message)s") % {"row": error.row, "column": error.column, "message": error.message}
        rows.setdefault(error.row, {}).setdefault(error.column, []).append(serializers.ErrorDetail(message, code="invalid_row"))
    return {"rows": rows} if rows else {}
