"""/api/v1/invoices/: invoices and credit notes, their pre-flight match, submission and approval.

Reads go through invoicing.selectors (scoped by `visible_to`), writes through invoicing.services, the same
functions the screens and the Amazon-compatible door call.
"""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.response import Response

from vendor_portal.api.base import ScopedGenericViewSet
from vendor_portal.api.csv import FORMAT_PARAMETER, CsvListMixin, csv_list_responses
from vendor_portal.api.errors import documented_error
from vendor_portal.downloads import SIGNED_URL_REDIRECT, document_response
from vendor_portal.errors import DomainValidationError
from vendor_portal.roles import Action

from ..filters import InvoiceFilter
from ..models import Invoice
from ..selectors import invoice_detail, invoice_list
from ..services.checks import invoice_preflight, invoice_preflight_draft
from ..services.credit_notes import credit_note_create
from ..services.decisions import invoice_decide
from ..services.drafts import invoice_create, invoice_delete_draft, invoice_update
from ..services.flips import invoice_from_purchase_order, invoice_from_shipment
from ..services.pdf import invoice_document
from ..services.submission import invoice_approve, invoice_return_to_draft, invoice_submit
from . import examples
from . import serializers as s
from .inputs import credit_lines, invoice_input

TAGS = ["Invoices"]
ERRORS = {
    400: documented_error(str(_("Validation errors or hard-check refusals, each naming its field.")), examples.ERRORS),
    403: documented_error(str(_("Your role or token scopes do not allow this.")), examples.FORBIDDEN),
    404: documented_error(str(_("No such invoice, or another vendor's.")), examples.NOT_FOUND),
    409: documented_error(str(_("Not possible in the invoice's current state.")), examples.CONFLICT),
}
PREFLIGHT_REQUEST = PolymorphicProxySerializer(
    component_name="PreflightRequest",
    serializers=[s.PreflightInputSerializer, s.InvoiceInputSerializer],
    resource_type_field_name=None,
)


class InvoiceViewSet(CsvListMixin, ScopedGenericViewSet):
    queryset = Invoice.objects.all()
    filter_backends = [DjangoFilterBackend]  # the selector applies the filters; listed so the schema shows them
    filterset_class = InvoiceFilter
    serializer_class = s.InvoiceDetailSerializer
    actions = {
        "list": Action.VIEW_INVOICES,
        "retrieve": Action.VIEW_INVOICES,
        "document": Action.VIEW_INVOICES,
        "preflight": Action.VIEW_INVOICES,
        "create": Action.MANAGE_INVOICES,
        "partial_update": Action.MANAGE_INVOICES,
        "destroy": Action.MANAGE_INVOICES,
        "back_to_draft": Action.MANAGE_INVOICES,
        "submit": Action.MANAGE_INVOICES,
        "from_purchase_order": Action.MANAGE_INVOICES,
        "from_shipment": Action.MANAGE_INVOICES,
        "credit_note": Action.MANAGE_INVOICES,
        "approve": Action.APPROVE_INVOICES,
        "decision": Action.RUN_PAYMENTS,
    }

    def _detail(self, pk, code=status.HTTP_200_OK):
        return Response(s.InvoiceDetailSerializer(invoice_detail(scope=self.request.scope, invoice_id=pk)).data, status=code)

    @extend_schema(
        tags=TAGS,
        summary="List invoices and credit notes",
        description="Newest first; filter by state, type, PO, dates. Cursor pagination; `format=csv` gives the whole filtered list as one CSV.",
        parameters=[FORMAT_PARAMETER],
        responses=csv_list_responses(
            s.InvoiceListSerializer(many=True), str(_("Every invoice of the filtered list, one per row.")), {400: ERRORS[400], 403: ERRORS[403]}
        ),
        examples=[examples.LIST_PAGE],
    )
    def list(self, request):
        queryset = invoice_list(scope=request.scope, params=request.query_params).order_by("-id")
        if self.wants_csv:
            return self.csv_response(queryset, s.InvoiceListSerializer, "invoices")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.InvoiceListSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Create an invoice draft",
        description="Lines point at PO lines (PO number + line sequence, or ASIN / vendor SKU); costs default to the PO's. Send an Idempotency-Key to retry safely.",
        request=s.InvoiceInputSerializer,
        responses={201: s.InvoiceDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        examples=[examples.DRAFT_REQUEST, examples.DETAIL],
    )
    def create(self, request):
        invoice = invoice_create(scope=request.scope, data=invoice_input(_body(request)), actor=self.actor)
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="An invoice with its lines, charges and taxes",
        responses={200: s.InvoiceDetailSerializer, 404: ERRORS[404]},
        examples=[examples.DETAIL],
    )
    def retrieve(self, request, pk=None):
        return self._detail(self.get_object().pk)

    @extend_schema(
        tags=TAGS,
        summary="Change a draft",
        description="Only the fields sent change; `lines` replaces every line.",
        request=s.InvoiceInputSerializer,
        responses={200: s.InvoiceDetailSerializer, **ERRORS},
        examples=[examples.CHANGE_REQUEST, examples.CHANGED],
    )
    def partial_update(self, request, pk=None):
        invoice = self.get_object()
        invoice_update(scope=request.scope, invoice_id=invoice.pk, data=invoice_input(_body(request)), actor=self.actor)
        return self._detail(invoice.pk)

    @extend_schema(
        tags=TAGS,
        summary="Delete a draft",
        description="Only a draft; its number becomes free again. No body in the answer (204).",
        request=None,
        responses={204: OpenApiResponse(description=str(_("Deleted."))), 403: ERRORS[403], 404: ERRORS[404], 409: ERRORS[409]},
    )
    def destroy(self, request, pk=None):
        invoice = self.get_object()
        invoice_delete_draft(scope=request.scope, invoice_id=invoice.pk, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=TAGS,
        summary="Back to draft after the approval was turned down",
        description="An invoice whose approval request was rejected (or withdrawn) becomes an editable draft again.",
        request=None,
        responses={200: s.InvoiceDetailSerializer, 403: ERRORS[403], 404: ERRORS[404], 409: ERRORS[409]},
        examples=[examples.DETAIL],
    )
    def back_to_draft(self, request, pk=None):
        invoice = self.get_object()
        invoice_return_to_draft(scope=request.scope, invoice_id=invoice.pk, actor=self.actor)
        return self._detail(invoice.pk)

    @extend_schema(
        tags=TAGS,
        summary="Pre-flight: the claims the 3-way match would raise",
        description="For a stored invoice (`invoice_id`) or a whole draft payload, without saving anything: price (PPV) and shortage (PQV) claims per line and the expected payment.",
        request=PREFLIGHT_REQUEST,
        responses={200: s.PreflightSerializer, 400: ERRORS[400], 404: ERRORS[404]},
        examples=[examples.PREFLIGHT_STORED, examples.DRAFT_REQUEST, examples.PREFLIGHT],
    )
    def preflight(self, request):
        data = _body(request)
        if set(data) == {"invoice_id"}:
            invoice = self.get_queryset().filter(pk=data["invoice_id"]).first() if str(data["invoice_id"]).isdigit() else None
            if invoice is None:
                from vendor_portal.errors import NotFoundError

                raise NotFoundError(_("Invoice not found."), field="invoice_id")
            result = invoice_preflight(scope=request.scope, invoice=invoice)
        else:
            result = invoice_preflight_draft(scope=request.scope, data=invoice_input(data))
        return Response(s.PreflightSerializer(result).data)

    @extend_schema(
        tags=TAGS,
        summary="Submit an invoice",
        description="Runs the hard checks and sends it; above the vendor's approval threshold it waits for a second person instead (`pending_approval`).",
        request=None,
        responses={200: s.InvoiceDetailSerializer, **ERRORS},
        examples=[examples.SUBMITTED, examples.PENDING_APPROVAL],
    )
    def submit(self, request, pk=None):
        invoice = self.get_object()
        invoice_submit(scope=request.scope, invoice_id=invoice.pk, actor=self.actor)
        return self._detail(invoice.pk)

    @extend_schema(
        tags=TAGS,
        summary="Approve or send back an invoice above the threshold",
        description="The second person's decision (people only: the one who submitted cannot approve). Approval submits the invoice; a rejection returns it to draft.",
        request=s.ApproveInputSerializer,
        responses={
            200: s.InvoiceDetailSerializer,
            400: ERRORS[400],
            403: documented_error(_("Self-approval, or not a checker."), examples.SELF_APPROVAL),
            404: ERRORS[404],
            409: ERRORS[409],
        },
        examples=[examples.APPROVE_REQUEST, examples.REJECT_REQUEST, examples.APPROVED],
    )
    def approve(self, request, pk=None):
        invoice = self.get_object()
        serializer = s.ApproveInputSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        invoice_approve(
            scope=request.scope,
            invoice_id=invoice.pk,
            actor=self.actor,
            approve=serializer.validated_data["decision"] == "approve",
            note=serializer.validated_data.get("note", ""),
        )
        return self._detail(invoice.pk)

    @extend_schema(
        tags=TAGS,
        summary="The retailer's decision on a sent invoice (accounts payable)",
        description="Accepted, rejected (with a reason), on hold (with a reason), approved for payment or paid. A rejected invoice gives its PO quantities back.",
        request=s.DecisionInputSerializer,
        responses={200: s.InvoiceDetailSerializer, **ERRORS},
        examples=[examples.DECISION_REQUEST, examples.ACCEPT_REQUEST, examples.REJECTED],
    )
    def decision(self, request, pk=None):
        invoice = self.get_object()
        serializer = s.DecisionInputSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        invoice_decide(scope=request.scope, invoice_id=invoice.pk, actor=self.actor, **serializer.validated_data)
        return self._detail(invoice.pk)

    @extend_schema(
        tags=TAGS,
        summary="Flip a PO into an invoice draft",
        description="Every accepted, not yet invoiced quantity at the PO cost.",
        request=s.FromPurchaseOrderSerializer,
        responses={201: s.InvoiceDetailSerializer, **ERRORS},
        examples=[examples.FROM_PO_REQUEST, examples.DETAIL],
    )
    def from_purchase_order(self, request):
        serializer = s.FromPurchaseOrderSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        invoice = invoice_from_purchase_order(
            scope=request.scope,
            actor=self.actor,
            po_number=serializer.validated_data["po_number"],
            number=serializer.validated_data.get("number", ""),
        )
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Flip an ASN into an invoice draft",
        description="The shipped quantities of a submitted ASN, at the PO cost.",
        request=s.FromShipmentSerializer,
        responses={201: s.InvoiceDetailSerializer, **ERRORS},
        examples=[examples.FROM_ASN_REQUEST, examples.FROM_ASN],
    )
    def from_shipment(self, request):
        serializer = s.FromShipmentSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        invoice = invoice_from_shipment(
            scope=request.scope,
            actor=self.actor,
            shipment_id=serializer.validated_data["shipment_id"],
            number=serializer.validated_data.get("number", ""),
        )
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Draft a credit note against a sent invoice",
        description="Without `lines`, every line at its full quantity and cost, to trim before submitting.",
        request=s.CreditNoteInputSerializer,
        responses={201: s.InvoiceDetailSerializer, **ERRORS},
        examples=[examples.CREDIT_NOTE_REQUEST, examples.CREDIT_NOTE],
    )
    def credit_note(self, request, pk=None):
        original = self.get_object()
        serializer = s.CreditNoteInputSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invoice = credit_note_create(
            scope=request.scope,
            reference_invoice_id=original.pk,
            actor=self.actor,
            number=data.get("number", ""),
            reason=data.get("reason", "quantity_correction"),
            reference=data.get("reference", ""),
            lines=credit_lines(data.get("lines")),
        )
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="The invoice as PDF/A-3b",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description=str(_("The invoice as PDF/A-3b with its data attached as JSON."))
            ),
            302: SIGNED_URL_REDIRECT,
            404: ERRORS[404],
        },
    )
    def document(self, request, pk=None):
        invoice = self.get_object()
        stored = invoice_document(scope=request.scope, invoice_id=invoice.pk, actor=self.actor)
        return document_response(stored, filename=f"{invoice.number}.pdf", as_attachment=False, content_type="application/pdf")


def _body(request) -> dict:
    data = request.data
    if not isinstance(data, dict):
        raise DomainValidationError(_("The body must be a JSON object."))
    return dict(data)
