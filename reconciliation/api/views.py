"""/api/v1/ deductions, disputes, payments (remittances), payment runs, the payment summary and the match.

Reads go through reconciliation.selectors (scoped by `visible_to`), writes through reconciliation.services:
the same functions the screens call.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from vendor_portal.api.base import PortalAPIView, ScopedGenericViewSet, body_object
from vendor_portal.api.csv import FORMAT_PARAMETER, CsvListMixin, csv_list_responses
from vendor_portal.api.errors import documented_error
from vendor_portal.api.parsers import PortalJSONParser
from vendor_portal.downloads import SIGNED_URL_REDIRECT, document_response
from vendor_portal.errors import DomainValidationError, NotFoundError, field_error
from vendor_portal.models import JobStatus
from vendor_portal.roles import Action
from vendor_portal.services.two_factor import require_fresh_second_factor

from .. import selectors
from ..evidence import deduction_evidence
from ..models import Deduction, Dispute, MatchResult, PaymentRun, Remittance
from ..services.deductions import match_run
from ..services.dispute_packets import dispute_file, dispute_packet_job_latest, dispute_packet_request
from ..services.disputes import dispute_answer, dispute_create
from ..services.payment_runs import payment_run_cancel, payment_run_create, payment_run_decide, payment_run_pay
from ..services.remittance_advice import remittance_document
from . import examples
from . import serializers as s


def _errors(*statuses, **examples_by_status):
    """The 4xx responses of an operation, each with the error shape and an example."""
    described = {
        400: (_("Validation errors, each naming its field and rule."), [examples.VALIDATION_ERROR]),
        401: (_("No or unknown credentials."), [examples.NOT_AUTHENTICATED]),
        403: (_("Your role or token scopes do not allow this."), [examples.FORBIDDEN]),
        404: (_("No such object, or another vendor's."), [examples.NOT_FOUND]),
        409: (_("Not possible in the object's current state."), [examples.CONFLICT]),
    }
    out = {}
    for code in statuses:
        description, default = described[code]
        out[code] = documented_error(description, *examples_by_status.get(f"e{code}", default))
    return out


READ_ERRORS = _errors(400, 401, 403, 404)
JOB_LOCATION = OpenApiParameter(
    "Location", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[202], description=str(_("The job to poll: /api/v1/jobs/{id}/."))
)
WRITE_ERRORS = _errors(400, 401, 403, 404, 409)


def _query(serializer_class, request) -> dict:
    """The checked query parameters: a value that is not allowed is a 400 naming the parameter."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return {name: value for name, value in serializer.validated_data.items() if value not in (None, "")}


class DeductionViewSet(CsvListMixin, ScopedGenericViewSet):
    """Deductions (claims, chargebacks, co-op allowances and their reversals) and their disputes."""

    queryset = Deduction.objects.all()
    serializer_class = s.DeductionSerializer
    parser_classes = [PortalJSONParser, MultiPartParser]
    actions = {
        "list": Action.VIEW_PAYMENTS,
        "retrieve": Action.VIEW_PAYMENTS,
        "evidence": Action.VIEW_PAYMENTS,
        "dispute_packet": Action.VIEW_PAYMENTS,
        "dispute_packet_request": Action.DISPUTE_DEDUCTIONS,
        "GET": Action.VIEW_PAYMENTS,
        "POST": Action.DISPUTE_DEDUCTIONS,
    }

    def _deduction(self, pk) -> Deduction:
        """The deduction as the asker's scope sees it (marketplace limits included): another vendor's is a 404."""
        deduction = selectors.deduction_detail(scope=self.request.scope, deduction_id=pk)
        if deduction is None:
            raise NotFoundError(_("Deduction not found."))
        return deduction

    @extend_schema(
        tags=["Deductions"],
        parameters=[s.DeductionFilterSerializer, FORMAT_PARAMETER],
        responses=csv_list_responses(s.DeductionSerializer(many=True), str(_("Every deduction of the filtered list, one per row.")), READ_ERRORS),
        examples=[examples.DEDUCTION, examples.BAD_FILTER],
    )
    def list(self, request):
        filters = _query(s.DeductionFilterSerializer, request)
        queryset = selectors.deduction_list(scope=request.scope, filters=filters).order_by("-id")
        if self.wants_csv:
            return self.csv_response(queryset, s.DeductionSerializer, "deductions")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.DeductionSerializer(page, many=True).data)

    @extend_schema(tags=["Deductions"], responses={200: s.DeductionSerializer, **READ_ERRORS}, examples=[examples.DEDUCTION])
    def retrieve(self, request, pk=None):
        deduction = selectors.deduction_detail(scope=request.scope, deduction_id=pk)
        if deduction is None:
            raise NotFoundError(_("Deduction not found."))
        return Response(s.DeductionSerializer(deduction).data)

    @extend_schema(tags=["Disputes"], methods=["GET"], responses={200: s.DisputeSerializer(many=True), **READ_ERRORS}, examples=[examples.DISPUTE])
    @extend_schema(
        tags=["Disputes"],
        methods=["POST"],
        description=(
            'Multipart, so that evidence files travel with the reason. A JSON body `{"reason": ..., "packet": ...}` without '
            "evidence is also accepted; the schema names one body type per operation, so that generated clients build it. "
            "With `packet` (the document id of the dispute packet, see .../dispute-packet/) the dispute is filed as the screen's "
            "*File dispute* does: with the packet and the files attached to the deduction. Refused (400) once the deduction may "
            "not be disputed: `window_closed`, `dispute_limit`, `already_reversed`, `not_disputable`; a packet that is not this "
            "dispute's `packet_mismatch`, none built `packet_missing`; 409 `already_disputed` while a dispute waits for its answer."
        ),
        request={"multipart/form-data": s.DisputeInputSerializer},
        responses={
            201: s.DisputeSerializer,
            **_errors(
                400,
                401,
                403,
                404,
                409,
                e400=[examples.VALIDATION_ERROR, examples.DISPUTE_LIMIT, examples.PACKET_MISMATCH],
                e409=[examples.ALREADY_DISPUTED],
            ),
        },
        examples=[
            examples.DISPUTE_REQUEST,
            examples.DISPUTE_WITH_PACKET_REQUEST,
            OpenApiExample("Dispute opened", response_only=True, status_codes=["201"], value=examples.DISPUTE_VALUE),
        ],
    )
    def disputes(self, request, pk=None):
        deduction = self._deduction(pk)
        if request.method == "GET":
            # A page like every list (the schema promised one; a bare list was answered before).
            page = self.paginate_queryset(selectors.dispute_list(scope=request.scope, deduction=deduction).order_by("-id"))
            return self.get_paginated_response(s.DisputeSerializer(page, many=True).data)
        # The reason and the packet reference are checked here (text, no NUL; an id); the files in the service,
        # with the dispute rules.
        body = body_object(request)
        serializer = s.DisputeInputSerializer(data={"reason": body.get("reason", ""), "packet": body.get("packet") or None})
        serializer.is_valid(raise_exception=True)
        files = request.FILES.getlist("evidence") if request.FILES else []
        reason, packet = serializer.validated_data["reason"], serializer.validated_data.get("packet")
        if packet is not None:
            # With its packet, as the screen's "File dispute": the packet and the deduction's attachments go with it.
            dispute = dispute_file(scope=request.scope, deduction_id=deduction.pk, reason=reason, packet_id=packet, files=files, actor=self.actor)
        else:
            dispute = dispute_create(scope=request.scope, deduction_id=deduction.pk, reason=reason, files=files, actor=self.actor)
        return Response(s.DisputeSerializer(selectors.dispute_list(scope=request.scope).get(pk=dispute.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["Deductions"],
        operation_id="deduction_evidence",
        summary="The deduction's evidence locker",
        description=(
            "The records that prove (or disprove) the deduction, gathered from what it links to, oldest first (an item without "
            "a time last), exactly as the deduction's page lists them: the compliance event, the ASN transmissions, BOL/PRO, "
            "label and packing-list renders, appointments, receipts and carton scans, the invoice and the 3-way match, and the "
            "vendor's own attachments. `source` names the record each item was read from; a stored file has a `download_url`."
        ),
        responses={200: s.EvidenceItemSerializer(many=True), **_errors(401, 403, 404)},
        examples=examples.EVIDENCE,
    )
    def evidence(self, request, pk=None):
        deduction = self._deduction(pk)
        return Response(s.EvidenceItemSerializer(deduction_evidence(deduction=deduction), many=True).data)

    @extend_schema(
        tags=["Deductions"],
        operation_id="deduction_dispute_packet",
        summary="The deduction's newest dispute packet",
        description=(
            "The state of the newest packet job and, once it succeeded, the packet (PDF/A-3b: a cover, the evidence index and "
            "every evidence file) with its `download_url`. 404 `packet_missing` when none was ever asked for."
        ),
        responses={
            200: s.DisputePacketSerializer,
            **_errors(401, 403, 404, e404=[examples.NOT_FOUND, examples.PACKET_NOT_FOUND]),
        },
        examples=[examples.PACKET_RUNNING, examples.PACKET_READY],
    )
    def dispute_packet(self, request, pk=None):
        deduction = self._deduction(pk)
        job = dispute_packet_job_latest(deduction=deduction)
        if job is None:
            raise NotFoundError(
                _("No dispute packet was built for this deduction."),
                errors=[field_error(None, None, _("No dispute packet was built for this deduction."), "packet_missing")],
            )
        number = int(job.params.get("dispute_number") or 1)
        document = job.result if job.status == JobStatus.SUCCEEDED and job.result_id else None
        dispute_id = Dispute.objects.filter(deduction=deduction, number=number).values_list("pk", flat=True).first()
        return Response(
            s.DisputePacketSerializer(
                {
                    "dispute_number": number,
                    "status": job.status,
                    "job": job,
                    "document": document,
                    "download_url": reverse("document-download", args=[document.pk]) if document else None,
                    "dispute_id": dispute_id,
                }
            ).data
        )

    @extend_schema(
        tags=["Deductions"],
        operation_id="deduction_dispute_packet_request",
        summary="Build the dispute packet",
        description=(
            "Starts the packet (PDF/A-3b) in the background for the deduction's next dispute: 202 with the job and "
            "`Location: /api/v1/jobs/{id}/`; poll it (or GET .../dispute-packet/) until `succeeded`. While one is queued or "
            "running, the answer is that job (same `id`): no second one starts. Refused (400) once the deduction may not be "
            "disputed: `window_closed`, `dispute_limit`, `already_reversed`, `not_disputable`; 409 `already_disputed` while "
            "a dispute waits for its answer. Send an Idempotency-Key to retry safely."
        ),
        request=None,
        parameters=[JOB_LOCATION],
        responses={
            202: s.JobSerializer,
            **_errors(400, 401, 403, 404, 409, e400=[examples.VALIDATION_ERROR, examples.DISPUTE_LIMIT], e409=[examples.ALREADY_DISPUTED]),
        },
        examples=[examples.PACKET_JOB_QUEUED],
    )
    def dispute_packet_request(self, request, pk=None):
        deduction = self._deduction(pk)
        job = dispute_packet_request(scope=request.scope, deduction_id=deduction.pk, actor=self.actor)
        response = Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = job_location(job.pk)
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        # An Idempotency-Key replay keeps the body and status only: the job's Location goes with it again.
        if getattr(self, "action", None) == "dispute_packet_request" and response.status_code == status.HTTP_202_ACCEPTED:
            job_id = response.data.get("id") if isinstance(getattr(response, "data", None), dict) else None
            if job_id and not response.has_header("Location"):
                response["Location"] = job_location(job_id)
        return super().finalize_response(request, response, *args, **kwargs)


class DisputeViewSet(ScopedGenericViewSet):
    queryset = Dispute.objects.all()
    serializer_class = s.DisputeSerializer
    actions = {"list": Action.VIEW_PAYMENTS, "retrieve": Action.VIEW_PAYMENTS, "answer": Action.ANSWER_DISPUTES}

    @extend_schema(
        tags=["Disputes"],
        parameters=[s.DisputeFilterSerializer],
        responses={200: s.DisputeSerializer(many=True), **READ_ERRORS},
        examples=[examples.DISPUTE],
    )
    def list(self, request):
        filters = _query(s.DisputeFilterSerializer, request)
        queryset = selectors.dispute_list(scope=request.scope, status=filters.get("status")).order_by("-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.DisputeSerializer(page, many=True).data)

    @extend_schema(tags=["Disputes"], responses={200: s.DisputeSerializer, **READ_ERRORS}, examples=[examples.DISPUTE])
    def retrieve(self, request, pk=None):
        return Response(s.DisputeSerializer(self.get_object()).data)

    @extend_schema(
        tags=["Disputes"],
        request=s.DisputeAnswerSerializer,
        responses={200: s.DisputeSerializer, **_errors(400, 401, 403, 404, 409, e400=[examples.ANSWER_OUT_OF_RANGE])},
        examples=[examples.ANSWER_PARTLY, examples.ANSWER_DENY, examples.DISPUTE_ANSWERED],
    )
    def answer(self, request, pk=None):
        dispute = self.get_object()
        serializer = s.DisputeAnswerSerializer(data=body_object(request))
        serializer.is_valid(raise_exception=True)
        dispute_answer(scope=request.scope, dispute_id=dispute.pk, actor=self.actor, **serializer.validated_data)
        return Response(s.DisputeSerializer(selectors.dispute_list(scope=request.scope).get(pk=dispute.pk)).data)


class RemittanceViewSet(ScopedGenericViewSet):
    """Payments: the remittances (one per vendor and marketplace in a paid run) with their lines."""

    queryset = Remittance.objects.all()
    serializer_class = s.RemittanceSerializer
    actions = {"*": Action.VIEW_PAYMENTS}

    @extend_schema(
        tags=["Payments"],
        parameters=[s.RemittanceFilterSerializer],
        responses={200: s.RemittanceSerializer(many=True), **READ_ERRORS},
        examples=[examples.REMITTANCE],
    )
    def list(self, request):
        filters = _query(s.RemittanceFilterSerializer, request)
        queryset = selectors.remittance_list(scope=request.scope, filters=filters).order_by("-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.RemittanceSerializer(page, many=True).data)

    @extend_schema(tags=["Payments"], responses={200: s.RemittanceSerializer, **READ_ERRORS}, examples=[examples.REMITTANCE])
    def retrieve(self, request, pk=None):
        remittance = selectors.remittance_list(scope=request.scope).filter(pk=self.get_object().pk).get()
        return Response(s.RemittanceSerializer(remittance).data)

    @extend_schema(
        tags=["Payments"],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=str(_("The remittance advice as PDF/A."))),
            302: SIGNED_URL_REDIRECT,
            **_errors(401, 403, 404),
        },
    )
    def document(self, request, pk=None):
        remittance = self.get_object()
        stored = remittance_document(scope=request.scope, remittance_id=remittance.pk, actor=self.actor)
        return document_response(stored, filename=f"{remittance.number}.pdf", as_attachment=False, content_type="application/pdf")


class PaymentRunViewSet(ScopedGenericViewSet):
    """Payment runs (retailer accounts payable): preview, create for a pay date, a second person approves, then pay."""

    queryset = PaymentRun.objects.all()
    serializer_class = s.PaymentRunSerializer
    actions = {"*": Action.RUN_PAYMENTS}

    def _detail(self, pk, code=status.HTTP_200_OK):
        return Response(s.PaymentRunSerializer(selectors.payment_run_list(scope=self.request.scope).get(pk=pk)).data, status=code)

    @extend_schema(tags=["Payment runs"], responses={200: s.PaymentRunSerializer(many=True), **_errors(401, 403)}, examples=[examples.RUN])
    def list(self, request):
        page = self.paginate_queryset(selectors.payment_run_list(scope=request.scope).order_by("-id"))
        return self.get_paginated_response(s.PaymentRunSerializer(page, many=True).data)

    @extend_schema(tags=["Payment runs"], responses={200: s.PaymentRunSerializer, **READ_ERRORS}, examples=[examples.RUN])
    def retrieve(self, request, pk=None):
        return self._detail(self.get_object().pk)

    @extend_schema(
        tags=["Payment runs"],
        operation_id="payment_run_preview",
        parameters=[s.PaymentRunPreviewFilterSerializer],
        responses={200: s.PaymentRunPreviewSerializer, **_errors(400, 401, 403, e400=[examples.PAY_DATE_PAST])},
        examples=[examples.PREVIEW, examples.PREVIEW_CARRIED],
        description=str(
            _(
                "What a payment run on pay_date would pay each vendor, without creating it: invoices due, deductions, "
                "reversals, credit notes netted and carried forward, the remittance lines and the net. The run created "
                "with the same pay date holds exactly these lines unless something changes in between."
            )
        ),
    )
    def preview(self, request):
        filters = _query(s.PaymentRunPreviewFilterSerializer, request)
        marketplace = _marketplace(filters.get("marketplace"))
        vendor = filters.get("vendor")
        if vendor:
            from vendor_portal.models import Vendor

            if not Vendor.objects.filter(code=vendor.upper()).exists():
                raise DomainValidationError(_("Unknown vendor."), field="vendor")
        preview = selectors.payment_run_preview(scope=request.scope, pay_date=filters.get("pay_date"), marketplace=marketplace, vendor=vendor)
        return Response(s.PaymentRunPreviewSerializer(preview).data)

    @extend_schema(
        tags=["Payment runs"],
        request=s.PaymentRunInputSerializer,
        responses={201: s.PaymentRunSerializer, **_errors(400, 401, 403, e400=[examples.NOTHING_DUE, examples.PAY_DATE_PAST])},
        examples=[examples.RUN_REQUEST, examples.RUN_REQUEST_MARKETPLACE, examples.RUN_CREATED],
    )
    def create(self, request):
        serializer = s.PaymentRunInputSerializer(data=body_object(request))
        serializer.is_valid(raise_exception=True)
        marketplace = _marketplace(serializer.validated_data.get("marketplace"))
        run = payment_run_create(scope=request.scope, pay_date=serializer.validated_data["pay_date"], actor=self.actor, marketplace=marketplace)
        return self._detail(run.pk, status.HTTP_201_CREATED)

    @extend_schema(
        tags=["Payment runs"],
        request=s.PaymentRunDecisionSerializer,
        responses={200: s.PaymentRunSerializer, **_errors(400, 401, 403, 404, 409, e403=[examples.SELF_APPROVAL, examples.SECOND_FACTOR])},
        examples=[examples.APPROVE_REQUEST, examples.TURN_DOWN_REQUEST, examples.RUN_APPROVED],
    )
    def approve(self, request, pk=None):
        run = self.get_object()
        serializer = s.PaymentRunDecisionSerializer(data=body_object(request))
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["decision"] == "approve":
            require_fresh_second_factor(request)
        payment_run_decide(
            scope=request.scope,
            run_id=run.pk,
            actor=self.actor,
            approve=serializer.validated_data["decision"] == "approve",
            note=serializer.validated_data.get("note", ""),
        )
        return self._detail(run.pk)

    @extend_schema(
        tags=["Payment runs"], request=None, responses={200: s.PaymentRunSerializer, **_errors(401, 403, 404, 409)}, examples=[examples.RUN_PAID]
    )
    def pay(self, request, pk=None):
        run = self.get_object()
        payment_run_pay(scope=request.scope, run_id=run.pk, actor=self.actor)
        return self._detail(run.pk)

    @extend_schema(
        tags=["Payment runs"], request=None, responses={200: s.PaymentRunSerializer, **_errors(401, 403, 404, 409)}, examples=[examples.RUN_CANCELLED]
    )
    def cancel(self, request, pk=None):
        run = self.get_object()
        payment_run_cancel(scope=request.scope, run_id=run.pk, actor=self.actor)
        return self._detail(run.pk)


class MatchResultViewSet(ScopedGenericViewSet):
    """The 3-way match evidence of an invoice's lines."""

    queryset = MatchResult.objects.all()
    serializer_class = s.MatchResultSerializer
    pagination_class = None
    actions = {"*": Action.VIEW_INVOICES}

    @extend_schema(
        tags=["Reconciliation"],
        parameters=[s.MatchResultFilterSerializer],
        responses={200: s.MatchResultSerializer(many=True), **_errors(400, 401, 403, e400=[examples.MATCH_RESULTS_MISSING_INVOICE])},
        examples=[examples.MATCH_RESULT],
    )
    def list(self, request):
        filters = _query(s.MatchResultFilterSerializer, request)
        return Response(s.MatchResultSerializer(selectors.match_results(scope=request.scope, invoice_id=filters["invoice"]), many=True).data)


class PaymentSummaryView(PortalAPIView):
    actions = {"GET": Action.VIEW_PAYMENTS}

    @extend_schema(
        tags=["Payments"],
        operation_id="payment_summary",
        parameters=[s.PaymentSummaryFilterSerializer],
        responses={200: s.PaymentSummarySerializer, **_errors(400, 401, 403, e400=[examples.SUMMARY_BAD_PERIOD])},
        examples=[examples.SUMMARY],
    )
    def get(self, request):
        filters = _query(s.PaymentSummaryFilterSerializer, request)
        summary = selectors.payment_summary(
            scope=request.scope,
            marketplace=filters.get("marketplace"),
            period_start=filters.get("period_start"),
            period_end=filters.get("period_end"),
            vendor=filters.get("vendor"),
        )
        return Response(s.PaymentSummarySerializer(summary).data)


class ReconciliationRunView(PortalAPIView):
    actions = {"POST": Action.RUN_PAYMENTS}

    @extend_schema(
        tags=["Reconciliation"],
        operation_id="reconciliation_run",
        request=s.MatchRunInputSerializer,
        responses={200: s.MatchSummarySerializer, **_errors(400, 401, 403, 404)},
        examples=[examples.MATCH_RUN_REQUEST, examples.MATCH_RUN_ALL, examples.MATCH_RUN_RESULT],
    )
    def post(self, request):
        serializer = s.MatchRunInputSerializer(data=body_object(request))
        serializer.is_valid(raise_exception=True)
        summary = match_run(scope=request.scope, actor=self.actor, invoice_id=serializer.validated_data.get("invoice_id"))
        return Response(s.MatchSummarySerializer(summary.as_dict()).data)


def job_location(job_id) -> str:
    return f"/api/v1/jobs/{job_id}/"


def _marketplace(code):
    if not code:
        return None
    from vendor_portal.models import Marketplace

    marketplace = Marketplace.objects.filter(code=code.upper()).first()
    if marketplace is None:
        raise DomainValidationError(_("Unknown marketplace."), field="marketplace")
    return marketplace
