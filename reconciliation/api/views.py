"""/api/v1/ deductions, disputes, payments (remittances), payment runs, the payment summary and the match.

Reads go through reconciliation.selectors (scoped by `visible_to`), writes through reconciliation.services:
the same functions the screens call.
"""
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from vendor_portal.api.base import PortalAPIView, ScopedGenericViewSet
from vendor_portal.api.pagination import PortalCursorPagination
from vendor_portal.api.parsers import PortalJSONParser
from vendor_portal.errors import DomainValidationError, NotFoundError
from vendor_portal.roles import Action

from .. import selectors, services
from ..models import Deduction, Dispute, MatchResult, PaymentRun, Remittance
from . import serializers as s

ERROR_EXAMPLE = OpenApiExample(
    "Past the window", response_only=True, status_codes=["400"],
    value={"errors": [{"code": "window_closed", "message": "The dispute window of SC-000042 closed on 2026-10-30.", "field": None}]},
)
ERRORS = {
    400: OpenApiResponse(description=str(_("Validation errors, each naming its field and rule.")), examples=[ERROR_EXAMPLE]),
    403: OpenApiResponse(description=str(_("Your role or token scopes do not allow this."))),
    404: OpenApiResponse(description=str(_("No such object, or another vendor's."))),
    409: OpenApiResponse(description=str(_("Not possible in the object's current state."))),
}
DEDUCTION_EXAMPLE = OpenApiExample("A shortage claim", response_only=True, value={
    "id": 42, "reference": "SC-000042", "vendor": "ACME", "marketplace": "US", "kind": "shortage_claim", "reason": "SHORTAGES_IN_TRANSIT",
    "reason_label": "Shortage in transit", "variance_type": "PQV",
    "variance_reasons": [{"variance_type": "PQV", "defect_types": ["SHORTAGES_IN_TRANSIT"]}],
    "amount": "42.00", "currency": "USD", "reversed_amount": "0.00", "remaining_amount": "42.00", "status": "open",
    "description": "4 units invoiced beyond those received, at 10.50", "invoice_id": 7, "invoice_number": "ACME-2026-0042",
    "invoice_line_id": 11, "purchase_order_number": "2ZX9QW1A", "shipment_id": 3, "reverses_id": None, "reverses_reference": None,
    "dispute_deadline": "2026-12-27", "disputable": True, "remittance_number": None, "settled_at": None,
    "evidence": {"po_cost": "10.00", "invoiced_cost": "10.50", "received_quantity": 96, "invoiced_quantity": 100, "shortage_units": 4},
    "created_at": "2026-11-27T02:30:00Z",
})
DISPUTE_EXAMPLE = OpenApiExample("A dispute", response_only=True, value={
    "id": 5, "deduction_id": 42, "deduction_reference": "SC-000042", "number": 1, "reason": "All 100 units were delivered: signed POD attached.",
    "status": "open", "amount_reversed": "0.00", "currency": "USD", "reversal_id": None, "answer_note": "", "answered_at": None,
    "created_at": "2026-11-28T09:00:00Z",
    "evidence": [{"id": 81, "title": "pod.pdf", "content_type": "application/pdf", "size": 48211, "download_url": "/api/v1/documents/81/download"}],
})
REMITTANCE_EXAMPLE = OpenApiExample("A remittance", response_only=True, value={
    "id": 3, "number": "RA-00002-ACME-US", "vendor": "ACME", "marketplace": "US", "pay_date": "2026-12-27", "paid_at": "2026-12-27T08:00:00Z",
    "currency": "USD", "gross_paid": "1050.00", "deductions_total": "92.00", "reversals_total": "42.00", "discounts_total": "0.00",
    "net_amount": "1000.00", "document_url": "/api/v1/payments/3/document",
    "lines": [
        {"sequence": 1, "kind": "invoice_paid", "reference": "ACME-2026-0042", "description": "Invoice ACME-2026-0042 of 2026-11-27", "invoice_id": 7, "deduction_id": None, "amount": "1050.00"},
        {"sequence": 2, "kind": "deduction", "reference": "SC-000042", "description": "Shortage claim", "invoice_id": None, "deduction_id": 42, "amount": "-42.00"},
        {"sequence": 3, "kind": "deduction", "reference": "PC-000043", "description": "Price claim", "invoice_id": None, "deduction_id": 43, "amount": "-50.00"},
        {"sequence": 4, "kind": "reversal", "reference": "RV-000044", "description": "Reverses SC-000042", "invoice_id": None, "deduction_id": 44, "amount": "42.00"},
    ],
})
RUN_EXAMPLE = OpenApiExample("A payment run", response_only=True, value={
    "id": 2, "number": "PR-20261227-3F9A1C", "pay_date": "2026-12-27", "status": "pending_approval", "approval_request_id": 9,
    "created_by": "ap-maker", "approved_by": None, "approved_at": None, "paid_at": None,
    "remittances": [{"id": 3, "number": "RA-00002-ACME-US", "vendor": "ACME", "marketplace": "US", "currency": "USD", "net_amount": "1000.00"}],
})


class DeductionPagination(PortalCursorPagination):
    ordering = "-id"


class DeductionViewSet(ScopedGenericViewSet):
    """Deductions (claims, chargebacks, co-op allowances and their reversals) and their disputes."""

    queryset = Deduction.objects.all()
    pagination_class = DeductionPagination
    serializer_class = s.DeductionSerializer
    parser_classes = [PortalJSONParser, MultiPartParser, FormParser]
    actions = {"list": Action.VIEW_PAYMENTS, "retrieve": Action.VIEW_PAYMENTS, "GET": Action.VIEW_PAYMENTS, "POST": Action.DISPUTE_DEDUCTIONS}

    @extend_schema(tags=["Deductions"], responses={200: s.DeductionSerializer(many=True), **ERRORS}, examples=[DEDUCTION_EXAMPLE], parameters=[
        OpenApiParameter(name, OpenApiTypes.STR, description=text) for name, text in (
            ("kind", "shortage_claim, price_claim, chargeback, coop_allowance, reversal"), ("status", "open, disputed, upheld, reversed, partly_reversed, settled"),
            ("reason", "a defect type (OVERBILLING, PRODUCT_COST_NOT_REGISTERED, ...) or chargeback category"), ("variance_type", "PQV, PPV, OTHER"),
            ("marketplace", "marketplace code"), ("invoice", "invoice id"), ("invoice_number", "invoice number"), ("purchase_order", "PO number"),
            ("unsettled", "1: not yet netted in a payment run"), ("disputable", "1: open to a dispute today"),
            ("created_after", "YYYY-MM-DD"), ("created_before", "YYYY-MM-DD"), ("vendor", "vendor code (retailer only)"),
        )
    ])
    def list(self, request):
        queryset = selectors.deduction_list(scope=request.scope, filters=request.query_params).order_by("-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.DeductionSerializer(page, many=True).data)

    @extend_schema(tags=["Deductions"], responses={200: s.DeductionSerializer, **ERRORS}, examples=[DEDUCTION_EXAMPLE])
    def retrieve(self, request, pk=None):
        deduction = selectors.deduction_detail(scope=request.scope, deduction_id=pk)
        if deduction is None:
            raise NotFoundError(_("Deduction not found."))
        return Response(s.DeductionSerializer(deduction).data)

    @extend_schema(tags=["Disputes"], methods=["GET"], responses={200: s.DisputeSerializer(many=True), **ERRORS}, examples=[DISPUTE_EXAMPLE])
    @extend_schema(tags=["Disputes"], methods=["POST"], request={"multipart/form-data": s.DisputeInputSerializer, "application/json": s.DisputeInputSerializer},
                   responses={201: s.DisputeSerializer, **ERRORS}, examples=[
                       OpenApiExample("Dispute with a proof of delivery", request_only=True, value={"reason": "All 100 units were delivered: signed POD attached."}),
                       DISPUTE_EXAMPLE, ERROR_EXAMPLE])
    def disputes(self, request, pk=None):
        deduction = selectors.deduction_detail(scope=request.scope, deduction_id=pk)
        if deduction is None:
            raise NotFoundError(_("Deduction not found."))
        if request.method == "GET":
            return Response(s.DisputeSerializer(selectors.dispute_list(scope=request.scope, deduction=deduction), many=True).data)
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        files = request.FILES.getlist("evidence") if request.FILES else []
        dispute = services.dispute_create(scope=request.scope, deduction_id=deduction.pk, reason=str(reason), files=files, actor=self.actor)
        return Response(s.DisputeSerializer(selectors.dispute_list(scope=request.scope).get(pk=dispute.pk)).data, status=status.HTTP_201_CREATED)


class DisputeViewSet(ScopedGenericViewSet):
    queryset = Dispute.objects.all()
    pagination_class = DeductionPagination
    serializer_class = s.DisputeSerializer
    actions = {"list": Action.VIEW_PAYMENTS, "retrieve": Action.VIEW_PAYMENTS, "answer": Action.ANSWER_DISPUTES}

    @extend_schema(tags=["Disputes"], responses={200: s.DisputeSerializer(many=True), **ERRORS}, examples=[DISPUTE_EXAMPLE],
                   parameters=[OpenApiParameter("status", OpenApiTypes.STR, description="open, upheld, reversed, partly_reversed")])
    def list(self, request):
        queryset = selectors.dispute_list(scope=request.scope, status=request.query_params.get("status")).order_by("-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.DisputeSerializer(page, many=True).data)

    @extend_schema(tags=["Disputes"], responses={200: s.DisputeSerializer, **ERRORS}, examples=[DISPUTE_EXAMPLE])
    def retrieve(self, request, pk=None):
        return Response(s.DisputeSerializer(self.get_object()).data)

    @extend_schema(tags=["Disputes"], request=s.DisputeAnswerSerializer, responses={200: s.DisputeSerializer, **ERRORS}, examples=[
        OpenApiExample("Reverse part", request_only=True, value={"outcome": "partly_reversed", "amount": "20.00", "note": "POD shows 98 units."}),
        OpenApiExample("Deny", request_only=True, value={"outcome": "upheld", "note": "The DC counted 96 units; the POD is unsigned."})])
    def answer(self, request, pk=None):
        dispute = self.get_object()
        serializer = s.DisputeAnswerSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        services.dispute_answer(scope=request.scope, dispute_id=dispute.pk, actor=self.actor, **serializer.validated_data)
        return Response(s.DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data)


class RemittanceViewSet(ScopedGenericViewSet):
    """Payments: the remittances (one per vendor and marketplace in a paid run) with their lines."""

    queryset = Remittance.objects.all()
    pagination_class = DeductionPagination
    serializer_class = s.RemittanceSerializer
    actions = {"*": Action.VIEW_PAYMENTS}

    @extend_schema(tags=["Payments"], responses={200: s.RemittanceSerializer(many=True), **ERRORS}, examples=[REMITTANCE_EXAMPLE], parameters=[
        OpenApiParameter(name, OpenApiTypes.STR, description=text) for name, text in (
            ("marketplace", "marketplace code"), ("pay_date_from", "YYYY-MM-DD"), ("pay_date_to", "YYYY-MM-DD"),
            ("run", "payment run id (retailer)"), ("vendor", "vendor code (retailer)"))])
    def list(self, request):
        queryset = selectors.remittance_list(scope=request.scope, filters=request.query_params).order_by("-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.RemittanceSerializer(page, many=True).data)

    @extend_schema(tags=["Payments"], responses={200: s.RemittanceSerializer, **ERRORS}, examples=[REMITTANCE_EXAMPLE])
    def retrieve(self, request, pk=None):
        return Response(s.RemittanceSerializer(self.get_object()).data)

    @extend_schema(tags=["Payments"], responses={(200, "application/pdf"): OpenApiResponse(description=str(_("The remittance advice as PDF/A."))), 404: ERRORS[404]})
    def document(self, request, pk=None):
        remittance = self.get_object()
        stored = services.remittance_document(scope=request.scope, remittance_id=remittance.pk, actor=self.actor)
        return FileResponse(stored.file.open("rb"), content_type="application/pdf", filename=f"{remittance.number}.pdf")


class PaymentRunViewSet(ScopedGenericViewSet):
    """Payment runs (retailer accounts payable): create for a pay date, a second person approves, then pay."""

    queryset = PaymentRun.objects.all()
    pagination_class = DeductionPagination
    serializer_class = s.PaymentRunSerializer
    actions = {"*": Action.RUN_PAYMENTS}

    def _detail(self, pk, code=status.HTTP_200_OK):
        return Response(s.PaymentRunSerializer(selectors.payment_run_list(scope=self.request.scope).get(pk=pk)).data, status=code)

    @extend_schema(tags=["Payment runs"], responses={200: s.PaymentRunSerializer(many=True), **ERRORS}, examples=[RUN_EXAMPLE])
    def list(self, request):
        page = self.paginate_queryset(selectors.payment_run_list(scope=request.scope).order_by("-id"))
        return self.get_paginated_response(s.PaymentRunSerializer(page, many=True).data)

    @extend_schema(tags=["Payment runs"], responses={200: s.PaymentRunSerializer, **ERRORS}, examples=[RUN_EXAMPLE])
    def retrieve(self, request, pk=None):
        return self._detail(self.get_object().pk)

    @extend_schema(tags=["Payment runs"], request=s.PaymentRunInputSerializer, responses={201: s.PaymentRunSerializer, **ERRORS}, examples=[
        OpenApiExample("Pay what is due by a date", request_only=True, value={"pay_date": "2026-12-27"}), RUN_EXAMPLE])
    def create(self, request):
        serializer = s.PaymentRunInputSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        marketplace = None
        if serializer.validated_data.get("marketplace"):
            from vendor_portal.models import Marketplace

            marketplace = Marketplace.objects.filter(code=serializer.validated_data["marketplace"].upper()).first()
            if marketplace is None:
                raise DomainValidationError(_("Unknown marketplace."), field="marketplace")
        run = services.payment_run_create(scope=request.scope, pay_date=serializer.validated_data["pay_date"], actor=self.actor, marketplace=marketplace)
        return self._detail(run.pk, status.HTTP_201_CREATED)

    @extend_schema(tags=["Payment runs"], request=s.PaymentRunDecisionSerializer, responses={200: s.PaymentRunSerializer, **ERRORS}, examples=[
        OpenApiExample("Approve", request_only=True, value={"decision": "approve", "note": "Checked the totals"}),
        OpenApiExample("Self-approval", response_only=True, status_codes=["403"], value={"errors": [
            {"code": "self_approval", "message": "You cannot approve your own request: a second person must check it.", "field": None}]})])
    def approve(self, request, pk=None):
        run = self.get_object()
        serializer = s.PaymentRunDecisionSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        services.payment_run_decide(scope=request.scope, run_id=run.pk, actor=self.actor,
                                    approve=serializer.validated_data["decision"] == "approve", note=serializer.validated_data.get("note", ""))
        return self._detail(run.pk)

    @extend_schema(tags=["Payment runs"], request=None, responses={200: s.PaymentRunSerializer, **ERRORS}, examples=[RUN_EXAMPLE])
    def pay(self, request, pk=None):
        run = self.get_object()
        services.payment_run_pay(scope=request.scope, run_id=run.pk, actor=self.actor)
        return self._detail(run.pk)

    @extend_schema(tags=["Payment runs"], request=None, responses={200: s.PaymentRunSerializer, **ERRORS}, examples=[RUN_EXAMPLE])
    def cancel(self, request, pk=None):
        run = self.get_object()
        services.payment_run_cancel(scope=request.scope, run_id=run.pk, actor=self.actor)
        return self._detail(run.pk)


class MatchResultViewSet(ScopedGenericViewSet):
    """The 3-way match evidence of an invoice's lines."""

    queryset = MatchResult.objects.all()
    serializer_class = s.MatchResultSerializer
    pagination_class = None
    actions = {"*": Action.VIEW_INVOICES}

    @extend_schema(tags=["Reconciliation"], parameters=[OpenApiParameter("invoice", OpenApiTypes.INT, required=True, description="invoice id")],
                   responses={200: s.MatchResultSerializer(many=True), **ERRORS}, examples=[OpenApiExample("One line", response_only=True, value=[{
                       "invoice_id": 7, "invoice_line_id": 11, "sequence": 1, "status": "over_tolerance", "currency": "USD", "po_cost": "10.00",
                       "invoiced_cost": "10.50", "ordered_quantity": 100, "received_quantity": 96, "invoiced_quantity": 100,
                       "previously_invoiced_quantity": 0, "price_claim": "50.00", "shortage_claim": "42.00",
                       "matching_context": {"matched_quantity": 96, "matched_amount": {"amount": "1008.00", "currency": "USD"}, "quantity_variance": 4,
                                            "price_variance": {"amount": "0.50", "currency": "USD"},
                                            "variance_reasons": [{"variance_type": "PQV", "defect_types": ["SHORTAGES_IN_TRANSIT"]},
                                                                 {"variance_type": "PPV", "defect_types": ["PRODUCT_COST_NOT_REGISTERED"]}]},
                       "evidence": {"po_cost": "10.00", "tolerance": {"over_percent": "0", "over_absolute": "0"}}, "computed_at": "2026-11-27T02:30:00Z"}])])
    def list(self, request):
        invoice = request.query_params.get("invoice", "")
        if not invoice.isdigit():
            raise DomainValidationError(_("Give the invoice id."), field="invoice")
        return Response(s.MatchResultSerializer(selectors.match_results(scope=request.scope, invoice_id=int(invoice)), many=True).data)


class PaymentSummaryView(PortalAPIView):
    actions = {"GET": Action.VIEW_PAYMENTS}

    @extend_schema(tags=["Payments"], operation_id="payment_summary", parameters=[
        OpenApiParameter("marketplace", OpenApiTypes.STR, description="marketplace code"),
        OpenApiParameter("period_start", OpenApiTypes.DATE), OpenApiParameter("period_end", OpenApiTypes.DATE),
        OpenApiParameter("vendor", OpenApiTypes.STR, description="vendor code (retailer only)"),
    ], responses={200: s.PaymentSummarySerializer, **ERRORS}, examples=[OpenApiExample("Finance overview", response_only=True, value={
        "today": "2026-12-28", "period_start": "2026-01-01", "period_end": "2026-12-28", "currencies": ["USD"],
        "open_invoices": [{"state": "approved_for_payment", "currency": "USD", "count": 3, "amount": "4200.00"}],
        "aging": [{"currency": "USD", "bucket": "not_due", "count": 3, "amount": "4200.00"}],
        "paid": [{"currency": "USD", "remittances": 1, "gross_paid": "1050.00", "deductions_total": "92.00", "reversals_total": "42.00",
                  "discounts_total": "0.00", "net_amount": "1000.00"}],
        "deductions_by_month": [{"month": "2026-11-01", "kind": "price_claim", "currency": "USD", "count": 1, "amount": "50.00"}],
        "deductions_by_kind": [{"kind": "price_claim", "currency": "USD", "count": 1, "amount": "50.00"}],
        "unsettled_deductions": [{"currency": "USD", "deductions": "25.00", "reversals": "0.00", "net": "25.00"}],
        "open_disputes": [{"currency": "USD", "count": 1, "amount": "25.00"}],
        "cash_expected_by_week": [{"week_start": "2027-01-04", "currency": "USD", "count": 3, "amount": "4200.00"}]})])
    def get(self, request):
        params = request.query_params
        summary = selectors.payment_summary(
            scope=request.scope, marketplace=params.get("marketplace") or None, period_start=params.get("period_start"),
            period_end=params.get("period_end"), vendor=params.get("vendor") or None,
        )
        return Response(s.PaymentSummarySerializer(summary).data)


class ReconciliationRunView(PortalAPIView):
    actions = {"POST": Action.RUN_PAYMENTS}

    @extend_schema(tags=["Reconciliation"], operation_id="reconciliation_run", request=s.MatchRunInputSerializer,
                   responses={200: s.MatchSummarySerializer, **ERRORS}, examples=[
                       OpenApiExample("One invoice", request_only=True, value={"invoice_id": 7}),
                       OpenApiExample("Result", response_only=True, value={"lines": 1, "by_status": {"over_tolerance": 1}, "claims_raised": 2,
                                                                           "claims_updated": 0, "reversals": 0, "approved_for_payment": 1, "on_hold": 0})])
    def post(self, request):
        serializer = s.MatchRunInputSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        summary = services.match_run(scope=request.scope, actor=self.actor, invoice_id=serializer.validated_data.get("invoice_id"))
        return Response(s.MatchSummarySerializer(summary.as_dict()).data)


def _body(request) -> dict:
    data = request.data
    if not isinstance(data, dict) and not hasattr(data, "getlist"):
        raise DomainValidationError(_("The body must be a JSON object."))
    return data
