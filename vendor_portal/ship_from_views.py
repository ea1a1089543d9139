"""/settings/ship-from/: the vendor's ship-from addresses. Everyone at the vendor reads them (their codes are what
shipment confirmations name); vendor admins add, change and retire them through vendor_portal.services.ship_from."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.confirmation import confirm_first
from vendor_portal.decorators import portal_view
from vendor_portal.errors import PortalError
from vendor_portal.forms import ShipFromAddressForm
from vendor_portal.models import AuditEvent, ShipFromAddress
from vendor_portal.roles import Action
from vendor_portal.services import ship_from as services
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import get_visible_or_404


def _vendor_scope(request):
    if request.scope.vendor is None:  # the retailer's people see a shipment's ship-from on the shipment itself
        raise PermissionDenied
    return request.scope


def _form_errors(form, error: PortalError) -> None:
    for item in error.as_error_list():
        form.add_error(item["field"] if item["field"] in form.fields else None, item["message"])


@portal_view(Action.VIEW_SHIPMENTS)
def ship_from_list(request):
    scope = _vendor_scope(request)
    may_manage = scope.can(Action.MANAGE_SHIP_FROM)
    form = ShipFromAddressForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                address = services.ship_from_address_create(scope=scope, actor=Actor.from_request(request), **form.cleaned_data)
            except PortalError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Ship-from address %(code)s added: shipment confirmations can name it now.") % {"code": address.code})
                return redirect("ship_from_list")
    addresses = ShipFromAddress.objects.visible_to(scope).order_by("retired_at", "code")
    return render(request, "vendor_portal/ship_from_list.html", {"addresses": addresses, "form": form, "may_manage": may_manage})


@portal_view(Action.VIEW_SHIPMENTS)
def ship_from_detail(request, pk):
    scope = _vendor_scope(request)
    address = get_visible_or_404(ShipFromAddress, scope, pk=pk)
    may_manage = scope.can(Action.MANAGE_SHIP_FROM) and not address.is_retired
    form = None
    if may_manage:
        initial = {name: getattr(address, name) for name in ShipFromAddress.EDITABLE_FIELDS}
        form = ShipFromAddressForm(request.POST or None, initial=initial, code_fixed=True)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.ship_from_address_update(scope=scope, address_id=address.pk, actor=Actor.from_request(request), **form.cleaned_data)
            except PortalError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Ship-from address %(code)s saved.") % {"code": address.code})
                return redirect("ship_from_detail", pk=address.pk)
    events = AuditEvent.objects.visible_to(scope).for_object(address)[:50] if scope.can(Action.VIEW_AUDIT) else None
    context = {"address": address, "form": form, "may_manage": may_manage, "events": events}
    return render(request, "vendor_portal/ship_from_detail.html", context)


@portal_view(Action.MANAGE_SHIP_FROM)
@require_POST
def ship_from_retire(request, pk):
    scope = _vendor_scope(request)
    address = get_visible_or_404(ShipFromAddress, scope, pk=pk)
    unconfirmed = confirm_first(
        request,
        question=_("Retire the ship-from address %(address)s?") % {"address": address},
        consequence=_(
            "Shipments that left from it keep it, but no new ship plan or shipment confirmation can name code %(code)s, "
            "and the code cannot be used again. Retiring cannot be undone."
        )
        % {"code": address.code},
        confirm_label=_("Yes, retire it"),
        cancel_url=reverse("ship_from_detail", kwargs={"pk": address.pk}),
        danger=True,
    )
    if unconfirmed is not None:
        return unconfirmed
    try:
        services.ship_from_address_retire(scope=scope, address_id=address.pk, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Ship-from address %(code)s retired: new shipments can no longer name it.") % {"code": address.code})
    return redirect("ship_from_detail", pk=address.pk)
