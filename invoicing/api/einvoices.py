"""E-invoices on the API: a Factur-X PDF or CII XML sent (202 with the job that receives it), the receipt's
outcome, and a sent invoice issued as Factur-X."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from shipments.api.serializers import JobSerializer
from vendor_portal.api.base import ScopedGenericViewSet
from vendor_portal.api.errors import documented_error
from vendor_portal.api.uploads import RawBodyParser, UploadMessages, read_upload
from vendor_portal.downloads import document_response
from vendor_portal.errors import DomainValidationError
from vendor_portal.roles import Action

from ..models import EInvoiceReceipt, Invoice
from ..services.einvoices import MAX_BYTES, einvoice_upload, receipt_job, too_large_message
from ..services.facturx import facturx_filename, invoice_facturx
from ..services.ubl import invoice_ubl_document, ubl_filename
from . import examples

TAGS = ["Invoices"]
RAW_TYPES = {"application/pdf", "application/xml", "text/xml", "application/octet-stream"}
UPLOAD_MESSAGES = UploadMessages(
    missing=_("Send the e-invoice in the multipart field 'file'."),
    unsupported=_("Send the e-invoice as a multipart file, or as an XML or PDF body."),
    too_large=too_large_message,
)


UPLOAD_FILE = OpenApiExample(
    "Factur-X PDF as a multipart file", request_only=True, media_type="multipart/form-data", value={"file": "RE-2026-001.pdf"}
)
UPLOAD_XML = OpenApiExample(
    "CII XML as the body",
    request_only=True,
    media_type="text/xml",
    value='<?xml version="1.0" encoding="UTF-8"?><rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">…</rsm:CrossIndustryInvoice>',
)
QUEUED = OpenApiExample(
    "Stored; a worker receives it",
    response_only=True,
    status_codes=["202"],
    value={
        "id": "5b2e7c1a-9d4f-4a8e-b6c3-1f0e2d3c4b5a",
        "kind": "einvoice_receive",
        "status": "queued",
        "percent": 0,
        "progress_done": 0,
        "progress_total": 4,
        "message": "",
        "target_type": "invoicing.einvoicereceipt",
        "target_id": "12",
        "attempts": 0,
        "created_at": "2026-12-03T09:00:00Z",
        "started_at": None,
        "finished_at": None,
        "result": None,
        "receipt_id": 12,
    },
)
REFUSED = OpenApiExample(
    "Refused by the business rules",
    response_only=True,
    value={
        "id": 12,
        "filename": "RE-2026-001.xml",
        "syntax": "cii",
        "status": "refused",
        "invoice_id": None,
        "invoice_number": None,
        "errors": [
            {
                "code": "BR-CO-15",
                "message": "[BR-CO-15]-Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110).",
                "field": "BR-CO-15",
            }
        ],
        "created_at": "2026-12-03T09:00:00Z",
        "processed_at": "2026-12-03T09:00:02Z",
        "job": None,
    },
)
ACCEPTED = OpenApiExample(
    "Accepted: the invoice was submitted",
    response_only=True,
    value={
        **REFUSED.value,
        "filename": "RE-2026-001.pdf",
        "syntax": "factur-x",
        "status": "accepted",
        "invoice_id": 311,
        "invoice_number": "RE-2026-001",
        "errors": [],
    },
)


class EInvoiceReceiptSerializer(serializers.ModelSerializer):
    invoice_id = serializers.IntegerField(allow_null=True, read_only=True)
    invoice_number = serializers.CharField(source="invoice.number", default=None, allow_null=True, read_only=True)
    errors = serializers.ListField(
        child=serializers.DictField(),
        help_text="Why it was refused: {code, message, field}; field is a rule id (BR-CO-15, XSD) or an EN 16931 term (BG-25[2].BT-146 (unit_cost)).",
    )
    job = serializers.SerializerMethodField()

    class Meta:
        model = EInvoiceReceipt
        fields = ["id", "filename", "syntax", "status", "invoice_id", "invoice_number", "errors", "created_at", "processed_at", "job"]

    def get_job(self, obj) -> dict | None:
        job = receipt_job(obj)
        return JobSerializer(job).data if job else None


class EInvoiceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A Factur-X / ZUGFeRD PDF (EN 16931 profile) or a CII XML.")


class EInvoiceUploadJobSerializer(JobSerializer):
    receipt_id = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "receipt_id"]

    def get_receipt_id(self, obj) -> int:
        return int(obj.target_id)


class EInvoiceViewSet(ScopedGenericViewSet):
    queryset = EInvoiceReceipt.objects.all()
    serializer_class = EInvoiceReceiptSerializer
    actions = {"create": Action.MANAGE_INVOICES, "retrieve": Action.VIEW_INVOICES}

    parser_classes = [MultiPartParser, RawBodyParser]

    @extend_schema(
        tags=TAGS,
        summary="Send an e-invoice (Factur-X, CII or UBL)",
        description=(
            "A Factur-X / ZUGFeRD PDF (EN 16931), a bare CII XML or a UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0), "
            "as a multipart `file` or as the raw body (Content-Type text/xml, application/xml or application/pdf), at most "
            "10 MB (413 above). It is stored and received by a worker: the answer is 202 with the job "
            "(`Location: /api/v1/jobs/{id}/`). The worker validates the XML against its syntax's schema and the EN 16931 "
            "rules (UBL: the Peppol BIS 3 rules too), checks that the seller is you, and creates and submits the invoice through the same hard checks "
            "as every other door. Read the outcome at `/api/v1/invoices/e-invoices/{receipt_id}/`: `accepted` with the "
            "`invoice_id`, or `refused` with `errors`, each naming the rule id or the EN 16931 business term."
        ),
        request={"multipart/form-data": EInvoiceUploadSerializer, "text/xml": OpenApiTypes.STR},
        responses={
            202: EInvoiceUploadJobSerializer,
            400: documented_error(str(_("Empty, or no file in the multipart body.")), examples.EINVOICE_MISSING),
            403: documented_error(str(_("Your role or token scopes do not allow submitting invoices.")), examples.FORBIDDEN),
            413: documented_error(str(_("Larger than an e-invoice may be.")), examples.EINVOICE_TOO_LARGE),
            415: documented_error(str(_("Not a multipart file, XML or PDF.")), examples.EINVOICE_UNSUPPORTED),
        },
        examples=[UPLOAD_FILE, UPLOAD_XML, QUEUED],
    )
    def create(self, request):
        content, filename = read_upload(request, raw_types=RAW_TYPES, max_bytes=MAX_BYTES, messages=UPLOAD_MESSAGES)
        _receipt, job = einvoice_upload(scope=request.scope, content=content, filename=filename, actor=self.actor)
        response = Response(EInvoiceUploadJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/jobs/{job.pk}/"
        return response

    @extend_schema(
        tags=TAGS,
        summary="A received e-invoice and what became of it",
        responses={200: EInvoiceReceiptSerializer, 404: documented_error(str(_("No such receipt, or another vendor's.")), examples.NOT_FOUND)},
        examples=[ACCEPTED, REFUSED],
    )
    def retrieve(self, request, pk=None):
        return Response(EInvoiceReceiptSerializer(self.get_object()).data)


class InvoiceEInvoiceViewSet(ScopedGenericViewSet):
    queryset = Invoice.objects.all()
    actions = {"retrieve": Action.VIEW_INVOICES}

    @extend_schema(
        tags=TAGS,
        summary="A sent invoice or credit note as an e-invoice",
        description=(
            "`syntax=factur-x` (the default): the PDF/A-3 with its CII XML embedded as factur-x.xml (EN 16931 profile). "
            "`syntax=ubl`: a UBL 2.1 Invoice (a credit note as a CreditNote) in Peppol BIS Billing 3.0, checked against the UBL 2.1 "
            "schema, the CEN EN 16931 rules and the Peppol BIS 3 rules when it was issued; 409 when its data breaks a rule "
            "(each broken rule one error, `field` its rule id). 409 too while the invoice is a draft."
        ),
        parameters=[
            OpenApiParameter(
                "syntax",
                str,
                enum=["factur-x", "ubl"],
                description="factur-x (the default): PDF/A-3 with factur-x.xml embedded; ubl: UBL 2.1 Peppol BIS Billing 3.0 XML.",
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=str(_("The Factur-X PDF/A-3."))),
            (200, "application/xml"): OpenApiResponse(OpenApiTypes.BINARY, description=str(_("The UBL 2.1 Invoice or CreditNote."))),
            404: documented_error(str(_("No such invoice.")), examples.NOT_FOUND),
        },
    )
    def retrieve(self, request, pk=None):
        syntax = request.query_params.get("syntax", "factur-x")
        if syntax not in ("factur-x", "ubl"):
            raise DomainValidationError(_("Unknown syntax: factur-x and ubl are offered."), field="syntax")
        invoice = self.get_object()
        if syntax == "ubl":
            stored = invoice_ubl_document(scope=request.scope, invoice_id=invoice.pk, actor=self.actor)
            return document_response(stored, filename=ubl_filename(invoice), content_type="application/xml")
        stored = invoice_facturx(scope=request.scope, invoice_id=invoice.pk, actor=self.actor)
        return document_response(stored, filename=facturx_filename(invoice), content_type="application/pdf")
