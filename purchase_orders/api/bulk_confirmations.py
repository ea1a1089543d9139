"""/api/v1/purchase-orders/confirmations/bulk: the screen's bulk confirmation file as an API. GET downloads it,
POST reads it back (a dry run, or applied all or nothing), with the same code as the screen
(purchase_orders.bulk_confirmation, then the confirmation service)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from vendor_portal.api.base import PortalAPIView
from vendor_portal.api.errors import documented_error
from vendor_portal.roles import Action
from vendor_portal.tables import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, upload_read

from .. import bulk_confirmation
from ..models import PurchaseOrderState
from . import examples as po_examples

TAGS = ["Purchase orders"]
FILE_FORMATS = {"csv": bulk_confirmation.csv_download, "xlsx": bulk_confirmation.xlsx_download}
DOWNLOAD_PARAMETERS = [
    OpenApiParameter("file_format", OpenApiTypes.STR, enum=list(FILE_FORMATS), default="xlsx", description="csv or xlsx (the default)."),
    OpenApiParameter("marketplace", OpenApiTypes.STR, description="Only the POs of this marketplace (its code: US, CA, UK, DE, FR)."),
    OpenApiParameter("ship_to", OpenApiTypes.STR, description="Only the POs shipping to this DC (its code)."),
    OpenApiParameter("ship_window_from", OpenApiTypes.DATE, description="Only the POs whose ship window ends on or after this day."),
    OpenApiParameter("ship_window_to", OpenApiTypes.DATE, description="Only the POs whose ship window starts on or before this day."),
]


class BulkConfirmationInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=gettext_lazy("The CSV or XLSX file GET on this path downloads (or the screen does), its answer columns filled in.")
    )
    dry_run = serializers.BooleanField(
        default=True,
        help_text=gettext_lazy("true (the default) checks the file and saves nothing; false confirms every PO of the file, all or none."),
    )


class BulkConfirmedPurchaseOrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    line_count = serializers.IntegerField()
    accepted = serializers.IntegerField(help_text=gettext_lazy("Units accepted, in each line's unit of measure, summed over the lines."))
    backordered = serializers.IntegerField()
    rejected = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=[PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.CANCELLED],
        help_text=gettext_lazy("The PO's state once confirmed: cancelled when nothing is accepted nor backordered."),
    )


class BulkConfirmationResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    file_name = serializers.CharField()
    row_count = serializers.IntegerField()
    po_count = serializers.IntegerField(help_text=gettext_lazy("Distinct PO numbers in the file, those left blank included."))
    line_count = serializers.IntegerField()
    ignored_columns = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("Columns the portal does not read."))
    skipped = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("POs whose answers were all left blank: not confirmed."))
    purchase_orders = BulkConfirmedPurchaseOrderSerializer(many=True)
    confirmed = serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("Numbers of the POs confirmed; empty on a dry run."))


DRY_RUN_REQUEST = OpenApiExample(
    "Check a file (dry run)", request_only=True, media_type="multipart/form-data", value={"file": "po-confirmations-20261121.xlsx", "dry_run": True}
)
APPLY_REQUEST = OpenApiExample(
    "Confirm the POs", request_only=True, media_type="multipart/form-data", value={"file": "po-confirmations-20261121.xlsx", "dry_run": False}
)
SUMMARY = {
    "dry_run": True,
    "file_name": "po-confirmations-20261121.xlsx",
    "row_count": 3,
    "po_count": 3,
    "line_count": 2,
    "ignored_columns": [],
    "skipped": ["ACM0000125"],
    "purchase_orders": [
        {"number": "ACM0000123", "line_count": 2, "accepted": 60, "backordered": 12, "rejected": 12, "state": "acknowledged"},
    ],
    "confirmed": [],
}
CHECKED = OpenApiExample("Checked: nothing saved", response_only=True, status_codes=["200"], value=SUMMARY)
CONFIRMED = OpenApiExample("Confirmed", response_only=True, status_codes=["200"], value={**SUMMARY, "dry_run": False, "confirmed": ["ACM0000123"]})
ROW_ERRORS = OpenApiExample(
    "Row errors: nothing saved",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {
                "code": "quantities_do_not_add_up",
                "message": "Row 2, Accepted: Line 1: accepted + backordered + rejected is 50, but 60 were ordered.",
                "field": "rows[2].accepted",
            },
            {
                "code": "po_changed",
                "message": "Row 4, Version: PO ACM0000124 has changed since the file was downloaded (it is now acknowledged): "
                "download the file again, or remove its rows.",
                "field": "rows[4].version",
            },
            {
                "code": "not_found",
                "message": "Row 5, PO number: There is no purchase order ACM0000999 for you to confirm.",
                "field": "rows[5].po_number",
            },
        ]
    },
)
FILE_ERROR = OpenApiExample(
    "Unreadable file",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {
                "code": "invalid_file",
                "message": "Missing columns: Version. Fill in the file downloaded from the portal; keep its first row as it is.",
                "field": "file",
            }
        ]
    },
)


def _row_errors(errors) -> dict:
    """{"rows": {3: {"accepted": [...]}}}: the error handler flattens it to the field rows[3].accepted."""
    rows: dict = {}
    for error in errors:
        message = _("Row %(row)s, %(column)s: %(message)s") % {"row": error.row, "column": error.column_label, "message": error.message}
        rows.setdefault(error.row, {}).setdefault(error.column, []).append(serializers.ErrorDetail(message, code=error.code))
    return {"rows": rows}


def _summary(file_po) -> dict:
    return {
        "number": file_po.number,
        "line_count": file_po.line_count,
        "accepted": file_po.accepted,
        "backordered": file_po.backordered,
        "rejected": file_po.rejected,
        "state": PurchaseOrderState.CANCELLED if file_po.cancels else PurchaseOrderState.ACKNOWLEDGED,
    }


class PurchaseOrderBulkConfirmationView(PortalAPIView):
    parser_classes = [MultiPartParser]
    actions = {"GET": Action.CONFIRM_PURCHASE_ORDERS, "POST": Action.CONFIRM_PURCHASE_ORDERS}

    @extend_schema(
        tags=TAGS,
        summary="Download the purchase orders to confirm as a CSV or XLSX file (vendor)",
        description=(
            "Every open line of the POs awaiting your confirmation, one row per line (PO, marketplace, ship to, windows, "
            "line, ASIN, SKU, title, ordered quantity, unit, net cost, currency), with empty columns to fill in: accepted, "
            "backordered, rejected, rejection reason, backorder date, scheduled ship and delivery dates. The `version` "
            "column (hidden in the XLSX) tells the upload whether a PO changed since. The XLSX also lists the rejection "
            "reason codes. At most 5000 lines: narrow the filters above that."
        ),
        parameters=DOWNLOAD_PARAMETERS,
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The XLSX workbook, as an attachment."),
            (200, CSV_CONTENT_TYPE.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV file (UTF-8), as an attachment."),
            400: documented_error(gettext_lazy("A filter is not valid, or too many lines match."), po_examples.VALIDATION_ERROR),
            403: documented_error(gettext_lazy("Your role or token scopes do not allow this."), po_examples.FORBIDDEN),
        },
    )
    def get(self, request):
        build = FILE_FORMATS.get(request.query_params.get("file_format") or "xlsx")
        if build is None:
            raise serializers.ValidationError({"file_format": [_("Choose csv or xlsx.")]})
        filterset = bulk_confirmation.confirmation_filters(scope=request.scope, params=request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        lines = bulk_confirmation.lines_to_confirm(filterset.qs)
        count = lines.count()
        if count > bulk_confirmation.UPLOAD_MAX_ROWS:
            raise serializers.ValidationError(
                _("%(count)s lines await confirmation with these filters; a file holds at most %(max)s. Narrow the filters.")
                % {"count": count, "max": bulk_confirmation.UPLOAD_MAX_ROWS}
            )
        return build(lines, f"po-confirmations-{timezone.localtime():%Y%m%d-%H%M}")

    @extend_schema(
        tags=TAGS,
        summary="Confirm purchase orders in bulk from a CSV or XLSX file (vendor)",
        description=(
            "The file `GET` on this path downloads (or the bulk confirmation screen, `/purchase-orders/confirm-in-bulk/`), one row per "
            "open PO line, with `accepted`, `backordered`, `rejected`, `rejection_reason` and the dates filled in. Every PO "
            "must answer for each of its open lines, accepted + backordered + rejected = ordered; a PO whose answers are all "
            "blank is skipped. `dry_run=true` (the default) checks every row and saves nothing; `dry_run=false` checks again "
            "and confirms every PO in one transaction through the same service as `POST /purchase-orders/{number}/confirmation`, "
            "all or none. A PO changed since the download (its hidden `version` column) is refused. Row errors name the "
            "spreadsheet row (the header is row 1) and column in `field`: `rows[3].accepted`. Another vendor's PO is "
            "reported as unknown. Send an Idempotency-Key with `dry_run=false` to retry it safely."
        ),
        request={"multipart/form-data": BulkConfirmationInputSerializer},
        responses={
            200: BulkConfirmationResultSerializer,
            400: documented_error(gettext_lazy("The file cannot be read, or rows have errors: nothing saved."), ROW_ERRORS, FILE_ERROR),
            403: documented_error(gettext_lazy("Your role or token scopes do not allow this."), po_examples.FORBIDDEN),
        },
        examples=[DRY_RUN_REQUEST, APPLY_REQUEST, CHECKED, CONFIRMED],
    )
    def post(self, request):
        serializer = BulkConfirmationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload, dry_run = serializer.validated_data["file"], serializer.validated_data["dry_run"]
        try:
            name, content = upload_read(upload, max_bytes=bulk_confirmation.UPLOAD_MAX_BYTES)
            result = bulk_confirmation.read_bulk_confirmation(name, content, scope=request.scope)
        except bulk_confirmation.UploadError as error:
            raise serializers.ValidationError({"file": [serializers.ErrorDetail(error.message, code="invalid_file")]}) from error
        confirmed = []
        if result.ok and not dry_run:
            try:
                confirmed = bulk_confirmation.apply_bulk_confirmation(result=result, scope=request.scope, actor=self.actor)
            except bulk_confirmation.BulkConfirmationRejected as rejected:
                result.errors = rejected.errors
        if result.errors:
            raise serializers.ValidationError(_row_errors(result.errors))
        body = {
            "dry_run": dry_run,
            "file_name": upload.name,
            "row_count": result.row_count,
            "po_count": result.po_count,
            "line_count": result.line_count,
            "ignored_columns": result.ignored_columns,
            "skipped": result.skipped,
            "purchase_orders": [_summary(file_po) for file_po in result.purchase_orders],
            "confirmed": [po.number for po in confirmed],
        }
        return Response(BulkConfirmationResultSerializer(body).data, status=status.HTTP_200_OK)
