"""/api/v1/scorecards/: the stored weekly scorecard rows (read-only), each with its numerators, denominators and rates.

A trailing window's rate is the sum of its weeks' numerators over the sum of their denominators (never the
average of the weekly rates); /api/v1/scorecards/summary does that sum for a period.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from shipments.api.serializers import JobSerializer
from vendor_portal.api.base import PortalAPIView, ScopedReadOnlyViewSet
from vendor_portal.api.errors import documented_error
from vendor_portal.roles import Action

from .. import metrics, selectors
from ..models import ScorecardWeek
from ..services.refresh import scorecard_refresh_request
from . import examples
from .serializers import ScorecardRatesSerializer, ScorecardWeekSerializer

FORBIDDEN = {403: documented_error(_("Your role or token scopes do not allow this."))}
NOT_FOUND = documented_error(_("No such scorecard week, or another vendor's."))
INVALID = documented_error(_("A filter that cannot apply (period, week, vendor, marketplace or DC), naming its field."))


class ScorecardWeekFilter(django_filters.FilterSet):
    vendor = django_filters.CharFilter(field_name="vendor__code", lookup_expr="iexact", help_text=_("Vendor code (retailer staff)."))
    marketplace = django_filters.CharFilter(field_name="marketplace__code", lookup_expr="iexact", help_text=_("Marketplace code, e.g. US."))
    dc = django_filters.CharFilter(field_name="warehouse__code", lookup_expr="iexact", help_text=_("DC code, e.g. ABE2."))
    week_from = django_filters.DateFilter(field_name="week", lookup_expr="gte", help_text=_("Weeks starting on or after this date."))
    week_to = django_filters.DateFilter(field_name="week", lookup_expr="lte", help_text=_("Weeks starting on or before this date."))

    class Meta:
        model = ScorecardWeek
        fields = ["vendor", "marketplace", "dc", "week_from", "week_to"]


ScorecardFiguresSerializer = type(
    "ScorecardFiguresSerializer",
    (serializers.Serializer,),
    {
        name: serializers.DecimalField(
            max_digits=18,
            decimal_places=2,
            read_only=True,
            # null: some week of the period was stored before the figure was counted this way, and is not recomputed yet
            allow_null=name in metrics.UNKNOWN_UNTIL_RECOMPUTED,
        )
        for name in metrics.FIGURE_FIELDS
    },
)


class ScorecardSummarySerializer(serializers.Serializer):
    first_week = serializers.DateField()
    last_week = serializers.DateField()
    period = serializers.IntegerField()
    figures = ScorecardFiguresSerializer()
    rates = ScorecardRatesSerializer()


SUMMARY_PARAMETERS = [
    OpenApiParameter("week", OpenApiTypes.DATE, description="A day of the period's last week (default: the last complete week)."),
    OpenApiParameter("period", OpenApiTypes.INT, enum=list(selectors.PERIODS), description="Weeks in the period: 1, 4 (default), 13 or 52."),
    OpenApiParameter("vendor", OpenApiTypes.STR, description="Vendor code (retailer staff)."),
    OpenApiParameter("marketplace", OpenApiTypes.STR, description="Marketplace code."),
    OpenApiParameter("dc", OpenApiTypes.STR, description="DC code."),
]


@extend_schema_view(
    list=extend_schema(
        tags=["Scorecards"],
        summary="List scorecard weeks",
        description=(
            "One row per vendor, marketplace, DC and week (weeks start Monday 00:00 UTC), newest first, with every measure's "
            "numerator and denominator and their rates. Filter by vendor, marketplace, dc, week_from, week_to. "
            "Tokens need the orders:read scope."
        ),
        responses={200: ScorecardWeekSerializer(many=True), **FORBIDDEN},
        examples=[examples.WEEK_PAGE],
    ),
    retrieve=extend_schema(
        tags=["Scorecards"],
        summary="A scorecard week",
        responses={200: ScorecardWeekSerializer, 404: NOT_FOUND, **FORBIDDEN},
        examples=[examples.WEEK],
    ),
)
class ScorecardWeekViewSet(ScopedReadOnlyViewSet):
    serializer_class = ScorecardWeekSerializer
    queryset = ScorecardWeek.objects.all()
    filterset_class = ScorecardWeekFilter
    ordering_fields = ["week", "id"]
    ordering = ["-week", "-id"]
    actions = {"*": Action.VIEW_PURCHASE_ORDERS}

    def base_queryset(self):
        return ScorecardWeek.objects.select_related("vendor", "marketplace", "warehouse")

    @extend_schema(
        tags=["Scorecards"],
        summary="Scorecard of a period",
        description="The period's weeks summed (numerators and denominators), then divided: the same figures as the scorecard page.",
        parameters=SUMMARY_PARAMETERS,
        responses={200: ScorecardSummarySerializer, 400: INVALID, **FORBIDDEN},
        examples=[examples.SUMMARY],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request):
        filters = selectors.scorecard_filters(scope=request.scope, params=request.query_params)
        totals = metrics.sum_figures(selectors.scorecard_weeks(scope=request.scope, filters=filters).values(*metrics.FIGURE_FIELDS))
        body = {
            "first_week": filters.first_week,
            "last_week": filters.week,
            "period": filters.period,
            "figures": vars(totals),
            "rates": {name: metrics.rate(totals, name) for name in metrics.MEASURES},
        }
        return Response(ScorecardSummarySerializer(body).data)


class ScorecardRefreshRequestSerializer(serializers.Serializer):
    vendor = serializers.CharField(required=False, allow_blank=True, help_text=_("Vendor code (retailer staff; without it, every vendor)."))


REFRESH_QUEUED = OpenApiExample(
    "Refresh queued",
    response_only=True,
    status_codes=["202"],
    value={
        "id": "9b2d7c41-5e3f-4a8b-b1c6-0f4e2a7d9c15",
        "kind": "scorecard_refresh",
        "status": "queued",
        "percent": 0,
        "progress_done": 0,
        "progress_total": 2,
        "message": "",
        "target_type": "",
        "target_id": "",
        "attempts": 0,
        "created_at": "2026-12-03T14:05:09Z",
        "started_at": None,
        "finished_at": None,
        "result": None,
    },
)


REFRESH_REQUEST = OpenApiExample("Refresh my vendor's week", request_only=True, value={})
REFRESH_REQUEST_RETAILER = OpenApiExample("Retailer staff: one vendor's week", request_only=True, value={"vendor": "ACME"})


class ScorecardRefreshView(PortalAPIView):
    actions = {"POST": Action.REFRESH_SCORECARD}

    @extend_schema(
        tags=["Scorecards"],
        summary="Refresh the current week",
        description=(
            "Recomputes the current week so far (Monday 00:00 UTC to now) in the background and replaces its stored rows; "
            "poll `/api/v1/jobs/{id}/` for progress. While a refresh for the same vendor is queued or running, the answer "
            "is that job (same `id`): no second one starts. Tokens need the orders:write scope. Send an Idempotency-Key to "
            "retry safely."
        ),
        request=ScorecardRefreshRequestSerializer,
        responses={202: JobSerializer, 400: INVALID, **FORBIDDEN},
        examples=[REFRESH_REQUEST, REFRESH_REQUEST_RETAILER, REFRESH_QUEUED],
    )
    def post(self, request):
        data = ScorecardRefreshRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filters = selectors.scorecard_filters(scope=request.scope, params={"vendor": data.validated_data.get("vendor", "")})
        job = scorecard_refresh_request(scope=request.scope, actor=self.actor, vendor=filters.vendor)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
