"""E-invoices on the API: a Factur-X PDF or CII XML sent (202 with the job that receives it), the receipt's
outcome, and a sent invoice issued as Factur-X."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from shipments.api.serializers import JobSerializer
from vendor_portal.api.base import ScopedGenericViewSet
from vendor_portal.api.errors import documented_error
from vendor_portal.downloads import document_response
from vendor_portal.errors import DomainValidationError
from vendor_portal.roles import Action

from ..models import EInvoiceReceipt, Invoice
from ..services.einvoices import MAX_BYTES, einvoice_upload, receipt_job
from ..services.facturx import facturx_filename, invoice_facturx
from . import examples

TAGS = ["Invoices"]
RAW_TYPES = {"application/pdf", "application/xml", "text/xml", "application/octet-stream"}


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

    def get_parsers(self):
        from rest_framework.parsers import BaseParser

        class RawParser(BaseParser):
            media_type = "*/*"

            def parse(self, stream, media_type=None, parser_context=None):
                return stream.read() if stream is not None else b""

        return [MultiPartParser(), RawParser()]

    @extend_schema(
        tags=TAGS,
        summary="Send a Factur-X / CII e-invoice",
        description=(
            "A Factur-X / ZUGFeRD PDF (EN 16931) or a bare CII XML, as the raw body (Content-Type application/pdf or "
            "application/xml) or as a multipart `file`, at most 10 MB. It is stored and received by a worker: the answer is "
            "202 with the job (`Location: /api/v1/jobs/{id}/`). The worker validates the XML against the Factur-X schema and "
            "EN 16931 rules, checks that the seller is you, and creates and submits the invoice through the same hard checks "
            "as every other door. Read the outcome at `/api/v1/invoices/e-invoices/{receipt_id}/`: `accepted` with the "
            "`invoice_id`, or `refused` with `errors`, each naming the rule id or the EN 16931 business term."
        ),
        request={"application/pdf": OpenApiTypes.BINARY, "application/xml": OpenApiTypes.STR, "multipart/form-data": EInvoiceUploadSerializer},
        responses={202: EInvoiceUploadJobSerializer, 400: documented_error(str(_("Empty or too large.")), examples.ERRORS)},
    )
    def create(self, request):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        filename = ""
        if content_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise DomainValidationError(_("Send the e-invoice in the multipart field 'file'."), field="file")
            if upload.size > MAX_BYTES:
                raise DomainValidationError(_("An e-invoice is at most %(n)s MB.") % {"n": MAX_BYTES // (1024 * 1024)}, field="file")
            content, filename = upload.read(), upload.name
        elif content_type in RAW_TYPES:
            content = request.body
        else:
            return Response(
                {"code": "unsupported_media_type", "message": str(_("Send a PDF or XML body, or a multipart file.")), "errors": []},
                status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        _receipt, job = einvoice_upload(scope=request.scope, content=content, filename=filename, actor=self.actor)
        response = Response(EInvoiceUploadJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/jobs/{job.pk}/"
        return response

    @extend_schema(tags=TAGS, summary="A received e-invoice and what became of it", responses={200: EInvoiceReceiptSerializer})
    def retrieve(self, request, pk=None):
        return Response(EInvoiceReceiptSerializer(self.get_object()).data)


class InvoiceEInvoiceViewSet(ScopedGenericViewSet):
    queryset = Invoice.objects.all()
    actions = {"retrieve": Action.VIEW_INVOICES}

    @extend_schema(
        tags=TAGS,
        summary="A sent invoice or credit note as an e-invoice",
        parameters=[OpenApiParameter("syntax", str, enum=["factur-x"], description="factur-x (the default): PDF/A-3 with factur-x.xml embedded.")],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            404: documented_error(str(_("No such invoice.")), examples.NOT_FOUND),
        },
    )
    def retrieve(self, request, pk=None):
        syntax = request.query_params.get("syntax", "factur-x")
        invoice = self.get_object()
        if syntax != "factur-x":
            raise DomainValidationError(_("Unknown syntax: factur-x is offered."), field="syntax")
        stored = invoice_facturx(scope=request.scope, invoice_id=invoice.pk, actor=self.actor)
        return document_response(stored, filename=facturx_filename(invoice), content_type="application/pdf")
