"""/api/v1/invoices/: invoices and credit notes, their pre-flight match, submission and approval.

Reads go through invoicing.selectors (scoped by `visible_to`), writes through invoicing.services, the same
functions the screens and the Amazon-compatible door call.
"""
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from vendor_portal.api.base import ScopedGenericViewSet
from vendor_portal.api.pagination import PortalCursorPagination
from vendor_portal.errors import DomainValidationError
from vendor_portal.roles import Action

from .. import services
from ..filters import InvoiceFilter
from ..models import Invoice
from ..selectors import invoice_detail, invoice_list
from . import serializers as s

TAGS = ["Invoices"]
ERROR_EXAMPLE = OpenApiExample(
    "Refused at submission",
    value={"errors": [
        {"code": "not_found", "message": "Purchase order 2ZX9QW1B not found.", "field": "lines[2].purchase_order_number"},
        {"code": "arithmetic", "message": "Items + charges − allowances + tax is 1020.00, not 1030.00.", "field": "grand_total"},
    ]},
    response_only=True, status_codes=["400"],
)
ERRORS = {
    400: OpenApiResponse(description=str(_("Validation errors or hard-check refusals, each naming its field.")), examples=[ERROR_EXAMPLE]),
    403: OpenApiResponse(description=str(_("Your role or token scopes do not allow this."))),
    404: OpenApiResponse(description=str(_("No such invoice, or another vendor's."))),
    409: OpenApiResponse(description=str(_("Not possible in the invoice's current state."))),
}
DRAFT_EXAMPLE = OpenApiExample("Invoice draft", request_only=True, value={
    "number": "ACME-2026-0042", "invoice_date": "2026-11-20",
    "lines": [{"purchase_order_number": "2ZX9QW1A", "po_line_sequence": 1, "quantity": 96, "unit_cost": "10.00",
               "tax_type": "ST", "tax_rate": "6"}],
    "charges": [{"kind": "charge", "charge_type": "Freight", "amount": "25.00"}],
})
DETAIL_EXAMPLE = OpenApiExample("Invoice", response_only=True, value={
    "id": 42, "number": "ACME-2026-0042", "invoice_type": "Invoice", "state": "draft", "invoice_date": "2026-11-20",
    "due_date": "2027-01-19", "currency": "USD", "marketplace": "US", "vendor": "ACME", "source": "po",
    "purchase_order_number": "2ZX9QW1A", "items_subtotal": "960.00", "charges_total": "25.00", "allowances_total": "0.00",
    "tax_total": "57.60", "grand_total": "1042.60", "lines": [{"sequence": 1, "purchase_order_number": "2ZX9QW1A", "quantity": 96,
    "unit_cost": "10.00", "line_amount": "960.00", "tax_type": "ST", "tax_rate": "6.0000", "tax_amount": "57.60"}],
    "charges": [{"kind": "charge", "charge_type": "Freight", "amount": "25.00", "tax_amount": "0.00"}],
    "taxes": [{"tax_type": "ST", "rate": "6.0000", "taxable_amount": "960.00", "amount": "57.60"}],
})
PREFLIGHT_EXAMPLE = OpenApiExample("Claims the match would raise", response_only=True, value={
    "currency": "USD", "grand_total": "1050.00", "price_claim_total": "50.00", "shortage_claim_total": "42.00",
    "claims_total": "92.00", "expected_payment": "958.00", "errors": [],
    "lines": [{"index": 0, "sequence": 1, "purchase_order_number": "2ZX9QW1A", "asin": "B0T0000001", "vendor_sku": "SKU-1",
               "po_cost": "10.00", "invoiced_cost": "10.50", "received_quantity": 96, "previously_invoiced_quantity": 0,
               "invoiced_quantity": 100, "shortage_units": 4, "price_claim": "50.00", "shortage_claim": "42.00",
               "warnings": ["Unit cost 10.50 is above the PO cost 10.00: a price claim (PPV) of 50.00.",
                            "4 units more than received: a shortage claim (PQV) of 42.00."]}],
})


class InvoicePagination(PortalCursorPagination):
    ordering = "-id"


class InvoiceViewSet(ScopedGenericViewSet):
    queryset = Invoice.objects.all()
    pagination_class = InvoicePagination
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
        "submit": Action.MANAGE_INVOICES,
        "from_purchase_order": Action.MANAGE_INVOICES,
        "from_shipment": Action.MANAGE_INVOICES,
        "credit_note": Action.MANAGE_INVOICES,
        "approve": Action.APPROVE_INVOICES,
        "decision": Action.RUN_PAYMENTS,
    }

    def _detail(self, pk, code=status.HTTP_200_OK):
        return Response(s.InvoiceDetailSerializer(invoice_detail(scope=self.request.scope, invoice_id=pk)).data, status=code)

    @extend_schema(tags=TAGS, responses={200: s.InvoiceListSerializer(many=True), **ERRORS}, examples=[OpenApiExample(
        "A page of invoices", response_only=True, value={"next": None, "previous": None, "results": [
            {"id": 42, "number": "ACME-2026-0042", "invoice_type": "Invoice", "state": "submitted", "grand_total": "1042.60", "currency": "USD", "line_count": 1}]})])
    def list(self, request):
        queryset = invoice_list(scope=request.scope, params=request.query_params).order_by("-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.InvoiceListSerializer(page, many=True).data)

    @extend_schema(tags=TAGS, request=s.InvoiceInputSerializer, responses={201: s.InvoiceDetailSerializer, **ERRORS}, examples=[DRAFT_EXAMPLE, DETAIL_EXAMPLE])
    def create(self, request):
        invoice = services.invoice_create(scope=request.scope, data=_body(request), actor=self.actor)
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, responses={200: s.InvoiceDetailSerializer, **ERRORS}, examples=[DETAIL_EXAMPLE])
    def retrieve(self, request, pk=None):
        return self._detail(self.get_object().pk)

    @extend_schema(tags=TAGS, request=s.InvoiceInputSerializer, responses={200: s.InvoiceDetailSerializer, **ERRORS}, examples=[
        OpenApiExample("Change quantities", request_only=True, value={"lines": [{"purchase_order_number": "2ZX9QW1A", "po_line_sequence": 1, "quantity": 90}]}),
        DETAIL_EXAMPLE])
    def partial_update(self, request, pk=None):
        invoice = self.get_object()
        services.invoice_update(scope=request.scope, invoice_id=invoice.pk, data=_body(request), actor=self.actor)
        return self._detail(invoice.pk)

    @extend_schema(tags=TAGS, request=s.PreflightInputSerializer, responses={200: s.PreflightSerializer, **ERRORS}, examples=[
        OpenApiExample("A stored invoice", request_only=True, value={"invoice_id": 42}), DRAFT_EXAMPLE, PREFLIGHT_EXAMPLE])
    def preflight(self, request):
        data = _body(request)
        if set(data) == {"invoice_id"}:
            invoice = self.get_queryset().filter(pk=data["invoice_id"]).first() if str(data["invoice_id"]).isdigit() else None
            if invoice is None:
                from vendor_portal.errors import NotFoundError

                raise NotFoundError(_("Invoice not found."), field="invoice_id")
            result = services.invoice_preflight(scope=request.scope, invoice=invoice)
        else:
            result = services.invoice_preflight_draft(scope=request.scope, data=data)
        return Response(s.PreflightSerializer(result).data)

    @extend_schema(tags=TAGS, request=None, responses={200: s.InvoiceDetailSerializer, **ERRORS}, examples=[OpenApiExample(
        "Above the threshold", response_only=True, value={"id": 42, "number": "ACME-2026-0042", "state": "pending_approval", "approval_request": 7})])
    def submit(self, request, pk=None):
        invoice = self.get_object()
        services.invoice_submit(scope=request.scope, invoice_id=invoice.pk, actor=self.actor)
        return self._detail(invoice.pk)

    @extend_schema(tags=TAGS, request=s.ApproveInputSerializer, responses={200: s.InvoiceDetailSerializer, **ERRORS}, examples=[
        OpenApiExample("Approve", request_only=True, value={"decision": "approve", "note": "Checked against the ASN"}),
        OpenApiExample("Self-approval", response_only=True, status_codes=["403"], value={"errors": [
            {"code": "self_approval", "message": "You cannot approve your own request: a second person must check it.", "field": None}]})])
    def approve(self, request, pk=None):
        invoice = self.get_object()
        serializer = s.ApproveInputSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        services.invoice_approve(scope=request.scope, invoice_id=invoice.pk, actor=self.actor,
                                 approve=serializer.validated_data["decision"] == "approve", note=serializer.validated_data.get("note", ""))
        return self._detail(invoice.pk)

    @extend_schema(tags=TAGS, request=s.DecisionInputSerializer, responses={200: s.InvoiceDetailSerializer, **ERRORS}, examples=[
        OpenApiExample("Reject", request_only=True, value={"state": "rejected", "reason": "Cost not registered"})])
    def decision(self, request, pk=None):
        invoice = self.get_object()
        serializer = s.DecisionInputSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        services.invoice_decide(scope=request.scope, invoice_id=invoice.pk, actor=self.actor, **serializer.validated_data)
        return self._detail(invoice.pk)

    @extend_schema(tags=TAGS, request=s.FromPurchaseOrderSerializer, responses={201: s.InvoiceDetailSerializer, **ERRORS}, examples=[
        OpenApiExample("Flip a PO", request_only=True, value={"po_number": "2ZX9QW1A"}), DETAIL_EXAMPLE])
    def from_purchase_order(self, request):
        serializer = s.FromPurchaseOrderSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        invoice = services.invoice_from_purchase_order(scope=request.scope, actor=self.actor, po_number=serializer.validated_data["po_number"],
                                                       number=serializer.validated_data.get("number", ""))
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, request=s.FromShipmentSerializer, responses={201: s.InvoiceDetailSerializer, **ERRORS}, examples=[
        OpenApiExample("Flip an ASN", request_only=True, value={"shipment_id": 17}), DETAIL_EXAMPLE])
    def from_shipment(self, request):
        serializer = s.FromShipmentSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        invoice = services.invoice_from_shipment(scope=request.scope, actor=self.actor, shipment_id=serializer.validated_data["shipment_id"],
                                                 number=serializer.validated_data.get("number", ""))
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, request=s.CreditNoteInputSerializer, responses={201: s.InvoiceDetailSerializer, **ERRORS}, examples=[
        OpenApiExample("Credit 4 returned units", request_only=True, value={"reason": "return", "reference": "RMA-881", "lines": [{"credited_line": 311, "quantity": 4}]})])
    def credit_note(self, request, pk=None):
        original = self.get_object()
        serializer = s.CreditNoteInputSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invoice = services.credit_note_create(scope=request.scope, reference_invoice_id=original.pk, actor=self.actor, number=data.get("number", ""),
                                              reason=data.get("reason", "quantity_correction"), reference=data.get("reference", ""), lines=data.get("lines"))
        return self._detail(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, responses={(200, "application/pdf"): OpenApiResponse(description=str(_("The invoice as PDF/A-3b with its data attached as JSON."))), 404: ERRORS[404]})
    def document(self, request, pk=None):
        invoice = self.get_object()
        stored = services.invoice_document(scope=request.scope, invoice_id=invoice.pk, actor=self.actor)
        return FileResponse(stored.file.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")


def _body(request) -> dict:
    data = request.data
    if not isinstance(data, dict):
        raise DomainValidationError(_("The body must be a JSON object."))
    return dict(data)
