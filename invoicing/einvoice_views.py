"""E-invoice screens: a Factur-X PDF or CII XML uploaded (the worker receives it; the receipt's page shows the
progress and then the invoice or every reason it was refused), and a sent invoice downloaded as Factur-X."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from vendor_portal.decorators import portal_view
from vendor_portal.downloads import DocumentFileMissing, document_response
from vendor_portal.errors import PortalError
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404

from .models import EInvoiceReceipt, EInvoiceReceiptStatus, Invoice
from .services.einvoices import MAX_BYTES, einvoice_upload, receipt_job, too_large_message
from .services.facturx import facturx_filename, invoice_facturx


class EInvoiceUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("E-invoice file"),
        help_text=gettext_lazy("A Factur-X / ZUGFeRD PDF (EN 16931 profile) or a CII XML file, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.xml,application/pdf,application/xml,text/xml"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(too_large_message(upload.size))
        return upload


@require_http_methods(["GET", "POST"])
@portal_view(Action.MANAGE_INVOICES)
def einvoice_upload_view(request):
    if request.scope.vendor is None:
        messages.error(request, _("E-invoices are sent by a vendor: switch to a vendor to upload."))
        return redirect("invoice_list")
    form = EInvoiceUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            receipt, _job = einvoice_upload(scope=request.scope, content=upload.read(), filename=upload.name, actor=Actor.from_request(request))
        except PortalError as error:
            form.add_error("file", error.message)
        else:
            messages.info(request, _("The file was received. It is being checked and submitted; this page shows the progress."))
            return redirect("einvoice_receipt", pk=receipt.pk)
    return render(request, "invoicing/einvoice_upload.html", {"form": form})


def _receipt_context(request, pk) -> dict:
    receipt = get_visible_or_404(EInvoiceReceipt.objects.defer("content").select_related("invoice"), request.scope, pk=pk)
    return {"receipt": receipt, "job": receipt_job(receipt), "waiting": receipt.status == EInvoiceReceiptStatus.RECEIVED}


@require_GET
@portal_view(Action.VIEW_INVOICES)
def einvoice_receipt_view(request, pk):
    return render(request, "invoicing/einvoice_receipt.html", _receipt_context(request, pk))


@require_GET
@portal_view(Action.VIEW_INVOICES)
def einvoice_receipt_progress(request, pk):
    response = render(request, "invoicing/_einvoice_progress.html", _receipt_context(request, pk))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@portal_view(Action.VIEW_INVOICES)
def invoice_facturx_view(request, pk):
    invoice = get_visible_or_404(Invoice, request.scope, pk=pk)
    try:
        stored = invoice_facturx(scope=request.scope, invoice_id=invoice.pk, actor=Actor.from_request(request))
        return document_response(stored, filename=facturx_filename(invoice), content_type="application/pdf")
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("invoice_detail", pk=invoice.pk)
    except DocumentFileMissing as error:
        messages.error(request, error.message)
        return render(request, "404.html", status=404)
