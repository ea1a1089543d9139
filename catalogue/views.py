"""Item setup and cost change screens: the vendor proposes (one by one, or from a file with a dry run; a
confirmed new-items file is proposed by a worker while its page shows the progress) and follows the history;
the buyer works through the queue and decides, confirming each decision."""

from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vendor_portal.confirmation import confirm_first
from vendor_portal.decorators import portal_view
from vendor_portal.errors import DomainValidationError, PortalError
from vendor_portal.models import AuditEvent, Marketplace, Product, ProductCost
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tables import XLSX_CONTENT_TYPE, checked_upload, checked_upload_token, upload_read, xlsx_response
from vendor_portal.tenancy import get_visible_or_404

from . import imports, item_imports
from .forms import (
    COST_FORM_FIELDS,
    CommentForm,
    CostChangeForm,
    CostUploadForm,
    CounterForm,
    ItemProposalForm,
    ItemUploadForm,
    OfferFormSet,
    mark_invalid,
)
from .models import CostChangeRequest, CostChangeState, ItemProposal, ItemProposalUpload, ItemUploadStatus, ProposalState
from .services import costs, item_uploads, items

PAGE_SIZE = 50
UPLOAD_SALT = "catalogue.cost_upload"
ITEM_UPLOAD_SALT = "catalogue.item_upload"
SHOWN_UPLOAD_ERRORS = 200
ITEM_FORM_FIELDS = {name: name for name in ItemProposalForm.base_fields}


def _can_propose(scope) -> bool:
    return not scope.is_retailer and scope.vendor is not None and scope.can(Action.PROPOSE_CATALOGUE)


def _can_review(scope) -> bool:
    return scope.is_retailer and scope.can(Action.REVIEW_CATALOGUE)


def _history(obj):
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-occurred_at", "-id")[:100])


# Items ------------------------------------------------------------------------------------------------
@portal_view(Action.VIEW_CATALOGUE)
def item_proposal_list(request):
    scope = request.scope
    proposals = ItemProposal.objects.visible_to(scope).select_related("vendor", "product")
    state = request.GET.get("state", "")
    if state in ProposalState.values:
        proposals = proposals.filter(state=state)
    query = request.GET.get("q", "").strip()
    if query:
        proposals = proposals.filter(Q(vendor_sku__icontains=query) | Q(title__icontains=query) | Q(gtin=query) | Q(vendor__code__iexact=query))
    states = [(v, label) for v, label in ProposalState.choices if not (scope.is_retailer and v == ProposalState.DRAFT)]
    page = Paginator(proposals.order_by("-updated_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/item_proposal_list.html",
        {"page": page, "state": state, "states": states, "query": query, "can_propose": _can_propose(scope)},
    )


def _item_form_page(request, proposal=None):
    scope = request.scope
    if not _can_propose(scope):
        raise Http404
    if proposal is not None and not proposal.is_editable:
        messages.error(request, _("Only a draft or a returned item can be changed."))
        return redirect("item_proposal_detail", pk=proposal.pk)
    initial = ItemProposalForm.initial_from(proposal) if proposal else None
    offers_initial = (
        [
            {"marketplace": o.marketplace.code, "cost": o.cost, "list_price": o.list_price, "local_title": o.local_title}
            for o in proposal.offers.select_related("marketplace")
        ]
        if proposal
        else None
    )
    form = ItemProposalForm(request.POST or None, initial=initial)
    offer_forms = OfferFormSet(request.POST or None, initial=offers_initial, prefix="offers")
    context = {"form": form, "offer_forms": offer_forms, "proposal": proposal, "error_message": None}
    if request.method == "POST":
        if form.is_valid() and offer_forms.is_valid():
            offers = [f.offer() for f in offer_forms if f.has_changed() and f.cleaned_data]
            submit = "submit" in request.POST
            actor = Actor.from_request(request)
            try:
                if proposal is None:
                    saved = items.item_proposal_create(scope=scope, data=form.item_input(offers), actor=actor, submit=submit)
                else:
                    saved = items.item_proposal_update(scope=scope, proposal_id=proposal.pk, data=form.item_input(offers), actor=actor, submit=submit)
            except DomainValidationError as error:
                general = []
                for problem in error.field_errors():
                    if problem.ref in offer_forms.forms and problem.field in problem.ref.fields:
                        problem.ref.add_error(problem.field, problem.message)
                    elif problem.field in form.fields:
                        form.add_error(problem.field, problem.message)
                    else:
                        general.append(problem.message)
                context["error_message"] = " ".join(general) or error.message
            except PortalError as error:
                context["error_message"] = error.message
            else:
                messages.success(
                    request,
                    _("%(sku)s is submitted; the buyer has been told.") % {"sku": saved.vendor_sku}
                    if submit
                    else _("%(sku)s is saved as a draft.") % {"sku": saved.vendor_sku},
                )
                return redirect("item_proposal_detail", pk=saved.pk)
        mark_invalid(form)
        for offer_form in offer_forms:
            mark_invalid(offer_form)
        return render(request, "catalogue/item_proposal_form.html", context, status=400)
    return render(request, "catalogue/item_proposal_form.html", context)


@portal_view(Action.PROPOSE_CATALOGUE)
def item_proposal_new(request):
    return _item_form_page(request)


@portal_view(Action.PROPOSE_CATALOGUE)
def item_proposal_edit(request, pk):
    return _item_form_page(request, get_visible_or_404(ItemProposal, request.scope, pk=pk))


@portal_view(Action.VIEW_CATALOGUE)
def item_proposal_detail(request, pk):
    scope = request.scope
    proposal = get_visible_or_404(ItemProposal.objects.select_related("vendor", "product"), scope, pk=pk)
    levels = sorted(proposal.pack_levels.all(), key=lambda level: level.units)
    context = {
        "proposal": proposal,
        "levels": levels,
        "offers": [o for o in proposal.offers.select_related("marketplace") if scope.sees_marketplace(o.marketplace_id)],
        "events": _history(proposal),
        "can_edit": _can_propose(scope) and proposal.is_editable,
        "can_submit": _can_propose(scope) and proposal.can_transition_to(ProposalState.SUBMITTED),
        "can_review": _can_review(scope) and proposal.state == ProposalState.SUBMITTED,
        "comment_form": CommentForm(),
    }
    return render(request, "catalogue/item_proposal_detail.html", context)


@portal_view(Action.PROPOSE_CATALOGUE)
@require_POST
def item_proposal_submit(request, pk):
    proposal = get_visible_or_404(ItemProposal, request.scope, pk=pk)
    try:
        items.item_proposal_submit(scope=request.scope, proposal_id=proposal.pk, actor=Actor.from_request(request))
    except PortalError as error:
        messages.error(request, " ".join(e.message for e in error.field_errors()) if isinstance(error, DomainValidationError) else error.message)
    else:
        messages.success(request, _("%(sku)s is submitted; the buyer has been told.") % {"sku": proposal.vendor_sku})
    return redirect("item_proposal_detail", pk=proposal.pk)


@portal_view(Action.REVIEW_CATALOGUE)
@require_POST
def item_proposal_review(request, pk):
    proposal = get_visible_or_404(ItemProposal, request.scope, pk=pk)
    approve = request.POST.get("decision") == "approve"
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    if not approve and not comment.strip():
        messages.error(request, _("Say what the vendor should change."))
        return redirect("item_proposal_detail", pk=proposal.pk)
    unconfirmed = confirm_first(
        request,
        question=(_("Approve %(sku)s into the catalogue?") if approve else _("Return %(sku)s to the vendor?")) % {"sku": proposal.vendor_sku},
        consequence=_("The item gets an ASIN and can be ordered at once; this cannot be undone.") if approve else comment,
        confirm_label=_("Yes, approve") if approve else _("Yes, return it"),
        cancel_url=reverse("item_proposal_detail", args=[proposal.pk]),
        danger=not approve,
    )
    if unconfirmed is not None:
        return unconfirmed
    actor = Actor.from_request(request)
    try:
        if approve:
            items.item_proposal_approve(scope=request.scope, proposal_id=proposal.pk, actor=actor, comment=comment)
        else:
            items.item_proposal_return(scope=request.scope, proposal_id=proposal.pk, comment=comment, actor=actor)
    except PortalError as error:
        messages.error(request, " ".join(e.message for e in error.field_errors()) if isinstance(error, DomainValidationError) else error.message)
    else:
        messages.success(
            request,
            _("%(sku)s is approved and orderable.") % {"sku": proposal.vendor_sku}
            if approve
            else _("%(sku)s is returned to the vendor.") % {"sku": proposal.vendor_sku},
        )
    return redirect("item_proposal_detail", pk=proposal.pk)


@portal_view(Action.PROPOSE_CATALOGUE)
def item_proposal_upload(request):
    """Check a file of new items (dry run: per row what would be proposed, or its problems), then confirm: the
    checked file is stored and a worker proposes its items all at once, submitted to the buyer, while the
    upload's page shows the progress."""
    scope = request.scope
    if not _can_propose(scope):
        raise Http404
    form = ItemUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "result": None, "file_error": None, "token": None, "max_kb": item_imports.UPLOAD_MAX_BYTES // 1024}
    context["max_rows"] = item_imports.MAX_ITEMS
    page = "catalogue/item_proposal_upload.html"
    if request.method != "POST":
        return render(request, page, context)
    if "commit" in request.POST:
        return _item_upload_confirm(request, context, page)
    if not form.is_valid():
        mark_invalid(form)
        return render(request, page, context, status=400)
    codes = list(Marketplace.objects.order_by("code").values_list("code", flat=True))
    try:
        name, content = upload_read(form.cleaned_data["file"], max_bytes=item_imports.UPLOAD_MAX_BYTES)
        result = item_imports.parse_item_proposals(name, content, scope=scope, marketplace_codes=codes)
    except item_imports.UploadError as error:
        context["file_error"] = error.message
        return render(request, page, context, status=400)
    context.update(result=result, file_name=name, shown_rows=result.rows[:SHOWN_UPLOAD_ERRORS])
    if result.ok:
        context["token"] = checked_upload_token(name, content, request.user, salt=ITEM_UPLOAD_SALT)
    return render(request, page, context, status=200 if result.ok else 400)


def _item_upload_confirm(request, context, page):
    """The dry run's file (its signed token), stored and handed to a worker; the same file confirmed twice
    while its job runs (a double click) lands on that job's page."""
    try:
        checked = checked_upload(request.POST.get("token", ""), request.user, salt=ITEM_UPLOAD_SALT)
    except signing.BadSignature:
        context["file_error"] = _("The checked file has expired or is not yours. Upload it again.")
        return render(request, page, context, status=400)
    try:
        upload, _job = item_uploads.item_proposal_upload(
            scope=request.scope,
            file_name=checked["name"],
            content=checked["content"],
            actor=Actor.from_request(request),
            language=request.LANGUAGE_CODE,
        )
    except PortalError as error:
        context["file_error"] = error.message
        return render(request, page, context, status=400)
    return redirect("item_proposal_upload_status", pk=upload.pk)


def _upload_context(request, pk) -> dict:
    upload = get_visible_or_404(ItemProposalUpload.objects.defer("content"), request.scope, pk=pk)
    return {
        "upload": upload,
        "job": item_uploads.upload_job(upload),
        "waiting": upload.status == ItemUploadStatus.RECEIVED,
        "shown_errors": upload.errors[:SHOWN_UPLOAD_ERRORS],
    }


@require_GET
@portal_view(Action.VIEW_CATALOGUE)
def item_proposal_upload_status(request, pk):
    return render(request, "catalogue/item_proposal_upload_status.html", _upload_context(request, pk))


@require_GET
@portal_view(Action.VIEW_CATALOGUE)
def item_proposal_upload_progress(request, pk):
    context = _upload_context(request, pk)
    response = render(request, "catalogue/_item_upload_progress.html", context)
    response["Cache-Control"] = "no-store"
    if not context["waiting"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # finished while the page polled: the whole page shows the outcome (the problems' table)
    return response


@portal_view(Action.PROPOSE_CATALOGUE)
def item_proposal_template(request):
    if not _can_propose(request.scope):
        raise Http404
    marketplaces = [m for m in Marketplace.objects.order_by("code") if request.scope.sees_marketplace(m.pk)]
    response = HttpResponse(item_imports.template_workbook(marketplaces=marketplaces), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="new-items-template.xlsx"'
    return response


# Cost changes ----------------------------------------------------------------------------------------
@portal_view(Action.VIEW_CATALOGUE)
def cost_change_list(request):
    scope = request.scope
    requests = CostChangeRequest.objects.visible_to(scope).select_related("vendor", "product", "marketplace")
    state = request.GET.get("state", "")
    if state in CostChangeState.values:
        requests = requests.filter(state=state)
    query = request.GET.get("q", "").strip()
    if query:
        requests = requests.filter(Q(product__vendor_sku__icontains=query) | Q(product__asin__iexact=query) | Q(vendor__code__iexact=query))
    vendor_code = request.GET.get("vendor", "").strip()
    if vendor_code and scope.is_retailer:
        requests = requests.filter(vendor__code__iexact=vendor_code)
    page = Paginator(requests.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/cost_change_list.html",
        {"page": page, "state": state, "states": CostChangeState.choices, "query": query, "can_propose": _can_propose(scope)},
    )


@portal_view(Action.PROPOSE_CATALOGUE)
def cost_change_new(request):
    scope = request.scope
    if not _can_propose(scope):
        raise Http404
    form = CostChangeForm(request.POST or None, vendor=scope.vendor, initial={"product": request.GET.get("product")})
    error_message = None
    if request.method == "POST":
        if form.is_valid():
            try:
                (created,) = costs.cost_changes_propose(scope=scope, changes=[form.change()], actor=Actor.from_request(request))
            except DomainValidationError as error:
                for problem in error.field_errors():
                    form.add_error(COST_FORM_FIELDS.get(problem.field or "", None), problem.message)
            except PortalError as error:
                error_message = error.message
            else:
                messages.success(
                    request, _("Your cost change for %(sku)s is proposed; the buyer has been told.") % {"sku": created.product.vendor_sku}
                )
                return redirect("cost_change_detail", pk=created.pk)
        mark_invalid(form)
        return render(request, "catalogue/cost_change_form.html", {"form": form, "error_message": error_message}, status=400)
    return render(request, "catalogue/cost_change_form.html", {"form": form, "error_message": error_message})


@portal_view(Action.PROPOSE_CATALOGUE)
def cost_change_upload(request):
    """Check a file (dry run: what would be proposed, or every problem by row), then propose it all at once."""
    scope = request.scope
    if not _can_propose(scope):
        raise Http404
    form = CostUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "result": None, "file_error": None, "token": None, "max_kb": imports.UPLOAD_MAX_BYTES // 1024}
    page = "catalogue/cost_change_upload.html"
    if request.method != "POST":
        return render(request, page, context)
    committing = "commit" in request.POST
    try:
        if committing:
            checked = checked_upload(request.POST.get("token", ""), request.user, salt=UPLOAD_SALT)
            name, content = checked["name"], checked["content"]
        elif form.is_valid():
            name, content = upload_read(form.cleaned_data["file"], max_bytes=imports.UPLOAD_MAX_BYTES)
        else:
            mark_invalid(form)
            return render(request, page, context, status=400)
        result = imports.parse_cost_changes(name, content, scope=scope)  # a commit checks again: others may have proposed since
    except signing.BadSignature:
        context["file_error"] = _("The checked file has expired or is not yours. Upload it again.")
        return render(request, page, context, status=400)
    except imports.UploadError as error:
        context["file_error"] = error.message
        return render(request, page, context, status=400)
    context.update(result=result, file_name=name)
    if result.ok and committing:
        try:
            created = costs.cost_changes_propose(scope=scope, changes=result.changes, actor=Actor.from_request(request))
        except DomainValidationError as error:
            result.errors = [imports.row_error(result.row_numbers, item) for item in error.field_errors()]
        else:
            messages.success(request, _("%(n)s cost changes proposed; the buyer has been told.") % {"n": len(created)})
            return redirect(f"{reverse('cost_change_list')}?state=proposed")
    if result.ok:
        context["token"] = checked_upload_token(name, content, request.user, salt=UPLOAD_SALT)
    context["shown_errors"] = result.errors[:SHOWN_UPLOAD_ERRORS]
    return render(request, page, context, status=200 if result.ok else 400)


@portal_view(Action.PROPOSE_CATALOGUE)
def cost_change_template(request):
    if not _can_propose(request.scope):
        raise Http404
    products = list(Product.objects.for_vendor(request.scope.vendor).filter(is_active=True).order_by("vendor_sku")[:50])
    return xlsx_response([imports.template_sheet(products)], "cost-change-template")


@portal_view(Action.VIEW_CATALOGUE)
def cost_change_detail(request, pk):
    scope = request.scope
    change = get_visible_or_404(CostChangeRequest.objects.select_related("vendor", "product", "marketplace"), scope, pk=pk)
    exposure, exposure_total = costs.price_protection_exposure(change)
    on_hand = costs.on_hand_exposure(change)
    waiting_for_buyer = change.state == CostChangeState.PROPOSED and _can_review(scope)
    waiting_for_vendor = change.state == CostChangeState.COUNTERED and _can_propose(scope)
    context = {
        "change": change,
        "exposure": exposure,
        "exposure_total": exposure_total + (on_hand.exposure if on_hand else 0),
        "on_hand": on_hand,
        "cost_history": ProductCost.objects.visible_to(scope)
        .filter(product=change.product, marketplace=change.marketplace)
        .order_by("-effective_from")[:50],
        "earlier_requests": CostChangeRequest.objects.visible_to(scope)
        .filter(product=change.product, marketplace=change.marketplace)
        .exclude(pk=change.pk)[:20],
        "events": _history(change),
        "waiting_for_buyer": waiting_for_buyer,
        "waiting_for_vendor": waiting_for_vendor,
        "comment_form": CommentForm(),
        "counter_form": CounterForm(),
    }
    return render(request, "catalogue/cost_change_detail.html", context)


@portal_view(Action.VIEW_CATALOGUE)
@require_POST
def cost_change_decide(request, pk):
    """Accept, counter or reject (the buyer), accept or decline a counter (the vendor): confirmed first."""
    scope = request.scope
    change = get_visible_or_404(CostChangeRequest.objects.select_related("product", "marketplace"), scope, pk=pk)
    decision = request.POST.get("decision")
    counter_form = CounterForm(request.POST) if decision == "counter" else None
    comment_form = CommentForm(request.POST)
    comment = comment_form.cleaned_data["comment"] if comment_form.is_valid() else ""
    if counter_form is not None and not counter_form.is_valid():
        messages.error(request, _("Give the counter cost."))
        return redirect("cost_change_detail", pk=change.pk)
    if counter_form is not None:
        comment = counter_form.cleaned_data["comment"]
    labels = {
        "accept": (_("Accept %(cost)s %(currency)s for %(sku)s in %(mp)s from %(day)s?"), _("Yes, accept")),
        "counter": (_("Offer %(counter)s %(currency)s for %(sku)s in %(mp)s instead?"), _("Yes, send the counter offer")),
        "reject": (_("Reject the cost change for %(sku)s in %(mp)s?"), _("Yes, reject")),
    }
    if decision not in labels:
        messages.error(request, _("Choose accept, counter or reject."))
        return redirect("cost_change_detail", pk=change.pk)
    question, confirm_label = labels[decision]
    unconfirmed = confirm_first(
        request,
        question=question
        % {
            "cost": change.cost_to_apply,
            "counter": counter_form.cleaned_data["counter_cost"] if counter_form else "",
            "currency": change.currency,
            "sku": change.product.vendor_sku,
            "mp": change.marketplace.code,
            "day": change.effective_from.isoformat(),
        },
        consequence=_("POs issued from the effective date take the new cost; this cannot be undone.") if decision == "accept" else comment,
        confirm_label=confirm_label,
        cancel_url=reverse("cost_change_detail", args=[change.pk]),
        danger=decision == "reject",
    )
    if unconfirmed is not None:
        return unconfirmed
    actor = Actor.from_request(request)
    try:
        if decision == "accept":
            costs.cost_change_accept(scope=scope, request_id=change.pk, actor=actor, comment=comment)
        elif decision == "counter":
            costs.cost_change_counter(
                scope=scope, request_id=change.pk, counter_cost=counter_form.cleaned_data["counter_cost"], comment=comment, actor=actor
            )
        else:
            costs.cost_change_reject(scope=scope, request_id=change.pk, actor=actor, comment=comment)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            {
                "accept": _("Accepted: the new cost applies to POs issued from the effective date."),
                "counter": _("Your counter offer is sent to the vendor."),
                "reject": _("Rejected: the cost stays as it is."),
            }[decision],
        )
    return redirect("cost_change_detail", pk=change.pk)
