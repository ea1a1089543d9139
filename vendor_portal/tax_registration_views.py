"""/settings/tax-registrations/: the vendor's tax registration in each marketplace, as its invoices and e-invoices
state it. Everyone at the vendor who sees invoices reads it; vendor admins change it, after a confirmation, through
vendor_portal.services.tax_registrations. The vendor code beside it is the retailer's to assign."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vendor_portal.confirmation import confirm_first
from vendor_portal.decorators import portal_view
from vendor_portal.errors import PortalError
from vendor_portal.forms import TaxRegistrationForm
from vendor_portal.models import AuditEvent, VendorAccount
from vendor_portal.roles import Action
from vendor_portal.services import tax_registrations as services
from vendor_portal.services.audit import Actor
from vendor_portal.tax_ids import needs_vat_id
from vendor_portal.tenancy import get_visible_or_404


def _vendor_scope(request):
    if request.scope.vendor is None:  # the retailer's people keep them in the Django admin
        raise PermissionDenied
    return request.scope


def _accounts(scope):
    return VendorAccount.objects.visible_to(scope).select_related("marketplace").order_by("marketplace__code")


def _rows(accounts):
    return [{"account": account, "needs_vat_id": needs_vat_id(account.marketplace.country_code)} for account in accounts]


@portal_view(Action.VIEW_INVOICES)
def tax_registration_list(request):
    scope = _vendor_scope(request)
    context = {"rows": _rows(_accounts(scope)), "may_manage": scope.can(Action.MANAGE_TAX_REGISTRATIONS)}
    return render(request, "vendor_portal/tax_registration_list.html", context)


@portal_view(Action.VIEW_INVOICES)
def tax_registration_detail(request, pk):
    scope = _vendor_scope(request)
    account = get_visible_or_404(_accounts(scope), scope, pk=pk)
    may_manage = scope.can(Action.MANAGE_TAX_REGISTRATIONS)
    if request.method == "POST" and not may_manage:
        raise PermissionDenied
    form = None
    if may_manage:
        form = TaxRegistrationForm(request.POST or None, initial={"tax_registration_number": account.tax_registration_number}, account=account)
    if request.method == "POST" and form.is_valid():
        response = _change(request, scope, account, form)
        if response is not None:
            return response
    events = AuditEvent.objects.visible_to(scope).for_object(account)[:50] if scope.can(Action.VIEW_AUDIT) else None
    context = {
        "account": account,
        "needs_vat_id": needs_vat_id(account.marketplace.country_code),
        "form": form,
        "may_manage": may_manage,
        "events": events,
    }
    return render(request, "vendor_portal/tax_registration_detail.html", context)


def _change(request, scope, account, form):
    """Check the new value, ask for confirmation with it as it will be stored, then change it. None: show the form again."""
    try:
        value = services.tax_registration_clean(account=account, value=form.cleaned_data["tax_registration_number"])
    except PortalError as error:
        for item in error.as_error_list():
            form.add_error("tax_registration_number" if item["field"] == "tax_registration_number" else None, item["message"])
        return None
    if value == account.tax_registration_number:
        messages.info(request, _("The tax registration in %(marketplace)s is already %(value)s: nothing changed.") % _facts(account, value))
        return redirect("tax_registration_list")
    if value:
        question = _("Change your tax registration in %(marketplace)s to %(value)s?") % _facts(account, value)
    else:
        question = _("Remove your tax registration in %(marketplace)s?") % _facts(account, value)
    consequence = _(
        "Invoices you make from now on in %(marketplace)s state the new registration, and so do their e-invoices and your drafts there. "
        "Invoices already submitted (or waiting for approval) keep the registration they were made with. The retailer's accounts payable are told."
    ) % _facts(account, value)
    if not value and needs_vat_id(account.marketplace.country_code):
        consequence += " " + _("Without a VAT id, e-invoices (Factur-X, UBL) cannot be issued in this marketplace.")
    unconfirmed = confirm_first(
        request,
        question=question,
        consequence=consequence,
        confirm_label=_("Yes, change it"),
        cancel_url=reverse("tax_registration_detail", kwargs={"pk": account.pk}),
        details=[(_("Now"), account.tax_registration_number or _("None")), (_("New"), value or _("None"))],
    )
    if unconfirmed is not None:
        return unconfirmed
    try:
        services.tax_registration_change(scope=scope, account_id=account.pk, tax_registration_number=value, actor=Actor.from_request(request))
    except PortalError as error:
        form.add_error(None, error.message)
        return None
    messages.success(request, _("Tax registration in %(marketplace)s saved: new invoices state %(value)s.") % _facts(account, value or _("none")))
    return redirect("tax_registration_list")


def _facts(account, value) -> dict:
    return {"marketplace": account.marketplace.name, "value": value}
