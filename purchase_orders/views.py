"""Purchase-order screens: the vendor's list, detail and confirmation; the buyer's issue, change, cancel and upload."""

import secrets
from decimal import Decimal

from django.contrib import messages
from django.core import signing
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planning.services.availability import availability_by_product, confirmation_warnings
from vendor_portal.confirmation import confirm_first
from vendor_portal.decorators import portal_view
from vendor_portal.errors import DomainValidationError, PortalError
from vendor_portal.export_views import export_csv, export_job_start
from vendor_portal.listing import keyset_page
from vendor_portal.models import AuditEvent, Document, Product
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tables import CSV_CONTENT_TYPE, checked_upload, checked_upload_token, upload_read
from vendor_portal.tenancy import get_visible_or_404

from . import exports, imports, selectors
from .forms import (
    DUE_SOON_HOURS,
    LineChangeForm,
    PurchaseOrderCancelForm,
    PurchaseOrderConfirmationForm,
    PurchaseOrderCreateForm,
    PurchaseOrderLineFormSet,
    PurchaseOrderListFilter,
    PurchaseOrderUploadForm,
    PurchaseOrderWindowsForm,
    mark_invalid,
)
from .models import PurchaseOrder, PurchaseOrderState, RejectionReason
from .services.confirmations import confirmations_accepting_all, purchase_order_acknowledge
from .services.orders import PurchaseOrderInput, purchase_order_cancel, purchase_order_change, purchase_order_create

PAGE_SIZE = 50
DEFAULT_SORT = "-order_date"
SORTS = {
    "number": "number",
    "order_date": "order_date",
    "ship_window": "ship_window_start",
    "confirmation_due": "confirmation_due_at",
    "state": "state_rank",  # in lifecycle order, not alphabetical
}
QUANTITIES = ["ordered", "accepted", "backordered", "rejected", "cancelled", "shipped", "received", "invoiced"]
UPLOAD_SALT = "purchase_orders.upload"
SHOWN_UPLOAD_ERRORS = 200


# The list -------------------------------------------------------------------------------------------
def purchase_order_rows(scope, params):
    """The list's POs as the page filters and sorts them (the API's selector: line totals as correlated
    subqueries); the export streams the same rows."""
    filterset = selectors.purchase_order_filterset(scope=scope, params=params or None, filterset_class=PurchaseOrderListFilter)
    sort = _sort(params)
    rows = selectors.purchase_order_list(scope=scope, params=params, filterset=filterset, ordering=_ordering(sort))
    return filterset, rows, sort


def _sort_headers(request, current: str) -> dict:
    headers = {}
    for key in SORTS:
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("cursor", None)
        if current == key:
            direction, query["sort"] = "ascending", f"-{key}"
        elif current == f"-{key}":
            direction, query["sort"] = "descending", key
        else:
            direction, query["sort"] = "none", key
        headers[key] = {"query": query.urlencode(), "direction": direction}
    return headers


def _duration(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


def confirmation_countdown(po, now) -> dict | None:
    """How long until the confirmation is due, and whether that is overdue or soon."""
    if po.state != PurchaseOrderState.NEW:
        return None
    seconds = (po.confirmation_due_at - now).total_seconds()
    if seconds < 0:
        return {"level": "overdue", "label": _("Overdue by %(t)s") % {"t": _duration(seconds)}}
    level = "soon" if seconds <= DUE_SOON_HOURS * 3600 else "ok"
    return {"level": level, "label": _("in %(t)s") % {"t": _duration(seconds)}}


def _sort(params) -> str:
    sort = params.get("sort") or DEFAULT_SORT
    return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT


def _ordering(sort: str) -> tuple[str, str]:
    direction = "-" if sort.startswith("-") else ""
    return f"{direction}{SORTS[sort.lstrip('-')]}", f"{direction}id"


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def purchase_order_list(request):
    """The API's selector (line totals for the page's rows only), a keyset page and a capped count."""
    scope = request.scope
    filterset = selectors.purchase_order_filterset(scope=scope, params=request.GET or None, filterset_class=PurchaseOrderListFilter)
    sort = _sort(request.GET)
    rows = selectors.purchase_order_list(scope=scope, params=request.GET, filterset=filterset, ordering=_ordering(sort))
    page = keyset_page(rows, request.GET, page_size=PAGE_SIZE, count=True, count_queryset=filterset.qs)
    now = timezone.now()
    for po in page:
        po.countdown = confirmation_countdown(po, now)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query.pop("cursor", None)
    return render(
        request,
        "purchase_orders/purchase_order_list.html",
        {
            "filterset": filterset,
            "page": page,
            "sorting": _sort_headers(request, sort),
            "export_query": export_query.urlencode(),
            "is_filtered": any(key not in ("sort", "page", "cursor") for key in request.GET),
            "can_manage": request.scope.can(Action.MANAGE_PURCHASE_ORDERS),
            "can_confirm": request.scope.can(Action.CONFIRM_PURCHASE_ORDERS),
        },
    )


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def purchase_order_export_csv(request):
    return export_csv(request, exports.PURCHASE_ORDERS)


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def purchase_order_export_xlsx(request):
    return export_job_start(request, exports.PURCHASE_ORDERS, "xlsx")


# Detail ---------------------------------------------------------------------------------------------
def _purchase_order(request, number):
    return get_visible_or_404(PurchaseOrder.objects.select_related("vendor", "marketplace", "ship_to", "created_by"), request.scope, number=number)


def _lines(po):
    lines = list(po.lines.select_related("product").order_by("sequence"))
    reported = availability_by_product(line.product_id for line in lines if line.product_id)
    for line in lines:
        line.reported = reported.get(line.product_id)
        line.above_availability = line.reported is not None and not line.reported.covers(line.accepted_quantity * line.eaches_per_unit)
    return lines


def line_totals(lines) -> dict:
    totals = {name: sum(getattr(line, f"{name}_quantity") for line in lines) for name in QUANTITIES}
    totals["ordered_value"] = sum((line.net_cost * line.ordered_quantity for line in lines), Decimal("0.00"))
    totals["accepted_value"] = sum((line.net_cost * (line.accepted_quantity + line.backordered_quantity) for line in lines), Decimal("0.00"))
    return totals


def _revisions(acknowledgements) -> list[dict]:
    reasons = dict(RejectionReason.choices)
    revisions = []
    for ack in acknowledgements:
        rows = []
        for row in ack.lines:
            rows.append({**row, "reason_label": reasons.get(row.get("rejection_reason") or "", "")})
        revisions.append({"ack": ack, "rows": rows})
    return revisions


def _history(po, lines, acknowledgements):
    wanted = Q(object_type=PurchaseOrder._meta.label_lower, object_id=str(po.pk))
    if lines:
        wanted |= Q(object_type=lines[0]._meta.label_lower, object_id__in=[str(line.pk) for line in lines])
    if acknowledgements:
        wanted |= Q(object_type=acknowledgements[0]._meta.label_lower, object_id__in=[str(ack.pk) for ack in acknowledgements])
    return list(AuditEvent.objects.filter(wanted).order_by("-occurred_at", "-id")[:200])


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def purchase_order_detail(request, number):
    po = _purchase_order(request, number)
    scope = request.scope
    lines = _lines(po)
    acknowledgements = list(po.acknowledgements.select_related("submitted_by").order_by("-revision"))
    documents = list(Document.objects.visible_to(scope).filter(target_type=PurchaseOrder._meta.label_lower, target_id=str(po.pk)))
    changeable = po.state in (PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED)
    # The chargebacks and claims raised on this PO (reconciliation's, read through the reverse relation so this
    # app imports nothing of it), for those who may see payments.
    deductions = list(po.deductions.visible_to(scope).order_by("-created_at", "-pk")) if scope.can(Action.VIEW_PAYMENTS) else []
    return render(
        request,
        "purchase_orders/purchase_order_detail.html",
        {
            "po": po,
            "lines": lines,
            "totals": line_totals(lines),
            "revisions": _revisions(acknowledgements),
            "events": _history(po, lines, acknowledgements),
            "documents": documents,
            "deductions": deductions,
            "countdown": confirmation_countdown(po, timezone.now()),
            "can_confirm": scope.can(Action.CONFIRM_PURCHASE_ORDERS) and po.is_confirmable,
            "can_change": scope.can(Action.MANAGE_PURCHASE_ORDERS) and changeable,
            "can_cancel": scope.can(Action.MANAGE_PURCHASE_ORDERS) and po.can_transition_to(PurchaseOrderState.CANCELLED),
            "cancel_form": PurchaseOrderCancelForm(),
        },
    )


# Vendor: confirmation -------------------------------------------------------------------------------
@portal_view(Action.CONFIRM_PURCHASE_ORDERS)
def purchase_order_confirm(request, number):
    po = _purchase_order(request, number)
    lines = _lines(po)
    context = {"po": po, "lines": lines, "countdown": confirmation_countdown(po, timezone.now())}
    if not po.is_confirmable:
        return render(request, "purchase_orders/purchase_order_confirm.html", context, status=409 if request.method == "POST" else 200)
    form = PurchaseOrderConfirmationForm(po, lines, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        # "Accept all" is the API's accept_all: the same service call, only the dates come from the form.
        accept_all = "accept_all" in request.POST
        if form.dates.is_valid() if accept_all else form.is_valid():
            dates = form.dates.cleaned_data
            confirmations = _accepting_all(po, form) if accept_all else form.confirmations()
            try:
                po = purchase_order_acknowledge(
                    scope=request.scope,
                    number=po.number,
                    lines=confirmations,
                    actor=Actor.from_request(request),
                    scheduled_ship_date=dates.get("scheduled_ship_date"),
                    scheduled_delivery_date=dates.get("scheduled_delivery_date"),
                )
            except DomainValidationError as error:
                form.add_domain_errors(error.field_errors())
                context["error_message"] = error.message
            except PortalError as error:
                messages.error(request, error.message)
                return redirect("po_detail", number=po.number)
            else:
                messages.success(
                    request,
                    _("Confirmation of PO %(number)s saved. It is now %(state)s.") % {"number": po.number, "state": po.get_state_display()},
                )
                for warning in confirmation_warnings(po, _lines(po)):
                    messages.warning(request, warning)
                return redirect("po_confirmed", number=po.number)  # offers the next PO to confirm
        else:
            form.mark_invalid()
            context["error_message"] = _("Some values are not valid; nothing was saved.")
        status = 400
    context.update(form=form, rows=list(zip(lines, form.lines, strict=False)), is_revision=po.acknowledged_at is not None)
    return render(request, "purchase_orders/purchase_order_confirm.html", context, status=status)


def _accepting_all(po, form: PurchaseOrderConfirmationForm) -> list:
    """Every open line accepted in full, what an earlier revision rejected staying rejected; each line's
    problems go back to its row."""
    rows = {line_form.line.sequence: line_form for line_form in form.lines}
    confirmations = confirmations_accepting_all(po)
    for confirmation in confirmations:
        confirmation.ref = rows.get(confirmation.sequence)
    return confirmations


# Buyer: issue, change, cancel -------------------------------------------------------------------------
def _new_po_number() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        number = "".join(secrets.choice(alphabet) for _i in range(8))
        if not PurchaseOrder.objects.filter(number=number).exists():
            return number


def _typed_asins(vendor, identifiers) -> set[str]:
    """Which of the identifiers the buyer typed are ASINs of the vendor's products rather than SKUs."""
    skus = set(Product.objects.filter(vendor=vendor, vendor_sku__in=identifiers).values_list("vendor_sku", flat=True))
    candidates = [identifier.upper() for identifier in identifiers if identifier not in skus]
    return set(Product.objects.filter(vendor=vendor, asin__in=candidates).values_list("asin", flat=True)) if candidates else set()


@portal_view(Action.MANAGE_PURCHASE_ORDERS)
def purchase_order_new(request):
    form = PurchaseOrderCreateForm(request.POST or None, initial={"number": _new_po_number()} if request.method == "GET" else None)
    formset = PurchaseOrderLineFormSet(request.POST or None, prefix="lines")
    line_errors = []
    if request.method == "POST":
        form_valid, formset_valid = form.is_valid(), formset.is_valid()
        if form_valid and formset_valid:
            filled = [line_form for line_form in formset.forms if line_form.has_changed()]
            data = form.cleaned_data
            asins = _typed_asins(data["vendor"], [line_form.cleaned_data["vendor_sku"].strip() for line_form in filled])
            po_input = PurchaseOrderInput(
                vendor=data["vendor"],
                marketplace=data["marketplace"],
                number=data["number"].strip(),
                ship_to=data["ship_to"],
                lines=[
                    line_form.line_input(sequence, by_asin=line_form.cleaned_data["vendor_sku"].strip().upper() in asins)
                    for sequence, line_form in enumerate(filled, start=1)
                ],
                order_type=data["order_type"],
                payment_terms=data["payment_terms"],
                deal_code=data["deal_code"],
                **form.windows(),
            )
            try:
                po = purchase_order_create(data=po_input, actor=Actor.from_request(request))
            except DomainValidationError as error:
                for item in error.field_errors():
                    if item.ref in filled:
                        name = "vendor_sku" if item.field == "asin" else item.field
                        item.ref.add_error(name if name in item.ref.fields else None, item.message)
                    elif item.ref is None and item.field in form.fields:
                        form.add_error(item.field, item.message)
                    else:
                        line_errors.append(item.message)
            else:
                messages.success(request, _("Purchase order %(number)s issued to %(vendor)s.") % {"number": po.number, "vendor": po.vendor.code})
                return redirect("po_detail", number=po.number)
        mark_invalid(form)
        for line_form in formset.forms:
            mark_invalid(line_form)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "purchase_orders/purchase_order_new.html",
        {"form": form, "formset": formset, "line_errors": line_errors + list(formset.non_form_errors())},
        status=status,
    )


@portal_view(Action.MANAGE_PURCHASE_ORDERS)
def purchase_order_change_view(request, number):
    po = _purchase_order(request, number)
    lines = _lines(po)
    changeable = po.state in (PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED)
    data = request.POST if request.method == "POST" and changeable else None
    windows = PurchaseOrderWindowsForm(data, purchase_order=po)
    line_forms = [LineChangeForm(data, line=line) for line in lines]
    errors = []
    status = 200
    if data is not None:
        valid = [windows.is_valid()] + [line_form.is_valid() for line_form in line_forms]
        if all(valid):
            dates = windows.changed_windows()
            changes = [(line_form, change) for line_form in line_forms if (change := line_form.change())]
            if not dates and not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect("po_detail", number=po.number)
            try:
                purchase_order_change(
                    scope=request.scope, number=po.number, actor=Actor.from_request(request), lines=[c for _f, c in changes], **dates
                )
            except DomainValidationError as error:
                for item in error.field_errors():
                    if item.ref in line_forms:
                        item.ref.add_error("ordered_quantity", item.message)
                    elif item.ref is None and item.field in windows.fields:
                        windows.add_error(item.field, item.message)
                    else:
                        errors.append(item.message)
            except PortalError as error:
                messages.error(request, error.message)
                return redirect("po_detail", number=po.number)
            else:
                messages.success(request, _("PO %(number)s changed. The vendor has been asked to confirm again.") % {"number": po.number})
                return redirect("po_detail", number=po.number)
        mark_invalid(windows)
        for line_form in line_forms:
            mark_invalid(line_form)
        status = 400
    return render(
        request,
        "purchase_orders/purchase_order_change.html",
        {"po": po, "windows": windows, "rows": list(zip(lines, line_forms, strict=False)), "errors": errors, "changeable": changeable},
        status=status,
    )


@portal_view(Action.MANAGE_PURCHASE_ORDERS)
@require_POST
def purchase_order_cancel_view(request, number):
    po = _purchase_order(request, number)
    form = PurchaseOrderCancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    # Asked only when it can happen: a PO that cannot be cancelled gets the service's refusal at once.
    unconfirmed = po.can_transition_to(PurchaseOrderState.CANCELLED) and confirm_first(
        request,
        question=_("Cancel purchase order %(number)s?") % {"number": po.number},
        consequence=_("The vendor is told at once and ships nothing more against it. A cancelled purchase order cannot be reopened."),
        details=[(_("Reason"), reason or "—")],
        confirm_label=_("Yes, cancel the PO"),
        cancel_url=reverse("po_detail", args=[po.number]),
        danger=True,
    )
    if unconfirmed:
        return unconfirmed
    try:
        purchase_order_cancel(scope=request.scope, number=po.number, actor=Actor.from_request(request), reason=reason)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("PO %(number)s cancelled. The vendor has been told.") % {"number": po.number})
    return redirect("po_detail", number=po.number)


# Buyer: upload --------------------------------------------------------------------------------------


@portal_view(Action.MANAGE_PURCHASE_ORDERS)
def purchase_order_upload(request):
    form = PurchaseOrderUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "result": None, "file_error": None, "token": None, "max_kb": imports.UPLOAD_MAX_BYTES // 1024}
    if request.method != "POST":
        return render(request, "purchase_orders/purchase_order_upload.html", context)
    committing = "commit" in request.POST
    try:
        if committing:
            checked = checked_upload(request.POST.get("token", ""), request.user, salt=UPLOAD_SALT)
            name, content = checked["name"], checked["content"]
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            name, content = upload_read(upload, max_bytes=imports.UPLOAD_MAX_BYTES)
        else:
            return render(request, "purchase_orders/purchase_order_upload.html", context, status=400)
        # A commit checks the file again: POs may have been created since its dry run.
        result = imports.parse_purchase_orders(name, content)
    except signing.BadSignature:
        context["file_error"] = _("The checked file has expired or is not yours. Upload it again.")
        return render(request, "purchase_orders/purchase_order_upload.html", context, status=400)
    except imports.UploadError as error:
        context["file_error"] = error.message
        return render(request, "purchase_orders/purchase_order_upload.html", context, status=400)
    context.update(result=result, file_name=name, committing=committing)
    if result.ok and committing:
        try:
            created = imports.create_imported_purchase_orders(result=result, actor=Actor.from_request(request))
        except imports.ImportRejected as rejected:
            result.errors = rejected.errors
        else:
            messages.success(request, _("%(count)s purchase orders created from %(name)s.") % {"count": len(created), "name": name})
            return redirect("po_list")
    if result.ok:
        context["token"] = checked_upload_token(name, content, request.user, salt=UPLOAD_SALT)
    context["shown_errors"] = result.errors[:SHOWN_UPLOAD_ERRORS]
    return render(request, "purchase_orders/purchase_order_upload.html", context, status=200 if result.ok else 400)


@portal_view(Action.MANAGE_PURCHASE_ORDERS)
def purchase_order_upload_template(request):
    response = HttpResponse(imports.template_csv(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="purchase-order-upload-template.csv"'
    return response
