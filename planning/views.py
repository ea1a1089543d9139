"""Planning screens: forecasts (list, product chart, download; the buyer's upload) and promotions (list,
detail with the vendor's per-line commitment; the buyer's create, edit, share, cancel)."""

from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.decorators import portal_view
from vendor_portal.errors import DomainValidationError, NotFoundError, PortalError
from vendor_portal.export_views import export_csv, export_job_start
from vendor_portal.listing import keyset_page
from vendor_portal.models import AuditEvent, Marketplace, Product
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor
from vendor_portal.tables import CSV_CONTENT_TYPE, checked_upload, checked_upload_token, upload_read, xlsx_response

from . import availability_imports, exports, imports, selectors
from .filters import ForecastFilter, PromotionFilter
from .forms import (
    AvailabilityItemForm,
    AvailabilityUploadForm,
    CommitmentForm,
    ForecastUploadForm,
    PromotionForm,
    PromotionLineFormSet,
    ReasonForm,
    mark_invalid,
    promotion_input,
)
from .models import Availability, AvailabilityReport, AvailabilitySource, Forecast, ForecastSource, Promotion, PromotionState
from .services import availability, forecasts, promotions
from .services.availability import AvailabilityRow

PAGE_SIZE = 50
UPLOAD_SALT = "planning.forecast_upload"
AVAILABILITY_SALT = "planning.availability_upload"
SHOWN_UPLOAD_ERRORS = 200
SPARK_WIDTH, SPARK_HEIGHT = 120, 28


# Forecasts ------------------------------------------------------------------------------------------
def _sparkline(values) -> str:
    """SVG polyline points for a row's weekly means (scaled to the row's own peak)."""
    if not values:
        return ""
    peak = max(values) or 1
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    return " ".join(f"{index * step:.1f},{SPARK_HEIGHT - 2 - float(value / peak) * (SPARK_HEIGHT - 4):.1f}" for index, value in enumerate(values))


def _sort_links(request, current: str) -> dict:
    links = {}
    for key in selectors.SUMMARY_SORTS:
        query = request.GET.copy()
        query.pop("page", None)
        if current == key:
            direction, query["sort"] = "ascending", f"-{key}"
        elif current == f"-{key}":
            direction, query["sort"] = "descending", key
        else:
            direction, query["sort"] = "none", key
        links[key] = {"query": query.urlencode(), "direction": direction}
    return links


@portal_view(Action.VIEW_PLANNING)
def forecast_list(request):
    scope = request.scope
    filterset = ForecastFilter(request.GET or None, queryset=Forecast.objects.none())
    context = {"filterset": filterset, "can_manage": scope.can(Action.MANAGE_PLANNING), "filter_error": None}
    try:
        rows, sort = selectors.forecast_summary(scope=scope, params=request.GET)
    except DomainValidationError as error:
        context.update(filter_error=error.message, page=None, sorting={})
        return render(request, "planning/forecast_list.html", context, status=400)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    series = selectors.forecast_sparklines(scope=scope, params=request.GET, rows=list(page))
    for row in page:
        row["sparkline"] = _sparkline(series.get((row["product_id"], row["marketplace_id"]), []))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    context.update(
        page=page,
        sorting=_sort_links(request, sort),
        export_query=query.urlencode(),
        is_filtered=any(key not in ("sort", "page") and value for key, value in request.GET.items()),
        spark={"width": SPARK_WIDTH, "height": SPARK_HEIGHT},
    )
    template = "planning/forecast_list.html#results" if request.htmx else "planning/forecast_list.html"
    return render(request, template, context)


@portal_view(Action.VIEW_PLANNING)
def forecast_export_csv(request):
    return export_csv(request, exports.FORECASTS)


@portal_view(Action.VIEW_PLANNING)
def forecast_export_xlsx(request):
    return export_job_start(request, exports.FORECASTS, "xlsx")


@portal_view(Action.VIEW_PLANNING)
def forecast_product(request, product_id):
    detail = selectors.forecast_product(scope=request.scope, product_id=product_id, marketplace_code=request.GET.get("marketplace"))
    previous = detail["previous"]
    rows = [{"week": week, "previous": previous.get(week.week_start)} for week in detail["weeks"]]
    totals = {name: sum((getattr(week, name) for week in detail["weeks"]), start=0) for name in ("mean", "p70", "p80", "p90")}
    return render(
        request,
        "planning/forecast_product.html",
        {
            **detail,
            "rows": rows,
            "totals": totals,
            "chart_data": selectors.forecast_chart_data(detail) if detail["weeks"] else None,
            "latest": detail["weeks"][-1].publication if detail["weeks"] else None,
            "promotions": _upcoming_promotions(request.scope, detail["product"], detail["marketplace"]),
        },
    )


def _upcoming_promotions(scope, product, marketplace):
    if marketplace is None:
        return []
    return list(
        Promotion.objects.visible_to(scope)
        .filter(lines__product=product, marketplace=marketplace, state__in=[PromotionState.SHARED, PromotionState.CONFIRMED])
        .order_by("start_date")[:10]
    )


@portal_view(Action.MANAGE_PLANNING)
def forecast_upload(request):
    from vendor_portal.models import Vendor

    form = ForecastUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "result": None, "file_error": None, "token": None, "max_kb": imports.UPLOAD_MAX_BYTES // 1024}
    page = "planning/forecast_upload.html"
    if request.method != "POST":
        return render(request, page, context)
    committing = "commit" in request.POST
    try:
        if committing:
            checked = checked_upload(request.POST.get("token", ""), request.user, salt=UPLOAD_SALT)
            name, content, vendor_code = checked["name"], checked["content"], checked["vendor"]
            vendor = Vendor.objects.filter(code=vendor_code, is_active=True).first()
            if vendor is None:
                raise signing.BadSignature("vendor gone")
        elif form.is_valid():
            upload, vendor = form.cleaned_data["file"], form.cleaned_data["vendor"]
            name, content = upload_read(upload, max_bytes=imports.UPLOAD_MAX_BYTES)
        else:
            mark_invalid(form)
            return render(request, page, context, status=400)
        # A commit checks the file again: the horizon moves and other publications may have landed.
        result = imports.parse_forecasts(name, content, vendor=vendor)
    except signing.BadSignature:
        context["file_error"] = _("The checked file has expired or is not yours. Upload it again.")
        return render(request, page, context, status=400)
    except imports.UploadError as error:
        context["file_error"] = error.message
        return render(request, page, context, status=400)
    context.update(result=result, file_name=name, vendor=vendor, committing=committing)
    if result.ok and committing:
        try:
            publication = forecasts.forecast_publish(
                scope=request.scope, vendor=vendor, rows=result.rows, actor=Actor.from_request(request), source=ForecastSource.UPLOAD, file_name=name
            )
        except DomainValidationError as error:
            result.errors = [imports.row_error(result.row_numbers, item) for item in error.field_errors()]
        else:
            messages.success(
                request,
                _("Forecast version %(v)s published for %(vendor)s: %(new)s new weeks, %(replaced)s replaced.")
                % {"v": publication.version, "vendor": vendor.code, "new": publication.new_count, "replaced": publication.replaced_count},
            )
            return redirect(f"{reverse('forecast_list')}?vendor={vendor.code}")
    if result.ok:
        context["token"] = checked_upload_token(name, content, request.user, salt=UPLOAD_SALT, vendor=vendor.code)
    context["shown_errors"] = result.errors[:SHOWN_UPLOAD_ERRORS]
    return render(request, page, context, status=200 if result.ok else 400)


@portal_view(Action.MANAGE_PLANNING)
def forecast_upload_template(request):
    marketplace = Marketplace.objects.filter(code=request.GET.get("marketplace", "US")).first()
    response = HttpResponse(imports.template_csv(marketplace), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="forecast-upload-template.csv"'
    return response


# Promotions -----------------------------------------------------------------------------------------
@portal_view(Action.VIEW_PLANNING)
def promotion_list(request):
    scope = request.scope
    filterset = PromotionFilter(request.GET or None, queryset=Promotion.objects.none())
    if scope.is_retailer:
        states = PromotionState.choices
    else:
        states = [(value, label) for value, label in PromotionState.choices if value != PromotionState.DRAFT]
    filterset.form.fields["state"].choices = states
    context = {"filterset": filterset, "can_manage": scope.can(Action.MANAGE_PLANNING), "filter_error": None}
    try:
        rows = selectors.promotion_list(scope=scope, params=request.GET)
    except DomainValidationError as error:
        context.update(filter_error=error.message, page=None)
        return render(request, "planning/promotion_list.html", context, status=400)
    page = keyset_page(rows, request.GET, page_size=PAGE_SIZE)
    now = timezone.now()
    for promotion in page:
        promotion.awaiting_answer = promotion.state == PromotionState.SHARED and not promotion.has_started(now)
    context.update(page=page, is_filtered=any(key not in ("page", "cursor") and value for key, value in request.GET.items()))
    return render(request, "planning/promotion_list.html", context)


def _promotion(request, pk):
    try:
        return selectors.promotion_detail(scope=request.scope, promotion_id=pk)
    except NotFoundError as error:
        raise Http404(error.message) from error


def _history(promotion):
    lines = list(promotion.lines.all())
    wanted = Q(object_type=promotion._meta.label_lower, object_id=str(promotion.pk))
    if lines:
        wanted |= Q(object_type=lines[0]._meta.label_lower, object_id__in=[str(line.pk) for line in lines])
    return list(AuditEvent.objects.filter(wanted).order_by("-occurred_at", "-id")[:200])


def _detail(request, promotion, *, commit_forms=None, decline_form=None, cancel_form=None, error_message=None, status=200):
    scope = request.scope
    now = timezone.now()
    lines = list(promotion.lines.all())
    can_confirm = scope.can(Action.CONFIRM_PROMOTIONS) and not scope.is_retailer and promotion.is_answerable(now)
    can_manage = scope.can(Action.MANAGE_PLANNING) and scope.is_retailer
    if can_confirm and commit_forms is None:
        commit_forms = [CommitmentForm(line=line) for line in lines]
    prices = selectors.list_prices(promotion)
    rows = []
    for index, line in enumerate(lines):
        list_price = prices.get(line.product_id)
        discount = None
        if list_price and list_price > line.promotional_price:
            discount = round((1 - line.promotional_price / list_price) * 100)
        rows.append({"line": line, "form": commit_forms[index] if commit_forms else None, "list_price": list_price, "discount": discount})
    context = {
        "promotion": promotion,
        "rows": rows,
        "totals": selectors.promotion_totals(promotion),
        "events": _history(promotion),
        "can_confirm": can_confirm,
        "has_started": promotion.has_started(now),
        "can_edit": can_manage and promotion.is_editable,
        "can_share": can_manage and promotion.can_transition_to(PromotionState.SHARED),
        "can_cancel": can_manage and promotion.can_transition_to(PromotionState.CANCELLED),
        "can_reopen": can_manage and promotion.state == PromotionState.DECLINED,
        "decline_form": decline_form or ReasonForm(prefix="decline"),
        "cancel_form": cancel_form or ReasonForm(prefix="cancel", required=False),
        "error_message": error_message,
    }
    return render(request, "planning/promotion_detail.html", context, status=status)


@portal_view(Action.VIEW_PLANNING)
def promotion_detail(request, pk):
    return _detail(request, _promotion(request, pk))


@portal_view(Action.CONFIRM_PROMOTIONS)
@require_POST
def promotion_confirm(request, pk):
    promotion = _promotion(request, pk)
    if not promotion.is_answerable():
        messages.error(
            request,
            _("This promotion can no longer be confirmed: it is %(state)s or the deal has started.")
            % {"state": promotion.get_state_display().lower()},
        )
        return redirect("promotion_detail", pk=promotion.pk)
    line_forms = [CommitmentForm(request.POST, line=line) for line in promotion.lines.all()]
    if not all([form.is_valid() for form in line_forms]):
        for form in line_forms:
            mark_invalid(form)
        return _detail(request, promotion, commit_forms=line_forms, error_message=_("Some values are not valid; nothing was saved."), status=400)
    try:
        promotions.promotion_confirm(
            scope=request.scope, promotion_id=promotion.pk, commitments=[form.commitment() for form in line_forms], actor=Actor.from_request(request)
        )
    except DomainValidationError as error:
        general = []
        for item in error.field_errors():
            if item.ref in line_forms:
                item.ref.add_error("note" if item.field == "note" else "committed_units", item.message)
            else:
                general.append(item.message)
        for form in line_forms:
            mark_invalid(form)
        return _detail(request, promotion, commit_forms=line_forms, error_message=" ".join(general) or error.message, status=400)
    except PortalError as error:
        messages.error(request, error.message)
        return redirect("promotion_detail", pk=promotion.pk)
    messages.success(request, _("Your commitment to %(name)s is saved; the buyer has been told.") % {"name": promotion.name})
    return redirect("promotion_detail", pk=promotion.pk)


@portal_view(Action.CONFIRM_PROMOTIONS)
@require_POST
def promotion_decline(request, pk):
    promotion = _promotion(request, pk)
    form = ReasonForm(request.POST, prefix="decline")
    if not form.is_valid():
        mark_invalid(form)
        return _detail(request, promotion, decline_form=form, error_message=_("Say why you decline."), status=400)
    try:
        promotions.promotion_decline(
            scope=request.scope, promotion_id=promotion.pk, reason=form.cleaned_data["reason"], actor=Actor.from_request(request)
        )
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You declined %(name)s; the buyer has been told.") % {"name": promotion.name})
    return redirect("promotion_detail", pk=promotion.pk)


def _buyer_action(request, pk, service, success, **kwargs):
    promotion = _promotion(request, pk)
    try:
        service(scope=request.scope, promotion_id=promotion.pk, actor=Actor.from_request(request), **kwargs)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success % {"name": promotion.name})
    return redirect("promotion_detail", pk=promotion.pk)


@portal_view(Action.MANAGE_PLANNING)
@require_POST
def promotion_share(request, pk):
    return _buyer_action(request, pk, promotions.promotion_share, _("%(name)s is shared; the vendor has been asked to confirm."))


@portal_view(Action.MANAGE_PLANNING)
@require_POST
def promotion_cancel(request, pk):
    form = ReasonForm(request.POST, prefix="cancel", required=False)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _buyer_action(request, pk, promotions.promotion_cancel, _("%(name)s is cancelled."), reason=reason)


@portal_view(Action.MANAGE_PLANNING)
@require_POST
def promotion_reopen(request, pk):
    return _buyer_action(request, pk, promotions.promotion_reopen, _("%(name)s is a draft again: change it and share it."))


def _typed_asins(vendor, identifiers) -> set[str]:
    """Which identifiers the buyer typed are ASINs of the vendor's products rather than SKUs."""
    skus = set(Product.objects.filter(vendor=vendor, vendor_sku__in=identifiers).values_list("vendor_sku", flat=True))
    candidates = [identifier.upper() for identifier in identifiers if identifier not in skus]
    return set(Product.objects.filter(vendor=vendor, asin__in=candidates).values_list("asin", flat=True)) if candidates else set()


def _promotion_form_view(request, promotion=None):
    editing = promotion is not None
    if editing:
        initial = {
            "vendor": promotion.vendor.code,
            "marketplace": promotion.marketplace.code,
            "name": promotion.name,
            "promotion_type": promotion.promotion_type,
            "start_date": promotion.start_date,
            "end_date": promotion.end_date,
            "buyer_note": promotion.buyer_note,
        }
        line_initial = [
            {
                "product": line.product.vendor_sku,
                "promotional_price": line.promotional_price,
                "expected_units": line.expected_units,
                "vendor_funding_per_unit": line.vendor_funding_per_unit,
            }
            for line in promotion.lines.all()
        ]
    else:
        initial, line_initial = {"promotion_type": "best_deal"}, []
    data = request.POST if request.method == "POST" else None
    form = PromotionForm(data, initial=initial, vendor_locked=editing)
    formset = PromotionLineFormSet(data, initial=line_initial, prefix="lines")
    line_errors = []
    status = 200
    if data is not None:
        form_valid, formset_valid = form.is_valid(), formset.is_valid()
        if form_valid and formset_valid:
            filled = [line_form for line_form in formset.forms if not line_form.is_blank()]
            asins = _typed_asins(form.cleaned_data["vendor"], [line_form.cleaned_data["product"].strip() for line_form in filled])
            data_input = promotion_input(form, filled, asins)
            actor = Actor.from_request(request)
            try:
                if editing:
                    saved = promotions.promotion_update(scope=request.scope, promotion_id=promotion.pk, data=data_input, actor=actor)
                else:
                    saved = promotions.promotion_create(scope=request.scope, data=data_input, actor=actor)
            except DomainValidationError as error:
                for item in error.field_errors():
                    if item.ref in filled:
                        name = "product" if item.field in ("vendor_sku", "asin") else item.field
                        item.ref.add_error(name if name in item.ref.fields else None, item.message)
                    elif item.ref is None and item.field in form.fields:
                        form.add_error(item.field, item.message)
                    else:
                        line_errors.append(item.message)
            except PortalError as error:
                messages.error(request, error.message)
                return redirect("promotion_detail", pk=promotion.pk) if editing else redirect("promotion_list")
            else:
                if "share" in request.POST:
                    return _buyer_action(
                        request, saved.pk, promotions.promotion_share, _("%(name)s is saved and shared; the vendor has been asked to confirm.")
                    )
                messages.success(request, _("%(name)s is saved as a draft. Share it when it is ready.") % {"name": saved.name})
                return redirect("promotion_detail", pk=saved.pk)
        mark_invalid(form)
        for line_form in formset.forms:
            mark_invalid(line_form)
        status = 400
    return render(
        request,
        "planning/promotion_form.html",
        {"form": form, "formset": formset, "promotion": promotion, "line_errors": line_errors + list(formset.non_form_errors())},
        status=status,
    )


@portal_view(Action.MANAGE_PLANNING)
def promotion_new(request):
    return _promotion_form_view(request)


@portal_view(Action.MANAGE_PLANNING)
def promotion_edit(request, pk):
    promotion = _promotion(request, pk)
    if not promotion.is_editable:
        messages.error(request, _("Only a draft can be edited; this promotion is %(state)s.") % {"state": promotion.get_state_display().lower()})
        return redirect("promotion_detail", pk=promotion.pk)
    return _promotion_form_view(request, promotion)


# Availability ---------------------------------------------------------------------------------------
@portal_view(Action.VIEW_PLANNING)
def availability_list(request):
    scope = request.scope
    rows = Availability.objects.visible_to(scope).select_related("product", "ship_from", "vendor")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        rows = rows.filter(Q(product__vendor_sku__iexact=query) | Q(product__asin__iexact=query) | Q(product__title__icontains=query))
    vendor_code = request.GET.get("vendor", "").strip()[:20] if scope.is_retailer else ""
    if vendor_code:
        rows = rows.filter(vendor__code__iexact=vendor_code)
    page = keyset_page(rows.order_by("product_id", "ship_from_id", "id"), request.GET, page_size=PAGE_SIZE)
    return render(
        request,
        "planning/availability_list.html",
        {
            "page": page,
            "q": query,
            "vendor_code": vendor_code,
            "can_report": scope.can(Action.REPORT_AVAILABILITY) and not scope.is_retailer,
            "is_filtered": bool(query or vendor_code),
            "latest": AvailabilityReport.objects.visible_to(scope).filter(**({"vendor__code__iexact": vendor_code} if vendor_code else {})).first(),
        },
    )


@portal_view(Action.REPORT_AVAILABILITY)
def availability_update(request):
    """The vendor's report: one item from the form, or a whole file checked first (dry run), then saved."""
    scope = request.scope
    if scope.is_retailer or scope.vendor is None:
        raise Http404
    vendor = scope.vendor
    ship_froms = sorted(availability.usable_ship_froms(vendor).values(), key=lambda place: place.code)
    upload_form = AvailabilityUploadForm(request.POST or None, request.FILES or None) if "file_step" in request.POST else AvailabilityUploadForm()
    item_form = AvailabilityItemForm(request.POST if "item" in request.POST else None, ship_froms=ship_froms)
    context = {
        "upload_form": upload_form,
        "item_form": item_form,
        "result": None,
        "file_error": None,
        "token": None,
        "max_kb": availability_imports.UPLOAD_MAX_BYTES // 1024,
        "ship_froms": ship_froms,
    }
    page = "planning/availability_update.html"
    if request.method != "POST":
        return render(request, page, context)
    actor = Actor.from_request(request)
    if "item" in request.POST:
        if not item_form.is_valid():
            mark_invalid(item_form)
            return render(request, page, context, status=400)
        data = item_form.cleaned_data
        identifier = data["product"].strip()
        # The field takes either: a SKU when one matches, else an ASIN.
        by_asin = not vendor.products.filter(vendor_sku=identifier).exists() and vendor.products.filter(asin=identifier.upper()).exists()
        row = AvailabilityRow(
            ship_from=data["ship_from"],
            on_hand=data["on_hand"],
            available=data["available"],
            vendor_sku="" if by_asin else identifier,
            asin=identifier.upper() if by_asin else "",
        )
        try:
            availability.availability_report(scope=scope, vendor=vendor, rows=[row], actor=actor, source=AvailabilitySource.SCREEN)
        except DomainValidationError as error:
            for problem in error.field_errors():
                name = {"vendor_sku": "product", "asin": "product"}.get(problem.field, problem.field)
                item_form.add_error(name if name in item_form.fields else None, problem.message)
            mark_invalid(item_form)
            return render(request, page, context, status=400)
        messages.success(request, _("Availability of %(product)s at %(place)s saved.") % {"product": identifier, "place": data["ship_from"]})
        return redirect("availability_list")
    committing = "commit" in request.POST
    try:
        if committing:
            checked = checked_upload(request.POST.get("token", ""), request.user, salt=AVAILABILITY_SALT)
            name, content = checked["name"], checked["content"]
        elif upload_form.is_valid():
            name, content = upload_read(upload_form.cleaned_data["file"], max_bytes=availability_imports.UPLOAD_MAX_BYTES)
        else:
            mark_invalid(upload_form)
            return render(request, page, context, status=400)
        result = availability_imports.parse_availability(name, content, vendor=vendor)
    except signing.BadSignature:
        context["file_error"] = _("The checked file has expired or is not yours. Upload it again.")
        return render(request, page, context, status=400)
    except availability_imports.UploadError as error:
        context["file_error"] = error.message
        return render(request, page, context, status=400)
    context.update(result=result, file_name=name, committing=committing)
    if result.ok and committing:
        try:
            report = availability.availability_report(
                scope=scope, vendor=vendor, rows=result.rows, actor=actor, source=AvailabilitySource.UPLOAD, file_name=name
            )
        except DomainValidationError as error:
            result.errors = [availability_imports.row_error(result.row_numbers, item) for item in error.field_errors()]
        else:
            messages.success(request, _("Availability saved: %(n)s rows from %(file)s.") % {"n": report.row_count, "file": name})
            return redirect("availability_list")
    if result.ok:
        context["token"] = checked_upload_token(name, content, request.user, salt=AVAILABILITY_SALT)
    context["shown_errors"] = result.errors[:SHOWN_UPLOAD_ERRORS]
    return render(request, page, context, status=200 if result.ok else 400)


@portal_view(Action.REPORT_AVAILABILITY)
def availability_template(request):
    if request.scope.is_retailer or request.scope.vendor is None:
        raise Http404
    return xlsx_response([availability_imports.template_sheet(request.scope.vendor)], "availability")
