"""EDI screens: the interchanges in and out with their status and problems, one interchange with its
sets and the 997 that answered it, and an upload form. All reads are scoped to the caller."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vendor_portal.decorators import portal_view
from vendor_portal.errors import PortalError
from vendor_portal.listing import keyset_page
from vendor_portal.models import AuditEvent, Channel
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404

from . import selectors
from .models import Direction, Interchange, InterchangeSource, InterchangeStatus, Syntax, TradingPartner
from .services.inbound import edi_limits, too_large_message
from .services.partners import retailer_gln, retailer_partner, trading_partner_create, trading_partner_set_active
from .services.uploads import edi_upload as edi_upload_queue
from .services.uploads import interchange_job

PAGE_SIZE = 50
SETS_PAGE_SIZE = 100


def interchange_download(interchange: Interchange) -> HttpResponse:
    """The raw X12 as an attachment, read from the database only now (lists and details never load it)."""
    content = Interchange.objects.filter(pk=interchange.pk).values_list("content", flat=True).get()
    response = HttpResponse(content, content_type="application/edi-x12; charset=utf-8")
    name = "".join(ch for ch in interchange.download_name if ch.isalnum() or ch in "._-") or "interchange.edi"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def page_number(value) -> int:
    """A ?page= number from the query; anything else is the first page."""
    return int(value) if str(value or "").isdigit() and 0 < int(value) < 10**6 else 1


class InterchangeFilterForm(forms.Form):
    direction = forms.ChoiceField(label=gettext_lazy("Direction"), choices=[("", gettext_lazy("All"))] + Direction.choices, required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=[("", gettext_lazy("All"))] + InterchangeStatus.choices, required=False)


class InterchangeUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("X12 file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        max_bytes, max_sets = edi_limits()
        self.fields["file"].help_text = _("One interchange (ISA ... IEA): 855, 856, 810 or 997; at most %(size)s and %(sets)s transaction sets.") % {
            "size": filesizeformat(max_bytes),
            "sets": max_sets,
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > edi_limits()[0]:
            raise forms.ValidationError(too_large_message(upload.size))
        return upload


@require_GET
@portal_view(Action.VIEW_PURCHASE_ORDERS)
def edi_interchange_list(request):
    form = InterchangeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    interchanges = selectors.interchange_list(scope=request.scope, direction=filters.get("direction", ""), status=filters.get("status", ""))
    page = keyset_page(interchanges, request.GET, page_size=PAGE_SIZE)
    return render(
        request,
        "edi/interchange_list.html",
        {
            "form": form,
            "page": page,
            "can_upload": request.scope.vendor is not None and request.scope.can(Action.EXCHANGE_EDI),
            "can_manage_partners": request.scope.can(Action.MANAGE_TOKENS),
        },
    )


@require_GET
@portal_view(Action.VIEW_PURCHASE_ORDERS)
def edi_interchange_detail(request, pk):
    """One interchange: its sets and problems a page at a time, the 997 answering it, and while a worker
    reads it, the job's progress."""
    interchange = get_visible_or_404(
        Interchange.objects.select_related("vendor", "partner", "acknowledgement", "duplicate_of").defer(
            *selectors.HEAVY_FIELDS, "acknowledgement__problems", "duplicate_of__content", "duplicate_of__problems"
        ),
        request.scope,
        pk=pk,
    )
    answered = selectors.interchange_summaries(Interchange.objects.visible_to(request.scope).filter(acknowledgement=interchange)).order_by("pk")
    processing = interchange.status == InterchangeStatus.RECEIVED
    return render(
        request,
        "edi/interchange_detail.html",
        {
            "interchange": interchange,
            "problem_page": selectors.interchange_problem_page(interchange=interchange, number=page_number(request.GET.get("problems_page"))),
            "transactions": Paginator(interchange.transactions.all(), SETS_PAGE_SIZE).get_page(page_number(request.GET.get("sets_page"))),
            "answers_to": answered,
            "job": interchange_job(interchange) if processing else None,
            "events": AuditEvent.objects.for_object(interchange).order_by("occurred_at")[:50],
        },
    )


@require_GET
@portal_view(Action.VIEW_PURCHASE_ORDERS)
def edi_interchange_progress(request, pk):
    """The fragment the detail page polls while a worker reads the interchange; once it is processed,
    htmx reloads the page to show the outcome."""
    interchange = get_visible_or_404(selectors.interchange_summaries(Interchange.objects.all()), request.scope, pk=pk)
    context = {"interchange": interchange, "job": interchange_job(interchange)}
    response = render(request, "edi/_interchange_progress.html", context)
    if interchange.status != InterchangeStatus.RECEIVED:
        response["HX-Refresh"] = "true"
    return response


@require_GET
@portal_view(Action.VIEW_PURCHASE_ORDERS)
def edi_interchange_raw(request, pk):
    return interchange_download(get_visible_or_404(selectors.interchange_summaries(Interchange.objects.all()), request.scope, pk=pk))


@require_http_methods(["GET", "POST"])
@portal_view(Action.EXCHANGE_EDI)
def edi_upload(request):
    if request.scope.vendor is None:
        messages.error(request, _("EDI files are sent by a vendor: switch to a vendor to upload."))
        return redirect("edi_interchange_list")
    form = InterchangeUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            interchange, _job = edi_upload_queue(
                scope=request.scope,
                content=upload.read(),
                actor=Actor.from_request(request, channel=Channel.EDI),
                source=InterchangeSource.WEB,
                filename=upload.name,
            )
        except PortalError as error:
            form.add_error("file", error.message)
        else:
            messages.info(request, _("The file was received. It is being read and applied; this page shows the progress."))
            return redirect("edi_interchange_detail", pk=interchange.pk)
    return render(request, "edi/interchange_upload.html", {"form": form})


class TradingPartnerForm(forms.Form):
    syntax = forms.ChoiceField(
        label=gettext_lazy("Syntax"),
        choices=Syntax.choices,
        initial=Syntax.X12,
        required=False,
        help_text=gettext_lazy("What the portal sends this partner."),
    )
    isa_qualifier = forms.CharField(
        label=gettext_lazy("ISA qualifier"),
        max_length=2,
        initial="ZZ",
        help_text=gettext_lazy("ISA05: ZZ mutually defined, 01 DUNS, 08 UCC EDI communications id, 12 phone."),
    )
    isa_id = forms.CharField(
        label=gettext_lazy("ISA id"), max_length=15, required=False, help_text=gettext_lazy("X12, ISA06: the id your EDI system sends from.")
    )
    gs_application_id = forms.CharField(
        label=gettext_lazy("GS application id"), max_length=15, required=False, help_text=gettext_lazy("GS02, when it differs from the ISA id.")
    )
    gln = forms.CharField(
        label=gettext_lazy("GLN"), max_length=13, required=False, help_text=gettext_lazy("EDIFACT, UNB sender: your 13-digit global location number.")
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False)

    def clean_syntax(self):
        return self.cleaned_data["syntax"] or Syntax.X12

    def clean(self):
        cleaned = super().clean()
        # Each syntax needs the identity its files are sent from: the ISA id for X12, the GLN for EDIFACT.
        needed = "gln" if cleaned.get("syntax") == Syntax.EDIFACT else "isa_id"
        if needed not in self.errors and not cleaned.get(needed):
            self.add_error(needed, forms.ValidationError(self.fields[needed].error_messages["required"], code="required"))
        return cleaned


@require_http_methods(["GET", "POST"])
@portal_view(Action.MANAGE_TOKENS)
def edi_partner_list(request):
    """The vendor's EDI identities: who may send files for it, and where its 850s and 997s go."""
    form = TradingPartnerForm(request.POST or None)
    if request.method == "POST":
        if request.scope.vendor is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                trading_partner_create(vendor=request.scope.vendor, actor=Actor.from_request(request), **form.cleaned_data)
            except PortalError as error:
                for item in error.as_error_list():
                    form.add_error(item["field"] if item.get("field") in form.fields else None, item["message"])
            else:
                messages.success(request, _("Trading partner %(id)s added.") % {"id": form.cleaned_data["isa_id"] or form.cleaned_data["gln"]})
                return redirect("edi_partner_list")
    partners = TradingPartner.objects.visible_to(request.scope).select_related("vendor").order_by("vendor__code", "isa_id")
    return render(
        request, "edi/trading_partner_list.html", {"form": form, "partners": partners, "retailer": retailer_partner(), "retailer_gln": retailer_gln()}
    )


@require_POST
@portal_view(Action.MANAGE_TOKENS)
def edi_partner_set_active(request, pk):
    partner = get_visible_or_404(TradingPartner, request.scope, pk=pk)
    is_active = request.POST.get("is_active") == "1"
    trading_partner_set_active(scope=request.scope, partner_id=partner.pk, is_active=is_active, actor=Actor.from_request(request))
    if is_active:
        messages.success(request, _("Trading partner %(id)s can send and receive EDI again.") % {"id": partner.isa_id})
    else:
        messages.success(request, _("Trading partner %(id)s is deactivated: its files are refused and no 850s are sent.") % {"id": partner.isa_id})
    return redirect("edi_partner_list")
