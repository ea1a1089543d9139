"""EDI screens: the interchanges in and out with their status and problems, one interchange with its
sets and the 997 that answered it, and an upload form. All reads are scoped to the caller."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
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
from .models import MAX_INTERCHANGE_BYTES, Direction, Interchange, InterchangeSource, InterchangeStatus, TradingPartner
from .services.inbound import edi_receive
from .services.partners import retailer_partner, trading_partner_create, trading_partner_set_active

PAGE_SIZE = 50


def interchange_download(interchange: Interchange) -> HttpResponse:
    response = HttpResponse(interchange.content, content_type="application/edi-x12; charset=utf-8")
    name = "".join(ch for ch in interchange.download_name if ch.isalnum() or ch in "._-") or "interchange.edi"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class InterchangeFilterForm(forms.Form):
    direction = forms.ChoiceField(label=gettext_lazy("Direction"), choices=[("", gettext_lazy("All"))] + Direction.choices, required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=[("", gettext_lazy("All"))] + InterchangeStatus.choices, required=False)


class InterchangeUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("X12 file"), help_text=gettext_lazy("One interchange (ISA ... IEA): 855, 856, 810 or 997. At most 5 MB.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_INTERCHANGE_BYTES:
            raise forms.ValidationError(_("An interchange may be at most %(max)s bytes.") % {"max": MAX_INTERCHANGE_BYTES})
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
    interchange = get_visible_or_404(Interchange.objects.select_related("vendor", "partner", "acknowledgement", "duplicate_of"), request.scope, pk=pk)
    answered = Interchange.objects.visible_to(request.scope).filter(acknowledgement=interchange).order_by("pk")
    return render(
        request,
        "edi/interchange_detail.html",
        {
            "interchange": interchange,
            "transactions": interchange.transactions.all(),
            "answers_to": answered,
            "events": AuditEvent.objects.for_object(interchange).order_by("occurred_at")[:50],
        },
    )


@require_GET
@portal_view(Action.VIEW_PURCHASE_ORDERS)
def edi_interchange_raw(request, pk):
    return interchange_download(get_visible_or_404(Interchange, request.scope, pk=pk))


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
            interchange = edi_receive(
                vendor=request.scope.vendor,
                content=upload.read(),
                actor=Actor.from_request(request, channel=Channel.EDI),
                source=InterchangeSource.WEB,
                filename=upload.name,
                scope=request.scope,
            )
        except PortalError as error:
            form.add_error("file", error.message)
        else:
            if interchange.status == InterchangeStatus.REJECTED:
                messages.error(request, _("The interchange was rejected: nothing was applied. The problems are listed below."))
            elif interchange.status == InterchangeStatus.PARTIALLY_ACCEPTED:
                messages.warning(request, _("Some transaction sets were rejected; the others were applied."))
            else:
                messages.success(request, _("The interchange was accepted and applied."))
            return redirect("edi_interchange_detail", pk=interchange.pk)
    return render(request, "edi/interchange_upload.html", {"form": form})


class TradingPartnerForm(forms.Form):
    isa_qualifier = forms.CharField(
        label=gettext_lazy("ISA qualifier"),
        max_length=2,
        initial="ZZ",
        help_text=gettext_lazy("ISA05: ZZ mutually defined, 01 DUNS, 08 UCC EDI communications id, 12 phone."),
    )
    isa_id = forms.CharField(label=gettext_lazy("ISA id"), max_length=15, help_text=gettext_lazy("ISA06: the id your EDI system sends from."))
    gs_application_id = forms.CharField(
        label=gettext_lazy("GS application id"), max_length=15, required=False, help_text=gettext_lazy("GS02, when it differs from the ISA id.")
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False)


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
                messages.success(request, _("Trading partner %(id)s added.") % {"id": form.cleaned_data["isa_id"]})
                return redirect("edi_partner_list")
    partners = TradingPartner.objects.visible_to(request.scope).select_related("vendor").order_by("vendor__code", "isa_id")
    return render(request, "edi/trading_partner_list.html", {"form": form, "partners": partners, "retailer": retailer_partner()})


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
