"""/api/v1/item-proposals/ and /api/v1/cost-changes/: the same services the screens call."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from vendor_portal.api.base import PortalAPIView, ScopedGenericViewSet
from vendor_portal.api.errors import documented_error
from vendor_portal.api.examples import CONFLICT, FORBIDDEN, INVALID, NOT_FOUND
from vendor_portal.errors import DomainValidationError, field_error
from vendor_portal.models import Marketplace
from vendor_portal.roles import Action
from vendor_portal.tables import upload_read
from vendor_portal.tenancy import get_visible_or_404

from .. import item_imports
from ..models import CostChangeRequest, CostChangeState, ItemProposal, ItemProposalUpload, ProposalState
from ..services import costs, item_uploads, items
from . import examples
from . import serializers as s

ERRORS = {
    400: documented_error(_("Nothing saved: errors per field."), INVALID),
    403: documented_error(_("Your role or token scopes do not allow this."), FORBIDDEN),
    404: documented_error(_("No such object, or another vendor's."), NOT_FOUND),
    409: documented_error(_("Not possible in its current state."), CONFLICT),
}
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
STATE = OpenApiParameter("state", OpenApiTypes.STR, description="Only those in this state.")
DRY_RUN = OpenApiParameter(
    "dry_run",
    OpenApiTypes.BOOL,
    description="true (the default) checks the file and saves nothing; false checks it, then queues a job (202) that proposes every item, all or none.",
)


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise serializers.ValidationError(serializer.errors)
    return serializer


class ItemProposalViewSet(ScopedGenericViewSet):
    queryset = ItemProposal.objects.all()
    serializer_class = s.ItemProposalSerializer
    actions = {
        "list": Action.VIEW_CATALOGUE,
        "retrieve": Action.VIEW_CATALOGUE,
        "create": Action.PROPOSE_CATALOGUE,
        "submit": Action.PROPOSE_CATALOGUE,
        "approve": Action.REVIEW_CATALOGUE,
        "send_back": Action.REVIEW_CATALOGUE,
    }

    def base_queryset(self):
        return ItemProposal.objects.select_related("vendor", "product").prefetch_related("pack_levels", "offers__marketplace")

    def _detail(self, pk, code=status.HTTP_200_OK):
        return Response(s.ItemProposalSerializer(get_visible_or_404(self.get_queryset(), self.request.scope, pk=pk)).data, status=code)

    @extend_schema(
        tags=["Item setup"],
        summary="List item proposals",
        description="A vendor sees its own proposals; the retailer sees every submitted, returned and approved one. Cursor pagination.",
        parameters=[STATE],
        responses={200: s.ItemProposalSerializer(many=True), 403: ERRORS[403]},
        examples=[examples.ITEM_PAGE],
    )
    def list(self, request):
        queryset = self.get_queryset().order_by("-id")
        state = request.query_params.get("state")
        if state:
            if state not in ProposalState.values:
                raise DomainValidationError(_("Unknown state."), field="state")
            queryset = queryset.filter(state=state)
        self.ordering = ["-id"]
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.ItemProposalSerializer(page, many=True).data)

    @extend_schema(
        tags=["Item setup"],
        summary="Propose a new item (vendor)",
        description=(
            "GTINs with their check digits, unused in the catalogue and on other open proposals; the each and the case "
            "(case_pack eaches) with dimensions and weight, optionally the pallet (a whole number of cases); country of "
            "origin, HS code, and an offer (cost, list price) per marketplace. A draft, or submitted at once with `submit`."
        ),
        request=s.ItemProposalInputSerializer,
        responses={201: s.ItemProposalSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        examples=[examples.ITEM_REQUEST, examples.ITEM_RESPONSE],
    )
    def create(self, request):
        serializer = _valid(s.ItemProposalInputSerializer, request.data)
        proposal = items.item_proposal_create(
            scope=request.scope, data=serializer.item_input(), actor=self.actor, submit=serializer.validated_data["submit"]
        )
        return self._detail(proposal.pk, status.HTTP_201_CREATED)

    @extend_schema(
        tags=["Item setup"],
        summary="An item proposal",
        parameters=[ID],
        responses={200: s.ItemProposalSerializer, 404: ERRORS[404]},
        examples=[examples.ITEM_RESPONSE],
    )
    def retrieve(self, request, pk):
        return self._detail(pk)

    @extend_schema(
        tags=["Item setup"],
        summary="Submit a draft or returned item (vendor)",
        parameters=[ID],
        request=None,
        responses={200: s.ItemProposalSerializer, **ERRORS},
        examples=[examples.ITEM_RESPONSE],
    )
    def submit(self, request, pk):
        items.item_proposal_submit(scope=request.scope, proposal_id=pk, actor=self.actor)
        return self._detail(pk)

    @extend_schema(
        tags=["Item setup"],
        summary="Approve a submitted item (retailer buyer)",
        description="The item joins the vendor's catalogue with an ASIN and its costs from today: it can be ordered.",
        parameters=[ID],
        request=s.ReviewSerializer,
        responses={200: s.ItemProposalSerializer, **ERRORS},
        examples=[examples.REVIEW_REQUEST, examples.ITEM_APPROVED],
    )
    def approve(self, request, pk):
        get_visible_or_404(self.get_queryset(), request.scope, pk=pk)  # another vendor's is a 404 before the body is read
        serializer = _valid(s.ReviewSerializer, request.data)
        items.item_proposal_approve(scope=request.scope, proposal_id=pk, actor=self.actor, comment=serializer.validated_data["comment"])
        return self._detail(pk)

    @extend_schema(
        tags=["Item setup"],
        summary="Return a submitted item to the vendor (retailer buyer)",
        description="With a comment saying what to change.",
        parameters=[ID],
        request=s.ReviewSerializer,
        responses={200: s.ItemProposalSerializer, **ERRORS},
        examples=[examples.REVIEW_REQUEST, examples.ITEM_RESPONSE],
    )
    def send_back(self, request, pk):
        get_visible_or_404(self.get_queryset(), request.scope, pk=pk)  # another vendor's is a 404 before the body is read
        serializer = _valid(s.ReviewSerializer, request.data)
        items.item_proposal_return(scope=request.scope, proposal_id=pk, comment=serializer.validated_data["comment"], actor=self.actor)
        return self._detail(pk)


class ItemProposalImportView(PortalAPIView):
    """The screen's upload of new items as an API: the same reading and checks (catalogue.item_imports)."""

    parser_classes = [MultiPartParser]
    actions = {"POST": Action.PROPOSE_CATALOGUE}

    @extend_schema(
        tags=["Item setup"],
        summary="Propose new items from the XLSX template (vendor)",
        description=(
            "One row per item, columns as in the template (`/catalogue/items/upload/template.xlsx`, titles in any of the "
            "portal's languages, or the column keys). Every row is checked as one item proposed alone would be (GTIN check "
            "digits, GTINs unused in the catalogue and on open proposals, pack hierarchy, HS code, country code), and no two "
            "rows may share a GTIN or vendor SKU. `dry_run=true` (the default) saves nothing and answers 200 with what "
            "would be proposed. `dry_run=false` checks the file the same way (400 with every problem, nothing saved), then "
            "stores it and answers 202 with the job that proposes the items (`Location: /api/v1/jobs/{id}/`): a worker checks "
            "again and proposes every item, submitted to the buyer, in one transaction: all or none. Poll the job: `succeeded` "
            "with `progress_done` the number of items proposed (each row's proposal: `GET /api/v1/item-proposals/imports/{upload_id}/`), "
            "or `failed` with nothing saved and `message` naming the problems by row (a GTIN another file took meanwhile). The "
            "same file sent again while its job runs gets that job back. Errors name the row (the header is row 1) and column "
            "key in `field`: `rows[3].case_pack`. Up to 2000 rows. Send an Idempotency-Key with `dry_run=false` to retry it safely."
        ),
        parameters=[DRY_RUN],
        request={"multipart/form-data": s.ItemImportInputSerializer},
        responses={
            200: s.ItemImportResultSerializer,
            202: s.ItemImportJobSerializer,
            400: documented_error(
                _("The file cannot be read, or rows have errors: nothing saved."), examples.IMPORT_ERRORS, examples.IMPORT_FILE_ERROR
            ),
            403: ERRORS[403],
        },
        examples=[examples.IMPORT_REQUEST, examples.IMPORT_CHECKED, examples.IMPORT_QUEUED],
    )
    def post(self, request):
        dry_run = _flag(request.query_params.get("dry_run", "true"))
        serializer = _valid(s.ItemImportInputSerializer, request.data)
        upload = serializer.validated_data["file"]
        codes = list(Marketplace.objects.order_by("code").values_list("code", flat=True))
        try:
            name, content = upload_read(upload, max_bytes=item_imports.UPLOAD_MAX_BYTES)
            result = item_imports.parse_item_proposals(name, content, scope=request.scope, marketplace_codes=codes)
        except item_imports.UploadError as error:
            raise DomainValidationError(error.message, errors=[field_error(None, "file", error.message, "invalid_file")]) from error
        if not result.ok:
            raise DomainValidationError(_("The file has errors; nothing was saved."), errors=_row_errors(result.errors))
        if not dry_run:
            _upload, job = item_uploads.item_proposal_upload(
                scope=request.scope, file_name=name, content=content, actor=self.actor, language=getattr(request, "LANGUAGE_CODE", "")
            )
            response = Response(s.ItemImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
            response["Location"] = f"/api/v1/jobs/{job.pk}/"
            return response
        body = {
            "dry_run": dry_run,
            "file_name": name,
            "row_count": result.row_count,
            "ignored_columns": result.ignored_columns,
            "items": [
                {
                    "row": row.row,
                    "id": None,
                    "vendor_sku": row.data.vendor_sku,
                    "title": row.data.title,
                    "gtin": row.data.gtin,
                    "case_gtin": row.data.case_gtin,
                    "case_pack": row.data.case_pack,
                    "marketplaces": [offer.marketplace for offer in row.data.offers],
                }
                for row in result.rows
            ],
        }
        return Response(s.ItemImportResultSerializer(body).data)


class ItemProposalUploadViewSet(ScopedGenericViewSet):
    queryset = ItemProposalUpload.objects.defer("content")
    serializer_class = s.ItemUploadSerializer
    actions = {"retrieve": Action.VIEW_CATALOGUE}

    @extend_schema(
        tags=["Item setup"],
        summary="A new-items file and what became of it (vendor)",
        description=(
            "The file sent with `dry_run=false` (its `upload_id`): `received` while its job runs, `proposed` with every row and "
            "the item proposal it became (`items`, in row order), or `refused` with every problem by row and column "
            "(`errors`; nothing was saved). Another vendor's file is a 404; the retailer sees the proposals, not the file."
        ),
        parameters=[ID],
        responses={200: s.ItemUploadSerializer, 403: ERRORS[403], 404: ERRORS[404]},
        examples=[examples.UPLOAD_PROPOSED, examples.UPLOAD_REFUSED],
    )
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)


def _flag(value: str) -> bool:
    text = (value or "").strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise DomainValidationError(_("dry_run is true or false."), field="dry_run")


def _row_errors(errors) -> list:
    """Each problem at `rows[3].case_pack`, its message naming the row and the column's title for people."""
    return [
        field_error(
            f"rows[{error.row}]",
            error.column,
            _("Row %(row)s, %(column)s: %(message)s") % {"row": error.row, "column": error.title, "message": error.message},
            error.code,
        )
        for error in errors
    ] or [field_error(None, "file", _("The file has no items."), "required")]


class CostChangeViewSet(ScopedGenericViewSet):
    queryset = CostChangeRequest.objects.all()
    serializer_class = s.CostChangeSerializer
    actions = {
        "list": Action.VIEW_CATALOGUE,
        "retrieve": Action.VIEW_CATALOGUE,
        "create": Action.PROPOSE_CATALOGUE,
        "accept": Action.VIEW_CATALOGUE,  # the service checks the side: the buyer a proposal, the vendor a counter
        "counter": Action.REVIEW_CATALOGUE,
        "reject": Action.VIEW_CATALOGUE,
    }

    def base_queryset(self):
        return CostChangeRequest.objects.select_related("vendor", "product", "marketplace")

    def _detail(self, pk):
        return Response(s.CostChangeSerializer(get_visible_or_404(self.get_queryset(), self.request.scope, pk=pk)).data)

    @extend_schema(
        tags=["Cost changes"],
        summary="List cost change requests: the history",
        description="A vendor sees its own requests (in the marketplaces it may see); the retailer every vendor's. Cursor pagination.",
        parameters=[STATE],
        responses={200: s.CostChangeSerializer(many=True), 403: ERRORS[403]},
        examples=[examples.COST_PAGE],
    )
    def list(self, request):
        queryset = self.get_queryset().order_by("-id")
        state = request.query_params.get("state")
        if state:
            if state not in CostChangeState.values:
                raise DomainValidationError(_("Unknown state."), field="state")
            queryset = queryset.filter(state=state)
        self.ordering = ["-id"]
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.CostChangeSerializer(page, many=True).data)

    @extend_schema(
        tags=["Cost changes"],
        summary="Propose cost changes (vendor)",
        description=(
            "Up to 2000 at once, all or none: a new cost per each for an item (vendor_sku or asin) and marketplace from a "
            "date (today or later, marketplace calendar), with a reason. One open request per item and marketplace. "
            "`dry_run: true` checks without saving. Accepted costs apply to POs issued from the effective date."
        ),
        request=s.CostChangeProposeSerializer,
        responses={201: s.CostChangeBatchSerializer, 200: s.CostChangeBatchSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        examples=[examples.PROPOSE_REQUEST, examples.PROPOSED, examples.CHECKED],
    )
    def create(self, request):
        serializer = _valid(s.CostChangeProposeSerializer, request.data)
        changes = serializer.change_inputs()
        if serializer.validated_data["dry_run"]:
            errors, checked = costs.cost_changes_check(scope=request.scope, changes=changes)
            if errors:
                raise DomainValidationError(_("The cost changes have errors; nothing was saved."), errors=errors)
            return Response({"dry_run": True, "count": len(checked), "cost_changes": []})
        created = costs.cost_changes_propose(scope=request.scope, changes=changes, actor=self.actor)
        body = {"dry_run": False, "count": len(created), "cost_changes": s.CostChangeSerializer(created, many=True).data}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["Cost changes"],
        summary="A cost change request",
        parameters=[ID],
        responses={200: s.CostChangeSerializer, 404: ERRORS[404]},
        examples=[examples.COST_RESPONSE],
    )
    def retrieve(self, request, pk):
        return self._detail(pk)

    @extend_schema(
        tags=["Cost changes"],
        summary="Accept (the buyer a proposal, the vendor a counter)",
        description="The agreed cost applies to POs issued from the effective date; the other side is told.",
        parameters=[ID],
        request=s.ReviewSerializer,
        responses={200: s.CostChangeSerializer, **ERRORS},
        examples=[examples.REVIEW_REQUEST, examples.COST_ACCEPTED],
    )
    def accept(self, request, pk):
        get_visible_or_404(self.get_queryset(), request.scope, pk=pk)  # another vendor's is a 404 before the body is read
        serializer = _valid(s.ReviewSerializer, request.data)
        costs.cost_change_accept(scope=request.scope, request_id=pk, actor=self.actor, comment=serializer.validated_data["comment"])
        return self._detail(pk)

    @extend_schema(
        tags=["Cost changes"],
        summary="Counter a proposal (retailer buyer)",
        parameters=[ID],
        request=s.CounterSerializer,
        responses={200: s.CostChangeSerializer, **ERRORS},
        examples=[examples.COUNTER_REQUEST, examples.COST_COUNTERED],
    )
    def counter(self, request, pk):
        get_visible_or_404(self.get_queryset(), request.scope, pk=pk)  # another vendor's is a 404 before the body is read
        serializer = _valid(s.CounterSerializer, request.data)
        data = serializer.validated_data
        costs.cost_change_counter(scope=request.scope, request_id=pk, counter_cost=data["counter_cost"], comment=data["comment"], actor=self.actor)
        return self._detail(pk)

    @extend_schema(
        tags=["Cost changes"],
        summary="Reject (the buyer a proposal, with a comment; the vendor a counter)",
        parameters=[ID],
        request=s.ReviewSerializer,
        responses={200: s.CostChangeSerializer, **ERRORS},
        examples=[examples.REVIEW_REQUEST, examples.COST_RESPONSE],
    )
    def reject(self, request, pk):
        get_visible_or_404(self.get_queryset(), request.scope, pk=pk)  # another vendor's is a 404 before the body is read
        serializer = _valid(s.ReviewSerializer, request.data)
        costs.cost_change_reject(scope=request.scope, request_id=pk, actor=self.actor, comment=serializer.validated_data["comment"])
        return self._detail(pk)
