"""The vendor's bulk confirmation screens: download the POs awaiting confirmation as a file, upload it filled in
(a dry run, then every PO or none), and, after one PO is confirmed on screen, the next one to confirm."""

from django.contrib import messages
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.decorators import portal_view
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tables import checked_upload, checked_upload_token, upload_read
from vendor_portal.tenancy import get_visible_or_404

from . import bulk_confirmation
from .forms import PurchaseOrderUploadForm
from .models import PurchaseOrder
from .selectors import purchase_order_next_to_confirm
from .views import confirmation_countdown

BULK_SALT = "purchase_orders.bulk_confirmation"
SHOWN_ERRORS = 200
# The list's filters the page offers; the others the list may have set (search, due soon, ...) are kept as they are.
FILTER_FIELDS = ("marketplace", "ship_to", "ship_window_from", "ship_window_to")


def _query(request) -> str:
    query = request.GET.copy()
    for key in ("page", "sort"):
        query.pop(key, None)
    return query.urlencode()


def _kept_filters(request) -> list[tuple[str, str]]:
    return [(key, value) for key, values in request.GET.lists() if key not in FILTER_FIELDS + ("page", "sort") for value in values]


@portal_view(Action.CONFIRM_PURCHASE_ORDERS)
def purchase_order_bulk_confirmation(request):
    filterset = bulk_confirmation.confirmation_filters(scope=request.scope, params=request.GET)
    purchase_orders = filterset.qs
    form = PurchaseOrderUploadForm(request.POST or None, request.FILES or None)
    context = {
        "filterset": filterset,
        "filter_fields": [filterset.form[name] for name in FILTER_FIELDS],
        "kept_filters": _kept_filters(request),
        "query": _query(request),
        "po_count": purchase_orders.count(),
        "line_count": bulk_confirmation.lines_to_confirm(purchase_orders).count(),
        "max_rows": bulk_confirmation.UPLOAD_MAX_ROWS,
        "max_kb": bulk_confirmation.UPLOAD_MAX_BYTES // 1024,
        "form": form,
        "result": None,
        "file_error": None,
        "token": None,
    }
    template = "purchase_orders/purchase_order_bulk_confirmation.html"
    if request.method != "POST":
        return render(request, template, context)
    applying = "apply" in request.POST
    try:
        if applying:
            checked = checked_upload(request.POST.get("token", ""), request.user, salt=BULK_SALT)
            name, content = checked["name"], checked["content"]
        elif form.is_valid():
            name, content = upload_read(form.cleaned_data["file"], max_bytes=bulk_confirmation.UPLOAD_MAX_BYTES)
        else:
            return render(request, template, context, status=400)
        # Applying reads and checks the file again: its POs may have changed since the dry run.
        result = bulk_confirmation.read_bulk_confirmation(name, content, scope=request.scope)
    except signing.BadSignature:
        context["file_error"] = _("The checked file has expired or is not yours. Upload it again.")
        return render(request, template, context, status=400)
    except bulk_confirmation.UploadError as error:
        context["file_error"] = error.message
        return render(request, template, context, status=400)
    context.update(result=result, file_name=name, applying=applying)
    if result.ok and applying:
        try:
            confirmed = bulk_confirmation.apply_bulk_confirmation(result=result, scope=request.scope, actor=Actor.from_request(request))
        except bulk_confirmation.BulkConfirmationRejected as rejected:
            result.errors = rejected.errors
        else:
            messages.success(request, _("%(count)s purchase orders confirmed from %(name)s.") % {"count": len(confirmed), "name": name})
            return redirect(f"{reverse('po_list')}?needs_confirmation=on")
    if result.ok:
        context["token"] = checked_upload_token(name, content, request.user, salt=BULK_SALT)
    context["shown_errors"] = result.errors[:SHOWN_ERRORS]
    return render(request, template, context, status=200 if result.ok else 400)


def _download(request, build):
    filterset = bulk_confirmation.confirmation_filters(scope=request.scope, params=request.GET)
    lines = bulk_confirmation.lines_to_confirm(filterset.qs)
    count = lines.count()
    back = f"{reverse('po_bulk_confirm')}?{_query(request)}"
    if not count:
        messages.info(request, _("No purchase order awaits your confirmation with these filters."))
        return redirect(back)
    if count > bulk_confirmation.UPLOAD_MAX_ROWS:
        messages.error(
            request,
            _("%(count)s lines await confirmation with these filters; a file holds at most %(max)s, as many as an upload takes. Narrow the filters.")
            % {"count": count, "max": bulk_confirmation.UPLOAD_MAX_ROWS},
        )
        return redirect(back)
    return build(lines, f"po-confirmations-{timezone.localtime():%Y%m%d-%H%M}")


@portal_view(Action.CONFIRM_PURCHASE_ORDERS)
def purchase_order_bulk_confirmation_csv(request):
    return _download(request, bulk_confirmation.csv_download)


@portal_view(Action.CONFIRM_PURCHASE_ORDERS)
def purchase_order_bulk_confirmation_xlsx(request):
    return _download(request, bulk_confirmation.xlsx_download)


@portal_view(Action.CONFIRM_PURCHASE_ORDERS)
def purchase_order_confirmed(request, number):
    """Where the confirmation screen goes once a PO is saved: the next PO to confirm, by due date."""
    po = get_visible_or_404(PurchaseOrder.objects.select_related("marketplace"), request.scope, number=number)
    next_po = purchase_order_next_to_confirm(scope=request.scope, exclude=po)
    waiting = PurchaseOrder.objects.visible_to(request.scope).needing_confirmation().exclude(pk=po.pk).count()
    return render(
        request,
        "purchase_orders/purchase_order_confirmed.html",
        {
            "po": po,
            "next_po": next_po,
            "waiting": waiting,
            "countdown": confirmation_countdown(next_po, timezone.now()) if next_po else None,
        },
    )
