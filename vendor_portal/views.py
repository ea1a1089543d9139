import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.confirmation import confirm_first
from vendor_portal.decorators import fresh_second_factor, portal_view
from vendor_portal.errors import NotFoundError, PortalError
from vendor_portal.forms import ApiTokenForm, ApprovalDecisionForm, AuditFilterForm, BankDetailsForm, TimeZoneForm
from vendor_portal.listing import keyset_page
from vendor_portal.models import ApiToken, ApprovalRequest, ApprovalStatus, BankDetails, InvitationStatus, MembershipInvitation, Notification, Product
from vendor_portal.navigation import detail_panels_for, needs_me_for
from vendor_portal.roles import Action
from vendor_portal.selectors import approvals_waiting_for, audit_event_list, member_marketplaces, product_search, vendor_members
from vendor_portal.services.approvals import APPROVAL_KINDS, approval_cancel, approval_decide, checker_refusal
from vendor_portal.services.audit import Actor
from vendor_portal.services.notifications import notification_mark_read
from vendor_portal.services.preferences import time_zone_choose
from vendor_portal.services.tokens import api_token_create, api_token_revoke
from vendor_portal.services.vendors import BANK_CHANGE, bank_details_change_request
from vendor_portal.tenancy import get_visible_or_404

PAGE_SIZE = 50


@portal_view()
def home(request):
    return render(request, "vendor_portal/home.html", {"cards": needs_me_for(request, request.scope)})


@portal_view()
@require_POST
def switch_vendor(request):
    try:
        vendor_id = int(request.POST.get("vendor_id", ""))
    except ValueError:
        vendor_id = None
    if vendor_id not in request.scope.vendor_ids:
        raise Http404
    request.session["active_vendor_id"] = vendor_id
    return redirect("home")


# Message centre ---------------------------------------------------------------------------------
@portal_view()
def message_list(request):
    notifications = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    if request.GET.get("unread"):
        notifications = notifications.filter(read_at__isnull=True)
    page = keyset_page(notifications, request.GET, page_size=PAGE_SIZE)
    return render(request, "vendor_portal/message_list.html", {"page": page, "only_unread": bool(request.GET.get("unread"))})


@portal_view()
@require_POST
def message_open(request, pk):
    notification = Notification.objects.filter(user=request.user, pk=pk).first()
    if notification is None:
        raise Http404
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    target = notification.url or reverse("message_list")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("message_list")
    return HttpResponseRedirect(target)


@portal_view()
@require_POST
def message_mark_all_read(request):
    count = notification_mark_read(user=request.user)
    messages.success(request, _("%(count)d message(s) marked as read.") % {"count": count})
    return redirect("message_list")


# Maker/checker ----------------------------------------------------------------------------------
@portal_view()
def approval_list(request):
    scope = request.scope
    waiting = approvals_waiting_for(user=request.user, scope=scope).select_related("requested_by")
    mine = ApprovalRequest.objects.visible_to(scope).filter(requested_by=request.user).select_related("decided_by")[:50]
    return render(request, "vendor_portal/approval_list.html", {"waiting": waiting, "mine": mine})


def _approves_bank_change(request, pk) -> bool:
    return request.POST.get("decision") == "approve" and ApprovalRequest.objects.visible_to(request.scope).filter(pk=pk, kind=BANK_CHANGE).exists()


@portal_view()
@fresh_second_factor(applies=_approves_bank_change)
def approval_detail(request, pk):
    """What is asked, shown as the checker needs to see it (each kind adds its panel), and two buttons."""
    approval = get_visible_or_404(ApprovalRequest, request.scope, pk=pk)
    form = ApprovalDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        unconfirmed = confirm_first(
            request,
            question=(_("Approve “%(summary)s”?") if approve else _("Reject “%(summary)s”?")) % {"summary": approval.summary},
            confirm_label=_("Yes, approve") if approve else _("Yes, reject"),
            cancel_url=reverse("approval_detail", args=[approval.pk]),
            danger=not approve,
        )
        if unconfirmed is not None:
            return unconfirmed
        try:
            approval_decide(
                approval=approval, approve=approve, note=form.cleaned_data["note"], actor=Actor.from_request(request), scope=request.scope
            )
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Approved: the change is applied.") if approve else _("Rejected: nothing changes."))
            return redirect("approvals")
    is_own = approval.requested_by_id == request.user.pk
    may_check = not is_own and approval.status == ApprovalStatus.PENDING and request.scope.can(APPROVAL_KINDS[approval.kind].checker_action)
    cannot_approve = checker_refusal(approval=approval, user=request.user) if may_check else None
    document_url = next((value for key, value in approval.payload.items() if key.endswith("_url") and str(value).startswith("/")), "")
    return render(
        request,
        "vendor_portal/approval_detail.html",
        {
            "approval": approval,
            "form": form,
            "is_own": is_own,
            "cannot_approve": cannot_approve,
            "document_url": document_url,
            "panels": _approval_panels(request, approval),
        },
    )


def _approval_panels(request, approval) -> list[dict]:
    if approval.kind == BANK_CHANGE:
        return [{"template": "vendor_portal/_bank_change_review.html", "context": _bank_change_review(approval)}]
    return detail_panels_for(f"approval:{approval.kind}", request, request.scope, approval)


def _masked(account_number: str) -> str:
    return f"···{account_number[-4:]}" if account_number else "—"


def _bank_change_review(approval) -> dict:
    """The bank change side by side with today's details; account numbers masked to their last four."""
    current = BankDetails.objects.filter(vendor_id=approval.vendor_id).first()
    rows = []
    for field in BankDetails.FIELDS:
        label = capfirst(BankDetails._meta.get_field(field).verbose_name)
        now = getattr(current, field, "") if current else ""
        asked = approval.payload.get(field, "")
        if field == "account_number":
            now, asked = _masked(now), _masked(asked)
        rows.append({"label": label, "current": now or "—", "requested": asked or "—", "changed": (now or "") != (asked or "")})
    return {"rows": rows, "has_current": current is not None}


@portal_view()
@require_POST
def approval_withdraw(request, pk):
    approval = get_visible_or_404(ApprovalRequest, request.scope, pk=pk)
    try:
        approval_cancel(approval=approval, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request withdrawn."))
    return redirect("approvals")


# Audit trail ------------------------------------------------------------------------------------
@portal_view(Action.VIEW_AUDIT)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    for bound in ("since", "until"):
        if filters.get(bound):
            day = filters[bound] + (datetime.timedelta(days=1) if bound == "until" else datetime.timedelta())
            filters[bound] = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    page = keyset_page(audit_event_list(scope=request.scope, filters=filters), request.GET, page_size=PAGE_SIZE)
    return render(request, "vendor_portal/audit_list.html", {"form": form, "page": page})


# API tokens -------------------------------------------------------------------------------------
@portal_view(Action.MANAGE_TOKENS)
def vendor_settings(request):
    form = ApiTokenForm(request.POST or None)
    # Shown on the page after the redirect, once: reloading never creates a second token.
    new_token = request.session.pop("new_api_token", None) if request.method == "GET" else None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_token = api_token_create(
                vendor=request.scope.vendor,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.cleaned_data["expires_at"],
                actor=Actor.from_request(request),
            )
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Token '%(name)s' created. Copy it now: it will not be shown again.") % {"name": token.name})
            request.session["new_api_token"] = new_token
            return redirect("vendor_settings")
    tokens = ApiToken.objects.visible_to(request.scope).select_related("created_by")
    return render(request, "vendor_portal/vendor_settings.html", {"form": form, "tokens": tokens, "new_token": new_token})


@login_required
def time_zone_preference(request):
    """Everyone's own page, vendor or retailer: the zone their pages show times in."""
    user = request.user
    form = TimeZoneForm(request.POST or None, initial={"time_zone": user.time_zone or "UTC"})
    if request.method == "POST" and form.is_valid():
        try:
            time_zone_choose(user=user, time_zone=form.cleaned_data["time_zone"], actor=Actor.from_request(request))
        except PortalError as error:
            form.add_error("time_zone", error.message)
        else:
            messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": form.cleaned_data["time_zone"].replace("_", " ")})
            return redirect("time_zone")
    return render(request, "registration/time_zone.html", {"form": form, "now": timezone.now()})


@portal_view(Action.MANAGE_TOKENS)
@require_POST
def api_token_revoke_view(request, pk):
    token = get_visible_or_404(ApiToken, request.scope, pk=pk)
    unconfirmed = confirm_first(
        request,
        question=_("Revoke the API token “%(name)s”?") % {"name": token.name},
        consequence=_("Every system that uses it is refused from then on. A revoked token cannot be brought back: a new one must be created."),
        confirm_label=_("Yes, revoke it"),
        cancel_url=reverse("vendor_settings"),
        danger=True,
    )
    if unconfirmed is not None:
        return unconfirmed
    try:
        api_token_revoke(token=token, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Token '%(name)s' revoked: it no longer works.") % {"name": token.name})
    return redirect("vendor_settings")


# Bank details (maker/checker) -------------------------------------------------------------------
@portal_view(Action.REQUEST_BANK_CHANGE)
def bank_details(request):
    vendor = request.scope.vendor
    current = BankDetails.objects.visible_to(request.scope).first()
    form = BankDetailsForm(request.POST or None, instance=BankDetails(vendor=vendor))
    if request.method == "POST" and form.is_valid():
        bank_details_change_request(vendor=vendor, data=form.cleaned_data, actor=Actor.from_request(request))
        messages.success(request, _("Change requested. It takes effect when a second person approves it."))
        return redirect("bank_details")
    pending = ApprovalRequest.objects.visible_to(request.scope).filter(kind="bank_details_change", status="pending")
    held_until = current.payments_held_until if current is not None and current.payments_held_at(timezone.now()) else None
    return render(request, "vendor_portal/bank_details.html", {"current": current, "form": form, "pending": pending, "held_until": held_until})


# Catalogue --------------------------------------------------------------------------------------
@portal_view(Action.VIEW_CATALOGUE)
def catalogue(request):
    query = request.GET.get("q", "").strip()
    products = product_search(Product.objects.visible_to(request.scope).select_related("vendor").order_by("vendor__code", "vendor_sku"), query)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    can_edit_cases = request.scope.vendor is not None and request.scope.can(Action.MANAGE_SHIPMENTS)
    return render(request, "vendor_portal/catalogue.html", {"page": page, "query": query, "can_edit_cases": can_edit_cases})


@portal_view(Action.MANAGE_SHIPMENTS)
def product_case(request, pk):
    """A product's case size and weight: the defaults ship plans estimate their cartons from."""
    from vendor_portal.forms import ProductCaseForm
    from vendor_portal.services.catalogue import product_case_update

    if request.scope.vendor is None:
        raise Http404
    product = get_visible_or_404(Product.objects.filter(vendor=request.scope.vendor), request.scope, pk=pk)
    initial = {
        "length": product.carton_length_cm,
        "width": product.carton_width_cm,
        "height": product.carton_height_cm,
        "weight": product.carton_weight_kg,
    }
    form = ProductCaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            product_case_update(scope=request.scope, product_id=product.pk, actor=Actor.from_request(request), **form.in_cm_and_kg())
        except PortalError as error:
            for problem in error.field_errors():
                form.add_error(None, problem.message)
        else:
            messages.success(request, _("Case data of %(sku)s saved.") % {"sku": product.vendor_sku})
            return redirect(f"{reverse('catalogue')}?q={product.vendor_sku}")
    return render(request, "vendor_portal/product_case.html", {"product": product, "form": form})


# Team (the vendor's people) ---------------------------------------------------------------------
@portal_view(Action.MANAGE_USERS)
def team(request):
    from vendor_portal.forms import MemberInviteForm
    from vendor_portal.services.members import member_invite

    vendor = request.scope.vendor
    if vendor is None:
        raise Http404
    form = MemberInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = member_invite(
                vendor=vendor,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                roles=form.cleaned_data["roles"],
                marketplaces=form.cleaned_data["marketplaces"],
                actor=Actor.from_request(request),
                site_url=request.build_absolute_uri("/"),
            )
        except PortalError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if outcome.invitation is not None:
                message = _("%(username)s already has an account: they were invited and get access when they accept.")
            else:
                message = _("%(username)s was added and has been e-mailed a link to choose a password.")
            messages.success(request, message % {"username": outcome.user.username})
            return redirect("team")
    invitations = MembershipInvitation.objects.for_vendor(vendor).filter(status=InvitationStatus.PENDING).select_related("user", "invited_by")
    return render(request, "vendor_portal/team.html", {"members": _team_rows(vendor), "form": form, "invitations": invitations})


@portal_view(Action.MANAGE_USERS)
@require_POST
def team_invitation_withdraw(request, pk):
    from vendor_portal.services.members import invitation_withdraw

    if request.scope.vendor is None:
        raise Http404
    try:
        invitation = invitation_withdraw(vendor=request.scope.vendor, invitation_id=pk, actor=Actor.from_request(request))
    except NotFoundError:
        raise Http404 from None
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Invitation of %(username)s withdrawn.") % {"username": invitation.user.username})
    return redirect("team")


# Invitations to join a vendor's team (the invited person) -------------------------------------------
@login_required
def invitation_list(request):
    """The invited person's own invitations: open to anyone signed in, also before they have any role."""
    from vendor_portal.forms import InvitationAnswerForm
    from vendor_portal.services.members import invitation_answer

    if request.method == "POST":
        form = InvitationAnswerForm(request.POST)
        if form.is_valid():
            accept = form.cleaned_data["answer"] == "accept"
            try:
                invitation = invitation_answer(
                    user=request.user,
                    invitation_id=form.cleaned_data["invitation"],
                    accept=accept,
                    make_default=form.cleaned_data["make_default"],
                    actor=Actor.from_request(request),
                )
            except PortalError as error:
                messages.error(request, error.message)
            else:
                if accept and form.cleaned_data["make_default"]:
                    request.session["active_vendor_id"] = invitation.vendor_id
                text = _("You joined %(vendor)s.") if accept else _("You declined the invitation of %(vendor)s.")
                messages.success(request, text % {"vendor": invitation.vendor.name})
                return redirect("invitations")
        else:
            messages.error(request, _("Choose to accept or decline an invitation."))
    invitations = (
        MembershipInvitation.objects.filter(user=request.user, status=InvitationStatus.PENDING)
        .select_related("vendor", "invited_by")
        .prefetch_related("marketplaces")
    )
    return render(request, "vendor_portal/invitation_list.html", {"invitations": invitations})


def _team_rows(vendor) -> list[dict]:
    rows = []
    for user in vendor_members(vendor=vendor):
        marketplaces = member_marketplaces(user.vendor_memberships)
        rows.append(
            {
                "user": user,
                "roles": [m.get_role_display() for m in user.vendor_memberships],
                "marketplaces": marketplaces or [],
                "all_marketplaces": marketplaces is None,
            }
        )
    return rows


@portal_view(Action.MANAGE_USERS)
def team_member(request, user_id):
    from vendor_portal.forms import MemberForm
    from vendor_portal.models import Membership, User
    from vendor_portal.services.members import member_remove, member_update

    vendor = request.scope.vendor
    memberships = list(Membership.objects.filter(vendor=vendor, user_id=user_id).prefetch_related("marketplaces")) if vendor else []
    if not memberships:
        raise Http404
    member = User.objects.get(pk=user_id)
    initial = {"roles": [m.role for m in memberships], "marketplaces": sorted({mp.code for m in memberships for mp in m.marketplaces.all()})}
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                member_remove(vendor=vendor, user=member, actor=Actor.from_request(request))
                messages.success(
                    request, _("%(username)s no longer has access to %(vendor)s.") % {"username": member.username, "vendor": vendor.code}
                )
                return redirect("team")
            if form.is_valid():
                member_update(
                    vendor=vendor,
                    user=member,
                    roles=form.cleaned_data["roles"],
                    marketplaces=form.cleaned_data["marketplaces"],
                    actor=Actor.from_request(request),
                )
                messages.success(request, _("Roles of %(username)s updated.") % {"username": member.username})
                return redirect("team")
        except PortalError as error:
            messages.error(request, error.message)
    return render(request, "vendor_portal/team_member.html", {"member": member, "form": form})


# Vendor onboarding (retailer) ---------------------------------------------------------------------
@portal_view(Action.ONBOARD_VENDORS)
def vendor_list(request):
    from vendor_portal.forms import VendorOnboardForm
    from vendor_portal.selectors import vendor_list as vendors_with_counts
    from vendor_portal.services.vendors import vendor_onboard

    form = VendorOnboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vendor = vendor_onboard(
                code=data["code"],
                name=data["name"],
                gs1_company_prefix=data["gs1_company_prefix"],
                marketplaces=data["marketplaces"],
                admin_username=data["admin_username"],
                admin_email=data["admin_email"],
                actor=Actor.from_request(request),
                site_url=request.build_absolute_uri("/"),
            )
        except PortalError as error:
            for item in error.as_error_list():
                form.add_error(item["field"] if item["field"] in form.fields else None, item["message"])
        else:
            messages.success(request, _("Vendor %(code)s onboarded; its admin was e-mailed an invitation.") % {"code": vendor.code})
            return redirect("vendor_list")
    vendors = vendors_with_counts().order_by("code")
    return render(request, "vendor_portal/vendor_list.html", {"vendors": vendors, "form": form})
