"""Vendor finance's invoice screens (and accounts payable's decisions). Every write calls invoicing.services."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.audit_text import money
from vendor_portal.confirmation import confirm_first
from vendor_portal.decorators import portal_view
from vendor_portal.downloads import DocumentFileMissing, document_response
from vendor_portal.errors import NotFoundError, PortalError
from vendor_portal.listing import keyset_page
from vendor_portal.navigation import detail_panels_for
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404

from .forms import (
    TAX_RATES_LIST,
    ChargeFormSet,
    InvoiceHeaderForm,
    InvoiceListFilter,
    LineFormSet,
    PickPurchaseOrderForm,
    PickShipmentForm,
    RetailerDecisionForm,
    TaxFormSet,
    form_errors,
    input_from_forms,
    place_errors,
)
from .models import SENT_STATES, Invoice, InvoiceState, InvoiceType
from .selectors import invoice_audit_trail, invoice_detail, invoice_list, purchase_orders_to_invoice, shipments_to_invoice
from .services.checks import invoice_preflight, invoice_preflight_draft
from .services.credit_notes import credit_note_create
from .services.decisions import invoice_decide
from .services.document import InvoiceDocument
from .services.drafts import invoice_delete_draft, invoice_update
from .services.flips import invoice_from_purchase_order, invoice_from_shipment
from .services.pdf import invoice_document
from .services.submission import invoice_return_to_draft, invoice_submit
from .services.ubl import EInvoiceRefused, invoice_ubl_document, ubl_filename
from .taxes import taxes_for

PAGE_SIZE = 50


@portal_view(Action.VIEW_INVOICES)
def invoice_list_view(request):
    params = request.GET.copy()
    params.pop("cursor", None)
    filterset = InvoiceListFilter(data=params or None, queryset=Invoice.objects.visible_to(request.scope), scope=request.scope)
    if filterset.is_bound and not filterset.is_valid():
        # Each wrong value is shown next to its filter; the list stays unfiltered rather than failing.
        invoices = invoice_list(scope=request.scope, params={})
    else:
        invoices = invoice_list(scope=request.scope, params=params, filterset=filterset)
    page = keyset_page(invoices, request.GET, page_size=PAGE_SIZE)
    can_manage = request.scope.can(Action.MANAGE_INVOICES) and not request.scope.is_retailer
    return render(
        request,
        "invoicing/invoice_list.html",
        {"page": page, "filterset": filterset, "is_filtered": bool(params), "can_manage": can_manage},
    )


@portal_view(Action.MANAGE_INVOICES)
def invoice_new_from_po(request):
    form = PickPurchaseOrderForm(request.POST or request.GET or None)
    if request.method == "POST" and form.is_valid():
        try:
            invoice = invoice_from_purchase_order(
                scope=request.scope, po_number=form.cleaned_data["po_number"], number=form.cleaned_data["number"], actor=Actor.from_request(request)
            )
        except PortalError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Draft %(n)s created from the purchase order. Check it, then submit.") % {"n": invoice.number})
            return redirect("invoice_edit", pk=invoice.pk)
    purchase_orders = purchase_orders_to_invoice(scope=request.scope)[:100]
    return render(request, "invoicing/invoice_new.html", {"form": form, "purchase_orders": purchase_orders, "source": "po"})


ASN_PICKER_SIZE = 100


@portal_view(Action.MANAGE_INVOICES)
def invoice_new_from_asn(request):
    """Pick one of the vendor's un-invoiced ASNs (searchable, with its value) and flip it into a draft."""
    form = PickShipmentForm(request.POST or None, initial={"shipment_id": request.GET.get("shipment")})
    if request.method == "POST" and form.is_valid():
        try:
            invoice = invoice_from_shipment(
                scope=request.scope,
                shipment_id=form.cleaned_data["shipment_id"],
                number=form.cleaned_data["number"],
                actor=Actor.from_request(request),
            )
        except PortalError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Draft %(n)s created from the ASN. Check it, then submit.") % {"n": invoice.number})
            return redirect("invoice_edit", pk=invoice.pk)
    search = (request.GET.get("q") or "").strip()[:40]
    shipments = list(shipments_to_invoice(scope=request.scope, search=search)[: ASN_PICKER_SIZE + 1])
    chosen = str(form["shipment_id"].value() or "")
    return render(
        request,
        "invoicing/invoice_new.html",
        {
            "form": form,
            "shipments": shipments[:ASN_PICKER_SIZE],
            "more_shipments": len(shipments) > ASN_PICKER_SIZE,
            "search": search,
            "chosen": chosen,
            "source": "asn",
        },
        status=400 if form.errors else 200,
    )


def _form_errors(form, error: PortalError) -> None:
    for item in error.as_error_list():
        form.add_error(item["field"] if item["field"] in form.fields else None, item["message"])


def _detail_context(request, invoice: Invoice) -> dict:
    document = InvoiceDocument(invoice, list(invoice.lines.all()), list(invoice.charges.all()), list(invoice.taxes.all()))
    preflight = (
        invoice_preflight(scope=request.scope, invoice=document) if invoice.state in (InvoiceState.DRAFT, InvoiceState.PENDING_APPROVAL) else None
    )
    scope = request.scope
    return {
        "invoice": invoice,
        "doc": document,
        "preflight": preflight,
        "events": invoice_audit_trail(invoice),
        "can_manage": scope.can(Action.MANAGE_INVOICES) and not scope.is_retailer,
        "can_decide": scope.is_retailer
        and scope.can(Action.RUN_PAYMENTS)
        and invoice.state not in (InvoiceState.DRAFT, InvoiceState.PENDING_APPROVAL)
        and bool(RetailerDecisionForm(invoice=invoice).decisions),
        "decision_form": RetailerDecisionForm(invoice=invoice),
        "can_credit": invoice.invoice_type == InvoiceType.INVOICE and invoice.state in SENT_STATES,
        "sent_states": [str(state) for state in SENT_STATES],
        "approval_decided": invoice.approval_request is not None and invoice.approval_request.status != "pending",
        "credit_notes": invoice.credit_notes.all() if invoice.invoice_type == InvoiceType.INVOICE else [],
        "panels": detail_panels_for("invoice", request, scope, invoice),
    }


@portal_view(Action.VIEW_INVOICES)
def invoice_detail_view(request, pk):
    invoice = _get_invoice(request, pk)
    return render(request, "invoicing/invoice_detail.html", _detail_context(request, invoice))


def _get_invoice(request, pk) -> Invoice:
    try:
        return invoice_detail(scope=request.scope, invoice_id=pk)
    except NotFoundError:
        raise Http404 from None


def _edit_forms(request, invoice: Invoice, data=None):
    lines = list(invoice.lines.all())
    marketplace = {"marketplace": invoice.marketplace.code}
    header = InvoiceHeaderForm(
        data,
        credit_note=invoice.is_credit_note,
        prefix="h",
        initial={
            "number": invoice.number,
            "invoice_date": invoice.invoice_date,
            "payment_terms": invoice.payment_terms,
            "credit_reason": invoice.credit_reason,
            "credit_reference": invoice.credit_reference,
            "derive_taxes": True,
        },
    )
    line_formset = LineFormSet(
        data,
        form_kwargs=marketplace,
        prefix="lines",
        initial=[
            {
                "sequence": line.sequence,
                "purchase_order_number": line.purchase_order_number,
                "po_line_sequence": line.purchase_order_line.sequence if line.purchase_order_line_id else None,
                "asin": line.asin,
                "vendor_sku": line.vendor_sku,
                "quantity": line.quantity,
                "unit_cost": line.unit_cost,
                "tax_type": line.tax_type,
                "tax_rate": line.tax_rate or None,
                "credited_line": line.credited_line_id,
                "line_amount": line.line_amount,
            }
            for line in lines
        ],
    )
    charge_formset = ChargeFormSet(
        data,
        form_kwargs=marketplace,
        prefix="charges",
        initial=[
            {
                "kind": c.kind,
                "charge_type": c.charge_type,
                "description": c.description,
                "amount": c.amount,
                "tax_type": c.tax_type,
                "tax_rate": c.tax_rate or None,
            }
            for c in invoice.charges.all()
        ],
    )
    tax_formset = TaxFormSet(
        data,
        form_kwargs=marketplace,
        prefix="taxes",
        initial=[
            {
                "tax_type": t.tax_type,
                "rate": t.rate,
                "taxable_amount": t.taxable_amount,
                "amount": t.amount,
            }
            for t in invoice.taxes.all()
        ],
    )
    return header, line_formset, charge_formset, tax_formset


@portal_view(Action.MANAGE_INVOICES)
def invoice_edit(request, pk):
    invoice = _get_invoice(request, pk)
    if not invoice.is_editable:
        messages.error(
            request,
            _("Invoice %(n)s is %(state)s: only a draft can be changed.") % {"n": invoice.number, "state": invoice.get_state_display().lower()},
        )
        return redirect("invoice_detail", pk=invoice.pk)
    header, lines, charges, taxes = _edit_forms(request, invoice, request.POST if request.method == "POST" else None)
    preflight = None
    if request.method == "POST":
        valid = all([header.is_valid(), lines.is_valid(), charges.is_valid(), taxes.is_valid()])
        if valid:
            data = input_from_forms(header, lines, charges, taxes)
            check_only = "preflight" in request.POST
            try:
                if check_only:
                    preflight = invoice_preflight_draft(scope=request.scope, data=data, invoice=invoice)
                    place_errors(preflight["problems"], header)
                else:
                    invoice_update(scope=request.scope, invoice_id=invoice.pk, data=data, actor=Actor.from_request(request))
            except PortalError as error:
                place_errors(error.field_errors(), header)
                messages.error(request, error.message)
            else:
                if not check_only:
                    if "submit" in request.POST:
                        if request.POST.get("confirmed") == "yes":  # confirmed in the browser already
                            # The submission's own message says what happened (sent, or waiting for approval).
                            return _submit(request, invoice)
                        return redirect("invoice_submit", pk=invoice.pk)  # saved; submitting is confirmed on its own page
                    messages.success(request, _("Draft saved."))
                    return redirect("invoice_edit", pk=invoice.pk)
    else:
        preflight = invoice_preflight(scope=request.scope, invoice=invoice)
    context = {
        "invoice": invoice,
        "header": header,
        "lines": lines,
        "charges": charges,
        "taxes": taxes,
        "preflight": preflight,
        "tax_rates": taxes_for(invoice.marketplace.code).rates,
        "tax_rates_list": TAX_RATES_LIST,
    }
    if request.htmx and "preflight" in request.POST:
        context["form_errors"] = form_errors(header, lines, charges, taxes)
        return render(request, "invoicing/invoice_preflight.html", context)
    return render(request, "invoicing/invoice_edit.html", context)


def _submit(request, invoice):
    try:
        invoice = invoice_submit(scope=request.scope, invoice_id=invoice.pk, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
        for item in error.as_error_list():
            if item["message"] != error.message:
                messages.error(request, f"{item['field'] or ''}: {item['message']}".lstrip(": "))
        return (
            redirect("invoice_edit", pk=invoice.pk)
            if Invoice.objects.filter(pk=invoice.pk, state=InvoiceState.DRAFT).exists()
            else redirect("invoice_detail", pk=invoice.pk)
        )
    if invoice.state == InvoiceState.PENDING_APPROVAL:
        messages.info(
            request,
            _(
                "Invoice %(n)s is waiting for approval: its total %(total)s is above your approval threshold of %(limit)s, so a second person must approve it before it is sent."
            )
            % {
                "n": invoice.number,
                "total": money(invoice.grand_total, invoice.currency),
                "limit": money(invoice.vendor.invoice_approval_threshold),
            },
        )
    else:
        messages.success(request, _("Invoice %(n)s submitted.") % {"n": invoice.number})
    return redirect("invoice_detail", pk=invoice.pk)


@portal_view(Action.MANAGE_INVOICES)
def invoice_submit_view(request, pk):
    """GET, or a POST without the confirmation: what submitting does, to confirm. A confirmed POST submits."""
    invoice = get_visible_or_404(Invoice, request.scope, pk=pk)
    if invoice.state != InvoiceState.DRAFT and request.method != "POST":
        return redirect("invoice_detail", pk=invoice.pk)
    if invoice.grand_total > invoice.vendor.invoice_approval_threshold:
        consequence = _("Above your approval threshold of %(limit)s: it goes to a second person, who approves it before the retailer gets it.")
    else:
        consequence = _("The retailer gets it at once. A submitted invoice can no longer be edited, only corrected by a credit note.")
    unconfirmed = confirm_first(
        request,
        question=_("Submit %(type)s %(n)s?") % {"type": invoice.get_invoice_type_display().lower(), "n": invoice.number},
        consequence=consequence % {"limit": money(invoice.vendor.invoice_approval_threshold, invoice.currency)},
        details=[(_("Total"), money(invoice.grand_total, invoice.currency)), (_("Lines"), invoice.lines.count())],
        confirm_label=_("Yes, submit"),
        cancel_url=reverse("invoice_edit", args=[invoice.pk]),
    )
    if unconfirmed is not None:
        return unconfirmed
    return _submit(request, invoice)


@portal_view(Action.MANAGE_INVOICES)
@require_POST
def invoice_return_to_draft_view(request, pk):
    invoice = get_visible_or_404(Invoice, request.scope, pk=pk)
    try:
        invoice_return_to_draft(scope=request.scope, invoice_id=invoice.pk, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
    return redirect("invoice_detail", pk=invoice.pk)


@portal_view(Action.MANAGE_INVOICES)
@require_POST
def invoice_credit_note_view(request, pk):
    original = get_visible_or_404(Invoice, request.scope, pk=pk)
    try:
        credit = credit_note_create(
            scope=request.scope,
            reference_invoice_id=original.pk,
            actor=Actor.from_request(request),
            reason=request.POST.get("reason") or "quantity_correction",
        )
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("invoice_detail", pk=original.pk)
    messages.success(
        request, _("Credit note %(n)s drafted with every line of %(o)s: trim it to what you credit.") % {"n": credit.number, "o": original.number}
    )
    return redirect("invoice_edit", pk=credit.pk)


@portal_view(Action.MANAGE_INVOICES)
@require_POST
def invoice_delete_view(request, pk):
    invoice = get_visible_or_404(Invoice, request.scope, pk=pk)
    try:
        invoice_delete_draft(scope=request.scope, invoice_id=invoice.pk, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("invoice_detail", pk=invoice.pk)
    messages.success(request, _("Draft deleted."))
    return redirect("invoice_list")


@portal_view(Action.RUN_PAYMENTS)
@require_POST
def invoice_decide_view(request, pk):
    invoice = get_visible_or_404(Invoice, request.scope, pk=pk)
    form = RetailerDecisionForm(request.POST, invoice=invoice)
    if not form.is_valid():
        messages.error(request, _("Invoice %(n)s cannot move to that state from where it is.") % {"n": invoice.number})
    else:
        try:
            invoice_decide(scope=request.scope, invoice_id=invoice.pk, actor=Actor.from_request(request), **form.cleaned_data)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Decision recorded."))
    return redirect("invoice_detail", pk=invoice.pk)


@portal_view(Action.VIEW_INVOICES)
def invoice_pdf(request, pk):
    invoice = get_visible_or_404(Invoice, request.scope, pk=pk)
    stored = invoice_document(scope=request.scope, invoice_id=invoice.pk, actor=Actor.from_request(request))
    try:
        return document_response(stored, filename=f"{invoice.number}.pdf", content_type="application/pdf")
    except DocumentFileMissing as error:  # the row is there, its file is gone: a 404 that says so
        messages.error(request, error.message)
        return render(request, "404.html", status=404)


@portal_view(Action.VIEW_INVOICES)
def invoice_ubl(request, pk):
    """The UBL 2.1 (Peppol BIS Billing 3.0) file of a submitted invoice or credit note."""
    invoice = get_visible_or_404(Invoice, request.scope, pk=pk)
    try:
        stored = invoice_ubl_document(scope=request.scope, invoice_id=invoice.pk, actor=Actor.from_request(request))
        return document_response(stored, filename=ubl_filename(invoice), content_type="application/xml")
    except EInvoiceRefused as refused:
        messages.error(request, refused.message)
        for error in refused.errors:
            messages.error(request, error.message)
    except PortalError as error:
        messages.error(request, error.message)
    except DocumentFileMissing as error:
        messages.error(request, error.message)
    return redirect("invoice_detail", pk=invoice.pk)


def approval_review(request, scope, approval) -> dict | None:
    """The checker's view of an invoice waiting for approval: its totals, lines and the pre-flight match."""
    invoice = Invoice.objects.visible_to(scope).filter(pk=approval.payload.get("invoice_id")).first()
    if invoice is None:
        return None
    document = InvoiceDocument(invoice, list(invoice.lines.all()), list(invoice.charges.all()), list(invoice.taxes.all()))
    preflight = invoice_preflight(scope=scope, invoice=document) if invoice.state in (InvoiceState.DRAFT, InvoiceState.PENDING_APPROVAL) else None
    return {"invoice": invoice, "doc": document, "preflight": preflight, "threshold": invoice.vendor.invoice_approval_threshold}
