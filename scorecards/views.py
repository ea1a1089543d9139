"""The scorecard page, the rows behind each figure, and its CSV/XLSX download."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vendor_portal.decorators import portal_view
from vendor_portal.document_access import job_readable_or_404
from vendor_portal.errors import DomainValidationError, PortalError
from vendor_portal.models import Job, Marketplace, Vendor, Warehouse
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor

from . import exports, metrics, selectors
from .drilldown import drilldown_queryset, drilldown_rows
from .services.refresh import REFRESH_JOB_KIND, scorecard_refresh_latest, scorecard_refresh_request

CHARTED = ["otif", "on_time_shipment", "fill_rate_confirmed", "asn_accuracy", "label_compliance"]
DRILL_PAGE = 100


def _filter_choices(scope):
    marketplaces = Marketplace.objects.order_by("code")
    if not scope.is_retailer and scope.marketplace_ids is not None:
        marketplaces = marketplaces.filter(pk__in=scope.marketplace_ids)
    warehouses = Warehouse.objects.filter(marketplace__in=marketplaces).order_by("code")
    vendors = Vendor.objects.order_by("code") if scope.is_retailer else []
    return {"marketplaces": marketplaces, "warehouses": warehouses, "vendors": vendors, "periods": selectors.PERIODS}


def _filters_or_error(request):
    try:
        return selectors.scorecard_filters(scope=request.scope, params=request.GET), None
    except DomainValidationError as error:
        return selectors.scorecard_filters(scope=request.scope, params={}), error.message


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def scorecard(request):
    filters, error = _filters_or_error(request)
    summary = selectors.scorecard_summary(scope=request.scope, filters=filters)
    figures = [
        {
            "measure": m,
            "rate": summary["totals"]["rates"][m.name],
            "numerator": summary["totals"][m.numerator],
            "denominator": summary["totals"][m.denominator],
        }
        for m in metrics.MEASURES.values()
    ]
    context = {
        "filters": filters,
        "filter_error": error,
        "query": "&".join(f"{k}={v}" for k, v in filters.query().items()),
        "summary": summary,
        "figures": figures,
        "measures": list(metrics.MEASURES.values()),
        "chart_data": selectors.chart_data(summary, CHARTED),
        "can_refresh": request.scope.can(Action.REFRESH_SCORECARD),
        "refresh_job": _unfinished_refresh(request, filters),
        **_filter_choices(request.scope),
    }
    return render(request, "scorecards/scorecard.html", context, status=400 if error else 200)


def _unfinished_refresh(request, filters):
    """A refresh still going when the page loads is followed in place."""
    if not request.scope.can(Action.REFRESH_SCORECARD):
        return None
    job = scorecard_refresh_latest(scope=request.scope, vendor=filters.vendor)
    return job if job is not None and not job.is_finished else None


REFRESH_FRAGMENT = "scorecards/_refresh_job.html"


@portal_view(Action.REFRESH_SCORECARD)
@require_POST
def scorecard_refresh(request):
    """Queue the current week's refresh (retailer staff: of the vendor the page filters, or everyone's); htmx gets
    the job's progress in place, which reloads the page once the figures are stored."""
    filters, _error = _filters_or_error(request)
    back = f"{reverse('scorecard')}?{'&'.join(f'{k}={v}' for k, v in filters.query().items())}"
    try:
        job = scorecard_refresh_request(scope=request.scope, actor=Actor.from_request(request), vendor=filters.vendor)
    except PortalError as error:
        if request.htmx:
            return render(request, REFRESH_FRAGMENT, {"error": error.message})
        messages.error(request, error.message)
        return redirect(back)
    if request.htmx:
        return render(request, REFRESH_FRAGMENT, {"job": job})
    messages.success(request, _("This week's scorecard is being refreshed: the figures update when it is done."))
    return redirect(back)


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def scorecard_refresh_job(request, pk):
    """The refresh job's progress, polled every second; once it is done the page reloads with the new figures."""
    job = job_readable_or_404(scope=request.scope, user=request.user, pk=pk, queryset=Job.objects.filter(kind=REFRESH_JOB_KIND))
    response = render(request, REFRESH_FRAGMENT, {"job": job})
    if job.status == "succeeded" and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def scorecard_drilldown(request):
    """The rows behind one figure: ?measure=otif (the default) plus the scorecard's filters (a query, so one URL serves every measure)."""
    measure = request.GET.get("measure") or "otif"
    if measure not in metrics.MEASURES:
        raise Http404
    filters, error = _filters_or_error(request)
    if error:
        raise Http404
    missed_only = request.GET.get("missed") == "1"
    queryset = drilldown_queryset(scope=request.scope, filters=filters, measure=measure, missed_only=missed_only)
    page = Paginator(range(queryset.count()), DRILL_PAGE).get_page(request.GET.get("page"))
    rows = drilldown_rows(queryset, measure, slice(page.start_index() - 1 if page.paginator.count else 0, page.end_index()))
    query = "&".join(f"{k}={v}" for k, v in {"measure": measure, **filters.query()}.items())
    return render(
        request,
        "scorecards/drilldown.html",
        {
            "measure": metrics.MEASURES[measure],
            "filters": filters,
            "rows": rows,
            "page": page,
            "query": query,
            "scorecard_query": "&".join(f"{k}={v}" for k, v in filters.query().items()),
            "missed_only": missed_only,
        },
    )


def _weeks_for_export(request):
    filters, error = _filters_or_error(request)
    if error:
        raise Http404
    name = _("scorecard")
    return selectors.scorecard_weeks(scope=request.scope, filters=filters), f"{name}-{filters.first_week}-{filters.week}"


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def scorecard_export_csv(request):
    return exports.scorecard_csv(*_weeks_for_export(request))


@portal_view(Action.VIEW_PURCHASE_ORDERS)
def scorecard_export_xlsx(request):
    return exports.scorecard_xlsx(*_weeks_for_export(request))
